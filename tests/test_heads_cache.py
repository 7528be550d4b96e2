"""The heads cache: an application at head learns it without reading headers or building the
graph, and any change to the revision files is seen at once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from still.cli.main import cli
from still.config import Config
from still.script import ScriptDirectory


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
    cache = project / "migrations" / "__pycache__" / "still-heads.json"
    cache.write_text("{broken")
    directory = _directory(project)
    assert directory.known_heads() == ("b",) and "graph" in directory.__dict__
