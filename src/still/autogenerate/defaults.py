"""Server defaults: the database's text and the model's, normalised per dialect.

A database gives back a default as it stored it: PostgreSQL adds casts (``'x'::character
varying``), MariaDB adds parentheses to functions (``current_timestamp()``), SQLite keeps the text
as written.  The model's default is rendered as the dialect would write it in DDL; both are then
normalised (casts, outer parentheses, case outside quotes, synonyms such as ``now()`` /
``CURRENT_TIMESTAMP``, quoted numbers, booleans) so that equal defaults never show as changes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlalchemy.sql.schema import DefaultClause

from still.autogenerate.context import overriding_impl

if TYPE_CHECKING:
    from sqlalchemy import Column
    from sqlalchemy.engine import Dialect

    from still.autogenerate.context import AutogenContext

_CAST = re.compile(
    r"::\s*(\"[^\"]+\"|[a-z_][\w ]*?)(\s*\(\s*\d+(\s*,\s*\d+)?\s*\))?(\[\])*(?=$|\)|\s*[,|+\-*/])",
    re.I,
)
_SYNONYMS = {
    "now()": "current_timestamp",
    "current_timestamp()": "current_timestamp",
    "localtimestamp()": "localtimestamp",
    "current_date()": "current_date",
    "curdate()": "current_date",
    "true": "1",
    "false": "0",
    "'t'": "1",
    "'f'": "0",
}


def rendered_default(column: Column[Any], dialect: Dialect) -> str | None:
    """The model's server default as the dialect writes it after DEFAULT, or None."""
    default = column.server_default
    if not isinstance(default, DefaultClause):
        return None
    compiler = dialect.ddl_compiler(dialect, None)  # type: ignore[arg-type]
    return compiler.get_column_default_string(column)


def _strip_parens(text: str) -> str:
    while text.startswith("(") and text.endswith(")"):
        depth = 0
        for i, ch in enumerate(text):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0 and i < len(text) - 1:
                return text  # "(a) + (b)": the parentheses do not wrap the whole
        text = text[1:-1].strip()
    return text


def _lower_outside_quotes(text: str) -> str:
    parts = re.split(r"('(?:[^']|'')*')", text)
    return "".join(p if p.startswith("'") else p.lower() for p in parts)


def normalise(text: str | None, casts: bool) -> str | None:
    """A server default's SQL in the spelling compared; ``casts``: the database adds casts
    (``'a'::text``) to the defaults it reports, taken off here."""
    if text is None:
        return None
    value = _strip_parens(text.strip())
    if value.upper() == "NULL":
        return None
    if casts:
        for _ in range(3):
            value = _strip_parens(_CAST.sub("", value).strip())
    value = _lower_outside_quotes(value)
    value = re.sub(r"\s+", " ", value)
    value = _SYNONYMS.get(value, value)
    quoted_number = re.fullmatch(r"'(-?\d+(\.\d+)?)'", value)
    if quoted_number:
        value = quoted_number.group(1)
    if re.fullmatch(r"-?\d+\.\d+", value):
        value = value.rstrip("0").rstrip(".")
    return _SYNONYMS.get(value, value)


def defaults_differ(
    autogen: AutogenContext, conn_column: Column[Any], metadata_column: Column[Any]
) -> bool:
    """Whether the server defaults differ, when ``compare_server_default`` asks for it."""
    setting = autogen.opts.get("compare_server_default", False)
    if not setting:
        return False
    if metadata_column.computed is not None or metadata_column.identity is not None:
        return False
    dialect = autogen.dialect
    conn_text = conn_column.server_default.arg.text if conn_column.server_default else None  # type: ignore[attr-defined]
    metadata_text = rendered_default(metadata_column, dialect)
    if callable(setting):
        answer = setting(
            autogen.migration_context,
            conn_column,
            metadata_column,
            conn_text,
            metadata_column.server_default,
            metadata_text,
        )
        if answer is not None:
            return bool(answer)
    impl = overriding_impl(autogen, "compare_server_default")
    if impl is not None:
        return bool(
            impl.compare_server_default(conn_column, metadata_column, metadata_text, conn_text)
        )
    # PostgreSQL's SERIAL: a default the database made itself
    if (
        metadata_text is None
        and conn_text is not None
        and conn_text.startswith("nextval(")
        and metadata_column.autoincrement in (True, "auto")
    ):
        return False
    casts = autogen.impl_class.reflected_default_casts
    return normalise(conn_text, casts) != normalise(metadata_text, casts)
