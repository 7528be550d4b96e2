"""One home per database: outside ``still/ddl/`` no module asks which database it runs on by
name; it asks the database's implementation what it can do (``impl.rebuilds_tables``,
``impl_class.named_enum_types`` ...).  Each database's answers are in its module under ddl/.

The check reads every module with :mod:`ast` and reports each comparison with a dialect's name
(``dialect.name == "postgresql"``, ``name in ("mysql", "mariadb")``, ``name in MYSQL`` where
MYSQL is a module-level tuple of names, ``url.startswith("sqlite")``) and each table keyed by
dialect names (``{"postgresql": ..., "mysql": ...}``).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

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
