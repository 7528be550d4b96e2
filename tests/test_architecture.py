"""One home per database: outside ``still/ddl/`` no module asks which database it runs on by
name; it asks the database's implementation what it can do (``impl.rebuilds_tables``,
``impl_class.named_enum_types`` ...).  Each database's answers are in its module under ddl/.

The check reads every module with :mod:`ast` and reports each comparison with a dialect's name
(``dialect.name == "postgresql"``, ``name in ("mysql", "mariadb")``, ``name in MYSQL`` where
MYSQL is a module-level tuple of names, ``url.startswith("sqlite")``) and each table keyed by
dialect names (``{"postgresql": ..., "mysql": ...}``).

A second check (at the end) finds every read of a private attribute of SQLAlchemy's objects outside
``still/sqla_private.py``.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy

import still

DIALECT_NAMES = frozenset({"postgresql", "mysql", "mariadb", "sqlite", "mssql", "oracle"})
PACKAGE = Path(still.__file__).parent

# (module under src/still, enclosing function) -> why it may still compare a dialect's name.
# Keep it short: a new entry needs a reason a capability on the implementation would not do.
ALLOWED: dict[tuple[str, str], str] = {
    # DBAPI module names (the `mysql` connector, the `mariadb` connector) that happen to be
    # spelled as dialects: which package provides a missing driver, not a database's behaviour
    ("config/drivers.py", "<module>"): "driver module names",
    # A module written for SQLite alone (bulk reads of its catalog); the check is its entry
    # condition, not a question another database could answer.
    ("autogenerate/sqlite_prefetch.py", "prefetched"): "a SQLite-only module",
}


def _names_in(node: ast.AST | None) -> set[str]:
    """The dialect names a literal is or holds (a string, or a tuple/list/set of strings)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value} & DIALECT_NAMES
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return set().union(*(_names_in(e) for e in node.elts)) if node.elts else set()
    return set()


def name_comparisons(source: str) -> list[tuple[int, str, set[str]]]:
    """(line, enclosing function, dialect names) for each comparison with a dialect's name."""
    tree = ast.parse(source)
    constants: dict[str, set[str]] = {}
    for statement in tree.body:
        targets: list[ast.expr] = []
        value: ast.AST | None = None
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AnnAssign):
            targets, value = [statement.target], statement.value
        for target in targets:
            if isinstance(target, ast.Name) and _names_in(value):
                constants[target.id] = _names_in(value)

    found: list[tuple[int, str, set[str]]] = []

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = node.name
        names: set[str] = set()
        if isinstance(node, ast.Compare):
            for side in (node.left, *node.comparators):
                names |= _names_in(side)
                if isinstance(side, ast.Name):
                    names |= constants.get(side.id, set())
        elif isinstance(node, ast.Dict):
            for key in node.keys:
                names |= _names_in(key)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("startswith", "endswith")
        ):
            for argument in node.args:
                names |= _names_in(argument)
        if names:
            found.append((getattr(node, "lineno", 0), function, names))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "<module>")
    return found


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).parts[0] != "ddl")


def _all_comparisons() -> list[tuple[str, int, str, set[str]]]:
    return [
        (path.relative_to(PACKAGE).as_posix(), line, function, names)
        for path in _modules()
        for line, function, names in name_comparisons(path.read_text(encoding="utf-8"))
    ]


def test_no_module_outside_ddl_compares_a_dialect_name() -> None:
    offending = [
        f"src/still/{module}:{line} ({function}) compares with {sorted(names)}"
        for module, line, function, names in _all_comparisons()
        if (module, function) not in ALLOWED
    ]
    assert not offending, (
        "Ask the database's implementation (a capability on DefaultImpl, answered in "
        "ddl/<database>.py) instead of testing its name:\n" + "\n".join(offending)
    )


def test_every_allowed_comparison_is_still_there() -> None:
    used = {(module, function) for module, _, function, _ in _all_comparisons()}
    stale = sorted(set(ALLOWED) - used)
    assert not stale, f"Remove these entries from ALLOWED, their comparisons are gone: {stale}"


@pytest.mark.parametrize(
    "source",
    [
        'if dialect.name == "postgresql": pass',
        'x = name != "sqlite"',
        'x = name in ("mysql", "mariadb")',
        'MYSQL = ("mysql", "mariadb")\ndef f(name):\n    return name in MYSQL',
        'TABLE = {"oracle": 1, "mssql": 2}',
        'ok = url.startswith("sqlite")',
    ],
)
def test_the_check_sees_each_form(source: str) -> None:
    assert name_comparisons(source), source


@pytest.mark.parametrize(
    "source",
    [
        'prefix = f"{dialect.name}_where"',  # a name used, not compared
        'x = impl_for("sqlite")',
        'x = name == "postgres"',  # not a dialect's name (sqlglot's)
        'SCHEMAS = frozenset({"mysql", "sys"})',  # schema names, never compared as a literal
    ],
)
def test_the_check_lets_other_uses_pass(source: str) -> None:
    assert not name_comparisons(source), source


def test_each_database_answers_in_its_own_module() -> None:
    """Every built-in implementation is defined in ddl/<its database>.py (MariaDB beside
    MySQL) and names the sqlglot dialect its SQL is read in."""
    import sqlglot

    from still.ddl.impl import REGISTRY

    homes = {"mariadb": "mysql"}
    for name in sorted(DIALECT_NAMES):
        impl = REGISTRY[name]
        assert impl.__module__ == f"still.ddl.{homes.get(name, name)}", name
        assert impl.sqlglot_dialect is not None, name
        sqlglot.Dialect.get_or_raise(impl.sqlglot_dialect)


# -- SQLAlchemy's private attributes: read in still/sqla_private.py only --------------------------
#
# A private attribute of SQLAlchemy's (``constraint._creation_order``, ``fk._get_colspec()``) may
# change in any release; read in one module, a change breaks one function there, tested by name in
# tests/test_sqla_private.py.  The check finds SQLAlchemy's private names in its own source (the
# underscore names it defines: methods, class attributes, ``self._x = ...``), leaves out those
# still defines too (a read of one of still's own), and adds the names known to be read once.

SQLA_PRIVATE_HOME = "sqla_private.py"
# Modules that read SQLAlchemy's private attributes by design.
PRIVATE_READERS = {
    # overrides SQLite's private reflection methods (one query for all tables)
    "autogenerate/sqlite_prefetch.py": "a SQLite reflection override",
}
# Names any module may read: ``_copy()`` is the copy of a schema item SQLAlchemy recommends
# since ``copy()`` was deprecated (used as an API).
PRIVATE_NAMES_ALLOWED = frozenset({"_copy"})
# Names read outside sqla_private.py until work on another branch lands: name -> (modules, why).
PRIVATE_READS_PENDING: dict[str, tuple[frozenset[str], str]] = {
    "_column_flag": (
        frozenset({"operations/alembic_ops.py", "operations/ops.py"}),
        "the operations are reorganised on another branch; then sqla_private.made_by_column_flag",
    ),
}
# Read once outside sqla_private.py, now functions there: always reported, even if still ever
# defines the same name.
KNOWN_SQLA_PRIVATE = frozenset(
    {
        "_creation_order",
        "_type_bound",
        "_create_rule",
        "_type_affinity",
        "_get_colspec",
        "_pending_colargs",
        "_column_flag",
        "_table_column",
        "_render_exprs",
        "_retrieve_proxy_for_target",
    }
)

_DEFINES = re.compile(
    r"^\s*(?:async\s+)?(?:def|class)\s+(_[A-Za-z]\w*)"  # a method or nested class
    r"|^\s+(_[A-Za-z]\w*)\s*[:=]"  # a class attribute
    r"|\bself\.(_[A-Za-z]\w*)\s*(?::[^=\n]*)?=(?!=)",  # an instance attribute
    re.M,
)


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


@cache
def sqlalchemy_private_names() -> frozenset[str]:
    """The underscore names SQLAlchemy's source defines (a regular expression over its files:
    under a second for the whole package, where parsing it would take several)."""
    names: set[str] = set()
    for path in Path(sqlalchemy.__file__).parent.rglob("*.py"):
        for match in _DEFINES.finditer(path.read_text(encoding="utf-8")):
            names.add(next(group for group in match.groups() if group))
    return frozenset(names)


def own_names(tree: ast.AST) -> set[str]:
    """The underscore names a module defines: functions, classes, assignments, parameters."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return {name for name in names if _private(name)}


def private_reads(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, name) of each underscore attribute read on an object other than ``self``/``cls``:
    ``x._name``, ``getattr(x, "_name"[, default])``, ``hasattr(x, "_name")``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            if _private(node.attr) and not (
                isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
            ):
                found.append((node.lineno, node.attr))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and _private(node.args[1].value)
        ):
            found.append((node.lineno, node.args[1].value))
    return found


@cache
def _sqlalchemy_private_reads() -> tuple[tuple[str, int, str], ...]:
    """(module, line, name) of each read of a SQLAlchemy private name across still."""
    trees = {
        path.relative_to(PACKAGE).as_posix(): ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(PACKAGE.rglob("*.py"))
    }
    ours = set().union(*(own_names(tree) for tree in trees.values()))
    theirs = (sqlalchemy_private_names() - ours) | KNOWN_SQLA_PRIVATE
    return tuple(
        (module, line, name)
        for module, tree in trees.items()
        for line, name in private_reads(tree)
        if name in theirs and name not in PRIVATE_NAMES_ALLOWED
    )


def test_sqlalchemy_private_attributes_are_read_in_sqla_private_only() -> None:
    offending = [
        f"src/still/{module}:{line} reads {name}"
        for module, line, name in _sqlalchemy_private_reads()
        if module != SQLA_PRIVATE_HOME
        and module not in PRIVATE_READERS
        and module not in PRIVATE_READS_PENDING.get(name, (frozenset(), ""))[0]
    ]
    assert not offending, (
        "Read SQLAlchemy's private attributes through a function of still/sqla_private.py "
        "(with its test in tests/test_sqla_private.py):\n" + "\n".join(offending)
    )


def test_the_private_read_check_knows_what_it_looks_for() -> None:
    reads = _sqlalchemy_private_reads()
    # the names sqla_private.py reads are found as SQLAlchemy's: the check can fail
    home = {name for module, _, name in reads if module == SQLA_PRIVATE_HOME}
    assert home >= KNOWN_SQLA_PRIVATE, KNOWN_SQLA_PRIVATE - home
    assert {"_creation_order", "_get_colspec", "_copy"} <= sqlalchemy_private_names()
    # every allowance is still needed
    for module in PRIVATE_READERS:
        # (its overrides define the names it reads, so the main check would not see them)
        tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
        found = {name for _, name in private_reads(tree)} & sqlalchemy_private_names()
        assert found, f"{module} reads nothing of SQLAlchemy's private now"
    for name, (modules, _) in PRIVATE_READS_PENDING.items():
        assert any(m in modules and n == name for m, _, n in reads), f"{name}: no longer read"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x = constraint._creation_order", [(1, "_creation_order")]),
        ('x = getattr(c, "_type_bound", False)', [(1, "_type_bound")]),
        ('ok = hasattr(c, "_create_rule")', [(1, "_create_rule")]),
        ("x = fk._get_colspec()", [(1, "_get_colspec")]),
        ("x = self._creation_order", []),  # one's own attribute
        ("x = thing.__class__", []),
        ("x._creation_order = 1", []),  # a write defines, it is not a read
    ],
)
def test_the_private_read_check_sees_each_form(source: str, expected: list[Any]) -> None:
    assert private_reads(ast.parse(source)) == expected
