"""``alembic.script.revision``: a revision, and the errors about revisions."""

from __future__ import annotations

from still.alembic_names._standin import stand_in

__getattr__, __dir__ = stand_in(
    globals(),
    "alembic.script.revision",
    {
        "Revision": "still.graph.revision:Revision",
        "RevisionError": "still.errors:RevisionError",
        "ResolutionError": "still.errors:RevisionError",
        "RangeNotAncestorError": "still.errors:RevisionError",
        "CycleDetected": "still.errors:RevisionError",
        "DependencyCycleDetected": "still.errors:RevisionError",
        "LoopDetected": "still.errors:RevisionError",
        "DependencyLoopDetected": "still.errors:RevisionError",
        "MultipleHeads": "still.errors:MultipleHeads",
    },
)
