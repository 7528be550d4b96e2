"""Shared fixtures: a fresh database per test on SQLite, PostgreSQL and MariaDB, a still project
driven through its command line, and the seed's pet clinic schema as migrations and as models.

``db_url`` gives every test its own database, so tests are isolated and run under ``pytest -n``.
A server that cannot be reached skips the test, or fails it when ``CI`` is set (tests/databases.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from hypothesis import settings as hypothesis_settings

from tests.databases import fresh_database, in_ci

DATABASE_KINDS = ("sqlite", "postgresql", "mariadb")

# Hypothesis: in CI the examples are derived from each test's name (derandomized), so a run is
# reproducible and CI stays green run after run unless the code changes; elsewhere each run
# explores new examples.  Either way a failure prints the falsifying example and the
# @reproduce_failure blob, and no example database is written inside the repository in CI.
# HYPOTHESIS_PROFILE=explore (more examples, random) is for a deliberate bug hunt.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
hypothesis_settings.register_profile("dev", print_blob=True)
hypothesis_settings.register_profile("explore", print_blob=True, max_examples=1000)
HYPOTHESIS_PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if in_ci() else "dev")
hypothesis_settings.load_profile(HYPOTHESIS_PROFILE)


def pytest_report_header(config: pytest.Config) -> str:
    how = (
        "derandomized: examples fixed by each test's name"
        if HYPOTHESIS_PROFILE == "ci"
        else ("random examples; a failure prints them and a @reproduce_failure blob")
    )
    return f"hypothesis profile: {HYPOTHESIS_PROFILE} ({how})"


# The longest tests (each 5 to 40 s: real applications, Flask-Migrate, add-ons, the benchmark's
# smoke run), handed out first: with two workers, a long test picked up last would leave the
# other worker idle at the end of the run.
SLOWEST_FIRST = (
    "test_real_applications.py",
    "test_flask_migrate.py",
    "test_bench_smoke.py",
    "test_addon_postgresql_enum.py",
    "test_addon_alembic_utils.py",
    "test_addon_geoalchemy2.py",
    "test_demo.py",
    "test_crash_journal.py",
    "test_alembic_projects.py",
    "test_offline_shadow.py",
    "test_url_secrets.py",
    "test_interruptions.py",
    "test_concurrency.py",
    "test_pytest_alembic.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def pytest_configure(config: pytest.Config) -> None:
    # The suite compares still with the real Alembic: with the process-wide switch on, "the
    # real Alembic" would be still, and every comparison would pass without comparing anything.
    from still.alembic_switch import VARIABLE, is_on

    if is_on():
        raise pytest.UsageError(
            f"{VARIABLE} is set: this test suite needs the real Alembic beside still. Run it "
            f"with the variable unset (`env -u {VARIABLE} pytest ...`); the tests that need the "
            "switch turn it on in their own child processes."
        )


# An ini URL nothing answers at: a test that relies on -x or SQLALCHEMY_URL fails loudly if
# still falls back to it.
UNREACHABLE_URL = "postgresql+psycopg://nobody:pw@127.0.0.1:1/nowhere"


# -- databases ----------------------------------------------------------------------------------


def kind_of(url: str) -> str:
    """``sqlite``, ``postgresql`` or ``mariadb``, for a URL ``db_url`` gave."""
    if url.startswith("sqlite"):
        return "sqlite"
    if url.startswith("postgresql"):
        return "postgresql"
    if url.startswith("mysql"):
        return "mariadb"
    raise ValueError(url)


@pytest.fixture(params=DATABASE_KINDS, ids=DATABASE_KINDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh database on each of the three servers."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def db_kind(db_url: str) -> str:
    return kind_of(db_url)


@pytest.fixture
def another_database(db_url: str, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Make more fresh databases of ``db_url``'s kind (all dropped at the end of the test)."""
    directory = tmp_path / "more"
    directory.mkdir()
    with ExitStack() as stack:
        yield lambda: stack.enter_context(fresh_database(kind_of(db_url), directory))


def engine_for(url: str) -> sa.Engine:
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


# still's ledger (on in projects `still init` makes) is not one of the application's tables.
LEDGER = "still_ledger"


def tables_of(url: str, ledger: bool = False) -> set[str]:
    """The tables of a database, alembic_version included (still's ledger only if asked)."""
    engine = engine_for(url)
    try:
        names = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    return names if ledger else names - {LEDGER}


def versions_of(url: str) -> set[str] | None:
    """The rows of alembic_version; None when the table does not exist."""
    engine = engine_for(url)
    try:
        if not sa.inspect(engine).has_table("alembic_version"):
            return None
        with engine.connect() as conn:
            return set(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
    finally:
        engine.dispose()


# -- projects -----------------------------------------------------------------------------------

REVISION_FILE = '''"""{message}

Revision ID: {rev}
Revises: {down_text}
"""
from alembic import op
import sqlalchemy as sa


revision = {rev!r}
down_revision = {down!r}
branch_labels = None
depends_on = None


def upgrade():
{upgrade}


def downgrade():
{downgrade}
'''

# env.py as the seed's tutorial shows it (step 4), without the model imports.
SEED_ENV_PY = """\
from logging.config import fileConfig
from sqlalchemy import engine_from_config, pool
from alembic import context

config = context.config
fileConfig(config.config_file_name)

target_metadata = None

def run_migrations_offline():
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()

def run_migrations_online():
    connectable = engine_from_config(
        config.get_section(config.config_ini_section),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata
        )
        with context.begin_transaction():
            context.run_migrations()

if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
"""


@dataclass
class Run:
    """The outcome of one command: exit code and what it printed."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def __str__(self) -> str:
        return f"exit {self.exit_code}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


def set_ini_url(ini: Path, url: str) -> None:
    """Point ``sqlalchemy.url`` of an ini file at ``url`` (``%`` doubled, as the ini needs)."""
    text = ini.read_text()
    line = f"sqlalchemy.url = {url.replace('%', '%%')}"
    new, count = re.subn(r"^sqlalchemy\.url\s*=.*$", lambda _: line, text, flags=re.M)
    assert count == 1, f"no sqlalchemy.url line in {ini}"
    ini.write_text(new)


def _body(source: str) -> str:
    source = textwrap.dedent(source).strip("\n")
    return textwrap.indent(source or "pass", "    ")


class Project:
    """A still project in a temporary directory (``still init migrations``), on ``url``."""

    def __init__(self, root: Path, url: str, directory: str = "migrations") -> None:
        self.root = root
        self.url = url
        self.directory = directory
        self._engine: sa.Engine | None = None

    @property
    def ini(self) -> Path:
        return self.root / "alembic.ini"

    @property
    def env_py(self) -> Path:
        return self.root / self.directory / "env.py"

    @property
    def versions_dir(self) -> Path:
        return self.root / self.directory / "versions"

    @property
    def kind(self) -> str:
        return kind_of(self.url)

    # -- running the command line

    def run(self, *args: str, env: dict[str, str] | None = None) -> Run:
        """``still ARGS`` in this process (click's runner); the cwd is the project's."""
        result = CliRunner().invoke(_cli(), list(args), env=env, catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    def ok(self, *args: str, env: dict[str, str] | None = None) -> Run:
        """``run``, asserting success."""
        result = self.run(*args, env=env)
        assert result.exit_code == 0, str(result)
        return result

    def run_subprocess(self, *args: str, env: dict[str, str] | None = None) -> Run:
        """``python -m still ARGS`` in a child process, in the project directory."""
        return run_module("still", args, self.root, env)

    # -- writing files

    def write_revision(
        self,
        rev_id: str,
        down_revision: str | tuple[str, ...] | None,
        upgrade_body: str = "pass",
        downgrade_body: str = "pass",
        message: str | None = None,
    ) -> Path:
        """A revision file in versions/, in the form Alembic writes (``from alembic import op``)."""
        message = message or f"step {rev_id}"
        slug = re.sub(r"\W+", "_", message).strip("_").lower()
        down_text = (
            ", ".join(down_revision) if isinstance(down_revision, tuple) else down_revision or ""
        )
        path = self.versions_dir / f"{rev_id}_{slug}.py"
        path.write_text(
            REVISION_FILE.format(
                rev=rev_id,
                down=down_revision,
                down_text=down_text,
                message=message,
                upgrade=_body(upgrade_body),
                downgrade=_body(downgrade_body),
            )
        )
        return path

    def set_url(self, url: str) -> None:
        set_ini_url(self.ini, url)

    def use_seed_env(self) -> None:
        """Replace env.py with the seed tutorial's."""
        self.env_py.write_text(SEED_ENV_PY)

    def configure_with(self, extra: str) -> None:
        """Add keyword arguments to env.py's online ``context.configure(connection=...)``."""
        text = self.env_py.read_text()
        pattern = re.compile(r"context\.configure\(\s*connection=connection,")
        assert len(pattern.findall(text)) == 1, "env.py has no online context.configure()"
        self.env_py.write_text(
            pattern.sub(lambda m: f"context.configure({extra}, connection=connection,", text)
        )

    # -- looking at the database

    def engine(self) -> sa.Engine:
        if self._engine is None:
            self._engine = engine_for(self.url)
        return self._engine

    def inspector(self) -> sa.Inspector:
        """A fresh inspector (reflection is cached per inspector)."""
        return sa.inspect(self.engine())

    def tables(self) -> set[str]:
        """The tables of the database, not counting alembic_version and still's ledger."""
        return tables_of(self.url) - {"alembic_version"}

    def versions(self) -> set[str] | None:
        """The rows of alembic_version; None when the table does not exist."""
        return versions_of(self.url)

    def rows(self, sql: str) -> list[tuple]:
        with self.engine().connect() as conn:
            return [tuple(row) for row in conn.execute(sa.text(sql))]

    def execute(self, *statements: str) -> None:
        with self.engine().begin() as conn:
            for statement in statements:
                conn.execute(sa.text(statement))

    def schema(self) -> dict[str, object]:
        """Everything reflection says about the tables (not alembic_version), for comparisons."""
        inspector = self.inspector()
        snapshot: dict[str, object] = {}
        for table in sorted(self.tables()):
            snapshot[table] = (
                [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
                sorted(
                    (tuple(f["constrained_columns"]), f["referred_table"])
                    for f in inspector.get_foreign_keys(table)
                ),
                sorted(
                    (i["name"] or "", tuple(i["column_names"]), bool(i["unique"]))
                    for i in inspector.get_indexes(table)
                ),
                inspector.get_pk_constraint(table)["constrained_columns"],
            )
        return snapshot

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def _cli():
    from still.cli.main import cli

    return cli


def run_module(
    module: str, args: tuple[str, ...] | list[str], cwd: Path, env: dict[str, str] | None = None
) -> Run:
    """``python -m MODULE ARGS`` (still or alembic) in ``cwd``; SQLALCHEMY_URL only if given."""
    environ = {k: v for k, v in os.environ.items() if k not in ("SQLALCHEMY_URL", "ALEMBIC_CONFIG")}
    environ.update(env or {})
    completed = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return Run(completed.returncode, completed.stdout, completed.stderr)


@pytest.fixture
def project(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Project]:
    """``still init migrations`` in a fresh directory, with sqlalchemy.url = ``db_url``."""
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    monkeypatch.delenv("ALEMBIC_CONFIG", raising=False)
    p = make_project(root, db_url)
    yield p
    p.dispose()


def make_project(root: Path, url: str) -> Project:
    """``still init migrations`` in ``root`` (the cwd), with sqlalchemy.url = ``url``."""
    p = Project(root, url)
    p.ok("init", "migrations")
    p.set_url(url)
    return p


# -- the seed's pet clinic ----------------------------------------------------------------------

INITIAL_UPGRADE = """
op.create_table(
    "owners",
    sa.Column("owner_id", sa.Integer, primary_key=True),
    sa.Column("owner_name", sa.String(100), nullable=False),
    sa.Column("owner_email", sa.String(100), nullable=True),
)
op.create_table(
    "species",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50), nullable=False),
)
op.create_table(
    "pets",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("owner_id", sa.Integer, sa.ForeignKey("owners.owner_id"), nullable=True),
    sa.Column("species_id", sa.Integer, sa.ForeignKey("species.id"), nullable=True),
    sa.Column("name", sa.String(100), nullable=False),
)
op.create_table(
    "manipulations",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("title", sa.String(100), nullable=False),
    sa.Column("price", sa.Numeric(10, 2), nullable=True),
)
op.create_table(
    "manipulation_facts",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("pet_id", sa.Integer, sa.ForeignKey("pets.id"), nullable=False),
    sa.Column(
        "manipulation_id", sa.Integer, sa.ForeignKey("manipulations.id"), nullable=False
    ),
    sa.Column("done_at", sa.DateTime, nullable=True),
)
"""

INITIAL_DOWNGRADE = """
op.drop_table("manipulation_facts")
op.drop_table("manipulations")
op.drop_table("pets")
op.drop_table("species")
op.drop_table("owners")
"""

AGE_UPGRADE = """
op.add_column("pets", sa.Column("age", sa.Integer, nullable=True))
op.execute("UPDATE pets SET age = 0 WHERE age IS NULL")
"""

AGE_DOWNGRADE = """
op.drop_column("pets", "age")
"""

INDEX_UPGRADE = """
op.create_index("ix_pet_owner_id", "pets", ["owner_id"], unique=False)
"""

INDEX_DOWNGRADE = """
op.drop_index("ix_pet_owner_id", table_name="pets")
"""


class PetClinic:
    """The seed's five tables: as hand-written migrations, and as models (a MetaData)."""

    TABLES = frozenset({"owners", "species", "pets", "manipulations", "manipulation_facts"})
    # (constrained columns, referred table, referred columns) of each table's foreign keys
    FOREIGN_KEYS = {
        "pets": {(("owner_id",), "owners", ("owner_id",)), (("species_id",), "species", ("id",))},
        "manipulation_facts": {
            (("pet_id",), "pets", ("id",)),
            (("manipulation_id",), "manipulations", ("id",)),
        },
    }
    COLUMNS = {
        "owners": ["owner_id", "owner_name", "owner_email"],
        "species": ["id", "name"],
        "pets": ["id", "owner_id", "species_id", "name"],
        "manipulations": ["id", "title", "price"],
        "manipulation_facts": ["id", "pet_id", "manipulation_id", "done_at"],
    }
    # The linear chain the workflow tests use: (id, parent, message, upgrade, downgrade).
    CHAIN = (
        ("aaa", None, "initial schema", INITIAL_UPGRADE, INITIAL_DOWNGRADE),
        ("bbb", "aaa", "add age to pets", AGE_UPGRADE, AGE_DOWNGRADE),
        ("ccc", "bbb", "add index on pets owner_id", INDEX_UPGRADE, INDEX_DOWNGRADE),
    )

    def write_initial(self, project: Project, rev: str = "aaa", down: str | None = None) -> Path:
        """The migration that creates the five tables."""
        return project.write_revision(
            rev, down, INITIAL_UPGRADE, INITIAL_DOWNGRADE, "initial schema"
        )

    def write_chain(self, project: Project) -> list[str]:
        """aaa (five tables) -> bbb (pets.age, filled by UPDATE) -> ccc (ix_pet_owner_id)."""
        for rev, down, message, upgrade, downgrade in self.CHAIN:
            project.write_revision(rev, down, upgrade, downgrade, message)
        return [rev for rev, *_ in self.CHAIN]

    def metadata(self, age: bool = False, index: bool = False) -> sa.MetaData:
        """The models: the same five tables as SQLAlchemy declares them."""
        metadata = sa.MetaData()
        sa.Table(
            "owners",
            metadata,
            sa.Column("owner_id", sa.Integer, primary_key=True),
            sa.Column("owner_name", sa.String(100), nullable=False),
            sa.Column("owner_email", sa.String(100)),
        )
        sa.Table(
            "species",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(50), nullable=False),
        )
        pets = sa.Table(
            "pets",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("owner_id", sa.Integer, sa.ForeignKey("owners.owner_id")),
            sa.Column("species_id", sa.Integer, sa.ForeignKey("species.id")),
            sa.Column("name", sa.String(100), nullable=False),
        )
        if age:
            pets.append_column(sa.Column("age", sa.Integer))
        if index:
            sa.Index("ix_pet_owner_id", pets.c.owner_id)
        sa.Table(
            "manipulations",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("title", sa.String(100), nullable=False),
            sa.Column("price", sa.Numeric(10, 2)),
        )
        sa.Table(
            "manipulation_facts",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("pet_id", sa.Integer, sa.ForeignKey("pets.id"), nullable=False),
            sa.Column(
                "manipulation_id", sa.Integer, sa.ForeignKey("manipulations.id"), nullable=False
            ),
            sa.Column("done_at", sa.DateTime),
        )
        return metadata

    def foreign_keys(self, inspector: sa.Inspector, table: str) -> set[tuple]:
        return {
            (tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]))
            for fk in inspector.get_foreign_keys(table)
        }

    def assert_schema(self, project: Project, age: bool, index: bool) -> None:
        """The five tables are there, with their columns, foreign keys and (maybe) the index."""
        inspector = project.inspector()
        assert set(inspector.get_table_names()) - {"still_ledger"} == set(self.TABLES) | {
            "alembic_version"
        }
        for table, columns in self.COLUMNS.items():
            expected = [*columns, "age"] if age and table == "pets" else columns
            assert [c["name"] for c in inspector.get_columns(table)] == expected, table
        for table, fks in self.FOREIGN_KEYS.items():
            assert self.foreign_keys(inspector, table) == fks, table
        indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes("pets")}
        if index:
            assert indexes.get("ix_pet_owner_id") == ["owner_id"]
        else:
            assert "ix_pet_owner_id" not in indexes


@pytest.fixture
def petclinic_models() -> PetClinic:
    return PetClinic()


@pytest.fixture
def two_revisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``still init migrations`` with revisions a <- b (plain headers), caches allowed."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STILL_NO_CACHE", raising=False)
    assert CliRunner().invoke(_cli(), ["init", "migrations"]).exit_code == 0
    versions = tmp_path / "migrations" / "versions"
    (versions / "a.py").write_text("revision = 'a'\ndown_revision = None\n")
    (versions / "b.py").write_text("revision = 'b'\ndown_revision = 'a'\n")
    return tmp_path


# -- what the differential tests could not compare ------------------------------------------------


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The differential tests' tally (record_property, so it survives pytest -n): commands
    compared with real Alembic, and those checked on still's side alone because Alembic crashed
    or left a row its own next command refuses."""
    totals = {"differential_compared": 0, "differential_still_alone": 0}
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get(
        "failed", []
    ):
        if getattr(report, "when", None) != "call":
            continue
        for name, value in getattr(report, "user_properties", ()):
            if name in totals:
                totals[name] += int(value)
    if any(totals.values()):
        terminalreporter.write_line(
            f"differential (graph): {totals['differential_compared']} commands compared with "
            f"Alembic, {totals['differential_still_alone']} checked on still's side alone "
            "(Alembic crashed or left a redundant row; still checked against the generated "
            "graph, then both continued from still's database)"
        )
