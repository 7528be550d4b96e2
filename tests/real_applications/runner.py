"""Run one of an application's own commands, under real Alembic or with still behind its names.

``python runner.py alembic|still script NAME ARG...`` runs the console script ``NAME`` of the
environment this interpreter belongs to (``optuna``, ``prefect``, ``keystone-manage``...) in this
process, as its entry point would; ``python runner.py alembic|still python CODE`` runs ``CODE``.

Under ``still`` the ``alembic`` names are still's before the application imports anything
(``still.alembic_shim.install()``), so ``alembic.command``, ``MigrationContext`` and
``ScriptDirectory`` used by the application from its own process are still's.  This is the opt-in
switch of today; the process-wide switch (issue 15, item 7) will replace this file's first lines.

This file runs inside an application's environment, not the test suite's: it imports nothing from
the repository.
"""

from __future__ import annotations

import sys
from importlib.metadata import entry_points


def main() -> None:
    tool, how, *rest = sys.argv[1:]
    if tool == "still":
        import still.alembic_shim

        still.alembic_shim.install()
    if how == "python":
        sys.argv = ["python", *rest[1:]]
        exec(compile(rest[0], "<step>", "exec"), {"__name__": "__main__"})
        return
    name, *args = rest
    found = [ep for ep in entry_points(group="console_scripts") if ep.name == name]
    if not found:
        raise SystemExit(f"no console script {name!r} in this environment")
    sys.argv = [name, *args]
    sys.exit(found[0].load()())


if __name__ == "__main__":
    main()
