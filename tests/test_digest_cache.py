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


def _directory(root: Path) -> ScriptDirectory:
    return ScriptDirectory.from_config(Config(str(root / "alembic.ini")))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STILL_NO_CACHE", raising=False)
    assert CliRunner().invoke(cli, ["init", "migrations"]).exit_code == 0
    versions = tmp_path / "migrations" / "versions"
    (versions / "a.py").write_text("revision = 'a'\ndown_revision = None\n")
    (versions / "b.py").write_text("revision = 'b'\ndown_revision = 'a'\n")
    return tmp_path


def _touch(path: Path) -> None:
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))


def test_heads_come_from_the_cache_until_a_file_changes(project: Path) -> None:
    assert _directory(project).graph.heads == ("b",)  # builds the graph, writes the cache
    quick = _directory(project)
    assert quick.known_heads() == ("b",)
    assert "graph" not in quick.__dict__  # no header read, no graph

    versions = project / "migrations" / "versions"
    (versions / "c.py").write_text("revision = 'c'\ndown_revision = 'b'\n")  # a new revision
    seen = _directory(project)
    assert seen.known_heads() == ("c",) and "graph" in seen.__dict__

    (versions / "c.py").write_text("revision = 'd'\ndown_revision = 'a'\n")  # an edit
    _touch(versions / "c.py")
    assert set(_directory(project).known_heads()) == {"b", "d"}

    (versions / "c.py").unlink()  # a removal
    assert _directory(project).known_heads() == ("b",)


def test_headers_known_only_by_import_are_never_cached(project: Path) -> None:
    versions = project / "migrations" / "versions"
    (versions / "b.py").write_text("revision = 'b'\ndown_revision = 'a' if True else None\n")
    assert _directory(project).graph.heads == ("b",)
    again = _directory(project)
    assert again.known_heads() == ("b",) and "graph" in again.__dict__


def test_a_broken_cache_is_ignored(project: Path) -> None:
    _directory(project).graph  # noqa: B018 - writes the cache
    cache = project / "migrations" / "__pycache__" / "still-graph" / "heads"
    assert cache.read_text().endswith("\nb")
    cache.write_bytes(b"\xff\xfe broken")
    directory = _directory(project)
    assert directory.known_heads() == ("b",) and "graph" in directory.__dict__


def heads(root: Path) -> str:
    result = CliRunner().invoke(cli, ["heads"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output.strip()


def _history(*args: str) -> str:
    result = CliRunner().invoke(cli, ["history", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_history_is_printed_from_the_cache_until_a_file_changes(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _history()
    assert first.splitlines()[0].startswith("a -> b (head)")
    verbose = _history("-v")
    assert heads(project) == "b (head)"

    built: list[bool] = []
    original = ScriptDirectory._graph_of

    def counting(self: ScriptDirectory):  # type: ignore[no-untyped-def]
        built.append(True)
        return original(self)

    monkeypatch.setattr(ScriptDirectory, "_graph_of", counting)
    assert _history() == first and _history("-v") == verbose
    assert heads(project) == "b (head)"
    assert built == []  # all from the cache

    assert "(current)" not in _history("-r", "a:b") and built  # a range builds the graph
    built.clear()
    versions = project / "migrations" / "versions"
    (versions / "c.py").write_text("revision = 'c'\ndown_revision = 'b'\n")
    changed = _history()
    assert changed.startswith("b -> c (head)") and built
    built.clear()
    assert _history() == changed and not built


@pytest.mark.parametrize("kind", KINDS)
def test_current_at_the_heads_is_printed_from_the_cache(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
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

        built: list[bool] = []
        original = ScriptDirectory._graph_of

        def counting(self: ScriptDirectory):  # type: ignore[no-untyped-def]
            built.append(True)
            return original(self)

        monkeypatch.setattr(ScriptDirectory, "_graph_of", counting)
        assert project.ok("current") == first and not built

        project.ok("downgrade", "a")  # the database leaves the heads: the graph answers
        assert project.ok("current").split() == ["a", "(branchpoint)"] and built
