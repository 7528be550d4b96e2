"""``alembic.script.write_hooks``: post-write hook types of your own.

::

    from alembic.script import write_hooks

    @write_hooks.register("spaces_to_tabs")
    def convert(filename, options):
        ...

A hook in ``[post_write_hooks]`` whose ``type`` is ``spaces_to_tabs`` then calls it.
"""

from __future__ import annotations

from still.alembic_names._standin import stand_in

REVISION_SCRIPT_TOKEN = "REVISION_SCRIPT_FILENAME"

__getattr__, __dir__ = stand_in(
    globals(),
    "alembic.script.write_hooks",
    {"register": "still.script.hooks:register"},
)
