"""``alembic.ext.checkconstraint_byname``: still compares named CHECK constraints by name in
its own comparison (see docs/autogenerate.md), so the plugin's setup adds nothing."""

from __future__ import annotations

from typing import Any


def setup(plugin: Any) -> None:
    """Alembic's plugin entry: nothing to add under still."""
