"""Facts about the revision graph, kept with a digest of the revision files they came from.

An application that migrates at start-up asks, nearly always, "is the database at the head?",
and a team runs ``still history`` far more often than it adds a revision.  When no revision file
was added, removed or changed since the graph was last built (the digest covers every file's
path, size and modification time, and how still reads them), the heads and the plain ``history``
output need no header read and no graph: ``<script_location>/__pycache__/still-graph/``.
Anything else builds the graph as usual, which writes the file again.  A store of
:mod:`still.script.project_cache` (which says whether it is written, and how).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

from still.script import project_cache
from still.script.project_cache import ProjectCache


def files_digest(files: Sequence[tuple[str, os.stat_result]]) -> str:
    """A digest of the files (in order) and of how still reads them."""
    text = "\n".join(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}" for path, stat in files)
    salt = f"{project_cache.GRAPH[1]}/{project_cache.HEADERS[1]}\n"
    return hashlib.blake2b((salt + text).encode("utf-8", "surrogateescape")).hexdigest()


class DigestCache:
    """One small file per fact in ``directory``, each starting with the digest it is valid for:
    ``heads`` (the heads, one per line) and one file per command output."""

    def __init__(self, directory: Path, project: ProjectCache | None = None) -> None:
        self.directory = directory
        self.project = ProjectCache(directory.parent) if project is None else project

    def _read(self, name: str, digest: str) -> str | None:
        try:
            stored, _, text = (self.directory / name).read_text(encoding="utf-8").partition("\n")
        except (OSError, ValueError):
            return None
        return text if stored == digest else None

    def heads(self, digest: str) -> tuple[str, ...] | None:
        """The heads stored for exactly these files, else None."""
        text = self._read("heads", digest)
        return None if text is None else tuple(h for h in text.split("\n") if h)

    def output(self, digest: str, name: str) -> str | None:
        """A command's output stored for exactly these files, else None."""
        return self._read(_file_name(name), digest)

    def write_heads(self, digest: str, heads: Sequence[str]) -> None:
        if self.heads(digest) != tuple(heads):
            self._write("heads", digest, "\n".join(heads))

    def write_output(self, digest: str, name: str, text: str) -> None:
        self._write(_file_name(name), digest, text)

    def _write(self, name: str, digest: str, text: str) -> None:
        self.project.write(self.directory / name, f"{digest}\n{text}")


def _file_name(output: str) -> str:
    """``history -v`` -> ``output-history_-v``."""
    return "output-" + "".join(c if c.isalnum() or c in "-_" else "_" for c in output)
