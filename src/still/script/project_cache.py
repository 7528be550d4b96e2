"""The project's cache: where it lives, whether it is written, how, and which format each store
keeps.

Everything still remembers about a project's revision files lives in
``<script_location>/__pycache__/`` (where Python keeps its own caches, so version control already
ignores it), in three stores:

- ``still-headers.json``: each revision file's header (:mod:`still.script.header_cache`);
- ``still-scan.json``: what each file's ``upgrade()``/``downgrade()`` destroys
  (:class:`still.script.scan.ScanCache`);
- ``still-graph/``: the heads and the outputs that depend on the files alone, under a digest of
  every file (:mod:`still.script.digest_cache`).

A cache that cannot be read or written is simply not used.  ``STILL_NO_CACHE`` (any non-empty
value) turns writing off; it is read here only, once for each :class:`ProjectCache`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from still.script.digest_cache import DigestCache
    from still.script.header_cache import HeaderCache
    from still.script.scan import ScanCache

SWITCH = "STILL_NO_CACHE"
DIRECTORY = "__pycache__"

# Each store's file (or directory) name and format version.  A version changes when what a store
# keeps, or how still reads the files it describes, changes: an older file is then ignored.
HEADERS = ("still-headers.json", 3)  # 2: docstrings after a BOM or in plain quotes; 3: escapes
SCAN = ("still-scan.json", 2)
GRAPH = ("still-graph", 1)


def writing_enabled() -> bool:
    """Whether caches are written: not when ``STILL_NO_CACHE`` is set to anything."""
    return not os.environ.get(SWITCH)


def write_atomically(path: Path, text: str) -> bool:
    """Write ``text`` to a temporary file beside ``path``, then move it into place, so a reader
    never sees half a file.  False (and nothing left behind) when it cannot be written: a
    read-only checkout works without its cache."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        try:
            temporary.unlink()
        except OSError:
            pass
        return False
    return True


class ProjectCache:
    """The cache directory of one script location, and the stores in it."""

    def __init__(self, directory: Path, enabled: bool | None = None) -> None:
        self.directory = directory
        self.enabled = writing_enabled() if enabled is None else enabled

    @classmethod
    def of(cls, script_location: Path) -> ProjectCache:
        """The cache of the project whose scripts are in ``script_location``."""
        return cls(script_location / DIRECTORY)

    def write(self, path: Path, text: str) -> None:
        """Write one cache file (atomically), unless writing is off."""
        if self.enabled:
            write_atomically(path, text)

    def headers(self) -> HeaderCache:
        """The header store, read afresh."""
        from still.script.header_cache import HeaderCache

        return HeaderCache(self.directory / HEADERS[0], self)

    def scan(self) -> ScanCache:
        """The data-loss scan's store, read afresh."""
        from still.script.scan import ScanCache

        return ScanCache(self.directory / SCAN[0], self)

    def digest(self) -> DigestCache:
        """The digest store (its files are read when asked)."""
        from still.script.digest_cache import DigestCache

        return DigestCache(self.directory / GRAPH[0], self)
