"""A revision file: its header (read statically) and, when needed, its module."""

from __future__ import annotations

import os
import re
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

from still.errors import ScriptError
from still.graph import Revision, as_tuple, id_syntax_in
from still.script.header_cache import HeaderCache
from still.script.headers import Header, UnreadableHeader, read_header
from still.script.loader import load_python_file

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


class Script(Revision):
    """One revision file in a versions directory."""

    def __init__(self, path: Path | str, header: Header, module: ModuleType | None = None) -> None:
        syntax = id_syntax_in(header.revision)
        if syntax is not None:
            raise ScriptError(
                f"{path}: revision = {header.revision!r} cannot be a revision id: {syntax} in "
                "commands such as `still downgrade ID`, so it could never be named (real Alembic "
                "refuses to load it too). Give the revision an id of letters, digits and '_' "
                "(and change the down_revision of the files that name it)."
            )
        super().__init__(
            revision=header.revision,
            down_revisions=as_tuple(_names(header.down_revision, path, "down_revision")),
            branch_labels=frozenset(as_tuple(_names(header.branch_labels, path, "branch_labels"))),
            dependencies=as_tuple(_names(header.depends_on, path, "depends_on")),
        )
        # Kept as given: a project of thousands of revisions builds a Path only for the files a
        # command actually uses.
        self._path = path
        self.filename = os.fspath(path)
        self.docstring = header.docstring
        self._module = module

    @property
    def path(self) -> Path:
        path = self._path
        if not isinstance(path, Path):
            path = self._path = Path(path)
        return path

    @classmethod
    def from_path(
        cls, path: Path | str, cache: HeaderCache | None = None, stat: os.stat_result | None = None
    ) -> Script:
        """Read ``path``: from the header cache, statically if its header is plain literals,
        else by importing it.  ``stat``: the file's, if the caller has it."""
        try:
            if stat is None and cache is not None:
                stat = os.stat(path)
            if cache is not None and stat is not None:
                cached = cache.get(path, stat)
                if cached is not None:
                    return cls(path, cached)
            source = None
            if os.path.splitext(os.path.basename(path))[1] == ".py":
                with open(path, encoding="utf-8-sig") as file:
                    source = file.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise ScriptError(f"Cannot read revision file {path}: {exc}.") from exc
        if source is not None:
            try:
                header = read_header(source)
            except UnreadableHeader:
                pass
            else:
                if cache is not None and stat is not None:
                    cache.put(path, stat, header)
                return cls(path, header)
        module = load_python_file(Path(path))
        revision = getattr(module, "revision", None)
        if revision is None:
            raise ScriptError(
                f"{path} declares no `revision`. Every .py file in a versions directory must be "
                "a revision file: add `revision = '<id>'` (and down_revision), or move the file "
                "out of the versions directory."
            )
        if not isinstance(revision, str):
            raise ScriptError(f"{path}: revision = {revision!r} must be a string.")
        header = Header(
            revision=revision,
            down_revision=getattr(module, "down_revision", None),
            branch_labels=getattr(module, "branch_labels", None),
            depends_on=getattr(module, "depends_on", None),
            docstring=module.__doc__ or "",
        )
        return cls(path, header, module)

    @property
    def module(self) -> ModuleType:
        """The imported revision module (imported on first use only)."""
        if self._module is None:
            self._module = load_python_file(self.path)
        return self._module

    def upgrade_function(self) -> Any:
        return self._function("upgrade")

    def downgrade_function(self) -> Any:
        return self._function("downgrade")

    def _function(self, name: str) -> Any:
        fn = getattr(self.module, name, None)
        if not callable(fn):
            raise ScriptError(
                f"{self.path} has no {name}() function; add one (it may just `pass`)."
            )
        return fn

    @cached_property
    def longdoc(self) -> str:
        return self.docstring.strip()

    @property
    def doc(self) -> str:
        """The message: the first paragraph of the docstring."""
        return _PARAGRAPH_BREAK.split(self.longdoc, maxsplit=1)[0].strip() if self.longdoc else ""

    def __str__(self) -> str:
        return self.filename


def _names(value: object, path: Path | str, field: str) -> str | tuple[str, ...] | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ScriptError(
        f"{path}: {field} = {value!r} must be a revision id, a tuple of revision ids, or None."
    )
