"""The header cache: faster second runs, never stale, never in the way."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from still.cli.main import cli


def heads(root: Path) -> str:
    result = CliRunner().invoke(cli, ["heads"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output.strip()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STILL_NO_CACHE", raising=False)
    assert CliRunner().invoke(cli, ["init", "migrations"]).exit_code == 0
    versions = tmp_path / "migrations" / "versions"
    (versions / "a.py").write_text("revision = 'a'\ndown_revision = None\n")
    (versions / "b.py").write_text("revision = 'b'\ndown_revision = 'a'\n")
    return tmp_path


def test_second_run_reads_the_cache_and_edits_invalidate_it(project: Path) -> None:
    assert heads(project) == "b (head)"
    cache = project / "migrations" / "__pycache__" / "still-headers.json"
    entries = json.loads(cache.read_text())["entries"]
    assert {Path(k).name for k in entries} == {"a.py", "b.py"}

    # an edit (same size, new content) is seen at once
    b = project / "migrations" / "versions" / "b.py"
    b.write_text("revision = 'c'\ndown_revision = 'a'\n")
    os.utime(b, ns=(b.stat().st_atime_ns, b.stat().st_mtime_ns + 1_000_000))
    assert heads(project) == "c (head)"

    # a removed file leaves the cache
    b.unlink()
    assert heads(project) == "a (head)"
    assert {Path(k).name for k in json.loads(cache.read_text())["entries"]} == {"a.py"}


def test_a_broken_cache_is_ignored(project: Path) -> None:
    cache = project / "migrations" / "__pycache__" / "still-headers.json"
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text("{not json")
    assert heads(project) == "b (head)"


def test_still_no_cache(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STILL_NO_CACHE", "1")
    assert heads(project) == "b (head)"
    assert not (project / "migrations" / "__pycache__" / "still-headers.json").exists()
