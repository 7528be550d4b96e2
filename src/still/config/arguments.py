"""``-x key=value`` arguments, parsed once."""

from __future__ import annotations

from collections.abc import Iterable

from still.errors import ConfigError


def parse_x_arguments(values: Iterable[str]) -> dict[str, str]:
    """``["a=1", "flag"]`` -> ``{"a": "1", "flag": ""}``; a key without ``=`` gets ``""``."""
    parsed: dict[str, str] = {}
    for value in values:
        key, sep, rest = value.partition("=")
        key = key.strip()
        if not key:
            raise ConfigError(
                f"-x {value!r} has no key; pass arguments as -x key=value "
                "(for example -x sqlalchemy.url=sqlite:///app.db)."
            )
        parsed[key] = rest if sep else ""
    return parsed
