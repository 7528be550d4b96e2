"""still and the real Alembic on the same project and the same database, in turns.

Alembic runs as a child process (``python -m alembic``): inside still's own process the
``alembic`` module names are still's while env.py and revision files load.  still runs in this
process through its command line, and once as a child process too.
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import (
    AGE_DOWNGRADE,
    AGE_UPGRADE,
    INDEX_DOWNGRADE,
    INDEX_UPGRADE,
    INITIAL_DOWNGRADE,
    INITIAL_UPGRADE,
    SEED_ENV_PY,
    PetClinic,
    Project,
    Run,
    run_module,
    set_ini_url,
    versions_of,
)
from tests.databases import required

required("alembic.command")


class AlembicProject(Project):
    """A project made by ``alembic init alembic``; ``alembic(...)`` runs the real Alembic."""

    def __init__(self, root: Path, url: str) -> None:
        super().__init__(root, url, directory="alembic")

    def alembic(self, *args: str, env: dict[str, str] | None = None) -> Run:
        result = run_module("alembic", args, self.root, env)
        assert result.exit_code == 0, f"alembic {' '.join(args)}\n{result}"
        return result


def fill_generated(path: Path, upgrade: str, downgrade: str) -> None:
    """Put bodies into a file `alembic revision` wrote (its functions say only ``pass``)."""
    text = path.read_text()
    for name, body in (("upgrade", upgrade), ("downgrade", downgrade)):
        pattern = re.compile(rf'(def {name}\(\) -> None:\n    """[^"]*"""\n)    pass\n')
        assert pattern.search(text), f"no empty {name}() in {path}"
        indented = textwrap.indent(textwrap.dedent(body).strip("\n"), "    ") + "\n"
        text = pattern.sub(lambda m, b=indented: m.group(1) + b, text)
    path.write_text(text)


@pytest.fixture
def alembic_project(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = tmp_path / "clinic"
    root.mkdir()
    monkeypatch.chdir(root)
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    monkeypatch.delenv("ALEMBIC_CONFIG", raising=False)
    project = AlembicProject(root, db_url)
    project.alembic("init", "alembic")
    set_ini_url(project.ini, db_url)
    # the first revision as Alembic writes it, the others by hand in the same form
    generated = project.alembic("revision", "-m", "initial schema", "--rev-id", "aaa")
    path = Path(re.search(r"Generating (\S+\.py)", generated.stdout).group(1))
    fill_generated(path, INITIAL_UPGRADE, INITIAL_DOWNGRADE)
    project.write_revision("bbb", "aaa", AGE_UPGRADE, AGE_DOWNGRADE, "add age to pets")
    project.write_revision(
        "ccc", "bbb", INDEX_UPGRADE, INDEX_DOWNGRADE, "add index on pets owner_id"
    )
    yield project
    project.dispose()


def test_alembic_then_still_then_alembic(
    alembic_project: AlembicProject, petclinic_models: PetClinic
) -> None:
    project = alembic_project
    original_env = project.env_py.read_text()

    # Alembic takes the database to the middle revision
    project.alembic("upgrade", "bbb")
    assert project.versions() == {"bbb"}
    petclinic_models.assert_schema(project, age=True, index=False)
    project.execute(
        "INSERT INTO owners (owner_id, owner_name) VALUES (1, 'Ann')",
        "INSERT INTO pets (id, owner_id, name, age) VALUES (1, 1, 'Tom', 3)",
    )

    # still reads Alembic's version table and project, and carries on
    assert project.ok("current").stdout.strip() == "bbb"
    result = project.ok("upgrade", "head")
    assert "Running upgrade bbb -> ccc, add index on pets owner_id" in result.stderr
    assert "Running upgrade <base>" not in result.output
    assert project.versions() == {"ccc"}
    petclinic_models.assert_schema(project, age=True, index=True)
    assert project.rows("SELECT name, age FROM pets") == [("Tom", 3)]

    # Alembic reads what still wrote, and both describe the project the same way
    assert project.alembic("current").stdout.strip() == "ccc (head)"
    assert project.ok("history").stdout == project.alembic("history").stdout
    assert project.ok("heads").stdout == project.alembic("heads").stdout

    # Alembic undoes it all (including the step still ran)
    if project.kind == "mariadb":
        # Alembic's DROP INDEX ix_pet_owner_id fails on MariaDB (error 1553: InnoDB dropped
        # its own index for the foreign key); still's downgrade puts it back.
        project.ok("downgrade", "bbb")
        assert project.versions() == {"bbb"}
    project.alembic("downgrade", "base")
    assert project.tables() == set()
    assert project.versions() == set()
    assert project.ok("current").stdout.strip() == ""

    assert project.env_py.read_text() == original_env  # nothing was rewritten


def test_still_first_then_alembic_continues(
    alembic_project: AlembicProject, petclinic_models: PetClinic
) -> None:
    project = alembic_project
    # still as a program of its own, on Alembic's project
    result = project.run_subprocess("upgrade", "aaa")
    assert result.exit_code == 0, str(result)
    assert project.versions() == {"aaa"}
    project.alembic("upgrade", "head")
    assert project.versions() == {"ccc"}
    petclinic_models.assert_schema(project, age=True, index=True)
    project.ok("downgrade", "base")
    assert project.tables() == set() and project.versions() == set()
    assert project.alembic("current").stdout.strip() == ""


def test_still_builds_the_schema_alembic_builds(
    alembic_project: AlembicProject, another_database
) -> None:
    """The same revisions, one database migrated by Alembic and one by still."""
    project = alembic_project
    by_alembic = another_database()
    set_ini_url(project.ini, by_alembic)  # stock Alembic reads only the ini
    project.alembic("upgrade", "head")
    set_ini_url(project.ini, project.url)
    assert versions_of(by_alembic) == {"ccc"}
    project.ok("upgrade", "head")
    assert project.versions() == {"ccc"}

    theirs = Project(project.root, by_alembic, directory="alembic")
    try:
        assert project.schema() == theirs.schema()
    finally:
        theirs.dispose()


# -- the seed tutorial's env.py, models and all --------------------------------------------------

# The seed's env.py (step 4), with its model imports and comments.
SEED_ENV_PY_WITH_MODELS = SEED_ENV_PY.replace(
    "config = context.config\n",
    "# Импортируем Base и модели\n"
    "from models.base import Base\n"
    "from models.owners import Owner\n"
    "from models.pets import Pet\n"
    "from models.species import Species\n"
    "from models.manipulations import Manipulation\n"
    "from models.manipulation_facts import ManipulationFact\n\n"
    "config = context.config\n",
).replace(
    "target_metadata = None\n",
    "# Указываем metadata для автогенерации миграций\ntarget_metadata = Base.metadata\n",
)

MODELS = {
    "__init__.py": "",
    "base.py": """
        from sqlalchemy.orm import DeclarativeBase

        class Base(DeclarativeBase):
            pass
    """,
    "owners.py": """
        from sqlalchemy import Column, Integer, String
        from models.base import Base

        class Owner(Base):
            __tablename__ = "owners"
            owner_id = Column(Integer, primary_key=True)
            owner_name = Column(String(100), nullable=False)
            owner_email = Column(String(100))
    """,
    "species.py": """
        from sqlalchemy import Column, Integer, String
        from models.base import Base

        class Species(Base):
            __tablename__ = "species"
            id = Column(Integer, primary_key=True)
            name = Column(String(50), nullable=False)
    """,
    "pets.py": """
        from sqlalchemy import Column, ForeignKey, Integer, String
        from models.base import Base

        class Pet(Base):
            __tablename__ = "pets"
            id = Column(Integer, primary_key=True)
            owner_id = Column(Integer, ForeignKey("owners.owner_id"), index=True)
            species_id = Column(Integer, ForeignKey("species.id"))
            name = Column(String(100), nullable=False)
            age = Column(Integer, nullable=True)
    """,
    "manipulations.py": """
        from sqlalchemy import Column, Integer, Numeric, String
        from models.base import Base

        class Manipulation(Base):
            __tablename__ = "manipulations"
            id = Column(Integer, primary_key=True)
            title = Column(String(100), nullable=False)
            price = Column(Numeric(10, 2))
    """,
    "manipulation_facts.py": """
        from sqlalchemy import Column, DateTime, ForeignKey, Integer
        from models.base import Base

        class ManipulationFact(Base):
            __tablename__ = "manipulation_facts"
            id = Column(Integer, primary_key=True)
            pet_id = Column(Integer, ForeignKey("pets.id"), nullable=False)
            manipulation_id = Column(Integer, ForeignKey("manipulations.id"), nullable=False)
            done_at = Column(DateTime)
    """,
}


@pytest.fixture
def fresh_imports(monkeypatch: pytest.MonkeyPatch):
    """Forget the ``models`` package and the finder cached for "." by earlier tests.

    prepend_sys_path = . puts "." on sys.path; Python caches one finder per sys.path entry, made
    for the directory that was current at the time, so without this a second project in the
    same process would not find its models (see test_api.py).
    """

    def forget() -> None:
        for name in [m for m in sys.modules if m == "models" or m.startswith("models.")]:
            del sys.modules[name]

    forget()  # an earlier test in this process may have left a module of that name
    monkeypatch.delitem(sys.path_importer_cache, ".", raising=False)
    yield
    forget()
    sys.path_importer_cache.pop(".", None)


def test_seed_env_py_with_models_runs_unchanged(
    alembic_project: AlembicProject, petclinic_models: PetClinic, fresh_imports
) -> None:
    project = alembic_project
    models = project.root / "models"
    models.mkdir()
    for name, source in MODELS.items():
        (models / name).write_text(textwrap.dedent(source).lstrip())
    project.env_py.write_text(SEED_ENV_PY_WITH_MODELS)

    # offline: the script for the whole chain, nothing touches the database
    script = project.ok("upgrade", "head", "--sql").stdout
    assert "CREATE TABLE owners" in script and "CREATE INDEX ix_pet_owner_id" in script
    assert "INSERT INTO alembic_version (version_num) VALUES ('aaa')" in script
    assert project.versions() is None

    # online, in turns with Alembic on the same env.py
    project.ok("upgrade", "aaa")
    assert project.versions() == {"aaa"}
    project.alembic("upgrade", "bbb")
    project.ok("upgrade", "head")
    petclinic_models.assert_schema(project, age=True, index=True)
    assert project.versions() == {"ccc"}
    result = project.run_subprocess("downgrade", "-1")
    assert result.exit_code == 0, str(result)
    assert project.versions() == {"bbb"}
    project.alembic("downgrade", "base")
    assert project.tables() == set() and project.versions() == set()
