"""The collector is paused or frozen only inside still's own work, and given back as it was."""

from __future__ import annotations

import gc

from still.gc_pause import frozen_gc, paused_gc


def test_paused_gc_restores_the_collector() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # a caller's own choice is kept
    finally:
        gc.enable()


def test_frozen_gc_unfreezes_and_keeps_a_callers_freeze() -> None:
    assert gc.get_freeze_count() == 0
    with frozen_gc():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
    gc.freeze()  # e.g. a server that freezes before forking its workers
    try:
        before = gc.get_freeze_count()
        with frozen_gc():
            pass
        assert gc.get_freeze_count() == before
    finally:
        gc.unfreeze()
