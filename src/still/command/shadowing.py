"""``still shadow clean``: drop what shadow-database runs left behind, and the caches."""

from __future__ import annotations

from still.config import Config
from still.script import ScriptDirectory


def shadow_clean(config: Config) -> list[str]:
    """Drop the shadow databases of runs that are over (killed outright), the PostgreSQL
    templates and the cached schemas of this project's kind; returns what was dropped."""
    from still.shadow.build import server_of

    script = ScriptDirectory.from_config(config)
    server = server_of(config, script)
    try:
        dropped = server.clean()
    finally:
        server.close()
    from still.shadow.dependencies import forget

    forget(server.cache_directory)
    for name in dropped:
        config.print_stdout(f"dropped {name}")
    config.print_stdout(
        f"{len(dropped)} shadow database(s) and cache(s) dropped."
        if dropped
        else "Nothing to drop: no shadow database or cache left."
    )
    return dropped
