"""still: database schema migrations for SQLAlchemy, compatible with Alembic projects.

``from still import command``, ``from still.config import Config``; inside migrations
``from still import op`` (or, unchanged, ``from alembic import op``).  Nothing heavy is imported
until it is used.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_SUBMODULES = {"command", "config", "context", "op", "operations", "runtime", "script", "graph"}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"still.{name}")
    raise AttributeError(f"module 'still' has no attribute {name!r}")
