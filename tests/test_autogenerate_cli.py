"""`still revision --autogenerate` and `still check` through the command line, on SQLite,
PostgreSQL and MariaDB: the seed's steps 7, 9, 10, 18 and 19 (../shared/seed/workflow.md).

Each project's env.py loads ``models.py`` afresh on every command (``runpy``), so a test edits
the models between steps as a user edits them between two autogenerates.  After every step the
law holds: ``check`` is clean, ``downgrade -1`` and ``upgrade head`` work, and the reflected
schema is the one ``create_all`` makes from the same models on another fresh database.
"""

from __future__ import annotations

import ast
import os
import re
import runpy
import shutil
import stat
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import (
    Project,
    Run,
    engine_for,
    fresh_database,
    make_project,
    run_module,
    set_ini_url,
    tables_of,
)
from tests.databases import required

# -- the models, as a file env.py loads ---------------------------------------------------------

LOAD_MODELS = """
import runpy as _runpy
from pathlib import Path as _Path

# The models, read afresh on every command (a test edits models.py between steps).
target_metadata = _runpy.run_path(
    str(_Path(config.config_file_name).resolve().parent / "models.py")
)["Base"].metadata
"""

# The seed's pet clinic as declarative models; {age}, {index} and the others are the steps.
SEED_MODELS = """\
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


class Owner(Base):
    __tablename__ = "owners"
    owner_id = Column(Integer, primary_key=True)
    owner_name = Column(String(100), nullable=False)
{owner_email}

class Species(Base):
    __tablename__ = "species"
    id = Column(Integer, primary_key=True)
    name = Column(String(50), nullable=False, unique=True)


class Pet(Base):
    __tablename__ = "pets"
{index}
    id = Column(Integer, primary_key=True)
    owner_id = Column(Integer, ForeignKey("owners.owner_id"))
    species_id = Column(Integer, ForeignKey("species.id"))
    name = Column(String({name_length}), nullable=False)
{age}

class Manipulation(Base):
    __tablename__ = "manipulations"
    id = Column(Integer, primary_key=True)
    title = Column(String(100), nullable=False)
    price = Column(Numeric(10, 2))

{facts}
"""

FACTS = """
class ManipulationFact(Base):
    __tablename__ = "manipulation_facts"
    id = Column(Integer, primary_key=True)
    pet_id = Column(Integer, ForeignKey("pets.id"), nullable=False)
    manipulation_id = Column(Integer, ForeignKey("manipulations.id"), nullable=False)
    done_at = Column(DateTime)
"""


def seed_models(
    age: str | None = None,
    index: bool = False,
    owner_email: bool = True,
    facts: bool = True,
    name_length: int = 100,
) -> str:
    """models.py at one step of the seed; ``age`` is the column's name (None: no column)."""
    return SEED_MODELS.format(
        owner_email="    owner_email = Column(String(100))\n" if owner_email else "",
        index='    __table_args__ = (Index("ix_pet_owner_id", "owner_id"),)' if index else "",
        name_length=name_length,
        age=f"    {age} = Column(Integer, nullable=True)\n" if age else "",
        facts=FACTS if facts else "",
    )


SEED_TABLES = ["owners", "species", "pets", "manipulations", "manipulation_facts"]
# table -> the tables its foreign keys refer to
SEED_REFERS = {"pets": {"owners", "species"}, "manipulation_facts": {"pets", "manipulations"}}


def use_models(project: Project, source: str) -> None:
    """Write models.py, and make env.py load it (once)."""
    (project.root / "models.py").write_text(source)
    env = project.env_py.read_text()
    if "models.py" not in env:
        assert env.count("\ntarget_metadata = None\n") == 1
        project.env_py.write_text(env.replace("\ntarget_metadata = None\n", LOAD_MODELS))


# -- running autogenerate ---------------------------------------------------------------------

GENERATED = re.compile(r"^Generating (.+\.py) \.\.\. done$", re.M)


def no_traceback(run: Run) -> None:
    assert "Traceback" not in run.output, str(run)


def autogenerate(project: Project, message: str, *options: str) -> tuple[Run, Path]:
    """``still revision --autogenerate -m MESSAGE``, asserting success; the run and the file."""
    run = project.ok("revision", "--autogenerate", "-m", message, *options)
    found = GENERATED.findall(run.stdout)
    assert len(found) == 1, str(run)
    return run, Path(found[0])


def revision_files(project: Project) -> list[Path]:
    return sorted(project.versions_dir.glob("*.py"))


Call = tuple[str, Any]


def _first_argument(call: ast.Call) -> Any:
    if not call.args:
        return None
    try:
        return ast.literal_eval(call.args[0])
    except ValueError:
        return ast.unparse(call.args[0])


def op_calls(path: Path, function: str = "upgrade") -> list[Call]:
    """``(name, first argument)`` of each ``op.X(...)`` (and ``batch_op.X(...)``) in a function."""
    tree = ast.parse(path.read_text())
    (body,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function]
    nodes = [
        node
        for node in ast.walk(body)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id in ("op", "batch_op")
        and node.func.attr != "f"  # op.f('name') marks a name, it is no operation
    ]
    nodes.sort(key=lambda n: (n.lineno, n.col_offset))  # ast.walk is breadth-first
    return [(n.func.attr, _first_argument(n)) for n in nodes]  # type: ignore[attr-defined]


def keyword_of(path: Path, function: str, name: str, keyword: str) -> list[Any]:
    """The values of ``keyword=`` in each ``op.NAME(...)`` call of a function."""
    tree = ast.parse(path.read_text())
    (body,) = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function]
    return [
        ast.literal_eval(k.value)
        for n in ast.walk(body)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == name
        for k in n.keywords
        if k.arg == keyword
    ]


# -- the schema the models say ------------------------------------------------------------------

IGNORED_TABLES = {"alembic_version", "still_ledger"}


def snapshot(url: str) -> dict[str, Any]:
    """What reflection says about every application table of a database."""
    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            return _snapshot(sa.inspect(connection))
    finally:
        engine.dispose()


def _snapshot(inspector: sa.Inspector) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for table in sorted(set(inspector.get_table_names()) - IGNORED_TABLES):
        out[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
            ],
            "pk": inspector.get_pk_constraint(table)["constrained_columns"],
            "fks": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                for f in inspector.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (i["name"] or "", tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table)
            ),
            "uniques": sorted(
                tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)
            ),
        }
    return out


def models_schema(project: Project, another: Callable[[], str]) -> dict[str, Any]:
    """The schema ``create_all`` makes from models.py, on another fresh database."""
    import runpy

    url = another()
    metadata = runpy.run_path(str(project.root / "models.py"))["Base"].metadata
    engine = engine_for(url)
    try:
        metadata.create_all(engine)
    finally:
        engine.dispose()
    return snapshot(url)


def assert_law(project: Project, another: Callable[[], str]) -> None:
    """The schema is the models'; check is clean; downgrade -1 and upgrade head work, and the
    schema is the models' again."""
    expected = models_schema(project, another)
    assert snapshot(project.url) == expected
    clean = project.ok("check")
    assert "No new upgrade operations detected." in clean.stdout
    project.ok("downgrade", "-1")
    project.ok("upgrade", "head")
    project.ok("check")
    assert snapshot(project.url) == expected


def clean_failure(run: Run, *expected: str, code: int = 1) -> None:
    """A refusal: the exit code, a FAILED line with each expected phrase, no traceback."""
    assert run.exit_code == code, str(run)
    no_traceback(run)
    assert "Unexpected error" not in run.output, str(run)
    assert "FAILED: " in run.stderr, str(run)
    for phrase in expected:
        assert phrase in run.stderr, (phrase, str(run))


# -- steps 7, 9, 10: the seed, step by step -----------------------------------------------------


def test_seed_step_by_step(project: Project, another_database: Callable[[], str]) -> None:
    use_models(project, seed_models())

    # step 7: the initial schema
    run, initial = autogenerate(project, "initial schema")
    for table in SEED_TABLES:
        assert f"add table {table}" in run.stdout
    creates = [arg for name, arg in op_calls(initial) if name == "create_table"]
    assert sorted(creates) == sorted(SEED_TABLES)
    for table, referred in SEED_REFERS.items():
        assert all(creates.index(r) < creates.index(table) for r in referred), creates
    drops = [arg for name, arg in op_calls(initial, "downgrade") if name == "drop_table"]
    assert drops == creates[::-1]
    assert "pets" not in project.tables()
    project.ok("upgrade", "head")
    assert project.tables() == set(SEED_TABLES)
    assert_law(project, another_database)

    # step 9: add age to Pet
    use_models(project, seed_models(age="age"))
    run, age = autogenerate(project, "add age to pets")
    assert op_calls(age) == [("add_column", "pets")]
    assert op_calls(age, "downgrade") == [("drop_column", "pets")]
    assert "op.drop_column('pets', 'age')" in age.read_text()
    assert "sa.Column('age', sa.Integer(), nullable=True)" in age.read_text()
    project.ok("upgrade", "head")
    assert "age" in [c["name"] for c in project.inspector().get_columns("pets")]
    assert_law(project, another_database)

    # step 10: an index on pets.owner_id
    use_models(project, seed_models(age="age", index=True))
    run, index = autogenerate(project, "add index on pets owner_id")
    assert op_calls(index) == [("create_index", "ix_pet_owner_id")]
    assert "op.create_index('ix_pet_owner_id', 'pets', ['owner_id'], unique=False)" in (
        index.read_text()
    )
    assert op_calls(index, "downgrade") == [("drop_index", "ix_pet_owner_id")]
    project.ok("upgrade", "head")
    assert_law(project, another_database)

    # ... and dropped again
    use_models(project, seed_models(age="age"))
    run, unindex = autogenerate(project, "drop index on pets owner_id")
    assert op_calls(unindex) == [("drop_index", "ix_pet_owner_id")]
    assert op_calls(unindex, "downgrade") == [("create_index", "ix_pet_owner_id")]
    project.ok("upgrade", "head")
    assert_law(project, another_database)

    # and nothing more to write
    run, empty = autogenerate(project, "nothing")
    assert "No changes detected" in run.stdout
    assert op_calls(empty) == [] and op_calls(empty, "downgrade") == []
    # the whole way down and up again
    project.ok("downgrade", "base")
    assert project.tables() == set()
    project.ok("upgrade", "head")
    assert_law(project, another_database)


@pytest.mark.parametrize("db_url", ["mariadb"], indirect=True)
def test_mariadb_downgrade_upgrade_of_an_index_on_a_fk(
    project: Project, another_database: Callable[[], str]
) -> None:
    use_models(project, seed_models(age="age"))
    autogenerate(project, "initial schema")
    project.ok("upgrade", "head")
    use_models(project, seed_models(age="age", index=True))
    autogenerate(project, "add index on pets owner_id")
    project.ok("upgrade", "head")
    assert snapshot(project.url) == models_schema(project, another_database)
    project.ok("downgrade", "-1")
    project.ok("upgrade", "head")
    assert snapshot(project.url)["pets"]["indexes"] == [
        ("ix_pet_owner_id", ("owner_id",), False),
        ("species_id", ("species_id",), False),
    ]


# -- step 19: the models are not there --------------------------------------------------------


def test_no_target_metadata(project: Project) -> None:
    """env.py as `init` wrote it (target_metadata = None): a clear error, no file."""
    run = project.run("revision", "--autogenerate", "-m", "initial schema")
    clean_failure(run, "target_metadata", "target_metadata = Base.metadata")
    assert revision_files(project) == []
    clean_failure(project.run("check"), "target_metadata")


def test_models_not_imported(project: Project) -> None:
    """The database has the tables, env.py's Base knows no model: refused, nothing written."""
    use_models(project, seed_models(age="age"))
    autogenerate(project, "initial schema")
    project.ok("upgrade", "head")
    before = revision_files(project)
    # the seed's mistake: Base imported, the model modules not
    (project.root / "models.py").write_text(
        "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n"
    )
    run = project.run("revision", "--autogenerate", "-m", "add age to pets")
    clean_failure(
        run, "Nothing was written", "probably does not import the model modules", "all 5 tables"
    )
    assert revision_files(project) == before
    check = project.run("check")
    clean_failure(check, "probably does not import the model modules")
    assert project.tables() == set(SEED_TABLES)


def test_models_not_imported_on_an_empty_database(project: Project) -> None:
    """No models and no tables: nothing to compare, said plainly (no file that drops nothing)."""
    (project.root / "models.py").write_text(
        "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n"
    )
    use_models(project, (project.root / "models.py").read_text())
    run = project.run("revision", "--autogenerate", "-m", "initial schema")
    clean_failure(run, "probably does not import the model modules")
    assert revision_files(project) == []


# -- step 18: what autogenerate is about to do --------------------------------------------------


def seeded(project: Project) -> None:
    """The seed's schema (with age), upgraded, with two owners' pets in it."""
    use_models(project, seed_models(age="age"))
    autogenerate(project, "initial schema")
    project.ok("upgrade", "head")
    project.execute(
        "INSERT INTO owners (owner_id, owner_name, owner_email) VALUES (1, 'Anna', 'a@x')",
        "INSERT INTO species (id, name) VALUES (1, 'cat')",
        "INSERT INTO pets (id, owner_id, species_id, name, age) VALUES (1, 1, 1, 'Murka', 3)",
        "INSERT INTO pets (id, owner_id, species_id, name, age) VALUES (2, 1, 1, 'Rex', 5)",
        "INSERT INTO manipulations (id, title) VALUES (1, 'vaccination')",
        "INSERT INTO manipulation_facts (id, pet_id, manipulation_id) VALUES (1, 1, 1)",
    )


def test_data_loss_is_shown(project: Project, another_database: Callable[[], str]) -> None:
    seeded(project)
    use_models(project, seed_models(age="age", owner_email=False, facts=False, name_length=50))
    run, path = autogenerate(project, "lose data")
    losing = [line for line in run.stdout.splitlines() if "LOSES DATA" in line]
    assert any("owners.owner_email" in line for line in losing), run.stdout
    assert any("manipulation_facts" in line for line in losing), run.stdout
    assert any("pets.name" in line for line in losing), run.stdout
    assert len(losing) == 3, run.stdout
    calls = op_calls(path)
    assert ("drop_column", "owners") in calls
    assert ("drop_table", "manipulation_facts") in calls
    assert ("alter_column", "pets") in calls
    project.ok("upgrade", "head")
    assert project.rows("SELECT name FROM pets ORDER BY id") == [("Murka",), ("Rex",)]
    assert_law(project, another_database)


def test_nothing_lost_says_nothing(project: Project) -> None:
    seeded(project)
    use_models(project, seed_models(age="age", index=True))
    run, _ = autogenerate(project, "add index")
    assert "LOSES DATA" not in run.stdout
    assert "WARNING" not in run.stdout


def test_column_rename_accepted(project: Project, another_database: Callable[[], str]) -> None:
    seeded(project)
    use_models(project, seed_models(age="years"))
    run, path = autogenerate(project, "rename age to years", "--renames", "yes")
    assert "LOSES DATA" not in run.stdout
    assert op_calls(path) == [("alter_column", "pets")]
    assert keyword_of(path, "upgrade", "alter_column", "new_column_name") == ["years"]
    assert keyword_of(path, "downgrade", "alter_column", "new_column_name") == ["age"]
    project.ok("upgrade", "head")
    assert project.rows("SELECT id, years FROM pets ORDER BY id") == [(1, 3), (2, 5)]
    assert_law(project, another_database)
    assert project.rows("SELECT id, years FROM pets ORDER BY id") == [(1, 3), (2, 5)]


def test_table_rename_accepted(project: Project, another_database: Callable[[], str]) -> None:
    seeded(project)
    source = seed_models(age="age").replace('"manipulation_facts"', '"treatments"')
    use_models(project, source)
    run, path = autogenerate(project, "rename manipulation_facts", "--renames", "yes")
    assert "LOSES DATA" not in run.stdout
    assert op_calls(path) == [("rename_table", "manipulation_facts")]
    assert op_calls(path, "downgrade") == [("rename_table", "treatments")]
    project.ok("upgrade", "head")
    assert project.rows("SELECT count(*) FROM treatments") == [(1,)]
    assert_law(project, another_database)


@pytest.mark.parametrize("renames", [(), ("--renames", "no"), ("--renames", "ask")])
def test_rename_refused_or_not_asked(project: Project, renames: tuple[str, ...]) -> None:
    """--renames no, and ask where there is no terminal: a drop and an add, with a WARNING."""
    seeded(project)
    use_models(project, seed_models(age="years"))
    run, path = autogenerate(project, "rename age to years", *renames)
    assert "WARNING: column pets.age -> pets.years looks like a rename" in run.stdout
    assert "--renames yes" in run.stdout
    assert re.search(r"drop column pets\.age\s+LOSES DATA", run.stdout), run.stdout
    assert op_calls(path) == [("add_column", "pets"), ("drop_column", "pets")] or op_calls(
        path
    ) == [("drop_column", "pets"), ("add_column", "pets")]
    project.ok("upgrade", "head")
    assert project.rows("SELECT id, years FROM pets ORDER BY id") == [(1, None), (2, None)]


# -- still check --------------------------------------------------------------------------------


def test_check(project: Project) -> None:
    use_models(project, seed_models(age="age"))
    autogenerate(project, "initial schema")
    project.ok("upgrade", "head")
    clean = project.ok("check")
    assert clean.stdout.strip() == "No new upgrade operations detected."

    use_models(project, seed_models(age="age", index=True, owner_email=False))
    differ = project.run("check")
    assert differ.exit_code == 1, str(differ)
    no_traceback(differ)
    assert "The models and the database differ:" in differ.stdout
    assert "add index ix_pet_owner_id on pets" in differ.stdout
    assert re.search(r"drop column owners\.owner_email\s+LOSES DATA", differ.stdout), str(differ)
    assert "New upgrade operations detected (2, listed above)" in differ.stderr
    assert "still revision --autogenerate" in differ.stderr
    # check writes nothing and changes nothing
    assert len(revision_files(project)) == 1
    assert "owner_email" in [c["name"] for c in project.inspector().get_columns("owners")]

    autogenerate(project, "index, no email")
    # the database is not at head: a clear error, not a list of differences
    not_at_head = project.run("check")
    clean_failure(not_at_head, "not at the head", "still upgrade head")
    assert "differ" not in not_at_head.stdout
    project.ok("upgrade", "head")
    project.ok("check")
    project.ok("downgrade", "base")
    clean_failure(project.run("check"), "The database is at base", "still upgrade head")


def test_autogenerate_needs_the_database_at_head(project: Project) -> None:
    use_models(project, seed_models(age="age"))
    autogenerate(project, "initial schema")
    run = project.run("revision", "--autogenerate", "-m", "again")
    clean_failure(run, "The database is at base", "still upgrade head")
    assert len(revision_files(project)) == 1


def test_autogenerate_with_sql_is_refused(project: Project) -> None:
    use_models(project, seed_models(age="age"))
    run = project.run("revision", "--autogenerate", "--sql", "-m", "x")
    clean_failure(run, "--sql")
    assert revision_files(project) == []


# -- process_revision_directives ------------------------------------------------------------------


def add_to_env(project: Project, code: str, configure: str) -> None:
    """Define ``code`` in env.py (before the run functions) and pass ``configure`` to the
    online context.configure()."""
    text = project.env_py.read_text()
    marker = "\ndef run_migrations_offline("
    assert text.count(marker) == 1
    project.env_py.write_text(text.replace(marker, "\n" + textwrap.dedent(code) + "\n" + marker))
    project.configure_with(configure)


DIRECTIVES_HOOK = """
from alembic.operations import ops as _ops


def rewrite(context, revision, directives):
    script = directives[0]
    if script.message == "add age to pets":
        # the seed's step 14: fill the new column in the same migration
        fill = _ops.ExecuteSQLOp("UPDATE pets SET age = 0 WHERE age IS NULL")
        script.upgrade_ops.ops.append(fill)
        script.message = "add age to pets, filled"
    elif script.message == "skip me":
        directives[:] = []
"""


def test_process_revision_directives(project: Project, another_database: Callable[[], str]) -> None:
    use_models(project, seed_models())
    add_to_env(project, DIRECTIVES_HOOK, "process_revision_directives=rewrite")
    autogenerate(project, "initial schema")
    project.ok("upgrade", "head")
    project.execute("INSERT INTO pets (id, name) VALUES (1, 'Murka')")

    use_models(project, seed_models(age="age"))
    _, path = autogenerate(project, "add age to pets")
    # the message changed: the file name and the docstring say so
    assert path.name.endswith("_add_age_to_pets_filled.py"), path.name
    assert path.read_text().startswith('"""add age to pets, filled')
    assert op_calls(path) == [
        ("add_column", "pets"),
        ("execute", "UPDATE pets SET age = 0 WHERE age IS NULL"),
    ]
    assert op_calls(path, "downgrade") == [("drop_column", "pets")]
    project.ok("upgrade", "head")
    assert project.rows("SELECT name, age FROM pets") == [("Murka", 0)]
    assert_law(project, another_database)

    # the hook empties the list: no file, and nothing else changes
    use_models(project, seed_models(age="age", index=True))
    before = revision_files(project)
    run = project.ok("revision", "--autogenerate", "-m", "skip me")
    assert "process_revision_directives removed the revision: no file." in run.stdout
    assert "Generating" not in run.stdout
    assert revision_files(project) == before
    assert project.run("check").exit_code == 1


def test_process_revision_directives_that_raises(project: Project) -> None:
    use_models(project, seed_models())
    add_to_env(
        project,
        "def rewrite(context, revision, directives):\n    raise ValueError('no, not today')\n",
        "process_revision_directives=rewrite",
    )
    run = project.run("revision", "--autogenerate", "-m", "initial schema")
    assert run.exit_code == 1, str(run)
    no_traceback(run)
    assert "no, not today" in run.stderr
    assert revision_files(project) == []


# -- post_write_hooks -----------------------------------------------------------------------------


def set_hooks(project: Project, lines: str) -> None:
    text = project.ini.read_text()
    assert text.count("[post_write_hooks]\n") == 1
    project.ini.write_text(
        text.replace("[post_write_hooks]\n", "[post_write_hooks]\n" + textwrap.dedent(lines))
    )


def executable_script(path: Path, body: str) -> Path:
    path.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body))
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_post_write_hooks(project: Project, tmp_path: Path) -> None:
    use_models(project, seed_models())
    stamp = executable_script(
        tmp_path / "stamp.py",
        """
        import sys
        path, word = sys.argv[1], sys.argv[2]
        with open(path, "a") as f:
            f.write(f"# reviewed by {word}\\n")
        """,
    )
    html = tmp_path / "revision.html"
    ruff = Path(sys.executable).parent / "ruff"
    set_hooks(
        project,
        f"""\
        hooks = stamp, pygments, ruff_module
        stamp.type = exec
        stamp.executable = {stamp}
        stamp.options = REVISION_SCRIPT_FILENAME "the hook"
        pygments.type = console_scripts
        pygments.entrypoint = pygmentize
        pygments.options = -l python -f html -o {html} REVISION_SCRIPT_FILENAME
        ruff_module.type = module
        ruff_module.module = ruff
        ruff_module.options = format --quiet REVISION_SCRIPT_FILENAME
        """,
    )
    run, path = autogenerate(project, "initial schema")
    for name in ("stamp", "pygments", "ruff_module"):
        assert f"Running post write hook {name!r} ..." in run.stdout
    text = path.read_text()
    assert text.rstrip().endswith("# reviewed by the hook")  # exec, with its own argument
    assert "create_table" in html.read_text()  # console_scripts, after the exec hook:
    assert "reviewed by the hook" in html.read_text()
    assert 'op.drop_table("owners")' in text  # module: ruff format turned ' into "
    assert ruff.exists()

    # exec with a program found on PATH: python itself
    text = re.sub(r"(?s)hooks = stamp.*?(?=\n\n)", "", project.ini.read_text())
    text = text.replace(
        "[post_write_hooks]\n",
        "[post_write_hooks]\nhooks = compile\ncompile.type = exec\n"
        f"compile.executable = {Path(sys.executable).name}\n"
        "compile.options = -m py_compile REVISION_SCRIPT_FILENAME\n",
    )
    project.ini.write_text(text)
    project.ok("upgrade", "head")
    use_models(project, seed_models(age="age"))
    env = {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    run = project.ok("revision", "--autogenerate", "-m", "add age", env=env)
    assert "Running post write hook 'compile' ..." in run.stdout
    assert "Running post write hook 'stamp'" not in run.stdout


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_failing_post_write_hook(project: Project, tmp_path: Path) -> None:
    use_models(project, seed_models())
    refuse = executable_script(
        tmp_path / "refuse.py",
        """
        import sys
        print("line 3: this file is not pretty enough", file=sys.stderr)
        sys.exit(3)
        """,
    )
    set_hooks(project, f"hooks = refuse\nrefuse.type = exec\nrefuse.executable = {refuse}\n")
    run = project.run("revision", "--autogenerate", "-m", "initial schema")
    clean_failure(
        run,
        "post_write_hooks: 'refuse' failed",
        "(exit 3)",
        "not pretty enough",
        "The file is written",
    )
    (path,) = revision_files(project)
    assert str(path) in run.stderr


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ("hooks = x\nx.type = exec\nx.executable = no-such-program-here\n", "is not found on PATH"),
        ("hooks = x\nx.type = exec\n", "needs x.executable"),
        (
            "hooks = x\nx.type = console_scripts\nx.entrypoint = no-such-entry\n",
            "no installed console script",
        ),
        (
            "hooks = x\nx.type = module\nx.module = no_such_module_here\n",
            "No module named no_such_module_here",
        ),
        ("hooks = x\nx.type = shell\n", "use exec, console_scripts or module"),
    ],
)
def test_misconfigured_post_write_hook(project: Project, lines: str, expected: str) -> None:
    use_models(project, seed_models())
    set_hooks(project, lines)
    run = project.run("revision", "--autogenerate", "-m", "initial schema")
    clean_failure(run, expected)


# -- the law on random model changes (hypothesis) -----------------------------------------------

TYPES = {"int": "sa.Integer()", "str": "sa.String(30)", "num": "sa.Numeric(8, 2)"}


@dataclass(frozen=True)
class Col:
    type: str
    nullable: bool = True


@dataclass
class Spec:
    """The models: table -> columns (after an ``id`` primary key) and single-column indexes.
    A table named ``*_child`` has a foreign key ``parent_id`` to ``items``."""

    tables: dict[str, dict[str, Col]]
    indexes: dict[str, set[str]]

    def copy(self) -> Spec:
        return Spec(
            {t: dict(cols) for t, cols in self.tables.items()},
            {t: set(ix) for t, ix in self.indexes.items()},
        )

    def source(self) -> str:
        lines = [
            "import sqlalchemy as sa",
            "from sqlalchemy.orm import DeclarativeBase",
            "",
            "class Base(DeclarativeBase):",
            "    pass",
            "",
        ]
        for table, columns in sorted(self.tables.items()):
            lines.append(f"sa.Table({table!r}, Base.metadata,")
            lines.append("    sa.Column('id', sa.Integer(), primary_key=True),")
            if table.endswith("_child"):
                lines.append("    sa.Column('parent_id', sa.Integer(), sa.ForeignKey('items.id')),")
            for name, col in columns.items():
                lines.append(
                    f"    sa.Column({name!r}, {TYPES[col.type]}, nullable={col.nullable}),"
                )
            for column in sorted(self.indexes.get(table, ())):
                lines.append(f"    sa.Index('ix_{table}_{column}', {column!r}),")
            lines.append(")")
        return "\n".join(lines) + "\n"


START = Spec({"items": {"a": Col("str"), "b": Col("int", nullable=False)}}, {})

NAMES = st.sampled_from(["c", "d", "e", "f"])


@st.composite
def changes(draw: st.DrawFn, spec: Spec) -> tuple[str, Spec]:
    """One model change to ``spec``: what it is, and the new models."""
    new = spec.copy()
    table = draw(st.sampled_from(sorted(new.tables)))
    columns = new.tables[table]
    kinds = ["add_column", "add_table"]
    if columns:
        kinds += ["drop_column", "nullability", "add_index"]
    if new.indexes.get(table):
        kinds.append("drop_index")
    kind = draw(st.sampled_from(kinds))
    if kind == "add_column":
        name = draw(NAMES.filter(lambda n: n not in columns))
        columns[name] = Col(draw(st.sampled_from(sorted(TYPES))), draw(st.booleans()))
        return f"{kind} {table}.{name}", new
    if kind == "add_table":
        name = draw(
            st.sampled_from(["tags", "items_child", "notes_child"]).filter(
                lambda n: n not in new.tables
            )
        )
        new.tables[name] = {"label": Col("str", draw(st.booleans()))}
        return f"{kind} {name}", new
    column = draw(st.sampled_from(sorted(columns)))
    if kind == "drop_column":
        del columns[column]
        new.indexes.get(table, set()).discard(column)
    elif kind == "nullability":
        columns[column] = Col(columns[column].type, not columns[column].nullable)
    elif kind == "add_index":
        if column in new.indexes.get(table, set()):
            return "nothing", new
        new.indexes.setdefault(table, set()).add(column)
    else:
        column = draw(st.sampled_from(sorted(new.indexes[table])))
        new.indexes[table].discard(column)
    return f"{kind} {table}.{column}", new


@st.composite
def change_sequences(draw: st.DrawFn) -> list[tuple[str, Spec]]:
    spec, out = START, []
    for _ in range(draw(st.integers(1, 3))):
        what, spec = draw(changes(spec))
        out.append((what, spec))
    return out


@contextmanager
def working_directory(path: Path) -> Iterator[None]:
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def clear(url: str) -> None:
    """Drop every table of a database (to reuse it for another create_all)."""
    engine = engine_for(url)
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        metadata.drop_all(engine)
    finally:
        engine.dispose()


def law_on_random_changes(kind: str, steps: list[tuple[str, Spec]]) -> None:
    with ExitStack() as stack:
        root = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        url = stack.enter_context(fresh_database(kind, root))
        models_url = stack.enter_context(fresh_database(kind, root))
        stack.enter_context(working_directory(root))
        project = make_project(root, url)
        stack.callback(project.dispose)
        use_models(project, START.source())
        autogenerate(project, "start")
        project.ok("upgrade", "head")
        for number, (what, spec) in enumerate(steps):
            use_models(project, spec.source())
            run, path = autogenerate(project, f"step {number}")
            project.ok("upgrade", "head")
            assert project.ok("check").stdout.strip() == "No new upgrade operations detected.", what
            project.ok("downgrade", "-1")
            if op_calls(path):
                assert project.run("check").exit_code == 1, what
            project.ok("upgrade", "head")
            project.ok("check")
            clear(models_url)
            metadata = runpy.run_path(str(root / "models.py"))["Base"].metadata
            engine = engine_for(models_url)
            try:
                metadata.create_all(engine)
            finally:
                engine.dispose()
            after = snapshot(url)
            expected = snapshot(models_url)
            assert after == expected, (what, run.stdout, path.read_text())


@pytest.mark.parametrize(("kind", "examples"), [("sqlite", 12), ("postgresql", 2), ("mariadb", 2)])
def test_law_on_random_model_changes(
    kind: str, examples: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    monkeypatch.delenv("ALEMBIC_CONFIG", raising=False)

    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    @given(change_sequences())
    def law(steps: list[tuple[str, Spec]]) -> None:
        law_on_random_changes(kind, steps)

    law()


# -- differential: real Alembic's autogenerate on a copy of the same project --------------------

# Operations Alembic writes and still does not, on purpose: (function, name, first argument)
# -> why.  None now: still's ledger (still_ledger, made by the first upgrade) used to be one,
# until the env.py `still init` writes passed an include_name that keeps still_* tables out of
# every tool's comparison (issue 18).
ALEMBIC_ONLY: dict[tuple[str, str, object], str] = {}


def _normalised(calls: list[Call]) -> list[Call]:
    """``op.f('name')`` (Alembic's marker for an already converted name) is just the name."""
    out = []
    for name, argument in calls:
        if isinstance(argument, str):
            match = re.fullmatch(r"op\.f\((['\"])(.*)\1\)", argument)
            if match:
                argument = match.group(2)
        out.append((name, argument))
    return out


def alembic_autogenerate(project: Project, message: str, workdir: Path) -> Path:
    """``python -m alembic revision --autogenerate`` on a copy of the project (and, for SQLite,
    of the database file; a server database is shared: autogenerate only reads it)."""
    copy = workdir / f"alembic_{len(list(workdir.iterdir()))}"
    shutil.copytree(project.root, copy, ignore=shutil.ignore_patterns("__pycache__"))
    if project.kind == "sqlite":
        database = Path(project.url.removeprefix("sqlite:///"))
        if database.exists():
            shutil.copy(database, copy / "copy.db")
        set_ini_url(copy / "alembic.ini", f"sqlite:///{copy / 'copy.db'}")
    before = set((copy / project.directory / "versions").glob("*.py"))
    run = run_module("alembic", ["revision", "--autogenerate", "-m", message], copy)
    assert run.exit_code == 0, str(run)
    (path,) = set((copy / project.directory / "versions").glob("*.py")) - before
    return path


@pytest.mark.parametrize("db_url", ["sqlite", "postgresql", "mariadb"], indirect=True)
def test_differential_against_alembic(project: Project, tmp_path: Path) -> None:
    required("alembic.autogenerate")
    workdir = tmp_path / "alembic"
    workdir.mkdir()
    steps = [
        ("initial schema", seed_models()),
        ("add age to pets", seed_models(age="age")),
        ("add index on pets owner_id", seed_models(age="age", index=True)),
        ("lose data", seed_models(age="age", owner_email=False, facts=False, name_length=50)),
    ]
    differences: dict[tuple[str, str, Call], str] = {}
    for message, source in steps:
        use_models(project, source)
        theirs = alembic_autogenerate(project, message, workdir)
        _, ours = autogenerate(project, message, "--renames", "no")
        for function in ("upgrade", "downgrade"):
            alembic_calls = _normalised(op_calls(theirs, function))
            still_calls = op_calls(ours, function)
            for call in alembic_calls:
                if call not in still_calls:
                    why = ALEMBIC_ONLY.get((function, *call))
                    assert why, (message, function, call, alembic_calls, still_calls)
                    differences[(message, function, call)] = why
        project.ok("upgrade", "head")
    # the ledger exists after the first step, and Alembic leaves it alone too
    assert "still_ledger" in tables_of(project.url, ledger=True)
    assert {(f, *c) for _, f, c in differences} == set(ALEMBIC_ONLY)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_post_write_hook_with_its_own_cwd(project: Project, tmp_path: Path) -> None:
    """A relative script_location (the seed's `script_location = alembic`) and a hook that runs
    elsewhere (``cwd``): the hook still gets a file name it can open."""
    use_models(project, seed_models())
    text = re.sub(
        r"^script_location = .*$",
        "script_location = migrations",
        project.ini.read_text(),
        flags=re.M,
    )
    project.ini.write_text(text)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    stamp = executable_script(
        tmp_path / "stamp.py",
        """
        import os, sys
        with open(sys.argv[1], "a") as f:
            f.write(f"# stamped in {os.path.basename(os.getcwd())}\\n")
        """,
    )
    set_hooks(project, f"hooks = s\ns.type = exec\ns.executable = {stamp}\ns.cwd = {elsewhere}\n")
    _, path = autogenerate(project, "initial schema")
    assert path.read_text().endswith("# stamped in elsewhere\n")


# -- renames asked on a terminal ----------------------------------------------------------------


def run_on_terminal(cwd: Path, args: list[str], answers: dict[str, str]) -> tuple[int, str]:
    """``python -m still ARGS`` with a pseudo-terminal as stdin and stdout; each time the output
    ends with a key of ``answers``, its value is typed."""
    import pty
    import select
    import subprocess

    master, slave = pty.openpty()
    environ = {k: v for k, v in os.environ.items() if k not in ("SQLALCHEMY_URL", "ALEMBIC_CONFIG")}
    process = subprocess.Popen(
        [sys.executable, "-m", "still", *args],
        cwd=cwd,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**environ, "NO_COLOR": "1"},
        close_fds=True,
    )
    os.close(slave)
    output, answered = b"", 0
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 60)
            if not ready:
                raise AssertionError(f"no output for 60 s: {output.decode(errors='replace')}")
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
            text = output.decode(errors="replace")
            pending = [q for q in answers if text.count(q) > answered and text.rstrip().endswith(q)]
            if pending:
                typed = answers[pending[0]]
                os.write(master, typed.encode() + (b"" if typed == "\x04" else b"\n"))
                answered += 1
    finally:
        os.close(master)
    return process.wait(timeout=60), output.decode(errors="replace").replace("\r\n", "\n")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("answer", ["y", "n", "\x04"], ids=["yes", "no", "ctrl-d"])
def test_rename_asked_on_a_terminal(project: Project, answer: str) -> None:
    seeded(project)
    use_models(project, seed_models(age="years"))
    code, output = run_on_terminal(
        project.root,
        ["revision", "--autogenerate", "-m", "rename age"],
        {"[y/N]": answer},
    )
    assert code == 0, output
    assert "Is column pets.age -> pets.years a rename? [y/N]" in output
    assert "Traceback" not in output and "Unexpected error" not in output
    (path,) = [p for p in revision_files(project) if p.name.endswith("_rename_age.py")]
    if answer == "y":
        assert op_calls(path) == [("alter_column", "pets")]
        assert "WARNING" not in output
    else:
        assert ("drop_column", "pets") in op_calls(path)
        assert "WARNING: column pets.age -> pets.years looks like a rename" in output
    project.ok("upgrade", "head")
    expected = [(1, 3), (2, 5)] if answer == "y" else [(1, None), (2, None)]
    assert project.rows("SELECT id, years FROM pets ORDER BY id") == expected
