"""The script directory: env.py, script.py.mako and the version locations."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from still.errors import CommandError, RevisionError, ScriptError
from still.gc_pause import paused_gc
from still.graph import RevisionGraph, as_tuple, resolve_targets, stamp_plan
from still.graph.revision_map import RevisionMap
from still.graph.steps import revision_steps
from still.graph.targets import downgrade_steps, upgrade_steps
from still.script.digest_cache import files_digest
from still.script.loader import ENV_MODULE, load_python_file
from still.script.project_cache import ProjectCache
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


def resource_path(location: str) -> Path:
    """A location as a path; ``package:dir`` (or ``package.sub:dir:subdir``: every colon after
    the package separates one more directory, as in Alembic) names a directory inside an
    importable package."""
    if ":" not in location or os.path.isabs(location):
        return Path(location)
    package, *parts = location.split(":")
    if len(package) <= 1:  # a Windows drive letter, C:...
        return Path(location)
    import importlib.util

    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise ScriptError(
            f"{location} names package {package!r}, which cannot be imported. Check the name "
            "(and that the package is installed), or use a directory path."
        )
    return Path(next(iter(spec.submodule_search_locations))).joinpath(*parts)


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
        hooks: Sequence[Mapping[str, str]] = (),
        recursive_version_locations: bool = False,
        messaging_opts: Mapping[str, Any] | None = None,
        prepend_sys_path: Sequence[str] = (),
    ) -> None:
        self.dir = Path(dir)
        self.file_template = file_template
        self.truncate_slug_length = truncate_slug_length or 40
        self.sourceless = sourceless
        self.output_encoding = output_encoding
        self.timezone = timezone
        self.hooks = list(hooks or ())
        self.recursive_version_locations = recursive_version_locations
        self.messaging_opts: Mapping[str, Any] = dict(messaging_opts or {})
        self.prepend_sys_path = list(prepend_sys_path)
        # As configured; a package resource (``pkg:versions``) is resolved to its directory.
        self.version_locations = [
            str(resource_path(location))
            for location in (version_locations or [str(self.dir / "versions")])
        ]
        if not self.dir.is_dir():
            raise ScriptError(
                f"script_location {str(self.dir)!r} is not a directory. Run `still init "
                f"{self.dir}` to create it, or correct script_location in the configuration."
            )

    @classmethod
    def from_config(cls, config: Config) -> ScriptDirectory:
        """The script directory a configuration describes."""
        location = config.get_alembic_option("script_location")
        here = Path(config.config_file_name).parent if config.config_file_name else Path.cwd()
        if not location:
            where = config.config_file_name or config.toml_file_name or "the configuration"
            raise ScriptError(
                f"No script_location in the [{config.config_ini_section}] section of {where}. "
                + _script_location_hint(here.absolute())
            )
        base = resource_path(str(location))
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
            hooks=config.get_hooks_list(),
            recursive_version_locations=config.get_alembic_boolean_option(
                "recursive_version_locations"
            ),
            messaging_opts=config.messaging_opts,
            prepend_sys_path=config.get_prepend_sys_paths_list() or (),
        )

    # -- revision files ---------------------------------------------------------------------------

    @property
    def versions(self) -> str:
        """The version location (the first, where there are several)."""
        return self.version_locations[0]

    def _candidate_files(self) -> Iterator[tuple[str, os.stat_result | None]]:
        """Each revision file, with its stat when it was cheap to take here (None: take it)."""
        for location in self.version_locations:
            root = Path(location)
            if not root.is_dir():
                # As in Alembic: a location that does not exist (yet) holds no revisions; the
                # first revision written there creates it.
                continue
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
                heads = self.cache.digest().heads(digest)
                if heads is not None:
                    return heads
        return self.graph.heads

    def known_output(self, name: str) -> str | None:
        """A command's output remembered for exactly the present revision files, else None."""
        digest = self._files_digest
        return None if digest is None else self.cache.digest().output(digest, name)

    def remember_output(self, name: str, text: str) -> None:
        """Keep a command's output (a pure function of the revision files) for next time."""
        digest = self._files_digest
        if digest is not None and self._settled:
            self.cache.digest().write_output(digest, name, text)

    @cached_property
    def cache(self) -> ProjectCache:
        """The project's cache (headers, the data-loss scan, the digest store), in
        ``__pycache__`` beside env.py; ``STILL_NO_CACHE`` read once, here."""
        return ProjectCache.of(self.dir)

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
        source = self.__dict__.get("_graph_source")
        if source is not None:  # a RevisionMap an application set
            return source.graph  # type: ignore[no-any-return]
        # collector paused: it took a third of the time at 5,000 revisions (see still.gc_pause)
        with paused_gc():
            graph = self._build_graph(self._revision_files)
        self.__dict__["graph"] = graph  # _settled reads it
        digest = self._files_digest
        if digest is not None and self._settled:
            self.cache.digest().write_heads(digest, graph.heads)
        return graph

    def _build_graph(self, files: list[tuple[str, os.stat_result | None]]) -> RevisionGraph[Script]:
        return RevisionGraph(self._read_scripts(files), describe=lambda s: str(s.path))

    def _read_scripts(self, files: list[tuple[str, os.stat_result | None]]) -> list[Script]:
        scripts = []
        seen_stems: set[str] = set()
        problems: list[str] = []
        cache = self.cache.headers()
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
        cache.save({s.path for s in scripts})
        if problems:
            raise ScriptError("\n".join(problems))
        return scripts

    # -- Alembic's questions about the revisions --------------------------------------------------

    @property
    def revision_map(self) -> RevisionMap:
        """The revisions as Alembic's ``RevisionMap`` (the same graph still plans with)."""
        found = self.__dict__.get("_revision_map")
        if found is None or found.__dict__.get("graph") is not self.__dict__.get("graph"):
            found = self.__dict__["_revision_map"] = RevisionMap.of(self.graph)
        return found

    @revision_map.setter
    def revision_map(self, value: RevisionMap) -> None:
        # An application (pytest-alembic) refreshing the map after writing a file: from now on
        # the graph is the one the new map builds.
        self.__dict__["_revision_map"] = value
        self.__dict__.pop("graph", None)
        self.__dict__["_graph_source"] = value

    def _load_revisions(self) -> Iterator[Script]:
        """Every revision file, read afresh (the files may have changed since the graph was
        built)."""
        for name in ("_revision_files", "_files_digest"):
            self.__dict__.pop(name, None)
        yield from self._read_scripts(self._revision_files)

    def get_revision(self, id_: str) -> Script:
        """The revision an identifier names (an id, a unique prefix, a label, ``head``)."""
        if id_ in ("head", "heads", "base") or "@" in id_ or id_.startswith("-"):
            found = self.revision_map.get_revision(id_)
            if found is None:
                raise RevisionError(f"{id_!r} names no revision (it is base).")
            return found  # type: ignore[no-any-return]
        return self.graph.lookup(id_)

    def get_revisions(self, id_: Any) -> tuple[Script, ...]:
        """The revisions an identifier (or several) names; ``()`` for base."""
        return self.revision_map.get_revisions(id_)

    def get_all_current(self, id_: tuple[str, ...]) -> set[Script]:
        """The revisions a version table holding ``id_`` stands at, on every branch."""
        return self.revision_map._get_all_current(tuple(id_))

    def as_revision_number(self, id_: str | None) -> str | tuple[str, ...] | None:
        """A symbolic identifier (``head``, ``base``, a label ...) as revision id(s)."""
        ids, _ = self.revision_map._resolve_revision_number(id_)
        if not ids:
            return None
        return ids if id_ == "heads" else ids[0]

    def iterate_revisions(self, upper: Any, lower: Any, **kw: Any) -> Iterator[Script]:
        """The revisions from ``upper`` down to ``lower`` (see RevisionMap.iterate_revisions)."""
        return self.revision_map.iterate_revisions(upper, lower, **kw)

    def get_current_head(self) -> str | None:
        """The one head; None without revisions, an error when there are several."""
        return self.revision_map.get_current_head()

    def get_heads(self, consider_depends_on: bool = False) -> list[str]:
        """Every head; with ``consider_depends_on``, only those no revision depends on (what the
        version table holds at the top)."""
        if consider_depends_on:
            return list(self.revision_map._real_heads)
        return list(self.graph.heads)

    def get_base(self) -> str | None:
        """The one base; None without revisions, an error when there are several."""
        bases = self.get_bases()
        if len(bases) > 1:
            raise CommandError(
                f"The project has {len(bases)} bases ({', '.join(bases)}); use get_bases()."
            )
        return bases[0] if bases else None

    def get_bases(self) -> list[str]:
        return list(self.graph.bases)

    def walk_revisions(self, base: str = "base", head: str = "heads") -> Iterator[Script]:
        """The revisions from ``head`` down to ``base`` (both included), newest first."""
        if base == "base" and head == "heads":
            yield from self.graph.newest_first()
            return
        yield from self.revision_map.iterate_revisions(
            head, base, inclusive=True, assert_relative_length=False
        )

    # -- plans as Alembic's steps (for fn(rev, context) functions) --------------------------------

    def _upgrade_revs(self, destination: str, current_rev: Any) -> list[Any]:
        """The steps of ``upgrade DESTINATION`` from ``current_rev`` (the heads), as Alembic's
        ``RevisionStep`` objects."""
        steps = upgrade_steps(self.graph, destination, as_tuple(current_rev))
        return revision_steps(self.revision_map, self.graph, steps)

    def _downgrade_revs(self, destination: str, current_rev: Any) -> list[Any]:
        """The steps of ``downgrade DESTINATION`` from ``current_rev``."""
        steps = downgrade_steps(self.graph, destination, as_tuple(current_rev))
        return revision_steps(self.revision_map, self.graph, steps)

    def _stamp_revs(self, revision: Any, heads: Any) -> list[Any]:
        """The step that stamps ``revision`` (one or several) over ``heads``."""
        current = as_tuple(heads)
        targets: list[str] = []
        for spec in as_tuple(revision) or ("base",):
            targets.extend(
                t for t in resolve_targets(self.graph, spec, current) if t not in targets
            )
        steps = stamp_plan(self.graph, current, targets)
        return revision_steps(self.revision_map, self.graph, steps)

    # -- writing a revision -----------------------------------------------------------------------

    def generate_revision(
        self,
        revid: str,
        message: str | None,
        head: Any = None,
        splice: bool | None = False,
        branch_labels: Any = None,
        version_path: str | os.PathLike[str] | None = None,
        file_template: str | None = None,
        depends_on: Any = None,
        **kw: Any,
    ) -> Script | None:
        """Write a new revision file from script.py.mako (``kw``: more template variables);
        run the post-write hooks; return it."""
        from still.script.writer import write_revision

        graph = self.graph
        heads = [h.revision for h in self.get_revisions(head or "head") if h is not None]
        if len(set(heads)) != len(heads):
            raise CommandError("The same head is named twice; name each head once.")
        if not splice:
            for rid in heads:
                if graph[rid].children:
                    raise CommandError(
                        f"Revision {rid} is not a head; a new revision on top of it starts a "
                        "branch. Pass splice=True (--splice) to do that on purpose."
                    )
        if revid in graph:
            raise CommandError(f"Revision id {revid!r} is already used by {graph[revid].path}.")
        directory = self.version_path_for(os.fspath(version_path) if version_path else None, heads)
        directory.mkdir(parents=True, exist_ok=True)
        path = write_revision(
            template=self.template_path,
            directory=directory,
            file_template=file_template or self.file_template,
            truncate_slug_length=self.truncate_slug_length,
            encoding=self.output_encoding,
            timezone_name=self.timezone,
            rev_id=revid,
            message=message,
            down_revisions=tuple(heads),
            branch_labels=as_tuple(branch_labels),
            depends_on=self.dependencies_of(as_tuple(depends_on)),
            extra=kw,
        )
        if self.hooks:
            from still.script.hooks import run_hooks

            run_hooks(self.hooks, path)
        self.forget_revisions()
        return Script.from_path(path)

    def version_path_for(self, version_path: str | None, parents: Sequence[str]) -> Path:
        """Where a new revision goes: ``version_path`` (one of the version locations), else,
        when there are several locations, beside the revision it builds on, else the first."""
        locations = [Path(location).resolve() for location in self.version_locations]
        if version_path:
            wanted = Path(version_path).resolve()
            if wanted not in locations and not (
                self.recursive_version_locations
                and any(wanted.is_relative_to(location) for location in locations)
            ):
                raise CommandError(
                    f"--version-path {version_path} is not one of the version locations "
                    f"({', '.join(str(location) for location in locations)}): no command would "
                    "see a revision written there. Add it to version_locations in the "
                    "configuration, or pass one of those."
                )
            return Path(version_path)
        if len(locations) > 1:
            for parent in parents:
                return self.graph[parent].file_path.parent
        return Path(self.versions)

    def dependencies_of(self, specs: Sequence[str]) -> tuple[str, ...]:
        """``depends_on`` values as a revision file keeps them: a bare branch label stays a label,
        anything else (an id prefix, ``LABEL@head``, ``head``) becomes the revision id it
        names."""
        graph = self.graph
        found: list[str] = []
        for spec in specs:
            names = (spec,) if graph.by_label(spec) is not None else resolve_targets(graph, spec)
            found.extend(name for name in names if name not in found)
        return tuple(found)

    def forget_revisions(self) -> None:
        """Read the revision files again next time (one was written or changed)."""
        for name in ("graph", "_revision_files", "_files_digest", "_revision_map", "_graph_source"):
            self.__dict__.pop(name, None)

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
            load_python_file(env, ENV_MODULE)

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


def _script_location_hint(here: Path) -> str:
    """What to add for a missing script_location: the directories beside the configuration
    that hold an env.py, else what `still init` would make."""
    try:
        found = sorted(d.name for d in here.iterdir() if (d / "env.py").is_file())
    except OSError:
        found = []
    if len(found) == 1:
        return (
            f"Add `script_location = %(here)s/{found[0]}` (the directory beside it that holds "
            "env.py)."
        )
    if found:
        listed = ", ".join(f"`script_location = %(here)s/{name}`" for name in found)
        return f"Add the one that holds this project's migrations: {listed}."
    return (
        "Add `script_location = %(here)s/DIRECTORY`, the directory holding env.py and versions/ "
        "(`still init migrations` creates one)."
    )
