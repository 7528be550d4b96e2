"""SQLite reflection of a whole schema in a handful of queries.

SQLAlchemy's SQLite dialect answers the multi-table inspector methods table by table: a PRAGMA
per table and per index, and a ``SELECT sql FROM sqlite_master WHERE name = ?`` per table (a
full scan of ``sqlite_master`` each time, so the cost grows with the square of the schema).  Here
the same PRAGMAs are read for every table at once through SQLite's table-valued pragma functions
(``pragma_table_xinfo(name)`` ...), and the dialect's per-table readers are answered from those
rows.  The dialect still does all the interpreting (types, names parsed out of the table's SQL),
so what it reports is exactly what it reports without this module.

The answers are given by a subclass of the connection's dialect that overrides two of its
private readers.  Should a SQLAlchemy release rename them, nothing is overridden and reflection
is merely as slow as before; anything not read ahead (another schema, a name not found) goes to
the dialect's own reader.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy.engine import Connection, Dialect, Inspector

_TABLES = "FROM main.sqlite_master AS m {join} WHERE m.type = 'table'"

# pragma -> query returning (key, the pragma's own columns...) for every table of the schema
_QUERIES = {
    "table_info": "SELECT m.name, p.* " + _TABLES.format(join=", pragma_table_info(m.name) AS p"),
    "table_xinfo": "SELECT m.name, p.* " + _TABLES.format(join=", pragma_table_xinfo(m.name) AS p"),
    "index_list": "SELECT m.name, p.* " + _TABLES.format(join=", pragma_index_list(m.name) AS p"),
    "foreign_key_list": "SELECT m.name, p.* "
    + _TABLES.format(join=", pragma_foreign_key_list(m.name) AS p"),
    # keyed by the index's name, as the dialect asks for it
    "index_info": "SELECT l.name, p.* "
    + _TABLES.format(join=", pragma_index_list(m.name) AS l, pragma_index_info(l.name) AS p"),
}


class _Prefetched:
    """What was read ahead: each table's SQL, and each pragma's rows by table (or index) name.

    A pragma is read for the whole schema the first time the dialect asks for it.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.sql: dict[str, str] = {}
        self.tables: set[str] = set()
        for name, kind, sql in connection.exec_driver_sql(
            "SELECT name, type, sql FROM main.sqlite_master WHERE type IN ('table', 'view')"
        ):
            self.sql[name] = sql
            if kind == "table":
                self.tables.add(name)
        self.pragmas: dict[str, dict[str, list[tuple[Any, ...]]]] = {}
        self.indexes: set[str] | None = None

    def pragma(self, pragma: str, name: str) -> list[tuple[Any, ...]] | None:
        """The rows, or None when this is not read ahead (the dialect then asks the database)."""
        if pragma not in _QUERIES:
            return None
        rows = self._rows(pragma)
        if name in rows:
            return rows[name]
        # an existing table (or index) without such rows; anything else is the dialect's to find
        if pragma == "index_info":
            return [] if name in self._index_names() else None
        return [] if name in self.tables else None

    def _rows(self, pragma: str) -> dict[str, list[tuple[Any, ...]]]:
        rows = self.pragmas.get(pragma)
        if rows is None:
            rows = {}
            for row in self.connection.exec_driver_sql(_QUERIES[pragma]):
                rows.setdefault(row[0], []).append(tuple(row[1:]))
            self.pragmas[pragma] = rows
        return rows

    def _index_names(self) -> set[str]:
        if self.indexes is None:
            self.indexes = {row[1] for rows in self._rows("index_list").values() for row in rows}
        return self.indexes


_subclasses: dict[type, type] = {}


def _prefetching_class(base: type) -> type:
    cls = _subclasses.get(base)
    if cls is None:

        def _get_table_sql(
            self: Any, connection: Any, table_name: str, schema: Any = None, **kw: Any
        ) -> Any:
            if schema is None and table_name in self._still_prefetched.sql:
                return self._still_prefetched.sql[table_name]
            return base._get_table_sql(self, connection, table_name, schema, **kw)  # type: ignore[attr-defined]

        def _get_table_pragma(
            self: Any, connection: Any, pragma: str, table_name: str, schema: Any = None
        ) -> Any:
            if schema is None:
                rows = self._still_prefetched.pragma(pragma, table_name)
                if rows is not None:
                    return rows
            return base._get_table_pragma(self, connection, pragma, table_name, schema=schema)  # type: ignore[attr-defined]

        namespace: dict[str, Any] = {}
        if hasattr(base, "_get_table_sql"):
            namespace["_get_table_sql"] = _get_table_sql
        if hasattr(base, "_get_table_pragma"):
            namespace["_get_table_pragma"] = _get_table_pragma
        cls = type(f"Prefetched{base.__name__}", (base,), namespace)
        _subclasses[base] = cls
    return cls


def _usable(connection: Connection) -> bool:
    import sqlite3

    if sqlite3.sqlite_version_info < (3, 16, 0):  # table-valued pragma functions
        return False
    # the dialect looks in temp after main when main has nothing: only read ahead without temp
    temp = connection.exec_driver_sql("SELECT count(*) FROM temp.sqlite_master").scalar()
    return not temp


@contextmanager
def prefetched(inspector: Inspector, schema: str | None) -> Iterator[None]:
    """While inside, ``inspector`` answers its SQLite multi-table readers from bulk reads."""
    dialect: Dialect = inspector.dialect
    bind: Any = inspector.bind
    if dialect.name != "sqlite" or schema is not None or not hasattr(bind, "exec_driver_sql"):
        yield
        return
    if not _usable(bind):
        yield
        return
    prefetching: Any = object.__new__(_prefetching_class(type(dialect)))
    prefetching.__dict__.update(dialect.__dict__)
    prefetching._still_prefetched = _Prefetched(bind)
    inspector.dialect = prefetching
    try:
        yield
    finally:
        inspector.dialect = dialect
