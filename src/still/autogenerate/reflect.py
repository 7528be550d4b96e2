"""The database side: one bulk reflection per schema, built into SQLAlchemy ``Table`` objects.

SQLAlchemy 2's multi-table inspector methods (``get_multi_columns``, ``get_multi_indexes``, ...)
read every table of a schema in a handful of queries, whatever the number of tables.  What
reflection said about an index or constraint is kept in its ``info["still.reflected"]``, for the
comparators that need the database's own details (implicit indexes, dialect options).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Computed,
    ForeignKeyConstraint,
    Identity,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
    text,
)

from still.autogenerate.sqlite_prefetch import prefetched
from still.ddl import impl_for

if TYPE_CHECKING:
    from sqlalchemy.engine import Inspector

REFLECTED = "still.reflected"


@dataclass
class ReflectedSchema:
    """The tables of one schema as the database has them, and its PostgreSQL enum types."""

    schema: str | None
    tables: dict[str, Table] = field(default_factory=dict)
    enums: dict[str, list[str]] = field(default_factory=dict)  # name -> labels (PostgreSQL)
    extension_owned: set[str] = field(default_factory=set)  # tables an extension owns


def _multi(inspector: Inspector, method: str, schema: str | None, names: list[str]) -> Any:
    fn: Callable[..., Any] = getattr(inspector, method)
    try:
        return fn(schema=schema, filter_names=names)
    except NotImplementedError:  # e.g. table comments on SQLite
        return {}


def reflect_schema(
    inspector: Inspector,
    schema: str | None,
    names: list[str],
    column_reflect: Callable[[Inspector, Table, dict[str, Any]], None] | None = None,
) -> ReflectedSchema:
    """Reflect the tables ``names`` of ``schema`` in one pass; ``column_reflect(inspector,
    table, column_info)`` may change each column's description first (Alembic's
    ``autogen_column_reflect`` hook)."""
    result = ReflectedSchema(schema)
    database = impl_for(inspector.dialect.name)  # PostgreSQL's enum types and extensions
    result.enums = database.reflect_enum_types(inspector, schema)
    result.extension_owned = database.extension_owned_tables(inspector, schema)
    if not names:
        return result
    with prefetched(inspector, schema):
        columns = _multi(inspector, "get_multi_columns", schema, names)
        pks = _multi(inspector, "get_multi_pk_constraint", schema, names)
        fks = _multi(inspector, "get_multi_foreign_keys", schema, names)
        indexes = _multi(inspector, "get_multi_indexes", schema, names)
        uniques = _multi(inspector, "get_multi_unique_constraints", schema, names)
        comments = _multi(inspector, "get_multi_table_comment", schema, names)
        checks = _multi(inspector, "get_multi_check_constraints", schema, names)
    metadata = MetaData()
    for name in names:
        key = (schema, name)
        comment = (comments.get(key) or {}).get("text")
        table = Table(name, metadata, schema=schema, comment=comment)
        for info in columns.get(key, []):
            # the column_reflect events SQLAlchemy's own reflection runs (listeners on Table,
            # e.g. geoalchemy2's, which marks a geometry column's spatial index as reflected)
            metadata.dispatch.column_reflect(inspector, table, info)
            table.dispatch.column_reflect(inspector, table, info)
            if column_reflect is not None:
                column_reflect(inspector, table, info)
            table.append_column(_column(info, name))
        pk = pks.get(key) or {}
        if pk.get("constrained_columns"):
            table.append_constraint(
                PrimaryKeyConstraint(*pk["constrained_columns"], name=pk.get("name"))
            )
        for info in fks.get(key, []):
            table.append_constraint(_foreign_key(info))
        for info in uniques.get(key, []):
            unique = UniqueConstraint(*info["column_names"], name=info.get("name"))
            unique.info[REFLECTED] = info
            table.append_constraint(unique)
        for info in indexes.get(key, []):
            _index(table, info)
        for info in checks.get(key, []):
            check = CheckConstraint(text(info["sqltext"]), name=info.get("name"))
            check.info[REFLECTED] = info
            table.append_constraint(check)
        result.tables[name] = table
    return result


def _column(info: dict[str, Any], table_name: str) -> Column[Any]:
    args: list[Any] = []
    autoincrement = info.get("autoincrement", "auto")
    if info.get("computed"):
        computed = info["computed"]
        args.append(Computed(computed["sqltext"], persisted=computed.get("persisted")))
    if info.get("identity"):
        identity = {k: v for k, v in info["identity"].items() if k != "name"}
        args.append(Identity(**identity))
    default = info.get("default")
    if default is not None and _owned_sequence(default, table_name, info["name"]):
        # PostgreSQL's SERIAL: the sequence goes with the table; the column is autoincrement
        default, autoincrement = None, True
    column: Column[Any] = Column(
        info["name"],
        info["type"],
        *args,
        nullable=info["nullable"],
        server_default=text(default) if default is not None and not info.get("computed") else None,
        comment=info.get("comment"),
        autoincrement=autoincrement,
    )
    column.info[REFLECTED] = info
    return column


def _owned_sequence(default: str, table: str, column: str) -> bool:
    match = re.fullmatch(r"nextval\('(?:[\w\"]+\.)?\"?([^'\"]+)\"?'::regclass\)", default)
    return bool(match) and match.group(1) == f"{table}_{column}_seq"  # type: ignore[union-attr]


def _foreign_key(info: dict[str, Any]) -> ForeignKeyConstraint:
    schema = info.get("referred_schema")
    prefix = f"{schema}.{info['referred_table']}" if schema else info["referred_table"]
    options = info.get("options") or {}
    fk = ForeignKeyConstraint(
        info["constrained_columns"],
        [f"{prefix}.{c}" for c in info["referred_columns"]],
        name=info.get("name"),
        ondelete=options.get("ondelete"),
        onupdate=options.get("onupdate"),
        deferrable=options.get("deferrable"),
        initially=options.get("initially"),
    )
    fk.info[REFLECTED] = info
    return fk


def _index(table: Table, info: dict[str, Any]) -> None:
    expressions = info.get("expressions") or [None] * len(info["column_names"])
    elements: list[Any] = []
    for column, expression in zip(info["column_names"], expressions, strict=False):
        if column is not None and column in table.c:
            elements.append(table.c[column])
        else:
            elements.append(text(expression or str(column)))
    # the database's own options (a partial index's condition, INCLUDE, the method), so an index
    # dropped by the upgrade comes back whole in the downgrade
    options: dict[str, Any] = {
        key: text(value) if key.endswith("_where") else value
        for key, value in (info.get("dialect_options") or {}).items()
        if value not in (None, [], ())
    }
    index = Index(info["name"], *elements, unique=bool(info.get("unique")), _table=table, **options)
    index.info[REFLECTED] = info
