"""The typed wiring between a command's caller and the engine: who hears and who answers.

A command takes a :class:`~still.config.Config`; its ``hooks`` (a :class:`Hooks`) travel with it
from the command to env.py's :class:`~still.runtime.environment.EnvironmentContext` and on to the
:class:`~still.runtime.migration.MigrationContext`:

* the :class:`Reporter` hears the progress of a run (the CLI prints it; the library default logs
  it on ``alembic.runtime.migration``);
* the :class:`Questioner` answers the questions a command may put to a person: may a run that
  loses data go on, is this drop-and-add a rename.  The default never asks (a library call must
  not wait for a keyboard); the CLI puts an interactive one in its place (``cli/questioner.py``),
  as Django's ``InteractiveMigrationQuestioner`` stands in for its non-interactive default;
* the listeners are called with the ``MigrationContext`` once env.py has configured it, before
  anything is read or run (the shadow database's guard is one, ``--sql --shadow``'s lending of
  its connection another); the operation listeners with each operation object ``op`` makes,
  before it runs (``upgrade --plan`` reads them).

Every method has a no-op answer here, so the engine calls them without probing for them, and
``config.attributes`` stays the users' own (Alembic's documented place for a connection).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


class Reporter:
    """Hears a run's progress; every method does nothing unless overridden."""

    def plan_started(self, steps: Sequence[Any]) -> None:
        """The steps about to run, before the first (a terminal shows a progress bar)."""

    def step_started(self, step: Any, script: Any) -> None:
        """A step begins (``script``: its revision file, ``None`` for a stamp)."""

    def step_finished(self, step: Any, script: Any, seconds: float) -> None:
        """A step committed (or, with ``--sql``, was written)."""

    def note(self, text: str) -> None:
        """Something the run did on the user's behalf (a SQLite rebuild ...)."""

    def finish(self) -> None:
        """The run is over, whether it succeeded or not."""

    def close_line(self) -> None:
        """A command failed: end any line left open."""


@dataclass(frozen=True)
class DataLoss:
    """What a plan's revisions destroy, read from their source before anything runs: one line
    per call (``REV (file, line N): text``), those that lose data and those still cannot check."""

    found: tuple[str, ...] = ()
    unchecked: tuple[str, ...] = ()


class Questioner:
    """Answers a command's questions.  This one is for code: it never asks, and answers
    ``None`` ("no opinion"), so the command decides from the configuration."""

    #: The command line the questions are about, for the hints of a refusal (the CLI's).
    command_line: str | None = None

    def confirm_data_loss(self, loss: DataLoss, command: str) -> bool | None:
        """May a run that loses data (``loss.found``, maybe empty when only ``unchecked``) go
        on?  ``True`` runs it, ``False`` stops it (raise :class:`~still.errors.StillError` to
        say why), ``None`` leaves it to ``confirm_data_loss``.  ``command`` is the command line
        asked, for hints.  Called before any transaction is open."""
        return None

    def ask_rename(self, candidate: Any) -> bool | None:
        """Is ``candidate`` (a :class:`~still.autogenerate.renames.RenameCandidate`) a rename?
        ``None``: not asked (the command writes a drop and an add, with a warning)."""
        return None

    @property
    def reviews_data_loss(self) -> bool:
        """Whether this questioner wants to see the data-loss scan of every plan (the scan
        costs a read of each revision's source, cached)."""
        return type(self).confirm_data_loss is not Questioner.confirm_data_loss


# A listener is called with the MigrationContext env.py configured, before it reads or runs.
Listener = Callable[[Any], None]


@dataclass
class Hooks:
    """The reporter, the questioner and the listeners of one configuration's commands.
    ``reporter=None``: the library's logging reporter."""

    reporter: Reporter | None = None
    questioner: Questioner = field(default_factory=Questioner)
    listeners: list[Listener] = field(default_factory=list)
    # Called with each operation object as ``op`` makes it, before it runs (`upgrade --plan`).
    operation_listeners: list[Callable[[Any], None]] = field(default_factory=list)
