"""Reading a setting's value: one parser for booleans and one for numbers, for the whole code base.

A value may come from alembic.ini (always text), pyproject.toml (text, booleans, numbers) or
``context.configure()`` (any Python object).  A value that is not one of the accepted spellings
is refused with a message naming the key, the value, where it was found and what is accepted:
a lock timeout of ``nan`` that waits forever, or of ``-10`` that gives up at once, is a mistake
to report, not to run with.
"""

from __future__ import annotations

import math
from typing import Any

from still.errors import ConfigError

# The spellings SQLAlchemy's (and so Alembic's) ``asbool`` accepts, in any case.
TRUE_WORDS = ("true", "yes", "on", "y", "t", "1")
FALSE_WORDS = ("false", "no", "off", "n", "f", "0")
_ACCEPTED_BOOLEANS = "true or false (also yes/no, on/off, y/n, t/f, 1/0, in any case)"


class InvalidSetting(ConfigError, ValueError):
    """A setting whose value is not one its key accepts.  Also a ``ValueError``, as SQLAlchemy's
    ``asbool`` raises for a word it does not know (env.py code may catch that)."""


def _refuse(key: str, value: object, where: str | None, accepted: str) -> InvalidSetting:
    place = f" {where}" if where else ""
    return InvalidSetting(f"{key} = {value!r}{place} is not a value it accepts: {accepted}.")


def parse_boolean(value: object, key: str, where: str | None = None) -> bool:
    """``value`` as a boolean: a bool, 0 or 1, or one of the words of :data:`TRUE_WORDS` and
    :data:`FALSE_WORDS` (any case, surrounding spaces ignored).  ``where`` says where the value
    was found, for the message (``"in [alembic] of alembic.ini"``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise _refuse(key, value, where, f"write {_ACCEPTED_BOOLEANS}")


def parse_number(
    value: object,
    key: str,
    where: str | None = None,
    *,
    minimum: float = 0,
    maximum: float | None = None,
    whole: bool = False,
    unit: str = "",
    example: str | None = None,
) -> float:
    """``value`` as a finite number from ``minimum`` to ``maximum`` (a whole one with ``whole``):
    an int or float, or text Python reads as one.  NaN, infinities, booleans and anything out of
    range are refused."""
    number: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            number = int(text) if whole else float(text)
        except ValueError:
            number = None
    if number is not None and whole and isinstance(number, float):
        number = int(number) if number.is_integer() else None
    if (
        number is None
        or not math.isfinite(number)
        or number < minimum
        or (maximum is not None and number > maximum)
    ):
        kind = "a whole number" if whole else "a number"
        span = f"from {_show(minimum)}" + (
            f" to {_show(maximum)}" if maximum is not None else " up"
        )
        accepted = f"{kind}{f' of {unit}' if unit else ''}, {span}"
        if example:
            accepted += f" (e.g. {key} = {example})"
        raise _refuse(key, value, where, accepted)
    return number


def _show(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(number)


def setting_source(config: Any, key: str) -> str:
    """Where ``config`` finds ``key``, as a message says it: the ini file's section, else
    pyproject.toml's ``[tool.alembic]``."""
    section = getattr(config, "config_ini_section", "alembic")
    file_config = config.file_config
    if file_config.has_option(section, key):
        name = getattr(config, "config_file_name", None)
        return f"in [{section}] of {name}" if name else f"in [{section}] of the configuration"
    toml = getattr(config, "toml_file_name", None) or "pyproject.toml"
    return f"in [tool.alembic] of {toml}"


def boolean_setting(config: Any, key: str, default: bool) -> bool:
    """A boolean still setting of ``config`` (ini, else pyproject), ``default`` when absent."""
    value = config.get_alembic_option(key)
    if value is None:
        return default
    return parse_boolean(value, key, setting_source(config, key))


def number_setting(config: Any, key: str, default: float, **limits: Any) -> float:
    """A numeric still setting of ``config`` (ini, else pyproject), ``default`` when absent;
    ``limits`` as for :func:`parse_number`."""
    value = config.get_alembic_option(key)
    if value is None or value == "":
        return default
    return parse_number(value, key, setting_source(config, key), **limits)
