"""A cache of revision headers, so large projects do not re-read every file on every command.

Kept in ``<script_location>/__pycache__/still-headers.json`` (where Python keeps its own caches,
so it is already ignored by version control), keyed by file path and invalidated by the file's
size and modification time.  A cache that cannot be read or written is simply not used;
``STILL_NO_CACHE=1`` turns writing it off.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from still.script.headers import Header

_VERSION = 3  # 2: docstrings after a BOM or in plain quotes; 3: escapes evaluated


class HeaderCache:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, list[Any]] = {}
        self.changed = False
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") == _VERSION:
                self.entries = data["entries"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.entries = {}

    @staticmethod
    def _stamp(stat: os.stat_result) -> list[int]:
        return [stat.st_size, stat.st_mtime_ns]

    def get(self, file: Path | str, stat: os.stat_result) -> Header | None:
        entry = self.entries.get(str(file))
        if entry is None or entry[0] != self._stamp(stat):
            return None
        revision, down, labels, depends, doc = entry[1]
        return Header(revision, down, labels, depends, doc)

    def put(self, file: Path | str, stat: os.stat_result, header: Header) -> None:
        self.entries[str(file)] = [
            self._stamp(stat),
            [
                header.revision,
                header.down_revision,
                header.branch_labels,
                header.depends_on,
                header.docstring,
            ],
        ]
        self.changed = True

    def save(self, keep: set[str]) -> None:
        """Write the cache (only the files still present) if anything changed."""
        stale = set(self.entries) - keep
        if not self.changed and not stale:
            return
        if os.environ.get("STILL_NO_CACHE"):
            return
        for key in stale:
            del self.entries[key]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(
                json.dumps({"version": _VERSION, "entries": self.entries}), encoding="utf-8"
            )
            os.replace(temporary, self.path)
        except (OSError, TypeError, ValueError):
            pass  # a read-only checkout, or a header JSON cannot hold: work without the cache
