"""Run one of an application's own commands, under real Alembic or with still behind its names.

``python runner.py alembic|still script NAME ARG...`` runs the console script ``NAME`` of the
environment this interpreter belongs to (``optuna``, ``prefect``, ``keystone-manage``...) in this
process, as its entry point would; ``python runner.py alembic|still python CODE`` runs ``CODE``.

Under ``still`` the test runs this file with the process-wide switch on (``STILL_AS_ALEMBIC=1``),
so ``alembic.command``, ``MigrationContext`` and ``ScriptDirectory`` used by the application from
its own process are still's; this file checks that they are, so a switch that silently failed
cannot make the comparison one of Alembic with itself.

This file runs inside an application's environment, not the test suite's: it imports nothing from
the repository.
"""

from __future__ import annotations

import sys
from importlib.metadata import entry_points


def main() -> None:
    tool, how, *rest = sys.argv[1:]
    import alembic

    if (alembic.__name__ != "alembic") != (tool == "still"):
        raise SystemExit(f"runner for {tool}: `import alembic` gave {alembic.__name__}")
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
