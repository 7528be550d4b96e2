"""``alembic.runtime.environment`` (and the older ``alembic.environment``)."""

from __future__ import annotations

from still.alembic_names._standin import stand_in

__getattr__, __dir__ = stand_in(
    globals(),
    "alembic.runtime.environment",
    {
        "EnvironmentContext": "still.runtime.environment:EnvironmentContext",
        "MigrationContext": "still.runtime.migration:MigrationContext",
        "Operations": "still.operations.base:Operations",
    },
)
