"""``alter_column(server_default=sa.Identity(...) | sa.Computed(...))``: identity and generated
(computed) columns changed in place, where the database can.

PostgreSQL adds, drops and changes identities (``ADD GENERATED ... AS IDENTITY``, ``DROP
IDENTITY``, ``SET ...``) and turns a stored generated column into a plain one (``DROP
EXPRESSION``; ``SET EXPRESSION`` from PostgreSQL 17).  Oracle adds, changes and drops identities.
MySQL/MariaDB restate the column (``MODIFY``).  Everything else is refused with the reason.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Computed, Identity
from sqlalchemy.sql.compiler import DDLCompiler

from still.ddl.alter import ColumnChange
from still.ddl.change import AlterColumn
from still.ddl.elements import column_name, table_name
from still.errors import StillError

# The Identity options PostgreSQL's ALTER COLUMN ... SET can change, with their SQL.
IDENTITY_OPTIONS = (
    ("start", "START WITH {}"),
    ("increment", "INCREMENT BY {}"),
    ("minvalue", "MINVALUE {}"),
    ("maxvalue", "MAXVALUE {}"),
    ("cache", "CACHE {}"),
)


def generated_change(change: AlterColumn) -> tuple[Any, Any] | None:
    """(new, existing) when the change adds, drops or alters an Identity or a Computed."""
    if change.server_default is False:
        return None
    new, existing = change.server_default, change.existing_server_default
    if isinstance(new, (Identity, Computed)) or isinstance(existing, (Identity, Computed)):
        return new, existing
    return None


def refusal(dialect: str, table: str, column: str, new: Any, existing: Any, why: str) -> StillError:
    what = "identity" if isinstance(new, Identity) or isinstance(existing, Identity) else "computed"
    verb = "add" if existing is None else ("drop" if new is None else "change")
    return StillError(
        f"Cannot {verb} the {what} (GENERATED ...) of {table}.{column} on {dialect}: {why}"
    )


def identity_differs(new: Identity, existing: Identity) -> bool:
    return (
        bool(new.always) != bool(existing.always)
        or bool(new.cycle) != bool(existing.cycle)
        or any(
            getattr(new, a) is not None and getattr(new, a) != getattr(existing, a)
            for a, _ in IDENTITY_OPTIONS
        )
    )


class ColumnIdentity(ColumnChange):
    """change: identity (None drops it), existing (the Identity there now, or None)."""


class ColumnExpression(ColumnChange):
    """change: computed (None makes the column a plain one)."""


def column_head(compiler: DDLCompiler, element: ColumnChange, verb: str) -> str:
    table = table_name(compiler, element.table_name, element.schema)
    return f"ALTER TABLE {table} {verb} {column_name(compiler, element.column_name)}"


def identity_kind(identity: Identity) -> str:
    return "ALWAYS" if identity.always else "BY DEFAULT"


def identity_options(compiler: DDLCompiler, identity: Identity) -> str:
    options = compiler.get_identity_options(identity)
    return f" ({options})" if options else ""
