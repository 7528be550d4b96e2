"""``still adopt`` and ``still repair``: where does a database stand, when its version table
cannot say?

Both reflect the database (through env.py, as every command reaches it), replay the revisions one
at a time in a shadow database and compare the schema after each step with the database's
(:mod:`still.shadow.history`).  ``adopt`` is for a database made without migrations or whose
version table was lost; ``repair`` for one whose version table names a revision no file defines.
Neither writes to the database, except the stamp ``--stamp`` asks for, and only when exactly one
revision matches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from still.command.environment import run_env
from still.config import Config
from still.errors import CommandError
from still.script import ScriptDirectory

if TYPE_CHECKING:
    from sqlalchemy import MetaData

    from still.runtime.ledger import Entry
    from still.runtime.migration import MigrationContext
    from still.shadow.history import State


@dataclass
class Standing:
    """What adopt and repair found: the database's recorded revisions and the comparison."""

    recorded: tuple[str, ...]
    states: list[State]
    matches: list[State]  # the revisions whose schema is the database's (one: it is known)
    closest: list[State]  # when none matches: those with the fewest differences
    unknown: tuple[str, ...] = ()  # recorded revisions no file defines (repair)
    ledger: list[Entry] = field(default_factory=list)  # the ledger's rows about them

    @property
    def found(self) -> State | None:
        return self.matches[0] if len(self.matches) == 1 else None


def _stamp_command(state: State) -> str:
    return f"still stamp --purge {' '.join(state.heads) or 'base'}"


def _read(config: Config, script: ScriptDirectory) -> tuple[tuple[str, ...], MetaData, list[Any]]:
    """The database's recorded revisions, its schema and the ledger's rows (read-only)."""
    from still.autogenerate.api import compared_schemas
    from still.shadow.history import reflect_schema

    found: list[tuple[tuple[str, ...], MetaData, list[Any]]] = []

    def reader(context: MigrationContext) -> None:
        from still.runtime.ledger import Ledger

        connection = context.connection
        assert connection is not None
        version_table = str(context.opts.get("version_table") or "alembic_version")
        heads = context.get_current_heads()
        ledger = context.ledger or Ledger()
        entries = list(ledger.read(connection))
        # the schemas the comparison with each revision's covers (include_schemas, include_name)
        schema = reflect_schema(connection, version_table, compared_schemas(context))
        found.append((heads, schema, entries))

    run_env(config, script, lambda heads: [], reader=reader)
    if not found:
        raise CommandError("env.py never called context.run_migrations(); nothing was read.")
    if len(found) > 1:
        raise CommandError(
            "env.py runs on several databases; adopt and repair look at one database at a time."
        )
    return found[0]


def _standing(config: Config, script: ScriptDirectory) -> Standing:
    from still.shadow.history import best, compare_along

    recorded, schema, entries = _read(config, script)
    unknown = tuple(rid for rid in recorded if rid not in script.graph)
    states = compare_along(config, script, schema)
    closest = best(states)
    matches = [s for s in closest if s.matches]
    return Standing(
        recorded,
        states,
        matches,
        [] if matches else closest,
        unknown,
        [e for e in entries if e.revision in unknown],
    )


def _report(config: Config, standing: Standing, command_name: str) -> None:
    say = config.print_stdout
    if standing.found is not None:
        say(f"The database's schema is the schema at {standing.found.name}.")
    elif standing.matches:
        names = ", ".join(s.name for s in standing.matches)
        say(
            f"The database's schema is the schema at each of {names}: they build the same "
            "schema, so still cannot tell which the database is at and does not guess. Stamp "
            "the one you know it reached: `still stamp --purge REVISION`."
        )
    else:
        for state in standing.closest:
            count = len(state.differences)
            say(
                f"No revision's schema is the database's. Closest: {state.name}, "
                f"{count} difference{'s' if count != 1 else ''}:"
            )
            for line in state.differences:
                say(f"  {line}")
        say(
            f"`still {command_name}` stamps only a revision whose schema is the database's; "
            "bring the schema in line first, or stamp the one you know it reached."
        )


def _stamp(config: Config, standing: Standing, command_name: str, quiet: bool = False) -> None:
    from still.command.migrate import stamp

    state = standing.found
    if state is None:
        raise CommandError(
            f"`still {command_name} --stamp` stamps only when exactly one revision's schema is "
            "the database's; nothing was written."
        )
    stamp(config, list(state.heads) or "base", purge=True)
    if not quiet:
        config.print_stdout(f"Stamped {state.name}.")


def _state_json(state: State) -> dict[str, Any]:
    return {"heads": list(state.heads), "differences": list(state.differences)}


def _outcome(standing: Standing) -> str:
    if standing.found is not None:
        return "match"
    return "ambiguous" if standing.matches else "no_match"


def _emit(config: Config, command_name: str, standing: Standing, stamp: bool, **more: Any) -> None:
    """The ``--json`` document of adopt / repair (docs/json.md); with ``stamp``, the stamp
    runs after the document is built and the document says whether it was written (an
    impossible stamp: the document, then the error, exit 1)."""
    from still.command.as_json import emit

    stamped = False
    refused: CommandError | None = None
    if stamp:
        try:
            _stamp(config, standing, command_name, quiet=True)
            stamped = True
        except CommandError as exc:
            if standing.found is not None:  # the stamp itself failed: no document
                raise
            refused = exc
    found = standing.found
    emit(
        config,
        command_name,
        recorded=list(standing.recorded),
        unknown=list(standing.unknown),
        outcome=_outcome(standing),
        matches=[_state_json(s) for s in standing.matches],
        closest=[_state_json(s) for s in standing.closest],
        stamp_command=_stamp_command(found) if found is not None else None,
        stamped=stamped,
        **more,
    )
    if refused is not None:
        raise refused


def adopt(config: Config, stamp: bool = False, as_json: bool = False) -> Standing:
    """Find the revision whose schema is the database's (a database made without migrations,
    or whose version table was lost); with ``stamp``, record it in the version table.  With
    ``as_json``, one JSON document on stdout instead of the report (docs/json.md)."""
    script = ScriptDirectory.from_config(config)
    standing = _standing(config, script)
    if as_json:
        _emit(config, "adopt", standing, stamp)
        return standing
    if standing.recorded:
        config.print_stdout(
            f"The version table records {', '.join(standing.recorded)}"
            + (" (a revision no file defines: see `still repair`)." if standing.unknown else ".")
        )
    _report(config, standing, "adopt")
    if standing.found is not None and not stamp:
        config.print_stdout(f"To record it: {_stamp_command(standing.found)} (or adopt --stamp).")
    if stamp:
        _stamp(config, standing, "adopt")
    return standing


def repair(config: Config, stamp: bool = False, as_json: bool = False) -> Standing:
    """Explain a version table that names a revision no file defines (the ledger's record of
    it, the revisions whose schema is the database's) and the stamp that fixes it; with
    ``stamp``, run it.  With ``as_json``, one JSON document on stdout instead (docs/json.md)."""
    script = ScriptDirectory.from_config(config)
    standing = _standing(config, script)
    if as_json:
        from dataclasses import asdict

        # nothing unknown: nothing to repair, and --stamp writes nothing (as without --json)
        _emit(
            config,
            "repair",
            standing,
            stamp and bool(standing.unknown),
            ledger=[asdict(entry) for entry in standing.ledger],
        )
        return standing
    say = config.print_stdout
    if not standing.unknown:
        say(
            f"The version table records {', '.join(standing.recorded) or 'nothing (base)'}; "
            "every revision it names is defined: nothing to repair."
            + ("" if standing.recorded else " `still adopt` finds where such a database stands.")
        )
        return standing
    for rid in standing.unknown:
        say(f"The version table records {rid}, which no revision file defines.")
        rows = [e for e in standing.ledger if e.revision == rid]
        if not rows:
            say(
                f"  The ledger has no record of {rid} (the ledger is off, or the revision was "
                "applied by another tool)."
            )
        for entry in rows:
            when = entry.finished_at or entry.started_at
            who = "@".join(x for x in (entry.user, entry.host) if x)
            say(
                f"  ledger: {entry.direction} {rid}"
                + (f" at {when:%Y-%m-%d %H:%M:%S}" if when else "")
                + (f" by {who}" if who else "")
                + (f" (still {entry.still_version})" if entry.still_version else "")
                + (f", file checksum {entry.checksum[:12]}" if entry.checksum else "")
            )
        say(
            "  Its file was deleted or renamed, or the database was migrated from another "
            "branch; restoring the file also repairs it."
        )
    _report(config, standing, "repair")
    if standing.found is not None:
        say(f"The fix: {_stamp_command(standing.found)} (or repair --stamp).")
    if stamp:
        _stamp(config, standing, "repair")
    return standing
