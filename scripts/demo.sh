#!/usr/bin/env bash
# bash scripts/demo.sh: still in about a minute.
#
# Installs still into a virtual environment (.venv-demo/ at the repository root, or
# $STILL_DEMO_VENV) and walks the seed tutorial's workflow on the pet-clinic example
# (examples/petclinic/) with an embedded SQLite database: init, alembic.ini and env.py edits,
# revision --autogenerate for the initial schema, then for `age` and an index added to the Pet
# model, upgrade, check, current, history, heads, an SQL preview, the application's start-up,
# other databases (-x, SQLALCHEMY_URL, stamp), downgrade, log and verify.
#
# Needs only Python 3.10+, pip and git. Most of the time is pip. Safe to run again: the work
# directory examples/petclinic/work/ (git-ignored) is deleted and made anew on every run.
# Stops, with a non-zero exit status, at the first step that fails.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
EXAMPLE=$ROOT/examples/petclinic
WORK=$EXAMPLE/work

# The demo's databases are its own: a SQLALCHEMY_URL or ALEMBIC_CONFIG set in your shell must not
# send still to another database or another project.
unset SQLALCHEMY_URL ALEMBIC_CONFIG

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
    BOLD=$'\033[1m' DIM=$'\033[2m' RESET=$'\033[0m'
else
    BOLD='' DIM='' RESET=''
fi
step() { printf '\n%s== %s%s\n' "$BOLD" "$1" "$RESET"; }
note() { printf '%s# %s%s\n' "$DIM" "$1" "$RESET"; }
fail() {
    printf 'demo.sh: %s\n' "$1" >&2
    exit 1
}
# run CMD ARGS...: print "$ CMD ARGS" as one would type it, then run it.
# `run env NAME=VALUE CMD ...` prints "$ NAME=VALUE CMD ...".
run() {
    local shown='' arg
    for arg in "$@"; do
        case $arg in
        '' | *[!A-Za-z0-9_./:=@+,%-]*) arg="\"$arg\"" ;;
        esac
        shown+=" $arg"
    done
    [ "$1" = env ] && shown=${shown# env}
    printf '$%s\n' "$shown"
    "$@"
}

# ---------------------------------------------------------------------------------------------
step "0. install still into a virtual environment"
VENV=${STILL_DEMO_VENV:-.venv-demo}
if ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    PYTHON=${PYTHON:-python3}
    command -v "$PYTHON" >/dev/null || fail "$PYTHON not found: install Python 3.10+ (or set PYTHON=/path/to/python3)"
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' ||
        fail "still needs Python 3.10+, and $PYTHON is $("$PYTHON" -V 2>&1) (set PYTHON=/path/to/python3.x)"
    run "$PYTHON" -m venv "$VENV" ||
        fail "could not make a virtual environment in $VENV (on Debian/Ubuntu: sudo apt install python3-venv)"
fi
VENV=$(cd "$VENV" && pwd)
# Editable installs of a pyproject.toml-only project need pip 21.3+ (Python 3.10.0 came with 21.2).
if ! "$VENV/bin/python" -c 'import sys, pip; sys.exit(tuple(map(int, pip.__version__.split(".")[:2])) < (21, 3))'; then
    run "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
fi
PIP_LOG=$(mktemp)
trap 'rm -f "$PIP_LOG"' EXIT
printf '$ %s\n' "$VENV/bin/python -m pip install --quiet -e ."
if ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e . >"$PIP_LOG" 2>&1; then
    cat "$PIP_LOG" >&2
    fail "pip install -e . failed (its output is above)"
fi
"$VENV/bin/python" -c 'import still' || fail "still was installed into $VENV but does not import"
export PATH="$VENV/bin:$PATH"
note "installed in ${SECONDS}s"

rm -rf "$WORK"
mkdir -p "$WORK"
cp -R "$EXAMPLE/models" "$EXAMPLE/main.py" "$WORK/"
cd "$WORK"
note "working in examples/petclinic/work/: a copy of the example's models/ and main.py"

# edit FILE OLD NEW [OLD NEW ...]: change the work copy's models as one would in an editor, and
# show the change as a diff.
edit() {
    python - "$@" <<'PY'
import difflib
import sys
from pathlib import Path

path, pairs = Path(sys.argv[1]), sys.argv[2:]
old = new = path.read_text()
for before, after in zip(pairs[::2], pairs[1::2]):
    if new.count(before) != 1:
        raise SystemExit(f"edit: {before!r} is not in {path} exactly once")
    new = new.replace(before, after)
path.write_text(new)
diff = difflib.unified_diff(old.splitlines(), new.splitlines(), str(path), str(path), n=1, lineterm="")
print("\n".join(diff))
PY
}
# show SLUG [whole]: print the revision alembic/versions/*_SLUG.py that autogenerate just wrote
# (from `def upgrade` on, or the whole file).
show() {
    local file
    file=$(ls alembic/versions/*_"$1".py)
    note "$file, as autogenerate wrote it (review it: autogenerate proposes, you decide):"
    if [ "${2:-}" = whole ]; then
        cat "$file"
    else
        sed -n '/^def upgrade/,$p' "$file"
    fi
}

# ---------------------------------------------------------------------------------------------
step "1. still is installed"
run still --version

step "2. a migration environment, as the tutorial's \`alembic init alembic\` makes it"
run still init alembic

step "3. alembic.ini: point sqlalchemy.url at the database (an embedded SQLite file)"
python - <<'PY'
import re
from pathlib import Path

ini = Path("alembic.ini")
text, count = re.subn(
    r"^sqlalchemy\.url = .*$", "sqlalchemy.url = sqlite:///petclinic.db", ini.read_text(), flags=re.M
)
if count != 1:
    raise SystemExit("alembic.ini has no `sqlalchemy.url = ...` line")
ini.write_text(text)
PY
grep -n '^sqlalchemy\.url' alembic.ini

step "4. alembic/env.py: import Base and every model, target_metadata = Base.metadata"
python - <<'PY'
import difflib
from pathlib import Path

env = Path("alembic/env.py")
old = env.read_text()
if old.count("\ntarget_metadata = None\n") != 1:
    raise SystemExit("alembic/env.py has no `target_metadata = None` line")
new = old.replace(
    "\ntarget_metadata = None\n",
    """
# Import Base and the models (as the tutorial does)
from models.base import Base
from models.owners import Owner
from models.pets import Pet
from models.species import Species
from models.manipulations import Manipulation
from models.manipulation_facts import ManipulationFact

target_metadata = Base.metadata
""",
)
env.write_text(new)
diff = difflib.unified_diff(
    old.splitlines(), new.splitlines(), "alembic/env.py", "alembic/env.py", n=1, lineterm=""
)
print("\n".join(diff))
PY

# ---------------------------------------------------------------------------------------------
step "5. the first revision: autogenerate compares the models with the (empty) database"
run still revision --autogenerate -m "initial schema"
show initial_schema whole

step "6. upgrade the database, see where it stands, and check it against the models"
run still upgrade head
run still current
run still check
note "the clinic at work: the application stores its first species, owner and pets"
python - <<'PY'
import sqlite3

with sqlite3.connect("petclinic.db") as db:
    db.execute("INSERT INTO species (id, name) VALUES (1, 'cat'), (2, 'dog')")
    db.execute("INSERT INTO owners (owner_id, owner_name) VALUES (1, 'Anna')")
    db.execute("INSERT INTO pets (owner_id, species_id, name) VALUES (1, 1, 'Murka'), (1, 2, 'Rex')")
    print("pets:", db.execute("SELECT name FROM pets ORDER BY id").fetchall())
PY

# ---------------------------------------------------------------------------------------------
step "7. the models change: Pet gets an age"
edit models/pets.py \
    '    name = Column(String(50), nullable=False)
' \
    '    name = Column(String(50), nullable=False)
    age = Column(Integer, nullable=True)
'
note "still check sees that the models and the database differ (exit status 1):"
run still check || true
run still revision --autogenerate -m "add age to pets"
show add_age_to_pets
run still upgrade head

step "8. and an index on pets.owner_id"
edit models/pets.py \
    'from sqlalchemy import Column, ForeignKey, Integer, String' \
    'from sqlalchemy import Column, ForeignKey, Index, Integer, String' \
    '    __tablename__ = "pets"
' \
    '    __tablename__ = "pets"
    __table_args__ = (Index("ix_pet_owner_id", "owner_id"),)
'
run still revision --autogenerate -m "add index on pet owner_id"
show add_index_on_pet_owner_id
run still upgrade head
run still check

step "9. the database now has the models' schema, and the pets are still there"
python - <<'PY'
from sqlalchemy import create_engine, inspect, text

from models.base import Base
from models import manipulation_facts, manipulations, owners, pets, species  # noqa: F401

engine = create_engine("sqlite:///petclinic.db")
db = inspect(engine)
differences = []
for table in Base.metadata.sorted_tables:
    columns = [c["name"] for c in db.get_columns(table.name)]
    indexes = sorted(i["name"] for i in db.get_indexes(table.name))
    if columns != [c.name for c in table.columns]:
        differences.append(f"{table.name}: columns {columns}, the model has {list(table.columns.keys())}")
    if indexes != sorted(i.name for i in table.indexes):
        differences.append(f"{table.name}: indexes {indexes}, the model has {table.indexes}")
    print(f"{table.name}: {', '.join(columns)}" + "".join(f"; index {i}" for i in indexes))
if differences:
    raise SystemExit("the migrations and the models disagree:\n" + "\n".join(differences))
print("the migrated database matches models/ (every table, column and index)")
with engine.connect() as connection:
    print("pets:", connection.execute(text("SELECT name, age FROM pets ORDER BY id")).all())
PY

step "10. history and heads"
run still history
run still heads

step "11. preview the SQL of going back, without touching the database (--sql)"
run still downgrade --sql head:base

step "12. the application's start-up (main.py): upgrade to head, nothing to do here"
run python main.py

step "13. other databases: -x sqlalchemy.url=..., SQLALCHEMY_URL, and stamp for existing tables"
run still -x sqlalchemy.url=sqlite:///test_db.db upgrade head
run env SQLALCHEMY_URL=sqlite:///test_db.db still current
note "a database made before migrations were used, by Base.metadata.create_all():"
python - <<'PY'
from sqlalchemy import create_engine

from models.base import Base
from models import manipulation_facts, manipulations, owners, pets, species  # noqa: F401

Base.metadata.create_all(create_engine("sqlite:///existing.db"))
PY
run env SQLALCHEMY_URL=sqlite:///existing.db still stamp head
run env SQLALCHEMY_URL=sqlite:///existing.db still current

# ---------------------------------------------------------------------------------------------
step "14. downgrade one step, then all the way"
run still downgrade -1
run still current
run still downgrade base
run still current
note "(nothing printed: the database is at base)"
python - <<'PY'
import sqlite3

tables = [
    name
    for (name,) in sqlite3.connect("petclinic.db").execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
    )
]
print("tables left:", tables)
PY
note "(alembic_version says where the database stands; still_ledger remembers every step)"
run still log -n 4
run still verify

# ---------------------------------------------------------------------------------------------
step "done in ${SECONDS}s: what next"
cat <<EOF
The project is in examples/petclinic/work/ (made anew on every run). Try, there:

    cd examples/petclinic/work && source $VENV/bin/activate
    still upgrade +1             # one revision at a time (the database is at base now)
    still upgrade head -v        # the plan first, then each step
    still history -v             # every revision in full; still show head for one

Then: PostgreSQL or MariaDB (pip install -e ".[postgresql]" or ".[mysql]", and
still -x sqlalchemy.url=postgresql+psycopg://user:password@localhost/clinic upgrade head), or your
own Alembic project: cd into it and type still where you typed alembic.
Read README.md, docs/commands.md, docs/configuration.md and docs/operations.md.
EOF
