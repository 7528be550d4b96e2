"""Driving migrations from an application's own code, as Alembic documents it (issue 15, bug 8).

An application builds ``EnvironmentContext(config, script)`` and calls ``configure(connection=...,
fn=...)`` and ``run_migrations()``, or passes ``fn=`` to the constructor and calls
``script.run_env()`` inside ``with EnvironmentContext(...)``.  ``fn(rev, context)`` receives the
heads the database records and returns the steps to run, built with
``ScriptDirectory._upgrade_revs`` / ``_downgrade_revs`` / ``_stamp_revs``.  The same driver code
runs under the real Alembic and under still (the ``alembic`` names are still's while it runs), on
two fresh databases of each kind; the tables and the version rows must agree after every step,
and the offline SQL must hold the same statements.
"""

from __future__ import annotations

import io
import re
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from still import compat
from tests.conftest import Project, kind_of, set_ini_url, tables_of, versions_of
from tests.databases import required

required("alembic")

REVISIONS = [
    ("a1", None, "op.create_table('pets', sa.Column('id', sa.Integer, primary_key=True))",
     "op.drop_table('pets')"),
    ("b2", "a1", "op.add_column('pets', sa.Column('name', sa.String(50)))",
     "op.drop_column('pets', 'name')"),
    ("c3", "b2", "op.create_table('owners', sa.Column('id', sa.Integer, primary_key=True))",
     "op.drop_table('owners')"),
]  # fmt: skip

# The application's code: each snippet runs with the names below bound; under still, the
# ``alembic`` imports inside resolve to still.
PRELUDE = """
from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
import sqlalchemy as sa

config = Config(INI, output_buffer=BUFFER)
script = ScriptDirectory.from_config(config)
"""

CONFIGURE_FN = """
def fn(rev, context):
    return STEPS(script, rev)

engine = sa.create_engine(URL, poolclass=sa.pool.NullPool)
with engine.connect() as connection:
    environment = EnvironmentContext(config, script)
    environment.configure(connection=connection, fn=fn)
    with environment.begin_transaction():
        environment.run_migrations()
engine.dispose()
"""

CONSTRUCTOR_FN = """
def fn(rev, context):
    return STEPS(script, rev)

with EnvironmentContext(config, script, fn=fn, destination_rev=TARGET):
    script.run_env()
"""

OFFLINE = """
def fn(rev, context):
    return STEPS(script, rev)

with EnvironmentContext(
    config, script, fn=fn, as_sql=True, starting_rev=START, destination_rev=TARGET
):
    script.run_env()
"""

CURRENT = """
found = []

def fn(rev, context):
    found.extend(sorted(s.revision for s in script.get_all_current(rev)))
    return []

with EnvironmentContext(config, script, fn=fn, dont_mutate=True):
    script.run_env()
RESULT.extend(found)
"""


def upgrade_to(target: str) -> Callable[[Any, Any], Any]:
    return lambda script, rev: script._upgrade_revs(target, rev)


def downgrade_to(target: str) -> Callable[[Any, Any], Any]:
    return lambda script, rev: script._downgrade_revs(target, rev)


def stamp_to(target: str) -> Callable[[Any, Any], Any]:
    return lambda script, rev: script._stamp_revs(target, rev)


def run(code: str, tool: str, ini: Path, url: str, **names: Any) -> dict[str, Any]:
    """Run the application's code with ``tool`` ("alembic" or "still") behind the names."""
    namespace: dict[str, Any] = {"INI": str(ini), "URL": url, **names}
    namespace.setdefault("BUFFER", None)
    source = textwrap.dedent(PRELUDE) + textwrap.dedent(code)
    if tool == "still":
        with compat.alembic_names():
            exec(compile(source, f"<{tool} driver>", "exec"), namespace)
        assert namespace["Config"].__module__ == "still.config"
    else:
        assert getattr(sys.modules.get("alembic"), "__name__", "") != "still.alembic_names"
        exec(compile(source, f"<{tool} driver>", "exec"), namespace)
        assert namespace["Config"].__module__ == "alembic.config"
    return namespace


@pytest.fixture
def two(project: Project, another_database: Callable[[], str], tmp_path: Path) -> dict[str, Any]:
    """The same project twice: Alembic's on one database, still's on another."""
    for rev, down, up, back in REVISIONS:
        project.write_revision(rev, down, up, back)
    other = project.root / "reference.ini"
    other.write_text(project.ini.read_text())
    alembic_url = another_database()
    set_ini_url(other, alembic_url)
    # the same script_location, seen from the other ini (same directory)
    return {
        "still": (project.ini, project.url),
        "alembic": (other, alembic_url),
    }


def state(url: str) -> tuple[set[str], set[str] | None]:
    return tables_of(url) - {"alembic_version"}, versions_of(url)


def both(two: dict[str, Any], code: str, **names: Any) -> tuple[Any, Any]:
    """Run ``code`` under both tools; return the state of each database afterwards."""
    states = []
    for tool in ("alembic", "still"):
        ini, url = two[tool]
        run(code, tool, ini, url, **names)
        states.append(state(url))
    return states[0], states[1]


def test_configure_fn_then_run_migrations(two: dict[str, Any]) -> None:
    """configure(connection=..., fn=...) then run_migrations(), with no env.py involved."""
    steps = [
        (upgrade_to("b2"), ({"pets"}, {"b2"})),
        (upgrade_to("head"), ({"pets", "owners"}, {"c3"})),
        (downgrade_to("a1"), ({"pets"}, {"a1"})),
        (stamp_to("base"), ({"pets"}, set())),
        (stamp_to("a1"), ({"pets"}, {"a1"})),
        (downgrade_to("base"), (set(), set())),
    ]
    for fn, expected in steps:
        alembic_state, still_state = both(two, CONFIGURE_FN, STEPS=fn)
        assert alembic_state == expected  # the reference did what the test expects
        assert still_state == alembic_state


def test_constructor_fn_and_run_env_as_a_context_manager(two: dict[str, Any]) -> None:
    """``with EnvironmentContext(config, script, fn=...): script.run_env()`` (env.py runs)."""
    alembic_state, still_state = both(
        two, CONSTRUCTOR_FN, STEPS=upgrade_to("heads"), TARGET="heads"
    )
    assert alembic_state == ({"pets", "owners"}, {"c3"})
    assert still_state == alembic_state
    alembic_state, still_state = both(two, CONSTRUCTOR_FN, STEPS=downgrade_to("-2"), TARGET="-2")
    assert alembic_state == ({"pets"}, {"a1"})
    assert still_state == alembic_state
    # a function that only looks: get_all_current, and nothing runs
    for tool in ("alembic", "still"):
        ini, url = two[tool]
        result: list[str] = []
        run(CURRENT, tool, ini, url, RESULT=result)
        assert result == ["a1"], tool
        assert state(url) == ({"pets"}, {"a1"})


def statements(sql: str) -> list[str]:
    """The SQL script's statements, whitespace normalised, comments dropped."""
    lines = [line for line in sql.splitlines() if not line.startswith("--")]
    parts = [" ".join(p.split()) for p in "\n".join(lines).split(";")]
    return [p for p in parts if p]


def test_offline_with_fn(two: dict[str, Any], db_url: str) -> None:
    """as_sql=True: the same statements (still's documented SQLite framing aside)."""
    scripts = {}
    for tool in ("alembic", "still"):
        ini, url = two[tool]
        buffer = io.StringIO()
        run(OFFLINE, tool, ini, url, STEPS=upgrade_to("c3"), TARGET="c3", START=None, BUFFER=buffer)
        scripts[tool] = statements(buffer.getvalue())
        assert state(url) == (set(), None)  # offline: the database is untouched
    # docs/migrating-from-alembic.md: still ends the version INSERT without RETURNING, and frames
    # SQLite scripts in BEGIN/COMMIT
    expected = [
        re.sub(r" RETURNING ([\w.]*alembic_version\.)?version_num$", "", s)
        for s in scripts["alembic"]
    ]
    if kind_of(db_url) == "sqlite":
        assert scripts["still"][0] == "BEGIN" and scripts["still"][-1] == "COMMIT"
        scripts["still"] = scripts["still"][1:-1]
    assert any(s.startswith("CREATE TABLE owners") for s in expected)
    assert scripts["still"] == expected


def test_a_step_list_that_is_not_steps_is_named(two: dict[str, Any]) -> None:
    ini, url = two["still"]
    with pytest.raises(TypeError, match="not a migration step"):
        run(CONFIGURE_FN, "still", ini, url, STEPS=lambda script, rev: ["a1"])
    assert state(url) == (set(), None)


def test_migration_context_stamp_and_configure_dialect(two: dict[str, Any]) -> None:
    """MigrationContext.configure(connection) .stamp(script, rev); configure(dialect=...)."""
    code = """
from alembic.runtime.migration import MigrationContext
engine = sa.create_engine(URL, poolclass=sa.pool.NullPool)
with engine.begin() as connection:
    context = MigrationContext.configure(connection)
    context.stamp(script, "b2")
with engine.connect() as connection:
    context = MigrationContext.configure(connection)
    RESULT.append(context.get_current_revision())
    RESULT.append(context.version_table)
    RESULT.append(context.version_table_schema)
    offline = MigrationContext.configure(dialect=connection.dialect, opts={"as_sql": True})
    RESULT.append(offline.dialect.name == connection.dialect.name)
engine.dispose()
"""
    for tool in ("alembic", "still"):
        ini, url = two[tool]
        result: list[Any] = []
        run(code, tool, ini, url, RESULT=result)
        assert result == ["b2", "alembic_version", None, True], tool
        assert state(url) == (set(), {"b2"})


def test_the_engine_and_url_forms_of_configure(two: dict[str, Any], db_url: str) -> None:
    """configure(url=...) offline accepts a URL object as well as a string."""
    code = """
from alembic.runtime.migration import MigrationContext
context = MigrationContext.configure(url=sa.engine.make_url(URL), opts={"as_sql": True})
RESULT.append(context.dialect.name)
"""
    names = set()
    for tool in ("alembic", "still"):
        ini, url = two[tool]
        result: list[Any] = []
        run(code, tool, ini, url, RESULT=result)
        names.add(result[0])
    assert names == {sa.engine.make_url(db_url).get_dialect().name}
