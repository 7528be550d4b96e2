"""The throw-away database of each kind, and its cache.

Every kind has the same five steps: ``restore(digest)`` makes the working database from the cache
(the URL env.py gets, or None when nothing is cached), ``create()`` makes an empty one, ``keep()``
caches a freshly built one, ``drop()`` removes the working database, and ``clean()`` removes what
earlier runs left (a run killed outright) and the caches.

- SQLite: a temporary file; the cache is a copy under the project cache.
- PostgreSQL: a database on the same server (or the ``shadow_url`` server); the cache is a
  template database, cloned with ``CREATE DATABASE ... TEMPLATE``.
- MySQL/MariaDB: a database on the same server; the cache is the schema's DDL (``SHOW CREATE
  TABLE``) and the version table's rows, in the project cache, replayed into a new database.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from still.config.urls import display_url
from still.errors import CommandError
from still.shadow import admin
from still.shadow.names import (
    PREFIX,
    TEMPLATE_PREFIX,
    abandoned,
    project_key,
    template_name,
    working_name,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from still.script import ScriptDirectory

CACHE_DIRECTORY = "still-shadow"
# Cached schemas kept per project: the heads, and the revisions a session's tests or an
# `upgrade --sql --shadow` start from, without rebuilding at each switch.  Beyond it the oldest
# made goes (on every kind alike: PostgreSQL keeps no time a template was last copied).
CACHE_ENTRIES = 4


class ShadowError(CommandError):
    """The shadow database could not be made (a privilege, a server, a failing revision)."""


class Server:
    """What every kind shares: the URL env.py gets, the cache directory, the working name."""

    kind = ""

    def __init__(self, url: URL, script: ScriptDirectory, separate: bool) -> None:
        self.url = url  # the user's URL, or shadow_url's: the server and the driver
        self.script = script
        self.separate = separate  # the server is shadow_url's, not the project's
        self.caching = script.cache.enabled
        self.name: str | None = None  # the working database, once asked for

    @property
    def cache_directory(self) -> Path:
        return Path(self.script.cache.directory) / CACHE_DIRECTORY

    def working_url(self) -> URL:
        assert self.name is not None
        return self.url.set(database=self.name)

    def is_working(self, url: URL) -> bool:
        """Whether ``url`` (the one env.py connected with) names the working database."""
        return self.name is not None and url.database == self.name

    def restore(self, digest: str) -> URL | None:
        raise NotImplementedError

    def create(self) -> URL:
        raise NotImplementedError

    def keep(self, digest: str, version_tables: list[tuple[str | None, str]]) -> None:
        raise NotImplementedError

    def drop(self) -> None:
        """Remove the working database, then forget its name (a second drop does nothing)."""
        raise NotImplementedError

    def clean(self) -> list[str]:
        raise NotImplementedError

    def built(self) -> None:
        """The revisions have been replayed into the working database (it may now be cached
        and handed out)."""

    def close(self) -> None:
        """Close what the server object keeps open between its calls (an admin connection)."""


class SQLiteServer(Server):
    kind = "sqlite"

    def _path(self) -> Path:
        assert self.name is not None
        return Path(tempfile.gettempdir()) / f"{self.name}.sqlite"

    def working_url(self) -> URL:
        return self.url.set(database=str(self._path()))

    def is_working(self, url: URL) -> bool:
        if self.name is None or not url.database:
            return False
        return os.path.realpath(url.database) == os.path.realpath(self._path())

    def _cached(self, digest: str) -> Path:
        return self.cache_directory / f"{digest}.sqlite"

    def restore(self, digest: str) -> URL | None:
        cached = self._cached(digest)
        if not self.caching or not cached.is_file():
            return None
        self.name = working_name()
        shutil.copyfile(cached, self._path())
        return self.working_url()

    def create(self) -> URL:
        self.name = working_name()
        self._path().touch()
        return self.working_url()

    def keep(self, digest: str, version_tables: list[tuple[str | None, str]]) -> None:
        if not self.caching:
            return
        cached = self._cached(digest)
        partial = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self._path(), partial)
            os.replace(partial, cached)
            _keep_newest(cached.parent.glob("*.sqlite"))
        except OSError:
            partial.unlink(missing_ok=True)

    def drop(self) -> None:
        if self.name is None:
            return
        path = self._path()
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        self.name = None

    def clean(self) -> list[str]:
        dropped = []
        for path in Path(tempfile.gettempdir()).glob(f"{PREFIX}*.sqlite*"):
            stem = path.name.split(".sqlite")[0] + ".sqlite"
            if abandoned(stem):
                path.unlink(missing_ok=True)
                dropped.append(str(path))
        if self.cache_directory.is_dir():
            for path in self.cache_directory.glob("*.sqlite"):
                path.unlink(missing_ok=True)
                dropped.append(str(path))
        return dropped


class _DatabaseServer(Server):
    """PostgreSQL and MySQL: a database created and dropped on a server."""

    quote = '"'
    missing_privilege = ""

    def _q(self, name: str) -> str:
        return f"{self.quote}{name}{self.quote}"

    def admin_urls(self) -> list[URL]:
        raise NotImplementedError

    _session: admin.Session | None = None

    def run(self, statements: list[admin.Statement], url: URL | None = None) -> list[Any]:
        """Run statements on the server (its first reachable admin database, on one connection
        kept until :meth:`close`), or on ``url`` (a connection of their own)."""
        if url is not None:
            return admin.run(url, statements)
        if self._session is not None:
            return self._session.run(statements)
        first: BaseException | None = None
        for candidate in self.admin_urls():
            session = admin.Session(candidate)
            try:
                rows = session.run(statements)
            except Exception as exc:
                session.close()
                if not _unreachable_database(exc):
                    raise
                first = first or exc
                continue
            self._session = session
            return rows
        assert first is not None
        raise first

    def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.close()

    def _create(self, statement: str) -> None:
        try:
            self.run([statement])
        except Exception as exc:
            if not _refused(exc):
                raise
            user = self.url.username or "(the configured user)"
            raise ShadowError(
                f"still could not create the shadow database {self.name} on "
                f"{display_url(self.url.render_as_string(hide_password=False))}: "
                f"{admin.error_text(exc)}. The shadow database is a throw-away database still "
                f"creates and drops on the server; the user {user} lacks the privilege: "
                f"{self.missing_privilege.format(user=user)} Or set shadow_url to a server "
                "where it may (a local or CI container). Nothing was changed."
            ) from None


class PostgreSQLServer(_DatabaseServer):
    kind = "postgresql"
    missing_privilege = "CREATEDB (as a superuser: ALTER ROLE {user} CREATEDB)."

    def admin_urls(self) -> list[URL]:
        names = [self.url.database, "postgres", "template1"]
        return [self.url.set(database=n) for n in dict.fromkeys(n for n in names if n)]

    _version: int | None = None

    def _force(self) -> str:
        if self._version is None:
            self._version = int(self.run(["SHOW server_version_num"])[0][0][0])
        return " WITH (FORCE)" if self._version >= 130000 else ""

    def restore(self, digest: str) -> URL | None:
        template = template_name(self.script, digest)
        if not self.caching:
            return None
        # names still makes: letters, digits and underscores only, safe as literals
        found, version = self.run(
            [
                f"SELECT 1 FROM pg_database WHERE datname = '{template}'",
                "SHOW server_version_num",
            ]
        )
        self._version = int(version[0][0])
        if not found:
            return None
        self.name = working_name()
        try:
            self.run([f"CREATE DATABASE {self._q(self.name)} TEMPLATE {self._q(template)}"])
        except Exception:  # the template is in use or being replaced: build afresh
            self.name = None
            return None
        return self.working_url()

    def create(self) -> URL:
        self.name = working_name()
        self._create(f"CREATE DATABASE {self._q(self.name)}")
        # A throw-away database's commits need not wait for the disk: a crash loses it anyway,
        # and the template's copy (keep) is WAL-logged after them.  A setting of the database
        # (its sessions': env.py's engine is the project's), reset before anyone else gets it;
        # CREATE DATABASE ... TEMPLATE copies no such setting.
        self.run([f"ALTER DATABASE {self._q(self.name)} SET synchronous_commit = off"])
        return self.working_url()

    def built(self) -> None:
        if self.name is not None:
            self.run([f"ALTER DATABASE {self._q(self.name)} RESET synchronous_commit"])

    def keep(self, digest: str, version_tables: list[tuple[str | None, str]]) -> None:
        if not self.caching or self.name is None:
            return
        template = template_name(self.script, digest)
        mine = f"{TEMPLATE_PREFIX}{project_key(self.script)}_"
        try:
            made = self.run(
                [
                    f"CREATE DATABASE {self._q(template)} TEMPLATE {self._q(self.name)}",
                    _starting("datname", "pg_database", mine) + " ORDER BY oid DESC",
                ]
            )[1]
        except Exception:  # another run made it first, or a connection is still open
            return
        # the newest first (a database's oid grows with each made): the oldest beyond the
        # cache's size go
        older = [name for (name,) in made if name != template][CACHE_ENTRIES - 1 :]
        for name in older:
            try:
                self.run([f"DROP DATABASE IF EXISTS {self._q(name)}"])
            except Exception:  # in use by a concurrent clone: dropped next time
                pass

    def drop(self) -> None:
        try:
            if self.name is not None:
                self.run([f"DROP DATABASE IF EXISTS {self._q(self.name)}{self._force()}"])
                self.name = None
        finally:
            self.close()

    def clean(self) -> list[str]:
        rows = self.run([_starting("datname", "pg_database", PREFIX)])[0]
        force = self._force()
        mine = f"{TEMPLATE_PREFIX}{project_key(self.script)}_"  # other projects' stay
        dropped = []
        for (name,) in rows:
            if name.startswith(mine) or abandoned(name):
                try:
                    self.run([f"DROP DATABASE IF EXISTS {self._q(name)}{force}"])
                except Exception:  # being cloned right now by another run: left for next time
                    continue
                dropped.append(name)
        return dropped


class MySQLServer(_DatabaseServer):
    kind = "mysql"
    quote = "`"
    missing_privilege = (
        "CREATE, DROP and the privileges the migrations use, on databases named still_shadow_% "
        "(GRANT ALL PRIVILEGES ON `still\\_shadow\\_%`.* TO '{user}'@'%')."
    )

    def admin_urls(self) -> list[URL]:
        from sqlalchemy.engine import URL

        u = self.url
        return [URL.create(u.drivername, u.username, u.password, u.host, u.port, None, u.query)]

    def _cached(self, digest: str) -> Path:
        return self.cache_directory / f"{digest}.mysql.json"

    def _version(self) -> str:
        return str(self.run(["SELECT VERSION()"])[0][0][0])

    def _create_statement(self) -> str:
        statement = f"CREATE DATABASE {self._q(self.name or '')}"
        if self.separate or not self.url.database:
            return statement
        rows = self.run(
            [
                (
                    "SELECT default_character_set_name, default_collation_name "
                    "FROM information_schema.SCHEMATA WHERE schema_name = %s",
                    (self.url.database,),
                )
            ]
        )[0]
        if rows:  # the project database's character set, so the comparison sees the same
            statement += f" CHARACTER SET {rows[0][0]} COLLATE {rows[0][1]}"
        return statement

    def restore(self, digest: str) -> URL | None:
        cached = self._cached(digest)
        if not self.caching or not cached.is_file():
            return None
        try:
            saved = json.loads(cached.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if saved.get("server") != self._version():
            return None
        self.name = working_name()
        self._create(self._create_statement())
        statements: list[admin.Statement] = ["SET FOREIGN_KEY_CHECKS = 0"]
        statements += saved["tables"]
        for table, columns, rows in saved["rows"]:
            marks = ", ".join(["%s"] * len(columns))
            names = ", ".join(self._q(c) for c in columns)
            statements += [(f"INSERT INTO {table} ({names}) VALUES ({marks})", r) for r in rows]
        self.run(statements, self.working_url())
        return self.working_url()

    def create(self) -> URL:
        self.name = working_name()
        self._create(self._create_statement())
        return self.working_url()

    def keep(self, digest: str, version_tables: list[tuple[str | None, str]]) -> None:
        if not self.caching or self.name is None:
            return
        working = admin.Session(self.working_url())  # one connection for all the reading
        try:
            listed, (uncached,) = working.run(["SHOW FULL TABLES", _NOT_IN_THE_CACHE])
            if uncached[0]:
                # views, triggers, routines or events: the cache (tables' DDL) would lose them,
                # so this schema is not cached and each build replays the revisions
                return
            tables = [name for name, kind in listed if kind == "BASE TABLE"]
            shown = working.run([f"SHOW CREATE TABLE {self._q(t)}" for t in tables])
            ddl = [result[0][1] for result in shown]
            rows = []
            for schema, table in version_tables:
                if schema is not None or table not in tables:
                    continue
                result, columns = working.run(
                    [f"SELECT * FROM {self._q(table)}", f"SHOW COLUMNS FROM {self._q(table)}"]
                )
                names = [c[0] for c in columns]
                rows.append([self._q(table), names, [list(r) for r in result]])
            version = str(working.run(["SELECT VERSION()"])[0][0][0])
        finally:
            working.close()
        saved = {"server": version, "tables": ddl, "rows": rows}
        cached = self._cached(digest)
        partial = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial.write_text(json.dumps(saved), encoding="utf-8")
            os.replace(partial, cached)
            _keep_newest(cached.parent.glob("*.mysql.json"))
        except OSError:
            partial.unlink(missing_ok=True)

    def drop(self) -> None:
        try:
            if self.name is not None:
                self._end_sessions(self.name)
                self.run([f"DROP DATABASE IF EXISTS {self._q(self.name)}"])
                self.name = None
        finally:
            self.close()

    def _end_sessions(self, name: str) -> None:
        """End the sessions still working in database ``name`` (the working database is this
        process's own).  After Ctrl-C a statement goes on on the server without its client,
        holding its transaction's locks, and DROP DATABASE would wait for it; PostgreSQL's
        ``DROP DATABASE ... WITH (FORCE)`` does the same for its kind."""
        rows = self.run(
            [
                (
                    "SELECT id FROM information_schema.PROCESSLIST "
                    "WHERE db = %s AND id <> CONNECTION_ID()",
                    (name,),
                )
            ]
        )[0]
        for (session,) in rows:
            try:
                self.run([f"KILL {int(session)}"])
            except Exception:  # gone meanwhile, or not ours to end: DROP DATABASE still tries
                pass

    def clean(self) -> list[str]:
        rows = self.run([_starting("schema_name", "information_schema.SCHEMATA", PREFIX)])[0]
        dropped = []
        for (name,) in rows:
            if abandoned(name):
                self.run([f"DROP DATABASE IF EXISTS {self._q(name)}"])
                dropped.append(name)
        if self.cache_directory.is_dir():
            for path in self.cache_directory.glob("*.mysql.json"):
                path.unlink(missing_ok=True)
                dropped.append(str(path))
        return dropped


# What a MySQL/MariaDB schema holds besides tables, which SHOW CREATE TABLE does not give back.
_NOT_IN_THE_CACHE = " + ".join(
    f"(SELECT COUNT(*) FROM information_schema.{catalogue} WHERE {column} = DATABASE())"
    for catalogue, column in (
        ("VIEWS", "TABLE_SCHEMA"),
        ("TRIGGERS", "TRIGGER_SCHEMA"),
        ("ROUTINES", "ROUTINE_SCHEMA"),
        ("EVENTS", "EVENT_SCHEMA"),
    )
)
_NOT_IN_THE_CACHE = f"SELECT {_NOT_IN_THE_CACHE}"


def _keep_newest(files: Iterable[Path]) -> None:
    """Of a project's cached files, keep the ``CACHE_ENTRIES`` made last (a file is written
    whole under another name, then renamed: its modification time is when it was made)."""
    newest_first = sorted(files, key=lambda f: f.stat().st_mtime_ns, reverse=True)
    for stale in newest_first[CACHE_ENTRIES:]:
        stale.unlink(missing_ok=True)


def _starting(column: str, catalogue: str, prefix: str) -> str:
    """The names in a catalogue that start with ``prefix`` (one still made: letters, digits and
    underscores).  No LIKE: a '%' in a statement without parameters is a placeholder to some
    drivers."""
    return (
        f"SELECT {column} FROM {catalogue} WHERE SUBSTRING({column}, 1, {len(prefix)}) = '{prefix}'"
    )


def _unreachable_database(exc: BaseException) -> bool:
    """A connection refused because the database named does not exist (PostgreSQL 3D000), or
    may not be connected to: try the next admin database."""
    text = admin.error_text(exc).lower()
    return "3D000" in admin.error_codes(exc) or (
        "database" in text and ("does not exist" in text or "not allowed" in text)
    )


def _refused(exc: BaseException) -> bool:
    """A privilege refused: PostgreSQL's 42501, MySQL's access-denied numbers (not 1045, a
    login refused: that is the URL's problem, reported as any connection error)."""
    codes = admin.error_codes(exc)
    text = admin.error_text(exc).lower()
    return bool(codes & {"42501", "1044", "1142", "1227"}) or "permission denied" in text


def server_for(url: URL, script: ScriptDirectory, separate: bool) -> Server:
    """The shadow server of a URL's kind, chosen by the database's implementation (the closest
    class a server is written for); a clear error for a kind still cannot shadow."""
    from still.ddl import impl_for
    from still.ddl.mysql import MySQLImpl
    from still.ddl.postgresql import PostgresqlImpl
    from still.ddl.sqlite import SQLiteImpl

    servers: dict[type, type[Server]] = {
        SQLiteImpl: SQLiteServer,
        PostgresqlImpl: PostgreSQLServer,
        MySQLImpl: MySQLServer,
    }
    impl = impl_for(url.get_backend_name())
    for cls in impl.__mro__:
        if cls in servers:
            return servers[cls](url, script, separate)
    raise ShadowError(
        f"The shadow database works with SQLite, PostgreSQL and MySQL/MariaDB; this project's "
        f"database is {url.get_backend_name()}. Compare with a database at head instead (without "
        "--shadow)."
    )
