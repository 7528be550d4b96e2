"""Autogenerate's extension points, with the semantics Alembic documents for add-ons.

``comparators.dispatch_for(target, priority=..., qualifier=dialect, subgroup=...)`` registers a
comparison function for a *target*: ``"schema"`` functions get ``(autogen_context, upgrade_ops,
schemas)`` with the ``UpgradeOps`` being built; ``"table"`` functions ``(autogen_context,
modify_table_ops, schema, table_name, conn_table, metadata_table)``; ``"column"`` functions
``(autogen_context, alter_column_op, schema, table_name, column_name, conn_column,
metadata_column)``.  Functions run by priority (FIRST, MEDIUM, LAST), within one priority the
dialect's own before the ``"default"`` ones, each in registration order; a function returning
:attr:`PriorityDispatchResult.STOP` ends its subgroup.

still's own comparison is one ``"schema"`` function at MEDIUM priority, registered after the
add-ons' (Alembic registers its own tables comparator the same way): an add-on at MEDIUM sees an
empty ``UpgradeOps``, one at LAST sees still's operations and may change them in place (mark an
enum column ``create_type=False``, put a ``CREATE TYPE`` first).  Table and column functions run
inside still's comparison, after still has compared that table or column (see
docs/autogenerate.md).  ``renderers.dispatch_for(OpClass)`` registers how an operation class is
written into a revision file.  Both receive an :class:`AutogenContext` (Alembic's name).
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from enum import IntEnum
from typing import TYPE_CHECKING, Any, TypeVar

from still.autogenerate.context import AutogenContext as Comparison
from still.autogenerate.context import MigrationContext

if TYPE_CHECKING:
    from sqlalchemy import Table

    from still.operations import ops

F = TypeVar("F", bound=Callable[..., Any])


class DispatchPriority(IntEnum):
    """The order comparison functions of one target run in: FIRST before MEDIUM before LAST."""

    FIRST = 50
    MEDIUM = 25
    LAST = 10


class PriorityDispatchResult(enum.Enum):
    """What a comparison function may return: STOP ends the functions of its subgroup."""

    CONTINUE = enum.auto()
    STOP = enum.auto()


# The options Alembic's configure() always puts in the context's opts, with its defaults: add-ons
# read them by key (``autogen_context.opts["include_schemas"]``).
ALEMBIC_OPTION_DEFAULTS: Mapping[str, Any] = {
    "include_schemas": False,
    "include_object": None,
    "include_name": None,
    "compare_type": True,
    "compare_server_default": False,
    "render_as_batch": False,
    "render_item": None,
    "literal_binds": False,
    "upgrade_token": "upgrades",
    "downgrade_token": "downgrades",
    "alembic_module_prefix": "op.",
    "sqlalchemy_module_prefix": "sa.",
    "user_module_prefix": None,
    "process_revision_directives": None,
    "template_args": None,
    "target_metadata": None,
}


class AutogenContext:
    """What comparison and render functions receive (Alembic's ``AutogenContext``): the
    connection, dialect, models (``metadata``: the target MetaData, or the list given),
    ``opts`` (env.py's ``configure()`` options), ``imports`` the rendered file needs,
    ``comparators`` (the functions this comparison runs) and the filters as functions."""

    def __init__(
        self,
        migration_context: MigrationContext | None,
        metadata: Any = None,
        opts: Mapping[str, Any] | None = None,
        autogenerate: bool = True,
    ) -> None:
        if autogenerate and migration_context is not None and _offline(migration_context):
            from still.errors import CommandError

            raise CommandError(
                "Autogenerate compares the models with a live database, and this context has no "
                "connection (offline / --sql mode). Run it without --sql."
            )
        self._comparison = Comparison.create(migration_context, metadata)
        if opts is not None:
            self._comparison.opts = {**self._comparison.opts, **opts}
        self.imports: set[str] = set()
        self.comparators: Comparators = comparators.branch()
        if autogenerate:
            self._add_comparators()
        self._has_batch = False
        self.render_context: Any = None  # set while rendering: still's RenderContext

    @classmethod
    def of(cls, comparison: Comparison | None, imports: set[str] | None = None) -> AutogenContext:
        """The context for still's own comparison (or rendering) ``comparison``."""
        context = cls(None, autogenerate=False)
        if comparison is not None:
            context._comparison = comparison
            context._add_comparators()
        if imports is not None:
            context.imports = imports
        return context

    def _add_comparators(self) -> None:
        """The comparison's functions, in Alembic's order: those registered on
        ``comparators``, still's own comparison (Alembic's built-in plugins, set up first),
        then the plugins ``autogenerate_plugins`` chooses."""
        from still.autogenerate.plugins import DEFAULT_PLUGINS, Plugin

        self.comparators.populate_with(own_comparators())
        chosen = self._comparison.opts.get("autogenerate_plugins")
        Plugin.populate_autogenerate_priority_dispatch(
            self.comparators, DEFAULT_PLUGINS if chosen is None else chosen
        )

    @property
    def comparison(self) -> Comparison:
        """still's own view of the same comparison (its reflection cache, its filters)."""
        return self._comparison

    @property
    def migration_context(self) -> MigrationContext | None:
        return self._comparison.migration_context

    @property
    def connection(self) -> Any:
        return self._comparison.connection if self.migration_context is not None else None

    @property
    def bind(self) -> Any:
        return self.connection

    @property
    def dialect(self) -> Any:
        return self._comparison.dialect if self.migration_context is not None else None

    @property
    def inspector(self) -> Any:
        if self.migration_context is None:
            raise TypeError("can't return inspector as this AutogenContext has no connection")
        return self._comparison.inspector

    @property
    def opts(self) -> dict[str, Any]:
        given = dict(self._comparison.opts)
        return {**ALEMBIC_OPTION_DEFAULTS, **{k: v for k, v in given.items()}}

    @property
    def metadata(self) -> Any:
        given = self._comparison.metadata
        if not given:
            return None
        return given[0] if len(given) == 1 else list(given)

    @property
    def sorted_tables(self) -> list[Table]:
        return [t for metadata in self._comparison.metadata for t in metadata.sorted_tables]

    @property
    def table_key_to_table(self) -> dict[str, Table]:
        found: dict[str, Table] = {}
        for metadata in self._comparison.metadata:
            twice = sorted(set(found) & set(metadata.tables))
            if twice:
                raise ValueError(
                    "Duplicate table keys across multiple MetaData objects: "
                    + ", ".join(f'"{key}"' for key in twice)
                )
            found.update(metadata.tables)
        return found

    def run_name_filters(
        self, name: str | None, type_: str, parent_names: Mapping[str, Any]
    ) -> bool:
        return self._comparison.include_name(name, type_, parent_names)

    def run_object_filters(
        self, object_: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        return self._comparison.include_object(object_, name, type_, reflected, compare_to)

    run_filters = run_object_filters


# Before the first renames: older code imports the context under this name.
HookContext = AutogenContext


def _offline(migration_context: Any) -> bool:
    return bool(getattr(migration_context, "as_sql", False))


# -- comparators --------------------------------------------------------------------------------


class Comparators:
    """Comparison functions by target, priority and dialect (Alembic's ``PriorityDispatcher``)."""

    def __init__(self) -> None:
        self._registry: dict[tuple[str, str, int], list[tuple[Callable[..., Any], Any]]] = (
            defaultdict(list)
        )

    def dispatch_for(
        self,
        target: str,
        *,
        priority: int = DispatchPriority.MEDIUM,
        qualifier: str = "default",
        subgroup: str | None = None,
    ) -> Callable[[F], F]:
        """A decorator registering a function for ``target`` ("schema", "table", "column")."""

        def register(fn: F) -> F:
            self._registry[(target, qualifier, int(priority))].append((fn, subgroup))
            return fn

        return register

    def dispatch(self, target: str, *, qualifier: str = "default") -> Callable[..., None]:
        """A function calling every registered function of ``target``, in order."""
        qualifiers = [qualifier, "default"] if qualifier != "default" else ["default"]

        def run_all(*args: Any, **kw: Any) -> None:
            results: dict[Any, Any] = {}
            for priority in DispatchPriority:
                for name in qualifiers:
                    for fn, subgroup in list(self._registry.get((target, name, priority), ())):
                        if results.get(subgroup) is PriorityDispatchResult.STOP:
                            continue
                        results[subgroup] = fn(*args, **kw)

        return run_all

    def functions(self, target: str, qualifier: str = "default") -> list[Callable[..., Any]]:
        """The functions ``dispatch(target)`` would call, in order (for tests and tools)."""
        qualifiers = [qualifier, "default"] if qualifier != "default" else ["default"]
        return [
            fn
            for priority in DispatchPriority
            for name in qualifiers
            for fn, _ in self._registry.get((target, name, priority), ())
        ]

    def branch(self) -> Comparators:
        """A copy that can be added to without changing this one."""
        copy = Comparators()
        copy.populate_with(self)
        return copy

    def populate_with(self, other: Comparators) -> None:
        for key, registered in other._registry.items():
            self._registry[key].extend(registered)

    def __bool__(self) -> bool:
        return any(self._registry.values())


# Add-ons register here (``alembic.autogenerate.comparators``); every comparison starts from a
# branch of it with still's own comparison added (see :func:`own_comparators`).
comparators = Comparators()


def own_comparators() -> Comparators:
    from still.autogenerate.api import compare_tables

    own = Comparators()
    own.dispatch_for("schema", subgroup="tables")(compare_tables)
    return own


def table_level(
    context: AutogenContext,
    table_ops: ops.ModifyTableOps,
    schema: str | None,
    name: str,
    conn_table: Table | None,
    metadata_table: Table | None,
) -> None:
    """Run the registered ``"table"`` functions on one table."""
    context.comparators.dispatch("table", qualifier=context.dialect.name)(
        context, table_ops, schema, name, conn_table, metadata_table
    )


def column_level(
    context: AutogenContext,
    alter: ops.AlterColumnOp,
    schema: str | None,
    name: str,
    column_name: str,
    conn_column: Any,
    metadata_column: Any,
) -> None:
    """Run the registered ``"column"`` functions on one column both sides have."""
    context.comparators.dispatch("column", qualifier=context.dialect.name)(
        context, alter, schema, name, column_name, conn_column, metadata_column
    )


def has_level(context: AutogenContext, target: str) -> bool:
    return bool(context.comparators.functions(target, context.dialect.name))


def alter_has_changes(op: ops.AlterColumnOp) -> bool:
    """Alembic's ``AlterColumnOp.has_changes()``: anything set besides the ``existing_*``."""
    return (
        op.type_ is not None
        or op.nullable is not None
        or op.server_default is not False
        or op.comment is not False
        or bool(op.new_column_name)
        or any(key.startswith("modify_") for key in op.kw)
    )


def _diff_of(op: ops.MigrateOperation) -> Any:
    """An add-on's operation as a diff tuple, or None: it has no ``to_diff_tuple`` or its
    ``to_diff_tuple`` raises NotImplementedError (Alembic's base class does, and an add-on's
    operation that does not describe itself inherits that)."""
    from still.operations.ops import diff_tuple_of

    return diff_tuple_of(op)


def iter_ops(operations: Iterable[ops.MigrateOperation]) -> Iterable[ops.MigrateOperation]:
    """Every operation, containers (``ModifyTableOps``) opened."""
    for op in operations:
        inner = getattr(op, "ops", None)
        if isinstance(inner, list):
            yield from iter_ops(inner)
        else:
            yield op


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

    def branch(self) -> Renderers:
        copy = Renderers()
        copy._fns.update(self._fns)
        return copy


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
    rendered = fn(ctx.hook(), op)
    lines = [rendered] if isinstance(rendered, str) else list(rendered)
    return "\n".join(lines)
