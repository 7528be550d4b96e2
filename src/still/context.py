"""``from alembic import context`` / ``from still import context``: the environment of the run.

Every attribute is looked up on the :class:`~still.runtime.environment.EnvironmentContext` that
is running env.py (``context.config``, ``context.configure(...)``, ``context.run_migrations()``).
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    if name == "EnvironmentContext":  # as Alembic's proxy module has it
        from still.runtime.environment import EnvironmentContext

        return EnvironmentContext
    from still.runtime.environment import current_environment

    return getattr(current_environment(), name)
