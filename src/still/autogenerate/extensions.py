"""Autogenerate's extension points, as Alembic documents them for add-ons.

``comparators.dispatch_for("schema" | "table" | "column")`` registers a comparison function that
still's autogenerate calls after its own comparison; what it appends (to the ``UpgradeOps``, the
table's ``ModifyTableOps`` or the column's ``AlterColumnOp``) joins the result, and the downgrade
is its reverse.  ``renderers.dispatch_for(OpClass)`` registers how an operation class is written
into a revision file.  Both receive a :class:`HookContext` (Alembic's ``AutogenContext``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any, TypeVar

from still.autogenerate.context import AutogenContext, MigrationContext
from still.operations import ops

if TYPE_CHECKING:
    from sqlalchemy import Table

    from still.autogenerate.changes import Changes

F = TypeVar("F", bound=Callable[..., Any])


class DispatchPriority(IntEnum):
    """The order comparison functions of one level run in: FIRST before MEDIUM before LAST."""

    FIRST = 50
    MEDIUM = 25
    LAST = 10


class HookContext:
    """What comparison and render functions receive (Alembic's ``AutogenContext``): the
    connection, dialect, models (``metadata``: the target MetaData, or the list given),
    ``opts`` (env.py's ``configure()`` options), ``imports`` the rendered file needs, and the
    filters as functions."""

    def __init__(
        self,
        migration_context: MigrationContext | None,
        metadata: Any = None,
        opts: Mapping[str, Any] | None = None,
        autogenerate: bool = True,
        *,
        imports: set[str] | None = None,
    ) -> None:
        self._autogen = AutogenContext.create(migration_context, metadata)
        if opts is not None:
            self._autogen.opts = {**self._autogen.opts, **opts}
        self.imports: set[str] = imports if imports is not None else set()

    @classmethod
    def of(cls, autogen: AutogenContext | None, imports: set[str] | None = None) -> HookContext:
        hook = cls(None, imports=imports)
        if autogen is not None:
            hook._autogen = autogen
        return hook

    @property
    def migration_context(self) -> MigrationContext | None:
        return self._autogen.migration_context

    @property
    def connection(self) -> Any:
        return self._autogen.connection if self.migration_context is not None else None

    @property
    def dialect(self) -> Any:
        return self._autogen.dialect if self.migration_context is not None else None

    @property
    def inspector(self) -> Any:
        return self._autogen.inspector

    @property
    def opts(self) -> Mapping[str, Any]:
        return self._autogen.opts

    @property
    def metadata(self) -> Any:
        given = self._autogen.metadata
        if not given:
            return None
        return given[0] if len(given) == 1 else list(given)

    @property
    def sorted_tables(self) -> list[Table]:
        return [t for metadata in self._autogen.metadata for t in metadata.sorted_tables]

    @property
    def table_key_to_table(self) -> dict[str, Table]:
        return {t.key: t for metadata in self._autogen.metadata for t in metadata.tables.values()}

    def run_name_filters(
        self, name: str | None, type_: str, parent_names: Mapping[str, Any]
    ) -> bool:
        return self._autogen.include_name(name, type_, parent_names)

    def run_object_filters(
        self, obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        return self._autogen.include_object(obj, name, type_, reflected, compare_to)

    run_filters = run_object_filters


# -- comparators --------------------------------------------------------------------------------

LEVELS = ("schema", "table", "column")


@dataclass
class _Registered:
    fn: Callable[..., Any]
    priority: int
    qualifier: str
    order: int


@dataclass
class Comparators:
    """``comparators.dispatch_for(level, priority=..., qualifier=dialect)``."""

    _by_level: dict[str, list[_Registered]] = field(default_factory=dict)

    def dispatch_for(
        self,
        target: str,
        *,
        priority: int = DispatchPriority.MEDIUM,
        qualifier: str = "default",
        subgroup: str | None = None,
    ) -> Callable[[F], F]:
        if target not in LEVELS:
            raise ValueError(
                f"comparators.dispatch_for({target!r}): the levels are 'schema', 'table' and "
                "'column'."
            )

        def register(fn: F) -> F:
            registered = self._by_level.setdefault(target, [])
            registered.append(_Registered(fn, int(priority), qualifier, len(registered)))
            return fn

        return register

    def for_level(self, level: str, dialect_name: str) -> list[Callable[..., Any]]:
        found = [
            r for r in self._by_level.get(level, ()) if r.qualifier in ("default", dialect_name)
        ]
        return [r.fn for r in sorted(found, key=lambda r: (-r.priority, r.order))]

    def __bool__(self) -> bool:
        return any(self._by_level.values())


comparators = Comparators()


def _diff_of(op: ops.MigrateOperation) -> Any:
    to_diff = getattr(op, "to_diff_tuple", None)
    return to_diff() if callable(to_diff) else None


# Alembic's names for what a column-level comparator changes -> still's AlterColumnOp fields.
_MODIFY = {
    "modify_type": "type_",
    "modify_nullable": "nullable",
    "modify_server_default": "server_default",
    "modify_comment": "comment",
    "modify_name": "new_column_name",
}


def _alter_changes(op: ops.AlterColumnOp) -> bool:
    for alembic_name, ours in _MODIFY.items():
        if alembic_name in vars(op):
            setattr(op, ours, vars(op).pop(alembic_name))
    return (
        op.type_ is not None
        or op.nullable is not None
        or op.server_default is not False
        or op.comment is not False
        or bool(op.new_column_name)
        or any(key.startswith("modify_") for key in op.kw)
    )


def run_comparators(
    autogen: AutogenContext,
    changes: Changes,
    schemas: Iterable[str | None],
    model: Mapping[tuple[str | None, str], Table],
    conn: Mapping[tuple[str | None, str], Table],
) -> None:
    """Call the registered comparison functions, after still's own comparison; what they find
    joins ``changes`` (schema level: after the tables are created; table and column level: in
    the table's block)."""
    if not comparators:
        return
    from still.autogenerate.changes import Phase

    dialect = autogen.dialect.name
    hook = HookContext.of(autogen)
    upgrade_ops = ops.UpgradeOps([])
    for fn in comparators.for_level("schema", dialect):
        fn(hook, upgrade_ops, list(schemas))
    for op in upgrade_ops.ops:
        changes.add(Phase.ADD_FOREIGN_KEYS, op, _diff_of(op))

    table_fns = comparators.for_level("table", dialect)
    column_fns = comparators.for_level("column", dialect)
    for key in sorted(set(model) | set(conn), key=lambda k: (k[0] or "", k[1])):
        schema, name = key
        if table_fns:
            modify = ops.ModifyTableOps(name, [], schema=schema)
            for fn in table_fns:
                fn(hook, modify, schema, name, conn.get(key), model.get(key))
            for op in modify.ops:
                changes.add(Phase.ALTER_COLUMNS, op, _diff_of(op), key)
        if column_fns and key in model and key in conn:
            _compare_columns(hook, changes, column_fns, key, conn[key], model[key])


def _compare_columns(
    hook: HookContext,
    changes: Changes,
    fns: list[Callable[..., Any]],
    key: tuple[str | None, str],
    conn_table: Table,
    metadata_table: Table,
) -> None:
    from still.autogenerate.changes import Phase

    schema, name = key
    found = {
        change.op.column_name: change.op
        for change in changes.items
        if isinstance(change.op, ops.AlterColumnOp) and change.table == key
    }
    for column in metadata_table.columns:
        conn_column = conn_table.c.get(column.name)
        if conn_column is None:
            continue
        existing = found.get(column.name)
        alter = existing or ops.AlterColumnOp(
            name,
            column.name,
            schema=schema,
            existing_type=conn_column.type,
            existing_nullable=conn_column.nullable,
            existing_server_default=conn_column.server_default,
            existing_comment=conn_column.comment,
        )
        for fn in fns:
            fn(hook, alter, schema, name, column.name, conn_column, column)
        if _alter_changes(alter) and existing is None:
            diff: tuple[Any, ...] = (
                "modify_type",
                schema,
                name,
                column.name,
                {},
                alter.existing_type,
                alter.type_,
            )
            changes.add(Phase.ALTER_COLUMNS, alter, [diff], key)


# -- renderers ----------------------------------------------------------------------------------


class Renderers:
    """``renderers.dispatch_for(OpClass, qualifier=dialect, replace=False)``: how an operation
    class is written into a revision file; the function takes ``(autogen_context, op)`` and
    returns a line of Python (or a list of lines)."""

    def __init__(self) -> None:
        self._fns: dict[tuple[type[Any], str], Callable[..., Any]] = {}

    def dispatch_for(
        self, target: type[Any], *, qualifier: str = "default", replace: bool = False
    ) -> Callable[[F], F]:
        def register(fn: F) -> F:
            if not replace and (target, qualifier) in self._fns:
                raise ValueError(
                    f"A renderer for {target.__name__} is already registered; pass "
                    "replace=True to replace it."
                )
            if not replace and qualifier == "default" and _builtin(target):
                raise ValueError(
                    f"still renders {target.__name__} itself; pass replace=True to render it "
                    "your way."
                )
            self._fns[(target, qualifier)] = fn
            return fn

        return register

    def dispatch(self, obj: Any, qualifier: str = "default") -> Callable[..., Any] | None:
        for cls in type(obj).__mro__:
            fn = self._fns.get((cls, qualifier)) or self._fns.get((cls, "default"))
            if fn is not None:
                return fn
        return None


def _builtin(op_class: type[Any]) -> bool:
    from still.autogenerate.render import RENDERERS

    return op_class in RENDERERS


renderers = Renderers()


def render_custom(op: ops.MigrateOperation, ctx: Any) -> str | None:
    """A registered renderer's lines for ``op`` (``ctx`` a RenderContext), or None."""
    if not renderers._fns:
        return None
    dialect = ""
    autogen = getattr(ctx, "autogen_context", None)
    if autogen is not None and autogen.migration_context is not None:
        dialect = autogen.dialect.name
    fn = renderers.dispatch(op, dialect or "default")
    if fn is None:
        return None
    rendered = fn(HookContext.of(autogen, ctx.imports), op)
    lines = [rendered] if isinstance(rendered, str) else list(rendered)
    return "\n".join(lines)
