"""``alembic.config``: ``Config``, and ``CommandLine`` / ``main`` running still's command line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from still.alembic_names._standin import stand_in

__getattr__, __dir__ = stand_in(globals(), "alembic.config", {"Config": "still.config:Config"})


class CommandLine:
    """Alembic's command-line object: ``CommandLine().main(argv)`` runs ``still ARGV``."""

    def __init__(self, prog: str | None = None) -> None:
        self.prog = prog

    def main(self, argv: Sequence[str] | None = None) -> None:
        main(argv, prog=self.prog)


def main(argv: Sequence[str] | None = None, prog: str | None = None, **kwargs: Any) -> None:
    """``alembic.config.main(argv=[...])``: the still command line with these arguments.

    Exits as the command line does (``SystemExit``), like Alembic's.
    """
    from still.cli.main import cli

    cli.main(args=list(argv) if argv is not None else None, prog_name=prog or "still")
