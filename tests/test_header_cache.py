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


def test_second_run_reads_the_cache_and_edits_invalidate_it(two_revisions: Path) -> None:
    assert heads(two_revisions) == "b (head)"
    cache = two_revisions / "migrations" / "__pycache__" / "still-headers.json"
    entries = json.loads(cache.read_text())["entries"]
    assert {Path(k).name for k in entries} == {"a.py", "b.py"}

    # an edit (same size, new content) is seen at once
    b = two_revisions / "migrations" / "versions" / "b.py"
    b.write_text("revision = 'c'\ndown_revision = 'a'\n")
    os.utime(b, ns=(b.stat().st_atime_ns, b.stat().st_mtime_ns + 1_000_000))
    assert heads(two_revisions) == "c (head)"

    # a removed file leaves the cache
    b.unlink()
    assert heads(two_revisions) == "a (head)"
    assert {Path(k).name for k in json.loads(cache.read_text())["entries"]} == {"a.py"}


def test_a_broken_cache_is_ignored(two_revisions: Path) -> None:
    cache = two_revisions / "migrations" / "__pycache__" / "still-headers.json"
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text("{not json")
    assert heads(two_revisions) == "b (head)"


def test_still_no_cache(two_revisions: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STILL_NO_CACHE", "1")
    assert heads(two_revisions) == "b (head)"
    assert not (two_revisions / "migrations" / "__pycache__" / "still-headers.json").exists()
