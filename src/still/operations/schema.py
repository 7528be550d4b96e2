"""SQLAlchemy schema objects built from operation data, for the DDL layer to compile."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Constraint,
    ForeignKeyConstraint,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
)
from sqlalchemy.sql.sqltypes import NullType


def table(
    name: str,
    *items: Any,
    schema: str | None = None,
    naming_convention: Mapping[str, Any] | None = None,
    **kw: Any,
) -> Table:
    """A table in a metadata of its own, with stub tables for every table it references.

    As in Alembic: columns and constraints that already belong to another table are copied (a
    revision may reuse them), a CHECK that a type made (``Boolean``/``Enum`` with
    ``create_constraint``) is not taken twice, and ``naming_convention`` (env.py's
    ``target_metadata``'s) names what the migration left unnamed.
    """
    metadata = (
        MetaData(naming_convention=dict(naming_convention)) if naming_convention else MetaData()
    )
    columns = [c._copy() if c.table is not None else c for c in items if isinstance(c, Column)]
    built = Table(name, metadata, *columns, schema=schema, **kw)
    for item in items:
        if isinstance(item, Column) or not isinstance(item, (Constraint, Index)):
            continue
        if isinstance(item, Constraint) and item._type_bound:
            continue  # the column's type made it again when the column joined the table
        parent = getattr(item, "parent", None) if isinstance(item, Constraint) else None
        if isinstance(item, Constraint) and parent is not None and parent is not built:
            item = item._copy(target_table=built)
        built.append_constraint(item)  # an Index is appended the same way
    for constraint in built.foreign_key_constraints:
        _ensure_referenced_tables(metadata, constraint)
    return built


def _ensure_referenced_tables(metadata: MetaData, constraint: ForeignKeyConstraint) -> None:
    for element in constraint.elements:
        if element._table_column is not None:
            continue  # the target is a Column object of a table that exists already
        spec = element._get_colspec()
        parts = spec.split(".")
        if len(parts) < 2:
            continue
        column_name = parts[-1]
        table_name = parts[-2]
        schema = ".".join(parts[:-2]) or None
        key = f"{schema}.{table_name}" if schema else table_name
        referenced = metadata.tables.get(key)
        if referenced is None:
            referenced = Table(table_name, metadata, schema=schema)
        if column_name not in referenced.c:
            referenced.append_column(Column(column_name, NullType()))


def column_on_table(
    table_name: str,
    column: Column[Any],
    schema: str | None = None,
    naming_convention: Mapping[str, Any] | None = None,
) -> Column[Any]:
    """Attach ``column`` to a stub table, as the DDL compiler needs; the table also holds what
    the column brings along (its foreign key, unique and index flags, its type's CHECK)."""
    if column.table is not None:
        column = column._copy()
    table(table_name, column, schema=schema, naming_convention=naming_convention)
    return column


def index(
    name: str | None,
    table_name: str,
    columns: Sequence[Any],
    schema: str | None = None,
    unique: bool = False,
    naming_convention: Mapping[str, Any] | None = None,
    **kw: Any,
) -> Index:
    """An index on a stub table; string columns become columns of that table."""
    names = [c for c in columns if isinstance(c, str)]
    stub = table(
        table_name,
        *[Column(n, NullType()) for n in dict.fromkeys(names)],
        schema=schema,
        naming_convention=naming_convention,
    )
    expressions = [stub.c[c] if isinstance(c, str) else c for c in columns]
    return Index(name, *expressions, unique=unique, _table=stub, **kw)


def constraint(op: Any, naming_convention: Mapping[str, Any] | None = None) -> Constraint:
    """The constraint an AddConstraintOp describes, on a stub table (and stub referent)."""
    spec = dict(op.spec)
    kind = op.kind
    if kind == "check":
        condition = spec.pop("condition")
        stub = table(op.table_name, schema=op.schema, naming_convention=naming_convention)
        check = CheckConstraint(condition, name=op.constraint_name, **spec)
        stub.append_constraint(check)
        return check
    if kind == "exclude":
        from sqlalchemy.dialects.postgresql import ExcludeConstraint

        elements = spec.pop("elements")
        names = [e[0] for e in elements if isinstance(e[0], str)]
        stub = table(
            op.table_name,
            *[Column(n, NullType()) for n in names],
            schema=op.schema,
            naming_convention=naming_convention,
        )
        exclude = ExcludeConstraint(*elements, name=op.constraint_name, **spec)
        stub.append_constraint(exclude)
        return exclude
    if kind == "foreignkey":
        local = list(spec.pop("local_cols"))
        remote = list(spec.pop("remote_cols"))
        referent = spec.pop("referent_table")
        referent_schema = spec.pop("referent_schema", None)
        target = f"{referent_schema}.{referent}" if referent_schema else referent
        stub = table(
            op.table_name,
            *[Column(c, NullType()) for c in local],
            schema=op.schema,
            naming_convention=naming_convention,
        )
        fk = ForeignKeyConstraint(
            local, [f"{target}.{c}" for c in remote], name=op.constraint_name, **spec
        )
        stub.append_constraint(fk)
        _ensure_referenced_tables(stub.metadata, fk)
        return fk
    columns = list(spec.pop("columns"))
    stub = table(
        op.table_name,
        *[Column(c, NullType()) for c in columns],
        schema=op.schema,
        naming_convention=naming_convention,
    )
    made: Constraint
    if kind == "primary":
        made = PrimaryKeyConstraint(*columns, name=op.constraint_name, **spec)
    else:
        made = UniqueConstraint(*columns, name=op.constraint_name, **spec)
    stub.append_constraint(made)
    return made


def constraint_op(made: Constraint) -> Any:
    """The AddConstraintOp that describes a constraint of a stub table (the inverse of
    :func:`constraint`), for where a constraint is added by rebuilding the table (SQLite)."""
    from still.operations import ops

    table_: Any = made.table
    name = made.name if isinstance(made.name, str) else None
    if isinstance(made, ForeignKeyConstraint):
        target = made.elements[0].column.table
        spec: dict[str, Any] = {
            "referent_table": target.name,
            "referent_schema": target.schema,
            "local_cols": [c.name for c in made.columns],
            "remote_cols": [e.column.name for e in made.elements],
            "onupdate": made.onupdate,
            "ondelete": made.ondelete,
            "deferrable": made.deferrable,
            "initially": made.initially,
            "match": made.match,
        }
        kind = "foreignkey"
    elif isinstance(made, UniqueConstraint):
        spec, kind = {"columns": [c.name for c in made.columns]}, "unique"
    elif isinstance(made, CheckConstraint):
        spec, kind = {"condition": made.sqltext}, "check"
    else:
        raise TypeError(f"{type(made).__name__} cannot be added to an existing table.")
    return ops.AddConstraintOp(kind, name, table_.name, spec, table_.schema)


def on_table(made: Constraint, table_: Table) -> Constraint:
    """A CHECK given on a Column, as a constraint of the column's table (ALTER TABLE ... ADD
    CONSTRAINT compiles only those)."""
    if not isinstance(made, CheckConstraint):
        raise TypeError(f"{type(made).__name__} on a column cannot be added to its table.")
    copy = CheckConstraint(
        made.sqltext, name=made.name, deferrable=made.deferrable, initially=made.initially
    )
    table_.append_constraint(copy)
    return copy


def convention_name(
    name: str | None,
    table_name: str,
    kind: str | None,
    schema: str | None,
    naming_convention: Mapping[str, Any] | None,
) -> str | None:
    """The name a constraint called ``name`` of ``kind`` has under ``naming_convention`` (the
    given name itself unless the convention for that kind includes ``%(constraint_name)s``)."""
    if not naming_convention or not name:
        return name
    made: Constraint = {
        "foreignkey": lambda: ForeignKeyConstraint([], [], name=name),
        "primary": lambda: PrimaryKeyConstraint(name=name),
        "unique": lambda: UniqueConstraint(name=name),
        "check": lambda: CheckConstraint("", name=name),
    }.get(kind or "", lambda: Constraint(name=name))()
    table(table_name, schema=schema, naming_convention=naming_convention).append_constraint(made)
    return str(made.name) if made.name is not None else None
