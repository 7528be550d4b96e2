"""Operation objects rendered as Python source, for revision files.

One function per operation class, in :data:`RENDERERS`; :func:`render_ops` renders a list with
the imports it needs collected in a :class:`RenderContext`.  The output is what a person would
write by hand: ``op.add_column('pets', sa.Column('age', sa.Integer(), nullable=True))``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Computed,
    ForeignKeyConstraint,
    Identity,
    PrimaryKeyConstraint,
    UniqueConstraint,
)
from sqlalchemy.sql.elements import ClauseElement, TextClause, conv
from sqlalchemy.sql.schema import DefaultClause

from still.operations import ops
from still.sqla_private import pending_columns


@dataclass
class RenderContext:
    """Prefixes as Alembic names them, and the imports the rendered code needs."""

    sqlalchemy_module_prefix: str = "sa."
    alembic_module_prefix: str = "op."
    user_module_prefix: str | None = None
    imports: set[str] = field(default_factory=set)
    # render_item(type_, obj, autogen_context) -> str, or False for the default rendering
    render_item: Callable[[str, Any, Any], Any] | None = None
    autogen_context: Any = None
    render_as_batch: bool = False
    batch: bool = False  # inside ``with op.batch_alter_table(...) as batch_op:``

    def hook(self) -> Any:
        """Alembic's AutogenContext for render functions, sharing the imports the file needs
        (``autogen_context.imports``) and the rendering options (``autogen_context.opts``)."""
        from still.autogenerate.extensions import AutogenContext

        context = AutogenContext.of(self.autogen_context, self.imports)
        context.render_context = self
        return context

    def item(self, type_: str, obj: Any) -> str | None:
        if self.render_item is None:
            return None
        rendered = self.render_item(type_, obj, self.hook())
        return rendered if isinstance(rendered, str) else None


Renderer = Callable[[Any, RenderContext], str]
RENDERERS: dict[type[ops.MigrateOperation], Renderer] = {}


def renders(op_class: type[ops.MigrateOperation]) -> Callable[[Renderer], Renderer]:
    def register(fn: Renderer) -> Renderer:
        RENDERERS[op_class] = fn
        return fn

    return register


def render_op(op: ops.MigrateOperation, ctx: RenderContext) -> str:
    # extension point (still.autogenerate.extensions): add-ons' renderers.dispatch_for(...)
    from still.autogenerate.extensions import render_custom

    custom = render_custom(op, ctx)
    if custom is not None:
        return custom
    for cls in type(op).__mro__:
        renderer = RENDERERS.get(cls)
        if renderer is not None:
            return renderer(op, ctx)
    raise NotImplementedError(f"No renderer for {type(op).__name__}.")


def render_ops(
    operations: Iterable[ops.MigrateOperation], ctx: RenderContext, indent: str = "    "
) -> str:
    """The body of an ``upgrade()``/``downgrade()`` function; ``pass`` when there is nothing."""
    lines = [render_op(op, ctx) for op in operations]
    if not lines:
        return f"{indent}pass"
    return "\n".join(indent + line.replace("\n", "\n" + indent) for line in lines)


# -- pieces ---------------------------------------------------------------------------------------


def _name(name: Any) -> str:
    """A constraint or index name; names fixed by a naming convention stay as given (op.f)."""
    if isinstance(name, conv):
        return f"op.f({str(name)!r})"
    return repr(name)


def _nested_types(text: str, ctx: RenderContext) -> str:
    """Types inside a type's repr (``ARRAY(String(length=10))``) get the module prefix too."""
    import sqlalchemy.types as sa_types

    head, paren, rest = text.partition("(")
    if not paren:
        return text

    def prefix(match: re.Match[str]) -> str:
        name = match.group(1)
        if isinstance(getattr(sa_types, name, None), type):
            return f"{ctx.sqlalchemy_module_prefix}{name}("
        return match.group(0)

    return head + paren + re.sub(r"(?<![\w.'\"])([A-Z]\w*)\(", prefix, rest)


def render_type(type_: Any, ctx: RenderContext) -> str:
    custom = ctx.item("type", type_)
    if custom is not None:
        return custom
    if ctx.autogen_context is not None:
        from still.autogenerate.context import overriding_impl

        impl = overriding_impl(ctx.autogen_context, "render_type")
        if impl is not None:
            rendered = impl.render_type(type_, ctx.hook())
            if rendered is not False:
                return str(rendered)
    module = type(type_).__module__
    text = _nested_types(repr(type_), ctx)
    if module.startswith("sqlalchemy.dialects."):
        dialect = module.split(".")[2]
        ctx.imports.add(f"from sqlalchemy.dialects import {dialect}")
        return f"{dialect}.{text}"
    if module.startswith("sqlalchemy."):
        return f"{ctx.sqlalchemy_module_prefix}{text}"
    if ctx.user_module_prefix is not None:
        return f"{ctx.user_module_prefix}{text}"
    ctx.imports.add(f"import {module}")
    return f"{module}.{text}"


def render_generated(value: Computed | Identity, ctx: RenderContext) -> str:
    """``sa.Computed('expr', persisted=...)`` or ``sa.Identity(...)`` with the options set."""
    sa = ctx.sqlalchemy_module_prefix
    if isinstance(value, Computed):
        sql = str(
            value.sqltext.compile(compile_kwargs={"literal_binds": True, "include_table": False})
        )
        persisted = f", persisted={value.persisted!r}" if value.persisted is not None else ""
        return f"{sa}Computed({sql!r}{persisted})"
    options = [f"always={value.always!r}"] if value.always else []
    for option in ("on_null", "start", "increment", "minvalue", "maxvalue", "cache", "cycle"):
        setting = getattr(value, option, None)
        if setting is not None:
            options.append(f"{option}={setting!r}")
    return f"{sa}Identity({', '.join(options)})"


def render_default(default: Any, ctx: RenderContext) -> str:
    custom = ctx.item("server_default", default)
    if custom is not None:
        return custom
    if isinstance(default, (Computed, Identity)):
        return render_generated(default, ctx)
    if isinstance(default, DefaultClause):
        default = default.arg
    if isinstance(default, TextClause):
        return f"{ctx.sqlalchemy_module_prefix}text({default.text!r})"
    if isinstance(default, str):
        return repr(default)
    if ctx.autogen_context is not None:
        from still.autogenerate.context import overriding_impl

        impl = overriding_impl(ctx.autogen_context, "render_ddl_sql_expr")
        if impl is not None:  # a project's implementation writes expressions (Alembic asks it)
            sql = impl.render_ddl_sql_expr(default, is_server_default=True)
            return f"{ctx.sqlalchemy_module_prefix}text({sql!r})"
    return f"{ctx.sqlalchemy_module_prefix}text({str(default)!r})"


def render_column(column: Column[Any], ctx: RenderContext) -> str:
    args = [repr(column.name), render_type(column.type, ctx)]
    generated = column.computed or column.identity
    if generated is not None:
        args.append(render_generated(generated, ctx))
    if column.autoincrement is not True and column.autoincrement != "auto":
        args.append(f"autoincrement={column.autoincrement!r}")
    # server_default before nullable, in the order Alembic writes them (files stay comparable).
    if column.server_default is not None and generated is None:
        args.append(f"server_default={render_default(column.server_default, ctx)}")
    args.append(f"nullable={column.nullable!r}")
    if column.comment:
        args.append(f"comment={column.comment!r}")
    return f"{ctx.sqlalchemy_module_prefix}Column({', '.join(args)})"


def _column_names(constraint: Any) -> list[str]:
    """Column names of a constraint, attached to a table or not yet."""
    if len(constraint.columns):
        return [c.name for c in constraint.columns]
    return [c if isinstance(c, str) else c.name for c in pending_columns(constraint)]


def render_constraint(constraint: Any, ctx: RenderContext) -> str | None:
    sa = ctx.sqlalchemy_module_prefix
    name = f", name={_name(constraint.name)}" if constraint.name else ""
    if isinstance(constraint, PrimaryKeyConstraint):
        if not _column_names(constraint):
            return None
        cols = ", ".join(repr(c) for c in _column_names(constraint))
        return f"{sa}PrimaryKeyConstraint({cols}{name})"
    if isinstance(constraint, UniqueConstraint):
        cols = ", ".join(repr(c) for c in _column_names(constraint))
        return f"{sa}UniqueConstraint({cols}{name})"
    if isinstance(constraint, CheckConstraint):
        return f"{sa}CheckConstraint({str(constraint.sqltext)!r}{name})"
    if isinstance(constraint, ForeignKeyConstraint):
        local = list(constraint.column_keys)
        remote = [e.target_fullname for e in constraint.elements]
        extra = "".join(
            f", {key}={getattr(constraint, key)!r}"
            for key in ("ondelete", "onupdate", "deferrable", "initially", "match")
            if getattr(constraint, key)
        )
        return f"{sa}ForeignKeyConstraint({local!r}, {remote!r}{name}{extra})"
    return None


# -- operations -----------------------------------------------------------------------------------


def _call(ctx: RenderContext, name: str, *args: str) -> str:
    prefix = "batch_op." if ctx.batch else ctx.alembic_module_prefix
    return f"{prefix}{name}({', '.join(a for a in args if a)})"


def _schema(schema: str | None, ctx: RenderContext | None = None) -> str:
    if ctx is not None and ctx.batch:
        return ""
    return f"schema={schema!r}" if schema else ""


def _table(name: str, ctx: RenderContext) -> str:
    """The table argument; batch_op already knows its table."""
    return "" if ctx.batch else repr(name)


def _value(value: Any, ctx: RenderContext) -> str:
    if isinstance(value, TextClause):
        return f"{ctx.sqlalchemy_module_prefix}text({value.text!r})"
    if isinstance(value, ClauseElement):
        return f"{ctx.sqlalchemy_module_prefix}text({str(value)!r})"
    return repr(value)


def _kw(kw: Any, ctx: RenderContext) -> str:
    return ", ".join(f"{key}={_value(value, ctx)}" for key, value in sorted(dict(kw).items()))


def _kw_as_given(kw: Any, ctx: RenderContext) -> str:
    """Options in the order they were given (an index's dialect options, as Alembic lists
    them)."""
    return ", ".join(f"{key}={_value(value, ctx)}" for key, value in dict(kw).items())


@renders(ops.CreateTableOp)
def _create_table(op: ops.CreateTableOp, ctx: RenderContext) -> str:
    items: list[str] = []
    constraints: list[str] = []
    primary = [c.name for c in op.columns if isinstance(c, Column) and c.primary_key]
    for item in op.columns:
        if isinstance(item, Column):
            items.append(render_column(item, ctx))
            for fk in item.foreign_keys:
                constraints.append(
                    f"{ctx.sqlalchemy_module_prefix}ForeignKeyConstraint("
                    f"[{item.name!r}], [{fk.target_fullname!r}]"
                    + (f", ondelete={fk.ondelete!r}" if fk.ondelete else "")
                    + ")"
                )
        else:
            rendered = render_constraint(item, ctx)
            if rendered:
                constraints.append(rendered)
    if primary and not any(isinstance(c, PrimaryKeyConstraint) for c in op.columns):
        constraints.insert(
            0,
            f"{ctx.sqlalchemy_module_prefix}PrimaryKeyConstraint({', '.join(map(repr, primary))})",
        )
    args = [repr(op.table_name), *items, *constraints]
    if op.schema:
        args.append(_schema(op.schema))
    if op.kw:
        args.append(_kw(op.kw, ctx))
    body = ",\n    ".join(args)
    return f"{ctx.alembic_module_prefix}create_table(\n    {body},\n)"


@renders(ops.DropTableOp)
def _drop_table(op: ops.DropTableOp, ctx: RenderContext) -> str:
    return _call(ctx, "drop_table", repr(op.table_name), _schema(op.schema))


@renders(ops.RenameTableOp)
def _rename_table(op: ops.RenameTableOp, ctx: RenderContext) -> str:
    return _call(
        ctx, "rename_table", repr(op.table_name), repr(op.new_table_name), _schema(op.schema)
    )


@renders(ops.AddColumnOp)
def _add_column(op: ops.AddColumnOp, ctx: RenderContext) -> str:
    return _call(
        ctx,
        "add_column",
        _table(op.table_name, ctx),
        render_column(op.column, ctx),
        _schema(op.schema, ctx),
    )


@renders(ops.DropColumnOp)
def _drop_column(op: ops.DropColumnOp, ctx: RenderContext) -> str:
    return _call(
        ctx,
        "drop_column",
        _table(op.table_name, ctx),
        repr(op.column_name),
        _schema(op.schema, ctx),
    )


@renders(ops.AlterColumnOp)
def _alter_column(op: ops.AlterColumnOp, ctx: RenderContext) -> str:
    # the keywords in the order Alembic writes them, so the two tools' files compare equal
    args = [_table(op.table_name, ctx), repr(op.column_name)]
    if op.existing_type is not None:
        args.append(f"existing_type={render_type(op.existing_type, ctx)}")
    if op.server_default is not False:
        value = "None" if op.server_default is None else render_default(op.server_default, ctx)
        args.append(f"server_default={value}")
    if op.new_column_name:
        args.append(f"new_column_name={op.new_column_name!r}")
    if op.type_ is not None:
        args.append(f"type_={render_type(op.type_, ctx)}")
    if op.nullable is not None:
        args.append(f"nullable={op.nullable!r}")
    if op.comment is not False:
        args.append(f"comment={op.comment!r}")
    if op.existing_comment is not None:
        args.append(f"existing_comment={op.existing_comment!r}")
    if op.nullable is None and op.existing_nullable is not None:
        args.append(f"existing_nullable={op.existing_nullable!r}")
    autoincrement = op.autoincrement if op.autoincrement is not None else op.kw.get("autoincrement")
    if autoincrement is not None:
        args.append(f"autoincrement={autoincrement!r}")
    # (an Identity / Computed change needs the old one: still alters it in place)
    generated = isinstance(op.existing_server_default, (Computed, Identity))
    if (op.server_default is False or generated) and op.existing_server_default not in (
        None,
        False,
    ):
        args.append(f"existing_server_default={render_default(op.existing_server_default, ctx)}")
    args.append(_schema(op.schema, ctx))
    return _call(ctx, "alter_column", *args)


@renders(ops.CreateIndexOp)
def _create_index(op: ops.CreateIndexOp, ctx: RenderContext) -> str:
    columns = [
        repr(c)
        if isinstance(c, str)
        else repr(c.name)
        if isinstance(c, Column)
        else f"{ctx.sqlalchemy_module_prefix}text({str(c)!r})"
        for c in op.columns
    ]
    return _call(
        ctx,
        "create_index",
        _name(op.index_name),
        _table(op.table_name, ctx),
        f"[{', '.join(columns)}]",
        f"unique={op.unique!r}",
        _schema(op.schema, ctx),
        _kw_as_given(op.kw, ctx),
    )


@renders(ops.DropIndexOp)
def _drop_index(op: ops.DropIndexOp, ctx: RenderContext) -> str:
    table = f"table_name={op.table_name!r}" if op.table_name and not ctx.batch else ""
    # with the index's dialect options, as Alembic writes them
    return _call(
        ctx,
        "drop_index",
        _name(op.index_name),
        table,
        _schema(op.schema, ctx),
        _kw_as_given(op.kw, ctx),
    )


@renders(ops.AddConstraintOp)
def _add_constraint(op: ops.AddConstraintOp, ctx: RenderContext) -> str:
    spec = dict(op.spec)
    name, table = _name(op.constraint_name), _table(op.table_name, ctx)
    if op.kind == "primary":
        return _call(
            ctx,
            "create_primary_key",
            name,
            table,
            repr(list(spec["columns"])),
            _schema(op.schema, ctx),
        )
    if op.kind == "unique":
        return _call(
            ctx,
            "create_unique_constraint",
            name,
            table,
            repr(list(spec["columns"])),
            _schema(op.schema, ctx),
        )
    if op.kind == "exclude":
        elements = ", ".join(
            f"({_element(element, ctx)}, {operator!r})" for element, operator in spec["elements"]
        )
        given = [
            f"{key}={_value(value, ctx)}"
            for key, value in spec.items()
            if key not in ("elements", "schema") and value is not None
        ]
        return _call(
            ctx,
            "create_exclude_constraint",
            name,
            table,
            elements,
            *given,
            _schema(op.schema, ctx),
        )
    if op.kind == "check":
        return _call(
            ctx,
            "create_check_constraint",
            name,
            table,
            repr(str(spec["condition"])),
            _schema(op.schema, ctx),
        )
    options = "".join(
        f", {key}={spec[key]!r}"
        for key in ("ondelete", "onupdate", "deferrable", "initially", "match", "referent_schema")
        if spec.get(key)
    )
    return _call(
        ctx,
        "create_foreign_key",
        name,
        table,
        repr(spec["referent_table"]),
        repr(list(spec["local_cols"])),
        repr(list(spec["remote_cols"])) + options,
        "" if ctx.batch or not op.schema else f"source_schema={op.schema!r}",
    )


def _element(element: Any, ctx: RenderContext) -> str:
    """A column (by name) or an expression of an EXCLUDE constraint."""
    if isinstance(element, str):
        return repr(element)
    name = getattr(element, "name", None)
    if isinstance(name, str) and isinstance(element, Column):
        return repr(name)
    return _value(element, ctx)


@renders(ops.DropConstraintOp)
def _drop_constraint(op: ops.DropConstraintOp, ctx: RenderContext) -> str:
    type_ = f"type_={op.type_!r}" if op.type_ else ""
    return _call(
        ctx,
        "drop_constraint",
        _name(op.constraint_name),
        _table(op.table_name, ctx),
        type_,
        _schema(op.schema, ctx),
    )


@renders(ops.CreateTableCommentOp)
def _table_comment(op: ops.CreateTableCommentOp, ctx: RenderContext) -> str:
    existing = f"existing_comment={op.existing_comment!r}" if op.existing_comment else ""
    return _call(
        ctx,
        "create_table_comment",
        repr(op.table_name),
        repr(op.comment),
        existing,
        _schema(op.schema),
    )


@renders(ops.DropTableCommentOp)
def _drop_table_comment(op: ops.DropTableCommentOp, ctx: RenderContext) -> str:
    existing = f"existing_comment={op.existing_comment!r}" if op.existing_comment else ""
    return _call(ctx, "drop_table_comment", repr(op.table_name), existing, _schema(op.schema))


@renders(ops.ExecuteSQLOp)
def _execute(op: ops.ExecuteSQLOp, ctx: RenderContext) -> str:
    return _call(ctx, "execute", repr(str(op.sqltext)))


@renders(ops.BulkInsertOp)
def _bulk_insert(op: ops.BulkInsertOp, ctx: RenderContext) -> str:
    """``op.bulk_insert(sa.table(...), [rows])``: the table as a lightweight ``sa.table`` with
    the columns' types (what bulk_insert needs to bind the values)."""
    sa_ = ctx.sqlalchemy_module_prefix
    table = op.table
    columns = "".join(
        f", {sa_}column({c.name!r}, {render_type(c.type, ctx)})" for c in table.columns
    )
    schema = f", schema={table.schema!r}" if table.schema else ""
    rows = []
    for row in op.rows:
        for value in row.values():
            module = type(value).__module__
            if module in ("datetime", "decimal", "uuid"):
                ctx.imports.add(f"import {module}")
        items = ", ".join(f"{key!r}: {_row_value(value, ctx)}" for key, value in row.items())
        rows.append("{" + items + "}")
    arguments = [f"{sa_}table({table.name!r}{columns}{schema})", "[" + ", ".join(rows) + "]"]
    if not op.multiinsert:
        arguments.append("multiinsert=False")
    return f"{ctx.alembic_module_prefix}bulk_insert({', '.join(arguments)})"


def _row_value(value: Any, ctx: RenderContext) -> str:
    """A value of a bulk insert as Python: a datetime, Decimal or UUID under its module's name."""
    text = _value(value, ctx)
    module = type(value).__module__
    if module in ("decimal", "uuid") and not text.startswith(module):
        return f"{module}.{text}"
    return text


@renders(ops.ModifyTableOps)
def _modify_table(op: ops.ModifyTableOps, ctx: RenderContext) -> str:
    if not ctx.render_as_batch or ctx.batch:
        return "\n".join(render_op(inner, ctx) for inner in op.ops)
    schema = f", schema={op.schema!r}" if op.schema else ""
    lines = [
        f"with {ctx.alembic_module_prefix}batch_alter_table({op.table_name!r}{schema}) as batch_op:"
    ]
    for inner in op.ops:
        # table comments have no batch form: op.* inside the block
        batchable = not isinstance(inner, (ops.CreateTableCommentOp, ops.DropTableCommentOp))
        ctx.batch = batchable
        try:
            lines.append("    " + render_op(inner, ctx).replace("\n", "\n    "))
        finally:
            ctx.batch = False
    return "\n".join(lines)


@renders(ops.UpgradeOps)
@renders(ops.DowngradeOps)
def _op_list(op: ops.UpgradeOps | ops.DowngradeOps, ctx: RenderContext) -> str:
    return "\n".join(render_op(inner, ctx) for inner in op.ops)


def _render_enum(op: ops.MigrateOperation, ctx: RenderContext) -> str:
    from still.operations.enum_types import adds_values_only, enum_statements

    calls = [_call(ctx, "execute", repr(sql)) for sql in enum_statements(op)]
    if adds_values_only(op):
        # PostgreSQL lets a value added by ALTER TYPE ... ADD VALUE be used only once that
        # statement is committed (and before version 12, not inside a transaction at all).
        block = f"with {ctx.alembic_module_prefix}get_context().autocommit_block():"
        return "\n".join([block, *(f"    {call}" for call in calls)])
    return "\n".join(calls)


for _enum_op in (ops.CreateEnumOp, ops.DropEnumOp, ops.AlterEnumOp):
    renders(_enum_op)(_render_enum)
