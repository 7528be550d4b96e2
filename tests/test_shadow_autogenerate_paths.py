"""``revision --autogenerate`` through the shadow database (docs/shadow.md) by its other paths,
on SQLite, PostgreSQL and MariaDB:

- ``autogenerate_shadow = true`` (in alembic.ini or in ``[tool.alembic]`` of pyproject.toml)
  makes a plain ``still revision --autogenerate`` compare with the shadow database, whatever
  state the developer's database is in (behind head, empty); ``--no-shadow`` compares with the
  developer's database for one run;
- ``--shadow`` with no developer database at all (a SQLite file, a server database, that does
  not exist, and still does not afterwards);
- an async env.py (aiosqlite, asyncpg, aiomysql).

Every generated revision is read back (its upgrade() and downgrade() operations, parsed) and run:
a fresh database upgraded through it matches the models exactly (``still check`` finds nothing),
and downgraded one step loses what it added.  No working database is left behind.
"""

from __future__ import annotations

import ast
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import Project, engine_for, versions_of
from tests.test_shadow import (
    ASYNC_DRIVERS,
    VISITS,
    make_async,
    server_databases,
    snapshot,
    with_models,
    working_databases,
    write_models,
)

# The model change every test makes: a column on an existing table and a new table with a
# foreign key (the revisions r1..r3 of tests/test_shadow.py build the models before it).
CHANGE = "    age = Column(Integer, nullable=True)\n" + VISITS

# What the revision for CHANGE holds, and nothing else (see _operations for the form).
EXPECTED = {
    "upgrade": [
        ("add_column", "pets", ("age", "Integer", True)),
        (
            "create_table",
            "visits",
            (("id", "Integer", False), ("pet_id", "Integer", False)),
            (("fk", ("pet_id",), ("pets.id",)), ("pk", ("id",))),
        ),
    ],
    "downgrade": [("drop_column", "pets", "age"), ("drop_table", "visits")],
}


@pytest.fixture
def prepared(project: Project) -> Iterator[Project]:
    """The project with r1..r3 and models matching them; its database empty.  Afterwards the
    PostgreSQL template this project cached is dropped (by its own name)."""
    with_models(project)
    yield project
    project.dispose()
    _drop_templates(project)


def _drop_templates(project: Project) -> None:
    """This project's cached PostgreSQL template(s): named for its script directory alone.
    (SQLite and MySQL cache under the project's directory, removed with tmp_path.)  Not `still
    shadow clean`: it also drops other runs' leftovers, which concurrent tests may be checking."""
    if project.kind != "postgresql":
        return
    from still.config import Config
    from still.script import ScriptDirectory
    from still.shadow.names import TEMPLATE_PREFIX, project_key

    mine = f"{TEMPLATE_PREFIX}{project_key(ScriptDirectory.from_config(Config(str(project.ini))))}_"
    engine = engine_for(project.url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            names = conn.execute(sa.text("SELECT datname FROM pg_database")).scalars().all()
            for name in names:
                if name.startswith(mine):
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def _setting(project: Project, where: str) -> None:
    """``autogenerate_shadow = true`` in alembic.ini's [alembic] or pyproject.toml's
    [tool.alembic]."""
    if where == "ini":
        text = project.ini.read_text()
        assert text.count("[alembic]\n") == 1
        project.ini.write_text(
            text.replace("[alembic]\n", "[alembic]\nautogenerate_shadow = true\n")
        )
    else:
        (project.root / "pyproject.toml").write_text("[tool.alembic]\nautogenerate_shadow = true\n")


# -- reading a generated revision ----------------------------------------------------------------


def _text(node: ast.expr) -> Any:
    return ast.literal_eval(node)


def _kw(call: ast.Call, name: str, default: Any = None) -> Any:
    for keyword in call.keywords:
        if keyword.arg == name:
            return _text(keyword.value)
    return default


def _callee(call: ast.expr) -> str:
    """``sa.Integer()`` -> Integer; ``sa.Column`` -> Column."""
    if isinstance(call, ast.Call):
        call = call.func
    if isinstance(call, ast.Attribute):
        return call.attr
    assert isinstance(call, ast.Name), ast.unparse(call)
    return call.id


def _column(call: ast.Call) -> tuple[str, str, bool]:
    """``sa.Column("age", sa.Integer(), nullable=True)`` -> ("age", "Integer", True)."""
    assert _callee(call) == "Column", ast.unparse(call)
    return (_text(call.args[0]), _callee(call.args[1]), _kw(call, "nullable", True))


def _constraint(call: ast.Call) -> tuple[Any, ...]:
    kind = _callee(call)
    if kind == "ForeignKeyConstraint":
        return ("fk", tuple(_text(call.args[0])), tuple(_text(call.args[1])))
    if kind == "PrimaryKeyConstraint":
        return ("pk", tuple(_text(a) for a in call.args))
    return ("other", ast.unparse(call))


def _operation(call: ast.Call, table: str | None) -> tuple[Any, ...]:
    """One op.* (or batch_op.*) call as a comparable tuple; an unexpected one as its source."""
    name = _callee(call)
    args = list(call.args)
    if table is None and name in ("add_column", "drop_column"):
        table = _text(args.pop(0))
    if name == "add_column":
        assert isinstance(args[0], ast.Call)
        return (name, table, _column(args[0]))
    if name == "drop_column":
        return (name, table, _text(args[0]))
    if name == "create_table":
        parts = [a for a in args[1:] if isinstance(a, ast.Call)]
        columns = tuple(sorted(_column(p) for p in parts if _callee(p) == "Column"))
        constraints = tuple(sorted(_constraint(p) for p in parts if _callee(p) != "Column"))
        return (name, _text(args[0]), columns, constraints)
    if name == "drop_table":
        return (name, _text(args[0]))
    return ("other", ast.unparse(call))


def _calls(body: list[ast.stmt], table: str | None = None) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    for statement in body:
        if isinstance(statement, ast.With):  # with op.batch_alter_table("pets") as batch_op:
            context = statement.items[0].context_expr
            assert isinstance(context, ast.Call) and _callee(context) == "batch_alter_table"
            found += _calls(statement.body, _text(context.args[0]))
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            found.append(_operation(statement.value, table))
        elif not isinstance(statement, ast.Pass):
            found.append(("other", ast.unparse(statement)))
    return found


def _operations(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The operations of a revision file's upgrade() and downgrade(), each sorted."""
    tree = ast.parse(path.read_text())
    return {
        node.name: sorted(_calls(node.body), key=repr)
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name in ("upgrade", "downgrade")
    }


def _written(project: Project, rev_id: str) -> Path:
    files = list(project.versions_dir.glob(f"{rev_id}_*.py"))
    assert len(files) == 1, files
    return files[0]


# -- running a generated revision ----------------------------------------------------------------


def assert_it_builds_thewrite_models(project: Project, fresh: str, rev_id: str) -> None:
    """``fresh`` (an empty database; its URL with the project's driver) upgraded to head
    through ``rev_id`` matches the models exactly; downgraded one step, it has neither the
    column nor the table again."""
    x = ("-x", f"sqlalchemy.url={fresh}")
    project.ok(*x, "upgrade", "head")
    plain = sa.engine.make_url(fresh).set(drivername=_sync_driver(project.kind))
    plain_url = plain.render_as_string(hide_password=False)
    assert versions_of(plain_url) == {rev_id}
    checked = project.run(*x, "check", "--no-shadow")
    assert checked.exit_code == 0, str(checked)
    assert "No new upgrade operations detected." in checked.output
    engine = engine_for(plain_url)
    try:
        inspector = sa.inspect(engine)
        age = [c for c in inspector.get_columns("pets") if c["name"] == "age"]
        assert len(age) == 1 and age[0]["nullable"], age
        assert [c["name"] for c in inspector.get_columns("visits")] == ["id", "pet_id"]
        fks = inspector.get_foreign_keys("visits")
        assert [(f["constrained_columns"], f["referred_table"]) for f in fks] == [
            (["pet_id"], "pets")
        ]
    finally:
        engine.dispose()
    project.ok(*x, "downgrade", "-1")
    engine = engine_for(plain_url)
    try:
        inspector = sa.inspect(engine)
        assert not inspector.has_table("visits")
        assert "age" not in [c["name"] for c in inspector.get_columns("pets")]
    finally:
        engine.dispose()
    assert versions_of(plain_url) == {"r3"}


def _sync_driver(kind: str) -> str:
    return {"sqlite": "sqlite", "postgresql": "postgresql+psycopg", "mariadb": "mysql+pymysql"}[
        kind
    ]


# -- a. the setting, and --no-shadow -------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "where"),
    [("behind", "ini"), ("empty", "ini"), ("behind", "pyproject")],
    ids=["behind-ini", "empty-ini", "behind-pyproject"],
)
def test_the_setting_makes_plain_autogenerate_use_the_shadow_database(
    prepared: Project, another_database: Callable[[], str], state: str, where: str
) -> None:
    if state == "behind":
        prepared.ok("upgrade", "r1")
        prepared.execute("INSERT INTO owners (id, name) VALUES (1, 'Ada')")
    _setting(prepared, where)
    write_models(prepared, CHANGE)
    before = snapshot(prepared)

    made = prepared.run("revision", "--autogenerate", "-m", "x", "--rev-id", "s1")
    assert made.exit_code == 0, str(made)
    assert "built by replaying the revisions in a shadow database" in made.output
    assert _operations(_written(prepared, "s1")) == EXPECTED
    assert snapshot(prepared) == before
    assert working_databases(prepared) == []

    assert_it_builds_thewrite_models(prepared, another_database(), "s1")


def test_no_shadow_compares_with_the_developers_database(prepared: Project) -> None:
    """With the setting on: the database at head with a table the revisions never made.  The
    shadow comparison ignores that table; --no-shadow offers to drop it (the database's view);
    on a database behind head, --no-shadow refuses as a plain autogenerate does."""
    _setting(prepared, "ini")
    prepared.ok("upgrade", "head")
    prepared.execute("CREATE TABLE scratch (id INTEGER PRIMARY KEY)")
    write_models(prepared, CHANGE)
    before = snapshot(prepared)

    shadowed = prepared.run("revision", "--autogenerate", "-m", "x", "--rev-id", "s1")
    assert shadowed.exit_code == 0, str(shadowed)
    assert "shadow database" in shadowed.output
    assert _operations(_written(prepared, "s1")) == EXPECTED  # no drop of scratch
    _written(prepared, "s1").unlink()

    plain = prepared.run("revision", "--autogenerate", "--no-shadow", "-m", "x", "--rev-id", "n1")
    assert plain.exit_code == 0, str(plain)
    assert "shadow database" not in plain.output
    ops = _operations(_written(prepared, "n1"))
    assert ops["upgrade"] == sorted([*EXPECTED["upgrade"], ("drop_table", "scratch")], key=repr)
    # the downgrade would create scratch again, as the database has it (its types reflected)
    extra = [op for op in ops["downgrade"] if op not in EXPECTED["downgrade"]]
    assert [(op[0], op[1], [c[0] for c in op[2]]) for op in extra] == [
        ("create_table", "scratch", ["id"])
    ], ops
    _written(prepared, "n1").unlink()
    assert snapshot(prepared) == before

    prepared.ok("downgrade", "r1")  # behind head: --no-shadow refuses, the setting does not
    refused = prepared.run("revision", "--autogenerate", "--no-shadow", "-m", "x")
    assert refused.exit_code != 0
    assert "The database is at r1, not at r3" in refused.output, str(refused)
    assert sorted(p.name for p in prepared.versions_dir.glob("*.py")) == sorted(
        p.name for p in prepared.versions_dir.glob("r?_*.py")
    )
    behind = prepared.run("revision", "--autogenerate", "-m", "x", "--rev-id", "s2")
    assert behind.exit_code == 0, str(behind)
    assert _operations(_written(prepared, "s2")) == EXPECTED
    assert working_databases(prepared) == []


# -- b. no developer database at all ---------------------------------------------------------------


@pytest.mark.parametrize("asked", ["flag", "setting"])
def test_revision_shadow_with_no_developer_database(
    prepared: Project, another_database: Callable[[], str], tmp_path: Path, asked: str
) -> None:
    """SQLite: a file name that does not exist (in a directory that does); PostgreSQL and
    MariaDB: a database name the server does not have.  Neither exists afterwards."""
    url = sa.engine.make_url(prepared.url)
    if prepared.kind == "sqlite":
        absent_file = tmp_path / f"absent_{uuid.uuid4().hex[:8]}.db"
        absent = url.set(database=str(absent_file))

        def exists() -> bool:
            return absent_file.exists()
    else:
        name = f"still_absent_{uuid.uuid4().hex[:10]}"
        absent = url.set(database=name)

        def exists() -> bool:
            return name in server_databases(prepared)

    assert not exists()
    prepared.set_url(absent.render_as_string(hide_password=False))
    write_models(prepared, CHANGE)
    flags = ["--shadow"] if asked == "flag" else []
    if asked == "setting":
        _setting(prepared, "ini")

    made = prepared.run("revision", "--autogenerate", *flags, "-m", "x", "--rev-id", "s1")
    assert made.exit_code == 0, str(made)
    assert "shadow database" in made.output
    assert _operations(_written(prepared, "s1")) == EXPECTED
    assert not exists()
    assert working_databases(prepared) == []

    assert_it_builds_thewrite_models(prepared, another_database(), "s1")
    assert not exists()


# -- c. an async env.py --------------------------------------------------------------------------


@pytest.fixture
def async_project(project: Project) -> Iterator[Project]:
    """The project again from the async template, through the async driver, prepared as above;
    its database at r1 (behind head)."""
    make_async(project)
    with_models(project)
    project.ok("upgrade", "r1")
    yield project
    project.dispose()
    _drop_templates(project)


def test_revision_shadow_with_an_async_env_py(
    async_project: Project, another_database: Callable[[], str]
) -> None:
    project = async_project
    write_models(project, CHANGE)
    before = snapshot(project)

    made = project.run("revision", "--autogenerate", "--shadow", "-m", "x", "--rev-id", "s1")
    assert made.exit_code == 0, str(made)
    assert "built by replaying the revisions in a shadow database" in made.output
    assert _operations(_written(project, "s1")) == EXPECTED

    again = project.run("revision", "--autogenerate", "--shadow", "-m", "x", "--rev-id", "s2")
    assert again.exit_code == 0, str(again)  # at s1 now: built afresh, and nothing to write
    ops = _operations(_written(project, "s2"))
    assert ops == {"upgrade": [], "downgrade": []}, ops
    _written(project, "s2").unlink()

    assert snapshot(project) == before
    assert working_databases(project) == []

    fresh = sa.engine.make_url(another_database()).set(drivername=ASYNC_DRIVERS[project.kind])
    assert_it_builds_thewrite_models(project, fresh.render_as_string(hide_password=False), "s1")
