"""The project cache: one directory, one switch, one way to write, for all three stores."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from still.cli.main import cli
from still.config import Config
from still.script import ScriptDirectory
from still.script.project_cache import ProjectCache, write_atomically
from still.script.scan import destructive_calls


def _fill_every_store(root: Path) -> ScriptDirectory:
    """Commands that write each store: heads (headers, graph), history (an output), a scan."""
    for args in (["heads"], ["history"]):
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    script = ScriptDirectory.from_config(Config(str(root / "alembic.ini")))
    scan = script.cache.scan()
    destructive_calls(root / "migrations" / "versions" / "b.py", "downgrade", scan)
    scan.save()
    return script


def test_every_store_lives_in_the_one_directory(two_revisions: Path) -> None:
    script = _fill_every_store(two_revisions)
    directory = two_revisions / "migrations" / "__pycache__"
    assert script.cache.directory == directory
    assert sorted(p.name for p in directory.iterdir()) == [
        "still-graph",
        "still-headers.json",
        "still-scan.json",
    ]
    assert sorted(p.name for p in (directory / "still-graph").iterdir()) == [
        "heads",
        "output-heads",
        "output-history",
    ]
    assert not [p for p in directory.rglob("*") if p.name.endswith(".tmp")]


def test_still_no_cache_turns_every_store_off(
    two_revisions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STILL_NO_CACHE", "1")
    script = _fill_every_store(two_revisions)
    assert not script.cache.enabled
    assert not (two_revisions / "migrations" / "__pycache__").exists()


def test_the_switch_is_read_when_the_cache_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STILL_NO_CACHE", raising=False)
    cache = ProjectCache(tmp_path)
    monkeypatch.setenv("STILL_NO_CACHE", "1")
    assert cache.enabled and not ProjectCache(tmp_path).enabled
    cache.write(tmp_path / "kept", "text")
    ProjectCache(tmp_path).write(tmp_path / "not-kept", "text")
    assert [p.name for p in tmp_path.iterdir()] == ["kept"]


def test_a_file_that_cannot_be_written_leaves_nothing_behind(tmp_path: Path) -> None:
    (tmp_path / "taken" / "inside").mkdir(parents=True)  # a directory where the file would go
    assert not write_atomically(tmp_path / "taken", "text")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["inside", "taken"]
    (tmp_path / "plain").write_text("")
    assert not write_atomically(tmp_path / "plain" / "file", "text")  # its parent is a file
    assert write_atomically(tmp_path / "new" / "file", "text")
    assert (tmp_path / "new" / "file").read_text() == "text"
    assert [p.name for p in (tmp_path / "new").iterdir()] == ["file"]
