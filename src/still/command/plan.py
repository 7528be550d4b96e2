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
from dataclasses import dataclass, field
from typing import Any

from still.command.environment import run_env
from still.config import Config
from still.errors import StillError
from still.graph import Step
from still.operations import ops
from still.script import Script, ScriptDirectory

# Operations that lock or rewrite a whole table while they run, per database.
_HEAVY = {
    "postgresql": {
        ops.AlterColumnOp: "may rewrite the table under an ACCESS EXCLUSIVE lock",
        ops.CreateIndexOp: "blocks writes while it builds (postgresql_concurrently avoids that)",
        ops.AddConstraintOp: "scans the table to validate, blocking writes",
    },
    "mysql": {
        ops.AlterColumnOp: "may copy the whole table",
        ops.AddConstraintOp: "may copy the whole table",
    },
    "sqlite": {
        ops.AlterColumnOp: "rebuilds the table (move and copy)",
        ops.AddConstraintOp: "rebuilds the table (move and copy)",
        ops.DropConstraintOp: "rebuilds the table (move and copy)",
    },
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
class Plan:
    start: tuple[str, ...]
    steps: list[PlannedStep] = field(default_factory=list)
    stopped: str | None = None  # why the preview could not go on

    @property
    def data_loss(self) -> list[PlannedOperation]:
        return [o for s in self.steps for o in s.operations if o.data_loss]


class _Recorder:
    """The reporter and operation listener of the dry run: groups operations by step."""

    def __init__(self, buffer: io.StringIO, dialect_name: str) -> None:
        self.buffer = buffer
        self.dialect_name = dialect_name
        self.steps: list[PlannedStep] = []
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
                for kind, why in _HEAVY.get(self.dialect_name, {}).items()
                if isinstance(operation, kind)
            ),
            None,
        )
        if isinstance(operation, ops.CreateIndexOp) and operation.kw.get("postgresql_concurrently"):
            heavy = None
        loss = finding.data_loss or _raw_sql_loss(operation)
        self.steps[-1].operations.append(
            PlannedOperation(text, data_loss=loss, heavy=heavy, warning=finding.warning)
        )


# Transaction framing and version-table rows: shown once per step, apart from the operations.
_FRAMING = re.compile(r"^(BEGIN|COMMIT)\b", re.I)
_BOOKKEEPING = re.compile(r"\balembic_version\b", re.I)
_DESTRUCTIVE_SQL = re.compile(r"\b(DROP\s+TABLE|DROP\s+COLUMN|TRUNCATE|DELETE\s+FROM)\b", re.I)


def _raw_sql_loss(operation: Any) -> str | None:
    if isinstance(operation, ops.ExecuteSQLOp):
        match = _DESTRUCTIVE_SQL.search(str(operation.sqltext))
        if match:
            return f"raw SQL with {' '.join(match.group(1).upper().split())}"
    return None


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
    from still.command.inspect import _current_heads
    from still.command.migrate import downgrade_steps, upgrade_steps

    script = ScriptDirectory.from_config(config)
    heads = _current_heads(config, script)
    planner = upgrade_steps if direction == "upgrade" else downgrade_steps
    buffer = io.StringIO()
    url = config.get_main_option("sqlalchemy.url") or ""
    dialect = re.split(r"[+:]", url, maxsplit=1)[0] or "default"
    dialect = "mysql" if dialect == "mariadb" else dialect
    recorder = _Recorder(buffer, dialect)
    saved_buffer, saved_reporter = config.output_buffer, config.attributes.get("still.reporter")
    config.output_buffer = buffer
    config.attributes["still.reporter"] = recorder
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
                still_op_listener=recorder.operation,
                still_reflection_bind=connection,
            )
    except StillError as exc:
        # e.g. a batch on a table an earlier migration of the plan creates: the live database
        # cannot describe it yet.  What was planned so far is shown, and why it stops.
        stopped = str(exc).splitlines()[0]
    finally:
        if reader is not None:
            reader.dispose()
        config.output_buffer = saved_buffer
        if saved_reporter is None:
            config.attributes.pop("still.reporter", None)
        else:
            config.attributes["still.reporter"] = saved_reporter
    recorder._flush()
    return Plan(tuple(heads), recorder.steps, stopped)


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
    losses = plan.data_loss
    config.print_stdout(
        f"\n{len(losses)} operation(s) lose data."
        if losses
        else "\nNothing in this plan loses data."
    )
    config.print_stdout("Nothing was run (--plan).")
