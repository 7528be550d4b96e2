"""Facts about the revision graph, kept with a digest of the revision files they came from.

An application that migrates at start-up asks, nearly always, "is the database at the head?",
and a team runs ``still history`` far more often than it adds a revision.  When no revision file
was added, removed or changed since the graph was last built (the digest covers every file's
path, size and modification time, and how still reads them), the heads and the plain ``history``
output need no header read and no graph: ``<script_location>/__pycache__/still-graph.json``.
Anything else builds the graph as usual, which writes the file again.  ``STILL_NO_CACHE=1`` turns
writing it off.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from still.script.header_cache import HeaderCache

_VERSION = 1


def files_digest(files: Sequence[tuple[str, os.stat_result]]) -> str:
    """A digest of the files (in order) and of how still reads them."""
    text = "\n".join(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}" for path, stat in files)
    salt = f"{_VERSION}/{HeaderCache.version}\n"
    return hashlib.blake2b((salt + text).encode("utf-8", "surrogateescape")).hexdigest()


class DigestCache:
    """``{"digest": ..., "heads": [...], "outputs": {name: text}}`` for one set of files."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self, digest: str) -> dict[str, Any] | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("digest") != digest:
            return None
        return data

    def heads(self, digest: str) -> tuple[str, ...] | None:
        """The heads stored for exactly these files, else None."""
        data = self._load(digest)
        heads = data.get("heads") if data else None
        return tuple(str(h) for h in heads) if isinstance(heads, list) else None

    def output(self, digest: str, name: str) -> str | None:
        """A command's output stored for exactly these files, else None."""
        data = self._load(digest)
        outputs = data.get("outputs") if data else None
        text = outputs.get(name) if isinstance(outputs, dict) else None
        return text if isinstance(text, str) else None

    def write_heads(self, digest: str, heads: Sequence[str]) -> None:
        """A graph built: its heads (outputs kept only if they are of the same files)."""
        known = self._load(digest)
        if known is not None and known.get("heads") == list(heads):
            return
        self._write({"digest": digest, "heads": list(heads), "outputs": {}})

    def write_output(self, digest: str, name: str, text: str) -> None:
        data = self._load(digest)
        if data is None:
            return  # the files changed since the graph was built: keep nothing
        outputs = data.setdefault("outputs", {})
        if isinstance(outputs, dict):
            outputs[name] = text
            self._write(data)

    def _write(self, data: dict[str, Any]) -> None:
        if os.environ.get("STILL_NO_CACHE"):
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(data), encoding="utf-8")
            os.replace(temporary, self.path)
        except OSError:
            pass  # a read-only checkout: the graph answers every time
