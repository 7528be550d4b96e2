#!/usr/bin/env bash
# Set up the development environment from nothing and run every check:
# ruff (lint + format), mypy (strict), import-linter (layers), pytest on SQLite, PostgreSQL, MariaDB.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${STILL_VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -e ".[test]"

bash scripts/start-databases.sh

echo "== ruff check"; "$VENV/bin/ruff" check src tests bench examples
echo "== ruff format --check"; "$VENV/bin/ruff" format --check src tests bench examples
echo "== mypy (strict)"; "$VENV/bin/mypy"
echo "== import-linter"; "$VENV/bin/lint-imports"
echo "== pytest"
"$VENV/bin/python" -m pytest -n 2 "$@"
