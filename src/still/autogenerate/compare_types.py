"""Column types: the database's and the model's, compared as the dialect spells them in DDL.

Both types are compiled for the connection's dialect and normalised (synonyms such as NUMERIC /
DECIMAL, MySQL display widths, PostgreSQL's ``WITHOUT TIME ZONE``), so the same type declared two
ways is not a change.  ``compare_type`` may be ``False`` (off), ``True`` (this comparison) or a
callable ``(context, inspected_column, metadata_column, inspected_type, metadata_type)`` returning
True (different), False (same) or None (use this comparison).  Then a model type's own
``compare_against_backend(dialect, conn_type)`` (a TypeDecorator's or UserDefinedType's method)
decides the same way: True means *the same*, False different, None this comparison.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import types as sqltypes

from still.autogenerate.context import overriding_impl
from still.ddl import impl_for

if TYPE_CHECKING:
    from sqlalchemy import Column
    from sqlalchemy.engine import Dialect

    from still.autogenerate.context import AutogenContext

_SYNONYMS = {
    "DECIMAL": "NUMERIC",
    "CHARACTER VARYING": "VARCHAR",
    "CHARACTER": "CHAR",
    "INT": "INTEGER",
    "INT4": "INTEGER",
    "INT8": "BIGINT",
    "INT2": "SMALLINT",
    "BOOL": "BOOLEAN",
    "DOUBLE": "DOUBLE PRECISION",
    "FLOAT8": "DOUBLE PRECISION",
    "FLOAT4": "REAL",
    "TIMESTAMP WITHOUT TIME ZONE": "TIMESTAMP",
    "TIME WITHOUT TIME ZONE": "TIME",
    "TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ",
    "TIME WITH TIME ZONE": "TIMETZ",
}

_INTEGER_RANK = {"TINYINT": 1, "SMALLINT": 2, "MEDIUMINT": 3, "INTEGER": 4, "BIGINT": 5}


def type_ddl(type_: Any, dialect: Dialect) -> str:
    """The type as the dialect writes it in CREATE TABLE, normalised for comparison."""
    try:
        compiled = type_.compile(dialect=dialect)
    except Exception:  # a type the dialect cannot compile: compare by class name
        return type(type_).__name__.upper()
    return normalise(compiled, dialect)


@lru_cache(maxsize=4096)  # a schema spells the same few types thousands of times
def normalise(ddl: str, dialect: Dialect) -> str:
    """The type's DDL in the spelling compared: white space, COLLATE, the database's own
    equivalences (its implementation's ``normalise_type_ddl``), then the generic synonyms."""
    text = re.sub(r"\s+", " ", ddl.strip()).upper()
    text = re.sub(r"\s*\(\s*", "(", text)
    text = re.sub(r"\s*,\s*", ",", text)
    text = re.sub(r"\s*\)", ")", text)
    text = re.sub(r"\bCOLLATE \S+", "", text).strip()
    text = impl_for(dialect.name).normalise_type_ddl(text, dialect)
    base, _, rest = text.partition("(")
    base = base.strip()
    base = _SYNONYMS.get(base, base)
    return f"{base}({rest}" if rest else base


def types_differ(
    autogen: AutogenContext,
    conn_column: Column[Any],
    metadata_column: Column[Any],
) -> bool:
    setting = autogen.opts.get("compare_type", True)
    if setting is False:
        return False
    conn_type, metadata_type = conn_column.type, metadata_column.type
    if callable(setting):
        answer = setting(
            autogen.migration_context, conn_column, metadata_column, conn_type, metadata_type
        )
        if answer is not None:
            return bool(answer)
    dialect = autogen.dialect
    own = getattr(metadata_type, "compare_against_backend", None)
    if callable(own):
        same = own(dialect, conn_type)
        if same is not None:
            return not same
    if isinstance(conn_type, sqltypes.NullType) or isinstance(metadata_type, sqltypes.NullType):
        return False  # the database's type is unknown to SQLAlchemy, or the model gave none
    impl = overriding_impl(autogen, "compare_type")
    if impl is not None:
        return bool(impl.compare_type(conn_column, metadata_column))
    return type_ddl(conn_type, dialect) != type_ddl(metadata_type, dialect)


def _parts(ddl: str) -> tuple[str, list[int]]:
    base, _, rest = ddl.partition("(")
    numbers = [int(n) for n in re.findall(r"\d+", rest.split(")")[0])] if rest else []
    return base, numbers


def narrowing(old_type: Any, new_type: Any, dialect: Dialect) -> str | None:
    """Why changing ``old_type`` to ``new_type`` may lose data, or None when it widens."""
    old, new = type_ddl(old_type, dialect), type_ddl(new_type, dialect)
    if old == new:
        return None
    (old_base, old_n), (new_base, new_n) = _parts(old), _parts(new)
    if old_base in _INTEGER_RANK and new_base in _INTEGER_RANK:
        if _INTEGER_RANK[new_base] < _INTEGER_RANK[old_base]:
            return f"{old} to {new} narrows the integer range"
        return None
    texts = ("VARCHAR", "CHAR", "NVARCHAR", "NCHAR")
    unbounded = ("TEXT", "CLOB", "LONGTEXT", "MEDIUMTEXT")
    if old_base in texts + unbounded and new_base in texts + unbounded:
        if new_base in unbounded:
            return None
        if old_base in unbounded or not old_n:
            return f"{old} to {new} limits the length to {new_n[0] if new_n else '?'}"
        if new_n and new_n[0] < old_n[0]:
            return f"{old} to {new} shortens values longer than {new_n[0]}"
        return None
    if old_base == new_base == "NUMERIC" and old_n and new_n:
        old_int = old_n[0] - (old_n[1] if len(old_n) > 1 else 0)
        new_int = new_n[0] - (new_n[1] if len(new_n) > 1 else 0)
        old_scale = old_n[1] if len(old_n) > 1 else 0
        new_scale = new_n[1] if len(new_n) > 1 else 0
        if new_int < old_int or new_scale < old_scale:
            return f"{old} to {new} narrows the precision or scale"
        return None
    if old_base in _INTEGER_RANK and new_base in ("NUMERIC", "BIGINT", "DOUBLE PRECISION"):
        return None
    return f"{old} to {new} converts every value; some may not convert or may lose precision"
