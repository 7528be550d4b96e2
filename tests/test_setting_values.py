"""Settings are validated (issue 16, item 5): a value a key does not accept is refused with a
message naming the key, the value, where it was set and what is accepted.

Before: ``migration_lock_timeout = nan`` waited forever on PostgreSQL and MariaDB, ``abc`` gave
"Unexpected error: ValueError", ``-10`` printed "held for more than -10 s"; booleans were read
four ways (``ledger = maybe`` was silently false, ``configure(migration_lock="false")`` true).
"""

from __future__ import annotations

import math
import re
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from still.config.values import (
    FALSE_WORDS,
    TRUE_WORDS,
    InvalidSetting,
    parse_boolean,
    parse_number,
)
from tests.conftest import Project, Run
from tests.test_concurrency import _lock_held_elsewhere

BOOLEAN_TEXT = "true or false (also yes/no, on/off, y/n, t/f, 1/0, in any case)"
TIMEOUT_TEXT = "a number of seconds, from 0 to 2147483 (e.g. migration_lock_timeout = 300)"


def set_setting(ini: Path, key: str, value: str) -> None:
    """``key = value`` in [alembic], replacing a line the ini already has for ``key``."""
    text = re.sub(rf"^{re.escape(key)}\s*=.*\n", "", ini.read_text(), flags=re.M)
    ini.write_text(text.replace("[alembic]\n", f"[alembic]\n{key} = {value}\n", 1))


def refusal(key: str, value: object, where: str, accepted: str) -> str:
    return f"{key} = {value!r} {where} is not a value it accepts: {accepted}."


def assert_refused(result: Run, message: str) -> None:
    """Exit 1, the message as the last line of stderr (after the data-loss list, if any)."""
    assert result.exit_code == 3, str(result)
    assert result.stderr.endswith(f"\nFAILED: {message}\n") or result.stderr == (
        f"FAILED: {message}\n"
    ), str(result)
    assert "Traceback" not in result.output and "Unexpected error" not in result.output


# -- the two parsers ------------------------------------------------------------------------------


@pytest.mark.parametrize("word", [*TRUE_WORDS, "TRUE", " Yes ", "On", True, 1])
def test_parse_boolean_true(word: object) -> None:
    assert parse_boolean(word, "k") is True


@pytest.mark.parametrize("word", [*FALSE_WORDS, "FALSE", " no\n", "Off", False, 0])
def test_parse_boolean_false(word: object) -> None:
    assert parse_boolean(word, "k") is False


@pytest.mark.parametrize("value", ["maybe", "", "2", "truee", 2, -1, 0.5, None, [], "enabled"])
def test_parse_boolean_refuses_with_the_key_value_place_and_words(value: object) -> None:
    with pytest.raises(InvalidSetting) as caught:
        parse_boolean(value, "ledger", "in [alembic] of x.ini")
    assert str(caught.value) == refusal(
        "ledger", value, "in [alembic] of x.ini", f"write {BOOLEAN_TEXT}"
    )
    assert isinstance(caught.value, ValueError)  # as SQLAlchemy's asbool


def test_the_words_are_sqlalchemys_and_alembic_names_asbool_is_the_same_parser() -> None:
    """``alembic.util.asbool`` (SQLAlchemy's) and still's stand-in agree on every word."""
    from sqlalchemy.util import asbool as reference

    from still.alembic_names.util import asbool

    words = [*TRUE_WORDS, *FALSE_WORDS, "TRUE", " off ", "maybe", "", "2", None, 0, 1, 2, []]
    for word in words:
        try:
            expected: object = reference(word)
        except ValueError:
            expected = ValueError
        try:
            got: object = asbool(word)
        except ValueError:
            got = ValueError
        assert got == expected, word


@pytest.mark.parametrize(
    ("value", "expected"),
    [("300", 300), (" 0.5 ", 0.5), (0, 0), (2.5, 2.5), ("1e3", 1000), ("2147483", 2147483)],
)
def test_parse_number_accepts(value: object, expected: float) -> None:
    assert parse_number(value, "k", maximum=2147483) == expected


@pytest.mark.parametrize(
    "value",
    ["nan", "NaN", "inf", "-inf", "Infinity", "-10", -0.5, "abc", "", "1e400", 2147484, True,
     None, [], math.nan, math.inf, "0x10", "3 s"],
)  # fmt: skip
def test_parse_number_refuses_with_the_key_value_place_and_range(value: object) -> None:
    with pytest.raises(InvalidSetting) as caught:
        parse_number(
            value,
            "migration_lock_timeout",
            "in context.configure()",
            maximum=2147483,
            unit="seconds",
            example="300",
        )
    assert str(caught.value) == refusal(
        "migration_lock_timeout", value, "in context.configure()", TIMEOUT_TEXT
    )


@pytest.mark.parametrize(("value", "expected"), [("40", 40), (40, 40), (40.0, 40), ("1", 1)])
def test_parse_whole_number(value: object, expected: int) -> None:
    assert parse_number(value, "k", minimum=1, whole=True) == expected


@pytest.mark.parametrize("value", ["0", "2.5", 2.5, "1e3", "-3", "nan", "forty"])
def test_parse_whole_number_refuses(value: object) -> None:
    with pytest.raises(InvalidSetting, match=r"a whole number, from 1 up \(e\.g\. k = 40\)"):
        parse_number(value, "k", minimum=1, whole=True, example="40")


# -- every key, from the ini, pyproject.toml and context.configure() -----------------------------

# key -> a command that reads it (on a project with one pending revision that drops a table).
BOOLEAN_KEYS = {
    "migration_lock": ["upgrade", "head"],
    "ledger": ["upgrade", "head"],
    "postgresql_pipeline": ["upgrade", "head"],
    "confirm_data_loss": ["upgrade", "head"],
    "sourceless": ["heads"],
    "recursive_version_locations": ["heads"],
    "revision_environment": ["revision", "-m", "x"],
}
# key -> (command, refused values, accepted text)
NUMBER_KEYS = {
    "migration_lock_timeout": (["upgrade", "head"], ["nan", "inf", "-10", "abc", "1e400"],
                               TIMEOUT_TEXT),
    "truncate_slug_length": (["revision", "-m", "x"], ["0", "-3", "abc", "2.5", "nan"],
                             "a whole number, from 1 up (e.g. truncate_slug_length = 40)"),
    "expected_heads": (["heads", "--check"], ["0", "abc", "1.5", "nan"],
                       "a whole number, from 1 up (e.g. expected_heads = 1)"),
}  # fmt: skip


@pytest.fixture
def dropping(project: Project) -> Project:
    """A project whose pending revision drops a table (so confirm_data_loss is read)."""
    project.write_revision("r1", None, "op.create_table('t', sa.Column('id', sa.Integer))")
    project.ok("upgrade", "head")
    project.write_revision("r2", "r1", "op.drop_table('t')")
    return project


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("key", sorted(BOOLEAN_KEYS))
@pytest.mark.parametrize("value", ["maybe", "2", ""])
def test_a_boolean_key_in_the_ini_is_validated(dropping: Project, key: str, value: str) -> None:
    set_setting(dropping.ini, key, value)
    result = dropping.run(*BOOLEAN_KEYS[key])
    expected = refusal(key, value, "in [alembic] of alembic.ini", f"write {BOOLEAN_TEXT}")
    assert_refused(result, expected)
    assert dropping.versions() == {"r1"}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("key", sorted(BOOLEAN_KEYS))
@pytest.mark.parametrize(("toml", "value"), [('"maybe"', "maybe"), ("2", 2), ("1.5", 1.5)])
def test_a_boolean_key_in_pyproject_is_validated(
    dropping: Project, key: str, toml: str, value: object
) -> None:
    text = re.sub(rf"^{key}\s*=.*\n", "", dropping.ini.read_text(), flags=re.M)
    dropping.ini.write_text(text)
    (dropping.root / "pyproject.toml").write_text(f"[tool.alembic]\n{key} = {toml}\n")
    result = dropping.run(*BOOLEAN_KEYS[key])
    expected = refusal(key, value, "in [tool.alembic] of pyproject.toml", f"write {BOOLEAN_TEXT}")
    assert_refused(result, expected)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("key", sorted(NUMBER_KEYS))
def test_a_numeric_key_in_the_ini_is_validated(dropping: Project, key: str) -> None:
    command, values, accepted = NUMBER_KEYS[key]
    for value in values:
        set_setting(dropping.ini, key, value)
        result = dropping.run(*command)
        expected = refusal(key, value, "in [alembic] of alembic.ini", accepted)
        assert_refused(result, expected)
        assert "Unexpected error" not in result.output
    assert dropping.versions() == {"r1"}
    assert len(list(dropping.versions_dir.glob("*.py"))) == 2  # no revision written


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("key", sorted(NUMBER_KEYS))
def test_a_numeric_key_in_pyproject_is_validated(dropping: Project, key: str) -> None:
    command, _, accepted = NUMBER_KEYS[key]
    text = re.sub(rf"^{key}\s*=.*\n", "", dropping.ini.read_text(), flags=re.M)
    dropping.ini.write_text(text)
    for toml, value in (("-1", -1), ('"abc"', "abc"), ("nan", math.nan), ("true", True)):
        (dropping.root / "pyproject.toml").write_text(f"[tool.alembic]\n{key} = {toml}\n")
        result = dropping.run(*command)
        expected = refusal(key, value, "in [tool.alembic] of pyproject.toml", accepted)
        assert_refused(result, expected)


@pytest.mark.parametrize(
    ("key", "python", "value", "accepted"),
    [
        ("migration_lock", '"maybe"', "maybe", f"write {BOOLEAN_TEXT}"),
        ("ledger", "2", 2, f"write {BOOLEAN_TEXT}"),
        ("postgresql_pipeline", '"nope"', "nope", f"write {BOOLEAN_TEXT}"),
        ("migration_lock_timeout", 'float("nan")', math.nan, TIMEOUT_TEXT),
        ("migration_lock_timeout", "-10", -10, TIMEOUT_TEXT),
        ("migration_lock_timeout", '"abc"', "abc", TIMEOUT_TEXT),
    ],
)
def test_a_key_given_to_context_configure_is_validated(
    dropping: Project, key: str, python: str, value: object, accepted: str
) -> None:
    dropping.configure_with(f"{key}={python}")
    result = dropping.run("upgrade", "head", "--yes")
    assert_refused(result, refusal(key, value, "in context.configure()", accepted))
    assert dropping.versions() == {"r1"}
    assert "t" in dropping.tables()


def test_accepted_spellings_work(dropping: Project) -> None:
    set_setting(dropping.ini, "migration_lock", " On ")
    set_setting(dropping.ini, "migration_lock_timeout", " 2.5 ")
    set_setting(dropping.ini, "postgresql_pipeline", "NO")
    set_setting(dropping.ini, "ledger", "y")
    set_setting(dropping.ini, "confirm_data_loss", "F")
    dropping.ok("upgrade", "head")
    assert dropping.versions() == {"r2"}
    assert "still_ledger" in sa.inspect(dropping.engine()).get_table_names()


def test_confirm_data_loss_yes_means_true(dropping: Project) -> None:
    """Before, only true/1/yes/on counted; 'y' and 't' (SQLAlchemy's words) were false."""
    set_setting(dropping.ini, "confirm_data_loss", "t")
    result = dropping.run("upgrade", "head")
    assert result.exit_code == 7
    assert "confirm_data_loss = true" in result.stderr
    assert dropping.versions() == {"r1"}


def test_a_string_false_given_to_configure_switches_the_lock_off(dropping: Project) -> None:
    """``configure(migration_lock="false")`` was truthy: the lock stayed on."""
    from still.runtime.migration import MigrationContext

    with dropping.engine().connect() as connection:
        for text, expected in (("false", False), ("off", False), ("yes", True)):
            context = MigrationContext.configure(connection, opts={"migration_lock": text})
            assert context._option("migration_lock", True) is expected


@pytest.mark.parametrize("value", ["nan", "-10", "abc", "inf"])
def test_a_bad_lock_timeout_is_refused_at_once_while_the_lock_is_held(
    dropping: Project, value: str
) -> None:
    """The case of the issue, on every database: ``nan`` waited forever (PostgreSQL, MariaDB)."""
    set_setting(dropping.ini, "migration_lock_timeout", value)
    with _lock_held_elsewhere(dropping):
        started = time.monotonic()
        result = dropping.run_subprocess("upgrade", "head", "--yes")
        elapsed = time.monotonic() - started
    assert elapsed < 30
    where = "in [alembic] of alembic.ini"
    assert_refused(result, refusal("migration_lock_timeout", value, where, TIMEOUT_TEXT))
    assert "held for more than" not in result.stderr
    assert dropping.versions() == {"r1"}
    assert "t" in dropping.tables()


def test_a_pytest_still_heads_value_is_validated(tmp_path: Path) -> None:
    from still.pytest_plugin import settings_of

    class FakeConfig:
        rootpath = tmp_path

        def getoption(self, name: str) -> object:
            return None

        def getini(self, name: str) -> object:
            return {"still_heads": "two"}.get(name, "")

    with pytest.raises(InvalidSetting) as caught:
        settings_of(FakeConfig())  # type: ignore[arg-type]
    assert str(caught.value) == refusal(
        "still_heads",
        "two",
        "in the pytest configuration",
        "a whole number, from 1 up (e.g. still_heads = 1)",
    )
