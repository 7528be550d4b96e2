"""pytest-alembic (from PyPI) used as its users use it: its built-in tests, run by pytest in a
child process on a small Alembic project of our own, once with the real Alembic and once with
still behind the ``alembic`` names for the whole process (``STILL_AS_ALEMBIC=1``: pytest-alembic
imports ``alembic`` when pytest loads it, before any conftest.py could ask for still), on
SQLite, PostgreSQL and MariaDB, with warnings as errors.

Each run's outcome per test (from pytest's JUnit XML report) must be the same under both tools:
on a project whose migrations are right (everything passes) and on one whose migrations are
wrong in the ways the tests exist to catch (two heads, a downgrade that leaves an index behind,
models the migrations do not build).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest

from still.alembic_switch import VARIABLE
from tests.databases import fresh_database, required

required("pytest_alembic")
required("alembic.command")

pytestmark = pytest.mark.slow

TOOLS = ("alembic", "still")

ALEMBIC_INI = """\
[alembic]
script_location = %(here)s/migrations
prepend_sys_path = .
path_separator = os
sqlalchemy.url = driver://set-by-the-tests

[loggers]
keys = root

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console

[handler_console]
class = StreamHandler
args = (sys.stderr,)
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
"""

# env.py as pytest-alembic's documentation shows it: the connection the tests hand over in
# config.attributes, else an engine from the ini.
ENV_PY = """\
from logging.config import fileConfig

from sqlalchemy import engine_from_config, pool

from alembic import context
import models

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)
target_metadata = models.metadata


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connectable = context.config.attributes.get("connection", None)
    if connectable is None:
        connectable = engine_from_config(
            config.get_section(config.config_ini_section, {}),
            prefix="sqlalchemy.",
            poolclass=pool.NullPool,
        )
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
"""

SCRIPT_MAKO = '''\
"""${message}"""
from alembic import op
import sqlalchemy as sa
${imports if imports else ""}

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade():
    ${upgrades if upgrades else "pass"}


def downgrade():
    ${downgrades if downgrades else "pass"}
'''

MODELS = """\
import sqlalchemy as sa

metadata = sa.MetaData()
owners = sa.Table(
    "owners", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("email", sa.String(200)),
)
pets = sa.Table(
    "pets", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("owner_id", sa.Integer, sa.ForeignKey("owners.id"), nullable=False),
    sa.Column("name", sa.String(50), nullable=False),
    sa.Column("age", sa.Integer, nullable=False, server_default="0"),
)
sa.Index("ix_pets_name", pets.c.name)
"""

REVISION = '''\
"""{message}"""
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

GOOD = {
    "a1": (
        None,
        "owners",
        """
        op.create_table(
            "owners",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", sa.String(100), nullable=False),
        )
        """,
        'op.drop_table("owners")',
    ),
    "b2": (
        "a1",
        "pets",
        """
        op.create_table(
            "pets",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("owner_id", sa.Integer, sa.ForeignKey("owners.id"), nullable=False),
            sa.Column("name", sa.String(50), nullable=False),
        )
        op.create_index("ix_pets_name", "pets", ["name"])
        """,
        """
        op.drop_index("ix_pets_name", table_name="pets")
        op.drop_table("pets")
        """,
    ),
    "c3": (
        "b2",
        "email and age",
        """
        op.add_column("owners", sa.Column("email", sa.String(200)))
        op.add_column(
            "pets", sa.Column("age", sa.Integer, nullable=False, server_default="0")
        )
        op.execute("UPDATE pets SET age = 1")
        """,
        """
        op.drop_column("pets", "age")
        op.drop_column("owners", "email")
        """,
    ),
}

# The mistakes the tests exist to catch: c3's downgrade leaves its index behind, a second head
# (d4 on b2), and a model column (owners.phone) no migration creates.
BROKEN = {
    **GOOD,
    "c3": (
        "b2",
        "email and age",
        textwrap.dedent(GOOD["c3"][2]) + 'op.create_index("ix_owners_email", "owners", ["email"])',
        GOOD["c3"][3],
    ),
    "d4": ("b2", "another branch", "pass", "pass"),
}
TWO_HEADS = {**GOOD, "d4": ("b2", "another branch", "pass", "pass")}
BROKEN_MODELS = MODELS.replace(
    '    sa.Column("email", sa.String(200)),\n',
    '    sa.Column("email", sa.String(200), index=True),\n    sa.Column("phone", sa.String(20)),\n',
)

CONFTEST = """\
import os

import pytest
import sqlalchemy as sa


@pytest.fixture
def alembic_engine():
    engine = sa.create_engine(os.environ["TEST_DATABASE_URL"], poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()
"""

# pytest-alembic's tests, imported into a test module as its documentation shows.
BUILT_IN_TESTS = """\
from pytest_alembic.tests import (
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from pytest_alembic.tests.experimental import (
    test_all_models_register_on_metadata as all_models_register_on_metadata,
    test_downgrade_leaves_no_trace,
)


def test_all_models_register_on_metadata(alembic_runner):
    all_models_register_on_metadata(alembic_runner, "models")
"""


def write_project(
    root: Path,
    revisions: dict[str, tuple[str | None, str, str, str]],
    models: str,
    collected: bool = False,
) -> None:
    """The project; its tests import pytest-alembic's (``collected``: the plugin collects
    them itself under tests/conftest.py, ``pytest --test-alembic``)."""
    (root / "migrations" / "versions").mkdir(parents=True)
    (root / "alembic.ini").write_text(ALEMBIC_INI)
    (root / "migrations" / "env.py").write_text(ENV_PY)
    (root / "migrations" / "script.py.mako").write_text(SCRIPT_MAKO)
    (root / "models.py").write_text(models)
    (root / "pytest.ini").write_text("[pytest]\nfilterwarnings =\n    error\npythonpath = .\n")
    if collected:
        # where the plugin binds its own tests (pytest --test-alembic)
        (root / "tests").mkdir()
        (root / "tests" / "conftest.py").write_text(CONFTEST)
    else:
        (root / "conftest.py").write_text(CONFTEST)
        (root / "test_migrations.py").write_text(BUILT_IN_TESTS)

    def body(text: str) -> str:
        return textwrap.indent(textwrap.dedent(text).strip() or "pass", "    ")

    for rev, (down, message, upgrade, downgrade) in revisions.items():
        (root / "migrations" / "versions" / f"{rev}.py").write_text(
            REVISION.format(
                rev=rev,
                down=down,
                message=message,
                upgrade=body(upgrade),
                downgrade=body(downgrade),
            )
        )


def outcomes(report: Path) -> dict[str, str]:
    """Test name -> passed / failed / error / skipped, from a JUnit XML report."""
    result: dict[str, str] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        result[case.get("name", "?")] = kinds[0] if kinds else "passed"
    return result


def run_pytest(root: Path, tool: str, url: str, *args: str) -> tuple[int, dict[str, str], str]:
    env = {k: v for k, v in os.environ.items() if k not in (VARIABLE, "PYTEST_ADDOPTS")}
    env["TEST_DATABASE_URL"] = url
    if tool == "still":
        env[VARIABLE] = "1"
    report = root / f"report-{tool}.xml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "-v",
            f"--junitxml={report}",
            *args,
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    found = outcomes(report) if report.exists() else {}
    return done.returncode, found, done.stdout + done.stderr


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def run_both(
    tmp_path: Path,
    kind: str,
    revisions: dict[str, tuple[str | None, str, str, str]],
    models: str,
    *args: str,
) -> dict[str, tuple[int, dict[str, str], str]]:
    """The same project and tests under each tool (each on its own fresh database), at once."""
    with ExitStack() as stack:
        jobs = {}
        for tool in TOOLS:
            root = tmp_path / tool
            root.mkdir()
            write_project(root, revisions, models, collected="--test-alembic" in args)
            jobs[tool] = (root, stack.enter_context(fresh_database(kind, root)))
        with ThreadPoolExecutor(2) as pool:
            futures = {
                tool: pool.submit(run_pytest, root, tool, url, *args)
                for tool, (root, url) in jobs.items()
            }
            return {tool: future.result() for tool, future in futures.items()}


BUILT_IN = [
    "test_all_models_register_on_metadata",
    "test_downgrade_leaves_no_trace",
    "test_model_definitions_match_ddl",
    "test_single_head_revision",
    "test_up_down_consistency",
    "test_upgrade",
]


DEFAULT = [
    "test_model_definitions_match_ddl",
    "test_single_head_revision",
    "test_up_down_consistency",
    "test_upgrade",
]


def describe(results: dict[str, tuple[int, dict[str, str], str]]) -> str:
    return "\n".join(
        f"--- {tool}: exit {code}\n{output}" for tool, (code, _, output) in results.items()
    )


def missing_surface() -> list[str]:
    """What pytest-alembic uses that other parts of issue 15 add to still (bug 8 and the
    public surface): until they are in, still's runs cannot match."""
    import inspect

    from still.alembic_names import script_revision
    from still.command import revision
    from still.script import ScriptDirectory

    missing = []
    if "RevisionMap" not in dir(script_revision):
        missing.append("alembic.script.revision.RevisionMap")
    if not hasattr(ScriptDirectory, "_upgrade_revs"):
        missing.append("ScriptDirectory._upgrade_revs (issue 15, bug 8)")
    if "process_revision_directives" not in inspect.signature(revision).parameters:
        missing.append("command.revision(process_revision_directives=)")
    return missing


def same_under_still(results: dict[str, tuple[int, dict[str, str], str]]) -> None:
    if results["still"][:2] != results["alembic"][:2] and missing_surface():
        pytest.xfail(f"still lacks {', '.join(missing_surface())}")
    assert results["still"][:2] == results["alembic"][:2], describe(results)


def test_a_good_project_passes_under_both(tmp_path: Path, kind: str) -> None:
    results = run_both(tmp_path, kind, GOOD, MODELS)
    _, found, _ = results["alembic"]
    assert sorted(found) == BUILT_IN, describe(results)
    # the default tests pass under the reference (the experimental ones need not)
    assert {name: found[name] for name in DEFAULT} == dict.fromkeys(DEFAULT, "passed")
    same_under_still(results)


def test_a_broken_project_fails_the_same_tests_under_both(tmp_path: Path, kind: str) -> None:
    results = run_both(tmp_path, kind, BROKEN, BROKEN_MODELS)
    code, found, _ = results["alembic"]
    assert code == 1 and sorted(found) == BUILT_IN, describe(results)
    assert found["test_single_head_revision"] == "failure"
    assert found["test_model_definitions_match_ddl"] == "failure"
    same_under_still(results)


def test_two_heads_fail_only_the_single_head_test_under_both(tmp_path: Path, kind: str) -> None:
    """The models match the migrations; only the graph is wrong (a second head)."""
    results = run_both(tmp_path, kind, TWO_HEADS, MODELS)
    _, found, _ = results["alembic"]
    assert found["test_single_head_revision"] == "failure", describe(results)
    assert found["test_model_definitions_match_ddl"] == "passed", describe(results)
    same_under_still(results)


def test_the_collected_form_behaves_the_same(tmp_path: Path) -> None:
    """``pytest --test-alembic`` (the plugin collects its tests itself, under tests/conftest.py);
    with pytest 9 its collector fails under both tools (pytest-alembic 0.13 sets a Node
    attribute pytest 9 no longer has): the same outcome is what is asserted."""
    results = run_both(tmp_path, "sqlite", GOOD, MODELS, "--test-alembic")
    same_under_still(results)
