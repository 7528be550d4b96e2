#!/usr/bin/env bash
# bash scripts/docs.sh: build the documentation site into site/ (git-ignored), warnings as errors.
#
# Installs still and the docs requirements (MkDocs, the Material theme, mkdocs-click) into the
# development virtual environment (.venv/, or $STILL_VENV; made if missing), then runs
# `mkdocs build --strict -d site`. Extra arguments go to mkdocs build (e.g. -d /tmp/site).
# While writing: .venv/bin/mkdocs serve   (http://127.0.0.1:8000, rebuilt on every save)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${STILL_VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check)
if grep -Eq '^docs[[:space:]]*=' pyproject.toml; then
    "${PIP[@]}" -e ".[docs]"
else
    # until pyproject.toml has a `docs` extra
    "${PIP[@]}" -e . "mkdocs>=1.6" "mkdocs-material>=9.5" "mkdocs-click>=0.8"
fi

# Material 9.7+ prints a notice about MkDocs 2 on every build; it is not about this site.
export NO_MKDOCS_2_WARNING=1
"$VENV/bin/python" -m mkdocs build --strict -d site "$@"
echo "docs: built without warnings (site/index.html, unless -d said otherwise)"
