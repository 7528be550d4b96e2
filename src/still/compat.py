"""Make ``import alembic...`` resolve to still inside still's process.

Existing projects say ``from alembic import op`` and ``from alembic import context``.  While still
loads an env.py or a revision file it puts its own modules in :data:`sys.modules` under Alembic's
names, and afterwards puts back whatever was there before, so a real Alembic installed beside
still is never disturbed outside those moments.

Every public Alembic module has a stand-in (:mod:`still.alembic_names`); an Alembic module still
has no stand-in for raises :class:`ModuleNotSupportedYet` naming it.  A user's own process may
keep the names in place for longer, explicitly (:mod:`still.alembic_shim`), or for its whole life
(:func:`hold_for_process`, which the process-wide switch :mod:`still.alembic_switch` calls).

This module sits just above :mod:`still.errors` in the layers: it imports still's other modules
by name only, when the names are put in place.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType
from typing import Any

from still.errors import StillError

_NAMES = "still.alembic_names"

# Alembic's public module name -> the still module that serves it: the one table of the mapping.
# sys.modules is filled from it, and each stand-in's submodules (``alembic.runtime.migration`` as
# an attribute of ``alembic.runtime``) are derived from it (still.alembic_names._standin).
ALEMBIC_MODULES: dict[str, str] = {
    "alembic": _NAMES,
    "alembic.op": "still.op",
    "alembic.context": "still.context",
    "alembic.config": f"{_NAMES}.config",
    "alembic.command": f"{_NAMES}.command",
    "alembic.operations": f"{_NAMES}.operations",
    "alembic.operations.ops": f"{_NAMES}.operations_ops",
    "alembic.operations.base": f"{_NAMES}.operations",
    "alembic.runtime": f"{_NAMES}.runtime",
    "alembic.runtime.migration": f"{_NAMES}.runtime_migration",
    "alembic.runtime.environment": f"{_NAMES}.runtime_environment",
    "alembic.runtime.plugins": f"{_NAMES}.plugins",
    "alembic.plugins": f"{_NAMES}.plugins",
    "alembic.ext": f"{_NAMES}.ext",
    "alembic.ext.checkconstraint_byname": f"{_NAMES}.ext_checkconstraint_byname",
    "alembic.migration": f"{_NAMES}.runtime_migration",
    "alembic.environment": f"{_NAMES}.runtime_environment",
    "alembic.script": f"{_NAMES}.script",
    "alembic.script.base": f"{_NAMES}.script",
    "alembic.script.revision": f"{_NAMES}.script_revision",
    "alembic.script.write_hooks": f"{_NAMES}.script_write_hooks",
    "alembic.autogenerate": f"{_NAMES}.autogenerate",
    "alembic.autogenerate.api": f"{_NAMES}.autogenerate",
    "alembic.autogenerate.compare": f"{_NAMES}.autogenerate",
    "alembic.autogenerate.render": f"{_NAMES}.autogenerate",
    "alembic.autogenerate.rewriter": f"{_NAMES}.autogenerate",
    "alembic.ddl": f"{_NAMES}.ddl",
    "alembic.ddl.impl": f"{_NAMES}.ddl",
    "alembic.ddl.base": f"{_NAMES}.ddl_base",
    "alembic.ddl.postgresql": f"{_NAMES}.ddl",
    "alembic.ddl.mysql": f"{_NAMES}.ddl",
    "alembic.ddl.sqlite": f"{_NAMES}.ddl",
    "alembic.ddl.mssql": f"{_NAMES}.ddl",
    "alembic.ddl.oracle": f"{_NAMES}.ddl",
    "alembic.util": f"{_NAMES}.util",
    "alembic.util.exc": f"{_NAMES}.util",
    "alembic.util.langhelpers": f"{_NAMES}.util",
    "alembic.util.messaging": f"{_NAMES}.util",
    "alembic.util.pyfiles": f"{_NAMES}.util",
    "alembic.util.editor": f"{_NAMES}.util",
}


class NotSupportedYet(StillError):
    """An Alembic name still has no counterpart for yet (the message names it).  A user-facing
    error like any other (reported without a traceback); its two kinds are also the
    ``AttributeError`` and ``ImportError`` Python code expects of a missing name."""


class NameNotSupportedYet(AttributeError, NotSupportedYet):
    """``alembic.x.name`` (attribute access; ``hasattr`` gives False)."""


class ModuleNotSupportedYet(ImportError, NotSupportedYet):
    """``import alembic.x`` or ``from alembic.x import name``."""


class _UnsupportedAlembicModules:
    """On :data:`sys.meta_path` while the names are in place: an ``alembic.*`` module without a
    stand-in is an error that names it, never a silent fall-through to a real Alembic."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname in ALEMBIC_MODULES and _held_for_process:
            return None  # taken out of sys.modules: the process-wide switch puts it back
        if fullname == "alembic.__main__":  # python -m alembic: still's command line
            from importlib.util import spec_from_file_location

            return spec_from_file_location(fullname, _MAIN)
        if fullname == "alembic" or fullname.startswith("alembic."):
            raise ModuleNotSupportedYet(
                f"{fullname} is not supported by still yet. still runs Alembic projects "
                "unchanged through Alembic's public modules; this one has no still counterpart so "
                "far (see docs/migrating-from-alembic.md).",
                name=fullname,
            )
        return None


_MAIN = str(Path(__file__).parent / "alembic_names" / "__main__.py")
_finder = _UnsupportedAlembicModules()
_depth = 0
# Threads running commands at once enter and leave in any order: one at a time.
_depth_lock = threading.RLock()
_saved: dict[str, ModuleType | None] = {}
_held_for_process = False


def _install() -> None:
    for alias, target in ALEMBIC_MODULES.items():
        _saved[alias] = sys.modules.get(alias)
        sys.modules[alias] = importlib.import_module(target)
    # Submodules of a real Alembic imported earlier (alembic.util.langhelpers...) must not
    # shadow the stand-ins' "not supported" answer while the names are still's.
    for name in [n for n in sys.modules if n.startswith("alembic.") and n not in _saved]:
        _saved[name] = sys.modules.pop(name)
    sys.meta_path.insert(0, _finder)


def _restore() -> None:
    while _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
    for alias, previous in _saved.items():
        if previous is None:
            sys.modules.pop(alias, None)
        else:
            sys.modules[alias] = previous
    _saved.clear()


def real_alembic_loaded() -> str | None:
    """The file of a real Alembic already in :data:`sys.modules` (outside still's names)."""
    module: Any = sys.modules.get("alembic")
    if module is None or _depth > 0:
        return None
    name = getattr(module, "__name__", "")
    if name == _NAMES:
        return None
    return str(getattr(module, "__file__", None) or name)


def enter() -> None:
    """Put still's modules under Alembic's names (nested calls count; see :func:`leave`)."""
    global _depth
    with _depth_lock:
        if _depth == 0:
            _install()
        _depth += 1


def leave() -> None:
    """Undo one :func:`enter`; the last one puts back what was there before."""
    global _depth
    with _depth_lock:
        if _depth == 0:
            return
        _depth -= 1
        if _depth == 0:
            _restore()


def hold_for_process() -> None:
    """still's modules under Alembic's names for the rest of the process: one :func:`enter`
    never left, so still's own commands, which enter and leave around env.py, no longer put
    anything back.

    Called again (some code took names out of :data:`sys.modules`, as test tools that isolate
    imports do), it puts the missing ones back."""
    global _held_for_process
    if not _held_for_process:
        _held_for_process = True
        enter()
        return
    for alias, target in ALEMBIC_MODULES.items():
        if alias not in sys.modules:
            sys.modules[alias] = importlib.import_module(target)
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)


def held_for_process() -> bool:
    """Whether :func:`hold_for_process` was called in this process."""
    return _held_for_process


@contextmanager
def alembic_names() -> Iterator[None]:
    """Within this block ``alembic`` and its public submodules are still's."""
    enter()
    try:
        yield
    finally:
        leave()
