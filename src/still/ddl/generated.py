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
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import DDLCompiler

from still.ddl.alter import ColumnChange
from still.ddl.change import AlterColumn
from still.ddl.elements import column_name, table_name
from still.errors import StillError

# The Identity options PostgreSQL's ALTER COLUMN ... SET can change, with their SQL.
_IDENTITY_OPTIONS = (
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
            for a, _ in _IDENTITY_OPTIONS
        )
    )


class ColumnIdentity(ColumnChange):
    """change: identity (None drops it), existing (the Identity there now, or None)."""


class ColumnExpression(ColumnChange):
    """change: computed (None makes the column a plain one)."""


def _head(compiler: DDLCompiler, element: ColumnChange, verb: str) -> str:
    table = table_name(compiler, element.table_name, element.schema)
    return f"ALTER TABLE {table} {verb} {column_name(compiler, element.column_name)}"


def _kind(identity: Identity) -> str:
    return "ALWAYS" if identity.always else "BY DEFAULT"


def _options(compiler: DDLCompiler, identity: Identity) -> str:
    options = compiler.get_identity_options(identity)
    return f" ({options})" if options else ""


@compiles(ColumnIdentity, "postgresql")
def _pg_identity(element: ColumnIdentity, compiler: DDLCompiler, **kw: Any) -> str:
    new: Identity | None = element.change["identity"]
    existing: Identity | None = element.change.get("existing")
    head = _head(compiler, element, "ALTER COLUMN")
    if new is None:
        return f"{head} DROP IDENTITY"
    if existing is None:
        return f"{head} ADD GENERATED {_kind(new)} AS IDENTITY{_options(compiler, new)}"
    sets = []
    if bool(new.always) != bool(existing.always):
        sets.append(f"SET GENERATED {_kind(new)}")
    for attribute, sql in _IDENTITY_OPTIONS:
        value = getattr(new, attribute)
        if value is not None and value != getattr(existing, attribute):
            sets.append("SET " + sql.format(value))
    if bool(new.cycle) != bool(existing.cycle):
        sets.append("SET CYCLE" if new.cycle else "SET NO CYCLE")
    return f"{head} {' '.join(sets)}" if sets else ""


@compiles(ColumnIdentity, "oracle")
def _oracle_identity(element: ColumnIdentity, compiler: DDLCompiler, **kw: Any) -> str:
    new: Identity | None = element.change["identity"]
    head = _head(compiler, element, "MODIFY")
    if new is None:
        return f"{head} DROP IDENTITY"
    return f"{head} GENERATED {_kind(new)} AS IDENTITY{_options(compiler, new)}"


@compiles(ColumnExpression, "postgresql")
def _pg_expression(element: ColumnExpression, compiler: DDLCompiler, **kw: Any) -> str:
    computed: Computed | None = element.change["computed"]
    head = _head(compiler, element, "ALTER COLUMN")
    if computed is None:
        return f"{head} DROP EXPRESSION"
    expression = compiler.sql_compiler.process(computed.sqltext, literal_binds=True)
    return f"{head} SET EXPRESSION AS ({expression})"
