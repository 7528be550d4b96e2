"""The revision graph: a DAG of revisions, the identifiers that name them, and migration plans."""

from still.graph.graph import RevisionGraph
from still.graph.identifiers import (
    resolve_destination,
    resolve_downgrade_target,
    resolve_targets,
    resolve_upgrade_target,
)
from still.graph.plan import Step, downgrade_plan, stamp_plan, upgrade_plan
from still.graph.revision import Revision, as_scalar, as_tuple, id_syntax_in

__all__ = [
    "Revision",
    "RevisionGraph",
    "Step",
    "as_scalar",
    "as_tuple",
    "downgrade_plan",
    "id_syntax_in",
    "resolve_destination",
    "resolve_downgrade_target",
    "resolve_targets",
    "resolve_upgrade_target",
    "stamp_plan",
    "upgrade_plan",
]
