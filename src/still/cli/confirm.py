"""Before a plain ``upgrade``/``downgrade`` runs: name what it destroys, and ask on a terminal.

The revisions of the plan are scanned (``script/scan.py``), not run.  On a terminal the user
confirms; ``--yes`` confirms for scripts and CI.  Elsewhere the run goes on, as with Alembic,
with the list printed first — unless the configuration says ``confirm_data_loss = true``, in which
case a run that loses data needs ``--yes``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

from still.errors import CommandError


class NotConfirmed(CommandError):
    """The user did not confirm a run that loses data: nothing was run."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def install(config: Any, yes: bool, command: str = "still upgrade") -> None:
    """Attach the check to ``config`` as the ``still.confirm`` hook of the migrate commands;
    ``command`` is the command line that was asked (for the hint after a "no")."""
    config.attributes["still.confirm"] = data_loss_check(config, yes, command)


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def _ask(command: str) -> None:
    """Ask on the terminal; return on "yes", raise :class:`NotConfirmed` otherwise."""
    import click

    plan = f"`{command} --plan` shows every statement first; --yes confirms without asking."
    try:
        if click.confirm("Run it?", default=False, err=True):
            return
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


def data_loss_check(
    config: Any, yes: bool, command: str = "still upgrade"
) -> Callable[[Any, Sequence[Any]], None]:
    """The hook the migrate commands call with the plan's steps, before anything runs."""

    def confirm(script: Any, steps: Sequence[Any]) -> None:
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
        import click

        if unchecked:
            click.echo(
                "This run executes SQL still cannot check before it runs (review it yourself: "
                "it is not counted as data loss):\n" + "\n".join(unchecked),
                err=True,
            )
        if not found:
            return
        from still.cli.terminal import wants_terminal_output

        header = "This run loses data:"
        if wants_terminal_output():
            header = click.style(header, fg="red", bold=True)
        click.echo(header + "\n" + "\n".join(found), err=True)
        if yes:
            return
        if _interactive():
            _ask(command)
            return
        if config.get_alembic_boolean_option("confirm_data_loss"):
            raise CommandError(
                "Nothing was run: this run loses data (listed above) and the configuration says "
                f"confirm_data_loss = true. Review it (`{command} --plan`), then run again with "
                "--yes."
            )

    return confirm
