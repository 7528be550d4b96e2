"""The report of a failed migration: which revision and statement, the database's error, and
the state the database is left in (rolled back; committed up to a revision; or, where DDL commits
by itself, which statements of the failed migration stayed, from the journal).  Written from the
facts of the run (:class:`RunFacts`), so the step runner (``runtime/step_runner.py``) only
gathers them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from still.ddl.pipeline import PipelineFailure
from still.errors import MigrationFailed
from still.graph import Step

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect

    from still.runtime.journal import Journal
    from still.script import Script


@dataclass(frozen=True)
class RunFacts:
    """What a failure report needs to know about the run it ends."""

    heads_at_start: tuple[str, ...]
    user_transaction: bool  # env.py began the transaction: it is theirs to roll back
    transactional_ddl: bool
    per_migration: bool  # each migration committed with its version row
    database: str  # its name in messages ("MariaDB")
    journal: Journal | None  # the failed step's, where DDL commits itself
    has_ledger: bool
    dialect: Dialect
    offline: bool = False  # a --sql run: the script is written, no database is changed
    readable: bool = False  # it has a database to read (--plan's, --shadow's)


_ALREADY_THERE = re.compile(
    r"already exists|Duplicate column name|Duplicate key name|\b(1050|1060|1061)\b", re.I
)


def failure_report(
    facts: RunFacts, step: Step, script: Script | None, completed: list[Step], exc: Exception
) -> MigrationFailed:
    where = (
        f"{step.direction} of {step.revision}" + (f" ({script.path})" if script else "")
        if step.revision
        else "stamp"
    )
    statement = getattr(exc, "statement", None)
    error = getattr(exc, "orig", None) or exc
    lines = [f"Migration failed: {where}."]
    if statement:
        lines.append(f"Statement: {' '.join(str(statement).split())}")
    lines.append(f"Error: {type(error).__name__}: {str(error).strip()}")
    if _ALREADY_THERE.search(str(error)):
        lines.append(
            "The object already exists: an earlier run of this migration probably failed "
            "half-way and left it behind (databases that commit DDL by themselves, such as "
            "MySQL/MariaDB, keep what ran). `still resolve` shows what the ledger recorded; "
            "drop the leftover by hand, or record the migration with `still resolve "
            "--applied` if it is complete."
        )
    last = ", ".join(completed[-1].adds) if completed else None
    start = ", ".join(facts.heads_at_start) or "base (empty)"
    if facts.offline:
        lines.extend(_offline_lines(facts, exc))
    elif facts.user_transaction:
        lines.append(
            "The transaction belongs to the caller (env.py began it); roll it back to undo "
            "this run."
        )
    elif facts.transactional_ddl:
        if facts.per_migration and last:
            lines.append(
                f"This migration was rolled back; the migrations before it are committed and "
                f"the version table stands at {last}."
            )
        else:
            lines.append(
                "Everything this run did was rolled back; the database and its version table "
                "are as they were before the run."
            )
    else:
        lines.extend(_what_stayed(facts, exc, last or start))
    return MigrationFailed.wrapping(
        "\n".join(lines),
        _error_as_raised(facts.dialect, exc),
        revision=step.revision,
        failed_statement=" ".join(str(statement).split()) if statement else None,
        committed=tuple(r for done in completed for r in done.adds),
    )


def _offline_lines(facts: RunFacts, exc: Exception) -> list[str]:
    """A --sql run: nothing ran on a database; why the migration could not be written."""
    from still.runtime.offline_reads import ShadowStatementFailed, offline_hint

    lines = []
    hint = None if facts.readable else offline_hint(exc)
    if hint is not None:
        lines.append(hint)
    if isinstance(exc, ShadowStatementFailed):
        lines.append(
            "With --shadow every statement of the script also runs on the shadow database, "
            "which stands where the script has brought it: this one failed there, so the "
            "script would fail here on a database at that revision too."
        )
    lines.append("Nothing was run on a database (a --sql run); the script stops at this migration.")
    return lines


def _error_as_raised(dialect: Dialect, exc: Exception) -> BaseException:
    """The error a caller of Alembic would catch: SQLAlchemy's class for a database error
    still's pipeline met (the driver's error, as SQLAlchemy wraps it), else ``exc``."""
    if isinstance(exc, PipelineFailure):
        from sqlalchemy.exc import DBAPIError

        dbapi = getattr(dialect, "loaded_dbapi", None) or dialect.dbapi
        if dbapi is not None and isinstance(exc.orig, dbapi.Error):
            return DBAPIError.instance(exc.statement, None, exc.orig, dbapi.Error)
        return exc.orig
    return exc


def _what_stayed(facts: RunFacts, exc: Exception, standing: str) -> list[str]:
    """Where DDL commits itself: which statements of the failed migration committed (DDL,
    and data statements a later DDL's commit took along), which were rolled back, which
    are in doubt, and the command that settles it."""
    from still.runtime.journal import Outcome, shown

    database = facts.database
    journal = facts.journal
    outcome = journal.outcome(exc) if journal is not None else Outcome([])
    lines = []
    if outcome.committed:
        lines.append(
            f"{database} commits DDL by itself, so this migration is half-applied. The "
            f"version table stands at {standing}. Statements of this migration that ran "
            "before the failure and committed (they stay):"
        )
        lines.extend(f"  {shown(sql)}" for _, sql in outcome.committed)
    elif not outcome.doubt:
        lines.append(
            f"No statement of this migration committed before the failure ({database} "
            f"commits DDL by itself, and nothing of this run's remains). The version table "
            f"stands at {standing}."
        )
    if outcome.rolled_back:
        lines.append(
            "Statements that ran after its last DDL and were rolled back (not run: nothing "
            "of them remains):"
        )
        lines.extend(f"  {shown(sql)}" for sql in outcome.rolled_back)
    if outcome.lost_connection:
        if outcome.doubt:
            lines.append(
                "The connection to the database was lost while these ran; whether they "
                "committed, the server alone knows:"
            )
            lines.extend(f"  {shown(sql)}" for sql in outcome.doubt)
        else:
            lines.append("The connection to the database was lost.")
        if facts.has_ledger:
            lines.append(
                "The journal in the ledger records what committed: `still resolve` shows it, "
                "and `still upgrade head` finishes the migration without running it again."
            )
        else:
            lines.append(
                "Check the database by hand; with the ledger on (ledger = true) still keeps "
                "a journal that knows."
            )
    elif outcome.committed:
        if facts.has_ledger:
            lines.append(
                "Undo what committed with `still resolve --undo` (its reverse operations), "
                "fix the migration and run `still upgrade head` again; or finish the "
                "migration by hand and run `still resolve --applied`."
            )
        else:
            lines.append(
                "Undo what committed by hand (with the ledger on, ledger = true, `still "
                "resolve --undo` would), fix the migration and run it again; or finish it by "
                "hand and record it with `still stamp`."
            )
    return lines
