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


def install(config: Any, yes: bool) -> None:
    """Attach the check to ``config`` as the ``still.confirm`` hook of the migrate commands."""
    config.attributes["still.confirm"] = data_loss_check(config, yes)


def data_loss_check(config: Any, yes: bool) -> Callable[[Any, Sequence[Any]], None]:
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
        if sys.stdin.isatty() and sys.stderr.isatty():
            if click.confirm("Run it?", default=False, err=True):
                return
            raise CommandError(
                "Nothing was run: the data loss above was not confirmed. `still upgrade --plan` "
                "shows every statement first; --yes confirms without asking."
            )
        if config.get_alembic_boolean_option("confirm_data_loss"):
            raise CommandError(
                "Nothing was run: this run loses data (listed above) and the configuration says "
                "confirm_data_loss = true. Review it (`--plan`), then run again with --yes."
            )

    return confirm
