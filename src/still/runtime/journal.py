"""The journal: which statements of a migration committed, where DDL commits by itself.

MySQL and MariaDB commit the open transaction before each DDL statement, and the statement
itself after it.  A migration that stops half-way (an error, a killed process, a connection
ended by the server) therefore leaves the statements before its last DDL behind, whatever
happens to the process.  The version row, written last, is not.

While a migration runs on such a database, :class:`Journal` watches every statement sent on the
connection.  Before each statement that commits by itself, it writes a ``journal`` row to the
ledger, in the transaction that statement commits: the row lists the statements since the row
before (data statements included: the same commit keeps them) and the one about to run.  Once
that statement has returned, the row is marked finished (``finished_at``) and committed on its
own — nothing else is open then.  So after any crash the ledger holds, for the interrupted
migration, exactly the statements that committed, except that the last one is *in doubt* when
its row was never marked finished; :func:`took_effect` then asks the schema.  A migration that
completes deletes the rows in the transaction that writes its version row.

A data statement after a migration's last DDL is in the transaction still commits with the
version row: when the migration stops, it is rolled back, and the journal never lists it.

The next run reads the rows (:func:`read_interruption`) and finishes the migration: it runs the
migration again and, for the statements the journal lists, sends a no-op instead (each must be
the same statement, in the same place; anything else stops the run before it changes anything).
``still resolve`` shows the rows; ``--applied`` and ``--undo`` settle them.

Without the ledger (``ledger = false``) nothing is written; the journal still tells a failure's
message what committed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, inspect

from still.errors import EXIT_MIGRATION, CommandError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from still.graph import Step
    from still.runtime.ledger import Entry, Ledger

DIRECTION = "journal"

_COMMENTS = re.compile(r"^(\s+|/\*.*?\*/|--[^\n]*\n|#[^\n]*\n)*", re.S)
# Statements that commit the open transaction by themselves on MySQL/MariaDB.
_COMMITS = re.compile(
    r"(CREATE|ALTER|DROP|RENAME|TRUNCATE|GRANT|REVOKE|LOCK\s+TABLES?|UNLOCK\s+TABLES?|ANALYZE|"
    r"OPTIMIZE|REPAIR|INSTALL|UNINSTALL|FLUSH|CACHE\s+INDEX|LOAD\s+INDEX|COMMIT|BEGIN|"
    r"START\s+TRANSACTION)\b",
    re.I,
)
_TEMPORARY = re.compile(r"(CREATE|DROP)\s+TEMPORARY\b", re.I)
# Statements that change nothing stored (reads, session settings, savepoints): neither recorded
# nor skipped when a migration runs again.
_READS = re.compile(
    r"\(|(SELECT|SHOW|DESCRIBE|DESC|EXPLAIN|WITH|SET|DO|HELP|USE|SAVEPOINT|RELEASE|ROLLBACK)\b",
    re.I,
)


def _head(sql: str) -> str:
    return sql[_COMMENTS.match(sql).end() :]  # type: ignore[union-attr]


def commits_itself(sql: str) -> bool:
    """Whether MySQL/MariaDB commits before and after this statement."""
    head = _head(sql)
    return bool(_COMMITS.match(head)) and not _TEMPORARY.match(head)


def changes_something(sql: str) -> bool:
    """Whether a statement may change what is stored (anything but a read or a setting)."""
    return not _READS.match(_head(sql))


def shown(sql: str) -> str:
    """A statement on one line, as a message shows it."""
    return " ".join(sql.split())


class CannotResume(CommandError):
    """An interrupted migration cannot be finished by this run (its file changed, or the run
    would begin elsewhere): nothing was run."""

    exit_code = EXIT_MIGRATION


class ResumeMismatch(CommandError):
    """The migration, run again, did not send the statements the journal recorded."""

    exit_code = EXIT_MIGRATION


class Journal:
    """Watches one migration's statements on one connection (see the module's text)."""

    def __init__(
        self,
        connection: Connection,
        ledger: Ledger | None,
        step: Step,
        checksum: str | None,
        committed_before: Sequence[tuple[int, str]] = (),
    ) -> None:
        self.connection = connection
        self.ledger = ledger
        self.step = step
        self.checksum = checksum
        # What an earlier, interrupted run of this migration committed: not sent again.
        self.committed_before = list(committed_before)
        self._skipped = 0
        # Every statement this run sent that may change something: (operation index, SQL).
        self.sent: list[tuple[int, str]] = []
        # How many of ``sent`` are committed for sure (up to the last DDL that returned).
        self.committed_count = 0
        # The DDL that was sent and has not returned (its index in ``sent``), if any.
        self.running: int | None = None
        self._since_row = 0  # index in ``sent`` of the first statement no row lists yet
        self._row_id: Any = None
        self.operations_done = 0
        self.rows_written = False
        self.recording = False

    # -- watching --------------------------------------------------------------------------------

    def __enter__(self) -> Journal:
        event.listen(self.connection, "before_cursor_execute", self._before, retval=True)
        event.listen(self.connection, "after_cursor_execute", self._after)
        self.recording = True
        return self

    def __exit__(self, *exc: object) -> None:
        self.recording = False
        event.remove(self.connection, "before_cursor_execute", self._before)
        event.remove(self.connection, "after_cursor_execute", self._after)

    def operation_done(self, operation: Any = None) -> None:
        self.operations_done += 1

    def _autocommit(self, conn: Connection) -> bool:
        return conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"

    def _before(
        self,
        conn: Connection,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> tuple[str, Any]:
        if not self.recording or not changes_something(statement):
            return statement, parameters
        if self._skipped < len(self.committed_before):
            expected = self.committed_before[self._skipped][1]
            if shown(expected) != shown(statement):
                raise ResumeMismatch(
                    f"{self.step.revision} was interrupted earlier, and still runs it again "
                    f"without sending what committed then; but run again it sends\n  "
                    f"{shown(statement)}\nwhere the journal recorded\n  {shown(expected)}\n"
                    "Nothing more was run. Settle the migration with `still resolve` (it shows "
                    "what committed): `--undo` reverses it, `--applied` records it as finished "
                    "by hand."
                )
            self._skipped += 1
            # a statement that does nothing, for every parameter set
            return "DO 0", ([()] * len(parameters) if executemany else ())
        self.sent.append((self.operations_done, statement))
        if commits_itself(statement) or self._autocommit(conn):
            self.running = len(self.sent) - 1
            if self.ledger is not None:
                self._write_row(conn)
        return statement, parameters

    def _after(
        self,
        conn: Connection,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> None:
        if self.running is None or not self.recording:
            return
        if self.sent[self.running][1] != statement:
            return
        self.committed_count = self.running + 1
        self.running = None
        if self.ledger is not None and self._row_id is not None:
            self._finish_row(conn)

    # -- the rows ---------------------------------------------------------------------------------

    def _raw(self, conn: Connection, construct: Any) -> Any:
        """Run a statement on the DBAPI connection itself (no events: this is the journal's own
        write), returning the cursor's lastrowid."""
        compiled = construct.compile(dialect=conn.dialect)
        params = compiled.construct_params()
        if compiled.positional:
            values: Any = tuple(params[name] for name in compiled.positiontup or ())
        else:
            values = params
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(compiled.string, values)
            return cursor.lastrowid
        finally:
            cursor.close()

    def _write_row(self, conn: Connection) -> None:
        assert self.ledger is not None
        from still.runtime.ledger import utc_now

        delta = self.sent[self._since_row :]
        self._since_row = len(self.sent)
        detail: dict[str, object] = {
            "direction": self.step.direction,
            "removes": list(self.step.removes),
            "adds": list(self.step.adds),
            "statements": [list(item) for item in delta],
        }
        self._row_id = self._raw(
            conn,
            self.ledger.journal_row(self.step.revision or "?", utc_now(), self.checksum, detail),
        )
        self.rows_written = True

    def _finish_row(self, conn: Connection) -> None:
        assert self.ledger is not None
        from still.runtime.ledger import utc_now

        self._raw(conn, self.ledger.finish_journal_row(self._row_id, utc_now()))
        # Nothing else is open: the DDL that just returned committed everything before it.
        conn.connection.dbapi_connection.commit()  # type: ignore[union-attr]

    # -- what a failure leaves --------------------------------------------------------------------

    def outcome(self, error: BaseException) -> Outcome:
        """After ``error`` stopped the migration: what committed, what was rolled back, what is
        in doubt (sent when the connection was lost, with no word back)."""
        sent = self.sent
        if (
            sent
            and getattr(error, "statement", None) == sent[-1][1]
            and not _lost_connection(error)
        ):
            failing: int | None = len(sent) - 1  # the statement that failed: reported apart
        else:
            failing = None
        committed = self.committed_count
        doubt: list[str] = []
        if self.running is not None:
            if _lost_connection(error):
                doubt = [sql for _, sql in sent[committed : self.running + 1]]
                failing = self.running
            elif not _parse_error(error):
                # the failing DDL's own implicit commit ran first: what came before it stays
                committed = self.running
        rolled_back = [
            sql for i, (_, sql) in enumerate(sent) if i >= committed + len(doubt) and i != failing
        ]
        return Outcome(
            self.committed_before + sent[:committed], rolled_back, doubt, _lost_connection(error)
        )


@dataclass
class Outcome:
    """What a stopped migration left: committed statements (with the index of the operation each
    belongs to), statements that ran and were rolled back, and those in doubt."""

    committed: list[tuple[int, str]]
    rolled_back: list[str] = field(default_factory=list)
    doubt: list[str] = field(default_factory=list)
    lost_connection: bool = False

    @property
    def operations(self) -> int:
        """How many of the migration's operations have something committed (the first N)."""
        return 1 + max(op for op, _ in self.committed) if self.committed else 0


def _lost_connection(error: BaseException) -> bool:
    if getattr(error, "connection_invalidated", False):
        return True
    code = _code(error)
    return code in (2006, 2013, 1927, 4031)


def _parse_error(error: BaseException) -> bool:
    return _code(error) in (1064, 1149)


def _code(error: BaseException) -> int | None:
    orig = getattr(error, "orig", None) or error
    args = getattr(orig, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


# -- after a crash -------------------------------------------------------------------------------


@dataclass
class Interruption:
    """A migration whose run ended without finishing it, read from the journal's rows."""

    revision: str
    direction: str
    removes: tuple[str, ...]
    adds: tuple[str, ...]
    checksum: str | None
    started_at: Any
    rows: list[Entry]
    committed: list[tuple[int, str]]
    # The last DDL, sent but never marked finished (operation index, SQL), if any
    last_unfinished: tuple[int, str] | None

    @property
    def is_upgrade(self) -> bool:
        return self.direction == "upgrade"

    def matches(self, step: Step) -> bool:
        return step.revision == self.revision and step.direction == self.direction


def read_interruption(entries: Sequence[Entry]) -> Interruption | None:
    """The interrupted migration the journal rows among ``entries`` describe, if any."""
    rows = [entry for entry in entries if entry.direction == DIRECTION]
    if not rows:
        return None
    committed: list[tuple[int, str]] = []
    details = [json.loads(row.detail or "{}") for row in rows]
    for detail in details:
        committed.extend((int(op), str(sql)) for op, sql in detail.get("statements", []))
    last = rows[-1]
    unfinished = None
    if last.finished_at is None and committed:
        unfinished = committed.pop()
    first = details[0]
    return Interruption(
        revision=rows[0].revision,
        direction=str(first.get("direction", "upgrade")),
        removes=tuple(first.get("removes", ())),
        adds=tuple(first.get("adds", ())),
        checksum=rows[0].checksum,
        started_at=rows[0].started_at,
        rows=rows,
        committed=committed,
        last_unfinished=unfinished,
    )


def settle_doubt(connection: Connection, interruption: Interruption) -> str | None:
    """Decide from the schema whether the statement in doubt committed; it joins the committed
    ones if so.  Returns it when the schema cannot tell."""
    unfinished = interruption.last_unfinished
    if unfinished is None:
        return None
    effect = took_effect(connection, unfinished[1])
    if effect is None:
        return unfinished[1]
    if effect:
        interruption.committed.append(unfinished)
    interruption.last_unfinished = None
    return None


_NAME = r"(?:`[^`]+`|\"[^\"]+\"|[\w$]+)"
_QUALIFIED = rf"(?:{_NAME}\s*\.\s*)?({_NAME})"
_SCHEMA_OF = rf"(?:({_NAME})\s*\.\s*)?({_NAME})"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "create_table",
        re.compile(
            rf"CREATE\s+(?:OR\s+REPLACE\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?{_SCHEMA_OF}", re.I
        ),
    ),
    ("drop_table", re.compile(rf"DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?{_SCHEMA_OF}\s*$", re.I)),
    (
        "create_index",
        re.compile(
            rf"CREATE\s+(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?"
            rf"({_NAME})\s+ON\s+{_SCHEMA_OF}",
            re.I,
        ),
    ),
    (
        "drop_index",
        re.compile(rf"DROP\s+INDEX\s+(?:IF\s+EXISTS\s+)?({_NAME})\s+ON\s+{_SCHEMA_OF}", re.I),
    ),
    (
        "add_column",
        re.compile(
            rf"ALTER\s+TABLE\s+{_SCHEMA_OF}\s+ADD\s+(?:COLUMN\s+)?(?!CONSTRAINT\b|INDEX\b|KEY\b|"
            rf"UNIQUE\b|PRIMARY\b|FOREIGN\b|CHECK\b|FULLTEXT\b|SPATIAL\b)({_NAME})\s",
            re.I,
        ),
    ),
    (
        "drop_column",
        re.compile(
            rf"ALTER\s+TABLE\s+{_SCHEMA_OF}\s+DROP\s+(?:COLUMN\s+)?(?!CONSTRAINT\b|INDEX\b|KEY\b|"
            rf"PRIMARY\b|FOREIGN\b|CHECK\b)({_NAME})\s*$",
            re.I,
        ),
    ),
]


def _unquote(name: str | None) -> str:
    if name and name[0] in '`"' and name[-1] == name[0]:
        return name[1:-1]
    return name or ""


def took_effect(connection: Connection, sql: str) -> bool | None:
    """Whether a DDL statement's effect is in the schema now (None: the schema cannot tell)."""
    head = _head(sql).strip().rstrip(";")
    for kind, pattern in _PATTERNS:
        found = pattern.match(head)
        if found is None:
            continue
        groups: list[Any] = [_unquote(g) or None for g in found.groups()]
        inspector = inspect(connection)
        if kind in ("create_table", "drop_table"):
            schema, table = groups
            exists = inspector.has_table(table, schema=schema)
            return exists if kind == "create_table" else not exists
        if kind in ("create_index", "drop_index"):
            index, schema, table = groups
            if not inspector.has_table(table, schema=schema):
                return kind == "drop_index"
            names = {i["name"] for i in inspector.get_indexes(table, schema=schema)}
            names |= {u["name"] for u in inspector.get_unique_constraints(table, schema=schema)}
            return (index in names) == (kind == "create_index")
        schema, table, column = groups
        if not inspector.has_table(table, schema=schema):
            return None
        columns = {c["name"] for c in inspector.get_columns(table, schema=schema)}
        return (column in columns) == (kind == "add_column")
    return None


def describe(interruption: Interruption) -> list[str]:
    """What the journal says of an interrupted migration, for messages."""
    when = (
        interruption.started_at.strftime("%Y-%m-%d %H:%M:%S")
        if interruption.started_at is not None
        else "?"
    )
    lines = [
        f"{interruption.revision} was interrupted: its {interruption.direction} began at {when} "
        "(UTC) and ended before it finished (the process was killed, or its connection lost)."
    ]
    if interruption.committed:
        lines.append(
            f"{len(interruption.committed)} of its statements committed, and stay (the journal "
            "in the ledger lists them):"
        )
        lines.extend(f"  {shown(sql)}" for _, sql in interruption.committed)
    else:
        lines.append("None of its statements committed.")
    if interruption.last_unfinished is not None:
        lines.append(
            "The statement running when it ended, which may or may not have committed (the "
            "schema cannot tell; check by hand):"
        )
        lines.append(f"  {shown(interruption.last_unfinished[1])}")
    lines.append("Its statements after these did not run, or were rolled back.")
    return lines


def settling_commands(interruption: Interruption) -> str:
    return (
        "`still resolve --undo` reverses what committed (then `still upgrade` runs the migration "
        "from the start); or finish it by hand and run `still resolve --applied`."
    )


def stopped_message(interruption: Interruption, reason: str) -> str:
    """Why a run does not finish an interrupted migration, and what settles it."""
    lines = describe(interruption)
    lines.append(f"This run does not finish it: {reason}. Nothing was run.")
    lines.append("Settle it first: " + settling_commands(interruption))
    return "\n".join(lines)
