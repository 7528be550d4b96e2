"""A JSON file of facts about source files, each trusted while its file's size and modification
time are unchanged.

One of the stores of the project cache (:mod:`still.script.project_cache`, which says where it
lives, whether it is written and how).  A file that cannot be read is simply not used.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from still.script.project_cache import ProjectCache


class StampedCache:
    """Values by file path, each with the size and mtime of the file it was read from."""

    version: ClassVar[int] = 1

    def __init__(self, path: Path, project: ProjectCache | None = None) -> None:
        self.path = path
        self.project = ProjectCache(path.parent) if project is None else project
        self.entries: dict[str, list[Any]] = {}
        self.changed = False
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") == self.version:
                self.entries = data["entries"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.entries = {}

    @staticmethod
    def _stamp(stat: os.stat_result) -> list[int]:
        return [stat.st_size, stat.st_mtime_ns]

    def lookup(self, file: Path | str, stat: os.stat_result) -> Any:
        """The value stored for ``file`` while it is unchanged, else None."""
        entry = self.entries.get(str(file))
        if entry is None or entry[0] != self._stamp(stat):
            return None
        return entry[1]

    def store(self, file: Path | str, stat: os.stat_result, value: Any) -> None:
        self.entries[str(file)] = [self._stamp(stat), value]
        self.changed = True

    def save(self, keep: Iterable[str] | None = None) -> None:
        """Write the file if anything changed; entries of files not in ``keep`` (by default,
        files that no longer exist) are dropped."""
        if keep is None:
            stale = {k for k in self.entries if not os.path.exists(k)} if self.changed else set()
        else:
            stale = set(self.entries) - set(keep)
        if not self.changed and not stale:
            return
        if not self.project.enabled:
            return
        for key in stale:
            del self.entries[key]
        try:
            text = json.dumps({"version": self.version, "entries": self.entries})
        except (TypeError, ValueError):
            return  # a value JSON cannot hold: work without the cache
        self.project.write(self.path, text)
