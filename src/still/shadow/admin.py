"""Statements still runs itself on a database server, outside any migration: CREATE and DROP
DATABASE, the catalogue queries, the replay of a cached MySQL schema.

``run`` opens one connection (autocommit: CREATE DATABASE runs in no transaction), runs its
statements in order and closes it; a :class:`Session` keeps its connection for several calls (a
shadow build's check, create and copy: each new connection costs the driver's connect and
SQLAlchemy's first-connect queries, several round trips).  An async driver (asyncpg, aiomysql,
aiosqlite ...) is used through SQLAlchemy's asyncio engine, so a project whose env.py is async
needs no other driver.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Connection, Engine

Statement = str | tuple[str, Sequence[Any]]


def run(url: URL, statements: Sequence[Statement]) -> list[list[tuple[Any, ...]]]:
    """Run ``statements`` (text, or text and positional parameters) on one autocommit
    connection; the rows each returned (empty for those that return none)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    if engine.dialect.is_async:
        engine.dispose()
        return _run_async(url, statements)
    try:
        with engine.connect() as connection:
            return _each(connection, statements)
    finally:
        engine.dispose()


class Session:
    """Statements run on one autocommit connection kept open between calls until
    :meth:`close`.  An async driver's statements each go through :func:`run` (a connection of
    their own).  A failing statement closes the connection (the next call opens another)."""

    def __init__(self, url: URL) -> None:
        self.url = url
        self._engine: Engine | None = None
        self._connection: Connection | None = None

    def run(self, statements: Sequence[Statement]) -> list[list[tuple[Any, ...]]]:
        if self._connection is None:
            from sqlalchemy import create_engine
            from sqlalchemy.pool import NullPool

            engine = create_engine(self.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
            if engine.dialect.is_async:
                engine.dispose()
                return _run_async(self.url, statements)
            try:
                self._connection = engine.connect()
            except BaseException:
                engine.dispose()
                raise
            self._engine = engine
        try:
            return _each(self._connection, statements)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        connection, engine = self._connection, self._engine
        self._connection = self._engine = None
        try:
            if connection is not None:
                connection.close()
        finally:
            if engine is not None:
                engine.dispose()


def _each(connection: Connection, statements: Sequence[Statement]) -> list[list[tuple[Any, ...]]]:
    out: list[list[tuple[Any, ...]]] = []
    for statement in statements:
        sql, params = (statement, None) if isinstance(statement, str) else statement
        result = (
            connection.exec_driver_sql(sql, tuple(params))
            if params is not None
            else connection.exec_driver_sql(sql)
        )
        out.append([tuple(row) for row in result] if result.returns_rows else [])
    return out


def _run_async(url: URL, statements: Sequence[Statement]) -> list[list[tuple[Any, ...]]]:
    import asyncio

    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    async def go() -> list[list[tuple[Any, ...]]]:
        engine = create_async_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(_each, statements)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def error_text(exc: BaseException) -> str:
    """The database's own words for an error (the driver's message), on one line."""
    original = getattr(exc, "orig", None) or exc
    return " ".join(str(original).split())


def error_codes(exc: BaseException) -> set[str]:
    """The driver's codes for an error: PostgreSQL's SQLSTATE, MySQL's error number (and the
    SQLSTATE some MySQL drivers add)."""
    original = getattr(exc, "orig", None) or exc
    codes = {
        str(value)
        for value in (getattr(original, "sqlstate", None), getattr(original, "pgcode", None))
        if value
    }
    args = getattr(original, "args", ())
    if args and isinstance(args[0], int):
        codes.add(str(args[0]))
    return codes
