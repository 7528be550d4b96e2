"""The schema at every revision, compared with a database's: what ``still adopt`` and ``still
repair`` stand on.

``compare_along(config, script, schema)`` replays the revisions one at a time, in one throw-away
database (see :mod:`still.shadow.build`), and after each step compares the schema there with
``schema`` (a database's tables, reflected into a MetaData) through autogenerate's own comparison
(``compare_metadata``), env.py's ``include_object`` / ``include_name`` and ``compare_type``
settings included.  One replay, one comparison per revision: the cost of an upgrade plus a
reflection per step, instead of a build per revision.

On a history with branches the steps follow the upgrade order, and each state is named by the
revisions the version table would then hold (two heads where two branches are both applied).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from still.errors import StillError
from still.hooks import Hooks, Reporter
from still.shadow.build import _guard, _prefix, pointed_at, server_of, unlocked
from still.shadow.servers import ShadowError

if TYPE_CHECKING:
    from sqlalchemy import Connection, MetaData

    from still.config import Config
    from still.graph import Step
    from still.runtime.migration import MigrationContext
    from still.script import Script, ScriptDirectory

OWN_PREFIX = "still_"  # still's own tables (the ledger): never part of a schema compared


@dataclass
class State:
    """The schema after some steps: the revisions it stands at and how a database differs."""

    heads: tuple[str, ...]  # () for base
    differences: list[str] = field(default_factory=list)
    # how far apart: a difference counts one, a table only on one side one and one per column
    # (a whole table missing is further than one missing constraint)
    distance: int = 0

    @property
    def matches(self) -> bool:
        return not self.differences

    @property
    def name(self) -> str:
        return ", ".join(self.heads) or "base"


def reflect_schema(
    connection: Connection,
    version_table: str = "alembic_version",
    schemas: Sequence[str | None] = (None,),
) -> MetaData:
    """A database's tables in ``schemas`` (``None``: the default one), without the version
    table and still's own."""
    from sqlalchemy import MetaData

    metadata = MetaData()
    for schema in schemas:
        metadata.reflect(
            connection,
            schema=schema,
            only=lambda name, _meta: name != version_table and not name.startswith(OWN_PREFIX),
        )
    return metadata


def compare_along(config: Config, script: ScriptDirectory, schema: MetaData) -> list[State]:
    """The schema at base and after every step of an upgrade to the heads, each compared with
    ``schema``; in a shadow database dropped afterwards (never cached: the states in between
    are not what a later build wants)."""
    from still.graph import upgrade_plan
    from still.runtime.environment import EnvironmentContext, current_environment

    server = server_of(config, script)
    states: list[State] = []
    heads: list[str] = []

    def compare(context: MigrationContext) -> None:
        from still.autogenerate.api import compare_metadata

        with _quiet():  # autogenerate logs each difference it finds: once per step here
            diffs = compare_metadata(context, schema)
        states.append(State(tuple(heads), describe(diffs), distance(diffs)))

    class Comparing(Reporter):
        def step_finished(self, step: Step, script: Script | None, seconds: float) -> None:
            for rid in step.removes:
                if rid in heads:
                    heads.remove(rid)
            heads.extend(rid for rid in step.adds if rid not in heads)
            compare(current_environment().get_context())

    def plan(current: tuple[str, ...]) -> list[Step]:
        context = current_environment().get_context()
        _guard(server, url, context)
        if states:  # env.py runs migrations more than once (several databases): not shadowable
            raise ShadowError(
                "env.py runs the migrations on several databases; adopt and repair compare one "
                "database with the schema of the revisions."
            )
        compare(context)
        return upgrade_plan(script.graph, current, tuple(script.graph.heads))

    try:
        url = server.create()
        with pointed_at(config, server, url), unlocked(config):
            try:
                hooks = Hooks(reporter=Comparing(), listeners=list(config.hooks.listeners))
                with EnvironmentContext(config, script, plan=plan, hooks=hooks):
                    script.run_env()
            except StillError as exc:
                if not isinstance(exc, ShadowError):
                    _prefix(
                        exc,
                        "Building the schema of the revisions in the shadow database failed "
                        "(your database was not touched): ",
                    )
                raise
    finally:
        server.drop()
    if not states:
        raise ShadowError(
            "env.py never called context.run_migrations() on the shadow database, so no "
            "revision was replayed there."
        )
    return states


@contextmanager
def _quiet() -> Iterator[None]:
    """Autogenerate's comparison loggers switched off for the block."""
    from still.autogenerate.logs import (
        check_constraints_log,
        comments_log,
        constraints_log,
        defaults_log,
        tables_log,
        types_log,
    )

    loggers = [
        tables_log,
        types_log,
        constraints_log,
        defaults_log,
        comments_log,
        check_constraints_log,
    ]
    before = [logger.disabled for logger in loggers]
    for logger in loggers:
        logger.disabled = True
    try:
        yield
    finally:
        for logger, was in zip(loggers, before, strict=True):
            logger.disabled = was


def best(states: Sequence[State]) -> list[State]:
    """The states nearest the database (all of those that match, when any does)."""
    if not states:
        return []
    nearest = min(s.distance for s in states)
    return [s for s in states if s.distance == nearest]


def distance(diffs: Sequence[Any]) -> int:
    """How far apart autogenerate's diffs put two schemas: one per difference, and a table on one
    side only one more per column."""
    total = 0
    for diff in diffs:
        if isinstance(diff, list):
            total += distance(diff)
            continue
        total += 1
        if str(diff[0]) in ("add_table", "remove_table") and len(diff) > 1:
            total += len(getattr(diff[1], "columns", ()))
    return total


def describe(diffs: Sequence[Any]) -> list[str]:
    """Autogenerate's diff tuples (the database as "the models", the revision's schema as "the
    database"), as lines: ``+`` only in the database, ``-`` only at the revision, ``~`` both,
    differently."""
    lines: list[str] = []
    for diff in diffs:
        if isinstance(diff, list):
            lines.extend(describe(diff))
            continue
        kind = str(diff[0])
        if kind.startswith("modify_"):
            _, schema, table, column, _existing, old, new = (list(diff) + [None] * 7)[:7]
            what = kind.removeprefix("modify_")
            lines.append(
                f"~ {what} of {_qualified(schema, table)}.{column}: {_text(old)} at the "
                f"revision, {_text(new)} in the database"
            )
            continue
        verb, _, noun = kind.partition("_")
        subject = _subject(noun, diff[1:])
        if verb == "add":
            lines.append(f"+ {subject}: in the database, not at the revision")
        elif verb == "remove":
            lines.append(f"- {subject}: at the revision, not in the database")
        else:
            lines.append(f"~ {kind} {subject}")
    return sorted(lines)


def _qualified(schema: Any, name: Any) -> str:
    return f"{schema}.{name}" if schema else str(name)


def _text(value: Any) -> str:
    try:
        return str(value) if not hasattr(value, "compile") else str(value.compile())
    except Exception:
        return repr(value)


def _subject(noun: str, rest: Sequence[Any]) -> str:
    """What an add/remove diff is about, in words."""
    first = rest[0] if rest else None
    if noun == "table" and first is not None:
        return f"table {_qualified(getattr(first, 'schema', None), getattr(first, 'name', first))}"
    if noun == "column" and len(rest) >= 3:
        return f"column {_qualified(rest[0], rest[1])}.{getattr(rest[2], 'name', rest[2])}"
    if first is not None and hasattr(first, "table") and hasattr(first, "name"):
        table = getattr(first.table, "name", "?")
        label = {"fk": "foreign key", "constraint": "constraint"}.get(noun, noun)
        columns = ", ".join(c.name for c in getattr(first, "columns", []) or [])
        name = first.name or f"({columns})"
        return f"{label} {name} on {table}"
    return f"{noun} {' '.join(str(getattr(r, 'name', r)) for r in rest if r is not None)}"
