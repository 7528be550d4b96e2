"""One function per user command: the programmatic API (``from still import command``).

``command.upgrade(Config("alembic.ini"), "head")`` does what ``still upgrade head`` does.
Submodules are imported on first use, so commands that never touch a database (``heads``,
``history``) never import SQLAlchemy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from still.command.audit import log, verify
    from still.command.authoring import edit, merge, revision
    from still.command.autogenerate import check
    from still.command.baseline import adopt, repair
    from still.command.inspect import branches, current, heads, history, show
    from still.command.migrate import downgrade, ensure_version, stamp, upgrade
    from still.command.picture import graph
    from still.command.project import init, list_templates
    from still.command.reparent import check_heads, rebase
    from still.command.settle import resolve
    from still.command.shadowing import shadow_clean

_WHERE = {
    "adopt": "baseline",
    "repair": "baseline",
    "check": "autogenerate",
    "log": "audit",
    "check_heads": "reparent",
    "rebase": "reparent",
    "resolve": "settle",
    "shadow_clean": "shadowing",
    "verify": "audit",
    "branches": "inspect",
    "current": "inspect",
    "edit": "authoring",
    "heads": "inspect",
    "history": "inspect",
    "show": "inspect",
    "graph": "picture",
    "downgrade": "migrate",
    "ensure_version": "migrate",
    "stamp": "migrate",
    "upgrade": "migrate",
    "init": "project",
    "list_templates": "project",
    "merge": "authoring",
    "revision": "authoring",
}

__all__ = [
    "adopt",
    "branches",
    "check",
    "check_heads",
    "current",
    "downgrade",
    "edit",
    "ensure_version",
    "graph",
    "heads",
    "history",
    "init",
    "list_templates",
    "log",
    "merge",
    "rebase",
    "repair",
    "resolve",
    "revision",
    "shadow_clean",
    "show",
    "stamp",
    "upgrade",
    "verify",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"still.command has no command {name!r}")
    return getattr(importlib.import_module(f"still.command.{module}"), name)
