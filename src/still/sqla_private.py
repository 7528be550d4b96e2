"""Every use still makes of SQLAlchemy's private attributes, in one place.

SQLAlchemy gives no public way to ask these questions; the answers below are read from
attributes its own DDL compiler and schema code use.  A SQLAlchemy release that renames one
breaks one function here (``tests/test_sqla_private.py`` tests each on the installed release,
which CI varies), not the modules that ask.  ``_copy()`` (the copy of a schema item SQLAlchemy
itself recommends since ``copy()`` was deprecated) is not listed: it is used as an API.

No other module of still reads a private attribute of SQLAlchemy's objects
(``tests/test_architecture.py`` checks it), except ``autogenerate/sqlite_prefetch.py``, which
overrides SQLite's private reflection methods by design.
"""

from __future__ import annotations

from typing import Any


def creation_order(item: Any) -> int:
    """The order SQLAlchemy made schema items in (how it orders a table's constraints)."""
    return int(item._creation_order)


def type_bound(constraint: Any) -> bool:
    """Whether a constraint was made by its column's type (``Enum``/``Boolean`` with
    ``create_constraint=True``), and comes back whenever that column joins a table."""
    return bool(getattr(constraint, "_type_bound", False))


def created_on(constraint: Any, ddl_compiler: Any) -> bool:
    """Whether a CHECK constraint is emitted by this dialect's DDL compiler (a type-made CHECK
    is not where the type is native, e.g. PostgreSQL's ENUM)."""
    rule = getattr(constraint, "_create_rule", None)
    return rule is None or bool(rule(ddl_compiler))


def pending_columns(constraint: Any) -> list[Any]:
    """The columns (names or Column objects) a constraint was given, before it is attached to a
    table (its ``columns`` are empty until then)."""
    return list(getattr(constraint, "_pending_colargs", []))


def made_by_column_flag(constraint: Any) -> bool:
    """Whether a table's constraint (or index) was made from a Column's own flag
    (``unique=True``, ``index=True``) rather than given to the table."""
    return bool(getattr(constraint, "_column_flag", False))


def column_spec(foreign_key: Any) -> str:
    """A ``ForeignKey``'s target as text: ``"[schema.]table.column"``."""
    return str(foreign_key._get_colspec())


def target_column_given(foreign_key: Any) -> bool:
    """Whether a ``ForeignKey`` was given its target as a Column object (of a table that
    exists), rather than as text."""
    return foreign_key._table_column is not None


def exclude_elements(constraint: Any) -> list[tuple[Any, str]]:
    """A PostgreSQL ``ExcludeConstraint``'s ``(expression, operator)`` pairs, as given."""
    return [(expression, operator) for expression, _, operator in constraint._render_exprs]


def same_affinity(old: Any, new: Any) -> bool:
    """Whether two types store values the same way (text, number, date ...), so a copy needs
    no CAST."""
    return bool(old._type_affinity is new._type_affinity)


def async_connection_of(connection: Any) -> Any:
    """The ``AsyncConnection`` a sync-facing ``Connection`` serves (env.py through an async
    engine), else None."""
    from sqlalchemy.ext.asyncio import AsyncConnection

    return AsyncConnection._retrieve_proxy_for_target(connection)
