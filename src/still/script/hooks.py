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

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from still.errors import CommandError

if TYPE_CHECKING:
    from still.config import Config

SECTION = "post_write_hooks"
FILENAME_TOKEN = "REVISION_SCRIPT_FILENAME"


def _names(value: str) -> list[str]:
    return [name for name in re.split(r"[\s,]+", value) if name]


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
    # Absolute: a hook with its own ``cwd`` must still find the file (``script_location`` is
    # often relative, e.g. ``alembic``).
    path = Path(path).absolute()
    options = config.get_section(SECTION) or {}
    names = _names(options.get("hooks", ""))
    for name in names:
        command = _command(name, options, path)
        cwd = options.get(f"{name}.cwd") or None
        config.print_stdout(f"Running post write hook {name!r} ...")
        completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            output = (completed.stdout + completed.stderr).strip()
            raise CommandError(
                f"post_write_hooks: {name!r} failed on {path} (exit {completed.returncode}): "
                f"{output or 'no output'}. The file is written; fix the hook or the file."
            )
        config.print_stdout("  done")
