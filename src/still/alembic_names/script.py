"""``alembic.script`` (and ``alembic.script.base``)."""

from __future__ import annotations

from still.alembic_names._standin import stand_in

__path__: list[str] = []

__getattr__, __dir__ = stand_in(
    globals(),
    "alembic.script",
    {
        "ScriptDirectory": "still.script:ScriptDirectory",
        "Script": "still.script:Script",
        # revision, base, write_hooks: submodules (still.compat.ALEMBIC_MODULES)
    },
)
