"""Revision ids an identifier could read as something else are refused (issue 16, item 6).

``still revision --rev-id -1`` used to succeed; ``still downgrade -1`` then named that revision
instead of one step down (it silently did nothing), and real Alembic refused to load the
project.  The grammar is Alembic's: '+', '-', ':' and '@' mean a step, a range or a label
reference, so no id holds them; still also keeps ids to letters, digits and '_'.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from still.errors import CommandError
from still.script.writer import check_revision_id
from tests.conftest import Project
from tests.databases import required

# (id, the character that makes it ambiguous, what it reads as)
SYNTAX = [
    ("-1", "-", "a relative step (-N)"),
    ("ab-1", "-", "a relative step (-N)"),
    ("a-b", "-", "a relative step (-N)"),
    ("+1", "+", "a relative step (+N)"),
    ("a+1", "+", "a relative step (+N)"),
    ("a:b", ":", "a range (A:B)"),
    ("a@b", "@", "a branch label reference (LABEL@REV)"),
    ("head-1", "-", "a relative step (-N)"),
]


@pytest.mark.parametrize(("rev_id", "char", "reading"), SYNTAX)
def test_real_alembic_refuses_these_ids_too(rev_id: str, char: str, reading: str) -> None:
    revision_module = required("alembic.script.revision")
    with pytest.raises(revision_module.RevisionError, match=re.escape(f"'{char}' not allowed")):
        revision_module.Revision(rev_id, None)


@pytest.mark.parametrize("rev_id", ["abc", "1", "a_b", "ABC123", "x" * 40])
def test_real_alembic_and_still_accept_plain_ids(rev_id: str) -> None:
    revision_module = required("alembic.script.revision")
    revision_module.Revision(rev_id, None)
    check_revision_id(rev_id)


@pytest.mark.parametrize(("rev_id", "char", "reading"), SYNTAX)
def test_check_revision_id_names_the_character_and_its_meaning(
    rev_id: str, char: str, reading: str
) -> None:
    with pytest.raises(CommandError) as caught:
        check_revision_id(rev_id)
    assert str(caught.value) == (
        f"--rev-id {rev_id!r} cannot be a revision id: {char!r} reads as {reading} in commands "
        "such as `still downgrade ID` (and Alembic refuses to load such a project). Use "
        "letters, digits and '_' only; nothing was written."
    )


@pytest.mark.parametrize(("rev_id", "char", "reading"), SYNTAX)
def test_still_revision_refuses_and_writes_nothing(
    project: Project, rev_id: str, char: str, reading: str
) -> None:
    result = project.run("revision", "-m", "x", "--rev-id", rev_id)
    assert result.exit_code == 1, str(result)
    assert f"{char!r} reads as {reading}" in result.stderr
    assert list(project.versions_dir.glob("*.py")) == []


def test_downgrade_minus_one_steps_down_on_every_database(project: Project) -> None:
    """The case of the issue, on each database: ids still writes are never read as steps."""
    project.ok("revision", "-m", "one", "--rev-id", "r1")
    assert project.run("revision", "-m", "two", "--rev-id", "-1").exit_code == 1
    project.ok("revision", "-m", "two", "--rev-id", "r2")
    project.ok("upgrade", "head")
    assert project.versions() == {"r2"}
    project.ok("downgrade", "-1")
    assert project.versions() == {"r1"}


@pytest.mark.parametrize(("rev_id", "char", "reading"), SYNTAX)
def test_a_hand_written_file_with_such_an_id_is_named(
    project: Project, rev_id: str, char: str, reading: str
) -> None:
    project.write_revision("r1", None)
    path = project.versions_dir / "bad.py"
    path.write_text(f"revision = {rev_id!r}\ndown_revision = 'r1'\n\ndef upgrade():\n    pass\n")
    for command in (["heads"], ["history"], ["upgrade", "head"], ["downgrade", "-1"]):
        result = project.run(*command)
        assert result.exit_code == 4, (command, str(result))
        assert f"{path}: revision = {rev_id!r} cannot be a revision id: {char!r} reads as " in (
            result.stderr
        )
        assert "Traceback" not in result.output
    assert project.versions() is None  # nothing ran


def test_a_computed_header_with_such_an_id_is_named(project: Project) -> None:
    """A header that is not a literal is imported: the check applies there too."""
    path = project.versions_dir / "computed.py"
    path.write_text("revision = 'ab' + '-1'\ndown_revision = None\n")
    result = project.run("heads")
    assert result.exit_code == 4
    assert f"{path}: revision = 'ab-1' cannot be a revision id" in result.stderr


def test_the_header_cache_does_not_hide_such_an_id(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STILL_NO_CACHE", raising=False)
    project.write_revision("r1", None)
    project.ok("heads")  # the cache now holds r1's header
    path: Path = next(project.versions_dir.glob("r1_*.py"))
    text = path.read_text().replace("revision = 'r1'", "revision = 'r-1'")
    path.write_text(text)
    result = project.run("heads")
    assert result.exit_code == 4 and "'r-1' cannot be a revision id" in result.stderr
