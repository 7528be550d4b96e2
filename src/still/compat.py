"""Make ``import alembic...`` resolve to still inside still's process.

Existing projects say ``from alembic import op`` and ``from alembic import context``.  While still
loads an env.py or a revision file it puts its own modules in :data:`sys.modules` under Alembic's
names, and afterwards puts back whatever was there before, so a real Alembic installed beside
still is never disturbed outside those moments.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

# Alembic's public module name -> the still module that serves it.
ALEMBIC_MODULES: dict[str, str] = {
    "alembic": "still",
    "alembic.op": "still.op",
    "alembic.context": "still.context",
    "alembic.config": "still.config",
    "alembic.command": "still.command",
    "alembic.operations": "still.operations",
    "alembic.runtime": "still.runtime",
    "alembic.runtime.migration": "still.runtime.migration",
    "alembic.runtime.environment": "still.runtime.environment",
    "alembic.script": "still.script",
}

_depth = 0
_saved: dict[str, ModuleType | None] = {}


def _install() -> None:
    for alias, target in ALEMBIC_MODULES.items():
        _saved[alias] = sys.modules.get(alias)
        sys.modules[alias] = importlib.import_module(target)


def _restore() -> None:
    for alias, previous in _saved.items():
        if previous is None:
            sys.modules.pop(alias, None)
        else:
            sys.modules[alias] = previous
    _saved.clear()


@contextmanager
def alembic_names() -> Iterator[None]:
    """Within this block ``alembic`` and its public submodules are still's."""
    global _depth
    if _depth == 0:
        _install()
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            _restore()
