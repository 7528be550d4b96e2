"""Several threads (and asyncio tasks) of one process migrating their own databases at once.

An application serving several tenants, each with its own database, may bring them all up to
date together: ``command.upgrade`` in a thread per database, or an asyncio task per database.
still's ``op`` and ``context`` find the migration of their own thread or task (context
variables), so each database gets its own migrations, and only them.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import sqlalchemy as sa

from still import command
from still.config import Config
from tests.conftest import Project, make_project, tables_of, versions_of
from tests.databases import KINDS, fresh_database, required

TENANTS = 4

# Each database records the URL of the configuration that migrated it, through op (which must
# find its own thread's migration) and context.config (its own thread's environment).
WHO = (
    "import time\n"
    "time.sleep(0.05)\n"
    "op.create_table('who', sa.Column('url', sa.String(300), nullable=False))\n"
    "url = op.get_context().config.get_main_option('sqlalchemy.url')\n"
    "op.execute(sa.text('INSERT INTO who (url) VALUES (:url)').bindparams(url=url))\n"
)

# The generic env.py, taking the application's connection when it passes one (the asyncio case).
ENV_PY = """\
from sqlalchemy import engine_from_config, pool
from alembic import context

config = context.config

connection = config.attributes.get("connection")
if connection is not None:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()
"""


@pytest.fixture(params=KINDS)
def tenants(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Project, list[str]]]:
    """A project and the URLs of ``TENANTS`` fresh databases of one kind."""
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    monkeypatch.delenv("ALEMBIC_CONFIG", raising=False)
    with ExitStack() as stack:
        urls = [
            stack.enter_context(fresh_database(request.param, tmp_path)) for _ in range(TENANTS)
        ]
        project = make_project(root, urls[0])
        project.env_py.write_text(ENV_PY)
        project.write_revision("r1", None, WHO, "op.drop_table('who')")
        for number in range(2, 5):
            project.write_revision(
                f"r{number}",
                f"r{number - 1}",
                "import time\ntime.sleep(0.05)\n"
                f"op.create_table('t{number}', sa.Column('id', sa.Integer, primary_key=True))",
                f"op.drop_table('t{number}')",
            )
        yield project, urls
        project.dispose()


def _config(project: Project, url: str) -> Config:
    config = Config(str(project.ini))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _check(urls: list[str]) -> None:
    for url in urls:
        assert versions_of(url) == {"r4"}, url
        assert tables_of(url) == {"alembic_version", "who", "t2", "t3", "t4"}, url
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as connection:
                recorded = connection.execute(sa.text("SELECT url FROM who")).scalars().all()
        finally:
            engine.dispose()
        assert recorded == [url]


def _in_threads(work: list[Callable[[], None]]) -> list[BaseException]:
    barrier = threading.Barrier(len(work))
    errors: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        try:
            barrier.wait(timeout=30)
            job()
        except BaseException as exc:  # reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_threads_upgrade_their_own_databases_at_once(tenants: tuple[Project, list[str]]) -> None:
    project, urls = tenants
    configs = [_config(project, url) for url in urls]
    errors = _in_threads([lambda c=c: command.upgrade(c, "head") for c in configs])
    assert not errors, errors
    _check(urls)
    # ... and back down, at once too.
    errors = _in_threads([lambda c=c: command.downgrade(c, "base") for c in configs])
    assert not errors, errors
    for url in urls:
        assert tables_of(url) == {"alembic_version"}
        assert versions_of(url) == set()


_ASYNC_DRIVERS = {
    "sqlite": ("sqlite://", "sqlite+aiosqlite://", "aiosqlite"),
    "postgresql": ("postgresql+psycopg://", "postgresql+asyncpg://", "asyncpg"),
    "mariadb": ("mysql+pymysql://", "mysql+aiomysql://", "aiomysql"),
}


def test_asyncio_tasks_upgrade_their_own_databases_at_once(
    tenants: tuple[Project, list[str]],
) -> None:
    """One event loop, a task per database: each task's ``run_sync`` runs ``command.upgrade``
    on its own connection, and the tasks interleave at every statement they await."""
    from sqlalchemy.ext.asyncio import create_async_engine

    project, urls = tenants
    sync_prefix, async_prefix, module = _ASYNC_DRIVERS[project.kind]
    required(module)

    def upgrade(connection: sa.Connection, url: str) -> None:
        config = _config(project, url)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async def tenant(url: str) -> None:
        engine = create_async_engine(url.replace(sync_prefix, async_prefix, 1))
        try:
            async with engine.connect() as connection:
                await connection.run_sync(upgrade, url)
                await connection.commit()
        finally:
            await engine.dispose()

    async def all_tenants() -> list[BaseException | None]:
        return await asyncio.gather(*(tenant(url) for url in urls), return_exceptions=True)

    outcomes = asyncio.run(all_tenants())
    assert not [o for o in outcomes if o is not None], outcomes
    _check(urls)
