"""A cache of revision headers, so large projects do not re-read every file on every command:
``<script_location>/__pycache__/still-headers.json`` (a store of
:mod:`still.script.project_cache`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

from still.script import project_cache
from still.script.headers import Header
from still.script.stamped_cache import StampedCache


class HeaderCache(StampedCache):
    version: ClassVar[int] = project_cache.HEADERS[1]

    def get(self, file: Path | str, stat: os.stat_result) -> Header | None:
        value = self.lookup(file, stat)
        if value is None:
            return None
        revision, down, labels, depends, doc = value
        return Header(revision, down, labels, depends, doc)

    def put(self, file: Path | str, stat: os.stat_result, header: Header) -> None:
        value = [
            header.revision,
            header.down_revision,
            header.branch_labels,
            header.depends_on,
            header.docstring,
        ]
        self.store(file, stat, value)
