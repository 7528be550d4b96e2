"""What a ``--sql`` run reads: with ``--shadow``, a database kept in step with the script.

A ``--sql`` run has no database: ``op.get_bind()`` is ``None``, so a revision that asks the
database something (``sa.inspect(op.get_bind())``, ``op.schema()``, a batch rebuild that reads
its table) cannot be written as a script.  With ``--sql --shadow`` the command builds the schema
at the script's starting revision in a shadow database (:mod:`still.shadow.offline`) and hands a
connection to it to :class:`OfflineReads`, which the run's :class:`MigrationContext` is given as
soon as env.py configures it (a listener, :mod:`still.hooks`):

- the connection is the context's ``reflection_bind`` (where an offline run reads table
  definitions, as ``upgrade --plan`` reads the live database) and is lent to the migrations as
  ``op.get_bind()``;
- every statement written to the script is also run on it (``DefaultImpl.mirror``), as soon as it
  is written, so a revision reads the schema as the script has brought it: the revisions before
  it, and its own operations before the read;
- a migration that writes through ``op.get_bind()`` is stopped: what it changed would be in the
  shadow database and missing from the script (``op.execute()`` puts a statement in the script).

The connection is in autocommit mode: the script's ``BEGIN`` / ``COMMIT`` are not run on it, each
statement takes effect at once.  A data statement that fails there (a foreign key to a row only
the real database has) is reported as a note and the script goes on: the shadow database has
none of the user's rows, and its schema is what reads need.  A schema statement that fails there
stops the run: the script would fail at that point on a database at that revision too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from still.errors import CommandError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from still.runtime.migration import MigrationContext


def _kind(sql: str, context: MigrationContext | None) -> str:
    """``"read"``, ``"data"`` or ``"schema"``: the statement read with sqlglot (once per
    statement; reflection's own queries are compiled constructs and never get here)."""
    from still.script.destructive_sql import statement_kind

    return statement_kind(sql, context.dialect.name if context is not None else None)


class ShadowStatementFailed(Exception):
    """A schema statement of the script failed on the shadow database.  Not a StillError: the
    run reports it as the failure of the migration that wrote it (revision, file, statement)."""

    def __init__(self, statement: str, orig: BaseException) -> None:
        super().__init__(str(getattr(orig, "orig", None) or orig))
        self.statement = statement
        self.orig = getattr(orig, "orig", None) or orig


class WriteThroughBind(Exception):
    """A migration wrote through ``op.get_bind()`` in a ``--sql --shadow`` run (reported as the
    failure of that migration, naming its file and line)."""


class OfflineReads:
    """A connection an offline run reads from, kept in step with the script it writes."""

    def __init__(self, connection: Connection, where: str) -> None:
        self.connection = connection
        self.where = where  # for messages: "the shadow database still_shadow_..."
        self.context: MigrationContext | None = None
        self._mirroring = False
        from sqlalchemy import event

        event.listen(connection, "before_cursor_execute", self._before_cursor_execute)

    def close(self) -> None:
        from sqlalchemy import event

        if event.contains(self.connection, "before_cursor_execute", self._before_cursor_execute):
            event.remove(self.connection, "before_cursor_execute", self._before_cursor_execute)
        if self.context is not None:
            self.context.impl.mirror = None
            self.context.lends_bind = False
            self.context.reflection_bind = None

    # -- a listener (still.hooks): the context env.py configured ----------------------------------

    def attach(self, context: MigrationContext) -> None:
        if not context.as_sql:
            raise CommandError(
                "env.py configured an online migration context in a --sql --shadow run; the "
                "shadow database serves the reads of --sql scripts only."
            )
        if self.context is not None:
            raise CommandError(
                "env.py writes scripts for several databases; --sql --shadow keeps one shadow "
                "database in step with one script. Run without --shadow, or write each "
                "database's script on its own."
            )
        self.context = context
        context.reflection_bind = self.connection
        context.lends_bind = True
        context.impl.mirror = self.mirror

    # -- the script's statements, run on the connection too ---------------------------------------

    def mirror(self, rendered: str) -> None:
        """Run a statement just written to the script."""
        self._mirroring = True
        try:
            self.connection.exec_driver_sql(rendered, execution_options={"no_parameters": True})
        except Exception as exc:
            if _kind(rendered, self.context) in ("data", "read"):
                if self.context is not None:
                    self.context.note(
                        f"{self.where} could not run a data statement of the script "
                        f"({' '.join(rendered.split())[:120]}): "
                        f"{' '.join(str(getattr(exc, 'orig', None) or exc).split())}. It has "
                        "none of your rows; its schema, which reads use, is unaffected."
                    )
                return
            raise ShadowStatementFailed(rendered, exc) from exc
        finally:
            self._mirroring = False

    def _before_cursor_execute(
        self,
        conn: Any,
        cursor: Any,
        statement: str,
        parameters: Any,
        context: Any,
        executemany: bool,
    ) -> None:
        if self._mirroring:
            return
        if context is not None and not getattr(context, "is_text", True):
            # a compiled construct: SQLAlchemy knows what it is (reflection's queries)
            changes = context.isddl or context.isinsert or context.isupdate or context.isdelete
        else:  # text the migration wrote
            changes = _kind(statement, self.context) != "read"
        if changes:
            raise WriteThroughBind(
                "In a --sql --shadow run op.get_bind() is the shadow database, lent for "
                "reading; this statement would change it and be missing from the script: "
                f"{' '.join(statement.split())[:200]}. Run it with op.execute(...), which "
                "writes it to the script (and runs it on the shadow database too)."
            )


def offline_hint(exc: BaseException) -> str | None:
    """A line for the failure report of a ``--sql`` run with nothing to read from, when the
    migration failed for want of a database (``op.get_bind()`` is ``None`` there)."""
    from sqlalchemy.exc import NoInspectionAvailable

    from still.operations.base import NothingToRead

    if not (
        isinstance(exc, (NoInspectionAvailable, NothingToRead))
        or (isinstance(exc, AttributeError) and "'NoneType'" in str(exc))
    ):
        return None
    return (
        "A --sql run has no database: op.get_bind() is None there. For a migration that reads "
        "the schema, add --shadow: still then builds the schema at the script's starting "
        "revision in a throw-away database, keeps it in step with the script and lends it to "
        'the migrations for reading (docs/shadow.md, "Offline scripts").'
    )
