"""Alembic's public surface, measured against still's: generated from the real Alembic, not listed
by hand.

The real Alembic (a test-only dependency) is imported and enumerated: every public name of its
public modules, every public attribute of their public classes (class attributes and the
attributes their ``__init__`` and other methods set on ``self``), every parameter (name, kind,
default) of every public callable, and the private names popular add-ons call.  Then the same
names are looked up under still's alias (``still.compat.alembic_names()``, as env.py and revision
files see them) and every difference is reported, grouped by module and class.

Two declared lists may excuse a difference:

* ``DELIBERATE_OMISSIONS``: names still leaves out on purpose, each justified in
  docs/migrating-from-alembic.md (a test checks that the page names each one);
* ``PENDING``: names waiting for work in progress; empty now, and to stay so.

``python -m tests.test_alembic_surface`` prints the whole report.
"""

from __future__ import annotations

import ast
import enum
import importlib
import inspect
import re
import sys
import textwrap
import types
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from still import compat

ROOT = Path(__file__).resolve().parent.parent
MIGRATING_DOC = ROOT / "docs" / "migrating-from-alembic.md"

# Alembic 1.20's public modules (the issue's list).
ALEMBIC_MODULES = (
    "alembic",
    "alembic.op",
    "alembic.context",
    "alembic.command",
    "alembic.config",
    "alembic.operations",
    "alembic.operations.ops",
    "alembic.runtime.migration",
    "alembic.runtime.environment",
    "alembic.script",
    "alembic.script.revision",
    "alembic.autogenerate",
    "alembic.autogenerate.api",
    "alembic.autogenerate.compare",
    "alembic.autogenerate.rewriter",
    "alembic.ddl",
    "alembic.ddl.impl",
    "alembic.ddl.postgresql",
    "alembic.ddl.mysql",
    "alembic.ddl.sqlite",
    "alembic.util",
    "alembic.util.exc",
)

# ``alembic.op`` and ``alembic.context`` are proxies: their functions are the methods of one
# object, which under still is an instance of this class.
PROXIES = {
    "alembic.op": ("alembic.operations", "Operations"),
    "alembic.context": ("alembic.runtime.environment", "EnvironmentContext"),
}

# Private names that add-ons call, with who calls them.
ADDON_NAMES = {
    "alembic.autogenerate.render._render_cmd_body": "pytest-alembic",
    "alembic.script.ScriptDirectory._load_revisions": "pytest-alembic",
    "alembic.script.ScriptDirectory._upgrade_revs": "pytest-alembic, Alembic's cookbook",
    "alembic.script.ScriptDirectory._downgrade_revs": "pytest-alembic, Alembic's cookbook",
    "alembic.script.ScriptDirectory._stamp_revs": "Alembic's cookbook",
    "alembic.autogenerate.render._alter_column": "alembic-postgresql-enum",
    "alembic.autogenerate._render_migration_diffs": "alembic-postgresql-enum",
    "alembic.autogenerate._produce_net_changes": "alembic-postgresql-enum",
    # alembic.ddl.base: geoalchemy2's alembic helpers, third-party dialect implementations
    **{
        f"alembic.ddl.base.{name}": "geoalchemy2, third-party dialects"
        for name in (
            "RenameTable",
            "format_table_name",
            "visit_rename_table",
            "AlterTable",
            "AlterColumn",
            "ColumnName",
            "ColumnType",
            "ColumnDefault",
            "ColumnNullable",
            "ColumnComment",
            "AddColumn",
            "DropColumn",
            "alter_table",
            "alter_column",
            "add_column",
            "drop_column",
            "format_column_name",
            "format_server_default",
            "format_type",
            "quote_dotted",
            "visit_add_column",
            "visit_drop_column",
            "visit_column_name",
            "visit_column_nullable",
            "visit_column_type",
            "visit_column_default",
        )
    },
}

# Names still leaves out on purpose.  Each key is a name as this test reports it (a whole
# subtree when it is a module or a class); docs/migrating-from-alembic.md names every key.
_PROXY = "Alembic's machinery for building its proxy modules; still's op and context are modules"
_SHIM = "Alembic's compatibility shims for Python and SQLAlchemy versions"
_INTERNAL = "Alembic's implementation module, not its interface"
_COMPILES = "a SQLAlchemy compile hook of Alembic's own DDL constructs; still compiles its own"
DELIBERATE_OMISSIONS: dict[str, str] = {
    "alembic.util.ModuleClsProxy": _PROXY,
    "alembic.context.create_module_class_proxy": _PROXY,
    "alembic.op.create_module_class_proxy": _PROXY,
    "alembic.util.compat": _SHIM,
    "alembic.util.sqla_compat": _SHIM,
    "alembic.operations.batch": _INTERNAL,
    "alembic.operations.schemaobj": _INTERNAL,
    "alembic.operations.toimpl": _INTERNAL,
    **{
        f"alembic.autogenerate.compare.{name}": _INTERNAL
        for name in ("comments", "constraints", "schema", "server_defaults", "tables", "types")
    },
    "alembic.ddl.impl.ImplMeta": _INTERNAL,
    "alembic.ddl.impl.Params": _INTERNAL,
    **{
        f"alembic.ddl.{name}": _COMPILES
        for name in (
            "mysql.MySQLAlterDefault",
            "mysql.MySQLChangeColumn",
            "mysql.MySQLModifyColumn",
            "postgresql.PostgresqlColumnType",
            "postgresql.visit_column_comment",
            "postgresql.visit_column_type",
            "postgresql.visit_identity_column",
            "postgresql.visit_rename_table",
            "sqlite.visit_column_name",
            "sqlite.visit_rename_table",
        )
    },
}

# Pending: names still lacks for now, each naming the work it waits for (empty: nothing is
# pending).  test_every_excuse_is_still_needed says when an entry is done.
PENDING: dict[str, str] = {}


# -- enumerating a module tree --------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """One public thing: a module name, a class attribute, or a callable's parameters."""

    key: str  # "alembic.config.Config.get_main_option"
    group: str  # "alembic.config.Config": what the report groups it under
    kind: str  # "name" | "attribute"
    value: Any = None  # the real object (for signatures)
    callable_kind: str = ""  # "callable" | "value" (methods vs properties and data)


def _is_alembic(value: Any) -> bool:
    module = value.__name__ if isinstance(value, types.ModuleType) else None
    if module is None:
        module = getattr(value, "__module__", None)
        if not isinstance(value, (type, types.FunctionType)) and not callable(value):
            module = type(value).__module__
    return isinstance(module, str) and (module == "alembic" or module.startswith("alembic."))


def _is_package(module: types.ModuleType) -> bool:
    return hasattr(module, "__path__")


def _module_names(name: str, module: types.ModuleType) -> list[str]:
    """The public names of an Alembic module.

    ``__all__`` where the module declares it.  A package's ``__init__`` gathers names from its
    submodules, so all it imports from Alembic counts (and ``alembic.util`` re-exports some of
    SQLAlchemy's helpers too).  Any other module: what it defines, the Alembic classes it
    re-exports from a public module, and its public submodules.
    """
    declared = getattr(module, "__all__", None)
    found: list[str] = []
    for attr in sorted(dir(module)):
        if attr.startswith("_"):
            continue
        value = getattr(module, attr)
        if isinstance(value, types.ModuleType):
            # its own submodules; a package also the Alembic modules it imports by name
            # (``alembic.plugins``)
            if value.__name__ == f"{name}.{attr}" or (
                _is_package(module) and name == "alembic" and _is_alembic(value)
            ):
                found.append(attr)
            continue
        if declared is not None:
            if attr in declared:
                found.append(attr)
            continue
        if getattr(value, "__module__", None) in ("typing", "typing_extensions", "collections.abc"):
            continue
        if isinstance(value, type) and value.__module__ in ("typing", "abc", "builtins"):
            continue
        if _is_package(module):
            if _is_alembic(value) or name == "alembic.util":
                found.append(attr)
            continue
        defined_here = getattr(value, "__module__", None) == name
        if defined_here or (
            isinstance(value, type) and _is_alembic(value) and _public_class(value)
        ):
            found.append(attr)
        elif not isinstance(value, (type, types.FunctionType)) and _is_alembic(value):
            found.append(attr)  # a dispatcher object (``renderers``) and the like
    return found


def _public_class(cls: type) -> bool:
    """An Alembic class defined in one of the public modules (not ddl.base, _autogen ...)."""
    return cls.__module__ in _PUBLIC_HOMES


_PUBLIC_HOMES = {
    *ALEMBIC_MODULES,
    "alembic.script.base",
    "alembic.operations.base",
    "alembic.util.langhelpers",
}


def _instance_attributes(cls: type) -> set[str]:
    """Attributes a class's methods set on ``self``, and annotations of its body."""
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        return set()
    found: set[str] = set()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
        ):
            found.add(node.attr)
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    for stmt in body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            found.add(stmt.target.id)
    return found


def _own_classes(cls: type, home: Callable[[type], bool]) -> list[type]:
    return [k for k in cls.__mro__ if home(k)]


def _class_members(cls: type, home: Callable[[type], bool]) -> dict[str, str]:
    """Public attribute -> "callable" (methods) or "value" (properties, data)."""
    members: dict[str, str] = {}
    for klass in reversed(_own_classes(cls, home)):
        for attr in _instance_attributes(klass):
            if not attr.startswith("_"):
                members.setdefault(attr, "value")
        for attr, raw in vars(klass).items():
            if attr.startswith("_") or _an_addons_operation(raw):
                continue
            members[attr] = _member_kind(raw)
    for attr in getattr(cls, "__slots__", ()):
        if isinstance(attr, str) and not attr.startswith("_"):
            members.setdefault(attr, "value")
    return members


def _an_addons_operation(raw: Any) -> bool:
    """A method ``register_operation`` added for an add-on's operation class (an add-on imported
    earlier in this process, e.g. alembic-postgresql-enum's ``sync_enum_values``): not Alembic's
    own surface."""
    op_class = getattr(raw, "__globals__", {}).get("op_cls")
    return isinstance(op_class, type) and not _is_alembic_class(op_class)


def _member_kind(raw: Any) -> str:
    if isinstance(raw, (staticmethod, classmethod, types.FunctionType)):
        return "callable"
    if isinstance(raw, type):
        return "callable"
    if isinstance(raw, (property, types.MemberDescriptorType)) or type(raw).__name__ in (
        "cached_property",
        "memoized_property",
        "memoized_instancemethod",
    ):
        return "callable" if type(raw).__name__ == "memoized_instancemethod" else "value"
    return "callable" if callable(raw) and not isinstance(raw, type) else "value"


def _is_alembic_class(k: type) -> bool:
    return k.__module__ == "alembic" or k.__module__.startswith("alembic.")


def _is_still_class(k: type) -> bool:
    return k.__module__ == "still" or k.__module__.startswith("still.")


def _home_module(cls: type, exposed_in: list[str]) -> str:
    """Of the modules exposing a class, the one nearest to where it is defined."""

    def shared(module: str) -> int:
        a, b = module.split("."), cls.__module__.split(".")
        n = 0
        while n < min(len(a), len(b)) and a[n] == b[n]:
            n += 1
        return n

    return max(exposed_in, key=lambda m: (shared(m), -exposed_in.index(m)))


def _still_behind_alembic() -> bool:
    """Whether ``alembic`` in sys.modules is still's stand-in just now."""
    return getattr(sys.modules.get("alembic"), "__name__", "") == "still.alembic_names"


def alembic_surface() -> list[Member]:
    """Every public member of the real Alembic, in a stable order."""
    assert not _still_behind_alembic(), "the real Alembic must be enumerated outside the alias"
    members: list[Member] = []
    classes: dict[type, list[tuple[str, str]]] = {}
    for module_name in ALEMBIC_MODULES:
        module = importlib.import_module(module_name)
        if not module.__name__.startswith("alembic"):
            raise AssertionError(f"{module_name} is not the real Alembic: {module}")
        proxy = PROXIES.get(module_name)
        for attr in _module_names(module_name, module):
            value = getattr(module, attr)
            kind = "callable" if callable(value) and not isinstance(value, type) else "value"
            if proxy is not None and not isinstance(value, type):
                # a proxy function: the signature is the method's it forwards to
                proxied = importlib.import_module(proxy[0])
                method = inspect.getattr_static(getattr(proxied, proxy[1]), attr, None)
                if _an_addons_operation(method):
                    continue
                if method is not None:
                    members.append(
                        Member(f"{module_name}.{attr}", module_name, "attribute", method, kind)
                    )
                    continue
            members.append(Member(f"{module_name}.{attr}", module_name, "name", value, kind))
            if isinstance(value, type) and _is_alembic(value):
                classes.setdefault(value, []).append((module_name, attr))
    for cls, exposures in classes.items():
        home = _home_module(cls, [m for m, _ in exposures])
        attr = next(a for m, a in exposures if m == home)
        group = f"{home}.{attr}"

        def own(k: type, cls: type = cls) -> bool:
            # what a public base class defines is measured once, on that class
            return _is_alembic_class(k) and (k is cls or k not in classes)

        for name, kind in sorted(_class_members(cls, own).items()):
            value = inspect.getattr_static(cls, name, None)
            members.append(Member(f"{group}.{name}", group, "attribute", value, kind))
    for key in ADDON_NAMES:
        members.append(_addon_member(key))
    return members


def _addon_member(key: str) -> Member:
    module_name, rest = _split_key(key)
    value: Any = importlib.import_module(module_name)
    parts = rest.split(".")
    for part in parts[:-1]:
        value = getattr(value, part)
    owner = value
    value = (
        inspect.getattr_static(owner, parts[-1])
        if isinstance(owner, type)
        else getattr(owner, parts[-1])
    )
    group = key.rsplit(".", 1)[0]
    kind = "attribute" if isinstance(owner, type) else "name"
    return Member(key, group, kind, value, _member_kind(value))


def _split_key(key: str) -> tuple[str, str]:
    """``alembic.script.ScriptDirectory.x`` -> (``alembic.script``, ``ScriptDirectory.x``)."""
    for module_name in sorted(ALEMBIC_MODULES, key=len, reverse=True):
        if key.startswith(module_name + "."):
            return module_name, key[len(module_name) + 1 :]
    raise AssertionError(key)


# -- the same names under still ------------------------------------------------------------------


class Missing:
    """A lookup that found nothing."""


MISSING = Missing()


def _still_value(key: str, kind: str) -> tuple[Any, Any]:
    """(the object still answers ``key`` with, or MISSING; the owner class for attributes)."""
    module_name, rest = _split_key(key)
    parts = rest.split(".")
    proxy = PROXIES.get(module_name)
    if proxy is not None and kind == "attribute":
        cls = _lookup(proxy[0], proxy[1])
        if cls is MISSING:
            return MISSING, None
        return _attribute(cls, parts[0]), cls
    owner: Any = importlib.import_module(module_name)
    for part in parts[:-1]:
        owner = _attribute(owner, part)
        if owner is MISSING:
            return MISSING, None
    return _attribute(owner, parts[-1]), owner


def _lookup(module_name: str, name: str) -> Any:
    return _attribute(importlib.import_module(module_name), name)


def _attribute(owner: Any, name: str) -> Any:
    if isinstance(owner, type):
        try:
            return inspect.getattr_static(owner, name)
        except AttributeError:
            pass
        if name in _still_instance_attributes(owner):
            return _InstanceAttribute()
        return MISSING
    try:
        return getattr(owner, name)
    except Exception:  # AttributeError, or the proxies' "only while a migration runs"
        return MISSING


class _InstanceAttribute:
    """Set on ``self`` by the class's methods (no class-level object to inspect)."""


@cache
def _still_instance_attributes(cls: type) -> frozenset[str]:
    found: set[str] = set()
    for klass in cls.__mro__:
        if _is_still_class(klass) or _is_alembic_class(klass):
            found |= _instance_attributes(klass)
        fields = getattr(klass, "__dataclass_fields__", None)
        if fields:
            found |= set(fields)
        for slot in getattr(klass, "__slots__", ()):
            found.add(slot)
    return frozenset(found)


# -- comparing callables ---------------------------------------------------------------------------

_LITERALS = (type(None), bool, int, float, str)


def _literal(value: Any) -> bool:
    if isinstance(value, enum.Enum):
        return False  # compared by name and value (each tool has its own enum class)
    if isinstance(value, _LITERALS):
        return True
    if isinstance(value, (tuple, frozenset)):
        return all(_literal(v) for v in value)
    return False


def _signature(value: Any, drop_first: bool) -> inspect.Signature | None:
    target = value
    if isinstance(value, (staticmethod, classmethod)):
        target = value.__func__
        drop_first = isinstance(value, classmethod)
    if isinstance(target, type):
        init = inspect.getattr_static(target, "__init__", None)
        if init is None or init is object.__init__:
            return None
        target, drop_first = init, True
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return None
    params = list(signature.parameters.values())
    if (
        drop_first
        and params
        and params[0].kind
        in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        )
    ):
        params = params[1:]
    return signature.replace(parameters=params)


_P = inspect.Parameter
_POSITIONAL = (_P.POSITIONAL_ONLY, _P.POSITIONAL_OR_KEYWORD)
_KEYWORD = (_P.POSITIONAL_OR_KEYWORD, _P.KEYWORD_ONLY)


def compare_signatures(real: inspect.Signature, ours: inspect.Signature) -> list[str]:
    """What a call valid for Alembic's signature cannot do with still's (empty: nothing)."""
    problems: list[str] = []
    theirs = list(real.parameters.values())
    mine = list(ours.parameters.values())
    by_name = {p.name: p for p in mine}
    var_positional = any(p.kind is _P.VAR_POSITIONAL for p in mine)
    var_keyword = any(p.kind is _P.VAR_KEYWORD for p in mine)
    their_positional = [p for p in theirs if p.kind in _POSITIONAL]
    my_positional = [p for p in mine if p.kind in _POSITIONAL]
    for index, param in enumerate(their_positional):
        if index < len(my_positional):
            other = my_positional[index]
            if param.kind is _P.POSITIONAL_OR_KEYWORD and other.name != param.name:
                problems.append(f"positional {index + 1} is {param.name}, still's {other.name}")
        elif not var_positional:
            problems.append(f"{param.name} cannot be given by position")
    for param in theirs:
        if param.kind is _P.VAR_POSITIONAL and not var_positional:
            problems.append(f"*{param.name} not accepted")
            continue
        if param.kind is _P.VAR_KEYWORD:
            if not var_keyword:
                problems.append(f"**{param.name} not accepted")
            continue
        if param.kind not in _KEYWORD:
            continue
        other = by_name.get(param.name)
        if other is None or other.kind not in _KEYWORD:
            problems.append(f"{param.name}= missing")
            continue
        if param.default is not _P.empty:
            if other.default is _P.empty:
                problems.append(f"{param.name} is required (Alembic: default {param.default!r})")
            elif (
                isinstance(param.default, enum.Enum)
                and (
                    not isinstance(other.default, enum.Enum)
                    or (other.default.name, other.default.value)
                    != (param.default.name, param.default.value)
                )
            ) or (
                _literal(param.default)
                and _literal(other.default)
                and (
                    param.default != other.default or type(param.default) is not type(other.default)
                )
            ):
                problems.append(
                    f"{param.name} defaults to {other.default!r} (Alembic: {param.default!r})"
                )
    their_names = {p.name for p in theirs}
    for param in mine:
        if (
            param.default is _P.empty
            and param.kind not in (_P.VAR_POSITIONAL, _P.VAR_KEYWORD)
            and param.name not in their_names
        ):
            problems.append(f"{param.name} is required by still only")
    return problems


# -- the report -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    key: str
    group: str
    what: str  # "missing" | "kind" | "parameters"
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.key}: {self.what}" + (f" ({self.detail})" if self.detail else "")


def _excused(key: str, listing: dict[str, str]) -> bool:
    return any(key == k or key.startswith((k + ".", k + "(")) for k in listing)


def differences() -> list[Difference]:
    """Every difference between Alembic's surface and still's alias."""
    surface = alembic_surface()
    found: list[Difference] = []
    with compat.alembic_names():
        for member in surface:
            found.extend(_compare(member))
    return found


def _compare(member: Member) -> Iterator[Difference]:
    ours, _ = _still_value(member.key, member.kind)
    if ours is MISSING:
        yield Difference(member.key, member.group, "missing")
        return
    if member.kind == "attribute":
        mine = "value" if isinstance(ours, _InstanceAttribute) else _member_kind(ours)
        if member.callable_kind != mine:
            yield Difference(
                member.key, member.group, "kind", f"Alembic: {member.callable_kind}, still: {mine}"
            )
            return
    if member.callable_kind != "callable" and not isinstance(member.value, type):
        return
    drop_first = member.kind == "attribute" and not isinstance(member.value, type)
    real = _signature(member.value, drop_first)
    if real is None:
        return
    signature = _signature(ours, drop_first)
    if signature is None:
        yield Difference(member.key, member.group, "parameters", "still's has no signature")
        return
    problems = compare_signatures(real, signature)
    if problems:
        yield Difference(member.key, member.group, "parameters", "; ".join(problems))


def report(found: list[Difference]) -> str:
    grouped: dict[str, list[Difference]] = defaultdict(list)
    for difference in found:
        grouped[difference.group].append(difference)
    lines = []
    for group in sorted(grouped):
        lines.append(f"{group}: {len(grouped[group])}")
        for difference in grouped[group]:
            tail = difference.key[len(group) + 1 :] or difference.key
            detail = f" ({difference.detail})" if difference.detail else ""
            lines.append(f"    {tail}: {difference.what}{detail}")
    return "\n".join(lines)


# -- the tests -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def found() -> list[Difference]:
    return differences()


def test_the_surface_is_measured_from_the_real_alembic() -> None:
    surface = alembic_surface()
    keys = {m.key for m in surface}
    # The enumeration finds what every Alembic user knows is there, so it can fail.
    for key in (
        "alembic.command.upgrade",
        "alembic.config.Config.get_main_option",
        "alembic.script.ScriptDirectory.walk_revisions",
        "alembic.script.Script.module",
        "alembic.runtime.migration.MigrationContext.impl",
        "alembic.op.add_column",
    ):
        assert key in keys, key
    assert len(surface) > 800, len(surface)


def test_nothing_missing_outside_the_declared_omissions(found: list[Difference]) -> None:
    left = [
        d
        for d in found
        if not _excused(d.key, DELIBERATE_OMISSIONS) and not _excused(d.key, PENDING)
    ]
    print(report(found))
    assert not left, f"{len(left)} differences from Alembic's surface:\n{report(left)}"


def test_every_excuse_is_still_needed(found: list[Difference]) -> None:
    keys = [d.key for d in found]
    stale = [
        k
        for k in (*DELIBERATE_OMISSIONS, *PENDING)
        if not any(key == k or key.startswith((k + ".", k + "(")) for key in keys)
    ]
    assert not stale, f"declared but no longer different: {stale}"


def test_the_migration_guide_names_every_deliberate_omission() -> None:
    text = MIGRATING_DOC.read_text(encoding="utf-8")
    unnamed = [k for k in DELIBERATE_OMISSIONS if f"`{k}`" not in text]
    assert not unnamed, f"docs/migrating-from-alembic.md does not name: {unnamed}"


def test_signature_comparison_can_fail() -> None:
    def alembic_like(config: Any, revision: str, sql: bool = False, *, tag: Any = None) -> None: ...

    def narrower(config: Any, revision: str) -> None: ...

    def renamed(config: Any, rev: str, sql: bool = True, tag: Any = None) -> None: ...

    real = inspect.signature(alembic_like)
    assert compare_signatures(real, inspect.signature(alembic_like)) == []
    assert compare_signatures(real, inspect.signature(narrower)) == [
        "sql cannot be given by position",
        "sql= missing",
        "tag= missing",
    ]
    assert compare_signatures(real, inspect.signature(renamed)) == [
        "positional 2 is revision, still's rev",
        "revision= missing",
        "sql defaults to True (Alembic: False)",
        "rev is required by still only",
    ]


if __name__ == "__main__":
    result = differences()
    print(report(result))
    counts = defaultdict(int)
    for d in result:
        counts[d.what] += 1
    print(dict(counts), "total", len(result), "of", len(alembic_surface()))
    _ = re  # kept for ad-hoc filtering when run by hand
