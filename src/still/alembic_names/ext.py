"""``alembic.ext``: the opt-in plugins that ship with Alembic.

``alembic.ext.checkconstraint_byname`` (compare CHECK constraints by name) is what still's own
comparison does already; naming it in ``autogenerate_plugins`` is accepted, and its module's
``setup(plugin)`` adds nothing.
"""

from __future__ import annotations

from still.alembic_names._standin import stand_in

__path__: list[str] = []

__getattr__, __dir__ = stand_in(
    globals(),
    "alembic.ext",
    {},  # checkconstraint_byname: a submodule (still.compat.ALEMBIC_MODULES)
)
