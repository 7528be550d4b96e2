"""SQL text as the databases give it back, made comparable: check constraints' and generated
columns' expressions, which every database rewrites its own way."""

from __future__ import annotations

import re

_CAST = re.compile(
    r"::\s*(\"[^\"]+\"|[a-z_]\w*( varying| precision| with(out)? time zone)?)"
    r"(\s*\(\s*\d+(\s*,\s*\d+)?\s*\))?(\[\])*"
)
_LITERAL = re.compile(r"('(?:[^']|'')*')")


def _plain(part: str) -> str:
    """A stretch of SQL outside string literals: lower case, no identifier quotes, no casts."""
    return _CAST.sub("", re.sub(r"[\"`]", "", part.lower()))


def normalise_sql(text: str) -> str:
    """SQL text as comparable as it gets: case outside literals, identifier quotes, PostgreSQL's
    casts and ``= ANY (ARRAY[...])``, parentheses and whitespace all gone."""
    parts = _LITERAL.split(text.strip())
    value = "".join(p if p.startswith("'") else _plain(p) for p in parts)
    value = re.sub(r"=\s*any\s*\(\s*array\s*\[", " in (", value).replace("]", ")")
    value = re.sub(r"\s+", " ", value)
    value = re.sub(r"\s*([=<>!,+\-*/()])\s*", r"\1", value)
    return value.replace("(", "").replace(")", "").replace("<>", "!=").strip()
