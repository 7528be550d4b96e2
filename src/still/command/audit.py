"""``still log`` and ``still verify``: what the ledger remembers, and drift from the files.

``verify`` reports, in a form fit for CI (exit 0 when clean, 1 otherwise):

- revisions the database records that no revision file declares any more;
- applied revisions whose file changed since it ran (the ledger's checksum differs);
- skipped revisions: below the database's heads, so counted as applied, but never run or stamped
  while the ledger was watching (a revision inserted into history after its descendants ran).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from still.command.environment import run_env
from still.config import Config
from still.errors import CommandError
from still.script import ScriptDirectory

if TYPE_CHECKING:
    from still.graph import RevisionGraph
    from still.runtime.ledger import Entry
    from still.runtime.migration import MigrationContext
    from still.script import Script


class DriftDetected(CommandError):
    """``verify`` found applied revisions that differ from the revision files."""


@dataclass
class _Seen:
    heads: tuple[str, ...] = ()
    entries: list[Entry] = field(default_factory=list)
    ledger_name: str | None = None
    ledger_on: bool = False


def _look(config: Config, script: ScriptDirectory) -> _Seen:
    from still.runtime.ledger import DEFAULT_NAME, Ledger

    seen = _Seen()

    def reader(context: MigrationContext) -> None:
        assert context.connection is not None
        seen.heads = context.get_current_heads()
        ledger = context.ledger or Ledger(
            str(context.opts.get("ledger_table") or DEFAULT_NAME), context.version_table_schema
        )
        seen.ledger_on = context.ledger is not None
        seen.ledger_name = ledger.name
        seen.entries = ledger.read(context.connection)

    run_env(config, script, lambda heads: [], reader=reader)
    return seen


def log(config: Config, limit: int | None = None, as_json: bool = False) -> None:
    """Print the ledger, newest last."""
    script = ScriptDirectory.from_config(config)
    seen = _look(config, script)
    if as_json:
        from dataclasses import asdict

        from still.command.as_json import emit

        entries = seen.entries[-limit:] if limit else seen.entries
        emit(
            config,
            "log",
            ledger=seen.ledger_name,
            enabled=seen.ledger_on,
            entries=[asdict(entry) for entry in entries],
        )
        return
    if not seen.entries:
        hint = (
            "it is empty"
            if seen.ledger_on
            else "it is off: add `ledger = true` to the [alembic] section of the configuration"
        )
        config.print_stdout(f"No ledger entries in {seen.ledger_name} ({hint}).")
        return
    entries = seen.entries[-limit:] if limit else seen.entries
    graph = script.graph
    for entry in entries:
        when = entry.started_at.strftime("%Y-%m-%d %H:%M:%S") if entry.started_at else "?"
        took = f"{entry.duration_ms} ms" if entry.duration_ms is not None else ""
        doc = graph[entry.revision].doc if entry.revision in graph else ""
        config.print_stdout(
            f"{when}  {entry.direction:<9} {entry.revision:<14} {took:>8}  "
            f"{entry.user or '?'}@{entry.host or '?'}  still {entry.still_version or '?'}"
            + (f"  {doc}" if doc else "")
        )


@dataclass
class Drift:
    """What ``verify`` found."""

    missing: list[str] = field(default_factory=list)
    changed: list[tuple[str, str]] = field(default_factory=list)  # revision, path
    skipped: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.missing or self.changed or self.skipped)


def find_drift(
    graph: RevisionGraph[Script], heads: Sequence[str], entries: Sequence[Entry]
) -> Drift:
    """Compare what the database and its ledger say with the revision files."""
    from still.runtime.ledger import checksum

    drift = Drift()
    known_heads = [h for h in heads if h in graph]
    drift.missing = [h for h in heads if h not in graph]
    applied = graph.ancestors(known_heads)
    # What the ledger says ran (the latest upgrade of each revision still applied).
    latest: dict[str, Entry] = {}
    vouched: set[str] = set()
    for entry in entries:
        names = [r for r in entry.revision.split(",") if r in graph]
        if entry.direction in ("baseline", "stamp"):
            vouched |= graph.ancestors(names)
        elif entry.direction == "upgrade":
            latest[entry.revision] = entry
            vouched.add(entry.revision)
        elif entry.direction == "downgrade":
            latest.pop(entry.revision, None)
    for rid, entry in latest.items():
        if rid not in graph:
            if rid not in drift.missing:
                drift.missing.append(rid)
            continue
        if rid in applied and entry.checksum and entry.checksum != checksum(graph[rid].file_path):
            drift.changed.append((rid, str(graph[rid].path)))
    if entries:
        drift.skipped = sorted(applied - vouched)
    drift.pending = sorted(rev.revision for rev in graph if rev.revision not in applied)
    return drift


def verify(config: Config, as_json: bool = False) -> Drift:
    """Check the database's history against the revision files; DriftDetected if they differ."""
    script = ScriptDirectory.from_config(config)
    seen = _look(config, script)
    drift = find_drift(script.graph, seen.heads, seen.entries)
    if as_json:
        from still.command.as_json import emit

        emit(
            config,
            "verify",
            clean=drift.clean,
            ledger_entries=len(seen.entries),
            missing=drift.missing,
            changed=[{"revision": r, "path": p} for r, p in drift.changed],
            skipped=drift.skipped,
            pending=drift.pending,
        )
        if not drift.clean:
            raise DriftDetected("The database's history differs from the revision files.")
        return drift
    lines: list[str] = []
    for rid in drift.missing:
        lines.append(f"missing: {rid} was applied, but no revision file declares it any more")
    for rid, path in drift.changed:
        lines.append(f"changed: {rid} ({path}) was edited after it was applied")
    for rid in drift.skipped:
        where = script.graph[rid].path
        lines.append(f"skipped: {rid} ({where}) lies below the database's head but never ran")
    if not seen.entries:
        config.print_stdout(
            f"note: no ledger entries in {seen.ledger_name}, so only missing revisions can be "
            "checked (turn the ledger on with `ledger = true` in the [alembic] section)."
        )
    for line in lines:
        config.print_stdout(line)
    if drift.pending:
        config.print_stdout(f"pending: {len(drift.pending)} revision(s) not applied yet")
    if not drift.clean:
        raise DriftDetected(
            f"The database's history differs from the revision files ({len(lines)} finding(s), "
            "listed above). Restore edited or missing files from version control, or, if the "
            "change is intended, record the truth with `still stamp`."
        )
    config.print_stdout("verify: the applied revisions match their files.")
    return drift
