"""Names of shadow databases and templates, and the digest that keys the cache.

A working database is ``still_shadow_m<machine>_<pid>_<random>``: the machine's tag (a digest of
its host name) and the process id tell ``still shadow clean`` whether its run is still going (a
process id means something only on the machine that gave it: a database another machine made on
a shared server is never judged from here), the random part keeps two builds of one process
apart.  A PostgreSQL template is ``still_shadow_tpl_<project>_<digest>``: ``<project>`` a digest of
the script directory's path, ``<digest>`` the revision files' (servers.py keeps a few per project).
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from still.script import ScriptDirectory

PREFIX = "still_shadow_"
TEMPLATE_PREFIX = "still_shadow_tpl_"
FORMAT = 1  # changes when what a cached shadow holds changes: older caches are then ignored
# still_shadow_m<machine>_<pid>_<random>; a name without the machine (still_shadow_<pid>_<random>,
# made before the tag) is read as this machine's
_WORKING = re.compile(rf"^{PREFIX}(?:m([0-9a-f]{{8}})_)?(\d+)_[0-9a-f]+(\.sqlite)?$")


def machine_tag() -> str:
    """Eight hex digits naming this machine (a digest of its host name)."""
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def working_name() -> str:
    """A new working database's name (this machine, this process, a random suffix)."""
    return f"{PREFIX}m{machine_tag()}_{os.getpid()}_{secrets.token_hex(3)}"


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


def abandoned(name: str) -> bool:
    """Whether ``name`` is a working database (or file) whose run is over: made on this machine
    by a process that no longer runs.  One made on another machine is never judged from here."""
    match = _WORKING.match(name)
    if match is None:
        return False
    machine, pid = match.group(1), int(match.group(2))
    if machine is not None and machine != machine_tag():
        return False
    return not is_running(pid)


def is_running(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine.  Asked of the system: ``kill(pid, 0)`` on
    POSIX, ``OpenProcess`` and its exit code on Windows.  Where it cannot be asked, or the
    answer is unclear, the answer is yes: a database is never dropped as left behind unless its
    process is known gone."""
    if pid == os.getpid():
        return True
    if os.name == "nt":
        import ctypes

        return windows_process_running(pid, ctypes.windll.kernel32)  # type: ignore[attr-defined]
    if os.name != "posix":
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


# Windows: OpenProcess's access right to read a process's exit code, the error for "no such
# process" (an invalid pid is an invalid parameter), and the exit code of a process that runs.
_QUERY_LIMITED_INFORMATION = 0x1000
_ERROR_INVALID_PARAMETER = 87
_STILL_ACTIVE = 259


def windows_process_running(pid: int, kernel32: Any) -> bool:
    """Whether process ``pid`` runs, asked of Windows' ``kernel32`` (passed in: the tests give
    a stand-in).  Gone only when no process has the id, or its exit code is known."""
    import ctypes

    handle = kernel32.OpenProcess(_QUERY_LIMITED_INFORMATION, False, pid)
    if not handle:
        # no process has the id only when the id is refused; any other failure (access denied:
        # another user's process) keeps the database
        return bool(kernel32.GetLastError() != _ERROR_INVALID_PARAMETER)
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        # A process that exited with 259 reads as running: kept, the safe side.
        return code.value == _STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)
