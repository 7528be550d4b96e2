"""``alembic.command``: the command functions (``upgrade(config, "head")`` ...), still's."""

from __future__ import annotations

from still.alembic_names._standin import stand_in

_COMMANDS = [
    *("branches", "check", "current", "downgrade", "edit", "ensure_version", "heads"),
    *("history", "init"),
    *("list_templates", "merge", "revision", "show", "stamp", "upgrade"),
]

__getattr__, __dir__ = stand_in(
    globals(),
    "alembic.command",
    {
        **{name: f"still.command:{name}" for name in _COMMANDS},
        "ScriptDirectory": "still.script:ScriptDirectory",
        "EnvironmentContext": "still.runtime.environment:EnvironmentContext",
    },
)
