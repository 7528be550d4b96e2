"""Alembic's public modules, served by still.

While still loads env.py and revision files (and wherever a process opts in with
:mod:`still.alembic_shim`), ``alembic`` is this package and ``alembic.config``,
``alembic.operations``, ``alembic.autogenerate`` ... are its modules (one table,
:data:`still.compat.ALEMBIC_MODULES`, maps them all).  Each one only names which still object
answers which Alembic name; nothing is imported before it is used.
"""

from __future__ import annotations

from still.alembic_names._standin import stand_in

# The Alembic release whose public interface these modules follow (add-ons compare it).
__version__ = "1.20.1"

# every name of ``alembic`` is a module (still.compat.ALEMBIC_MODULES lists them)
__getattr__, __dir__ = stand_in(globals(), "alembic", {})
