"""Progress reports of a migration run: the CLI prints them, the library logs them."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, TextIO

from still.graph import Step
from still.hooks import Reporter

__all__ = ["LoggingReporter", "Reporter", "SilentReporter", "StreamReporter", "describe_step"]

if TYPE_CHECKING:
    from still.script import Script


def describe_step(step: Step, script: Script | None) -> str:
    if step.revision is None:
        return (
            f"Stamping {', '.join(step.removes) or '<base>'} -> {', '.join(step.adds) or '<base>'}"
        )
    verb = "Running upgrade" if step.is_upgrade else "Running downgrade"
    if step.is_upgrade:
        before = ", ".join(script.down_revisions) if script and script.down_revisions else "<base>"
        arrow = f"{before} -> {step.revision}"
    else:
        after = ", ".join(script.down_revisions) if script and script.down_revisions else "<base>"
        arrow = f"{step.revision} -> {after}"
    message = f", {script.doc}" if script is not None and script.doc else ""
    return f"{verb} {arrow}{message}"


# The logger Alembic reports its steps on: an existing project's alembic.ini configures the
# ``alembic`` logger, and its fileConfig() call disables every other logger that exists by then.
MIGRATION_LOGGER = "alembic.runtime.migration"


class LoggingReporter(Reporter):
    """Reports through the ``alembic.runtime.migration`` logger (for the library API)."""

    def step_started(self, step: Step, script: Script | None) -> None:
        logging.getLogger(MIGRATION_LOGGER).info(describe_step(step, script))

    def step_finished(self, step: Step, script: Script | None, seconds: float) -> None:
        pass

    def note(self, text: str) -> None:
        logging.getLogger(MIGRATION_LOGGER).info(text)


class StreamReporter(Reporter):
    """Reports each step on a stream (stderr for the CLI), with its duration."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.line_open = False

    def step_started(self, step: Step, script: Script | None) -> None:
        self.stream.write(describe_step(step, script) + " ... ")
        self.stream.flush()
        self.line_open = True

    def step_finished(self, step: Step, script: Script | None, seconds: float) -> None:
        self.stream.write(f"done ({seconds * 1000:.0f} ms)\n")
        self.stream.flush()
        self.line_open = False

    def note(self, text: str) -> None:
        if self.line_open:
            self.stream.write("\n")
        self.stream.write(f"  note: {text}\n")
        self.stream.flush()
        self.line_open = False

    def close_line(self) -> None:
        """End a line left open by a step that failed."""
        if self.line_open:
            self.stream.write("failed\n")
            self.line_open = False


class SilentReporter(Reporter):
    """Reports nothing (``still -q``)."""

    def step_started(self, step: Step, script: Script | None) -> None:
        pass

    def step_finished(self, step: Step, script: Script | None, seconds: float) -> None:
        pass

    def note(self, text: str) -> None:
        pass


logging_reporter = LoggingReporter()
