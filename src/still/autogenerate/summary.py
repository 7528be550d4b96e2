"""What autogenerate is about to write, in words: each change, the ones that lose data (dropped
tables and columns, narrowing type changes, enum values removed), warnings about changes that fail
on a table with rows, and the "models were probably not imported" diagnosis."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from still.autogenerate.compare_types import narrowing
from still.operations import ops

INFO_KEY = "still.autogenerate"


@dataclass
class Finding:
    text: str
    op: ops.MigrateOperation
    data_loss: str | None = None  # why it loses data
    warning: str | None = None  # why it may fail


@dataclass
class Summary:
    findings: list[Finding] = field(default_factory=list)
    diagnosis: str | None = None  # set when the models were probably not imported
    notes: list[str] = field(default_factory=list)  # worth knowing; nothing to migrate
    cautions: list[str] = field(default_factory=list)  # differences left out of the operations

    @property
    def is_empty(self) -> bool:
        return not self.findings

    @property
    def data_loss(self) -> list[Finding]:
        return [f for f in self.findings if f.data_loss]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.warning]

    @property
    def models_not_imported(self) -> bool:
        return self.diagnosis is not None

    def lines(self) -> list[str]:
        out = []
        for finding in self.findings:
            line = finding.text
            if finding.data_loss:
                line += f"  [loses data: {finding.data_loss}]"
            if finding.warning:
                line += f"  [{finding.warning}]"
            out.append(line)
        out += [f"warning: {text}" for text in self.cautions]
        out += [f"note: {text}" for text in self.notes]
        if self.diagnosis:
            out.append(self.diagnosis)
        return out


def walk(operations: list[ops.MigrateOperation]) -> Iterator[ops.MigrateOperation]:
    """Every operation, containers opened."""
    for op in operations:
        if isinstance(op, (ops.ModifyTableOps, ops.UpgradeOps, ops.DowngradeOps)):
            yield from walk(op.ops)
        else:
            yield op


def _qualified(table: str, schema: str | None) -> str:
    return f"{schema}.{table}" if schema else table


def describe(op: Any, dialect: Any) -> Finding:
    if isinstance(op, ops.CreateTableOp):
        return Finding(f"add table {_qualified(op.table_name, op.schema)}", op)
    if isinstance(op, ops.DropTableOp):
        name = _qualified(op.table_name, op.schema)
        return Finding(f"drop table {name}", op, data_loss="every row of the table")
    if isinstance(op, ops.AddColumnOp):
        column = op.column
        warning = None
        if not column.nullable and column.server_default is None and not column.primary_key:
            warning = "NOT NULL without a server default: fails if the table has rows"
        return Finding(
            f"add column {_qualified(op.table_name, op.schema)}.{column.name}", op, warning=warning
        )
    if isinstance(op, ops.DropColumnOp):
        name = f"{_qualified(op.table_name, op.schema)}.{op.column_name}"
        return Finding(f"drop column {name}", op, data_loss="the column's values")
    if isinstance(op, ops.AlterColumnOp):
        return _describe_alter(op, dialect)
    if isinstance(op, ops.CreateIndexOp):
        kind = "unique index" if op.unique else "index"
        return Finding(f"add {kind} {op.index_name} on {op.table_name}", op)
    if isinstance(op, ops.DropIndexOp):
        return Finding(f"drop index {op.index_name} on {op.table_name}", op)
    if isinstance(op, ops.AddConstraintOp):
        warning = "fails if existing rows break it" if op.kind in ("unique", "foreignkey") else None
        label = {"foreignkey": "foreign key", "unique": "unique constraint"}.get(op.kind, op.kind)
        return Finding(f"add {label} {op.constraint_name} on {op.table_name}", op, warning=warning)
    if isinstance(op, ops.DropConstraintOp):
        return Finding(
            f"drop {op.type_ or ''} constraint {op.constraint_name} on {op.table_name}", op
        )
    if isinstance(op, (ops.CreateTableCommentOp, ops.DropTableCommentOp)):
        return Finding(f"change the comment of table {op.table_name}", op)
    if isinstance(op, ops.CreateEnumOp):
        return Finding(f"create enum type {op.name} {tuple(op.values)}", op)
    if isinstance(op, ops.DropEnumOp):
        return Finding(f"drop enum type {op.name}", op)
    if isinstance(op, ops.AlterEnumOp):
        removed = [v for v in op.existing_values if v not in op.values]
        return Finding(
            f"change enum type {op.name}: {tuple(op.existing_values)} -> {tuple(op.values)}",
            op,
            data_loss=f"rows holding {', '.join(removed)} cannot convert" if removed else None,
        )
    if isinstance(op, ops.RenameTableOp):
        return Finding(f"rename table {op.table_name} to {op.new_table_name}", op)
    if isinstance(op, ops.ExecuteSQLOp):
        text = " ".join(str(op.sqltext).split())
        return Finding(f"run SQL: {text[:60] + '...' if len(text) > 60 else text}", op)
    if isinstance(op, ops.BulkInsertOp):
        name = _qualified(op.table.name, op.table.schema)
        count = len(op.rows)
        return Finding(f"insert {count} row{'s' if count != 1 else ''} into {name}", op)
    return Finding(_foreign(op), op)


def _foreign(op: Any) -> str:
    """An add-on's operation: its class, and what its ``to_diff_tuple()`` says."""
    from still.autogenerate.extensions import _diff_of

    try:
        diff = _diff_of(op)
    except Exception:  # an add-on's operation that cannot describe itself
        diff = None
    if isinstance(diff, tuple) and diff:
        detail = ", ".join(str(part) for part in diff[1:3])
        return f"{type(op).__name__} ({detail})" if detail else type(op).__name__
    return type(op).__name__


def _describe_alter(op: ops.AlterColumnOp, dialect: Any) -> Finding:
    name = f"{_qualified(op.table_name, op.schema)}.{op.column_name}"
    parts: list[str] = []
    loss = warning = None
    if op.new_column_name:
        parts.append(f"rename to {op.new_column_name}")
    if op.type_ is not None:
        parts.append(f"type {op.existing_type!r} -> {op.type_!r}")
        if op.existing_type is not None and dialect is not None:
            loss = narrowing(op.existing_type, op.type_, dialect)
    if op.nullable is not None:
        parts.append("NOT NULL" if not op.nullable else "nullable")
        if not op.nullable:
            warning = "fails if the column holds NULLs"
    if op.server_default is not False:
        parts.append("server default")
    if op.comment is not False:
        parts.append("comment")
    return Finding(f"alter column {name}: {', '.join(parts)}", op, data_loss=loss, warning=warning)


def summarize(script: ops.MigrationScript) -> Summary:
    """The findings of ``produce_migrations``' script, and the diagnosis when the models look
    missing (no tables in the metadata, or every table in the database about to be dropped)."""
    facts = script.info.get(INFO_KEY, {})
    dialect = facts.get("dialect")
    summary = Summary([describe(op, dialect) for op in walk(script.upgrade_ops.ops)])
    if not facts:
        return summary
    summary.notes = list(facts.get("notes", []))
    summary.cautions = list(facts.get("cautions", []))
    # An add-on managing views or functions alone has no tables on either side: with
    # registered comparators and no table in the database, no tables in the models is no sign.
    extensions = facts.get("extension_ops", 0) or facts.get("extension_comparators", 0)
    only_extensions = not facts.get("database_tables") and extensions
    if facts.get("model_tables", 0) == 0 and not only_extensions:
        summary.diagnosis = (
            "target_metadata has no tables: env.py probably does not import the model modules "
            "(import every module that defines a model before target_metadata is used)"
            + (
                f"; writing this migration would drop all {facts['database_tables']} tables."
                if facts.get("database_tables")
                else "."
            )
        )
    elif facts.get("database_tables") and facts.get("dropped_tables") == facts["database_tables"]:
        summary.diagnosis = (
            f"Every table in the database ({facts['database_tables']}) would be dropped: the "
            "models env.py imports are probably not the ones this database was built from "
            "(check the imports in env.py and target_metadata)."
        )
    return summary
