"""Build the shadow database: the schema of a set of revisions, in a throw-away database.

``shadow_database(config, script, targets)`` makes the working database (from the cache when the
revision files leading to ``targets`` are unchanged, else empty), replays the revisions into it by
running the project's env.py with ``sqlalchemy.url`` pointed at it, and yields with the
configuration still pointed there, so a command run inside the block (autogenerate, check) reads
the shadow database.  Afterwards the configuration is restored and the database dropped, whatever
happened (a failing revision, Ctrl-C).

env.py takes its URL from the configuration in every template still and Alembic write.  One that
reads it elsewhere (an environment variable of its own) would reach another database: a guard
checks the connection env.py configured before anything runs or is read, and stops with an error
naming both databases.  Nothing has been written by then.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from still.config.urls import URL_OPTION, display_url
from still.errors import StillError
from still.shadow.names import revisions_digest
from still.shadow.servers import Server, ShadowError, server_for

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from still.config import Config
    from still.graph import Step
    from still.runtime.migration import MigrationContext
    from still.script import ScriptDirectory

SHADOW_URL_OPTION = "shadow_url"
DEFAULT_OPTION = "autogenerate_shadow"
LOCK_OPTION = "migration_lock"  # still.runtime.locking's setting


@dataclass
class Shadow:
    """A built shadow database: its URL, the revisions it stands at, whether the cache made it."""

    url: URL
    targets: tuple[str, ...]
    from_cache: bool
    digest: str
    kind: str

    @property
    def note(self) -> str:
        """One line for the user: where the comparison's schema comes from."""
        at = ", ".join(self.targets) or "base"
        how = "from the cache" if self.from_cache else "by replaying the revisions"
        return f"Comparing with the schema at {at}, built {how} in a shadow database."

    @property
    def shown_url(self) -> str:
        return display_url(self.url.render_as_string(hide_password=False))


def wanted(config: Config, requested: bool | None, option: str = DEFAULT_OPTION) -> bool:
    """Whether a command uses the shadow database: as asked, else the setting ``option``
    (``autogenerate_shadow``; ``sql_shadow`` for ``--sql`` runs), false when absent."""
    if requested is not None:
        return requested
    return config.get_alembic_boolean_option(option)


def server_of(config: Config, script: ScriptDirectory) -> Server:
    """The server the shadow database goes to: ``shadow_url``'s, else the project's."""
    from sqlalchemy.engine import make_url

    separate = config.get_alembic_option(SHADOW_URL_OPTION)
    text = separate or config.get_main_option(URL_OPTION)
    if not text:
        raise ShadowError(
            "The shadow database is made on the project's kind of database, and no URL says "
            "which: set sqlalchemy.url (or -x sqlalchemy.url=..., or SQLALCHEMY_URL), or "
            "shadow_url naming the server to use."
        )
    try:
        url = make_url(str(text))
    except Exception:
        which = SHADOW_URL_OPTION if separate else URL_OPTION
        raise ShadowError(
            f"{which} {display_url(str(text))} is not a database URL; the shadow database needs "
            "one to know the server and the driver."
        ) from None
    return server_for(url, script, bool(separate))


@contextmanager
def shadow_database(
    config: Config, script: ScriptDirectory, targets: Sequence[str] | None = None
) -> Iterator[Shadow]:
    """The schema of ``targets`` (default: the heads) in a throw-away database; the
    configuration points at it inside the block; dropped afterwards."""
    server = server_of(config, script)
    try:
        built = materialize(config, script, server, targets)
        with pointed_at(config, server, built.url):
            yield built
    finally:
        _drop(server, config)


def materialize(
    config: Config, script: ScriptDirectory, server: Server, targets: Sequence[str] | None = None
) -> Shadow:
    """Make ``server``'s working database at ``targets`` (default: the heads): a clone of the
    cached one when the revision files are unchanged, else replayed and then cached.  The
    caller drops it (``server.drop()``); a build that fails (a failing revision, Ctrl-C) drops
    what it made itself."""
    from still.shadow import dependencies

    wanted_targets = tuple(script.graph.heads) if targets is None else tuple(targets)
    digest = revisions_digest(script, wanted_targets, server.kind)
    root = dependencies.project_root(config.config_file_name)
    # the digest, with the project modules the revisions imported when it was last built
    key = dependencies.cache_key(digest, server.cache_directory, root)
    try:
        url = server.restore(key)
        from_cache = url is not None
        if url is None:
            url = server.create()
            version_tables = _replay(config, script, server, url, wanted_targets)
            server.built()
            if server.caching:
                imported = dependencies.revision_dependencies(
                    script, script.graph.ancestors(wanted_targets), root
                )
                key = dependencies.record(digest, server.cache_directory, root, imported)
            server.keep(key, version_tables)
    except BaseException:
        _drop(server, config)  # the error that stopped the build is the one shown
        raise
    finally:
        server.close()  # the admin connection; drop() opens another
    return Shadow(url, wanted_targets, from_cache, key, server.kind)


def _drop(server: Server, config: Config) -> None:
    failure = sys.exc_info()[1]
    try:
        server.drop()
    except Exception as exc:
        if failure is not None:  # the error that stopped the run is the one to show
            return
        raise ShadowError(
            f"The shadow database {server.name} could not be dropped: {exc}. "
            "`still shadow clean` drops it (and any other leftover)."
        ) from None


@contextmanager
def _main_option(config: Config, option: str, value: str) -> Iterator[None]:
    """``option`` of the configuration's main section set to ``value`` for the block, then put
    back as it was (or removed, if it was not there)."""
    section = config.config_ini_section
    parser = config.file_config
    before = parser.get(section, option, raw=True) if parser.has_option(section, option) else None
    config.set_main_option(option, value)
    try:
        yield
    finally:
        if before is None:
            parser.remove_option(section, option)
        else:
            parser.set(section, option, before)


@contextmanager
def pointed_at(config: Config, server: Server, url: URL) -> Iterator[None]:
    """``sqlalchemy.url`` set to the shadow database, and the guard in place, for the block."""

    # a listener (still.hooks): every env.py run of the block stops, as soon as env.py has
    # configured its context, unless it connected to the shadow database
    def guard(context: Any) -> None:
        _guard(server, url, context)

    rendered = url.render_as_string(hide_password=False).replace("%", "%%")
    with _main_option(config, URL_OPTION, rendered):
        config.hooks.listeners.append(guard)
        try:
            yield
        finally:
            config.hooks.listeners.remove(guard)


@contextmanager
def unlocked(config: Config) -> Iterator[None]:
    """No migration lock for the block's runs: the working database's name is this process's
    own (names.py), so no other process migrates it, and the lock would cost a connection of its
    own on PostgreSQL.  A value env.py passes to ``context.configure`` still wins."""
    with _main_option(config, LOCK_OPTION, "false"):
        yield


def _guard(server: Server, url: URL, context: MigrationContext) -> None:
    """Stop unless env.py connected to the shadow database (before anything runs or is read)."""
    bind = context.bind
    reached = getattr(getattr(bind, "engine", None), "url", None)
    if reached is not None and server.is_working(reached):
        return
    where = display_url(reached.render_as_string(hide_password=False)) if reached else "nothing"
    raise ShadowError(
        f"env.py connected to {where}, not to the shadow database "
        f"{display_url(url.render_as_string(hide_password=False))}: it does not take its "
        "database URL from the configuration (sqlalchemy.url), or it runs on several databases. "
        "Nothing was run there. Have env.py read config.get_main_option('sqlalchemy.url') "
        "(as the templates of `still init` do) to use the shadow database."
    )


def _replay(
    config: Config,
    script: ScriptDirectory,
    server: Server,
    url: URL,
    targets: tuple[str, ...],
) -> list[tuple[str | None, str]]:
    """Run env.py on the shadow database with a plan that upgrades it to ``targets``; the
    version tables it wrote (schema, name), for the cache."""
    from still.graph import upgrade_plan
    from still.hooks import Hooks
    from still.runtime.environment import EnvironmentContext, current_environment
    from still.runtime.reporting import SilentReporter

    version_tables: list[tuple[str | None, str]] = []

    def plan(current: tuple[str, ...]) -> list[Step]:
        context = current_environment().get_context()  # guarded: see pointed_at
        version_tables.append(
            (
                context.opts.get("version_table_schema"),
                context.opts.get("version_table") or "alembic_version",
            )
        )
        return upgrade_plan(script.graph, current, targets)

    with pointed_at(config, server, url), unlocked(config):
        try:
            hooks = Hooks(reporter=SilentReporter(), listeners=list(config.hooks.listeners))
            with EnvironmentContext(config, script, plan=plan, hooks=hooks):
                script.run_env()
        except StillError as exc:
            if not isinstance(exc, ShadowError):
                _prefix(
                    exc, "Building the shadow database failed (your database was not touched): "
                )
            raise
    if not version_tables:
        raise ShadowError(
            "env.py never called context.run_migrations() on the shadow database, so no "
            "revision was replayed there."
        )
    return version_tables


def _prefix(exc: BaseException, text: str) -> None:
    if exc.args and isinstance(exc.args[0], str):
        exc.args = (text + exc.args[0], *exc.args[1:])
