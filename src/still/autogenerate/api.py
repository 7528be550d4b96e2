"""The autogenerate API, with Alembic's names: :func:`compare_metadata`,
:func:`produce_migrations`, :func:`render_python_code`; and :func:`render_migration` for the
bodies of a revision file.

The comparison reflects each schema once (:mod:`.reflect`), then compares enum types, tables,
columns, indexes and unique constraints, check constraints, and foreign keys (one module each);
:mod:`.changes` puts the operations in an order whose exact reverse is the downgrade.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import MetaData, Table

from still.autogenerate import enums
from still.autogenerate.changes import Changes, Phase
from still.autogenerate.checks import compare_checks
from still.autogenerate.columns import compare_columns
from still.autogenerate.context import (
    AutogenContext,
    MigrationContext,
    name_of,
    overriding_impl,
)
from still.autogenerate.enums import settle_enum_types
from still.autogenerate.extensions import (
    HookContext,
    _diff_of,
    has_level,
    iter_ops,
    own_comparators,
    table_level,
)
from still.autogenerate.foreign_keys import add_op, compare_foreign_keys, drop_op, predicted_name
from still.autogenerate.indexes import compare_indexes, dropped_table_indexes, new_table_indexes
from still.autogenerate.logs import log_detected
from still.autogenerate.reflect import ReflectedSchema, reflect_schema
from still.autogenerate.render import RenderContext, render_ops
from still.autogenerate.tables import create_table_op, foreign_key_order
from still.gc_pause import paused_gc
from still.operations import ops

# Schemas the databases keep for themselves; never compared with include_schemas=True.
SYSTEM_SCHEMAS = frozenset(
    {"information_schema", "pg_catalog", "pg_toast", "mysql", "performance_schema", "sys"}
)

INFO_KEY = "still.autogenerate"


def compare_metadata(
    context: MigrationContext, metadata: MetaData | Iterable[MetaData]
) -> list[Any]:
    """The differences between the database and ``metadata``, as Alembic's diff tuples.

    ``("add_table", Table)``, ``("remove_table", Table)``, ``("add_column", schema, table,
    Column)``, ``("remove_column", ...)``, ``("add_index", Index)``, ``("remove_index", Index)``,
    ``("add_constraint", UniqueConstraint | CheckConstraint)``, ``("remove_constraint", ...)``,
    ``("add_fk", ForeignKeyConstraint)``, ``("remove_fk", ...)``, ``("add_table_comment", Table,
    old)``, ``("remove_table_comment", Table)``; a list of ``("modify_nullable" | "modify_type" |
    "modify_default" | "modify_comment", schema, table, column, existing, old, new)`` per changed
    column (``modify_default`` also for a changed ``Computed`` / ``Identity``); and, on
    PostgreSQL, ``("add_enum", Enum)``, ``("modify_enum", schema, name, old, new)``,
    ``("remove_enum", schema, name, values)``.  What registered comparators (add-ons) add is
    reported by its ``to_diff_tuple()``.
    """
    return _compare(AutogenContext.create(context, metadata)).diffs


def compared_schemas(context: MigrationContext) -> list[str | None]:
    """The schemas a comparison on ``context``'s database covers with no models: the default one
    (``None``) and, with ``include_schemas``, every other schema the database has, as env.py's
    ``include_name`` filters them.  What to reflect of a database that stands in for the models
    (``still adopt``)."""
    return _schemas(AutogenContext.create(context, MetaData()), [])


def produce_migrations(
    context: MigrationContext, metadata: MetaData | Iterable[MetaData] | None = None
) -> ops.MigrationScript:
    """A ``MigrationScript`` whose ``upgrade_ops`` bring the database to ``metadata`` (default:
    the context's ``target_metadata``) and whose ``downgrade_ops`` are their exact reverse."""
    outcome = _compare(AutogenContext.create(context, metadata))
    upgrade = outcome.upgrade_ops
    script = ops.MigrationScript(None, upgrade, upgrade.reverse())
    script.info[INFO_KEY] = {**outcome.facts, "diffs": outcome.diffs}
    return script


def render_python_code(
    up_or_down_op: ops.UpgradeOps | ops.DowngradeOps | ops.MigrateOperation,
    sqlalchemy_module_prefix: str = "sa.",
    alembic_module_prefix: str = "op.",
    render_as_batch: bool = False,
    imports: Iterable[str] = (),
    render_item: Callable[[str, Any, Any], Any] | None = None,
    migration_context: MigrationContext | None = None,
    user_module_prefix: str | None = None,
) -> str:
    """Python source for an operation list: the body of ``upgrade()`` or ``downgrade()``,
    indented, preceded by the imports it needs (``from sqlalchemy.dialects import postgresql``
    ...) as comment-free import lines when there are any beyond ``imports``."""
    ctx = RenderContext(
        sqlalchemy_module_prefix=sqlalchemy_module_prefix,
        alembic_module_prefix=alembic_module_prefix,
        user_module_prefix=user_module_prefix,
        render_item=render_item,
        autogen_context=AutogenContext.create(migration_context) if migration_context else None,
        render_as_batch=render_as_batch,
    )
    body = render_ops(_op_list(up_or_down_op), ctx)
    extra = sorted(ctx.imports - set(imports))
    return ("\n".join(extra) + "\n\n" + body) if extra else body


@dataclass
class RenderedMigration:
    """What a revision template needs: ``${upgrades}``, ``${downgrades}``, ``${imports}``."""

    upgrades: str
    downgrades: str
    imports: set[str] = field(default_factory=set)

    @property
    def imports_text(self) -> str:
        return "\n".join(sorted(self.imports))


def render_migration(
    script: ops.MigrationScript, context: MigrationContext | None = None, **options: Any
) -> RenderedMigration:
    """Render a ``MigrationScript``'s upgrade and downgrade with the context's rendering options
    (``render_as_batch``, ``render_item``, ``user_module_prefix``, ``sqlalchemy_module_prefix``,
    ``alembic_module_prefix``); ``options`` override them."""
    opts = {**(dict(context.opts) if context is not None else {}), **options}
    ctx = RenderContext(
        sqlalchemy_module_prefix=opts.get("sqlalchemy_module_prefix") or "sa.",
        alembic_module_prefix=opts.get("alembic_module_prefix") or "op.",
        user_module_prefix=opts.get("user_module_prefix"),
        render_item=opts.get("render_item"),
        autogen_context=AutogenContext.create(context) if context is not None else None,
        render_as_batch=bool(opts.get("render_as_batch", False)),
    )
    upgrades = _template_body(render_ops(script.upgrade_ops.ops, ctx))
    downgrades = _template_body(render_ops(script.downgrade_ops.ops, ctx))
    return RenderedMigration(upgrades, downgrades, set(ctx.imports) | set(script.imports))


BEGIN_MARK = "# ### commands written by still autogenerate: review them ###"
END_MARK = "# ### end of still's commands ###"


def _template_body(body: str, indent: str = "    ") -> str:
    """A body for ``${upgrades}`` in script.py.mako, which stands after four spaces: the first
    line unindented, the others indented; the operations framed by marker comments."""
    if body.strip() == "pass":
        return "pass"
    return f"{BEGIN_MARK}\n{body}\n{indent}{END_MARK}"


def _op_list(op: ops.MigrateOperation) -> list[ops.MigrateOperation]:
    if isinstance(op, (ops.UpgradeOps, ops.DowngradeOps)):
        return list(op.ops)
    return [op]


# -- the comparison -------------------------------------------------------------------------------


def _schemas(autogen: AutogenContext, model_tables: list[Table]) -> list[str | None]:
    inspector = autogen.inspector
    default = inspector.default_schema_name
    schemas: set[str | None] = {None}
    schemas |= {t.schema if t.schema != default else None for t in model_tables}
    if autogen.opts.get("include_schemas"):
        for name in inspector.get_schema_names():
            if name == default or name in SYSTEM_SCHEMAS or name.startswith("pg_"):
                continue
            schemas.add(name)
    return sorted(
        (s for s in schemas if s is None or autogen.include_name(s, "schema", {})),
        key=lambda s: s or "",
    )


def _reflect(
    autogen: AutogenContext, schemas: list[str | None]
) -> dict[str | None, ReflectedSchema]:
    inspector = autogen.inspector
    reflected: dict[str | None, ReflectedSchema] = {}
    for schema in schemas:
        names = [
            name
            for name in inspector.get_table_names(schema=schema)
            if not autogen.is_own_table(name, schema)
            and autogen.include_name(name, "table", {"schema_name": schema})
        ]
        hook = overriding_impl(autogen, "autogen_column_reflect")
        reflected[schema] = reflect_schema(
            inspector, schema, names, hook.autogen_column_reflect if hook is not None else None
        )
    return reflected


@dataclass
class Outcome:
    """One comparison's result: the operations, their diffs (Alembic's form) and the facts the
    summary reads."""

    upgrade_ops: ops.UpgradeOps
    diffs: list[Any]
    facts: dict[str, Any]


def _compare(autogen: AutogenContext) -> Outcome:
    # a schema's worth of objects reflected and compared: collector paused (see still.gc_pause)
    context = HookContext.of(autogen)
    upgrade_ops = ops.UpgradeOps([])
    with paused_gc():
        _produce_net_changes(context, upgrade_ops)
    return autogen.outcome or Outcome(upgrade_ops, _foreign_diffs(upgrade_ops.ops), {})


def _alembic_schemas(context: HookContext) -> set[str | None]:
    """The schemas Alembic hands "schema" comparators: the default one (None), and with
    ``include_schemas`` every other schema the database has; ``include_name`` filters them."""
    inspector = context.inspector
    schemas: set[str | None] = {None}
    if context.opts.get("include_schemas"):
        default = inspector.default_schema_name
        schemas |= {
            s for s in inspector.get_schema_names() if s not in (default, "information_schema")
        }
    return {s for s in schemas if context.run_name_filters(s, "schema", {})}


def _produce_net_changes(autogen_context: HookContext, upgrade_ops: ops.UpgradeOps) -> None:
    """Fill ``upgrade_ops`` with the differences: every registered "schema" comparator, still's
    own among them (Alembic's function of the same name)."""
    if not isinstance(autogen_context, HookContext):  # Alembic's callers pass a MigrationContext
        autogen_context = HookContext(autogen_context)
    autogen = autogen_context.comparison
    autogen.outcome = None
    dialect = autogen_context.dialect.name
    autogen_context.comparators.dispatch("schema", qualifier=dialect)(
        autogen_context, upgrade_ops, _alembic_schemas(autogen_context)
    )
    changes = autogen.changes
    if changes is None:  # still's comparison did not run (an add-on stopped it)
        return
    own = {id(change.op): change for change in changes.items}
    settle_enum_types(autogen, upgrade_ops, own)
    diffs: list[Any] = []
    for op in iter_ops(upgrade_ops.ops):
        change = own.get(id(op))
        if change is not None and change.diff is not None:
            if isinstance(change.diff, list) and isinstance(op, ops.AlterColumnOp):
                diffs.append(_alembic_alter_diff(change.diff))
            else:
                diffs.append(change.diff)
        elif change is None:
            diffs.extend(_foreign_diffs([op]))
    log_detected(autogen, [own[id(op)] for op in iter_ops(upgrade_ops.ops) if id(op) in own])
    facts = dict(changes.facts)
    facts["extension_ops"] = sum(1 for op in iter_ops(upgrade_ops.ops) if id(op) not in own)
    facts["extension_comparators"] = sum(
        len(autogen_context.comparators.functions(target, dialect))
        for target in ("schema", "table", "column")
    ) - len(own_comparators().functions("schema"))
    autogen.outcome = Outcome(upgrade_ops, diffs, facts)


def _alembic_alter_diff(diffs: list[Any]) -> list[Any]:
    """Alembic reports ``existing_server_default`` False for a column without a default on either
    side (still's operation keeps None: no default)."""
    out = []
    for diff in diffs:
        kind, schema, table, column, existing, *rest = diff
        if existing.get("existing_server_default", False) is None:
            existing = {**existing, "existing_server_default": False}
        out.append((kind, schema, table, column, existing, *rest))
    return out


def _foreign_diffs(operations: list[ops.MigrateOperation]) -> list[Any]:
    """The diff tuples of operations still did not make (an add-on's ``to_diff_tuple()``)."""
    found: list[Any] = []
    for op in iter_ops(operations):
        diff = _diff_of(op)
        if diff is not None:
            found.append(diff)
    return found


def compare_tables(
    autogen_context: HookContext, upgrade_ops: ops.UpgradeOps, schemas: set[str | None]
) -> None:
    """still's own comparison, as the "schema" comparator Alembic calls its tables comparator:
    its operations join ``upgrade_ops`` in their order (one whose exact reverse is the
    downgrade); table and column comparators run inside it."""
    autogen = autogen_context.comparison
    autogen.hooks = autogen_context
    changes = _compare_schemas(autogen)
    autogen.changes = changes
    upgrade_ops.ops.extend(changes.upgrade_ops().ops)


def _compare_schemas(autogen: AutogenContext) -> Changes:
    default = autogen.inspector.default_schema_name
    all_model = autogen.tables()
    schemas = _schemas(autogen, all_model)
    reflected = _reflect(autogen, schemas)

    def key_of(table: Table) -> tuple[str | None, str]:
        return (table.schema if table.schema != default else None, table.name)

    conn: dict[tuple[str | None, str], Table] = {}
    protected: set[tuple[str | None, str]] = set()
    for schema, snapshot in reflected.items():
        for name, table in snapshot.tables.items():
            conn[(schema, name)] = table
        protected |= {(schema, name) for name in snapshot.extension_owned}
    model_all = {key_of(t): t for t in all_model}
    model = {
        k: t
        for k, t in model_all.items()
        if autogen.include_object(t, t.name, "table", False, conn.get(k))
    }
    conn = {
        k: t
        for k, t in conn.items()
        if autogen.include_object(t, t.name, "table", True, model.get(k))
    }
    changes = Changes()
    dialect_name = autogen.dialect.name
    created = [model[k] for k in model if k not in conn]
    kept = [k for k in model if k in conn]
    removed = [conn[k] for k in conn if k not in model and k not in protected]
    table_hooks = autogen.hooks is not None and has_level(autogen.hooks, "table")
    autogen.column_hooks = autogen.hooks is not None and has_level(autogen.hooks, "column")

    order, _ = foreign_key_order(list(model.values()))
    changes.table_order = {key_of(t): i + 1 for i, t in enumerate(order)}

    enums.compare_enums(autogen, changes, list(model.values()), reflected)

    creation, cycles = foreign_key_order(created)
    for table in creation:
        own_cycles = [fk for fk in cycles if fk.table is table]
        op = create_table_op(table, dialect_name, skip_foreign_keys=own_cycles)
        changes.add(Phase.CREATE_TABLES, op, ("add_table", table))
        new_table_indexes(autogen, changes, table)
    for fk in cycles:
        table = fk.table
        fk_name = name_of(fk) or predicted_name(autogen, table, fk, set())
        changes.add(Phase.ADD_FOREIGN_KEYS, add_op(fk, table, fk_name), None, key_of(table))
    if table_hooks:
        for table in creation:
            _table_hooks(autogen, changes, key_of(table), None, table)

    for k in sorted(kept, key=lambda k: changes.table_order.get(k, 0)):
        compare_columns(autogen, changes, conn[k], model[k])
        compare_indexes(autogen, changes, conn[k], model[k])
        compare_checks(autogen, changes, conn[k], model[k])
        compare_foreign_keys(autogen, changes, conn[k], model[k])
        if table_hooks:
            _table_hooks(autogen, changes, k, conn[k], model[k])

    dropping, drop_cycles = foreign_key_order(removed)
    for fk in drop_cycles:
        changes.add(Phase.DROP_FOREIGN_KEYS, drop_op(fk, fk.table), None, key_of(fk.table))
    for table in reversed(dropping):
        dropped_table_indexes(autogen, changes, table)
        own_cycles = [fk for fk in drop_cycles if fk.table is table]
        create = create_table_op(table, dialect_name, skip_foreign_keys=own_cycles)
        drop = ops.DropTableOp(table.name, schema=table.schema, _reverse=create)
        if table_hooks:
            _table_hooks(autogen, changes, key_of(table), table, None)
        changes.add(Phase.DROP_TABLES, drop, ("remove_table", table))

    changes.facts = {
        "dialect": autogen.dialect,
        "model_tables": len(model),
        "database_tables": len([k for k in conn if k not in protected]),
        "created_tables": len(created),
        "dropped_tables": len(removed),
        "metadata_given": bool(autogen.metadata),
        "notes": list(changes.notes),
        "cautions": list(changes.cautions),
    }
    return changes


def _table_hooks(
    autogen: AutogenContext,
    changes: Changes,
    key: tuple[str | None, str],
    conn_table: Table | None,
    metadata_table: Table | None,
) -> None:
    """The registered "table" comparators on one table: they get a ``ModifyTableOps`` holding
    still's operations on the table; what they append joins the table's block, what they take
    out is left out, and what they change in place stays changed."""
    assert autogen.hooks is not None
    schema, name = key
    mine = [change for change in changes.items if change.table == key]
    table_ops = ops.ModifyTableOps(name, [change.op for change in mine], schema=schema)
    table_level(autogen.hooks, table_ops, schema, name, conn_table, metadata_table)
    kept = {id(op) for op in table_ops.ops}
    gone = {id(change.op) for change in mine} - kept
    if gone:
        changes.items = [change for change in changes.items if id(change.op) not in gone]
    known = {id(change.op) for change in mine}
    for op in table_ops.ops:
        if id(op) not in known:
            changes.add(Phase.TABLE_EXTRAS, op, None, key)
