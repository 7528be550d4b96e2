"""Read a revision file's header without importing it.

``revision``, ``down_revision``, ``branch_labels`` and ``depends_on`` are almost always plain
literals at the top of the file, so they are found with a line scan and ``ast.literal_eval``.
When a value is not a literal (computed, imported), the header is reported as unreadable and the
caller imports the module instead.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

_FIELDS = ("revision", "down_revision", "branch_labels", "depends_on")
_ASSIGNMENT = re.compile(
    r"^(?P<name>revision|down_revision|branch_labels|depends_on)\s*(?::[^=\n]*)?=(?P<value>.*)$",
    re.MULTILINE,
)
# Blank lines and comments before the docstring: one line per repetition, so the match never
# backtracks through the ways of splitting blank space into lines (which takes exponential time).
_LEADING = r"\A\ufeff?(?:[ \t\f]*(?:#[^\n]*)?\n)*[ \t\f]*"
_DOCSTRING = re.compile(
    _LEADING + r'(?P<prefix>[rRuU]?)(?P<q>"""|\'\'\')(?P<doc>(?:[^\\]|\\.)*?)(?P=q)', re.S
)
# A docstring in plain quotes, on one line: evaluated, so escapes mean what Python says.
_SHORT_DOCSTRING = re.compile(
    _LEADING + r'(?P<literal>[rRuU]?("(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'))'
)


class UnreadableHeader(Exception):
    """The header cannot be read statically; the module must be imported."""


@dataclass(frozen=True)
class Header:
    revision: str
    down_revision: object
    branch_labels: object
    depends_on: object
    docstring: str


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
    return depth <= 0


def _literal(text: str) -> object:
    # Literal, yet failing: {[1]: 2} (unhashable), nesting too deep for the parser.
    return ast.literal_eval(text.strip())


def _value(source: str, match: re.Match[str]) -> object:
    text = match["value"]
    end = match.end()
    try:
        return _literal(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        if _balanced(text):
            raise UnreadableHeader(match["name"]) from None
    # The value continues on the next lines: up to where its brackets close.
    while not _balanced(text):
        nl = source.find("\n", end + 1)
        if nl == -1:
            text += source[end:]
            break
        text += source[end:nl]
        end = nl
    try:
        return _literal(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError) as exc:
        raise UnreadableHeader(match["name"]) from exc


def read_header(source: str) -> Header:
    """The header of a revision file's source text; :class:`UnreadableHeader` if not literal."""
    values: dict[str, object] = {}
    for match in _ASSIGNMENT.finditer(source):
        name = match["name"]
        if name in values:
            # Assigned twice at top level: only running the module says which value wins.
            raise UnreadableHeader(name)
        values[name] = _value(source, match)
    revision = values.get("revision")
    if not isinstance(revision, str):
        raise UnreadableHeader("revision")
    return Header(
        revision=revision,
        down_revision=values.get("down_revision"),
        branch_labels=values.get("branch_labels"),
        depends_on=values.get("depends_on"),
        docstring=_docstring(source),
    )


def _docstring(source: str) -> str:
    """The module's docstring as Python reads it (escapes evaluated), else ``""``."""
    doc = _DOCSTRING.match(source)
    if doc:
        literal = doc["prefix"] + doc["q"] + doc["doc"] + doc["q"]
        try:
            value = ast.literal_eval(literal)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return doc["doc"]
        return value if isinstance(value, str) else doc["doc"]
    short = _SHORT_DOCSTRING.match(source)
    if short:
        try:
            value = ast.literal_eval(short["literal"])
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return ""
        return value if isinstance(value, str) else ""
    return ""
