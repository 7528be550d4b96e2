"""What a revision's ``upgrade()`` or ``downgrade()`` destroys, read from its source.

A syntax-tree scan, without running anything: calls such as ``op.drop_table(...)``,
``batch_op.drop_column(...)`` and ``op.execute("DROP TABLE ...")``.  It is the quick warning
before a plain ``upgrade`` starts; ``upgrade --plan`` runs the migrations as a dry run and
sees every operation.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path
from typing import ClassVar

from still.script.stamped_cache import StampedCache

_DROPS = {"drop_table": "drops table", "drop_column": "drops column"}
_WORDS = (*_DROPS, "execute")
_FUNCTIONS = ("upgrade", "downgrade")  # the attribute names _describe looks at
_RAW = re.compile(r"\b(DROP\s+TABLE|DROP\s+COLUMN|TRUNCATE|DELETE\s+FROM)\b", re.I)


def _literal(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _describe(call: ast.Call) -> str | None:
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    args = [_literal(a) for a in call.args]
    if func.attr in _DROPS:
        what = ".".join(a for a in args[:2] if a) or "?"
        if func.attr == "drop_column" and len(args) == 1:
            what = f"{args[0]} (in a batch)"
        return f"{_DROPS[func.attr]} {what}"
    if func.attr == "execute" and args and args[0]:
        match = _RAW.search(args[0])
        if match:
            return f"runs {' '.join(match.group(1).upper().split())}: {args[0].strip()[:60]}"
    return None


def destructive_calls(
    path: Path, function: str, cache: ScanCache | None = None
) -> list[tuple[int, str]]:
    """(line, description) of each destructive call in ``function`` of the file at ``path``;
    empty when the file cannot be parsed (it will fail with a clear message when it runs).
    With ``cache``, a file scanned before and unchanged since is not read again."""
    stat = None
    if cache is not None:
        try:
            stat = os.stat(path)
        except OSError:
            return []
        known = cache.lookup(path, stat)
        if known is not None:
            return [(line, text) for line, text in known.get(function, [])]
    found = _scan(path)
    if cache is not None and stat is not None:
        cache.store(path, stat, found)
    return found.get(function, [])


def _scan(path: Path) -> dict[str, list[tuple[int, str]]]:
    """The destructive calls of ``upgrade()`` and ``downgrade()``, read in one parse."""
    try:
        source = path.read_text(encoding="utf-8-sig")
        # Most revisions call nothing destructive: no need to parse them.  (ASCII only: Python
        # folds other identifiers to their NFKC form, which a plain text search would miss.)
        if source.isascii() and not any(word in source for word in _WORDS):
            return {}
        tree = ast.parse(source, str(path))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return {}
    found: dict[str, list[tuple[int, str]]] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in _FUNCTIONS:
            calls = []
            for inner in ast.walk(node):
                if isinstance(inner, ast.Call):
                    text = _describe(inner)
                    if text:
                        calls.append((inner.lineno, text))
            found[node.name] = sorted(calls)
    return found


class ScanCache(StampedCache):
    """``<script_location>/__pycache__/still-scan.json``: each file's destructive calls."""

    version: ClassVar[int] = 1
