"""Configuration as Alembic reads it, and the revision files it shapes."""

from __future__ import annotations

import io
import os
import py_compile
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from still import command
from still.cli.main import cli
from still.config import Config, cmd_options, mask_password
from still.errors import ConfigError
from still.script import ScriptDirectory
from still.script.headers import UnreadableHeader, read_header
from still.script.writer import file_name, slugify


def invoke(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ALEMBIC_CONFIG", raising=False)
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    assert invoke("init", "migrations").exit_code == 0
    return tmp_path


def set_options(ini: Path, **options: str) -> None:
    text = ini.read_text()
    extra = "".join(f"{key} = {value}\n" for key, value in options.items())
    ini.write_text(text.replace("[alembic]\n", "[alembic]\n" + extra, 1))


# -- init and the command line -------------------------------------------------------------------


def test_init_refuses_a_directory_that_is_not_empty(project: Path) -> None:
    result = invoke("init", "migrations")
    assert result.exit_code == 1
    assert "already exists and is not empty" in result.output


def test_list_templates(project: Path) -> None:
    output = invoke("list_templates").output
    for name in ("generic", "async", "multidb", "pyproject"):
        assert re.search(rf"^{name} - ", output, re.M), name


@pytest.mark.parametrize(
    "name",
    [
        "init",
        "list_templates",
        "revision",
        "merge",
        "upgrade",
        "downgrade",
        "current",
        "history",
        "heads",
        "branches",
        "show",
        "edit",
        "stamp",
    ],
)
def test_every_command_has_help(name: str) -> None:
    result = invoke(name, "--help")
    assert result.exit_code == 0 and result.output.startswith("Usage: ")


# -- options and the ini file --------------------------------------------------------------------


def test_here_and_main_options(project: Path) -> None:
    ini = project / "alembic.ini"
    set_options(ini, my_dir="%(here)s/data")
    config = Config(str(ini))
    assert config.get_main_option("my_dir") == f"{project.as_posix()}/data"
    assert config.get_main_option("missing", "fallback") == "fallback"
    config.set_main_option("sqlalchemy.url", "sqlite:///%(here)s/x.db")
    assert config.get_section(config.config_ini_section)["sqlalchemy.url"] == (
        f"sqlite:///{project.as_posix()}/x.db"
    )
    config.set_main_option("literal", "100%% sure")  # %% is a literal %, as in the ini
    assert config.get_main_option("literal") == "100% sure"


def test_config_file_from_option_and_environment(project: Path) -> None:
    moved = project / "conf" / "other.ini"
    moved.parent.mkdir()
    shutil.move(project / "alembic.ini", moved)
    text = moved.read_text().replace(
        "script_location = %(here)s/migrations", "script_location = %(here)s/../migrations"
    )
    moved.write_text(text)
    command.revision(Config(str(moved), stdout=io.StringIO()), "one", rev_id="r1")
    assert invoke("-c", str(moved), "heads").output.strip() == "r1 (head)"
    assert invoke("heads", env={"ALEMBIC_CONFIG": str(moved)}).output.strip() == "r1 (head)"


def test_named_section(project: Path) -> None:
    ini = project / "alembic.ini"
    ini.write_text(ini.read_text() + "\n[other]\nscript_location = migrations\n")
    command.revision(Config(str(ini), stdout=io.StringIO()), "one", rev_id="r1")
    assert invoke("-n", "other", "heads").output.strip() == "r1 (head)"
    result = invoke("-n", "nope", "heads")
    assert result.exit_code == 3 and "has no section [nope]" in result.output


def test_url_precedence(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ini = project / "alembic.ini"
    ini.write_text(
        re.sub(
            r"^sqlalchemy.url = .*$",
            "sqlalchemy.url = sqlite:///ini.db",
            ini.read_text(),
            flags=re.M,
        )
    )
    assert Config(str(ini)).get_main_option("sqlalchemy.url") == "sqlite:///ini.db"
    monkeypatch.setenv("SQLALCHEMY_URL", "sqlite:///env.db")
    config = Config(str(ini))
    assert config.get_main_option("sqlalchemy.url") == "sqlite:///env.db"
    assert config.get_section("alembic")["sqlalchemy.url"] == "sqlite:///env.db"
    config = Config(str(ini), cmd_opts=cmd_options(x=["sqlalchemy.url=sqlite:///x%20.db"]))
    assert config.get_main_option("sqlalchemy.url") == "sqlite:///x%20.db"


@pytest.mark.parametrize(
    ("separator", "joined"),
    [("os", os.pathsep), ("space", " "), ("newline", "\n    "), (":", ":"), (";", ";")],
)
def test_version_locations_separators(project: Path, separator: str, joined: str) -> None:
    ini = project / "alembic.ini"
    text = ini.read_text().replace("path_separator = os", f"path_separator = {separator}")
    locations = joined.join(["%(here)s/a", "%(here)s/b"])
    ini.write_text(text.replace("[alembic]\n", f"[alembic]\nversion_locations = {locations}\n", 1))
    assert Config(str(ini)).get_version_locations_list() == [
        f"{project.as_posix()}/a",
        f"{project.as_posix()}/b",
    ]


def test_legacy_splitting_without_path_separator(project: Path) -> None:
    ini = project / "alembic.ini"
    text = ini.read_text().replace("path_separator = os\n", "")
    ini.write_text(text.replace("[alembic]\n", "[alembic]\nversion_locations = a, b c\n", 1))
    config = Config(str(ini))
    assert config.get_version_locations_list() == ["a", "b", "c"]
    assert config.get_prepend_sys_paths_list() == ["."]


def test_bad_separator(project: Path) -> None:
    ini = project / "alembic.ini"
    ini.write_text(ini.read_text().replace("path_separator = os", "path_separator = comma"))
    with pytest.raises(ConfigError, match="not a known separator"):
        Config(str(ini)).get_prepend_sys_paths_list()


def test_pyproject_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.alembic]\nscript_location = "%(here)s/mig"\n'
        'file_template = "%%(year)d_%%(rev)s_%%(slug)s"\n'
    )
    assert invoke("init", "mig").exit_code == 0
    (tmp_path / "alembic.ini").unlink()
    result = invoke("revision", "-m", "from pyproject", "--rev-id", "p1")
    assert result.exit_code == 0, result.output
    [path] = (tmp_path / "mig" / "versions").glob("*.py")
    assert re.fullmatch(r"\d{4}_p1_from_pyproject\.py", path.name)


# -- revision files --------------------------------------------------------------------------------


def test_file_template_tokens_timezone_and_slug(project: Path) -> None:
    ini = project / "alembic.ini"
    set_options(
        ini,
        file_template="%%(year)d%%(month).2d%%(day).2d_%%(hour).2d%%(minute).2d%%(second).2d_%%(epoch)s_%%(rev)s_%%(slug)s",
        timezone="UTC",
        truncate_slug_length="12",
    )
    result = invoke("revision", "-m", "add age column to pets", "--rev-id", "abc123")
    assert result.exit_code == 0, result.output
    [path] = (project / "migrations" / "versions").glob("*.py")
    assert re.fullmatch(r"\d{8}_\d{6}_\d{10}_abc123_add_age_\.py", path.name), path.name
    text = path.read_text()
    assert re.search(r"Create Date: .*\+00:00", text)
    assert (
        "revision: str = 'abc123'" in text
        and "down_revision: Union[str, Sequence[str], None] = None" in text
    )
    second = invoke("revision", "-m", "next", "--rev-id", "def456").output
    assert "def456" in second
    [new] = [p for p in (project / "migrations" / "versions").glob("*def456*.py")]
    assert "down_revision: Union[str, Sequence[str], None] = 'abc123'" in new.read_text()


def test_slug_and_file_name() -> None:
    assert slugify("Add age to pets!", 40) == "add_age_to_pets"
    assert slugify("a very long message indeed", 12) == "a_very_long_"
    from datetime import datetime, timezone

    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert file_name("%(rev)s_%(slug)s", "r", "s", when) == "r_s.py"
    assert file_name("%(year)d-%(month).2d-%(day).2d", "r", "s", when) == "2026-01-02.py"
    with pytest.raises(ConfigError, match="cannot be filled in"):
        file_name("%(nope)s", "r", "s", when)


@pytest.mark.parametrize(
    "header",
    [
        "revision = 'abc'\ndown_revision = None\n",
        'revision: str = "abc"\ndown_revision: Union[str, Sequence[str], None] = None\n',
        "revision = 'abc'  # the id\ndown_revision = (\n    'x',  # one\n    'y',\n)\n",
    ],
)
def test_headers_read_statically(header: str) -> None:
    parsed = read_header('"""Message here\n\nmore"""\n' + header)
    assert parsed.revision == "abc"
    assert parsed.docstring.startswith("Message here")


def test_computed_header_needs_import() -> None:
    with pytest.raises(UnreadableHeader):
        read_header("revision = 'a' + 'b'\n")


def test_sourceless_and_recursive_version_locations(project: Path) -> None:
    versions = project / "migrations" / "versions"
    (versions / "sub").mkdir()
    (versions / "sub" / "r2.py").write_text("revision = 'r2'\ndown_revision = 'r1'\n")
    source = project / "r1.py"
    source.write_text("revision = 'r1'\ndown_revision = None\n")
    py_compile.compile(str(source), cfile=str(versions / "r1.pyc"))
    ini = project / "alembic.ini"
    set_options(ini, sourceless="true", recursive_version_locations="true")
    script = ScriptDirectory.from_config(Config(str(ini)))
    assert script.get_heads() == ["r2"] and script.get_bases() == ["r1"]


def test_password_masking() -> None:
    text = "connect to postgresql+psycopg2://gsa:0502@localhost:8080/db and mysql://u:p%40ss@h/d"
    masked = mask_password(text)
    assert "0502" not in masked and "p%40ss" not in masked
    assert "postgresql+psycopg2://gsa:***@localhost:8080/db" in masked
    assert mask_password("sqlite:///local.db") == "sqlite:///local.db"
    assert mask_password("postgresql://user@host/db") == "postgresql://user@host/db"
