"""``alembic.config``: ``Config``, and ``CommandLine`` / ``main`` running still's commands.

``CommandLine().main(argv)`` runs still's command line.  Applications that build on Alembic's
argparse interface (``CommandLine().parser``, ``register_command(fn)`` for a command of their
own, ``run_cmd(config, options)``) get the same interface, its commands still's functions.
"""

from __future__ import annotations

import argparse
import inspect
import sys
from collections.abc import Sequence
from typing import Any, Protocol, TypedDict

from still.alembic_names._standin import stand_in

__getattr__, __dir__ = stand_in(globals(), "alembic.config", {"Config": "still.config:Config"})


class MessagingOptions(TypedDict, total=False):
    """How commands talk to the user (``Config.messaging_opts``)."""

    quiet: bool


class CommandFunction(Protocol):
    """A command: a named function taking the :class:`Config` first."""

    def __call__(self, config: Any, *args: Any, **kwargs: Any) -> Any: ...


# The commands Alembic's command line offers, in its order.
COMMANDS = (
    *("branches", "check", "current", "downgrade", "edit", "ensure_version", "heads"),
    *("history", "init", "list_templates", "merge", "revision", "show", "stamp", "upgrade"),
)

# Keyword arguments of the command functions, as command-line options (Alembic's spellings).
_OPTIONS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "template": (("-t", "--template"), {"default": "generic", "help": "project template"}),
    "message": (("-m", "--message"), {"help": "the revision's message"}),
    "sql": (("--sql",), {"action": "store_true", "help": "write SQL instead of running it"}),
    "tag": (("--tag",), {"help": "a tag env.py may read"}),
    "head": (("--head",), {"help": "the revision (or LABEL@head) to build on"}),
    "splice": (("--splice",), {"action": "store_true", "help": "build on a non-head"}),
    "depends_on": (("--depends-on",), {"action": "append", "help": "a dependency"}),
    "rev_id": (("--rev-id",), {"help": "the new revision's id"}),
    "version_path": (("--version-path",), {"help": "the version location to write to"}),
    "branch_label": (("--branch-label",), {"help": "a branch label for the new revision"}),
    "verbose": (("-v", "--verbose"), {"action": "store_true", "help": "more detail"}),
    "resolve_dependencies": (
        ("--resolve-dependencies",),
        {"action": "store_true", "help": "dependencies count as down revisions"},
    ),
    "autogenerate": (
        ("--autogenerate",),
        {"action": "store_true", "help": "compare the models with the database"},
    ),
    "rev_range": (("-r", "--rev-range"), {"help": "a range, [start]:[end]"}),
    "indicate_current": (
        ("-i", "--indicate-current"),
        {"action": "store_true", "help": "mark the current revision"},
    ),
    "purge": (("--purge",), {"action": "store_true", "help": "empty the version table first"}),
    "package": (("--package",), {"action": "store_true", "help": "write __init__.py files"}),
    "check_heads": (
        ("--check-heads",),
        {"action": "store_true", "help": "fail unless the database is at every head"},
    ),
}

_POSITIONAL: dict[str, dict[str, Any]] = {"revisions": {"nargs": "+"}}


class CommandLine:
    """Alembic's command-line object.

    ``main(argv)`` runs still's command line (``still ARGV``); a command added with
    :meth:`register_command` runs through Alembic's argparse interface, as do
    ``parser.parse_args()`` + :meth:`run_cmd`.
    """

    def __init__(self, prog: str | None = None) -> None:
        self.prog = prog
        self._own_commands = False
        self.parser = argparse.ArgumentParser(prog=prog)
        self.parser.add_argument("-c", "--config", action="append", help="the ini file")
        self.parser.add_argument("-n", "--name", default="alembic", help="the ini section")
        self.parser.add_argument("-x", action="append", help="KEY=VALUE for env.py")
        self.parser.add_argument(
            "--raiseerr", action="store_true", help="raise errors (a Python traceback)"
        )
        self.parser.add_argument("-q", "--quiet", action="store_true", help="less output")
        self.subparsers = self.parser.add_subparsers()
        from still import command

        for name in COMMANDS:
            self._register(getattr(command, name))

    def register_command(self, fn: CommandFunction) -> None:
        """Add a command of your own: ``fn(config, positional..., option=default...)``."""
        self._register(fn)
        self._own_commands = True

    def _register(self, fn: Any) -> None:
        name = fn.__name__
        parameters = list(inspect.signature(fn).parameters.values())[1:]
        positional = [p.name for p in parameters if p.default is inspect.Parameter.empty]
        keywords = [p.name for p in parameters if p.default is not inspect.Parameter.empty]
        doc = (fn.__doc__ or "").strip().split("\n")[0]
        subparser = self.subparsers.add_parser(name, help=doc)
        options = []
        for keyword in keywords:
            known = _OPTIONS.get(keyword)
            if known is None:
                continue  # still's own options (as_json, renames ...) stay off this interface
            flags, settings = known
            subparser.add_argument(*flags, dest=keyword, **settings)
            options.append(keyword)
        for arg in positional:
            subparser.add_argument(arg, help=arg.replace("_", " "), **_POSITIONAL.get(arg, {}))
        subparser.set_defaults(cmd=(fn, positional, options))

    def run_cmd(self, config: Any, options: argparse.Namespace) -> None:
        """Run the command ``options`` chose, with ``config``."""
        fn, positional, keywords = options.cmd
        try:
            fn(
                config,
                *[getattr(options, name, None) for name in positional],
                **{name: getattr(options, name, None) for name in keywords},
            )
        except Exception as exc:
            from still.errors import StillError

            if options.raiseerr or not isinstance(exc, StillError):
                raise
            from still.config.urls import mask_password

            sys.stderr.write(f"FAILED: {mask_password(str(exc))}\n")
            raise SystemExit(1) from None

    def main(self, argv: Sequence[str] | None = None) -> None:
        if not self._own_commands:
            main(argv, prog=self.prog)
            return
        options = self.parser.parse_args(argv)
        if not hasattr(options, "cmd"):
            self.parser.error("too few arguments")
        from still.config import Config

        config = Config(
            file_=(options.config or ["alembic.ini"])[-1],
            ini_section=options.name,
            cmd_opts=options,
        )
        self.run_cmd(config, options)


def main(argv: Sequence[str] | None = None, prog: str | None = None, **kwargs: Any) -> None:
    """``alembic.config.main(argv=[...])``: the still command line with these arguments.

    Exits as the command line does (``SystemExit``), like Alembic's.
    """
    from still.cli.errors import alembic_exit_codes
    from still.cli.main import cli

    with alembic_exit_codes():
        cli.main(args=list(argv) if argv is not None else None, prog_name=prog or "still")
