"""``alembic.script.revision``: revisions, the map of them, and the errors about revisions."""

from __future__ import annotations

from still.alembic_names._standin import stand_in

_E = "still.errors"
__getattr__, __dir__ = stand_in(
    globals(),
    "alembic.script.revision",
    {
        "Revision": "still.graph.revision:Revision",
        "RevisionMap": "still.graph.revision_map:RevisionMap",
        "is_revision": "still.graph.revision:is_revision",
        "tuple_rev_as_scalar": "still.graph.revision:tuple_rev_as_scalar",
        **{
            name: f"{_E}:{name}"
            for name in (
                "RevisionError",
                "ResolutionError",
                "RangeNotAncestorError",
                "MultipleHeads",
                "CycleDetected",
                "DependencyCycleDetected",
                "LoopDetected",
                "DependencyLoopDetected",
            )
        },
    },
)
