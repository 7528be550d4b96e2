"""``still.command`` resolves each command lazily (``__getattr__``): a submodule with a command's
name would shadow the function once imported (``still.command.resolve`` did), so none may have one;
and every command named in the dispatch table lives where the table says."""

from __future__ import annotations

import importlib
import pkgutil

import still.command as command


def test_no_command_module_shares_a_command_name() -> None:
    modules = {m.name for m in pkgutil.iter_modules(command.__path__)}
    assert not modules & set(command.__all__)


def test_every_command_is_found_where_the_table_says() -> None:
    assert set(command._WHERE) == set(command.__all__)
    for name, module in command._WHERE.items():
        function = getattr(importlib.import_module(f"still.command.{module}"), name)
        assert callable(function) and function.__name__ == name
        assert getattr(command, name) is function  # after every submodule is imported
