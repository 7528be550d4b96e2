"""Progress on a terminal: coloured step lines, and a progress bar for long runs (rich, imported
only here, only when stderr is a terminal; NO_COLOR takes away the colour, not the bar).

Piped or redirected output keeps the plain ``Running upgrade ... done (N ms)`` lines of
:class:`still.runtime.reporting.StreamReporter`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

from still.hooks import Reporter
from still.runtime.reporting import StreamReporter, describe_step

# A run with at least this many steps gets a progress bar under its step lines.
PROGRESS_FROM = 10


def on_terminal() -> bool:
    """stderr is a terminal that can redraw a line (a progress bar)."""
    return sys.stderr.isatty() and os.environ.get("TERM") != "dumb"


def wants_terminal_output() -> bool:
    """Colour on stderr: a terminal, and NO_COLOR not set (https://no-color.org)."""
    return on_terminal() and not os.environ.get("NO_COLOR")


def reporter() -> Reporter:
    """The reporter for this process's stderr: on a terminal step lines and a progress bar (in
    colour unless NO_COLOR is set, which takes away only the colour), else plain lines."""
    return TerminalReporter() if on_terminal() else StreamReporter()


class TerminalReporter(Reporter):
    """Step lines in colour with their duration; a progress bar when the plan is long."""

    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(
            stderr=True, highlight=False, no_color=bool(os.environ.get("NO_COLOR"))
        )
        self.progress: Any = None
        self.task: Any = None
        self.line_open = False
        self._current = ""

    def plan_started(self, steps: Sequence[Any]) -> None:
        count = sum(1 for step in steps if step.revision)
        if count >= PROGRESS_FROM:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self.progress = Progress(
                TextColumn("[bold]migrating"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self.task = self.progress.add_task("migrating", total=len(steps))
            self.progress.start()

    def step_started(self, step: Any, script: Any) -> None:
        self._current = describe_step(step, script)
        self.line_open = True

    def step_finished(self, step: Any, script: Any, seconds: float) -> None:
        took = f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"
        colour = "green" if step.is_upgrade else "yellow"
        # Advanced first: printing the line redraws the bar below it, which must count this step.
        if self.progress is not None:
            self.progress.update(self.task, advance=1, refresh=True)
        self.console.print(f"[{colour}]✓[/] {self._current} [dim]({took})[/]")
        self.line_open = False

    def note(self, text: str) -> None:
        self.console.print(f"  [cyan]note:[/] {text}")

    def close_line(self) -> None:
        if self.line_open:
            self.console.print(f"[red]✗[/] {self._current} [red]failed[/]")
            self.line_open = False
        self.finish()

    def finish(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
