"""``--json``: the state commands' output as one documented JSON document (docs/json.md).

Every document is an object with ``"still_json": 1`` (the shape's version) and the command's
fields; revisions always have the same shape, :func:`revision_record`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from still.config import Config
from still.graph.graph import RevisionGraph
from still.script import Script

SHAPE_VERSION = 1


def revision_record(
    graph: RevisionGraph[Script], rev: Script, current: Sequence[str] = (), full: bool = False
) -> dict[str, Any]:
    """One revision: id, parents, dependencies, labels, message, file, place in the graph."""
    record: dict[str, Any] = {
        "revision": rev.revision,
        "down_revisions": list(rev.down_revisions),
        "depends_on": list(rev.dependencies),
        "branch_labels": sorted(graph.effective_labels[rev.revision]),
        "message": rev.doc,
        "path": str(rev.path),
        "is_head": not rev.children,
        "is_branch_point": rev.is_branch_point,
        "is_merge_point": rev.is_merge_point,
        "is_current": rev.revision in current,
    }
    if full:
        record["docstring"] = rev.longdoc
    return record


def emit(config: Config, command: str, **fields: Any) -> None:
    """Print ``{"still_json": 1, "command": ..., **fields}`` on stdout."""
    document = {"still_json": SHAPE_VERSION, "command": command, **fields}
    config.print_stdout(json.dumps(document, indent=2, default=str, ensure_ascii=False))
