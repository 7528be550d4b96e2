#!/usr/bin/env bash
# Set up the development environment from nothing and run every check:
# ruff (lint + format), mypy (strict), import-linter (layers), pytest on SQLite, PostgreSQL, MariaDB
# (which also builds the documentation site with `mkdocs build --strict`: tests/test_docs.py),
# including real applications installed from PyPI into their own environments (.real-apps/).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${STILL_VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -e ".[test,docs]"

bash scripts/start-databases.sh
# one environment per real application of tests/test_real_applications.py (cached in .real-apps/)
echo "== real applications"; bash scripts/real-applications.sh

PY_DIRS=$(for d in src tests bench examples; do if [ -d "$d" ]; then echo "$d"; fi; done)
echo "== ruff check"; "$VENV/bin/ruff" check $PY_DIRS
echo "== ruff format --check"; "$VENV/bin/ruff" format --check $PY_DIRS
echo "== mypy (strict)"; "$VENV/bin/mypy"
echo "== import-linter"; "$VENV/bin/lint-imports"
echo "== pytest"
"$VENV/bin/python" -m pytest -n 2 --dist worksteal "$@"
