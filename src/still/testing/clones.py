"""Migrated databases for tests, cloned from the shadow database's cached template.

``Clones(config)`` hands out databases at the heads (or any revision) of a project on the server
``config``'s URL names.  The first one at a set of revision files replays the revisions (as the
shadow database does, docs/shadow.md) and caches the result; every later one is a copy of the
cache: ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL, a file copy on SQLite, the cached DDL
replayed on MySQL/MariaDB.  Each clone is a database of its own
(``still_shadow_m<machine>_<pid>_<random>``), dropped by :meth:`Clones.drop_all` (the pytest
fixtures do it after each test)::

    clones = Clones(Migrations("alembic.ini", "postgresql://localhost/postgres").config())
    database = clones.clone()          # at the heads
    engine = sqlalchemy.create_engine(database.url)
    ...
    clones.drop_all()
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from still.config import Config
    from still.script import ScriptDirectory
    from still.shadow.servers import Server

__all__ = ["ClonedDatabase", "Clones"]


@dataclass(frozen=True)
class ClonedDatabase:
    """One test's database: its URL (with the password), the revisions it stands at, and
    whether it was copied from the cache (False: the revisions were replayed to make it, and
    the cache was filled)."""

    url: str
    heads: tuple[str, ...]
    from_cache: bool
    kind: str


class Clones:
    """Databases at a revision for tests, on the server of ``config``'s ``sqlalchemy.url``."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._made: dict[str, Server] = {}

    @cached_property
    def script(self) -> ScriptDirectory:
        from still.script import ScriptDirectory

        return ScriptDirectory.from_config(self.config)

    def clone(self, revision: str = "heads") -> ClonedDatabase:
        """A new database at ``revision`` (``heads``, ``head``, an id, a branch label)."""
        from still.graph import resolve_targets
        from still.shadow.build import materialize, server_of

        targets = resolve_targets(self.script.graph, revision)
        server = server_of(self.config, self.script)
        # A cache that cannot be copied this moment (PostgreSQL: another session is copying
        # the template) is no failure: materialize then replays, as for the first build.
        # a clone that fails (a failing revision, Ctrl-C) leaves nothing: materialize drops it
        built = materialize(self.config, self.script, server, targets)
        url = built.url.render_as_string(hide_password=False)
        self._made[url] = server
        return ClonedDatabase(url, built.targets, built.from_cache, built.kind)

    def drop(self, database: ClonedDatabase) -> None:
        """Drop one database :meth:`clone` made (close its connections first)."""
        server = self._made.pop(database.url, None)
        if server is not None:
            server.drop()

    def drop_all(self) -> None:
        """Drop every database this object made (the first error is raised after all tried)."""
        first: BaseException | None = None
        while self._made:
            _, server = self._made.popitem()
            try:
                server.drop()
            except Exception as exc:
                first = first or exc
        if first is not None:
            raise first
