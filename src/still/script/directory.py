"""The script directory: env.py, script.py.mako and the version locations."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from still.errors import ScriptError
from still.gc_pause import paused_gc
from still.graph import RevisionGraph
from still.script.digest_cache import DigestCache, files_digest
from still.script.header_cache import HeaderCache
from still.script.loader import load_python_file
from still.script.script import Script

if TYPE_CHECKING:
    from still.config import Config

DEFAULT_FILE_TEMPLATE = "%(rev)s_%(slug)s"
# File names sort as their paths do: case-folded where the platform folds case (Windows).
_SORT_KEY = None if os.path.normcase("A") == "A" else os.path.normcase


def _positive_int(value: object, name: str, config: Config) -> int | None:
    if value is None or value == "":
        return None
    from still.config.values import parse_number, setting_source

    where = setting_source(config, name)
    return int(parse_number(value, name, where, minimum=1, whole=True, example="40"))


def _script_location_path(location: str, config_name: str | None) -> Path:
    """``script_location`` as a path; ``package:dir`` names a directory inside a package."""
    package, sep, sub = location.partition(":")
    if sep and len(package) > 1 and not os.path.isabs(location):
        import importlib.util

        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise ScriptError(
                f"script_location = {location} names package {package!r}, which cannot be "
                "imported. Check the name, or use a directory path."
            )
        return Path(next(iter(spec.submodule_search_locations))) / sub
    return Path(location)


class ScriptDirectory:
    """A project's migration environment on disk."""

    def __init__(
        self,
        dir: str | os.PathLike[str],
        file_template: str = DEFAULT_FILE_TEMPLATE,
        truncate_slug_length: int | None = 40,
        version_locations: Sequence[str] | None = None,
        sourceless: bool = False,
        output_encoding: str = "utf-8",
        timezone: str | None = None,
        hooks: str | None = None,
        recursive_version_locations: bool = False,
        prepend_sys_path: Sequence[str] = (),
    ) -> None:
        self.dir = Path(dir)
        self.file_template = file_template
        self.truncate_slug_length = truncate_slug_length or 40
        self.sourceless = sourceless
        self.output_encoding = output_encoding
        self.timezone = timezone
        self.hooks = hooks
        self.recursive_version_locations = recursive_version_locations
        self.prepend_sys_path = list(prepend_sys_path)
        self.version_locations = list(version_locations or [str(self.dir / "versions")])
        if not self.dir.is_dir():
            raise ScriptError(
                f"script_location {str(self.dir)!r} is not a directory. Run `still init "
                f"{self.dir}` to create it, or correct script_location in the configuration."
            )

    @classmethod
    def from_config(cls, config: Config) -> ScriptDirectory:
        """The script directory a configuration describes."""
        location = config.get_alembic_option("script_location")
        if not location:
            where = config.config_file_name or config.toml_file_name or "the configuration"
            raise ScriptError(
                f"No script_location in the [{config.config_ini_section}] section of {where}. "
                "Add `script_location = migrations` (the directory `still init` created)."
            )
        here = Path(config.config_file_name).parent if config.config_file_name else Path.cwd()
        base = _script_location_path(str(location), config.config_file_name)
        directory = base if base.is_absolute() else here / base
        if not directory.is_dir() and base.is_dir():
            directory = base
        truncate = config.get_alembic_option("truncate_slug_length")
        return cls(
            directory,
            file_template=str(config.get_alembic_option("file_template", DEFAULT_FILE_TEMPLATE)),
            truncate_slug_length=_positive_int(truncate, "truncate_slug_length", config),
            version_locations=config.get_version_locations_list(),
            sourceless=config.get_alembic_boolean_option("sourceless"),
            output_encoding=str(config.get_alembic_option("output_encoding", "utf-8")),
            timezone=config.get_alembic_option("timezone"),
            recursive_version_locations=config.get_alembic_boolean_option(
                "recursive_version_locations"
            ),
            prepend_sys_path=config.get_prepend_sys_paths_list() or (),
        )

    # -- revision files ---------------------------------------------------------------------------

    @property
    def versions(self) -> str:
        return self.version_locations[0]

    def _candidate_files(self) -> Iterator[tuple[str, os.stat_result | None]]:
        """Each revision file, with its stat when it was cheap to take here (None: take it)."""
        for location in self.version_locations:
            root = Path(location)
            if not root.is_dir():
                raise ScriptError(
                    f"Version location {location!r} is not a directory. Create it (`mkdir -p "
                    f"{location}`) or correct version_locations in the configuration."
                )
            if self.recursive_version_locations:
                for path in sorted(root.rglob("*")):
                    if "__pycache__" not in path.parts and self._is_candidate(path.name):
                        yield str(path), None
                continue
            # One directory: the names, sorted as the paths would sort (same parent), and no Path
            # built for each file (a project of thousands of revisions notices).
            if "__pycache__" in root.parts:
                continue
            prefix = "" if str(root) == "." else os.path.join(str(root), "")
            names = [n for n in sorted(os.listdir(root), key=_SORT_KEY) if self._is_candidate(n)]
            yield from _with_stats(root, prefix, names)

    def _is_candidate(self, name: str) -> bool:
        if name.startswith((".", "__init__")):
            return False
        return name.endswith(".py") or (self.sourceless and name.endswith(".pyc"))

    @cached_property
    def graph(self) -> RevisionGraph[Script]:
        """Every revision of the project; headers read statically, modules not imported."""
        return self._graph_of()

    def known_heads(self) -> tuple[str, ...]:
        """The heads: from the digest cache when no revision file changed since the graph was
        last built (no header read, no graph), else from the graph."""
        if "graph" not in self.__dict__:
            digest = self._files_digest
            if digest is not None:
                heads = DigestCache(self._digest_cache_path).heads(digest)
                if heads is not None:
                    return heads
        return self.graph.heads

    def known_output(self, name: str) -> str | None:
        """A command's output remembered for exactly the present revision files, else None."""
        digest = self._files_digest
        return None if digest is None else DigestCache(self._digest_cache_path).output(digest, name)

    def remember_output(self, name: str, text: str) -> None:
        """Keep a command's output (a pure function of the revision files) for next time."""
        digest = self._files_digest
        if digest is not None and self._settled:
            DigestCache(self._digest_cache_path).write_output(digest, name, text)

    @property
    def _digest_cache_path(self) -> Path:
        return self.dir / "__pycache__" / "still-graph"

    @cached_property
    def _revision_files(self) -> list[tuple[str, os.stat_result | None]]:
        """The revision files with their stats, listed once per command."""
        return list(self._candidate_files())

    @cached_property
    def _files_digest(self) -> str | None:
        """The digest of the revision files; None when it cannot be had."""
        return _digest(self._revision_files)

    @property
    def _settled(self) -> bool:
        """Whether the graph came from headers read statically (an import-time header is never
        taken as settled), so facts about it may be kept."""
        return all(s._module is None for s in self.graph)

    def _graph_of(self) -> RevisionGraph[Script]:
        # collector paused: it took a third of the time at 5,000 revisions (see still.gc_pause)
        with paused_gc():
            graph = self._build_graph(self._revision_files)
        self.__dict__["graph"] = graph  # _settled reads it
        digest = self._files_digest
        if digest is not None and self._settled:
            DigestCache(self._digest_cache_path).write_heads(digest, graph.heads)
        return graph

    def _build_graph(self, files: list[tuple[str, os.stat_result | None]]) -> RevisionGraph[Script]:
        scripts = []
        seen_stems: set[str] = set()
        problems: list[str] = []
        cache = HeaderCache(self.dir / "__pycache__" / "still-headers.json")
        for path, stat in files:
            if self.sourceless:  # only then are there .pyc files, and stems to compare
                stem, suffix = os.path.splitext(os.path.basename(path))
                if suffix == ".pyc" and (
                    os.path.exists(path[: -len(suffix)] + ".py") or stem in seen_stems
                ):
                    continue
                seen_stems.add(stem)
            try:
                scripts.append(Script.from_path(path, cache, stat))
            except ScriptError as exc:
                problems.append(str(exc))
        cache.save({s.filename for s in scripts})
        if problems:
            raise ScriptError("\n".join(problems))
        return RevisionGraph(scripts, describe=lambda s: str(s.path))

    def get_revision(self, spec: str) -> Script:
        return self.graph.lookup(spec)

    def get_heads(self) -> list[str]:
        return list(self.graph.heads)

    def get_bases(self) -> list[str]:
        return list(self.graph.bases)

    def walk_revisions(self) -> Iterator[Script]:
        """Every revision, newest first."""
        yield from self.graph.newest_first()

    # -- env.py -----------------------------------------------------------------------------------

    @property
    def env_py_location(self) -> Path:
        return self.dir / "env.py"

    def run_env(self) -> None:
        """Run env.py, which configures the migration context and runs the migrations."""
        env = self.env_py_location
        if not env.is_file():
            env_pyc = env.with_suffix(".pyc")
            if self.sourceless and env_pyc.is_file():
                env = env_pyc
            else:
                raise ScriptError(
                    f"No env.py in {self.dir}. Every script directory needs one; "
                    "`still init` writes a working one."
                )
        with self._sys_path():
            load_python_file(env, "env_py")

    @contextmanager
    def _sys_path(self) -> Iterator[None]:
        # Absolute, so that Python's cached finder for a relative entry ('.') never points at the
        # directory that was current when some other project first used it.
        wanted = [os.path.abspath(p) for p in self.prepend_sys_path]
        added = [p for p in dict.fromkeys(wanted) if p not in sys.path]
        sys.path[:0] = added
        try:
            yield
        finally:
            for p in added:
                if p in sys.path:
                    sys.path.remove(p)

    @property
    def template_path(self) -> Path:
        return self.dir / "script.py.mako"

    def revision_template_args(self) -> dict[str, Any]:
        return {}


def _digest(files: list[tuple[str, os.stat_result | None]]) -> str | None:
    """The digest cache's key for ``files``; None when a stat is missing (recursive locations)."""
    if any(stat is None for _, stat in files):
        return None
    return files_digest(files)  # type: ignore[arg-type]


def _with_stats(
    root: Path, prefix: str, names: list[str]
) -> Iterator[tuple[str, os.stat_result | None]]:
    """The files of one directory with their stats, taken relative to the open directory where
    the system allows it (half the time of a stat by path, for thousands of files)."""
    if os.stat not in os.supports_dir_fd:
        for name in names:
            yield prefix + name, None
        return
    try:
        fd = os.open(root, os.O_RDONLY)
    except OSError:
        for name in names:
            yield prefix + name, None
        return
    try:
        stat = os.stat
        found: list[tuple[str, os.stat_result | None]]
        try:  # one tight loop: thousands of files
            found = [(prefix + name, stat(name, dir_fd=fd)) for name in names]
        except OSError:  # a file went away meanwhile: Script.from_path reports it
            found = []
            for name in names:
                try:
                    found.append((prefix + name, stat(name, dir_fd=fd)))
                except OSError:
                    found.append((prefix + name, None))
    finally:
        os.close(fd)
    yield from found
