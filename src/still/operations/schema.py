"""SQLAlchemy schema objects built from operation data, for the DDL layer to compile."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Constraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
)
from sqlalchemy.sql.sqltypes import NullType


def table(name: str, *items: Any, schema: str | None = None, **kw: Any) -> Table:
    """A table in a metadata of its own, with stub tables for every table it references."""
    metadata = MetaData()
    built = Table(name, metadata, *items, schema=schema, **kw)
    for constraint in built.foreign_key_constraints:
        _ensure_referenced_tables(metadata, constraint)
    return built


def _ensure_referenced_tables(metadata: MetaData, constraint: ForeignKeyConstraint) -> None:
    for element in constraint.elements:
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


def column_on_table(table_name: str, column: Column[Any], schema: str | None = None) -> Column[Any]:
    """Attach ``column`` to a stub table, as the DDL compiler needs."""
    if column.table is not None:
        column = column._copy()
    table(table_name, column, schema=schema)
    return column


def foreign_keys_of(column: Column[Any]) -> list[ForeignKey]:
    return list(column.foreign_keys)


def index(
    name: str | None,
    table_name: str,
    columns: Sequence[Any],
    schema: str | None = None,
    unique: bool = False,
    **kw: Any,
) -> Index:
    """An index on a stub table; string columns become columns of that table."""
    names = [c for c in columns if isinstance(c, str)]
    stub = table(table_name, *[Column(n, NullType()) for n in dict.fromkeys(names)], schema=schema)
    expressions = [stub.c[c] if isinstance(c, str) else c for c in columns]
    return Index(name, *expressions, unique=unique, _table=stub, **kw)


def constraint(op: Any) -> Constraint:
    """The constraint an AddConstraintOp describes, on a stub table (and stub referent)."""
    spec = dict(op.spec)
    kind = op.kind
    if kind == "check":
        condition = spec.pop("condition")
        stub = table(op.table_name, schema=op.schema)
        check = CheckConstraint(condition, name=op.constraint_name, **spec)
        stub.append_constraint(check)
        return check
    if kind == "exclude":
        from sqlalchemy.dialects.postgresql import ExcludeConstraint

        elements = spec.pop("elements")
        names = [e[0] for e in elements if isinstance(e[0], str)]
        stub = table(op.table_name, *[Column(n, NullType()) for n in names], schema=op.schema)
        exclude = ExcludeConstraint(*elements, name=op.constraint_name, **spec)
        stub.append_constraint(exclude)
        return exclude
    if kind == "foreignkey":
        local = list(spec.pop("local_cols"))
        remote = list(spec.pop("remote_cols"))
        referent = spec.pop("referent_table")
        referent_schema = spec.pop("referent_schema", None)
        target = f"{referent_schema}.{referent}" if referent_schema else referent
        stub = table(op.table_name, *[Column(c, NullType()) for c in local], schema=op.schema)
        fk = ForeignKeyConstraint(
            local, [f"{target}.{c}" for c in remote], name=op.constraint_name, **spec
        )
        stub.append_constraint(fk)
        _ensure_referenced_tables(stub.metadata, fk)
        return fk
    columns = list(spec.pop("columns"))
    stub = table(op.table_name, *[Column(c, NullType()) for c in columns], schema=op.schema)
    made: Constraint
    if kind == "primary":
        made = PrimaryKeyConstraint(*columns, name=op.constraint_name, **spec)
    else:
        made = UniqueConstraint(*columns, name=op.constraint_name, **spec)
    stub.append_constraint(made)
    return made
