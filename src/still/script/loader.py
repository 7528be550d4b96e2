"""Import a Python file (env.py or a revision) as a module, with Alembic's names in place."""

from __future__ import annotations

import importlib.util
import itertools
import linecache
from pathlib import Path
from types import ModuleType, TracebackType
from typing import NamedTuple

from still.compat import alembic_names
from still.errors import ScriptError, StillError

_counter = itertools.count(1)  # next() is atomic: threads loading files at once get distinct names
# Module names of the files still runs for the user: revision files get a name of their own
# starting with the prefix, env.py gets ENV_MODULE.
_PREFIX = "_still_loaded_"
ENV_MODULE = "env_py"


def _is_users(tb: TracebackType) -> bool:
    name = tb.tb_frame.f_globals.get("__name__")
    return isinstance(name, str) and (name.startswith(_PREFIX) or name == ENV_MODULE)


class Location(NamedTuple):
    """Where in the user's files an error was raised."""

    text: str  # FILE, line N, in FUNCTION: SOURCE LINE
    below_in_still: bool  # still's own code ran between that line and the error


def where_raised(exc: BaseException) -> Location | None:
    """Where in the user's files ``exc`` was raised: the innermost frame that runs env.py or a
    revision file.  The errors ``exc`` was raised from (``original``, ``__cause__``,
    ``__context__``) come first: a migration failure is raised by still, through env.py, from
    the revision's own error."""
    chain: list[BaseException] = []
    pending: list[BaseException] = [exc]
    while pending:
        error = pending.pop(0)
        if any(error is seen for seen in chain):
            continue
        chain.append(error)
        for cause in (getattr(error, "original", None), error.__cause__, error.__context__):
            if isinstance(cause, BaseException):
                pending.append(cause)
    for error in reversed(chain):
        found: TracebackType | None = None
        below_in_still = False
        tb = error.__traceback__
        while tb is not None:
            if _is_users(tb):
                found, below_in_still = tb, False
            elif str(tb.tb_frame.f_globals.get("__name__", "")).startswith("still."):
                below_in_still = True
            tb = tb.tb_next
        if found is not None:
            code = found.tb_frame.f_code
            source = linecache.getline(code.co_filename, found.tb_lineno).strip()
            where = f"{code.co_filename}, line {found.tb_lineno}"
            if code.co_name != "<module>":
                where += f", in {code.co_name}"
            return Location(where + (f": {source}" if source else ""), below_in_still)
    return None


def load_python_file(path: Path, module_name: str | None = None) -> ModuleType:
    """Execute ``path`` as a fresh module.  Syntax errors name the file and line."""
    name = module_name or f"{_PREFIX}{path.stem}_{next(_counter)}"
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
        from still.config.drivers import missing_driver

        driver = missing_driver(exc)
        if driver is not None:
            raise ScriptError(driver) from exc
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
        where = where_raised(exc)
        raise ScriptError(
            f"{path} raised {type(exc).__name__} while being imported: {exc}. Revision files run "
            "their top-level code when loaded; fix that code"
            + (f" (at {where.text})." if where else " (--traceback shows where).")
        ) from exc
    return module
