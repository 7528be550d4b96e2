"""What else a cached schema depends on: the project's own modules the revisions import.

A revision that imports application code (an enum's values, a helper that makes columns) builds a
schema that changes when that module changes, though no revision file did.  After a build, the
revision files' import statements (module level and inside functions) are read, and the project's
own modules among them (files under the project's directory, outside the Python installation and
its site-packages) are followed to the project modules they import in turn.  Their list is kept
beside the cache (``<digest>.dependencies.json``); the cache key is the revision files' digest
together with those files' contents as they are now, so a changed module is a new key: the cache
misses and the schema is built again.

Only modules loaded in this process count (an import that never ran built nothing), and as
Python loaded them: a module edited after its import in a long-lived process (a pytest session)
is not read again, so that build is of the module as imported.  The list is
read again only when the revision files' digest is unchanged, and then their import statements
are too; a dependency that gains an import of its own changes its own contents, so the next build
reads the list afresh.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import site
import sys
import sysconfig
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from still.script import ScriptDirectory

SUFFIX = ".dependencies.json"
# Imports every revision template makes: never the project's own code.
_NEVER_LOCAL = frozenset({"alembic", "sqlalchemy", "typing", "__future__", "still"})


def cache_key(digest: str, directory: Path, root: Path) -> str:
    """The key of the cache for the revision files' ``digest``: the digest itself when no build
    recorded dependencies for it, else the digest and the recorded files' contents now."""
    recorded = directory / f"{digest}{SUFFIX}"
    try:
        files = json.loads(recorded.read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return digest
    return _keyed(digest, [root / name for name in files])


def record(digest: str, directory: Path, root: Path, files: Sequence[Path]) -> str:
    """Keep the list of ``files`` (paths under ``root``) for ``digest``; the cache key for them
    as they are now.  With no files, nothing is kept and the key is the digest."""
    recorded = directory / f"{digest}{SUFFIX}"
    if not files:
        recorded.unlink(missing_ok=True)
        return digest
    names = sorted(str(f.relative_to(root)) for f in files)
    partial = recorded.with_name(f".{recorded.name}.{os.getpid()}.tmp")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps({"files": names}), encoding="utf-8")
        os.replace(partial, recorded)
    except OSError:
        partial.unlink(missing_ok=True)
    return _keyed(digest, [root / name for name in names])


def forget(directory: Path) -> None:
    """Remove every list kept (``still shadow clean``, with the caches they key)."""
    if directory.is_dir():
        for listed in directory.glob(f"*{SUFFIX}"):
            listed.unlink(missing_ok=True)


def _keyed(digest: str, files: Iterable[Path]) -> str:
    key = hashlib.sha256(digest.encode())
    for path in files:
        key.update(str(path).encode() + b"\0")
        try:
            key.update(path.read_bytes())
        except OSError:  # gone: a key no build made
            key.update(b"\0missing")
    return key.hexdigest()[:24]


def project_root(config_file: str | None) -> Path:
    """The project's directory: the ini's, else the working directory."""
    return Path(config_file).resolve().parent if config_file else Path.cwd().resolve()


def revision_dependencies(
    script: ScriptDirectory, revisions: Iterable[str], root: Path
) -> list[Path]:
    """The project's own source files the ``revisions``' files import, directly or through each
    other (env.py and the revision files themselves excluded: the digest has them)."""
    graph = script.graph
    own = {Path(graph[rid].path).resolve() for rid in revisions}
    own.add(Path(script.env_py_location).resolve())
    installed = _installed_paths()
    found: set[Path] = set()
    pending: list[tuple[Path, str | None]] = [(path, None) for path in own]
    while pending:
        path, package = pending.pop()
        for name in _imported(path, package):
            module = _loaded_module_file(name)
            if module is None or module in own or module in found:
                continue
            if not _is_local(module, root, installed):
                continue
            found.add(module)
            pending.append((module, _package_of(name, module)))
    return sorted(found)


def _imported(path: Path, package: str | None) -> set[str]:
    """The modules ``path`` imports anywhere in it (``from a import b`` gives ``a`` and
    ``a.b``: b may be a submodule), relative ones resolved against ``package``."""
    try:
        text = path.read_bytes()
    except OSError:
        return set()
    if not _may_import_project_code(text):
        return set()
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node.module, node.level, package)
            if base is None:
                continue
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return {n for n in names if n.split(".")[0] not in _NEVER_LOCAL}


def _may_import_project_code(text: bytes) -> bool:
    """False when every import statement of the file names a module of the revision templates
    (most revision files): no need to parse it."""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith((b"import ", b"from ")):
            root = line.split()[1].split(b".")[0].rstrip(b",")
            if root.decode("utf-8", "replace") not in _NEVER_LOCAL:
                return True
        elif b"import " in line:  # "x = 1; import y", "if t: import y": let the parser decide
            return True
    return False


def _absolute(module: str | None, level: int, package: str | None) -> str | None:
    if level == 0:
        return module
    if not package:
        return None
    parts = package.split(".")
    if level - 1 > len(parts) - 1:
        return None
    base = ".".join(parts[: len(parts) - (level - 1)])
    return f"{base}.{module}" if module else base


def _package_of(name: str, file: Path) -> str:
    return name if file.name == "__init__.py" else name.rpartition(".")[0]


def _loaded_module_file(name: str) -> Path | None:
    module = sys.modules.get(name)
    file = getattr(module, "__file__", None)
    if not file or not str(file).endswith(".py"):
        return None
    return Path(file).resolve()


def _installed_paths() -> list[Path]:
    """Where Python and installed packages live (a virtualenv inside the project included)."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, *site.getsitepackages()}
    paths.update(p for p in sysconfig.get_paths().values() if p)
    user = site.getusersitepackages() if site.ENABLE_USER_SITE else None
    if user:
        paths.add(user)
    return [Path(p).resolve() for p in paths]


def _is_local(file: Path, root: Path, installed: Sequence[Path]) -> bool:
    if not file.is_relative_to(root):
        return False
    return not any(file.is_relative_to(p) for p in installed)
