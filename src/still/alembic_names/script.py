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
        "revision": "still.alembic_names.script_revision",
        "base": "still.alembic_names.script",
        "write_hooks": "still.alembic_names.script_write_hooks",
    },
)
