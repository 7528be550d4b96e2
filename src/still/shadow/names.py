"""Names of shadow databases and templates, and the digest that keys the cache.

A working database is ``still_shadow_<pid>_<random>``: the process id tells ``still shadow clean``
whether its run is still going, the random part keeps two builds of one process apart.  A
PostgreSQL template is ``still_shadow_tpl_<project>_<digest>``: one per project (a digest of the
script directory's path), replaced when the revision files change.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from still.script import ScriptDirectory

PREFIX = "still_shadow_"
TEMPLATE_PREFIX = "still_shadow_tpl_"
FORMAT = 1  # changes when what a cached shadow holds changes: older caches are then ignored
_WORKING = re.compile(rf"^{PREFIX}(\d+)_[0-9a-f]+(\.sqlite)?$")


def working_name() -> str:
    """A new working database's name (this process, a random suffix)."""
    return f"{PREFIX}{os.getpid()}_{secrets.token_hex(3)}"


def project_key(script: ScriptDirectory) -> str:
    """Eight hex digits naming the project (its script directory) on a shared server."""
    return hashlib.sha256(str(Path(script.dir).resolve()).encode()).hexdigest()[:8]


def template_name(script: ScriptDirectory, digest: str) -> str:
    return f"{TEMPLATE_PREFIX}{project_key(script)}_{digest}"


def revisions_digest(script: ScriptDirectory, targets: Sequence[str], kind: str) -> str:
    """A digest of what the schema at ``targets`` depends on: the files of every revision
    leading to them, env.py, and the kind of database."""
    graph = script.graph
    digest = hashlib.sha256(f"still-shadow {FORMAT} {kind}\n".encode())
    digest.update(" ".join(sorted(targets)).encode() + b"\n")
    for rid in sorted(graph.ancestors(targets)):
        digest.update(rid.encode() + b"\0")
        digest.update(Path(graph[rid].path).read_bytes())
    env = Path(script.env_py_location)
    if env.is_file():
        digest.update(env.read_bytes())
    return digest.hexdigest()[:24]


def owner_pid(name: str) -> int | None:
    """The process id in a working database's (or file's) name; None for anything else."""
    match = _WORKING.match(name)
    return int(match.group(1)) if match else None


def is_running(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (POSIX only: elsewhere never assumed)."""
    if os.name != "posix":
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True
