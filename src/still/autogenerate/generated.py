"""Computed (``sa.Computed``) and identity (``sa.Identity``) columns of a table both sides have.

A column added or dropped carries its Computed / Identity with it (:func:`.tables.plain_column`).
For a kept column, the expression (normalised like check constraints' text), ``persisted`` when
the model says, and the identity options the model sets are compared.  A change the database can
make in place becomes ``alter_column(server_default=sa.Computed(...) | sa.Identity(...))``; one it
cannot (SQLite; on PostgreSQL a new expression before version 17, a plain column made generated,
identity <-> computed) is left out of the operations and reported as a warning in the summary.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Computed, Identity
from sqlalchemy.sql.schema import DefaultClause

from still.autogenerate.sql_text import normalise_sql

_IDENTITY_OPTIONS = ("start", "increment", "minvalue", "maxvalue", "cache", "cycle", "order")


def generated_of(column: Column[Any]) -> Computed | Identity | None:
    return column.computed or column.identity


def _sql(computed: Computed, dialect: Any) -> str:
    try:
        compiled = computed.sqltext.compile(
            dialect=dialect, compile_kwargs={"literal_binds": True, "include_table": False}
        )
        return str(compiled)
    except Exception:
        return str(computed.sqltext)


def _computed_differs(model: Computed, conn: Computed, dialect: Any) -> bool:
    if normalise_sql(_sql(model, dialect)) != normalise_sql(str(conn.sqltext)):
        return True
    return (
        model.persisted is not None
        and conn.persisted is not None
        and bool(model.persisted) != bool(conn.persisted)
    )


def _identity_differs(model: Identity, conn: Identity) -> bool:
    if bool(model.always) != bool(conn.always):
        return True
    return any(
        getattr(model, option, None) is not None
        and getattr(model, option, None) != getattr(conn, option, None)
        for option in _IDENTITY_OPTIONS
    )


def generated_change(conn: Column[Any], model: Column[Any], dialect: Any) -> tuple[Any, Any] | None:
    """(new, existing) for ``alter_column(server_default=new, existing_server_default=existing)``
    when the column's Computed or Identity changed; None when it did not."""
    new, old = generated_of(model), generated_of(conn)
    if new is None and old is None:
        return None
    if isinstance(new, Computed) and isinstance(old, Computed):
        changed = _computed_differs(new, old, dialect)
    elif isinstance(new, Identity) and isinstance(old, Identity):
        changed = _identity_differs(new, old)
    else:
        changed = True
    if not changed:
        return None
    if new is None and isinstance(model.server_default, DefaultClause):
        return model.server_default._copy(), old
    return (new._copy() if new is not None else None), old


def can_alter(dialect: Any, new: Any, existing: Any) -> str | None:
    """None when ``dialect`` changes the column in place; otherwise why not (its
    implementation's ``generated_change_refusal``)."""
    from still.ddl import impl_for

    return impl_for(dialect.name).generated_change_refusal(dialect, new, existing)


def describe(new: Any, existing: Any) -> str:
    def one(value: Any) -> str:
        if isinstance(value, Computed):
            return f"GENERATED AS ({value.sqltext})"
        if isinstance(value, Identity):
            return "IDENTITY"
        return "a plain column"

    return f"{one(existing)} -> {one(new)}"
