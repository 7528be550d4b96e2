"""``upgrade --sql --shadow`` / ``downgrade --sql --shadow``: a script whose revisions read the
database, answered by a shadow database that follows the script.

``with_shadow(config, script, start, run)`` builds the schema at ``start`` (the script's
starting revisions; base for an upgrade from nothing) in a throw-away database, from the cache
when the revision files are unchanged (:func:`still.shadow.build.materialize`), opens one
autocommit connection to it, and calls ``run(hooks)`` with the configuration's hooks plus a
listener that hands the run's migration context an
:class:`~still.runtime.offline_reads.OfflineReads` on that connection (reads answered there,
every statement of the script also run there).  The database is dropped afterwards, whatever
happened (a failing revision, Ctrl-C), and the project's database is never connected to.

With an async driver (asyncpg, aiomysql, aiosqlite) the connection is SQLAlchemy's asyncio
one and the run happens inside its ``run_sync``, so a migration still gets a synchronous
``Connection`` from ``op.get_bind()`` and the project needs no second driver.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from still.shadow.build import _drop, materialize, server_of

if TYPE_CHECKING:
    from sqlalchemy.engine import URL, Connection

    from still.config import Config
    from still.hooks import Hooks
    from still.script import ScriptDirectory

# `--sql` runs use the shadow database by default when this setting is true ([alembic]).
SQL_OPTION = "sql_shadow"


def with_shadow(
    config: Config,
    script: ScriptDirectory,
    start: Sequence[str],
    run: Callable[[Hooks], None],
) -> None:
    """Call ``run`` with hooks that give its ``--sql`` run a shadow database at ``start``."""
    server = server_of(config, script)
    try:
        built = materialize(config, script, server, tuple(start))
        at = ", ".join(built.targets)
        how = "from the cache" if built.from_cache else "by replaying the revisions"
        where = f"a shadow database at {at}, built {how}" if at else "an empty shadow database"
        reporter = config.hooks.reporter
        if reporter is None:
            from still.runtime.reporting import logging_reporter

            reporter = logging_reporter
        reporter.note(f"The migrations read {where}, which follows the script.")
        _connected(built.url, lambda connection: _lend(config, connection, server.name, run))
    finally:
        _drop(server, config)


def _lend(
    config: Config, connection: Connection, name: str | None, run: Callable[[Hooks], None]
) -> None:
    from still.runtime.offline_reads import OfflineReads

    reads = OfflineReads(connection, f"The shadow database {name}")
    hooks = replace(config.hooks, listeners=[*config.hooks.listeners, reads.attach])
    try:
        run(hooks)
    finally:
        reads.close()


def _connected(url: URL, fn: Callable[[Connection], Any]) -> None:
    """``fn(connection)`` with one autocommit connection to ``url`` (an async driver's through
    ``run_sync``), closed afterwards."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    if engine.dialect.is_async:
        engine.dispose()
        _connected_async(url, fn)
        return
    try:
        with engine.connect() as connection:
            fn(connection)
    finally:
        engine.dispose()


def _connected_async(url: URL, fn: Callable[[Connection], Any]) -> None:
    import asyncio

    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    async def go() -> None:
        engine = create_async_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                await connection.run_sync(fn)
        finally:
            await engine.dispose()

    asyncio.run(go())
