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


# -- each class defined in one place: no patching of another module's classes at import time -----
#
# An operation class carries its whole surface in its own body (operations/ops.py); nothing
# adds methods or properties to it from elsewhere when a module loads.  The check reads every
# module of src/still with ast and reports, among the statements that run when the module loads
# (not inside a function or a class): ``setattr(X, ...)``, and calls of a helper of the module
# that does ``setattr`` on its first argument, where X is not a class the module defines itself;
# and ``X.attr = value`` where X was imported.

# (module under src/still, the object patched) -> why it may.  None so far: a new entry needs a
# reason the class's own module could not hold the attribute (e.g. one of SQLAlchemy's classes).
PATCH_ALLOWED: dict[tuple[str, str], str] = {}


def _imported_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names |= {alias.asname or alias.name for alias in node.names}
    return names


def _setattr_helpers(tree: ast.Module) -> set[str]:
    """The module's functions that ``setattr`` on their first parameter."""
    helpers: set[str] = set()
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or not node.args.args:
            continue
        first = node.args.args[0].arg
        for inner in ast.walk(node):
            if (
                isinstance(inner, ast.Call)
                and isinstance(inner.func, ast.Name)
                and inner.func.id == "setattr"
                and inner.args
                and isinstance(inner.args[0], ast.Name)
                and inner.args[0].id == first
            ):
                helpers.add(node.name)
    return helpers


def _root(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def import_time_patches(source: str) -> list[tuple[int, str]]:
    """(line, what is patched) for each attribute set at import time on a class the module
    does not define."""
    tree = ast.parse(source)
    own = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    imported = _imported_names(tree)
    helpers = _setattr_helpers(tree) | {"setattr"}
    found: list[tuple[int, str]] = []
    # loop variables of module-level loops -> the names looped over (None: not a literal list)
    bound: dict[str, set[str] | None] = {}

    def foreign(name: str) -> bool:
        """May ``name`` be a class of another module?"""
        if name in bound:
            names = bound[name]
            return names is None or bool(names - own)
        return name in imported

    def check(node: ast.AST) -> None:
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in helpers
            and node.args
        ):
            target = node.args[0]
            root = _root(target)
            if root is None or foreign(root):
                found.append((node.lineno, ast.unparse(target)))
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                root = _root(target) if isinstance(target, ast.Attribute) else None
                if root is not None and foreign(root):
                    assert isinstance(target, ast.Attribute)
                    found.append((node.lineno, ast.unparse(target.value)))

    def visit(statements: list[ast.stmt]) -> None:
        for statement in statements:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue  # runs when called (or is the class's own body)
            if isinstance(statement, (ast.For, ast.AsyncFor)):
                names: set[str] | None = None
                elements = getattr(statement.iter, "elts", None)
                if elements is not None and all(isinstance(e, ast.Name) for e in elements):
                    names = {e.id for e in elements}
                for name in ast.walk(statement.target):
                    if isinstance(name, ast.Name):
                        bound[name.id] = names
                visit(statement.body + statement.orelse)
                continue
            if isinstance(statement, (ast.If, ast.While, ast.With, ast.AsyncWith, ast.Try)):
                visit(getattr(statement, "body", []) + getattr(statement, "orelse", []))
                visit(getattr(statement, "finalbody", []))
                for handler in getattr(statement, "handlers", []):
                    visit(handler.body)
                continue
            for node in ast.walk(statement):
                check(node)

    visit(tree.body)
    return found


def _all_patches() -> list[tuple[str, int, str]]:
    return [
        (path.relative_to(PACKAGE).as_posix(), line, what)
        for path in sorted(PACKAGE.rglob("*.py"))
        for line, what in import_time_patches(path.read_text(encoding="utf-8"))
    ]


def test_no_module_patches_another_modules_classes_at_import_time() -> None:
    offending = [
        f"src/still/{module}:{line} sets attributes on {what}"
        for module, line, what in _all_patches()
        if (module, what) not in PATCH_ALLOWED
    ]
    assert not offending, (
        "Define the attribute in the class's own body (or a base class its module imports) "
        "instead of adding it from another module when that module loads:\n" + "\n".join(offending)
    )


@pytest.mark.parametrize(
    "source",
    [
        "from m import C\nsetattr(C, 'x', 1)",
        "from m import C\nC.x = 1",
        "from m import ops\nops.C.x = 1",
        "import m\nm.C.x = 1",
        "from m import A, B\nfor k in (A, B):\n    setattr(k, 'x', 1)",
        "from m import A\nfor k, v in TABLE.items():\n    setattr(k, 'f', v)",
        "from m import A\nfor k in (A,):\n    k.x = 1",
        "from m import C\nif True:\n    setattr(C, 'x', 1)",
        "from m import A\ndef _adds(cls, name, value):\n    setattr(cls, name, value)\n"
        "_adds(A, 'x', 1)",
    ],
)
def test_the_patch_check_sees_each_form(source: str) -> None:
    assert import_time_patches(source), source


@pytest.mark.parametrize(
    "source",
    [
        "class C:\n    pass\nsetattr(C, 'x', 1)",  # the module's own class
        "class C:\n    pass\nC.x = 1",
        "class A: pass\nclass B: pass\nfor k in (A, B):\n    setattr(k, 'x', 1)",
        "from m import C\ndef f():\n    setattr(C, 'x', 1)",  # at call time
        "from m import C\nclass D(C):\n    x = 1",  # a subclass's own body
        "from m import C\nx = C()\ny = C.x",  # read, not written
    ],
)
def test_the_patch_check_lets_other_uses_pass(source: str) -> None:
    assert not import_time_patches(source), source


# -- no import cycle through the operation classes -----------------------------------------------


def modules_under(root: Path) -> dict[str, Path]:
    """Module name -> file, for the package at ``root``."""
    found = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def module_level_imports(module: str, modules: dict[str, Path]) -> set[str]:
    """The modules of ``modules`` that ``module`` imports when it loads (statements outside
    functions and classes, not under ``if TYPE_CHECKING``); ``from package import name`` counts
    as the submodule when ``name`` is one."""
    path = modules[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(statements: list[ast.stmt]) -> None:
        for statement in statements:
            if isinstance(statement, ast.Import):
                found.update(alias.name for alias in statement.names)
            elif isinstance(statement, ast.ImportFrom):
                base = statement.module or ""
                if statement.level:
                    anchor = package.rsplit(".", statement.level - 1)[0]
                    base = f"{anchor}.{base}" if base else anchor
                for alias in statement.names:
                    submodule = f"{base}.{alias.name}"
                    found.add(submodule if submodule in modules else base)
            elif isinstance(statement, ast.If) and "TYPE_CHECKING" in ast.unparse(statement.test):
                visit(statement.orelse)
            elif isinstance(statement, (ast.If, ast.While, ast.With, ast.AsyncWith, ast.Try)):
                visit(getattr(statement, "body", []) + getattr(statement, "orelse", []))
                visit(getattr(statement, "finalbody", []))
                for handler in getattr(statement, "handlers", []):
                    visit(handler.body)

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return {name for name in found if name in modules}


def import_cycle_through(module: str, modules: dict[str, Path]) -> list[str] | None:
    """A chain of module-level imports from ``module`` back to it, or None.  Its own packages
    (``still``, ``still.operations``) load before it whatever it imports: not followed."""
    ancestors = {module.rsplit(".", n)[0] for n in range(1, module.count(".") + 1)}
    seen: set[str] = set()
    stack: list[list[str]] = [[module]]
    while stack:
        chain = stack.pop()
        for imported in sorted(module_level_imports(chain[-1], modules) - ancestors):
            if imported == module:
                return [*chain, imported]
            if imported not in seen:
                seen.add(imported)
                stack.append([*chain, imported])
    return None


@pytest.mark.parametrize("module", ["still.operations.ops"])
def test_no_import_cycle_through(module: str) -> None:
    cycle = import_cycle_through(module, modules_under(PACKAGE))
    assert cycle is None, (
        f"{module} imports, when it loads, a module that imports it back: "
        + " -> ".join(cycle or [])
        + ". Import what it needs at call time, or move the shared part below it."
    )


def test_the_cycle_check_sees_a_cycle(tmp_path: Path) -> None:
    """As ops.py once was: a module importing, at its bottom, one that imports it back (here
    through a third module), and a call-time import that is no cycle."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("from pkg import ops\n")
    (package / "ops.py").write_text("class A: pass\nfrom pkg.extra import B  # noqa\n")
    (package / "extra.py").write_text("from . import helper\nB = 1\n")
    (package / "helper.py").write_text("from pkg.ops import A\n")
    (package / "lazy.py").write_text("def f():\n    from pkg.lazy import f\n")
    modules = modules_under(package)
    assert import_cycle_through("pkg.ops", modules) == [
        "pkg.ops", "pkg.extra", "pkg.helper", "pkg.ops"
    ]  # fmt: skip
    assert import_cycle_through("pkg.lazy", modules) is None
    (package / "helper.py").write_text("def g():\n    from pkg.ops import A\n")
    assert import_cycle_through("pkg.ops", modules) is None


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
PRIVATE_READS_PENDING: dict[str, tuple[frozenset[str], str]] = {}
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
