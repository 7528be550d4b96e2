"""The data-loss decision of a plain ``upgrade`` / ``downgrade``, made before anything runs.

The plan's revisions are scanned (``script/scan.py``), not run.  The configuration's questioner
(:mod:`still.hooks`) is asked first: the CLI's names what is lost and asks on a terminal (or
takes ``--yes``); the library's never asks.  Without an answer, ``confirm_data_loss = true``
decides here, in the command layer, so ``command.upgrade()`` from Python honours it as the CLI
does.  The run loop calls this after planning and before it opens a transaction or takes the
lock (``RunLoop._approved_outside_transaction`` in ``runtime/run_loop.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from still.config import Config
from still.errors import EXIT_NOT_CONFIRMED, CommandError
from still.graph import Step
from still.hooks import DataLoss

CONFIRM_KEY = "confirm_data_loss"


class DataLossNotConfirmed(CommandError):
    """A run that loses data was not confirmed: nothing was run."""

    def __init__(self, message: str, exit_code: int = EXIT_NOT_CONFIRMED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def scan_plan(script: Any, steps: Sequence[Step]) -> DataLoss:
    """What the plan's revisions destroy, read from their source (cached per file)."""
    from still.script.scan import destructive_calls

    cache = script.cache.scan()
    found: list[str] = []
    unchecked: list[str] = []
    for step in steps:
        if not step.revision:
            continue
        revision = script.graph[step.revision]
        function = "upgrade" if step.is_upgrade else "downgrade"
        for line, text, loses_data in destructive_calls(revision.file_path, function, cache):
            entry = f"  {step.revision} ({revision.file_path.name}, line {line}): {text}"
            (found if loses_data else unchecked).append(entry)
    cache.save()
    return DataLoss(tuple(found), tuple(unchecked))


def approve_plan(config: Config, script: Any, steps: Sequence[Step], command: str) -> None:
    """Let the run go on, or raise :class:`DataLossNotConfirmed`.  ``command`` is the command
    asked (``still upgrade head``), for the hint; the questioner may know it better (the CLI's
    has the whole command line)."""
    if not steps:
        return
    questioner = config.hooks.questioner
    enforced = config.get_alembic_boolean_option(CONFIRM_KEY)
    if not enforced and not questioner.reviews_data_loss:
        return  # nobody to tell and nothing to enforce: no scan (the library's default)
    loss = scan_plan(script, steps)
    if not loss.found and not loss.unchecked:
        return
    answer = questioner.confirm_data_loss(loss, command)
    if answer is True:
        return
    if answer is False:
        raise DataLossNotConfirmed("Nothing was run: the data loss was not confirmed.")
    if loss.found and enforced:
        shown = questioner.command_line or command
        raise DataLossNotConfirmed(
            "Nothing was run: this run loses data and the configuration says "
            f"{CONFIRM_KEY} = true:\n" + "\n".join(loss.found) + "\n"
            f"Review it (`{shown} --plan`), then run again with --yes (from Python: set "
            "config.hooks.questioner to a Questioner whose confirm_data_loss returns True)."
        )
