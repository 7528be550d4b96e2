"""A revision file: its header (read statically) and, when needed, its module."""

from __future__ import annotations

import os
import re
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

from still.errors import ScriptError
from still.graph import Revision, id_syntax_in
from still.script.header_cache import HeaderCache
from still.script.headers import Header, UnreadableHeader, read_header
from still.script.loader import load_python_file

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


class Script(Revision):
    """One revision file in a versions directory.

    Built as Alembic builds it (``Script(module, rev_id, path)``) or, inside still, from a header
    read without importing the file (``header=``), in which case the module is imported on first
    use of :attr:`module`.
    """

    # Set by a command that shows where a database stands (Alembic's "(current)" marker).
    _db_current_indicator: bool | None = None

    def __init__(
        self,
        module: ModuleType | None,
        rev_id: str,
        path: Path | str,
        *,
        header: Header | None = None,
    ) -> None:
        if header is None:
            if module is None:
                raise TypeError("Script() needs the revision module or its header")
            header = _header_of(module, rev_id)
        syntax = id_syntax_in(rev_id)
        if syntax is not None:
            raise ScriptError(
                f"{path}: revision = {rev_id!r} cannot be a revision id: {syntax} in "
                "commands such as `still downgrade ID`, so it could never be named (real Alembic "
                "refuses to load it too). Give the revision an id of letters, digits and '_' "
                "(and change the down_revision of the files that name it)."
            )
        super().__init__(
            rev_id,
            _names(header.down_revision, path, "down_revision"),
            dependencies=_names(header.depends_on, path, "depends_on"),
            branch_labels=_names(header.branch_labels, path, "branch_labels"),
        )
        # A string, as Alembic's; a project of thousands of revisions builds a Path only for the
        # files a command actually uses (_script_path).
        self.path: str = os.fspath(path)
        self.docstring = header.docstring
        self._module = module

    @property
    def filename(self) -> str:
        return self.path

    @property
    def file_path(self) -> Path:
        """:attr:`path` as a :class:`~pathlib.Path`."""
        return Path(self.path)

    _script_path = file_path

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
                    return cls(None, cached.revision, path, header=cached)
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
                return cls(None, header.revision, path, header=header)
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
        return cls(module, revision, path)

    @property
    def module(self) -> ModuleType:
        """The imported revision module (imported on first use only)."""
        if self._module is None:
            self._module = load_python_file(self.file_path)
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

    # -- as Alembic's listings show a revision ---------------------------------------------------

    def _format_down_revision(self) -> str:
        return ", ".join(self.down_revisions) if self.down_revisions else "<base>"

    def _marks(self, *marks: tuple[bool, str]) -> str:
        return "".join(f" ({name})" for shown, name in marks if shown)

    @property
    def log_entry(self) -> str:
        """The revision as ``history --verbose`` shows it (several lines)."""
        lines = [
            f"Rev: {self.revision}"
            + self._marks(
                (self.is_head, "head"),
                (self.is_branch_point, "branchpoint"),
                (self.is_merge_point, "mergepoint"),
                (bool(self._db_current_indicator), "current"),
            )
        ]
        lines.append(
            f"{'Merges' if self.is_merge_point else 'Parent'}: {self._format_down_revision()}"
        )
        if self.dependencies:
            lines.append(f"Also depends on: {', '.join(self.dependencies)}")
        if self.is_branch_point:
            lines.append(f"Branches into: {', '.join(self.children)}")
        if self.branch_labels:
            lines.append(f"Branch names: {', '.join(sorted(self.branch_labels))}")
        lines.append(f"Path: {self.path}")
        lines.append("")
        lines.extend(f"    {line}" for line in self.longdoc.splitlines())
        return "\n".join(lines) + "\n"

    def cmd_format(
        self,
        verbose: bool,
        include_branches: bool = False,
        include_doc: bool = False,
        include_parents: bool = False,
        tree_indicators: bool = True,
    ) -> str:
        """The revision as a command lists it: ``log_entry`` when ``verbose``, else one line
        (``down -> rev (labels) (head) (branchpoint), doc`` with the parts asked for)."""
        if verbose:
            return self.log_entry
        text = self.revision
        if include_parents:
            depends = f" ({', '.join(self.dependencies)})" if self.dependencies else ""
            text = f"{self._format_down_revision()}{depends} -> {text}"
        if include_branches and self.branch_labels:
            text += f" ({', '.join(sorted(self.branch_labels))})"
        text += self._marks(
            (self._is_real_head, "head"),
            (self.is_head and not self._is_real_head, "effective head"),
            (bool(self._db_current_indicator), "current"),
        )
        if tree_indicators:
            text += self._marks(
                (self.is_branch_point, "branchpoint"), (self.is_merge_point, "mergepoint")
            )
        if include_doc:
            text += f", {self.doc}"
        return text

    def __str__(self) -> str:
        return (
            f"{self._format_down_revision()} -> {self.revision}"
            + self._marks(
                (self.is_head, "head"),
                (self.is_branch_point, "branchpoint"),
                (self.is_merge_point, "mergepoint"),
            )
            + f", {self.doc}"
        )


def _header_of(module: ModuleType, rev_id: str) -> Header:
    """The header of an imported revision module."""
    return Header(
        revision=rev_id,
        down_revision=getattr(module, "down_revision", None),
        branch_labels=getattr(module, "branch_labels", None),
        depends_on=getattr(module, "depends_on", None),
        docstring=module.__doc__ or "",
    )


def _names(value: object, path: Path | str, field: str) -> str | tuple[str, ...] | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ScriptError(
        f"{path}: {field} = {value!r} must be a revision id, a tuple of revision ids, or None."
    )
