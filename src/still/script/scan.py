"""What a revision's ``upgrade()`` or ``downgrade()`` destroys, read from its source.

A syntax-tree scan, without running anything: ``op.drop_table(...)``, ``batch_op.drop_column(...)``,
and the SQL a migration runs itself, through ``op.execute(...)``, ``op.get_bind().execute(...)``,
``connection.execute(text(...))`` or ``exec_driver_sql(...)``.  A SQL string (a literal, a
``text()`` of one, or a name assigned one literal) is read with sqlglot
(:mod:`still.script.destructive_sql`); a SQLAlchemy ``delete()`` is recognised as one; SQL built
at run time (an f-string, a variable, a function's result) cannot be known here and is reported as
such, never taken as safe.  It is the quick warning before a plain ``upgrade`` starts;
``upgrade --plan`` runs the migrations as a dry run and reads the SQL they really produce.
"""

from __future__ import annotations

import ast
import os
from collections import Counter
from pathlib import Path
from typing import ClassVar, NamedTuple

from still.script import project_cache
from still.script.stamped_cache import StampedCache

_DROPS = {"drop_table": "drops table", "drop_column": "drops column"}
_EXECUTES = ("execute", "exec_driver_sql")
_WORDS = (*_DROPS, *_EXECUTES)
_FUNCTIONS = ("upgrade", "downgrade")
# SQLAlchemy statement constructors: a delete loses rows; the others do not.
_EXPRESSIONS = {"delete", "insert", "update", "select", "values", "returning", "where", "table"}
_RUN_TIME = "runs SQL built at run time: it cannot be checked before it runs"


class Finding(NamedTuple):
    """One call of a migration: what it destroys, or why it cannot be checked."""

    line: int
    text: str
    loses_data: bool  # False: a statement that cannot be known before it runs


def _literal(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _callee(node: ast.AST) -> str | None:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


class _Reader:
    """Reads the calls of one function, knowing the names the module and the function assign a
    single string literal to (``SQL = "DELETE FROM t"`` ... ``op.execute(SQL)``)."""

    def __init__(self, constants: dict[str, str]) -> None:
        self.constants = constants

    def sql_of(self, node: ast.AST | None) -> str | None:
        literal = _literal(node)
        if literal is not None:
            return literal
        if isinstance(node, ast.Name):
            return self.constants.get(node.id)
        if (
            isinstance(node, ast.Call)
            and _callee(node.func) == "text"
            and (node.args or node.keywords)
        ):
            argument = node.args[0] if node.args else node.keywords[0].value
            return self.sql_of(argument)
        return None

    def describe(self, call: ast.Call) -> list[Finding]:
        name = _callee(call.func)
        if not isinstance(call.func, ast.Attribute):
            return []
        if name in _DROPS:
            args = [_literal(a) for a in call.args]
            what = ".".join(a for a in args[:2] if a) or "?"
            if name == "drop_column" and len(args) == 1:
                what = f"{args[0]} (in a batch)"
            return [Finding(call.lineno, f"{_DROPS[name]} {what}", True)]
        if name not in _EXECUTES:
            return []
        statement: ast.AST | None = call.args[0] if call.args else None
        for keyword in call.keywords:
            if statement is None and keyword.arg in ("sqltext", "statement", "sql", "object_"):
                statement = keyword.value
        if statement is None:
            return []
        sql = self.sql_of(statement)
        if sql is not None:
            from still.script.destructive_sql import sql_findings

            return [
                Finding(call.lineno, found.text, found.loses is not None)
                for found in sql_findings(sql)
            ]
        return self._expression(call.lineno, statement)

    def _expression(self, line: int, node: ast.AST) -> list[Finding]:
        """A SQLAlchemy construct (``t.delete().where(...)``, ``sa.insert(t)``), else SQL built
        at run time."""
        methods: list[str] = []
        while isinstance(node, ast.Call):
            callee = _callee(node.func)
            if callee is None:
                break
            methods.append(callee)
            node = node.func.value if isinstance(node.func, ast.Attribute) else node.func
        if methods and set(methods) <= _EXPRESSIONS:
            if "delete" not in methods:
                return []
            if "where" in methods:
                return [Finding(line, "deletes rows (a SQLAlchemy delete() with where())", True)]
            return [Finding(line, "deletes every row of a table (a SQLAlchemy delete())", True)]
        return [Finding(line, _RUN_TIME, False)]


def _assignments(nodes: list[ast.AST]) -> tuple[dict[str, str], set[str]]:
    """Of the syntax ``nodes`` (all of a scope): the names bound exactly once, by an assignment
    of a string literal, and every name bound at all."""
    stores = Counter(
        n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    )
    literals = {
        target.id: literal
        for node in nodes
        if isinstance(node, ast.Assign) and (literal := _literal(node.value)) is not None
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    return {k: v for k, v in literals.items() if stores[k] == 1}, set(stores)


def destructive_calls(path: Path, function: str, cache: ScanCache | None = None) -> list[Finding]:
    """Each destructive (or uncheckable) call in ``function`` of the file at ``path``; empty
    when the file cannot be parsed (it will fail with a clear message when it runs).  With
    ``cache``, a file scanned before and unchanged since is not read again."""
    stat = None
    if cache is not None:
        try:
            stat = os.stat(path)
        except OSError:
            return []
        known = cache.lookup(path, stat)
        if known is not None and function not in known:
            return []
        if known is not None:
            return [Finding(int(n), str(text), bool(loses)) for n, text, loses in known[function]]
    found = _scan(path)
    if cache is not None and stat is not None:
        cache.store(path, stat, {name: [list(f) for f in calls] for name, calls in found.items()})
    return found.get(function, [])


def _scan(path: Path) -> dict[str, list[Finding]]:
    """The findings of ``upgrade()`` and ``downgrade()``, read in one parse."""
    try:
        source = path.read_text(encoding="utf-8-sig")
        # Most revisions call nothing destructive: no need to parse them.  (ASCII only: Python
        # folds other identifiers to their NFKC form, which a plain text search would miss.)
        if source.isascii() and not any(word in source for word in _WORDS):
            return {}
        tree = ast.parse(source, str(path))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return {}
    top_level = [
        inner
        for statement in tree.body
        if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        for inner in ast.walk(statement)
    ]
    module_constants, _ = _assignments(top_level)
    found: dict[str, list[Finding]] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in _FUNCTIONS:
            local, assigned_here = _assignments(list(ast.walk(node)))
            visible = {k: v for k, v in module_constants.items() if k not in assigned_here}
            reader = _Reader({**visible, **local})
            calls = [
                finding
                for inner in ast.walk(node)
                if isinstance(inner, ast.Call)
                for finding in reader.describe(inner)
            ]
            found[node.name] = sorted(calls)
    return found


class ScanCache(StampedCache):
    """``<script_location>/__pycache__/still-scan.json``: each file's destructive calls."""

    version: ClassVar[int] = project_cache.SCAN[1]
