"""The digest cache: an application at head learns it, and `still history` prints, without
reading headers or building the graph; any change to the revision files is seen at once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from still.cli.main import cli
from still.config import Config
from still.script import ScriptDirectory
from tests.databases import KINDS, fresh_database
from tests.projects import CliProject
from tests.test_header_cache import heads


@pytest.fixture
def graph_builds(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """One entry for each revision graph built from the files."""
    built: list[bool] = []
    original = ScriptDirectory._graph_of

    def counting(self: ScriptDirectory):  # type: ignore[no-untyped-def]
        built.append(True)
        return original(self)

    monkeypatch.setattr(ScriptDirectory, "_graph_of", counting)
    return built


def _directory(root: Path) -> ScriptDirectory:
    return ScriptDirectory.from_config(Config(str(root / "alembic.ini")))


def _touch(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))


def test_heads_come_from_the_cache_until_a_file_changes(two_revisions: Path) -> None:
    assert _directory(two_revisions).graph.heads == ("b",)  # builds the graph, writes the cache
    quick = _directory(two_revisions)
    assert quick.known_heads() == ("b",)
    assert "graph" not in quick.__dict__  # no header read, no graph

    versions = two_revisions / "migrations" / "versions"
    (versions / "c.py").write_text("revision = 'c'\ndown_revision = 'b'\n")  # a new revision
    seen = _directory(two_revisions)
    assert seen.known_heads() == ("c",) and "graph" in seen.__dict__

    (versions / "c.py").write_text("revision = 'd'\ndown_revision = 'a'\n")  # an edit
    _touch(versions / "c.py")
    assert set(_directory(two_revisions).known_heads()) == {"b", "d"}

    (versions / "c.py").unlink()  # a removal
    assert _directory(two_revisions).known_heads() == ("b",)


def test_headers_known_only_by_import_are_never_cached(two_revisions: Path) -> None:
    versions = two_revisions / "migrations" / "versions"
    (versions / "b.py").write_text("revision = 'b'\ndown_revision = 'a' if True else None\n")
    assert _directory(two_revisions).graph.heads == ("b",)
    again = _directory(two_revisions)
    assert again.known_heads() == ("b",) and "graph" in again.__dict__


def test_a_broken_cache_is_ignored(two_revisions: Path) -> None:
    _directory(two_revisions).graph  # noqa: B018 - writes the cache
    cache = two_revisions / "migrations" / "__pycache__" / "still-graph" / "heads"
    assert cache.read_text().endswith("\nb")
    cache.write_bytes(b"\xff\xfe broken")
    directory = _directory(two_revisions)
    assert directory.known_heads() == ("b",) and "graph" in directory.__dict__


def _history(*args: str) -> str:
    result = CliRunner().invoke(cli, ["history", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_history_is_printed_from_the_cache_until_a_file_changes(
    two_revisions: Path, request: pytest.FixtureRequest
) -> None:
    first = _history()
    assert first.splitlines()[0].startswith("a -> b (head)")
    verbose = _history("-v")
    assert heads(two_revisions) == "b (head)"

    built: list[bool] = request.getfixturevalue("graph_builds")  # from here on
    assert _history() == first and _history("-v") == verbose
    assert heads(two_revisions) == "b (head)"
    assert built == []  # all from the cache

    assert "(current)" not in _history("-r", "a:b") and built  # a range builds the graph
    built.clear()
    versions = two_revisions / "migrations" / "versions"
    (versions / "c.py").write_text("revision = 'c'\ndown_revision = 'b'\n")
    changed = _history()
    assert changed.startswith("b -> c (head)") and built
    built.clear()
    assert _history() == changed and not built


@pytest.mark.parametrize("kind", KINDS)
def test_current_at_the_heads_is_printed_from_the_cache(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STILL_NO_CACHE", raising=False)
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    with fresh_database(kind, tmp_path) as url:
        project = CliProject(tmp_path, url)
        project.write("a", None, '    op.create_table("t", sa.Column("id", sa.Integer))')
        project.write("b", "a", "    pass")
        project.write("c", "a", "    pass")  # two heads
        project.ok("upgrade", "heads")
        first = project.ok("current")
        assert sorted(first.split()) == ["(head)", "(head)", "b", "c"]

        built: list[bool] = request.getfixturevalue("graph_builds")  # from here on
        assert project.ok("current") == first and not built

        project.ok("downgrade", "a")  # the database leaves the heads: the graph answers
        assert project.ok("current").split() == ["a", "(branchpoint)"] and built
