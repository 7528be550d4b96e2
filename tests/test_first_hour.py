"""A newcomer's first hour (issue 18): the rough edges a new user met, each kept fixed.

The env.py still generates and other tools (Alembic's check, uvicorn's loggers), missing drivers,
the data-loss prompt, errors raised inside revisions, and details of the output.
"""

from __future__ import annotations

import ast
import logging
import sys
from pathlib import Path

import pytest

from tests.conftest import Project, make_project, run_module, tables_of
from tests.databases import KINDS, fresh_database, required

TEMPLATES = Path(__file__).parent.parent / "src" / "still" / "templates"
ENV_TEMPLATES = sorted(p for p in TEMPLATES.glob("*/env.py"))

PETS_MODELS = """
import sqlalchemy as sa

metadata = sa.MetaData()
sa.Table(
    "pets", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
)
"""
CREATE_PETS = """
op.create_table(
    "pets",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
)
"""


def use_pets_models(root: Path, env_py: Path) -> None:
    (root / "models.py").write_text(PETS_MODELS)
    sys.modules.pop("models", None)  # another test's models module, imported in this process
    text = env_py.read_text()
    assert text.count("\ntarget_metadata = None\n") == 1
    env_py.write_text(
        text.replace(
            "\ntarget_metadata = None\n", "\nfrom models import metadata as target_metadata\n"
        )
    )


# -- 2: still's own tables are kept out of every tool's autogenerate -----------------------------


def _configure_calls(tree: ast.AST) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "configure"
    ]


@pytest.mark.parametrize("env_py", ENV_TEMPLATES, ids=lambda p: p.parent.name)
def test_every_template_env_py_passes_include_name(env_py: Path) -> None:
    tree = ast.parse(env_py.read_text())
    calls = _configure_calls(tree)
    assert len(calls) == 2, env_py  # offline and online
    for call in calls:
        keywords = {k.arg: ast.unparse(k.value) for k in call.keywords}
        assert keywords.get("include_name") == "include_name", (env_py, keywords)
    namespace: dict[str, object] = {}
    (function,) = [
        n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "include_name"
    ]
    exec(compile(ast.Module([function], []), str(env_py), "exec"), namespace)
    include_name = namespace["include_name"]
    assert callable(include_name)
    assert include_name("still_ledger", "table", {"schema_name": None}) is False
    assert include_name("still_anything", "table", {"schema_name": None}) is False
    assert include_name("pets", "table", {"schema_name": None}) is True
    assert include_name("still_ix", "index", {"table_name": "pets"}) is True
    assert include_name(None, "schema", {}) is True


@pytest.mark.parametrize("kind", KINDS)
def test_alembic_check_leaves_the_ledger_alone(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A `still init` project (ledger = true) upgraded by still: the real Alembic's `check`
    finds nothing to do, where it used to want to drop still_ledger."""
    required("alembic.command")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    with fresh_database(kind, tmp_path) as url:
        project = make_project(tmp_path, url)
        assert "\nledger = true\n" in project.ini.read_text()
        use_pets_models(tmp_path, project.env_py)
        project.write_revision("a1", None, CREATE_PETS)
        project.ok("upgrade", "head")
        assert {"pets", "still_ledger"} <= tables_of(url, ledger=True)
        alembic = run_module("alembic", ["check"], tmp_path)
        assert alembic.exit_code == 0, str(alembic)
        assert "No new upgrade operations detected" in alembic.output
        assert "still_ledger" not in alembic.output
        project.ok("check")
        project.dispose()


def test_alembic_check_leaves_the_ledger_alone_async_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    required("alembic.command")
    required("aiosqlite")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    project = make_project_with_template(tmp_path, "async")
    project.set_url(f"sqlite+aiosqlite:///{tmp_path / 'pets.sqlite'}")
    use_pets_models(tmp_path, project.env_py)
    project.write_revision("a1", None, CREATE_PETS)
    project.ok("upgrade", "head")
    assert "still_ledger" in tables_of(f"sqlite:///{tmp_path / 'pets.sqlite'}", ledger=True)
    alembic = run_module("alembic", ["check"], tmp_path)
    assert alembic.exit_code == 0, str(alembic)
    assert "No new upgrade operations detected" in alembic.output


def make_project_with_template(root: Path, template: str):  # type: ignore[no-untyped-def]
    from tests.conftest import Project

    project = Project(root, "sqlite://")
    project.ok("init", "--template", template, "migrations")
    return project


# -- 4: the env.py still generates leaves the application's loggers alone ------------------------


@pytest.mark.parametrize("env_py", ENV_TEMPLATES, ids=lambda p: p.parent.name)
def test_every_template_keeps_existing_loggers(env_py: Path) -> None:
    tree = ast.parse(env_py.read_text())
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "fileConfig"
    ]
    assert len(calls) == 1, env_py
    keywords = {k.arg: ast.unparse(k.value) for k in calls[0].keywords}
    assert keywords.get("disable_existing_loggers") == "False", env_py


def test_application_loggers_survive_a_migration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An application (uvicorn) that migrates at start-up: its loggers, made before env.py
    runs, still log afterwards."""
    from still import command
    from still.config import Config

    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'app.sqlite'}"
    project = make_project(tmp_path, url)
    project.write_revision("a1", None, CREATE_PETS)
    server = logging.getLogger("uvicorn.error.first_hour")
    server.disabled = False
    try:
        command.upgrade(Config(str(project.ini)), "head")
        assert not server.disabled
    finally:
        server.disabled = False
    assert "pets" in tables_of(url)


# -- 3: a missing database driver is named, with the package that provides it ------------------


@pytest.mark.parametrize(
    ("url", "module", "install"),
    [
        (
            "postgresql+psycopg2://postgres@127.0.0.1:5432/clinic",
            "psycopg2",
            "pip install psycopg2-binary (or pip install 'still[psycopg2]')",
        ),
        (
            "postgresql+psycopg://postgres@127.0.0.1:5432/clinic",
            "psycopg",
            "pip install 'psycopg[binary]' (or pip install 'still[postgresql]')",
        ),
        ("mysql+pymysql://root@127.0.0.1:3306/clinic", "pymysql", "pip install PyMySQL"),
    ],
)
def test_missing_driver_is_named(
    url: str, module: str, install: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    project = make_project(tmp_path, url)
    project.write_revision("a1", None, CREATE_PETS)
    monkeypatch.setitem(sys.modules, module, None)  # as if it were not installed
    run = project.run("upgrade", "head")
    assert run.exit_code == 4, str(run)
    assert f"The database driver {module} " in run.stderr, str(run)
    assert install in run.stderr, str(run)
    assert "prepend_sys_path" not in run.stderr and "models" not in run.stderr, str(run)
    assert "Traceback" not in run.output


def test_missing_driver_not_installed_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """mysqlclient is not a test dependency: MySQLdb really is missing."""
    import importlib.util

    if importlib.util.find_spec("MySQLdb") is not None:
        pytest.skip("mysqlclient is installed here")
    monkeypatch.chdir(tmp_path)
    project = make_project(tmp_path, "mysql+mysqldb://root@127.0.0.1:3306/clinic")
    run = project.run("current")
    assert run.exit_code == 4, str(run)
    assert "The database driver MySQLdb" in run.stderr and "pip install mysqlclient" in run.stderr


def test_missing_model_module_still_points_to_sys_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An import of the user's own that fails is not blamed on a driver."""
    monkeypatch.chdir(tmp_path)
    project = make_project(tmp_path, f"sqlite:///{tmp_path / 'x.sqlite'}")
    text = project.env_py.read_text()
    project.env_py.write_text(
        text.replace("\ntarget_metadata = None\n", "\nfrom clinic_models import metadata\n")
    )
    run = project.run("current")
    assert run.exit_code == 4, str(run)
    assert "clinic_models" in run.stderr and "prepend_sys_path" in run.stderr, str(run)
    assert "driver" not in run.stderr, str(run)


def test_extras_cover_the_driver_the_docs_use() -> None:
    """The tutorial's postgresql+psycopg2:// URL has an extra that installs its driver."""
    tomllib = pytest.importorskip("tomllib")

    pyproject = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    extras = pyproject["project"]["optional-dependencies"]
    assert any(r.startswith("psycopg2") for r in extras["psycopg2"])
    assert any(r.startswith("psycopg[") for r in extras["postgresql"])
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert '".[psycopg2]"' in readme


# -- on a terminal ------------------------------------------------------------------------------


def on_terminal(
    args: list[str], cwd: Path, answer: bytes | None = None, env: dict[str, str] | None = None
) -> tuple[int, str]:
    """``python -m still ARGS`` with a pseudo-terminal as its controlling terminal (stdin, stdout
    and stderr); ``answer`` is typed once it asks "Run it?" (b"\\x03" is Ctrl-C, b"\\x04" the end
    of input). The exit code and everything it wrote."""
    import os
    import pty
    import select
    import sys
    import time

    environ = {k: v for k, v in os.environ.items() if k not in ("SQLALCHEMY_URL", "NO_COLOR")}
    environ.update({"TERM": "xterm", "COLUMNS": "100"}, **(env or {}))
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.chdir(cwd)
            os.execve(sys.executable, [sys.executable, "-m", "still", *args], environ)
        finally:
            os._exit(127)
    output = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
        if answer is not None and b"Run it?" in output:
            time.sleep(0.2)
            os.write(fd, answer)
            answer = None
    else:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), output.decode(errors="replace").replace("\r\n", "\n")


@pytest.fixture
def pets_upgraded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A SQLite project at head, whose downgrade drops the pets table."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    url = f"sqlite:///{tmp_path / 'clinic.sqlite'}"
    project = make_project(tmp_path, url)
    project.write_revision("a1", None, CREATE_PETS, 'op.drop_table("pets")')
    project.ok("upgrade", "head")
    return project


# -- 5: the data-loss prompt ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "exit_code", "said"),
    [
        (b"n\n", 7, "Nothing was run: the data loss above was not confirmed."),
        (b"\x03", 130, "Interrupted: nothing was run."),
        (b"\x04", 7, "Nothing was run: the input ended"),
    ],
    ids=["no", "ctrl-c", "eof"],
)
def test_data_loss_prompt_declined(pets_upgraded, answer: bytes, exit_code: int, said: str) -> None:  # type: ignore[no-untyped-def]
    project = pets_upgraded
    code, output = on_terminal(["downgrade", "base"], project.root, answer)
    assert "Run it?" in output, output
    assert code == exit_code, output
    assert said in output, output
    assert "Unexpected error" not in output and "Abort" not in output, output
    if answer == b"n\n":
        assert "`still downgrade base --plan`" in output, output
        assert "upgrade --plan" not in output, output
    assert "pets" in project.tables()  # nothing was run
    assert project.versions() == {"a1"}


def test_data_loss_prompt_yes_runs(pets_upgraded) -> None:  # type: ignore[no-untyped-def]
    project = pets_upgraded
    code, output = on_terminal(["downgrade", "base"], project.root, b"y\n")
    assert code == 0, output
    assert "pets" not in project.tables()


def test_confirm_data_loss_hint_names_the_command(pets_upgraded) -> None:  # type: ignore[no-untyped-def]
    """Off a terminal, with confirm_data_loss = true: the hint names the command asked."""
    project = pets_upgraded
    text = project.ini.read_text()
    project.ini.write_text(text.replace("ledger = true", "ledger = true\nconfirm_data_loss = true"))
    run = project.run("-x", "tag=v1", "downgrade", "base")
    assert run.exit_code == 7, str(run)
    assert "`still -x tag=v1 downgrade base --plan`" in run.stderr, str(run)
    assert "pets" in project.tables()


# -- 6: an exception raised by a revision (or env.py) names its file and line ---------------------

RAISES_KEY_ERROR = """
settings = {}
settings["missing"]
op.create_table("pets", sa.Column("id", sa.Integer, primary_key=True))
"""


@pytest.mark.parametrize("kind", KINDS)
def test_exception_in_revision_names_file_and_line(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    with fresh_database(kind, tmp_path) as url:
        project = make_project(tmp_path, url)
        path = project.write_revision("a1", None, RAISES_KEY_ERROR)
        line = path.read_text().splitlines().index('    settings["missing"]') + 1
        run = project.run("upgrade", "head")
        assert run.exit_code == 5, str(run)
        assert "Error: KeyError: 'missing'" in run.stderr, str(run)
        assert f'At {path}, line {line}, in upgrade: settings["missing"]\n' in run.stderr, str(run)
        assert "Traceback" not in run.output
        assert "pets" not in project.tables()
        traced = project.run("--traceback", "upgrade", "head")
        assert "Traceback (most recent call last)" in traced.stderr
        assert f'File "{path}", line {line}, in upgrade' in traced.stderr
        project.dispose()


def test_exception_in_a_helper_of_the_revision_names_the_innermost_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    project = make_project(tmp_path, f"sqlite:///{tmp_path / 'c.sqlite'}")
    path = project.write_revision("a1", None, "lookup({})")
    path.write_text(path.read_text() + '\n\ndef lookup(table):\n    return table["species"]\n')
    line = len(path.read_text().splitlines())
    run = project.run("upgrade", "head")
    assert run.exit_code == 5, str(run)
    assert f'At {path}, line {line}, in lookup: return table["species"]\n' in run.stderr, str(run)


def test_exception_in_env_py_names_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    project = make_project(tmp_path, f"sqlite:///{tmp_path / 'c.sqlite'}")
    text = project.env_py.read_text()
    project.env_py.write_text(
        text.replace("\ntarget_metadata = None\n", '\ntarget_metadata = {}["models"]\n')
    )
    line = project.env_py.read_text().splitlines().index('target_metadata = {}["models"]') + 1
    run = project.run("current")
    assert run.exit_code == 1, str(run)
    assert run.stderr.startswith("FAILED: KeyError: 'models'\n"), str(run)
    assert f'At {project.env_py}, line {line}: target_metadata = {{}}["models"]\n' in run.stderr
    assert "Unexpected error" not in run.stderr and "Traceback" not in run.stderr


def test_exception_at_revision_import_names_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    project = make_project(tmp_path, f"sqlite:///{tmp_path / 'c.sqlite'}")
    path = project.write_revision("a1", None)
    path.write_text(
        path.read_text().replace("depends_on = None\n", 'depends_on = None\nint("x")\n')
    )
    line = path.read_text().splitlines().index('int("x")') + 1
    run = project.run("upgrade", "head")
    assert run.exit_code == 4, str(run)
    assert f'(at {path}, line {line}: int("x"))' in run.stderr, str(run)


def test_still_own_error_below_env_py_stays_unexpected(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error raised inside still (a bug), called from env.py, is not blamed on env.py."""
    from still.runtime import environment

    monkeypatch.chdir(tmp_path)
    project = make_project(tmp_path, f"sqlite:///{tmp_path / 'c.sqlite'}")

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in still")

    # EnvironmentContext.configure (still's code) calls MigrationContext.configure
    monkeypatch.setattr(environment.MigrationContext, "configure", classmethod(broken))
    run = project.run("current")
    assert run.exit_code == 1, str(run)
    assert "Unexpected error: RuntimeError: a bug in still" in run.stderr, str(run)


# -- 7: packaging ---------------------------------------------------------------------------------

REPOSITORY = Path(__file__).parent.parent


def test_license_is_mit_as_pyproject_says() -> None:
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    text = (REPOSITORY / "LICENSE").read_text()
    assert text.startswith("MIT License\n") and "Permission is hereby granted" in text


def test_sdist_ships_the_licence_and_no_tests(tmp_path: Path) -> None:
    """A partial test suite in the sdist fails to collect; none is shipped (built from a copy
    of the repository's files, so the checkout is left alone)."""
    import shutil
    import subprocess
    import sys
    import tarfile

    source = tmp_path / "source"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in ("pyproject.toml", "setup.py", "README.md", "LICENSE", "MANIFEST.in"):
        shutil.copy(REPOSITORY / name, source / name)
    for name in ("src", "tests"):
        shutil.copytree(REPOSITORY / name, source / name, ignore=ignore)
    out = tmp_path / "dist"
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            f"from setuptools import build_meta; print(build_meta.build_sdist({str(out)!r}))",
        ],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    name = completed.stdout.strip().splitlines()[-1]
    with tarfile.open(out / name) as sdist:
        members = [m.split("/", 1)[1] for m in sdist.getnames() if "/" in m]
    assert "LICENSE" in members
    assert "src/still/templates/generic/env.py" in members
    assert "src/still/cli/main.py" in members
    assert not [m for m in members if m.startswith("tests/")], members


def test_switching_guide_says_how_to_install_before_a_release() -> None:
    text = (REPOSITORY / "docs" / "migrating-from-alembic.md").read_text()
    assert "no release on\n   PyPI yet" in text
    assert "pip install ./still" in text and "git+" in text


# -- 8: objects made by raw SQL, and the tutorial's index ----------------------------------------

RAW_INDEX = {
    "sqlite": "CREATE INDEX custom_idx ON pets (name)",
    "mariadb": "CREATE INDEX custom_idx ON pets (name) USING BTREE",
}
SKIP_CUSTOM_IDX = """\
    if type_ == "index" and name == "custom_idx":  # made by raw SQL in revision a1
        return False
"""


def tutorial_raw_index() -> str:
    import re

    text = (REPOSITORY / "docs" / "tutorial.md").read_text()
    found = re.findall(r'op\.execute\("(CREATE INDEX custom_idx[^"]*)"\)', text.replace("\n", " "))
    assert len(found) == 1, found
    return found[0]


def test_tutorial_raw_sql_index_works_on_postgresql(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlalchemy as sa

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    with fresh_database("postgresql", tmp_path) as url:
        project = make_project(tmp_path, url)
        project.write_revision("a1", None, CREATE_PETS + f"op.execute({tutorial_raw_index()!r})\n")
        project.ok("upgrade", "head")
        names = {i["name"] for i in sa.inspect(project.engine()).get_indexes("pets")}
        assert "custom_idx" in names
        project.dispose()


@pytest.mark.parametrize("kind", KINDS)
def test_check_points_to_include_name_for_objects_no_model_declares(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from still.testing import Migrations, MigrationTestFailure

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    with fresh_database(kind, tmp_path) as url:
        project = make_project(tmp_path, url)
        use_pets_models(tmp_path, project.env_py)
        statement = tutorial_raw_index() if kind == "postgresql" else RAW_INDEX[kind]
        project.write_revision(
            "a1", None, CREATE_PETS + f"op.execute({statement!r})\n", 'op.drop_table("pets")'
        )
        project.ok("upgrade", "head")

        run = project.run("check")
        assert run.exit_code == 1, str(run)
        assert "  drop index custom_idx on pets\n" in run.stdout, str(run)
        assert "include_object or include_name hook in env.py" in run.stdout, str(run)
        assert "keep objects made outside the models out of the comparison" in run.stderr

        as_json = project.run("check", "--json")
        notes = json.loads(as_json.stdout)["notes"]
        assert any("include_name" in note for note in notes), notes

        # the pytest plugin's models test says the same
        with pytest.raises(MigrationTestFailure) as failure:
            Migrations(project.ini).check_models_match()
        assert "include_object or include_name" in str(failure.value)

        # the user's rule, added to the include_name the template wrote
        rule = '    if type_ == "table" and name is not None and name.startswith("still_"):\n'
        text = project.env_py.read_text()
        assert text.count(rule) == 1
        project.env_py.write_text(text.replace(rule, SKIP_CUSTOM_IDX + rule))
        project.ok("check")
        Migrations(project.ini).check_models_match()
        project.dispose()


# -- 9: details of the output ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["postgresql+psycopg://postgres@127.0.0.1:1/x", "mysql+pymysql://root@127.0.0.1:1/x"],
    ids=["postgresql", "mariadb"],
)
def test_server_down_message_is_one_line_of_sentences(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    project = make_project(tmp_path, "sqlite://")
    run = project.run("-x", f"sqlalchemy.url={url}", "current")
    assert run.exit_code == 6, str(run)
    assert run.stderr.startswith("FAILED: Could not connect to the database"), str(run)
    assert run.stderr.count("\n") == 1 and "\t" not in run.stderr, repr(run.stderr)
    assert "?." not in run.stderr and "?)." not in run.stderr, run.stderr
    assert ". Check that the server is running" in run.stderr or "? Check that" in run.stderr


def test_missing_script_location_names_the_real_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import re

    monkeypatch.chdir(tmp_path)
    project = Project(tmp_path, "sqlite://", directory="alembic")
    project.ok("init", "alembic")
    ini = project.ini.read_text()
    project.ini.write_text(re.sub(r"^script_location = .*\n", "", ini, flags=re.M))
    run = project.run("heads")
    assert run.exit_code == 4, str(run)
    assert "`script_location = %(here)s/alembic`" in run.stderr, str(run)
    assert "migrations" not in run.stderr, str(run)


def test_check_json_does_not_say_listed_above(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    monkeypatch.chdir(tmp_path)
    project = make_project(tmp_path, f"sqlite:///{tmp_path / 'c.sqlite'}")
    use_pets_models(tmp_path, project.env_py)
    project.write_revision("a1", None)  # the models' table is never created
    project.ok("upgrade", "head")
    run = project.run("check", "--json")
    assert run.exit_code == 1, str(run)
    assert json.loads(run.stdout)["differences"]
    assert "listed above" not in run.stderr, run.stderr
    assert "(1, in the JSON document)" in run.stderr, run.stderr


def test_branches_ends_without_a_blank_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    project = make_project(tmp_path, "sqlite://")
    project.write_revision("r0", None)
    for rev in ("l1", "x1"):
        project.write_revision(rev, "r0")
    for rev in ("l2", "x2"):
        project.write_revision(rev, "l1")
    output = project.ok("branches").stdout
    assert not output.endswith("\n\n"), repr(output)
    blocks = output.split("\n\n")
    assert len(blocks) == 2, repr(output)  # two branch points, one blank line between them
    assert blocks[0].startswith("l1 (branchpoint)") and blocks[1].startswith("r0 (branchpoint)")


def test_sql_run_reports_steps_as_online_runs_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    project = make_project(tmp_path, f"sqlite:///{tmp_path / 'c.sqlite'}")
    project.write_revision("a1", None, CREATE_PETS, message="add pets")
    run = project.run_subprocess("upgrade", "head", "--sql")
    assert run.exit_code == 0, str(run)
    assert "CREATE TABLE pets" in run.stdout
    assert "Running upgrade <base> -> a1, add pets ... done (" in run.stderr, run.stderr
    assert "INFO" not in run.stderr and "alembic.runtime.migration" not in run.stderr, run.stderr


@pytest.fixture
def twelve_revisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    project = make_project(tmp_path, f"sqlite:///{tmp_path / 'c.sqlite'}")
    down = None
    for number in range(12):
        rev = f"r{number:02d}"
        create = f"op.create_table('t{number}', sa.Column('id', sa.Integer))"
        project.write_revision(rev, down, create)
        down = rev
    return project


def _counters(output: str) -> list[tuple[int, int]]:
    """(step lines printed so far, the progress bar's count) for each drawing of the bar."""
    import re

    events = []
    done = 0
    for match in re.finditer(r"✓ Running upgrade|\b(\d+)/12\b", output):
        if match.group(1) is None:
            done += 1
        else:
            events.append((done, int(match.group(1))))
    return events


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
def test_progress_bar_on_a_terminal(twelve_revisions, no_color: bool) -> None:  # type: ignore[no-untyped-def]
    """NO_COLOR takes away colour, not the bar; the bar's counter is never behind the lines."""
    import re

    env = {"NO_COLOR": "1"} if no_color else {}
    code, output = on_terminal(["upgrade", "head"], twelve_revisions.root, env=env)
    assert code == 0, output
    colour = [  # SGR codes of colours (foreground, background); bold and dim are not colour
        c
        for c in re.findall(r"\x1b\[([\d;]*)m", output)
        if any(30 <= int(n) <= 49 or 90 <= int(n) <= 107 for n in c.split(";") if n)
    ]
    output = re.sub(r"\x1b\[[\d;?]*[A-Za-z]", "", output)  # colours and cursor movements
    assert output.count("✓ Running upgrade") == 12, output
    events = _counters(output)
    assert events, f"no progress bar:\n{output}"
    assert all(count >= lines for lines, count in events), events
    if no_color:
        assert not colour, colour
    else:
        assert colour


# -- 10: what the switching guide says about a migrations folder named alembic --------------------


def test_a_folder_named_alembic_shadows_and_the_switch_wins(tmp_path: Path) -> None:
    """docs/migrating-from-alembic.md, "A migrations folder named alembic": with __init__.py the
    folder is what `import alembic` finds (run from its parent); STILL_AS_ALEMBIC=1 gives still's
    modules all the same."""
    import os
    import subprocess
    import sys

    (tmp_path / "alembic").mkdir()
    (tmp_path / "alembic" / "__init__.py").write_text("")
    environ = {k: v for k, v in os.environ.items() if k != "STILL_AS_ALEMBIC"}

    def run(code: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", code],
            cwd=tmp_path,
            env={**environ, **extra},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    shadowed = run("from alembic import command")
    assert "cannot import name 'command' from 'alembic'" in shadowed.stderr, shadowed.stderr
    switched = run(
        "from alembic import command; print(command.upgrade.__module__)", STILL_AS_ALEMBIC="1"
    )
    assert switched.returncode == 0, switched.stderr
    assert switched.stdout.startswith("still."), switched.stdout
