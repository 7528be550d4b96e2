"""The CLI's questioner: names what a run destroys, and asks on a terminal.

Before a plain ``upgrade``/``downgrade`` the command layer (``command/data_loss.py``) hands it
what the plan's revisions destroy, before any transaction is open.  It lists it on stderr; on a
terminal the user confirms, ``--yes`` confirms for scripts and CI.  Elsewhere it has no answer,
and the run goes on, as with Alembic, with the list printed first — unless the configuration says
``confirm_data_loss = true``, which the command layer enforces.  ``revision --autogenerate``
asks it whether a drop and an add are a rename (on a terminal; elsewhere it does not ask).
"""

from __future__ import annotations

import sys
from typing import Any

from still.command.data_loss import DataLossNotConfirmed
from still.hooks import DataLoss, Questioner

NotConfirmed = DataLossNotConfirmed  # the name this module gave it before


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


class TerminalQuestioner(Questioner):
    """``yes``: ``--yes`` was given; ``command``: the command line asked (for the hints)."""

    def __init__(self, yes: bool = False, command: str | None = None) -> None:
        self.yes = yes
        self.command_line = command

    def confirm_data_loss(self, loss: DataLoss, command: str) -> bool | None:
        import click

        if loss.unchecked:
            click.echo(
                "This run executes SQL still cannot check before it runs (review it yourself: "
                "it is not counted as data loss):\n" + "\n".join(loss.unchecked),
                err=True,
            )
        if not loss.found:
            return None
        from still.cli.terminal import wants_terminal_output

        header = "This run loses data:"
        if wants_terminal_output():
            header = click.style(header, fg="red", bold=True)
        click.echo(header + "\n" + "\n".join(loss.found), err=True)
        if self.yes:
            return True
        if _interactive():
            return self._ask(self.command_line or command)
        return None

    def _ask(self, command: str) -> bool:
        """Ask on the terminal; ``True`` on "yes", :class:`NotConfirmed` otherwise."""
        import click

        plan = f"`{command} --plan` shows every statement first; --yes confirms without asking."
        try:
            if click.confirm("Run it?", default=False, err=True):
                return True
        except click.Abort as exc:
            # click turns Ctrl-C and the end of input into Abort; the original is its context.
            if isinstance(exc.__context__, KeyboardInterrupt):
                click.echo("", err=True)
                raise NotConfirmed("Interrupted: nothing was run.", exit_code=130) from None
            click.echo("", err=True)
            raise NotConfirmed(
                "Nothing was run: the input ended before the data loss above was confirmed. " + plan
            ) from None
        raise NotConfirmed("Nothing was run: the data loss above was not confirmed. " + plan)

    def ask_rename(self, candidate: Any) -> bool | None:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            return None
        try:
            answer = input(f"Is {candidate} a rename? [y/N] ").strip().lower()
        except EOFError:  # Ctrl-D, or the terminal went away: the default, no
            print()
            answer = ""
        return answer in ("y", "yes")
