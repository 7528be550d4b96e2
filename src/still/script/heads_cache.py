"""The heads of the graph last built, kept with a digest of the revision files it was built from.

An application that migrates at start-up asks, nearly always, "is the database at the head?".
When no revision file was added, removed or changed since the graph was last built (the digest
covers every file's path, size and modification time), the answer needs no header read and no
graph: ``<script_location>/__pycache__/still-heads.json``.  Anything else builds the graph as
usual, which writes the file again.  ``STILL_NO_CACHE=1`` turns writing it off.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

from still.script.header_cache import HeaderCache

_VERSION = 1


def files_digest(files: Sequence[tuple[str, os.stat_result]]) -> str:
    """A digest of the files (in order) and of how still reads them."""
    text = "\n".join(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}" for path, stat in files)
    salt = f"{_VERSION}/{HeaderCache.version}\n"
    return hashlib.blake2b((salt + text).encode("utf-8", "surrogateescape")).hexdigest()


class HeadsCache:
    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self, digest: str) -> tuple[str, ...] | None:
        """The heads stored for exactly these files, else None."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("digest") == digest and isinstance(data.get("heads"), list):
                return tuple(str(h) for h in data["heads"])
        except (OSError, ValueError, TypeError, AttributeError):
            pass
        return None

    def write(self, digest: str, heads: Sequence[str]) -> None:
        if os.environ.get("STILL_NO_CACHE"):
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps({"digest": digest, "heads": list(heads)}), "utf-8")
            os.replace(temporary, self.path)
        except OSError:
            pass  # a read-only checkout: the graph answers every time
