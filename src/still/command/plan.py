"""``still upgrade TARGET --plan`` (and ``downgrade``): what would run, without running it.

The database is only read (where it stands).  The migrations then run as for ``--sql``, from that
point, with every operation recorded as it is made: the plan lists each migration, its operations
in words, the statements each produces, what loses data, and what takes heavy locks.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from still.command.environment import run_env
from still.config import Config
from still.ddl import impl_for
from still.errors import StillError
from still.graph import Step
from still.hooks import Reporter
from still.operations import ops
from still.script import Script, ScriptDirectory

# The operations a database's implementation may call heavy (``heavy_operations``: those that
# lock or rewrite a whole table while they run there), by name.
_OPERATIONS: dict[str, type[ops.MigrateOperation]] = {
    "alter_column": ops.AlterColumnOp,
    "create_index": ops.CreateIndexOp,
    "add_constraint": ops.AddConstraintOp,
    "drop_constraint": ops.DropConstraintOp,
}


@dataclass
class PlannedOperation:
    text: str
    statements: list[str] = field(default_factory=list)
    data_loss: str | None = None
    heavy: str | None = None
    warning: str | None = None


@dataclass
class PlannedStep:
    description: str
    operations: list[PlannedOperation] = field(default_factory=list)
    statements: list[str] = field(default_factory=list)


@dataclass
class SourceFinding:
    """A call of a migration's source that loses data, or runs SQL that cannot be checked."""

    line: int
    text: str
    loses_data: bool


@dataclass
class NotPreviewed:
    """A migration the preview stopped in or did not reach: what its source shows (read, not
    run: SQL built at run time cannot be known there)."""

    description: str
    revision: str | None
    file: str | None
    from_source: list[SourceFinding] = field(default_factory=list)


@dataclass
class Plan:
    start: tuple[str, ...]
    steps: list[PlannedStep] = field(default_factory=list)
    stopped: str | None = None  # why the preview could not go on
    # The migrations from the one the preview stopped in onwards.
    not_previewed: list[NotPreviewed] = field(default_factory=list)

    @property
    def data_loss(self) -> list[PlannedOperation]:
        return [o for s in self.steps for o in s.operations if o.data_loss]

    @property
    def complete(self) -> bool:
        return self.stopped is None


class _Recorder(Reporter):
    """The reporter and operation listener of the dry run: groups operations by step."""

    def __init__(self, buffer: io.StringIO, dialect_name: str) -> None:
        self.buffer = buffer
        self.dialect_name = dialect_name
        self.steps: list[PlannedStep] = []
        self.started: list[Step] = []
        self._mark = 0

    def _flush(self) -> None:
        text = self.buffer.getvalue()[self._mark :]
        self._mark = len(self.buffer.getvalue())
        statements = _statements(text)
        if not self.steps or not statements:
            return
        step = self.steps[-1]
        for statement in statements:
            if _FRAMING.match(statement):
                continue
            if _BOOKKEEPING.search(statement):
                step.statements.append(statement)
            elif step.operations:
                step.operations[-1].statements.append(statement)

    def step_started(self, step: Step, script: Script | None) -> None:
        from still.runtime.reporting import describe_step

        self._flush()
        self.started.append(step)
        self.steps.append(PlannedStep(describe_step(step, script)))

    def step_finished(self, step: Step, script: Script | None, seconds: float) -> None:
        self._flush()

    def note(self, text: str) -> None:
        pass

    def operation(self, operation: Any) -> None:
        from still.autogenerate.summary import describe

        self._flush()
        if not self.steps:
            return
        finding = describe(operation, None)
        text = finding.text
        if isinstance(operation, ops.ExecuteSQLOp):
            text = "execute SQL"
        heavy = next(
            (
                why
                for name, why in impl_for(self.dialect_name).heavy_operations.items()
                if isinstance(operation, _OPERATIONS[name])
            ),
            None,
        )
        if isinstance(operation, ops.CreateIndexOp) and operation.kw.get("postgresql_concurrently"):
            heavy = None
        loss, warning = finding.data_loss, finding.warning
        if isinstance(operation, ops.ExecuteSQLOp):
            loss, unchecked = _raw_sql_loss(operation, self.dialect_name)
            warning = unchecked or warning
        self.steps[-1].operations.append(
            PlannedOperation(text, data_loss=loss, heavy=heavy, warning=warning)
        )


# Transaction framing and version-table rows: shown once per step, apart from the operations.
_FRAMING = re.compile(r"^(BEGIN|COMMIT)\b", re.I)
_BOOKKEEPING = re.compile(r"\balembic_version\b", re.I)


def _raw_sql_loss(operation: ops.ExecuteSQLOp, dialect: str) -> tuple[str | None, str | None]:
    """What the SQL of ``op.execute()`` loses (read with sqlglot), and why part of it cannot be
    checked (a statement no dialect reads)."""
    from still.script.destructive_sql import sql_findings

    sqltext = operation.sqltext
    if not isinstance(sqltext, str):
        sqltext = str(getattr(sqltext, "text", None) or sqltext)
    findings = sql_findings(sqltext, dialect)
    losses = [f.loses for f in findings if f.loses]
    unchecked = [f.unchecked for f in findings if f.unchecked]
    loss = "; ".join(f"raw SQL that {what}" for what in losses) or None
    return loss, (f"SQL still cannot check ({unchecked[0]})" if unchecked else None)


def _statements(text: str) -> list[str]:
    lines = [
        line
        for line in text.splitlines()
        if line.strip() and not line.startswith("-- Running") and line.strip() != "GO"
    ]
    joined = "\n".join(lines).strip()
    if not joined:
        return []
    return [part.strip() + ";" for part in re.split(r";\s*\n", joined.rstrip(";")) if part.strip()]


def make_plan(config: Config, revision: str, direction: str = "upgrade") -> Plan:
    """Read where the database stands, then run the migrations up to ``revision`` as a dry run."""
    from still.command.migrate import downgrade_steps, upgrade_steps
    from still.command.standing import current_heads

    script = ScriptDirectory.from_config(config)
    heads = current_heads(config, script)
    planner = upgrade_steps if direction == "upgrade" else downgrade_steps
    buffer = io.StringIO()
    url = config.get_main_option("sqlalchemy.url") or ""
    dialect = re.split(r"[+:]", url, maxsplit=1)[0] or "default"
    recorder = _Recorder(buffer, dialect)
    saved_buffer = config.output_buffer
    config.output_buffer = buffer
    stopped = None
    reader = _reflection_engine(config)
    try:
        with _connected(reader) as connection:
            run_env(
                config,
                script,
                lambda current: planner(script.graph, revision, current),
                as_sql=True,
                starting_rev=heads,
                destination_rev=revision,
                hooks=replace(
                    config.hooks, reporter=recorder, operation_listeners=[recorder.operation]
                ),
                reflection_bind=connection,
            )
    except StillError as exc:
        # e.g. a batch on a table an earlier migration of the plan creates: the live database
        # cannot describe it yet, or a migration that runs SQL through op.get_bind(), which a
        # preview has no connection for.  What was planned so far is shown, and why it stops.
        stopped = _why_stopped(exc)
    finally:
        if reader is not None:
            reader.dispose()
        config.output_buffer = saved_buffer
    recorder._flush()
    plan = Plan(tuple(heads), recorder.steps, stopped)
    if stopped is not None:
        _read_the_rest(plan, script, planner(script.graph, revision, heads), recorder)
    return plan


# The lines of a failure report that say nothing about a dry run.
_NOT_FOR_A_PREVIEW = re.compile(r"^(Everything this run did was rolled back|Nothing was run)")


def _why_stopped(exc: StillError) -> str:
    """The failure, all of it (which migration, which statement, the error), without what it
    says about a real run's transaction; with a word on why a preview meets it."""
    lines = [line for line in str(exc).splitlines() if not _NOT_FOR_A_PREVIEW.match(line)]
    text = "\n".join(lines).strip()
    if "NoneType" in text and "execute" in text:
        text += (
            "\n(A preview has no database connection: a migration that runs SQL through "
            "op.get_bind() or a connection of its own cannot be previewed past that point.)"
        )
    return text


def _read_the_rest(
    plan: Plan, script: ScriptDirectory, steps: list[Step], recorder: _Recorder
) -> None:
    """The migrations the preview did not finish: named, and what their source shows."""
    from still.runtime.reporting import describe_step
    from still.script.scan import destructive_calls

    stopped_in = len(recorder.started) - 1 if recorder.started else 0
    for step in steps[stopped_in:]:
        revision = script.graph[step.revision] if step.revision else None
        entry = NotPreviewed(
            describe_step(step, revision),
            step.revision,
            revision.file_path.name if revision else None,
        )
        plan.not_previewed.append(entry)
        if revision is not None:
            function = "upgrade" if step.is_upgrade else "downgrade"
            entry.from_source = [
                SourceFinding(line, text, loses)
                for line, text, loses in destructive_calls(revision.file_path, function)
            ]


@contextmanager
def _connected(engine: Any) -> Iterator[Any]:
    """A connection for reading table definitions, or None when there is none to be had (an
    async driver, a database that cannot be reached: batch previews then need copy_from)."""
    try:
        connection = engine.connect() if engine is not None else None
    except Exception:
        connection = None
    try:
        yield connection
    finally:
        if connection is not None:
            connection.close()


def _reflection_engine(config: Config) -> Any:
    """An engine on the configured database, for batch operations to read table definitions."""
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        return None
    from sqlalchemy import create_engine, pool

    try:
        return create_engine(url, poolclass=pool.NullPool)
    except Exception:  # an async driver or an unusual URL: batch previews need copy_from then
        return None


def emit_plan(config: Config, plan: Plan, target: str) -> None:
    from dataclasses import asdict

    from still.command.as_json import emit

    emit(
        config,
        "plan",
        database=config.masked_url(),
        start=list(plan.start),
        target=target,
        steps=[asdict(step) for step in plan.steps],
        data_loss=len(plan.data_loss),
        stopped=plan.stopped,
        complete=plan.complete,
        not_previewed=[asdict(entry) for entry in plan.not_previewed],
    )


def print_plan(config: Config, plan: Plan, target: str) -> None:
    where = config.masked_url() or "the database"
    start = ", ".join(plan.start) or "base"
    config.print_stdout(
        f"Plan for {where}: {len(plan.steps)} migration(s), from {start} to {target}."
    )
    for step in plan.steps:
        config.print_stdout(f"\n{step.description}")
        for operation in step.operations:
            flags = []
            if operation.data_loss:
                flags.append(f"LOSES DATA: {operation.data_loss}")
            if operation.heavy:
                flags.append(f"heavy: {operation.heavy}")
            if operation.warning:
                flags.append(operation.warning)
            config.print_stdout(
                f"  {operation.text}" + (f"  [{'; '.join(flags)}]" if flags else "")
            )
            for statement in operation.statements:
                config.print_stdout(f"    {statement}")
        for statement in step.statements:
            config.print_stdout(f"  (version table) {statement}")
    if plan.stopped:
        config.print_stdout(f"\nThe preview stops here: {plan.stopped}")
        _print_the_rest(config, plan)
    losses = plan.data_loss
    if plan.stopped:
        # Never "nothing loses data": what was not previewed is unknown.
        found = sum(f.loses_data for entry in plan.not_previewed for f in entry.from_source)
        config.print_stdout(
            f"\nThe preview is incomplete: {len(losses)} operation(s) above lose data, and "
            f"the source of the {len(plan.not_previewed)} migration(s) not previewed shows "
            f"{found} more; what those migrations do was not previewed."
        )
    else:
        config.print_stdout(
            f"\n{len(losses)} operation(s) lose data."
            if losses
            else "\nNothing in this plan loses data."
        )
    config.print_stdout("Nothing was run (--plan).")


def _print_the_rest(config: Config, plan: Plan) -> None:
    config.print_stdout("\nNot previewed (read from their source, not run):")
    for entry in plan.not_previewed:
        where = f" ({entry.file})" if entry.file else ""
        config.print_stdout(f"  {entry.description}{where}")
        for finding in entry.from_source:
            flag = "LOSES DATA: " if finding.loses_data else ""
            config.print_stdout(f"    line {finding.line}: {flag}{finding.text}")
