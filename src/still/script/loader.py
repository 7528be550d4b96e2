"""Import a Python file (env.py or a revision) as a module, with Alembic's names in place."""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path
from types import ModuleType

from still.compat import alembic_names
from still.errors import ScriptError, StillError

_counter = itertools.count(1)  # next() is atomic: threads loading files at once get distinct names


def load_python_file(path: Path, module_name: str | None = None) -> ModuleType:
    """Execute ``path`` as a fresh module.  Syntax errors name the file and line."""
    name = module_name or f"_still_loaded_{path.stem}_{next(_counter)}"
    if path.suffix == ".pyc":
        from importlib.machinery import SourcelessFileLoader

        loader = SourcelessFileLoader(name, str(path))
        spec = importlib.util.spec_from_loader(name, loader)
    else:
        spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ScriptError(f"Cannot load {path}: it is not a Python file.")
    module = importlib.util.module_from_spec(spec)
    try:
        with alembic_names():
            spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise ScriptError(
            f"{exc.filename or path}, line {exc.lineno}: syntax error: {exc.msg}. Fix the file and "
            "run the command again."
        ) from exc
    except ImportError as exc:
        raise ScriptError(
            f"{path} could not be loaded: {exc}. If it imports your models, check "
            "prepend_sys_path in alembic.ini (usually '.') and that you run still from the "
            "project directory."
        ) from exc
    except StillError:
        raise
    except Exception as exc:
        if module_name is not None:
            raise  # env.py: its own errors (an unreachable database...) are reported as such
        raise ScriptError(
            f"{path} raised {type(exc).__name__} while being imported: {exc}. Revision files run "
            "their top-level code when loaded; fix that code (--traceback shows where)."
        ) from exc
    return module
