"""Alembic's public modules, served by still.

While still loads env.py and revision files (and wherever a process opts in with
:mod:`still.alembic_shim`), ``alembic`` is this package and ``alembic.config``,
``alembic.operations``, ``alembic.autogenerate`` ... are its modules (see :mod:`still.compat` for
the whole map).  Each one only names which still object answers which Alembic name; nothing is
imported before it is used.
"""

from __future__ import annotations

from still.alembic_names._standin import stand_in

# The Alembic release whose public interface these modules follow (add-ons compare it).
__version__ = "1.20.1"

_P = "still.alembic_names"
__getattr__, __dir__ = stand_in(
    globals(),
    "alembic",
    {
        "op": "still.op",
        "context": "still.context",
        "command": f"{_P}.command",
        "config": f"{_P}.config",
        "operations": f"{_P}.operations",
        "runtime": f"{_P}.runtime",
        "migration": f"{_P}.runtime_migration",
        "environment": f"{_P}.runtime_environment",
        "script": f"{_P}.script",
        "autogenerate": f"{_P}.autogenerate",
        "ddl": f"{_P}.ddl",
        "util": f"{_P}.util",
        "ext": f"{_P}.ext",
        "plugins": f"{_P}.plugins",
    },
)
