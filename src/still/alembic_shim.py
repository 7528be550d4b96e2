"""Opt in: still behind the ``alembic`` names in your own process.

still's commands put its modules under Alembic's names only while they load env.py and revision
files.  An application that runs its migrations at start-up with ``from alembic import
command``, or a test suite built on ``alembic.config.Config``, can ask for the same, explicitly::

    import still.alembic_shim

    still.alembic_shim.install()          # before anything imports alembic
    from alembic import command           # still's
    from alembic.config import Config     # still's
    command.upgrade(Config("alembic.ini"), "head")

or for a block only::

    with still.alembic_shim.installed():
        ...

``uninstall()`` (or leaving the block) puts back what was there: a real Alembic installed beside
still is never replaced behind the back of code that already imported it.  ``install()`` refuses
when a real Alembic was imported first (such code keeps the real one, and the process would run
both); ``install(replace=True)`` takes the names anyway.

When code you do not control imports alembic first (pytest plugins, Flask-Migrate, ``flask db``
in a child process), use the process-wide switch instead: ``STILL_AS_ALEMBIC=1`` in the
environment (:mod:`still.alembic_switch`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from still import compat

__all__ = ["AlembicAlreadyImported", "install", "installed", "is_installed", "uninstall"]

_installed_here = 0


class AlembicAlreadyImported(RuntimeError):
    """A real Alembic was imported before :func:`install`."""


def install(replace: bool = False) -> None:
    """From now on ``import alembic...`` gives still's modules, until :func:`uninstall`."""
    global _installed_here
    real = compat.real_alembic_loaded()
    if real is not None and not replace:
        raise AlembicAlreadyImported(
            f"A real Alembic ({real}) was imported before still.alembic_shim.install(); modules "
            "that imported it keep it. Call install() first (at the top of your entry point or "
            "conftest.py), or install(replace=True) to take the alembic names anyway; when a "
            "plugin or library imports alembic before your code runs, set STILL_AS_ALEMBIC=1 "
            "in the environment instead (still for the whole process and its children)."
        )
    compat.enter()
    _installed_here += 1


def uninstall() -> None:
    """Undo :func:`install`: the ``alembic`` names go back to what they were before."""
    global _installed_here
    if _installed_here == 0:
        return
    _installed_here -= 1
    compat.leave()


def is_installed() -> bool:
    return _installed_here > 0


@contextmanager
def installed(replace: bool = False) -> Iterator[None]:
    """``alembic`` is still inside the block, and what it was before afterwards."""
    install(replace=replace)
    try:
        yield
    finally:
        uninstall()
