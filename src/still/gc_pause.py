"""Pausing Python's cyclic garbage collector while still builds many objects in a row.

Building thousands of small objects at once (a revision graph, a reflected schema and its
comparison with the models) sets off the collector again and again, and each of its full passes
walks every object the process holds, all of SQLAlchemy's included: a third of the time of
``still check`` at 1,000 tables.  What still builds in these moments has no reference cycles that
need the collector; it runs as before once the work is done.  User code (env.py, a revision's
``upgrade()``) never runs with the collector paused or frozen, except the comparator and rewriter
hooks an env.py registers for autogenerate: the run loop no longer freezes (issue 17; it froze
every object of a host application, across its threads, and measured no gain).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Collector off inside; back on afterwards if it was on (nested pauses are harmless)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def frozen_gc() -> Iterator[None]:
    """What exists on entry (SQLAlchemy, the loaded revision modules, the application) is left
    out of the collector's passes inside; they no longer grow with the size of the project, so a
    run of thousands of revisions stays linear.  Garbage is still collected as usual, and
    everything is handed back to the collector afterwards.  A process that froze objects itself
    (a server that freezes before forking) is left as it is."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
