"""The process-wide switch: with ``STILL_AS_ALEMBIC=1`` in the environment, ``import alembic``
gives still in every Python process of the installation, child processes included.

Why at interpreter start-up: pytest plugins (pytest-alembic), Flask-Migrate and an application's
own modules import ``alembic`` before any line of the project could call
:func:`still.alembic_shim.install`, and ``flask db ...`` runs in processes of its own.  An
environment variable reaches all of them, and every interpreter reads it at start-up through the
``still_as_alembic.pth`` file still installs into site-packages (``site`` executes its one
``import`` line).

Turned off (unset, or empty, ``0``, ``false``, ``no``, ``off``) the .pth line is one dictionary
lookup: this module is not even imported.  Turned on, this module puts a finder first on
:data:`sys.meta_path` and imports nothing else; the first ``import alembic...`` of the process
then puts still's modules under every Alembic name (:mod:`still.compat`) for the rest of it.
"""

from __future__ import annotations

import os
import sys

# Every interpreter that starts with the switch on imports this module: it imports only what
# Python has loaded before site runs (not typing, collections.abc or types).  Type checkers
# read any name TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType

__all__ = ["VARIABLE", "is_on", "start"]

VARIABLE = "STILL_AS_ALEMBIC"
_OFF = frozenset({"", "0", "false", "no", "off"})


def is_on(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the environment asks for still behind the ``alembic`` names."""
    return environ.get(VARIABLE, "").strip().lower() not in _OFF


class AlembicIsStill:
    """First on :data:`sys.meta_path` while the switch is on: answers the first ``import
    alembic...`` of the process (nothing is in :data:`sys.modules` under that name yet) by
    putting still's modules under all of Alembic's names, for good."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname != "alembic" and not fullname.startswith("alembic."):
            return None
        from importlib.machinery import ModuleSpec

        # A loader by protocol (create_module, exec_module): importlib.abc.Loader as a base
        # would import importlib.abc in every interpreter the switch is on in.
        # "alembic" is a package (python -m alembic looks for alembic.__main__)
        is_package = fullname == "alembic"
        return ModuleSpec(fullname, self, is_package=is_package)  # type: ignore[arg-type]

    def create_module(self, spec: ModuleSpec) -> None:
        return None  # importlib makes a placeholder; exec_module replaces it

    def exec_module(self, module: ModuleType) -> None:
        # The module importlib hands back is whatever sys.modules holds under the name after
        # this call: still's module, never the placeholder.
        import importlib

        from still import compat

        name = module.__name__
        sys.modules.pop(name, None)
        compat.hold_for_process()
        if name not in sys.modules:  # a name still has no stand-in: compat's finder says so
            sys.modules[name] = importlib.import_module(name)


_FINDER = AlembicIsStill()


def start(environ: Mapping[str, str] = os.environ) -> bool:
    """Called by ``still_as_alembic.pth`` at interpreter start-up when the variable is set."""
    if not is_on(environ):
        return False
    if not any(isinstance(finder, AlembicIsStill) for finder in sys.meta_path):
        sys.meta_path.insert(0, _FINDER)
    return True
