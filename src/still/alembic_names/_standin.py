"""How each module of this package stands in for one of Alembic's: names resolved on first use.

A stand-in declares which still object answers each Alembic name (``"still.config:Config"``); its
submodules (``alembic.runtime.migration`` for ``alembic.runtime``) come from the one table of
Alembic's modules, :data:`still.compat.ALEMBIC_MODULES`.  Nothing is imported until a name is
used, so ``import alembic`` under still costs nothing.  A name Alembic has and still does not
gives an error that names it and says it is not supported yet: an :class:`AttributeError` for
attribute access (``hasattr`` keeps working) and an :class:`ImportError` for ``from alembic.x
import name``.
"""

from __future__ import annotations

import dis
import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

from still.compat import ALEMBIC_MODULES, ModuleNotSupportedYet, NameNotSupportedYet

_IMPORT_FROM = dis.opmap.get("IMPORT_FROM", -1)


def resolve(target: str) -> Any:
    """``"package.module:attr"`` -> that attribute; ``"package.module"`` -> that module."""
    module_name, _, attr = target.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attr) if attr else module


def _caller_imports_from() -> bool:
    """True when the code asking for a name is a ``from ... import name`` statement."""
    frame = sys._getframe(3)
    try:
        return frame.f_code.co_code[frame.f_lasti] == _IMPORT_FROM
    except (IndexError, AttributeError):  # pragma: no cover - an interpreter without bytecode
        return False


def not_supported(alembic_module: str, name: str) -> Exception:
    message = (
        f"{alembic_module}.{name} is not supported by still yet. still runs Alembic projects "
        "unchanged through Alembic's public names; this one has no still counterpart so far "
        "(see docs/migrating-from-alembic.md)."
    )
    if _caller_imports_from():
        return ModuleNotSupportedYet(message, name=f"{alembic_module}.{name}")
    return NameNotSupportedYet(message, name=name)


def stand_in(
    namespace: dict[str, Any],
    alembic_module: str,
    exports: Mapping[str, str],
    names_of: str | None = None,
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for a stand-in module whose globals are ``namespace``.

    ``exports`` maps Alembic's names to still's objects; with ``names_of`` (a module path) the
    public classes of that module answer too, under their own names.  The module's submodules
    answer as :data:`still.compat.ALEMBIC_MODULES` maps them.
    """
    exports = {**submodules(alembic_module), **exports}

    def __getattr__(name: str) -> Any:
        target = exports.get(name)
        if target is None:
            if name.startswith("__"):
                raise AttributeError(name)
            value = _class_of(names_of, name) if names_of else None
            if value is None:
                raise not_supported(alembic_module, name)
            namespace[name] = value
            return value
        value = resolve(target)
        namespace[name] = value  # later lookups find it directly
        return value

    def __dir__() -> list[str]:
        extra = _classes(names_of) if names_of else []
        return sorted(set(namespace) | set(exports) | set(extra))

    return __getattr__, __dir__


def submodules(alembic_module: str) -> dict[str, str]:
    """The submodules of one of Alembic's modules, by their last name: ``{"migration":
    "still.alembic_names.runtime_migration", ...}`` for ``alembic.runtime``."""
    prefix = alembic_module + "."
    return {
        alias[len(prefix) :]: target
        for alias, target in ALEMBIC_MODULES.items()
        if alias.startswith(prefix) and "." not in alias[len(prefix) :]
    }


def _classes(module_name: str) -> list[str]:
    module = importlib.import_module(module_name)
    return [
        name
        for name, value in vars(module).items()
        if isinstance(value, type) and not name.startswith("_") and value.__module__ == module_name
    ]


def _class_of(module_name: str, name: str) -> Any:
    return (
        getattr(importlib.import_module(module_name), name)
        if name in _classes(module_name)
        else None
    )
