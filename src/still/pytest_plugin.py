"""still's pytest plugin: tests for a project's migrations, and fixtures for tests that need a
migrated database.

Loaded by pytest (``-p still.pytest_plugin``, or the ``pytest11`` entry point once still is
installed with it).  It adds its tests only when asked: ``pytest --still-migrations``, or
``still_migrations = true`` in the pytest configuration.  Then four tests run against the test
database (``--still-url``, ``still_url`` or ``SQLALCHEMY_URL``; never the URL of alembic.ini by
itself):

``test_still_single_head``           the graph has one head (or ``--still-heads N``)
``test_still_stairway``              every revision upgrades, downgrades and upgrades again, one
                                     step at a time, and the downgrade gives back the schema
``test_still_up_down_up``            upgrade heads, downgrade base, upgrade heads: same schema
``test_still_models_match_database`` after upgrade heads, autogenerate finds nothing to write

Fixtures: ``still_url``, ``still_config``, ``still_migrations`` (a
:class:`still.testing.Migrations`), ``migrated_database`` (an Engine on the test database at
head), and ``still_database`` / ``still_database_at`` (a database of the test's own at head, or at
a revision, cloned from the shadow database's cached template and dropped after the test; the
marker ``@pytest.mark.still_revision("REV")`` picks the revision of ``still_database``).  The
plugin imports nothing heavy until one of them is used.

PYTEST_DONT_REWRITE: pytest rewrites the asserts of the plugins it loads by name (``-p
still.pytest_plugin``, ``pytest_plugins = [...]``) and warns when such a module was imported
before it started, which stops suites run with ``-W error``.  This module asserts nothing; the
marker above tells pytest so (see also the docstring of :mod:`still`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import sqlalchemy as sa
    from _pytest._code.code import TerminalRepr

    from still.config import Config
    from still.testing import Migrations
    from still.testing.clones import ClonedDatabase, Clones

# name of the test -> name of the check in still.testing.Migrations; the database ones need the URL
TESTS = {
    "test_still_single_head": "check_heads",
    "test_still_stairway": "check_stairway",
    "test_still_up_down_up": "check_up_down_up",
    "test_still_models_match_database": "check_models_match",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("still", "still: migration tests")
    group.addoption(
        "--still-migrations",
        action="store_true",
        default=None,
        help="Add still's migration tests (stairway, single head, up-down-up, models match).",
    )
    group.addoption(
        "--still-config",
        metavar="PATH",
        help="The project's alembic.ini (or pyproject.toml); default: still_config, else "
        "alembic.ini in the rootdir.",
    )
    group.addoption(
        "--still-url",
        metavar="URL",
        help="The test database the migration tests upgrade and downgrade (default: still_url, "
        "else SQLALCHEMY_URL).",
    )
    group.addoption(
        "--still-heads",
        type=int,
        metavar="N",
        help="The number of heads the project declares (default: still_heads, else 1).",
    )
    parser.addini("still_migrations", "Add still's migration tests.", type="bool", default=False)
    parser.addini("still_config", "The project's alembic.ini, relative to the rootdir.")
    parser.addini("still_url", "The URL of the test database for the migration tests.")
    parser.addini("still_heads", "The number of heads the project declares.", default="1")
    parser.addini("still_section", "The ini section of the configuration.", default="alembic")


@dataclass(frozen=True)
class Settings:
    enabled: bool
    config_file: Path
    url: str | None
    heads: int
    section: str

    def migrations(self) -> Migrations:
        from still.testing import Migrations

        return Migrations(self.config_file, self.require_url(), self.section)

    def require_url(self) -> str:
        if not self.url:
            raise _failure(
                "No test database: give its URL with --still-url URL, still_url in the pytest "
                "configuration, or the SQLALCHEMY_URL environment variable. still does not use "
                "the sqlalchemy.url of the project's configuration by itself: these tests "
                "upgrade and downgrade the database, and downgrading drops tables."
            )
        from still.ddl.impl import impl_for_url

        if impl_for_url(self.url).lives_in_one_connection(self.url):
            raise _failure(
                f"{self.url} is an in-memory SQLite database, which lives only as long as one "
                "connection; migrations open several. Use a file: sqlite:///test.db."
            )
        return self.url


def _failure(message: str) -> Exception:
    from still.testing import MigrationTestFailure

    return MigrationTestFailure(message)


def settings_of(config: pytest.Config) -> Settings:
    option = config.getoption("still_migrations")
    enabled = bool(option) if option is not None else bool(config.getini("still_migrations"))
    path_option = config.getoption("still_config")
    if path_option:
        config_file = Path(path_option).absolute()
    else:
        configured = str(config.getini("still_config") or "") or "alembic.ini"
        config_file = config.rootpath / configured
    url = (
        config.getoption("still_url")
        or str(config.getini("still_url") or "")
        or os.environ.get("SQLALCHEMY_URL")
        or None
    )
    heads_option = config.getoption("still_heads")
    if heads_option is not None:
        heads = heads_option
    else:
        from still.config.values import parse_number

        heads = int(
            parse_number(
                config.getini("still_heads"),
                "still_heads",
                "in the pytest configuration",
                minimum=1,
                whole=True,
                example="1",
            )
        )
    section = str(config.getini("still_section") or "alembic")
    return Settings(enabled, config_file, url, heads, section)


class MigrationTests(pytest.File):
    """The project's configuration file, as the collector of still's migration tests."""

    settings: Settings

    def collect(self) -> Iterator[pytest.Item]:
        for name in TESTS:
            yield MigrationTest.from_parent(self, name=name)


class MigrationTest(pytest.Item):
    """One of still's checks, run as a test."""

    parent: MigrationTests

    def runtest(self) -> None:
        settings = self.parent.settings
        if self.name == "test_still_single_head":
            from still.testing import Migrations

            Migrations(settings.config_file, settings.url, settings.section).check_heads(
                settings.heads
            )
            return
        from still.testing import database_lock

        migrations = settings.migrations()
        with database_lock(migrations.url):
            getattr(migrations, TESTS[self.name])()

    def repr_failure(
        self,
        excinfo: pytest.ExceptionInfo[BaseException],
        style: Any = None,
    ) -> str | TerminalRepr:
        from still.testing import MigrationTestFailure

        if isinstance(excinfo.value, MigrationTestFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[os.PathLike[str] | str, int | None, str]:
        return self.path, None, f"still: {self.name}"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    # tryfirst: before -k and -m deselect, so they apply to these tests too.
    settings = settings_of(config)
    if not settings.enabled:
        return
    collector = MigrationTests.from_parent(session, path=settings.config_file)
    collector.settings = settings
    added: list[pytest.Item | pytest.Collector] = list(collector.collect())
    items[:0] = [item for item in added if isinstance(item, pytest.Item)]
    # Reported as collected, as pytest's own collectors' items are: "collected N items" (and
    # every plugin that counts) then includes them.
    session.ihook.pytest_collectreport(
        report=pytest.CollectReport(collector.nodeid, "passed", None, added)
    )


# -- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def still_settings(pytestconfig: pytest.Config) -> Settings:
    """The plugin's settings: configuration file, test database URL, declared heads."""
    return settings_of(pytestconfig)


@pytest.fixture(scope="session")
def still_url(still_settings: Settings) -> str:
    """The URL of the test database (--still-url, still_url or SQLALCHEMY_URL)."""
    return still_settings.require_url()


@pytest.fixture
def still_config(still_settings: Settings, still_url: str) -> Config:
    """A still Config of the project, pointed at the test database (as ``-x sqlalchemy.url``)."""
    return still_settings.migrations().config()


@pytest.fixture
def still_migrations(still_settings: Settings, still_url: str) -> Iterator[Migrations]:
    """The project's migrations on the test database (a :class:`still.testing.Migrations`:
    ``upgrade``, ``downgrade``, ``step``, ``current``, ``schema`` and the checks), held for this
    test alone when tests run in parallel."""
    from still.testing import database_lock

    migrations = still_settings.migrations()
    with database_lock(still_url):
        yield migrations


@pytest.fixture
def migrated_database(still_migrations: Migrations) -> Iterator[sa.Engine]:
    """An Engine on the test database, upgraded to head; downgraded to base afterwards."""
    import sqlalchemy as sa

    still_migrations.to_base()
    still_migrations.upgrade("heads")
    engine = sa.create_engine(still_migrations.url, poolclass=sa.pool.NullPool)
    try:
        yield engine
    finally:
        engine.dispose()
        still_migrations.to_base()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "still_revision(revision): the revision the still_database fixture stands at "
        "(default: heads).",
    )


@pytest.fixture(scope="session")
def still_clones(still_settings: Settings, still_url: str) -> Iterator[Clones]:
    """Cloned databases on the test database's server (one cache for the session)."""
    from still.testing.clones import Clones

    clones = Clones(still_settings.migrations().config())
    try:
        yield clones
    finally:
        clones.drop_all()


@pytest.fixture
def still_database_at(still_clones: Clones) -> Iterator[Callable[..., ClonedDatabase]]:
    """``still_database_at("REV")``: a database of this test's own at REV (``heads`` when not
    given), cloned from the cache; every one is dropped after the test."""
    made: list[ClonedDatabase] = []

    def make(revision: str = "heads") -> ClonedDatabase:
        database = still_clones.clone(revision)
        made.append(database)
        return database

    try:
        yield make
    finally:
        for database in made:
            still_clones.drop(database)


@pytest.fixture
def still_database(
    request: pytest.FixtureRequest, still_database_at: Callable[..., ClonedDatabase]
) -> ClonedDatabase:
    """A database of this test's own at head (or at the ``still_revision`` marker's revision),
    cloned from the cached template; dropped after the test.  ``.url`` is its URL."""
    marker = request.node.get_closest_marker("still_revision")
    revision = str(marker.args[0]) if marker is not None and marker.args else "heads"
    return still_database_at(revision)
