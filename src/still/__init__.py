"""still: database schema migrations for SQLAlchemy, compatible with Alembic projects.

``from still import command``, ``from still.config import Config``; inside migrations
``from still import op`` (or, unchanged, ``from alembic import op``).  Nothing heavy is imported
until it is used.

PYTEST_DONT_REWRITE: pytest rewrites the asserts of every package that ships a pytest plugin
(still does: still.pytest_plugin), and warns about such a package imported before it starts,
as still is when ``STILL_AS_ALEMBIC`` is on (:mod:`still.alembic_switch`) or an application
imports it before ``pytest.main()``.  This package has no asserts to rewrite; the marker above
tells pytest so, and it stays quiet (test suites run with ``-W error``).
"""

from __future__ import annotations

import importlib

# The process-wide switch imports this package in every interpreter it starts in: no typing.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__version__ = "0.1.0"

_SUBMODULES = {"command", "config", "context", "op", "operations", "runtime", "script", "graph"}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"still.{name}")
    raise AttributeError(f"module 'still' has no attribute {name!r}")
