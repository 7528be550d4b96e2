"""``Rewriter``: rewrite autogenerate's operations one class at a time, usable as env.py's
``process_revision_directives`` (Alembic's ``alembic.autogenerate.rewriter.Rewriter``).

::

    writer = Rewriter()

    @writer.rewrites(ops.AddColumnOp)
    def add_column(context, revision, op):
        return [op, ...]          # one operation, or a list that replaces it

    context.configure(..., process_revision_directives=writer)

The rewriter walks every ``MigrationScript`` into its upgrade and downgrade operations and into
each table's ``ModifyTableOps``; ``chain`` runs another rewriter after this one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from still.operations import ops

RewriteFn = Callable[[Any, Any, Any], Any]

_CONTAINERS = (ops.UpgradeOps, ops.DowngradeOps, ops.ModifyTableOps)


class Rewriter:
    def __init__(self) -> None:
        self.dispatch: dict[type[Any], RewriteFn] = {}
        self._chained: list[Any] = []

    def rewrites(self, operator: type[Any]) -> Callable[[RewriteFn], RewriteFn]:
        """Decorator: ``fn(context, revision, op)`` returns what replaces each ``operator``."""

        def register(fn: RewriteFn) -> RewriteFn:
            self.dispatch[operator] = fn
            return fn

        return register

    def chain(self, other: Any) -> Rewriter:
        """A rewriter that runs this one, then ``other`` (a Rewriter or any directives hook)."""
        chained = Rewriter()
        chained.dispatch = dict(self.dispatch)
        chained._chained = [*self._chained, other]
        return chained

    def __call__(self, context: Any, revision: Any, directives: list[Any]) -> None:
        self.process_revision_directives(context, revision, directives)

    def process_revision_directives(
        self, context: Any, revision: Any, directives: list[Any]
    ) -> None:
        directives[:] = [
            new for directive in directives for new in self._rewrite(context, revision, directive)
        ]
        for other in self._chained:
            other(context, revision, directives)

    def _rewriter_for(self, op: Any) -> RewriteFn | None:
        for cls in type(op).__mro__:
            fn = self.dispatch.get(cls)
            if fn is not None:
                return fn
        return None

    def _rewrite(self, context: Any, revision: Any, op: Any) -> list[Any]:
        fn = self._rewriter_for(op)
        if fn is None:
            results = [op]
        else:
            result = fn(context, revision, op)
            results = list(result) if isinstance(result, (list, tuple)) else [result]
        for item in results:
            self._walk_into(context, revision, item)
        return results

    def _walk_into(self, context: Any, revision: Any, op: Any) -> None:
        if isinstance(op, ops.MigrationScript):
            for name in ("upgrade_ops", "downgrade_ops"):
                container = getattr(op, name)
                rewritten = self._rewrite(context, revision, container)
                if len(rewritten) != 1:
                    raise ValueError(f"A rewriter must return one {type(container).__name__}.")
                setattr(op, name, rewritten[0])
            for further in (op.further_upgrade_ops, op.further_downgrade_ops):  # multidb
                for i, container in enumerate(further):
                    rewritten = self._rewrite(context, revision, container)
                    if len(rewritten) != 1:
                        raise ValueError(f"A rewriter must return one {type(container).__name__}.")
                    further[i] = rewritten[0]
        elif isinstance(op, _CONTAINERS):
            op.ops = [new for inner in op.ops for new in self._rewrite(context, revision, inner)]
