"""``[post_write_hooks]``: programs run on each new revision file (formatters, linters).

As the ini spells them::

    [post_write_hooks]
    hooks = ruff, black
    ruff.type = exec
    ruff.executable = ruff
    ruff.options = check --fix REVISION_SCRIPT_FILENAME
    black.type = console_scripts
    black.entrypoint = black
    black.options = -q REVISION_SCRIPT_FILENAME

``type`` is ``exec`` (a program on PATH, or a path), ``console_scripts`` (an installed entry
point, run with this Python), or ``module`` (``python -m MODULE``).  ``options`` is split like a
shell line; ``REVISION_SCRIPT_FILENAME`` stands for the new file (put first when absent); ``cwd``
sets the working directory.  A hook that fails stops the command with its output.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from still.errors import CommandError

if TYPE_CHECKING:
    from still.config import Config

SECTION = "post_write_hooks"
FILENAME_TOKEN = "REVISION_SCRIPT_FILENAME"


_registry: dict[str, Callable[[str, Mapping[str, str]], None]] = {}


def register(name: str) -> Callable[[Callable[[str, Mapping[str, str]], None]], Any]:
    """Register a hook type of your own (``alembic.script.write_hooks.register``)::

        @write_hooks.register("spaces_to_tabs")
        def convert(filename, options): ...

    Hooks whose ``type`` is ``name`` then call it with the new file's name and the hook's
    options."""

    def decorate(fn: Callable[[str, Mapping[str, str]], None]) -> Any:
        _registry[name] = fn
        return fn

    return decorate


def _command(name: str, options: dict[str, str], path: Path) -> list[str]:
    kind = options.get(f"{name}.type")
    raw = options.get(f"{name}.options", FILENAME_TOKEN)
    if FILENAME_TOKEN not in raw:
        raw = f"{FILENAME_TOKEN} {raw}"
    args = [str(path) if arg == FILENAME_TOKEN else arg for arg in shlex.split(raw)]
    if kind == "exec":
        executable = options.get(f"{name}.executable")
        if not executable:
            raise CommandError(f"post_write_hooks: {name}.type = exec needs {name}.executable.")
        found = shutil.which(executable)
        if found is None:
            raise CommandError(
                f"post_write_hooks: {name}.executable = {executable} is not found on PATH. "
                "Install it, or remove the hook from [post_write_hooks]."
            )
        return [found, *args]
    if kind == "console_scripts":
        entrypoint = options.get(f"{name}.entrypoint")
        if not entrypoint:
            raise CommandError(
                f"post_write_hooks: {name}.type = console_scripts needs {name}.entrypoint."
            )
        from importlib.metadata import entry_points

        matches = entry_points(group="console_scripts", name=entrypoint)
        point = next(iter(matches), None)
        if point is None:
            raise CommandError(
                f"post_write_hooks: no installed console script is named {entrypoint!r} "
                f"({name}.entrypoint). Install the package that provides it."
            )
        module, _, attr = point.value.partition(":")
        call = f"import sys; from {module} import {attr.split('.')[0]} as f; "
        call += f"sys.argv[0] = {entrypoint!r}; sys.exit(f{_attr_path(attr)}())"
        return [sys.executable, "-c", call, *args]
    if kind == "module":
        module_name = options.get(f"{name}.module")
        if not module_name:
            raise CommandError(f"post_write_hooks: {name}.type = module needs {name}.module.")
        return [sys.executable, "-m", module_name, *args]
    raise CommandError(
        f"post_write_hooks: {name}.type = {kind!r}; use exec, console_scripts or module."
    )


def _attr_path(attr: str) -> str:
    rest = attr.split(".")[1:]
    return "".join(f".{part}" for part in rest)


def run_post_write_hooks(config: Config, path: Path) -> None:
    """Run every hook the configuration lists on ``path``, in order."""
    run_hooks(config.get_hooks_list(), path, config.print_stdout)


def run_hooks(
    hooks: Sequence[Mapping[str, str]],
    path: str | os.PathLike[str],
    say: Callable[[str], None] | None = None,
) -> None:
    """Run ``hooks`` (as ``Config.get_hooks_list()`` gives them) on the file at ``path``."""
    # Absolute: a hook with its own ``cwd`` must still find the file (``script_location`` is
    # often relative, e.g. ``alembic``).
    path = Path(path).absolute()
    for hook in hooks:
        name = hook.get("_hook_name", "")
        options = {f"{name}.{key}": value for key, value in hook.items()}
        kind = hook.get("type")
        if kind in _registry:
            if say is not None:
                say(f"Running post write hook {name!r} ...")
            _registry[kind](str(path), hook)
            if say is not None:
                say("  done")
            continue
        command = _command(name, options, path)
        cwd = hook.get("cwd") or None
        if say is not None:
            say(f"Running post write hook {name!r} ...")
        completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            output = (completed.stdout + completed.stderr).strip()
            raise CommandError(
                f"post_write_hooks: {name!r} failed on {path} (exit {completed.returncode}): "
                f"{output or 'no output'}. The file is written; fix the hook or the file."
            )
        if say is not None:
            say("  done")
