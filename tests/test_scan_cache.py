"""The data-loss scan before a plain run reads each revision once, then trusts its cache until
the file changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from still.script import scan

SOURCE = """
def upgrade():
    op.create_table("pets")


def downgrade():
    op.drop_table("pets")
    op.execute("DELETE FROM owners")
"""


def test_a_file_is_parsed_once_and_again_after_an_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STILL_NO_CACHE", raising=False)
    revision = tmp_path / "a1.py"
    revision.write_text(SOURCE)
    where = tmp_path / "__pycache__" / "still-scan.json"
    parsed: list[Path] = []
    real = scan._scan

    def counting(path: Path) -> dict[str, list[scan.Finding]]:
        parsed.append(path)
        return real(path)

    monkeypatch.setattr(scan, "_scan", counting)
    cache = scan.ScanCache(where)
    down = scan.destructive_calls(revision, "downgrade", cache)
    assert down == [
        (7, "drops table pets", True),
        (8, "deletes every row of owners (SQL: DELETE FROM owners)", True),
    ]
    assert scan.destructive_calls(revision, "upgrade", cache) == []
    cache.save()
    assert len(parsed) == 1  # both functions from one parse

    again = scan.ScanCache(where)  # the next command
    assert scan.destructive_calls(revision, "downgrade", again) == down
    assert len(parsed) == 1

    revision.write_text(SOURCE.replace('op.drop_table("pets")', "pass"))
    stat = revision.stat()
    os.utime(revision, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    edited = scan.destructive_calls(revision, "downgrade", scan.ScanCache(where))
    assert [text for _, text, _ in edited] == [
        "deletes every row of owners (SQL: DELETE FROM owners)"
    ]
    assert len(parsed) == 2


def test_removed_files_leave_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STILL_NO_CACHE", raising=False)
    where = tmp_path / "__pycache__" / "still-scan.json"
    kept, gone = tmp_path / "kept.py", tmp_path / "gone.py"
    for path in (kept, gone):
        path.write_text(SOURCE)
    cache = scan.ScanCache(where)
    for path in (kept, gone):
        scan.destructive_calls(path, "downgrade", cache)
    cache.save()
    gone.unlink()
    cache = scan.ScanCache(where)
    scan.destructive_calls(tmp_path / "new.py", "downgrade", cache)  # missing: nothing found
    (tmp_path / "new.py").write_text(SOURCE)
    scan.destructive_calls(tmp_path / "new.py", "downgrade", cache)
    cache.save()
    assert set(scan.ScanCache(where).entries) == {str(kept), str(tmp_path / "new.py")}
