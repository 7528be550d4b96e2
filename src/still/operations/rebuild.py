"""A table's definition, read from the database (or ``copy_from``) and changed in memory.

Batch mode applies its operations here; :mod:`still.operations.swap` then swaps the changed
table in with its rows.  Columns keep Identity and Computed clauses, server defaults and
comments; the table keeps its primary key, unique and check constraints, foreign keys, indexes,
comment and dialect options (``mysql_engine`` ...).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Computed,
    DefaultClause,
    ForeignKeyConstraint,
    Identity,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
    inspect,
    text,
)
from sqlalchemy.sql.sqltypes import NullType

from still.errors import CommandError
from still.operations import ops

if TYPE_CHECKING:
    from still.operations.base import Operations


def column_spec(column: Column[Any]) -> dict[str, Any]:
    """What a rebuild needs to make ``column`` again."""
    default = column.server_default
    generated = default if isinstance(default, (Identity, Computed)) else None
    return {
        "type": column.type,
        "nullable": column.nullable,
        "server_default": default if isinstance(default, DefaultClause) else None,
        "generated": generated,
        "comment": column.comment,
        "autoincrement": column.autoincrement,
    }


@dataclass
class TableRebuild:
    """A table's definition, changed in memory, then swapped in with its rows."""

    name: str
    schema: str | None
    columns: dict[str, dict[str, Any]]
    # new column name -> the old column it is filled from (None: a new column)
    sources: dict[str, str | None]
    primary_key: dict[str, Any]
    uniques: list[dict[str, Any]]
    checks: list[dict[str, Any]]
    foreign_keys: list[dict[str, Any]]
    indexes: list[dict[str, Any]]
    table_args: list[Any] = field(default_factory=list)
    table_kwargs: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        operations: Operations,
        name: str,
        schema: str | None,
        copy_from: Table | None,
        reflect_args: Sequence[Any],
        naming_convention: Mapping[str, Any] | None = None,
    ) -> TableRebuild:
        if copy_from is not None:
            return cls._from_table(copy_from)
        # `upgrade --plan` runs offline but lends the live database for reading table definitions.
        bind = operations.get_bind() or operations.migration_context.opts.get(
            "still_reflection_bind"
        )
        if bind is None:
            raise CommandError(
                f"batch_alter_table({name!r}) must rebuild the table, which needs its definition: "
                "with --sql there is no database to read it from. Pass copy_from=sa.Table(...)."
            )
        # A naming convention gives SQLite's unnamed constraints the names migrations drop them by.
        metadata = (
            MetaData(naming_convention=dict(naming_convention or {}))
            if naming_convention
            else MetaData()
        )
        table = Table(name, metadata, *reflect_args, schema=schema, autoload_with=bind)
        rebuild = cls._from_table(table)
        inspector = inspect(bind)
        # Reflection gives named CHECK constraints only through the inspector.
        rebuild.checks = [
            {"name": c.get("name"), "sqltext": c["sqltext"]}
            for c in inspector.get_check_constraints(name, schema=schema)
        ]
        return rebuild

    @classmethod
    def _from_table(cls, table: Table) -> TableRebuild:
        columns = {c.name: column_spec(c) for c in table.columns}
        pk = table.primary_key
        kwargs: dict[str, Any] = dict(table.dialect_kwargs)
        if table.comment:
            kwargs["comment"] = table.comment
        return cls(
            name=table.name,
            schema=table.schema,
            columns=columns,
            sources={name: name for name in columns},
            primary_key={"name": pk.name, "columns": [c.name for c in pk.columns]},
            uniques=[
                {"name": u.name, "columns": [c.name for c in u.columns]}
                for u in table.constraints
                if isinstance(u, UniqueConstraint)
            ],
            checks=[
                {"name": c.name, "sqltext": str(c.sqltext)}
                for c in table.constraints
                if isinstance(c, CheckConstraint)
            ],
            foreign_keys=[
                {
                    "name": fk.name,
                    "columns": [c.name for c in fk.columns],
                    "targets": [e.target_fullname for e in fk.elements],
                    "ondelete": fk.ondelete,
                    "onupdate": fk.onupdate,
                }
                for fk in table.foreign_key_constraints
            ],
            indexes=[
                {
                    "name": ix.name,
                    "columns": [
                        e.name if isinstance(e, Column) else text(str(e)) for e in ix.expressions
                    ],
                    "unique": ix.unique,
                    "kw": dict(ix.dialect_kwargs),
                }
                for ix in table.indexes
            ],
            table_kwargs=kwargs,
        )

    # -- changes --------------------------------------------------------------------------------

    def apply(self, op: ops.MigrateOperation) -> None:
        if isinstance(op, ops.AddColumnOp):
            self._add_column(op.column)
        elif isinstance(op, ops.DropColumnOp):
            self._drop_column(op.column_name)
        elif isinstance(op, ops.AlterColumnOp):
            self._alter_column(op)
        elif isinstance(op, ops.CreateIndexOp):
            self.indexes.append(
                {
                    "name": op.index_name,
                    "columns": list(op.columns),
                    "unique": op.unique,
                    "kw": dict(op.kw),
                }
            )
        elif isinstance(op, ops.DropIndexOp):
            self.indexes = [ix for ix in self.indexes if ix["name"] != op.index_name]
        elif isinstance(op, ops.AddConstraintOp):
            self._add_constraint(op)
        elif isinstance(op, ops.DropConstraintOp):
            self._drop_constraint(op.constraint_name)
        else:
            raise CommandError(f"{type(op).__name__} cannot be run inside batch_alter_table.")

    def place(self, column: str, before: str | None, after: str | None) -> None:
        """Move ``column`` before or after another one (``insert_before``/``insert_after``)."""
        anchor = before or after
        if anchor is None or column not in self.columns:
            return
        self._require(anchor)
        names = [n for n in self.columns if n != column]
        names.insert(names.index(anchor) + (0 if before else 1), column)
        self.columns = {n: self.columns[n] for n in names}

    def reorder(self, partial_reordering: Sequence[Sequence[str]]) -> None:
        """``partial_reordering``: each tuple's columns come in that order; the others keep
        their order, and each column moves only as far as a tuple makes it."""
        names = list(self.columns)
        before: dict[str, set[str]] = {n: set() for n in names}
        for group in partial_reordering:
            if isinstance(group, str):
                raise CommandError(
                    "partial_reordering takes a list of tuples of column names, "
                    f"e.g. [('id', 'name')]; got {partial_reordering!r}."
                )
            for column in group:
                self._require(column)
            for first, second in itertools.pairwise(group):
                before[second].add(first)
        ordered: list[str] = []
        while len(ordered) < len(names):
            ready = next((n for n in names if n not in ordered and before[n] <= set(ordered)), None)
            if ready is None:
                raise CommandError(
                    f"partial_reordering {list(partial_reordering)!r} asks for a circular order."
                )
            ordered.append(ready)
        self.columns = {n: self.columns[n] for n in ordered}

    def _require(self, column: str) -> None:
        if column not in self.columns:
            raise CommandError(
                f"Table {self.name} has no column {column!r} (it has: {', '.join(self.columns)})."
            )

    def _add_column(self, column: Column[Any]) -> None:
        self.columns[column.name] = column_spec(column)
        self.sources[column.name] = None
        if column.primary_key:
            self.primary_key["columns"].append(column.name)
        for fk in column.foreign_keys:
            self.foreign_keys.append(
                {
                    "name": fk.name,
                    "columns": [column.name],
                    "targets": [fk.target_fullname],
                    "ondelete": fk.ondelete,
                    "onupdate": fk.onupdate,
                }
            )

    def _drop_column(self, name: str) -> None:
        self._require(name)
        del self.columns[name]
        del self.sources[name]
        self.primary_key["columns"] = [c for c in self.primary_key["columns"] if c != name]
        for group in (self.uniques, self.foreign_keys, self.indexes):
            group[:] = [item for item in group if name not in item["columns"]]

    def _alter_column(self, op: ops.AlterColumnOp) -> None:
        self._require(op.column_name)
        spec = self.columns[op.column_name]
        if op.nullable is not None:
            spec["nullable"] = op.nullable
        if op.type_ is not None:
            spec["type"] = op.type_
        if op.server_default is not False:
            default = op.server_default
            if isinstance(default, (Identity, Computed)):
                spec["generated"], spec["server_default"] = default, None
            else:
                spec["server_default"], spec["generated"] = default, None
        if op.comment is not False:
            spec["comment"] = op.comment
        if op.autoincrement is not None:
            spec["autoincrement"] = op.autoincrement
        if op.new_column_name and op.new_column_name != op.column_name:
            new, old = op.new_column_name, op.column_name
            self.columns = {(new if k == old else k): v for k, v in self.columns.items()}
            self.sources = {(new if k == old else k): v for k, v in self.sources.items()}
            self.primary_key["columns"] = [
                new if c == old else c for c in self.primary_key["columns"]
            ]
            for group in (self.uniques, self.foreign_keys, self.indexes):
                for item in group:
                    item["columns"] = [new if c == old else c for c in item["columns"]]

    def _add_constraint(self, op: ops.AddConstraintOp) -> None:
        spec = dict(op.spec)
        if op.kind == "unique":
            self.uniques.append({"name": op.constraint_name, "columns": list(spec["columns"])})
        elif op.kind == "check":
            condition = spec["condition"]
            self.checks.append({"name": op.constraint_name, "sqltext": str(condition)})
        elif op.kind == "primary":
            self.primary_key = {"name": op.constraint_name, "columns": list(spec["columns"])}
        elif op.kind == "foreignkey":
            target = spec["referent_table"]
            if spec.get("referent_schema"):
                target = f"{spec['referent_schema']}.{target}"
            self.foreign_keys.append(
                {
                    "name": op.constraint_name,
                    "columns": list(spec["local_cols"]),
                    "targets": [f"{target}.{c}" for c in spec["remote_cols"]],
                    "ondelete": spec.get("ondelete"),
                    "onupdate": spec.get("onupdate"),
                }
            )
        else:
            raise CommandError(f"A {op.kind} constraint cannot be added by a table rebuild.")

    def _drop_constraint(self, name: str | None) -> None:
        before = len(self.uniques) + len(self.checks) + len(self.foreign_keys)
        for group in (self.uniques, self.checks, self.foreign_keys):
            group[:] = [item for item in group if item.get("name") != name]
        dropped_pk = self.primary_key.get("name") == name and name is not None
        if dropped_pk:
            self.primary_key = {"name": None, "columns": []}
        if (
            before == len(self.uniques) + len(self.checks) + len(self.foreign_keys)
            and not dropped_pk
        ):
            raise CommandError(
                f"Table {self.name} has no constraint named {name!r}; SQLite keeps only the names "
                "given when the constraint was created."
            )

    # -- the new table --------------------------------------------------------------------------

    def renamed_columns(self) -> dict[str, str]:
        """old column name -> new column name, for the columns that are kept."""
        return {old: new for new, old in self.sources.items() if old is not None}

    def copied_columns(self) -> list[tuple[str, str]]:
        """(new, old) for every column filled from the old table (computed ones fill
        themselves)."""
        return [
            (new, old)
            for new, old in self.sources.items()
            if old is not None and not isinstance(self.columns[new]["generated"], Computed)
        ]

    def new_table(
        self,
        name: str,
        metadata: MetaData,
        constraints: bool = True,
        primary_key_name: str | None = None,
    ) -> Table:
        """The changed table as ``name``; without ``constraints``, only its columns and primary
        key (named ``primary_key_name``), the rest being added after the swap."""
        columns = [
            Column(
                column,
                spec["type"],
                *([spec["generated"]._copy()] if spec["generated"] is not None else []),
                nullable=spec["nullable"],
                server_default=spec["server_default"],
                comment=spec["comment"],
                # A column whose default says where its values come from (PostgreSQL's
                # nextval of a SERIAL) keeps that default instead of getting a new SERIAL.
                autoincrement=False
                if spec["server_default"] is not None
                else spec["autoincrement"],
            )
            for column, spec in self.columns.items()
        ]
        items: list[Any] = []
        if self.primary_key["columns"]:
            items.append(
                PrimaryKeyConstraint(
                    *self.primary_key["columns"],
                    name=self.primary_key["name"] if constraints else primary_key_name,
                )
            )
        if constraints:
            items += self.constraints()
        table = Table(
            name,
            metadata,
            *columns,
            *items,
            *self.table_args,
            schema=self.schema,
            **self.table_kwargs,
        )
        for constraint in table.foreign_key_constraints:
            stub_referents(metadata, constraint)
        return table

    def constraints(self) -> list[Any]:
        """The unique and check constraints and foreign keys, as SQLAlchemy objects."""
        made: list[Any] = [UniqueConstraint(*u["columns"], name=u["name"]) for u in self.uniques]
        made += [CheckConstraint(text(c["sqltext"]), name=c["name"]) for c in self.checks]
        for fk in self.foreign_keys:
            made.append(
                ForeignKeyConstraint(
                    fk["columns"],
                    fk["targets"],
                    name=fk["name"],
                    ondelete=fk["ondelete"],
                    onupdate=fk["onupdate"],
                )
            )
        return made


def stub_referents(metadata: MetaData, fk: ForeignKeyConstraint) -> None:
    for element in fk.elements:
        parts = element.target_fullname.split(".")
        table_name, column = parts[-2], parts[-1]
        schema = ".".join(parts[:-2]) or None
        key = f"{schema}.{table_name}" if schema else table_name
        referent = metadata.tables.get(key)
        if referent is None:
            referent = Table(table_name, metadata, schema=schema)
        if column not in referent.c:
            referent.append_column(Column(column, NullType()))
