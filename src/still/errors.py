"""One hierarchy for every error still reports to a user.

Every user mistake becomes a :class:`StillError` whose message names the file, line or value at
fault and says what to do.  The CLI prints the message without a traceback (unless
``--traceback``) and exits non-zero.  ``CommandError`` keeps Alembic's name for the same idea, so
env.py files that catch ``alembic.util.CommandError`` keep working.
"""

from __future__ import annotations

from typing import Any

# The command line's exit code for each kind of failure (docs/commands.md, "Exit codes").  Under
# Alembic's name (``alembic.config.main``, the ``alembic`` script the switch hands to still) every
# failure exits 1, as Alembic's does.
EXIT_FAILURE = 1  # a finding (check, verify, heads --check, current --check-heads) or any other
EXIT_USAGE = 2  # the command line itself (click's usage errors)
EXIT_CONFIGURATION = 3  # alembic.ini / pyproject / -x / the URL / a missing driver
EXIT_REVISIONS = 4  # a revision file, the script directory, an identifier, the graph
EXIT_MIGRATION = 5  # a migration failed (or an interrupted one cannot be finished)
EXIT_DATABASE = 6  # the database cannot be reached, refused a statement outside a migration,
# or the migration lock was not granted in time
EXIT_NOT_CONFIRMED = 7  # a run that loses data was not confirmed: nothing ran


class StillError(Exception):
    """A problem the user can fix; the message says how."""

    exit_code = EXIT_FAILURE

    @property
    def user_message(self) -> str:
        """What the command line prints (the message, unless a subclass says more plainly)."""
        return str(self)


class CommandError(StillError):
    """Alembic's name for a user-facing command failure."""


class ConfigError(CommandError):
    """The configuration (alembic.ini, pyproject.toml, -x, environment) is missing or wrong."""

    exit_code = EXIT_CONFIGURATION


class ScriptError(CommandError):
    """A revision file or the script directory is missing or cannot be read."""

    exit_code = EXIT_REVISIONS


class RevisionError(CommandError):
    """A revision identifier names nothing, names too much, or the graph is inconsistent."""

    exit_code = EXIT_REVISIONS


class ResolutionError(RevisionError):
    """An identifier names no revision (or no branch).  ``argument``: the identifier."""

    def __init__(self, message: str, argument: object = None) -> None:
        super().__init__(message)
        self.argument = argument


class RangeNotAncestorError(RevisionError):
    """A range whose lower end is not below its upper end."""

    def __init__(self, lower: object, upper: object) -> None:
        self.lower = lower
        self.upper = upper
        super().__init__(
            f"Revision {lower or 'base'} is not below revision {upper or 'base'}, so there is no "
            "range between them. Give the older revision first (BASE:HEAD)."
        )


class MultipleHeads(RevisionError):
    """An operation needs one head but the graph has several.

    Raised as ``MultipleHeads(message)`` by still, or as Alembic raises it,
    ``MultipleHeads(heads, argument)``; ``heads`` and ``argument`` are kept either way.
    """

    def __init__(self, heads: Any = (), argument: Any = None) -> None:
        self.heads: tuple[str, ...]
        if isinstance(heads, str) and argument is None:
            message, self.heads = heads, ()
        else:
            self.heads = tuple(heads)
            message = (
                f"{argument or 'head'} is ambiguous: there are {len(self.heads)} heads "
                f"({', '.join(map(str, self.heads))}). Name the head you mean, or merge them."
            )
        self.argument = argument
        super().__init__(message)


class CycleDetected(RevisionError):
    """The revisions form a cycle through their down revisions."""

    kind = "Cycle"

    def __init__(self, revisions: Any, message: str | None = None) -> None:
        self.revisions = [revisions] if isinstance(revisions, str) else list(revisions)
        super().__init__(
            message
            or f"{self.kind} found among revisions {', '.join(self.revisions)}: a revision "
            "cannot come before itself; correct the down_revision (or depends_on) of one of them."
        )


class DependencyCycleDetected(CycleDetected):
    kind = "Dependency cycle"


class LoopDetected(CycleDetected):
    kind = "Self-loop"

    def __init__(self, revision: object) -> None:
        super().__init__(revision)


class DependencyLoopDetected(DependencyCycleDetected, LoopDetected):
    kind = "Dependency self-loop"

    def __init__(self, revision: object) -> None:
        super().__init__(revision)


class DatabaseNotAtHead(CommandError):
    """``current --check-heads``: the database does not stand at the project's heads."""


class MigrationFailed(CommandError):
    """A migration raised; the message says which one, which statement and what state remains.

    Code written for Alembic catches the database's error class around ``command.upgrade()``
    (``except sqlalchemy.exc.IntegrityError``, ``except sqlalchemy.exc.DBAPIError``).  A failure
    made with :meth:`wrapping` is also an instance of the class of the error that stopped the
    migration, with that error's attributes (``orig``, ``statement``, ``params``...), so those
    handlers keep working; ``original`` is the error itself.  Its message stays still's.

    The facts of the message, as fields, for code that handles the failure (None, or empty,
    where the raiser did not give them): ``revision``, the revision whose migration failed;
    ``failed_statement``, the statement that failed (SQLAlchemy's own ``statement`` attribute,
    on a failure that is also a database error, is left as SQLAlchemy set it); ``committed``,
    the revisions whose migrations are committed (the version table stands at the last).
    """

    exit_code = EXIT_MIGRATION
    original: BaseException | None = None
    revision: str | None = None
    failed_statement: str | None = None
    committed: tuple[str, ...] = ()

    def __str__(self) -> str:
        # before any database error class in a failure's bases: still's message, not theirs
        return str(self.args[0]) if self.args else ""

    @classmethod
    def wrapping(
        cls,
        message: str,
        original: BaseException | None,
        *,
        revision: str | None = None,
        failed_statement: str | None = None,
        committed: tuple[str, ...] = (),
    ) -> MigrationFailed:
        """A failure with ``message`` that is also an instance of ``type(original)``."""
        if original is None or isinstance(original, StillError):
            failure = cls(message)
        else:
            kind = _failure_class(type(original)) if isinstance(original, Exception) else None
            if kind is None:
                failure = cls(message)
            else:
                failure = kind.__new__(kind)  # the database error's __init__ wants its arguments
                failure.__dict__.update(getattr(original, "__dict__", {}))
                Exception.__init__(failure, message)
            failure.original = original
        failure.revision = revision
        failure.failed_statement = failed_statement
        failure.committed = tuple(committed)
        return failure


_FAILURE_CLASSES: dict[type[BaseException], type[MigrationFailed] | None] = {}


def _failure_class(error_class: type[BaseException]) -> type[MigrationFailed] | None:
    """``MigrationFailed`` and ``error_class`` in one class (None where Python cannot combine
    them, e.g. an exception implemented in C with its own layout)."""
    if error_class not in _FAILURE_CLASSES:
        try:
            combined: type[MigrationFailed] | None = type(
                "MigrationFailed",
                (MigrationFailed, error_class),
                {
                    "__module__": __name__,
                    "__qualname__": f"MigrationFailed[{error_class.__name__}]",
                },
            )
        except TypeError:
            combined = None
        _FAILURE_CLASSES[error_class] = combined
    return _FAILURE_CLASSES[error_class]


class IrreversibleOperation(CommandError):
    """An operation was asked for its reverse, which cannot be derived from it."""


class AutogenerateDiffsDetected(CommandError):
    """``check`` found differences between the models and the database.

    As Alembic's: the message is ``"New upgrade operations detected: [diffs]"``, ``diffs`` the
    differences as ``compare_metadata()`` gives them, ``revision_context`` what made them.  The
    command line prints ``advice`` instead (the differences are listed above it).
    """

    def __init__(
        self,
        message: str,
        revision_context: Any = None,
        diffs: list[Any] | None = None,
        *,
        advice: str | None = None,
    ) -> None:
        super().__init__(message)
        self.revision_context = revision_context
        self.diffs = list(diffs) if diffs is not None else []
        self.advice = advice

    @property
    def user_message(self) -> str:
        return self.advice or str(self)
