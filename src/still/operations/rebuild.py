"""A table's definition, read from the database (or ``copy_from``) and changed in memory.

Batch mode applies its operations here; :mod:`still.operations.swap` then swaps the changed
table in with its rows.  Columns keep Identity and Computed clauses, server defaults and
comments; the table keeps its primary key, unique and check constraints, foreign keys (with
their ON DELETE/UPDATE, DEFERRABLE, INITIALLY and MATCH), indexes, comment and dialect options
(``mysql_engine`` ...).

What a change takes with it follows Alembic's batch mode: a type change drops the CHECK the old
type made (``existing_type=sa.Enum(..., create_constraint=True)``) and casts the copied values
where the type's kind changes; indexes and constraints on a column that is dropped and added again
in the same batch come back on the new column.  Where Alembic fails or loses a constraint, still
keeps it: a CHECK follows a renamed column (and goes when a column it names is dropped).
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
from sqlalchemy.types import to_instance

from still.ddl import DefaultImpl, impl_for
from still.ddl.sqlite import SQLiteImpl
from still.errors import CommandError
from still.operations import checks as type_checks
from still.operations import ops
from still.sqla_private import same_affinity, type_bound

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
    # new column name -> the expression its copied values are read with (a CAST where the
    # type's kind changed: the implementation's ``cast_for_batch_migrate`` says)
    casts: dict[str, Any] = field(default_factory=dict)
    # the database's dialect: which CHECKs a type makes there, how its SQL reads
    dialect: Any = None
    # the naming convention a type's CHECK is named by (env.py's target_metadata)
    naming_convention: Mapping[str, Any] | None = None
    # the DDL implementation: how a copied value is CAST (``cast_for_batch_migrate``)
    impl: Any = None
    # the table as it was (reflected, or copy_from), for ``prep_table_for_batch``
    source_table: Table | None = None
    # column -> (insert_before, insert_after) asked by add_column / alter_column
    placements: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    # the table's own columns in their order (renamed, less the dropped ones), and the
    # "this column comes before that one" pairs the added columns ask for
    existing_order: list[str] = field(default_factory=list)
    order_pairs: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def of(
        cls,
        operations: Operations,
        name: str,
        schema: str | None,
        copy_from: Table | None,
        reflect_args: Sequence[Any],
        naming_convention: Mapping[str, Any] | None = None,
        reflect_kwargs: Mapping[str, Any] | None = None,
    ) -> TableRebuild:
        rebuild = cls._read(
            operations, name, schema, copy_from, reflect_args, naming_convention, reflect_kwargs
        )
        rebuild.dialect = operations.impl.dialect
        rebuild.impl = operations.impl
        target = operations.migration_context.opts.get("target_metadata")
        rebuild.naming_convention = getattr(target, "naming_convention", None)
        return rebuild

    @classmethod
    def _read(
        cls,
        operations: Operations,
        name: str,
        schema: str | None,
        copy_from: Table | None,
        reflect_args: Sequence[Any],
        naming_convention: Mapping[str, Any] | None,
        reflect_kwargs: Mapping[str, Any] | None,
    ) -> TableRebuild:
        if copy_from is not None:
            made = cls._from_table(copy_from)
            made.source_table = copy_from
            return made
        # `upgrade --plan` runs offline but lends the live database for reading table definitions;
        # `--sql --shadow` lends the shadow database (it is op.get_bind() there too).
        bind = operations.get_bind() or getattr(
            operations.migration_context, "reflection_bind", None
        )
        if bind is None:
            raise CommandError(
                f"batch_alter_table({name!r}) must rebuild the table, which needs its definition: "
                "with --sql there is no database to read it from. Pass copy_from=sa.Table(...), "
                "or add --shadow (the definition is then read from a shadow database that "
                "follows the script)."
            )
        # A naming convention gives SQLite's unnamed constraints the names migrations drop them by.
        metadata = (
            MetaData(naming_convention=dict(naming_convention or {}))
            if naming_convention
            else MetaData()
        )
        table = Table(
            name,
            metadata,
            *reflect_args,
            schema=schema,
            autoload_with=bind,
            **dict(reflect_kwargs or {}),
        )
        rebuild = cls._from_table(table)
        rebuild.source_table = table
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
                # a type's own CHECK comes back with the type (copy_from tables)
                if isinstance(c, CheckConstraint) and not type_bound(c)
            ],
            foreign_keys=[
                {
                    "name": fk.name,
                    "columns": [c.name for c in fk.columns],
                    "targets": [e.target_fullname for e in fk.elements],
                    **_fk_options(fk),
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
            existing_order=list(columns),
        )

    # -- changes --------------------------------------------------------------------------------

    def apply(self, op: ops.MigrateOperation) -> None:
        if isinstance(op, ops.AddColumnOp):
            if not (op.if_not_exists and op.column.name in self.columns):
                self._add_column(op.column)
        elif isinstance(op, ops.DropColumnOp):
            if not (op.if_exists and op.column_name not in self.columns):
                self._drop_column(op.column_name, op.kw.get("existing_type"))
        elif isinstance(op, ops.AlterColumnOp):
            self._alter_column(op)
        elif isinstance(op, ops.CreateIndexOp):
            self._create_index(op)
        elif isinstance(op, ops.DropIndexOp):
            self._drop_index(op)
        elif isinstance(op, ops.AddConstraintOp):
            self._add_constraint(op)
        elif isinstance(op, ops.DropConstraintOp):
            if not (op.if_exists and not self._has_constraint(op.constraint_name)):
                self._drop_constraint(op.constraint_name, op.type_)
        elif isinstance(op, ops.CreateTableCommentOp):
            self.table_kwargs["comment"] = op.comment
        elif isinstance(op, ops.DropTableCommentOp):
            self.table_kwargs.pop("comment", None)
        else:
            raise CommandError(f"{type(op).__name__} cannot be run inside batch_alter_table.")

    def _create_index(self, op: ops.CreateIndexOp) -> None:
        if op.if_not_exists and any(ix["name"] == op.index_name for ix in self.indexes):
            return
        self.indexes.append(
            {
                "name": op.index_name,
                "columns": [c.name if isinstance(c, Column) else c for c in op.columns],
                "unique": op.unique,
                "kw": dict(op.kw),
            }
        )

    def _drop_index(self, op: ops.DropIndexOp) -> None:
        kept = [ix for ix in self.indexes if ix["name"] != op.index_name]
        if len(kept) == len(self.indexes) and not op.if_exists:
            raise CommandError(
                f"Table {self.name} has no index named {op.index_name!r} (it has: "
                f"{', '.join(str(ix['name']) for ix in self.indexes) or 'none'})."
            )
        self.indexes = kept

    def finish(self) -> None:
        """Settle what the changes left behind: indexes, unique constraints and foreign keys on
        a column that is gone (dropped and not added again) go, and so does a CHECK that names
        such a column (as PostgreSQL's DROP COLUMN does)."""
        present = set(self.columns)
        for group in (self.uniques, self.foreign_keys, self.indexes):
            group[:] = [
                item for item in group if all(not isinstance(c, _Dropped) for c in item["columns"])
            ]
        dialect_name = _database(self.dialect).__dialect__
        kept = []
        for check in self.checks:
            names = type_checks.referenced_columns(str(check["sqltext"]), dialect_name)
            if names and not names <= present:
                continue
            kept.append(check)
        self.checks = kept

    def _order_new_column(self, name: str) -> None:
        """Where an added column goes, as Alembic's batch mode places it: after the table's
        last column, or as ``insert_before``/``insert_after`` ask (an anchor among the table's
        columns also binds the column to the anchor's neighbour)."""
        before, after = self.placements.get(name, (None, None))
        existing = self.existing_order
        position = {n: i for i, n in enumerate(existing)}
        if after and not before:
            if after in position:
                if position[after] + 1 < len(existing):
                    before = existing[position[after] + 1]
            else:
                before = dict(self.order_pairs).get(after)
        if before and not after:
            if before in position:
                if position[before] > 0:
                    after = existing[position[before] - 1]
            else:
                after = {b: a for a, b in self.order_pairs}.get(before)
        for anchor in (before, after):
            if anchor is not None:
                self._require(anchor)
        if before:
            self.order_pairs.append((name, before))
        if after:
            self.order_pairs.append((after, name))
        if not before and not after and existing:
            self.order_pairs.append((existing[-1], name))

    def order_columns(self) -> None:
        """Put the columns in the order the table's own order and the added columns' pairs
        give: in rounds, every column whose predecessors are placed, in the order the columns
        were listed (the same order Alembic's topological sort gives)."""
        names = list(self.columns)
        pairs = list(itertools.pairwise(self.existing_order)) + self.order_pairs
        predecessors: dict[str, set[str]] = {n: set() for n in names}
        for first, second in pairs:
            if first != second and first in predecessors and second in predecessors:
                predecessors[second].add(first)
        ordered: list[str] = []
        while len(ordered) < len(names):
            placed = set(ordered)
            ready = [n for n in names if n not in placed and predecessors[n] <= placed]
            if not ready:
                raise CommandError(
                    f"insert_before/insert_after on table {self.name} ask for a circular order "
                    f"of columns ({', '.join(n for n in names if n not in placed)})."
                )
            ordered += ready
        self.columns = {n: self.columns[n] for n in ordered}

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
        self.casts.pop(column.name, None)
        self._order_new_column(column.name)
        if column.primary_key:
            self.primary_key["columns"].append(column.name)
        # What was on a column of this name dropped earlier in the batch comes back on this one.
        for group in (self.uniques, self.foreign_keys, self.indexes):
            for item in group:
                item["columns"] = [
                    column.name if isinstance(c, _Dropped) and c.name == column.name else c
                    for c in item["columns"]
                ]
        for fk in column.foreign_keys:
            self.foreign_keys.append(
                {
                    "name": fk.name,
                    "columns": [column.name],
                    "targets": [fk.target_fullname],
                    **_fk_options(fk.constraint),
                }
            )

    def _drop_column(self, name: str, existing_type: Any = None) -> None:
        self._require(name)
        del self.columns[name]
        del self.sources[name]
        self.casts.pop(name, None)
        self.existing_order = [c for c in self.existing_order if c != name]
        self.order_pairs = [p for p in self.order_pairs if name not in p]
        self.primary_key["columns"] = [c for c in self.primary_key["columns"] if c != name]
        # Kept, marked: a column of the same name added later in the batch takes them back.
        for group in (self.uniques, self.foreign_keys, self.indexes):
            for item in group:
                item["columns"] = [
                    _Dropped(c) if isinstance(c, str) and c == name else c for c in item["columns"]
                ]
        self._drop_type_checks(name, existing_type)

    def _drop_type_checks(self, column: str, type_: Any) -> None:
        """Drop the CHECK constraints ``type_`` made for ``column`` (Alembic drops the
        constraint of ``existing_type`` the same way)."""
        if self.dialect is None:
            return
        for made in type_checks.type_checks(
            type_, self.name, column, self.dialect, self.naming_convention
        ):
            gone = set(type_checks.matching(self.checks, made, self.dialect.name))
            self.checks = [c for i, c in enumerate(self.checks) if i not in gone]

    def _alter_column(self, op: ops.AlterColumnOp) -> None:
        self._require(op.column_name)
        spec = self.columns[op.column_name]
        if op.nullable is not None:
            spec["nullable"] = op.nullable
        if op.type_ is not None:
            new_type = to_instance(op.type_)
            self._drop_type_checks(op.column_name, op.existing_type)
            source = self.sources[op.column_name]
            if source is not None:
                cast = self._copy_expression(source, spec["type"], new_type)
                if cast is not None:
                    self.casts[op.column_name] = cast
            spec["type"] = new_type
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
            self.casts = {(new if k == old else k): v for k, v in self.casts.items()}
            self.existing_order = [new if c == old else c for c in self.existing_order]
            self.order_pairs = [
                (new if a == old else a, new if b == old else b) for a, b in self.order_pairs
            ]
            self.primary_key["columns"] = [
                new if c == old else c for c in self.primary_key["columns"]
            ]
            for group in (self.uniques, self.foreign_keys, self.indexes):
                for item in group:
                    item["columns"] = [
                        new if isinstance(c, str) and c == old else c for c in item["columns"]
                    ]
            # A CHECK naming the column follows it (SQLite's RENAME COLUMN does the same).
            dialect_name = _database(self.dialect).__dialect__
            for check in self.checks:
                check["sqltext"] = type_checks.renamed_in(
                    str(check["sqltext"]), {old: new}, dialect_name
                )

    def _copy_expression(self, source: str, old_type: Any, new_type: Any) -> Any:
        """How the old column's values are read into a column of ``new_type``: the
        implementation's ``cast_for_batch_migrate`` (Alembic's hook) turns the plain column into
        a CAST where the kind of type changes; None when it leaves the column as it is."""
        from sqlalchemy import column

        plain: Any = column(source)
        transfer: dict[str, Any] = {"name": source, "expr": plain}
        if self.impl is not None:
            self.impl.cast_for_batch_migrate(Column(source, old_type), transfer, new_type)
        elif _changes_kind(old_type, new_type, self.dialect):
            from sqlalchemy import cast

            transfer["expr"] = cast(plain, new_type)
        return None if transfer["expr"] is plain else transfer["expr"]

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
                    **{k: spec.get(k) for k in _FK_OPTIONS},
                }
            )
        else:
            raise CommandError(f"A {op.kind} constraint cannot be added by a table rebuild.")

    def _has_constraint(self, name: str | None) -> bool:
        named = [*self.uniques, *self.checks, *self.foreign_keys, self.primary_key]
        return name is not None and any(item.get("name") == name for item in named)

    def _drop_constraint(self, name: str | None, type_: str | None = None) -> None:
        before = len(self.uniques) + len(self.checks) + len(self.foreign_keys)
        for group in (self.uniques, self.checks, self.foreign_keys):
            group[:] = [item for item in group if item.get("name") != name]
        dropped_pk = self.primary_key.get("name") == name and name is not None
        # A table has one primary key: type_="primary" names it even where the database keeps
        # no name for it (MySQL/MariaDB call every one PRIMARY, SQLite's may have none).
        nameless = self.primary_key.get("name") in (None, "PRIMARY")
        if type_ == "primary" and self.primary_key["columns"] and nameless:
            dropped_pk = True
        if dropped_pk:
            self.primary_key = {"name": None, "columns": []}
        if before != len(self.uniques) + len(self.checks) + len(self.foreign_keys) or dropped_pk:
            return
        # MySQL/MariaDB report a UNIQUE constraint as a unique index of the same name.
        if type_ in (None, "unique") and name is not None:
            kept = [ix for ix in self.indexes if not (ix["unique"] and ix["name"] == name)]
            if len(kept) != len(self.indexes):
                self.indexes = kept
                return
        hint = _database(self.dialect).constraint_names_hint
        hint = f"; {hint}" if hint else ""
        raise CommandError(f"Table {self.name} has no constraint named {name!r}{hint}.")

    # -- the new table --------------------------------------------------------------------------

    def renamed_columns(self) -> dict[str, str]:
        """old column name -> new column name, for the columns that are kept."""
        return {old: new for new, old in self.sources.items() if old is not None}

    def copy_expressions(self) -> dict[str, Any]:
        """new column name -> the SQL expression its copied value is read with, where the value
        must be CAST to the column's new type."""
        return {new: expr for new, expr in self.casts.items() if self.sources.get(new) is not None}

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
                    ondelete=fk.get("ondelete"),
                    onupdate=fk.get("onupdate"),
                    deferrable=fk.get("deferrable"),
                    initially=fk.get("initially"),
                    match=fk.get("match"),
                )
            )
        return made


_FK_OPTIONS = ("ondelete", "onupdate", "deferrable", "initially", "match")


def _fk_options(fk: ForeignKeyConstraint | None) -> dict[str, Any]:
    """ON DELETE / ON UPDATE / DEFERRABLE / INITIALLY / MATCH of a foreign key."""
    return {k: getattr(fk, k, None) for k in _FK_OPTIONS}


@dataclass(frozen=True)
class _Dropped:
    """A column a constraint or index named, dropped in this batch (a column of the same name
    added later in the batch takes its place)."""

    name: str


def _database(dialect: Any) -> type[DefaultImpl]:
    """The dialect's DDL implementation (class); SQLite's where a rebuild has no dialect."""
    return impl_for(dialect.name) if dialect is not None else SQLiteImpl


def _changes_kind(old: Any, new: Any, dialect: Any) -> bool:
    """Whether copying values from ``old`` to ``new`` needs a CAST: the kind of type changes
    (text to number, number to text ...), as Alembic's batch mode decides (SQLite stores JSON
    as text, so no cast to JSON there)."""
    from sqlalchemy import JSON

    if dialect is not None and _database(dialect).json_is_text and isinstance(new, JSON):
        return False
    return not same_affinity(old, new)


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
