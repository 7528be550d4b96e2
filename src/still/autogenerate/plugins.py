"""Alembic's autogenerate plugins (``alembic.plugins`` / ``alembic.runtime.plugins``).

A plugin is a named set of comparison functions (``Plugin("myapp.views")`` then
``plugin.add_autogenerate_comparator(fn, "schema")``), made by hand or by the ``setup(plugin)``
function of a module published under the ``alembic.plugins`` entry point.  env.py chooses the
plugins a comparison runs with ``context.configure(autogenerate_plugins=[...])``: names, ``*``
for any one part or more (``"myapp.*"``), ``~name`` to leave one out; the default is
``["alembic.autogenerate.*"]``.

still's own comparison stands for Alembic's built-in plugins (``alembic.autogenerate.schema``,
``.tables``, ``.types``, ``.constraints``, ``.server_defaults``, ``.comments``) and for the
opt-in ``alembic.ext.checkconstraint_byname`` (still compares named CHECK constraints by name
already): those names are found, and always on.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

from still.autogenerate.extensions import Comparators, DispatchPriority
from still.errors import CommandError

log = logging.getLogger("alembic.runtime.plugins")

_REGISTERED: dict[str, Plugin] = {}
# Alembic's plugin names that still's own comparison covers
STILL_COVERS = (
    "alembic.autogenerate.schema",
    "alembic.autogenerate.tables",
    "alembic.autogenerate.types",
    "alembic.autogenerate.constraints",
    "alembic.autogenerate.server_defaults",
    "alembic.autogenerate.comments",
    "alembic.ext.checkconstraint_byname",
)
# renamed by Alembic 1.19.2: an env.py written for the old name keeps working
_OLD_NAMES = {"alembic.autogenerate.checkconstraint_byname": "alembic.ext.checkconstraint_byname"}
DEFAULT_PLUGINS = ("alembic.autogenerate.*",)
_entry_points_loaded = False


class Plugin:
    """A named set of autogenerate comparison functions."""

    def __init__(self, name: str) -> None:
        if name in _REGISTERED:
            raise ValueError(f"A plugin named {name} is already registered")
        log.info("setup plugin %s", name)
        self.name = name
        self.autogenerate_comparators = Comparators()
        _REGISTERED[name] = self

    def remove(self) -> None:
        """Forget this plugin."""
        _REGISTERED.pop(self.name, None)

    def add_autogenerate_comparator(
        self,
        fn: Callable[..., Any],
        compare_target: str,
        compare_element: str | None = None,
        *,
        qualifier: str = "default",
        priority: DispatchPriority = DispatchPriority.MEDIUM,
    ) -> None:
        """Register ``fn`` for ``compare_target`` (``"schema"``, ``"table"``, ``"column"``),
        in the subgroup ``compare_element``, for a dialect (``qualifier``) at ``priority``."""
        self.autogenerate_comparators.dispatch_for(
            compare_target, subgroup=compare_element, priority=priority, qualifier=qualifier
        )(fn)

    @classmethod
    def populate_autogenerate_priority_dispatch(
        cls, comparators: Comparators, include_plugins: Iterable[str]
    ) -> None:
        """Add to ``comparators`` the functions of the plugins ``include_plugins`` names."""
        _load_entry_points()
        include: dict[str, re.Pattern[str]] = {}
        exclude: list[re.Pattern[str]] = []
        for name in include_plugins:
            if name.startswith("~"):
                exclude.append(_pattern(_OLD_NAMES.get(name[1:], name[1:])))
            else:
                include[name] = _pattern(_OLD_NAMES.get(name, name))
        matched: set[str] = set()
        for name in (*STILL_COVERS, *_REGISTERED):
            if any(p.match(name) for p in exclude):
                continue
            hits = [given for given, p in include.items() if p.match(name)]
            if not hits:
                continue
            matched.update(hits)
            plugin = _REGISTERED.get(name)
            if plugin is not None:
                log.info("setting up autogenerate plugin %s", name)
                comparators.populate_with(plugin.autogenerate_comparators)
        missing = [given for given in include if given not in matched]
        if missing:
            raise CommandError(
                f"autogenerate_plugins names plugins that are not installed: "
                f"{', '.join(missing)}. Install the package that provides them, or leave them "
                "out of context.configure(autogenerate_plugins=[...])."
            )

    @classmethod
    def setup_plugin_from_module(cls, module: ModuleType, name: str) -> None:
        """A new plugin called ``name``, given to the module's ``setup(plugin)``."""
        module.setup(Plugin(name))


def _pattern(name: str) -> re.Pattern[str]:
    """``a.b.*`` -> a regular expression: ``*`` stands for one dotted part or more."""
    parts = []
    for token in name.split("."):
        if token == "*":
            parts.append(r"[^.]+(?:\.[^.]+)*")
        elif token.isidentifier():
            parts.append(re.escape(token))
        else:
            raise CommandError(f"autogenerate_plugins: {name!r} is not a plugin name or pattern.")
    return re.compile(r"\.".join(parts) + r"\Z")


def _load_entry_points() -> None:
    """Set up the plugins packages publish under the ``alembic.plugins`` entry point (once,
    when a comparison first needs them)."""
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    from importlib.metadata import entry_points

    for entry in entry_points(group="alembic.plugins"):
        if entry.name in _REGISTERED:
            continue
        loaded = entry.load()
        modules = [loaded] if isinstance(loaded, ModuleType) else list(loaded)
        for module in modules:
            Plugin.setup_plugin_from_module(module, entry.name)
