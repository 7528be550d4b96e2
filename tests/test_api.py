"""The programmatic API, as an application calls it at start-up (seed step 15):

from still import command
from still.config import Config
command.upgrade(Config("alembic.ini"), "head")
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from still import command
from still.config import Config
from still.errors import CommandError
from tests.conftest import PetClinic, Project, make_project, tables_of, versions_of


def config(project: Project, **kw) -> Config:
    return Config(str(project.ini), **kw)


def output_of(fn, project: Project, *args, **kw) -> str:
    buffer = io.StringIO()
    fn(config(project, stdout=buffer), *args, **kw)
    return buffer.getvalue()


def test_upgrade_current_downgrade(project: Project, petclinic_models: PetClinic) -> None:
    petclinic_models.write_chain(project)

    command.upgrade(Config(str(project.ini)), "head")

    petclinic_models.assert_schema(project, age=True, index=True)
    assert project.versions() == {"ccc"}
    assert output_of(command.current, project).splitlines() == ["ccc (head)"]
    assert output_of(command.heads, project).splitlines() == ["ccc (head)"]
    assert output_of(command.history, project).splitlines()[-1] == "<base> -> aaa, initial schema"

    cfg = Config(str(project.ini))
    command.downgrade(cfg, "-1")
    assert project.versions() == {"bbb"}
    petclinic_models.assert_schema(project, age=True, index=False)
    command.downgrade(cfg, "base")
    assert project.tables() == set()
    assert project.versions() == set()
    assert output_of(command.current, project) == ""

    command.upgrade(cfg, "bbb")
    assert project.versions() == {"bbb"}
    command.stamp(cfg, "ccc")
    assert project.versions() == {"ccc"}
    assert "ix_pet_owner_id" not in {i["name"] for i in project.inspector().get_indexes("pets")}


def test_relative_ini_path_from_the_project_directory(
    project: Project, petclinic_models: PetClinic
) -> None:
    """Exactly the seed's call: a relative "alembic.ini", the application's cwd."""
    assert Path.cwd() == project.root
    petclinic_models.write_initial(project)
    command.upgrade(Config("alembic.ini"), "head")
    assert project.versions() == {"aaa"}
    assert project.tables() == set(PetClinic.TABLES)


def test_second_upgrade_is_a_no_op(
    project: Project, petclinic_models: PetClinic, tmp_path: Path, capsys, monkeypatch
) -> None:
    petclinic_models.write_chain(project)
    marker = tmp_path / "loaded.txt"
    # a revision that counts its runs (in a table) and its imports (in a file)
    project.write_revision(
        "ddd",
        "ccc",
        """
        op.create_table("runs", sa.Column("id", sa.Integer, primary_key=True))
        op.execute("INSERT INTO runs (id) VALUES (1)")
        """,
        'op.drop_table("runs")',
        "count runs",
    )
    path = next(project.versions_dir.glob("ddd_*.py"))
    counting = f"import sqlalchemy as sa\nopen({str(marker)!r}, 'a').write('x')\n"
    path.write_text(path.read_text().replace("import sqlalchemy as sa\n", counting, 1))

    # env.py's fileConfig() sends the migration log (Alembic's logger name) to stderr.  (An
    # earlier fileConfig() in this process may have disabled it.)
    monkeypatch.setattr(logging.getLogger("alembic.runtime.migration"), "disabled", False)
    command.upgrade(Config(str(project.ini)), "head")
    first = capsys.readouterr().err
    assert first.count("Running upgrade") == 4, first
    assert "Running upgrade ccc -> ddd, count runs" in first
    assert project.rows("SELECT count(*) FROM runs") == [(1,)]
    assert marker.read_text() == "x"
    before = (project.tables(), project.versions())

    command.upgrade(Config(str(project.ini)), "head")  # the next start of the application
    assert "Running upgrade" not in capsys.readouterr().err
    assert (project.tables(), project.versions()) == before
    assert project.rows("SELECT count(*) FROM runs") == [(1,)]
    # nothing to do: no revision module needs to be imported
    assert marker.read_text() == "x"


def test_url_set_by_the_application(project: Project, petclinic_models: PetClinic) -> None:
    """``cfg.set_main_option("sqlalchemy.url", ...)`` (the app's own settings) wins."""
    petclinic_models.write_initial(project)
    url = project.url
    project.set_url("postgresql+psycopg://nobody:pw@127.0.0.1:1/nowhere")
    cfg = Config(str(project.ini))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    command.upgrade(cfg, "head")
    assert versions_of(url) == {"aaa"}
    assert tables_of(url) == set(PetClinic.TABLES) | {"alembic_version"}


def test_environment_variable_through_the_api(
    project: Project, petclinic_models: PetClinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    petclinic_models.write_initial(project)
    url = project.url
    project.set_url("postgresql+psycopg://nobody:pw@127.0.0.1:1/nowhere")
    monkeypatch.setenv("SQLALCHEMY_URL", url)
    command.upgrade(Config(str(project.ini)), "head")
    assert versions_of(url) == {"aaa"}


def test_failure_raises_a_command_error(project: Project) -> None:
    project.write_revision(
        "t1", None, 'op.create_table("t1", sa.Column("id", sa.Integer, primary_key=True))'
    )
    project.write_revision(
        "t2",
        "t1",
        'op.create_table("t2", sa.Column("id", sa.Integer, primary_key=True))\n'
        'raise RuntimeError("bad data")',
    )
    with pytest.raises(CommandError) as raised:
        command.upgrade(Config(str(project.ini)), "head")
    message = str(raised.value)
    assert "upgrade of t2" in message and "bad data" in message
    assert isinstance(raised.value.__cause__, RuntimeError)
    if project.kind == "mariadb":
        assert project.versions() == {"t1"} and project.tables() == {"t1", "t2"}
    else:
        assert project.versions() is None and project.tables() == set()

    with pytest.raises(CommandError, match="No revision 'nope'"):
        command.upgrade(Config(str(project.ini)), "nope")


def test_sql_through_the_api(project: Project, petclinic_models: PetClinic) -> None:
    petclinic_models.write_initial(project)
    buffer = io.StringIO()
    command.upgrade(Config(str(project.ini), output_buffer=buffer), "head", sql=True)
    assert "CREATE TABLE pets" in buffer.getvalue()
    assert "INSERT INTO alembic_version (version_num) VALUES ('aaa')" in buffer.getvalue()
    assert project.versions() is None


def test_upgrade_on_an_open_connection(project: Project, petclinic_models: PetClinic) -> None:
    """An env.py that takes the application's connection from ``config.attributes``."""
    petclinic_models.write_initial(project)
    text = project.env_py.read_text()
    marker = "def run_migrations_online() -> None:\n"
    assert marker in text
    project.env_py.write_text(
        text.replace(
            marker,
            marker
            + "    connection = config.attributes.get('connection')\n"
            + "    if connection is not None:\n"
            + "        context.configure(connection=connection, target_metadata=target_metadata)\n"
            + "        with context.begin_transaction():\n"
            + "            context.run_migrations()\n"
            + "        return\n",
        )
    )
    engine = project.engine()
    with engine.begin() as connection:
        cfg = Config(str(project.ini))
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
        # still inside the application's transaction: visible on this connection
        assert sa.inspect(connection).has_table("pets")
    assert project.versions() == {"aaa"}
    assert project.tables() == set(PetClinic.TABLES)


def test_upgrade_head_without_revisions_is_a_no_op(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new application starts before its first migration is written."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    url = f"sqlite:///{tmp_path / 'app.db'}"
    project = make_project(tmp_path, url)
    command.upgrade(Config(str(project.ini)), "head")
    command.stamp(Config(str(project.ini)), "head")
    assert project.tables() == set()
    assert project.ok("upgrade", "head").exit_code == 0
    project.dispose()


def test_two_projects_in_one_process_import_their_own_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    for name in ("one", "two"):
        root = tmp_path / name
        root.mkdir()
        monkeypatch.chdir(root)
        project = make_project(root, f"sqlite:///{root / 'app.db'}")
        package = root / f"clinic_models_{name}_{os.getpid()}"
        package.mkdir()
        (package / "__init__.py").write_text("TABLE = 'pets'\n")
        project.env_py.write_text(f"import {package.name}\n" + project.env_py.read_text())
        project.write_revision("a1", None, 'op.create_table("t", sa.Column("id", sa.Integer))')
        command.upgrade(Config("alembic.ini"), "head")
        assert project.versions() == {"a1"}


ALEMBIC_LOGGING = """
[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console
qualname =

[logger_sqlalchemy]
level = WARNING
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
"""


def test_progress_is_logged_with_an_alembic_ini(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, petclinic_models: PetClinic
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    project = make_project(tmp_path, f"sqlite:///{tmp_path / 'app.db'}")
    petclinic_models.write_initial(project)
    text = project.ini.read_text()
    project.ini.write_text(text[: text.index("[loggers]")] + ALEMBIC_LOGGING)
    code = (
        "from still import command; from still.config import Config; "
        "command.upgrade(Config('alembic.ini'), 'head')"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert project.versions() == {"aaa"}
    assert "Running upgrade <base> -> aaa, initial schema" in completed.stderr
