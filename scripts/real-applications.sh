#!/usr/bin/env bash
# Build one virtual environment per real application that tests/test_real_applications.py runs
# (optuna, prefect, keystone, mlflow, jupyterhub, buildbot): the application from PyPI, the real
# Alembic, the database drivers, and this checkout of still installed editable.  Each application
# gets its own environment because their pins differ from ours and from each other's.
#
# Environments live in .real-apps/NAME (git-ignored) and are rebuilt only when
# tests/real_applications/requirements/NAME.txt or NAME.lock changes, so a second run takes
# seconds.  Usage: bash scripts/real-applications.sh [NAME ...]   (default: every application)
set -euo pipefail
cd "$(dirname "$0")/.."

ROOT=${STILL_REAL_APPS:-.real-apps}
REQS=tests/real_applications/requirements
mkdir -p "$ROOT"

build() {
    local name=$1 venv="$ROOT/$1"
    local stamp
    stamp=$(cat "$REQS/$name.txt" "$REQS/$name.lock" pyproject.toml | sha256sum | cut -c1-16)
    if [ -f "$venv/.stamp" ] && [ "$(cat "$venv/.stamp")" = "$stamp" ]; then
        return 0
    fi
    local started=$SECONDS
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        -r "$REQS/$name.txt" -c "$REQS/$name.lock" -e . >"$ROOT/$name.log" 2>&1 || {
        echo "real applications: installing $name failed, see $ROOT/$name.log" >&2
        tail -20 "$ROOT/$name.log" >&2
        return 1
    }
    echo "$stamp" >"$venv/.stamp"
    echo "real applications: $name ready in $((SECONDS - started)) s"
}

if [ $# -eq 0 ]; then
    set -- $(cd "$REQS" && ls *.txt | sed 's/\.txt$//')
fi
# two at a time: downloads and unpacking overlap on the two cores
pids=()
status=0
for name in "$@"; do
    build "$name" &
    pids+=($!)
    if [ ${#pids[@]} -ge 2 ]; then
        wait "${pids[0]}" || status=1
        pids=("${pids[@]:1}")
    fi
done
for pid in "${pids[@]}"; do
    wait "$pid" || status=1
done
exit $status
