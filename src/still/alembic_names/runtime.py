"""``alembic.runtime``: the package of ``migration`` and ``environment``."""

from __future__ import annotations

from still.alembic_names._standin import stand_in

__path__: list[str] = []

__getattr__, __dir__ = stand_in(
    globals(),
    "alembic.runtime",
    {},  # migration, environment, plugins: submodules (still.compat.ALEMBIC_MODULES)
)
