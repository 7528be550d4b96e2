"""``alembic.plugins`` (``alembic.runtime.plugins``): autogenerate plugins, still's
:class:`still.autogenerate.plugins.Plugin`."""

from __future__ import annotations

from still.alembic_names._standin import stand_in

__getattr__, __dir__ = stand_in(
    globals(),
    "alembic.runtime.plugins",
    {"Plugin": "still.autogenerate.plugins:Plugin"},
)
