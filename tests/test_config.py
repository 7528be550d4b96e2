"""still.config.Config: reading alembic.ini and [tool.alembic], splitting paths, the URL override
(-x sqlalchemy.url, SQLALCHEMY_URL) and password masking."""

from __future__ import annotations

import io
import os
import re
import textwrap
from pathlib import Path

import pytest

from still.config import Config, cmd_options, mask_password
from still.config.arguments import parse_x_arguments
from still.config.urls import url_override
from still.errors import CommandError, ConfigError


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    monkeypatch.delenv("ALEMBIC_CONFIG", raising=False)


def write_ini(directory: Path, body: str, name: str = "alembic.ini") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


@pytest.fixture
def ini(tmp_path: Path) -> Path:
    return write_ini(
        tmp_path,
        """\
        [alembic]
        script_location = %(here)s/migrations
        sqlalchemy.url = sqlite:///%(here)s/ini.db
        truncate_slug_length = 20
        percent = 100%%

        [test_db]
        script_location = migrations
        sqlalchemy.url = sqlite:///test.db

        [post_write_hooks]
        hooks = ruff
        ruff.type = exec
        """,
    )


# -- reading options ------------------------------------------------------------------------------


def test_get_main_option(ini: Path) -> None:
    config = Config(ini)
    assert config.get_main_option("truncate_slug_length") == "20"
    assert config.get_main_option("percent") == "100%"
    assert config.get_main_option("missing") is None
    assert config.get_main_option("missing", "fallback") == "fallback"
    assert config.config_file_name == str(ini)
    assert config.config_ini_section == "alembic"


def test_here_is_the_directory_of_the_ini(ini: Path) -> None:
    config = Config(ini)
    here = ini.parent.as_posix()
    assert config.get_main_option("script_location") == f"{here}/migrations"
    assert config.get_main_option("sqlalchemy.url") == f"sqlite:///{here}/ini.db"


def test_here_is_absolute_for_a_relative_ini_path(
    ini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ini.parent)
    config = Config("alembic.ini")
    assert config.get_main_option("script_location") == f"{ini.parent.as_posix()}/migrations"


def test_get_section(ini: Path) -> None:
    config = Config(ini)
    hooks = config.get_section("post_write_hooks")
    assert hooks is not None
    assert hooks["hooks"] == "ruff" and hooks["ruff.type"] == "exec"
    assert config.get_section("nowhere") is None
    assert config.get_section("nowhere", {"a": "b"}) == {"a": "b"}
    main = config.get_section(config.config_ini_section)
    assert main is not None and main["truncate_slug_length"] == "20"


def test_set_main_option_and_section_option(ini: Path) -> None:
    config = Config(ini)
    config.set_main_option("truncate_slug_length", "10")
    config.set_main_option("new_option", "50%%")
    assert config.get_main_option("truncate_slug_length") == "10"
    assert config.get_main_option("new_option") == "50%"
    config.set_section_option("brand_new", "key", "value")
    assert config.get_section_option("brand_new", "key") == "value"
    assert config.get_section_option("brand_new", "other", "dflt") == "dflt"
    config.remove_main_option("new_option")
    assert config.get_main_option("new_option") is None


def test_get_section_option_of_a_missing_section(ini: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        Config(ini).get_section_option("nowhere", "key")
    assert "No section [nowhere]" in str(caught.value)
    assert str(ini) in str(caught.value)


def test_config_ini_section_chosen_by_name(ini: Path) -> None:
    config = Config(ini, ini_section="test_db")
    assert config.config_ini_section == "test_db"
    assert config.get_main_option("sqlalchemy.url") == "sqlite:///test.db"
    assert config.get_main_option("truncate_slug_length") is None


def test_unknown_name_lists_the_sections(ini: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        Config(ini, ini_section="prod").get_main_option("sqlalchemy.url")
    message = str(caught.value)
    assert "no section [prod]" in message and "-n/--name" in message
    assert "alembic, test_db, post_write_hooks" in message


def test_name_through_the_command_line(ini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from still.cli.main import cli

    monkeypatch.chdir(ini.parent)
    (ini.parent / "migrations" / "versions").mkdir(parents=True)
    for flag in ("-n", "--name"):
        result = CliRunner().invoke(cli, [flag, "prod", "heads"])
        assert result.exit_code == 3
        assert "no section [prod]" in result.output
    result = CliRunner().invoke(cli, ["-n", "test_db", "heads"])
    assert result.exit_code == 0, result.output


def test_missing_ini_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nothere.ini"
    with pytest.raises(ConfigError) as caught:
        Config(missing).get_main_option("script_location")
    message = str(caught.value)
    assert "nothere.ini" in message
    assert "still init" in message
    assert isinstance(caught.value, CommandError)


def test_broken_ini_syntax(tmp_path: Path) -> None:
    broken = write_ini(tmp_path, "[alembic\nscript_location = x\n")
    with pytest.raises(ConfigError) as caught:
        Config(broken).get_main_option("script_location")
    message = str(caught.value)
    assert str(broken) in message
    assert "cannot be read as an ini file" in message
    assert "line: 1" in message


def test_options_without_a_section(tmp_path: Path) -> None:
    broken = write_ini(tmp_path, "script_location = x\n")
    with pytest.raises(ConfigError, match="no section headers"):
        Config(broken).get_main_option("script_location")


def test_duplicate_option(tmp_path: Path) -> None:
    broken = write_ini(tmp_path, "[alembic]\na = 1\na = 2\n")
    with pytest.raises(ConfigError) as caught:
        Config(broken).get_main_option("a")
    assert "option 'a' in section 'alembic' already exists" in str(caught.value)
    assert re.search(r"line\s+3", str(caught.value))


def test_no_ini_at_all() -> None:
    config = Config()
    assert config.get_main_option("script_location") is None
    assert config.get_section("alembic") == {"here": Path.cwd().as_posix()}


def test_config_args_feed_interpolation(tmp_path: Path) -> None:
    path = write_ini(tmp_path, "[alembic]\nurl = sqlite:///%(dbname)s.db\n")
    assert Config(path, config_args={"dbname": "app"}).get_main_option("url") == "sqlite:///app.db"


def test_print_stdout_masks_and_respects_quiet() -> None:
    out = io.StringIO()
    Config(stdout=out).print_stdout("connecting to %s", "postgresql://u:secret@h/db")
    assert out.getvalue() == "connecting to postgresql://u:***@h/db\n"
    quiet = io.StringIO()
    Config(stdout=quiet, cmd_opts=cmd_options(quiet=True)).print_stdout("hello")
    assert quiet.getvalue() == ""


def test_x_arguments() -> None:
    config = Config(cmd_opts=cmd_options(x=["a=1", "flag", "b = two=2"]))
    assert config.x_arguments == {"a": "1", "flag": "", "b": " two=2"}
    assert parse_x_arguments([]) == {}
    with pytest.raises(ConfigError, match="has no key"):
        parse_x_arguments(["=value"])


# -- path lists -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("separator", "raw", "expected"),
    [
        ("os", f"a{os.pathsep}b c", ["a", "b c"]),
        ("space", "a b:c  d", ["a", "b:c", "d"]),
        ("newline", "\n    a b\n    c:d", ["a b", "c:d"]),
        (":", "a:b c;d", ["a", "b c;d"]),
        (";", "a;b c:d", ["a", "b c:d"]),
    ],
)
def test_path_separator(tmp_path: Path, separator: str, raw: str, expected: list[str]) -> None:
    body = f"[alembic]\npath_separator = {separator}\nversion_locations = {raw}\n"
    body += f"prepend_sys_path = {raw}\n"
    config = Config(write_ini(tmp_path, body))
    assert config.get_version_locations_list() == expected
    assert config.get_prepend_sys_paths_list() == expected


def test_legacy_splitting_without_path_separator(tmp_path: Path) -> None:
    body = "[alembic]\nversion_locations = a b,c, d:e\nprepend_sys_path = . src,lib:vendor\n"
    config = Config(write_ini(tmp_path, body))
    # As Alembic: version locations split on spaces and commas, sys.path also on colons.
    assert config.get_version_locations_list() == ["a", "b", "c", "d:e"]
    assert config.get_prepend_sys_paths_list() == [".", "src", "lib", "vendor"]


def test_version_path_separator_is_still_read(tmp_path: Path) -> None:
    body = "[alembic]\nversion_path_separator = ;\nversion_locations = a;b c\n"
    assert Config(write_ini(tmp_path, body)).get_version_locations_list() == ["a", "b c"]


def test_unknown_path_separator(tmp_path: Path) -> None:
    body = "[alembic]\npath_separator = comma\nversion_locations = a,b\n"
    with pytest.raises(ConfigError) as caught:
        Config(write_ini(tmp_path, body)).get_version_locations_list()
    assert "'comma'" in str(caught.value)
    assert "os, space, newline" in str(caught.value)


def test_no_path_lists(ini: Path) -> None:
    config = Config(ini)
    assert config.get_version_locations_list() is None
    assert config.get_prepend_sys_paths_list() is None


def test_path_lists_use_here(tmp_path: Path) -> None:
    body = "[alembic]\npath_separator = space\nversion_locations = %(here)s/a %(here)s/b\n"
    config = Config(write_ini(tmp_path, body))
    here = tmp_path.as_posix()
    assert config.get_version_locations_list() == [f"{here}/a", f"{here}/b"]


# -- pyproject.toml -------------------------------------------------------------------------------


PYPROJECT = """\
[project]
name = "app"

[tool.alembic]
script_location = "%(here)s/migrations"
version_locations = ["%(here)s/v1", "v2"]
prepend_sys_path = ["."]
file_template = "%%(rev)s_%%(slug)s"
timezone = "UTC"
sourceless = true
truncate_slug_length = 12
"""


def test_tool_alembic_in_pyproject(tmp_path: Path) -> None:
    toml = tmp_path / "pyproject.toml"
    toml.write_text(PYPROJECT, encoding="utf-8")
    config = Config(toml_file=toml)
    here = tmp_path.as_posix()
    assert config.get_alembic_option("script_location") == f"{here}/migrations"
    assert config.get_version_locations_list() == [f"{here}/v1", "v2"]
    assert config.get_prepend_sys_paths_list() == ["."]
    assert config.get_alembic_option("file_template") == "%(rev)s_%(slug)s"
    assert config.get_alembic_option("timezone") == "UTC"
    assert config.get_alembic_option("truncate_slug_length") == 12
    assert config.get_alembic_boolean_option("sourceless") is True
    assert config.get_alembic_boolean_option("recursive_version_locations") is False
    assert config.get_alembic_option("missing", "dflt") == "dflt"


def test_ini_main_section_wins_over_pyproject(tmp_path: Path) -> None:
    toml = tmp_path / "pyproject.toml"
    toml.write_text(PYPROJECT, encoding="utf-8")
    ini = write_ini(tmp_path, "[alembic]\ntimezone = Europe/Berlin\nsqlalchemy.url = sqlite://\n")
    config = Config(ini, toml_file=toml)
    assert config.get_alembic_option("timezone") == "Europe/Berlin"
    assert config.get_alembic_option("file_template") == "%(rev)s_%(slug)s"
    assert config.get_main_option("sqlalchemy.url") == "sqlite://"


def test_missing_pyproject_is_empty(tmp_path: Path) -> None:
    config = Config(toml_file=tmp_path / "pyproject.toml")
    assert config.toml_alembic_config == {}
    assert config.get_alembic_option("script_location") is None


def test_pyproject_without_tool_alembic(tmp_path: Path) -> None:
    toml = tmp_path / "pyproject.toml"
    toml.write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert Config(toml_file=toml).toml_alembic_config == {}


def test_broken_pyproject(tmp_path: Path) -> None:
    toml = tmp_path / "pyproject.toml"
    toml.write_text("[tool.alembic\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        Config(toml_file=toml).get_alembic_option("script_location")
    assert "pyproject.toml is not valid TOML" in str(caught.value)
    assert "line 1" in str(caught.value)


def test_pyproject_bad_interpolation(tmp_path: Path) -> None:
    toml = tmp_path / "pyproject.toml"
    toml.write_text('[tool.alembic]\nscript_location = "%(nope)s/x"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        Config(toml_file=toml).get_alembic_option("script_location")
    assert "script_location" in str(caught.value)
    assert "%%" in str(caught.value)


# -- the database URL -----------------------------------------------------------------------------


def test_url_from_the_ini(ini: Path) -> None:
    config = Config(ini, cmd_opts=cmd_options())
    assert config.get_main_option("sqlalchemy.url") == f"sqlite:///{ini.parent.as_posix()}/ini.db"


def test_environment_variable_beats_the_ini(ini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SQLALCHEMY_URL", "sqlite:///from_env.db")
    config = Config(ini, cmd_opts=cmd_options())
    assert config.get_main_option("sqlalchemy.url") == "sqlite:///from_env.db"
    section = config.get_section(config.config_ini_section)
    assert section is not None and section["sqlalchemy.url"] == "sqlite:///from_env.db"


def test_empty_environment_variable_is_ignored(ini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SQLALCHEMY_URL", "")
    config = Config(ini)
    assert config.get_main_option("sqlalchemy.url") == f"sqlite:///{ini.parent.as_posix()}/ini.db"


def test_x_argument_beats_environment_and_ini(ini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SQLALCHEMY_URL", "sqlite:///from_env.db")
    config = Config(ini, cmd_opts=cmd_options(x=["sqlalchemy.url=sqlite:///from_x.db"]))
    assert config.get_main_option("sqlalchemy.url") == "sqlite:///from_x.db"
    # env.py's engine_from_config(config.get_section(config.config_ini_section), ...) sees it too.
    section = config.get_section(config.config_ini_section, {})
    assert section["sqlalchemy.url"] == "sqlite:///from_x.db"


def test_override_applies_to_the_named_section(ini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SQLALCHEMY_URL", "sqlite:///from_env.db")
    config = Config(ini, ini_section="test_db")
    assert config.get_main_option("sqlalchemy.url") == "sqlite:///from_env.db"


def test_override_when_the_ini_has_no_url(tmp_path: Path) -> None:
    path = write_ini(tmp_path, "[alembic]\nscript_location = m\n")
    config = Config(path, cmd_opts=cmd_options(x=["sqlalchemy.url=sqlite:///x.db"]))
    assert config.get_main_option("sqlalchemy.url") == "sqlite:///x.db"


def test_override_keeps_percent_signs(ini: Path) -> None:
    url = "postgresql://user:p%40ss%3Aw%2Frd@host/db"
    config = Config(ini, cmd_opts=cmd_options(x=[f"sqlalchemy.url={url}"]))
    assert config.get_main_option("sqlalchemy.url") == url
    assert config.get_section("alembic", {})["sqlalchemy.url"] == url
    assert config.masked_url() == "postgresql://user:***@host/db"


def test_url_override_function() -> None:
    assert url_override({}, {}) is None
    assert url_override({}, {"SQLALCHEMY_URL": "sqlite://"}) == "sqlite://"
    assert url_override({"sqlalchemy.url": "a://"}, {"SQLALCHEMY_URL": "b://"}) == "a://"


def test_masked_url(ini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SQLALCHEMY_URL", "postgresql+psycopg2://app:hunter2@db:5432/pets")
    assert Config(ini).masked_url() == "postgresql+psycopg2://app:***@db:5432/pets"
    assert Config().masked_url() == "postgresql+psycopg2://app:***@db:5432/pets"
    monkeypatch.delenv("SQLALCHEMY_URL")
    assert Config().masked_url() is None


# -- masking --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgresql://user:secret@host/db", "postgresql://user:***@host/db"),
        (
            "postgresql+psycopg2://u:pw@localhost:5432/test_db",
            "postgresql+psycopg2://u:***@localhost:5432/test_db",
        ),
        ("mysql+pymysql://root:r00t!@127.0.0.1/x", "mysql+pymysql://root:***@127.0.0.1/x"),
        # Special characters, percent-encoded as a URL needs them: all masked.
        ("postgresql://u:p%40ss%3Aw%2Frd@h/d", "postgresql://u:***@h/d"),
        # Unencoded ':' and '/' in the password (SQLAlchemy reads them as part of it).
        ("postgresql://u:p:ss@h/d", "postgresql://u:***@h/d"),
        ("postgresql://u:pa/ss@h/d", "postgresql://u:***@h/d"),
        ("postgresql://u:p#s?s@h/d", "postgresql://u:***@h/d"),
        ("postgresql://u:@h/d", "postgresql://u:***@h/d"),
        ("postgresql://:pw@h/d", "postgresql://:***@h/d"),
        # Several URLs in one text, in quotes, in messages.
        (
            "from postgresql://a:one@h1/x to mysql://b:two@h2/y.",
            "from postgresql://a:***@h1/x to mysql://b:***@h2/y.",
        ),
        ("url='oracle+oracledb://scott:tiger@o/xe'", "url='oracle+oracledb://scott:***@o/xe'"),
        (
            "Could not connect to postgresql://u:pw@h/d: refused\nretry postgresql://u:pw@h/d",
            "Could not connect to postgresql://u:***@h/d: refused\nretry postgresql://u:***@h/d",
        ),
    ],
)
def test_mask_password(text: str, expected: str) -> None:
    assert mask_password(text) == expected
    assert mask_password(expected) == expected  # masking twice changes nothing


@pytest.mark.parametrize(
    "text",
    [
        "postgresql://host/db",
        "postgresql://user@host/db",
        "sqlite:///relative.db",
        "sqlite:////abs/path/app.db",
        "sqlite://",
        "mail admin@example.com or see http://example.com/a:b",
        "driver://user@localhost/dbname?opt=a:b",
        "no url here: just text @ and : signs",
        "",
    ],
)
def test_mask_password_leaves_passwordless_text_alone(text: str) -> None:
    assert mask_password(text) == text


def test_mask_password_with_an_unencoded_at_sign() -> None:
    # Users paste passwords unencoded; the part after the first '@' must not be printed either.
    masked = mask_password("mysql+pymysql://u:p@ss:w/rd@h:3306/d")
    assert "ss:w/rd" not in masked
    assert masked.endswith("@h:3306/d")
