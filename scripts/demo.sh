#!/usr/bin/env bash
# The main job in one minute: install still in a fresh virtual environment and walk the seed's
# workflow on the pet-clinic example, with an embedded SQLite database.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

VENV=${STILL_DEMO_VENV:-.venv-demo}
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
echo "installing still into $VENV ..."
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e . 2>&1 | grep -v '^WARNING' || true
"$VENV/bin/python" -c "import still" # fail here, clearly, if the install did not work
VENV=$(cd "$VENV" && pwd)
export PATH="$VENV/bin:$PATH"

WORK=examples/petclinic/work
rm -rf "$WORK"
mkdir -p "$WORK"
cp -r examples/petclinic/models examples/petclinic/main.py examples/petclinic/revisions \
    examples/petclinic/fill_revision.py "$WORK"/
cd "$WORK"

step() { printf '\n\033[1m== %s\033[0m\n' "$1"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "1. still is installed"
run still --version

step "2. a migration environment, as \`alembic init alembic\` makes it"
run still init alembic

step "3. alembic.ini: the database (an embedded SQLite file)"
python - <<'PY'
import re
from pathlib import Path
ini = Path("alembic.ini")
ini.write_text(re.sub(r"^sqlalchemy.url = .*$", "sqlalchemy.url = sqlite:///petclinic.db",
                      ini.read_text(), flags=re.M))
PY
grep '^sqlalchemy.url' alembic.ini

step "4. env.py: import Base and every model, target_metadata = Base.metadata"
python - <<'PY'
from pathlib import Path
env = Path("alembic/env.py")
env.write_text(env.read_text().replace("target_metadata = None", """\
from models.base import Base
from models.owners import Owner  # noqa: F401
from models.pets import Pet  # noqa: F401
from models.species import Species  # noqa: F401
from models.manipulations import Manipulation  # noqa: F401
from models.manipulation_facts import ManipulationFact  # noqa: F401

target_metadata = Base.metadata"""))
PY
grep -n 'target_metadata = ' alembic/env.py

step "5. the first revision: the initial schema (written by hand)"
run still revision -m "initial schema"
python fill_revision.py revisions/initial_schema.py

step "6. upgrade the database"
run still upgrade head
run still current

step "7. two more revisions: a column with a data migration, and an index"
run still revision -m "add age to pets"
python fill_revision.py revisions/add_age_to_pets.py
run still revision -m "add index on pet owner_id"
python fill_revision.py revisions/add_index_on_pet_owner_id.py
run still upgrade head -v

step "8. where the database stands, and the history"
run still current
run still history
run still heads

step "9. preview the SQL of going back, without touching the database"
run still downgrade --sql head:base

step "10. the application's start-up (main.py): nothing to do, and fast"
run python main.py

step "11. downgrade one step, then all the way"
run still downgrade -1
run still current
run still downgrade base
run still current
python - <<'PY'
import sqlite3
tables = [r[0] for r in sqlite3.connect("petclinic.db").execute(
    "select name from sqlite_master where type = 'table' order by name")]
print("tables left:", tables)
PY

printf '\nDone. The project is in %s/%s; try `still history -v` there.\n' "$ROOT" "$WORK"
printf 'Next: docs/configuration.md, and the README for PostgreSQL and MariaDB.\n'
