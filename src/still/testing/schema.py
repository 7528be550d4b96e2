"""The schema of a database as reflection sees it, flattened for comparison, and the difference
between two such snapshots as lines a person reads.

A snapshot maps what a schema object is (``column pets.age``, ``index ix_pet_owner_id on pets``)
to what it looks like (``INTEGER NULL``).  Order does not count (a column dropped and added again
comes last, and that is no difference); names the database makes up (MySQL's ``pets_ibfk_1``) are
left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa

from still.ddl import impl_for

Snapshot = dict[str, str]

# still's ledger holds rows about runs, not the application's schema.
IGNORED_TABLES = frozenset({"alembic_version", "still_ledger"})


def _columns(names: Iterable[Any]) -> str:
    return ", ".join(str(name) for name in names)


def _generated_name(name: str | None, table: str) -> str | None:
    if name is None or re.fullmatch(rf"{re.escape(table)}_ibfk_\d+", name):
        return None
    return name


def _reflect(call: Callable[..., Any], default: Any, *args: Any) -> Any:
    """What ``call(*args)`` reflects, or ``default`` where the dialect cannot say."""
    try:
        return call(*args)
    except NotImplementedError:
        return default


def _type_text(column_type: Any, dialect: sa.Dialect) -> str:
    try:
        return str(column_type.compile(dialect=dialect))
    except Exception:
        return repr(column_type)


def _implied_by_foreign_key(index: Any, foreign_keys: list[Any]) -> bool:
    """MySQL/MariaDB's own index for a foreign key (InnoDB makes, drops and keeps those by
    itself, so they come and go with other indexes and say nothing about the migrations)."""
    return not index.get("unique") and any(
        list(index["column_names"]) == list(fk["constrained_columns"])
        and index.get("name") in (fk.get("name"), fk["constrained_columns"][0])
        for fk in foreign_keys
    )


def snapshot(connection: sa.Connection, ignore: Iterable[str] = IGNORED_TABLES) -> Snapshot:
    """Tables, columns, keys, indexes, constraints, views (and PostgreSQL enums and sequences)
    of the default schema."""
    ignored = set(ignore)
    inspector = sa.inspect(connection)
    dialect = connection.dialect
    database = impl_for(dialect.name)
    found: Snapshot = {}
    for table in inspector.get_table_names():
        if table in ignored:
            continue
        comment = _reflect(inspector.get_table_comment, {}, table).get("text")
        found[f"table {table}"] = f"comment {comment!r}" if comment else "table"
        for column in inspector.get_columns(table):
            text = _type_text(column["type"], dialect)
            text += " NULL" if column.get("nullable", True) else " NOT NULL"
            if column.get("default") is not None:
                text += f" DEFAULT {column['default']}"
            if column.get("comment"):
                text += f" COMMENT {column['comment']!r}"
            found[f"column {table}.{column['name']}"] = text
        primary = inspector.get_pk_constraint(table)
        if primary.get("constrained_columns"):
            found[f"primary key of {table}"] = f"({_columns(primary['constrained_columns'])})"
        foreign_keys = inspector.get_foreign_keys(table)
        for fk in foreign_keys:
            target = f"{fk['referred_table']}({_columns(fk['referred_columns'])})"
            if fk.get("referred_schema"):
                target = f"{fk['referred_schema']}.{target}"
            key = f"foreign key {table}({_columns(fk['constrained_columns'])}) -> {target}"
            details = [f"name {_generated_name(fk.get('name'), table) or '(generated)'}"]
            details += [f"{k} {v}" for k, v in sorted((fk.get("options") or {}).items())]
            found[key] = ", ".join(details)
        for index in inspector.get_indexes(table):
            if database.implicit_foreign_key_indexes and _implied_by_foreign_key(
                index, foreign_keys
            ):
                continue
            expressions: list[Any] = list(index.get("expressions") or [])
            columns = [
                c if c is not None else (expressions[i] if i < len(expressions) else None)
                for i, c in enumerate(index["column_names"])
            ]
            name = index.get("name") or f"({_columns(columns)})"
            found[f"index {name} on {table}"] = f"({_columns(columns)})" + (
                " unique" if index.get("unique") else ""
            )
        for unique in _reflect(inspector.get_unique_constraints, [], table):
            name = unique.get("name") or f"({_columns(unique['column_names'])})"
            found[f"unique constraint {name} on {table}"] = f"({_columns(unique['column_names'])})"
        for check in _reflect(inspector.get_check_constraints, [], table):
            name = check.get("name") or check["sqltext"]
            found[f"check constraint {name} on {table}"] = " ".join(str(check["sqltext"]).split())
    for view in _reflect(inspector.get_view_names, []):
        definition = _reflect(inspector.get_view_definition, "", view) or ""
        found[f"view {view}"] = " ".join(str(definition).split()) or "view"
    if database.named_enum_types:
        for enum in _reflect(lambda: inspector.get_enums(), []):  # type: ignore[attr-defined]
            found[f"enum type {enum['name']}"] = f"({_columns(enum['labels'])})"
    if database.serial_sequences:
        for sequence in _reflect(inspector.get_sequence_names, []):
            if any(sequence.startswith(f"{table}_") for table in ignored):
                continue  # the sequence of an ignored table's serial key
            found[f"sequence {sequence}"] = "sequence"
    return found


def reflect_url(url: str, ignore: Iterable[str] = IGNORED_TABLES) -> Snapshot:
    """:func:`snapshot` of the database at ``url``, on a connection of its own."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return snapshot(connection, ignore)
    finally:
        engine.dispose()


def difference(before: Snapshot, after: Snapshot, was: str, now: str) -> list[str]:
    """What differs between two snapshots, one line per schema object, sorted.

    ``was`` and ``now`` name the two moments (``before the upgrade``, ``after the downgrade``).
    """
    lines = []
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if new is None:
            lines.append(f"- {key}: {old}  (there {was}, missing {now})")
        elif old is None:
            lines.append(f"+ {key}: {new}  (not there {was}, present {now})")
        else:
            lines.append(f"~ {key}: {old} {was}, {new} {now}")
    return lines
