"""``alembic.runtime.migration`` (and the older ``alembic.migration``)."""

from __future__ import annotations

from still.alembic_names._standin import stand_in

_S = "still.graph.steps"
__getattr__, __dir__ = stand_in(
    globals(),
    "alembic.runtime.migration",
    {
        "MigrationContext": "still.runtime.migration:MigrationContext",
        "HeadMaintainer": "still.runtime.migration:HeadMaintainer",
        "MigrationInfo": f"{_S}:MigrationInfo",
        "MigrationStep": f"{_S}:MigrationStep",
        "RevisionStep": f"{_S}:RevisionStep",
        "StampStep": f"{_S}:StampStep",
    },
)
