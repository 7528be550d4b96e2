"""Turn exceptions into one-paragraph messages and exit codes; tracebacks only on request."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from still.config import write_text
from still.config.urls import EXAMPLE_URLS, mask_password
from still.errors import (
    EXIT_CONFIGURATION,
    EXIT_DATABASE,
    EXIT_FAILURE,
    EXIT_USAGE,
    MigrationFailed,
    StillError,
)

# Set while the command line runs as Alembic's (``alembic.config.main``): every failure exits 1.
_ALEMBIC_CODES: ContextVar[bool] = ContextVar("still_alembic_exit_codes", default=False)


@contextmanager
def alembic_exit_codes() -> Iterator[None]:
    """Within the block, failures exit 1 as Alembic's command line does (usage errors 2,
    Ctrl-C 130, a closed pipe 141 stay), so scripts written for ``alembic`` see its codes."""
    token = _ALEMBIC_CODES.set(True)
    try:
        yield
    finally:
        _ALEMBIC_CODES.reset(token)


def _database_error(exc: BaseException, url: str | None) -> tuple[str, int] | None:
    """A message and exit code for SQLAlchemy's connection and database errors, without
    importing it: a URL SQLAlchemy cannot use is configuration, the rest (no connection, a
    refused statement outside any migration) the database's."""
    kind = type(exc)
    if not kind.__module__.startswith("sqlalchemy"):
        return None
    original = getattr(exc, "orig", None)
    detail = str(original).strip() if original is not None else str(exc).strip().splitlines()[0]
    if kind.__name__ == "OperationalError" and getattr(exc, "statement", None) is None:
        # one line of sentences: drivers end theirs with "?", ".", or nothing
        sentence = " ".join(
            part if part.endswith((".", "?", "!")) else part + "."
            for part in (" ".join(line.split()) for line in detail.splitlines())
            if part
        )
        return (
            f"Could not connect to the database {url or ''}: {sentence} Check that the server "
            "is running and that sqlalchemy.url (or -x sqlalchemy.url=..., or SQLALCHEMY_URL) "
            "is right.",
            EXIT_DATABASE,
        )
    if kind.__name__ in ("ArgumentError", "NoSuchModuleError"):
        return (
            f"The database URL {url or ''} cannot be used: {detail}. "
            "Set sqlalchemy.url in alembic.ini, "
            f"or pass -x sqlalchemy.url={EXAMPLE_URLS['message']}, or set "
            "SQLALCHEMY_URL.",
            EXIT_CONFIGURATION,
        )
    statement = getattr(exc, "statement", None)
    if statement:
        shown = " ".join(statement.split())
        return f"The database rejected a statement: {detail}\nStatement: {shown}", EXIT_DATABASE
    return f"Database error: {detail}", EXIT_DATABASE


def _raised_in(exc: BaseException, module: str) -> bool:
    """True if the innermost frame of ``exc``'s traceback is in ``module``."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and tb.tb_frame.f_globals.get("__name__") == module


def _with_location(message: str, exc: BaseException) -> str:
    """A migration failure's message with the line of the revision (or env.py) that raised,
    after its first line (the error's own text may take several lines)."""
    from still.script.loader import where_raised

    where = where_raised(exc)
    if where is None:
        return message
    first, _, rest = message.partition("\n")
    return f"{first}\nAt {where.text}" + (f"\n{rest}" if rest else "")


def _unexpected(exc: BaseException) -> str:
    """An error no one turned into a message: raised by the user's env.py or revision (named
    with its line), or by still itself (a bug: --traceback shows where)."""
    from still.script.loader import where_raised

    where = where_raised(exc)
    if where is not None and not where.below_in_still:
        return (
            f"{type(exc).__name__}: {exc}\nAt {where.text}\n"
            "Run the command again with --traceback for the whole traceback."
        )
    return (
        f"Unexpected error: {type(exc).__name__}: {exc}\n"
        "Run the command again with --traceback to see where it happened."
    )


def report(exc: BaseException, show_traceback: bool, url: str | None) -> int:
    """Print ``exc`` for the user on stderr; return the exit code."""
    if show_traceback:
        text = "".join(traceback.format_exception(exc))
        write_text(sys.stderr, mask_password(text))
    if isinstance(exc, BrokenPipeError):
        # The reader of our output went away (`still upgrade --sql | head`): stop quietly.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    if isinstance(exc, KeyboardInterrupt):
        sys.stderr.write("\nInterrupted.\n")
        return 130
    message, code = _message_and_code(exc, url)
    write_text(sys.stderr, "FAILED: " + mask_password(message) + "\n")
    if _ALEMBIC_CODES.get() and code not in (EXIT_USAGE, 130):
        return EXIT_FAILURE
    return code


def _message_and_code(exc: BaseException, url: str | None) -> tuple[str, int]:
    """What to print for ``exc`` and the exit code of its kind (``still.errors.EXIT_*``)."""
    if isinstance(exc, KeyError) and exc.args == ("url",):
        # engine_from_config() found no sqlalchemy.url.
        return (
            "No database URL: sqlalchemy.url is not set. Set it in alembic.ini, pass "
            "-x sqlalchemy.url=dialect+driver://user@host/dbname, or set SQLALCHEMY_URL.",
            EXIT_CONFIGURATION,
        )
    if isinstance(exc, ValueError) and _raised_in(exc, "sqlalchemy.engine.url"):
        # SQLAlchemy split a password with a raw '@' or ':' into host and port.
        return (
            f"The database URL {url or ''} cannot be parsed ({exc}). A password holding @, :, /, "
            "? , # or % must be percent-encoded (@ as %40, : as %3A, / as %2F, ? as %3F, # as "
            "%23, % as %25; in alembic.ini every % is then written %%).",
            EXIT_CONFIGURATION,
        )
    if isinstance(exc, ImportError):
        from still.config.drivers import missing_driver

        driver = missing_driver(exc)
        if driver is not None:
            return driver, EXIT_CONFIGURATION
    if isinstance(exc, StillError):
        message = exc.user_message
        if isinstance(exc, MigrationFailed):
            message = _with_location(message, exc)
        return message, exc.exit_code
    database = _database_error(exc, url)
    if database is not None:
        return database
    return _unexpected(exc), EXIT_FAILURE
