"""Batch mode: ``with op.batch_alter_table("pets") as batch_op:``.

The operations inside the block are collected as operation objects.  Where the database can run
them as plain ALTERs (PostgreSQL, MySQL/MariaDB, and SQLite for what its ALTER supports), they
run as they are.  Otherwise (SQLite, or ``recreate="always"``) the table is rebuilt: a new table
with the changed definition is created, the rows are copied across, the old table is dropped, the
new one renamed, and the indexes are created again.  Data, indexes, unique/check constraints and
foreign keys survive.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Index,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
    inspect,
    text,
)

from still.errors import CommandError
from still.operations import ops
from still.operations.extending import method_registrar

if TYPE_CHECKING:
    from still.operations.base import Operations

# What SQLite's own ALTER TABLE can do: everything else needs the table rebuilt.
_SQLITE_ALTER_OK = (ops.AddColumnOp, ops.CreateIndexOp, ops.DropIndexOp, ops.RenameTableOp)


class BatchOperations:
    """``batch_op``: the operations of one table, with the table name implied."""

    def __init__(self, table_name: str, schema: str | None) -> None:
        self.table_name = table_name
        self.schema = schema
        self.collected: list[ops.MigrateOperation] = []
        # column name -> (insert_before, insert_after), honoured by table rebuilds
        self.placements: dict[str, tuple[str | None, str | None]] = {}

    def invoke(self, operation: ops.MigrateOperation) -> None:
        """Collect an operation object; it runs when the batch block ends."""
        self.collected.append(operation)

    @classmethod
    def register_operation(
        cls, name: str, sourcename: str | None = None
    ) -> Callable[[type[Any]], type[Any]]:
        """The batch form of ``Operations.register_operation``: ``batch_op.NAME(...)``."""
        return method_registrar(cls, name, sourcename)

    def add_column(
        self,
        column: Column[Any],
        insert_before: str | None = None,
        insert_after: str | None = None,
        **kw: Any,
    ) -> None:
        """Add a column; ``insert_before``/``insert_after`` place it when the table is rebuilt."""
        op = ops.AddColumnOp(self.table_name, column, schema=self.schema)
        self.placements[column.name] = (insert_before, insert_after)
        self.collected.append(op)

    def drop_column(self, column_name: str, **kw: Any) -> None:
        self.collected.append(ops.DropColumnOp(self.table_name, column_name, schema=self.schema))

    def alter_column(self, column_name: str, **kw: Any) -> None:
        autoincrement = kw.pop("autoincrement", None)
        existing_default = kw.pop("existing_server_default", False)
        self.collected.append(
            ops.AlterColumnOp(
                self.table_name,
                column_name,
                schema=self.schema,
                nullable=kw.pop("nullable", None),
                type_=kw.pop("type_", None),
                server_default=kw.pop("server_default", False),
                new_column_name=kw.pop("new_column_name", None),
                comment=kw.pop("comment", False),
                autoincrement=autoincrement,
                existing_type=kw.pop("existing_type", None),
                existing_nullable=kw.pop("existing_nullable", None),
                existing_server_default=None if existing_default is False else existing_default,
                existing_comment=kw.pop("existing_comment", None),
                kw=kw,
            )
        )

    def create_index(self, index_name: str, columns: Sequence[Any], **kw: Any) -> None:
        unique = kw.pop("unique", False)
        self.collected.append(
            ops.CreateIndexOp(
                index_name, self.table_name, list(columns), self.schema, unique, kw=kw
            )
        )

    def drop_index(self, index_name: str, **kw: Any) -> None:
        self.collected.append(ops.DropIndexOp(index_name, self.table_name, self.schema, kw=kw))

    def create_unique_constraint(self, name: str | None, columns: Sequence[str], **kw: Any) -> None:
        spec = {"columns": list(columns), **kw}
        self.collected.append(
            ops.AddConstraintOp("unique", name, self.table_name, spec, self.schema)
        )

    def create_check_constraint(self, name: str | None, condition: Any, **kw: Any) -> None:
        spec = {"condition": condition, **kw}
        self.collected.append(
            ops.AddConstraintOp("check", name, self.table_name, spec, self.schema)
        )

    def create_primary_key(self, name: str | None, columns: Sequence[str]) -> None:
        spec = {"columns": list(columns)}
        self.collected.append(
            ops.AddConstraintOp("primary", name, self.table_name, spec, self.schema)
        )

    def create_foreign_key(
        self,
        name: str | None,
        referent_table: str,
        local_cols: Sequence[str],
        remote_cols: Sequence[str],
        **kw: Any,
    ) -> None:
        spec = {
            "referent_table": referent_table,
            "local_cols": list(local_cols),
            "remote_cols": list(remote_cols),
            **kw,
        }
        self.collected.append(
            ops.AddConstraintOp("foreignkey", name, self.table_name, spec, self.schema)
        )

    def drop_constraint(self, name: str, type_: str | None = None) -> None:
        self.collected.append(ops.DropConstraintOp(name, self.table_name, type_, self.schema))


@contextmanager
def batch_alter_table(
    operations: Operations,
    table_name: str,
    schema: str | None = None,
    recreate: str = "auto",
    copy_from: Table | None = None,
    table_args: Sequence[Any] = (),
    table_kwargs: Mapping[str, Any] | None = None,
    reflect_args: Sequence[Any] = (),
    **kw: Any,
) -> Iterator[BatchOperations]:
    if recreate not in ("auto", "always", "never"):
        raise CommandError(f"recreate={recreate!r}: use 'auto', 'always' or 'never'.")
    batch = BatchOperations(table_name, schema)
    yield batch
    dialect = operations.impl.dialect.name
    if recreate == "always" and dialect != "sqlite":
        raise CommandError(
            f"batch_alter_table({table_name!r}, recreate='always') rebuilds tables on SQLite only "
            f"in this version of still; on {dialect} use recreate='auto', which runs plain ALTERs."
        )
    needs_rebuild = recreate == "always" or (
        recreate == "auto"
        and dialect == "sqlite"
        and any(not _sqlite_can(op) for op in batch.collected)
    )
    if not needs_rebuild:
        for op in batch.collected:
            operations.invoke(op)
        return
    rebuild = TableRebuild.of(
        operations, table_name, schema, copy_from, reflect_args, kw.get("naming_convention")
    )
    rebuild.table_args = list(table_args)
    rebuild.table_kwargs = dict(table_kwargs or {})
    for op in batch.collected:
        rebuild.apply(op)
    for column, (before, after) in batch.placements.items():
        rebuild.place(column, before, after)
    rebuild.run(operations)


def rebuild_if_needed(operations: Operations, op: Any) -> bool:
    """Make a change SQLite's ALTER cannot make by rebuilding the table; False if not needed."""
    if _sqlite_can(op):
        return False
    operations.migration_context.note(
        f"SQLite cannot ALTER this ({type(op).__name__} on {op.table_name}); rebuilding the "
        "table with its rows, as batch mode does."
    )
    rebuild = TableRebuild.of(operations, op.table_name, op.schema, None, ())
    rebuild.apply(op)
    rebuild.run(operations)
    return True


def _sqlite_can(op: ops.MigrateOperation) -> bool:
    if isinstance(op, ops.AlterColumnOp):
        return (
            op.nullable is None
            and op.type_ is None
            and op.server_default is False
            and op.autoincrement is None
        )
    return isinstance(op, _SQLITE_ALTER_OK)


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
        bind = operations.get_bind()
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
        columns = {
            c.name: {
                "type": c.type,
                "nullable": c.nullable,
                "server_default": c.server_default,
                "comment": c.comment,
                "autoincrement": c.autoincrement,
            }
            for c in table.columns
        }
        pk = table.primary_key
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
                {"name": ix.name, "columns": [c.name for c in ix.columns], "unique": ix.unique}
                for ix in table.indexes
            ],
        )

    # -- changes --------------------------------------------------------------------------------

    def apply(self, op: ops.MigrateOperation) -> None:
        if isinstance(op, ops.AddColumnOp):
            column = op.column
            self.columns[column.name] = {
                "type": column.type,
                "nullable": column.nullable,
                "server_default": column.server_default,
                "comment": column.comment,
                "autoincrement": column.autoincrement,
            }
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
        elif isinstance(op, ops.DropColumnOp):
            self._drop_column(op.column_name)
        elif isinstance(op, ops.AlterColumnOp):
            self._alter_column(op)
        elif isinstance(op, ops.CreateIndexOp):
            self.indexes.append(
                {"name": op.index_name, "columns": list(op.columns), "unique": op.unique}
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

    def _require(self, column: str) -> None:
        if column not in self.columns:
            raise CommandError(
                f"Table {self.name} has no column {column!r} (it has: {', '.join(self.columns)})."
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
            spec["server_default"] = op.server_default
        if op.comment is not False:
            spec["comment"] = op.comment
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
        else:
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

    # -- the swap -------------------------------------------------------------------------------

    def new_table(self, name: str, metadata: MetaData) -> Table:
        columns = [
            Column(
                column,
                spec["type"],
                nullable=spec["nullable"],
                server_default=spec["server_default"],
                comment=spec["comment"],
                autoincrement=spec["autoincrement"],
            )
            for column, spec in self.columns.items()
        ]
        constraints: list[Any] = []
        if self.primary_key["columns"]:
            constraints.append(
                PrimaryKeyConstraint(*self.primary_key["columns"], name=self.primary_key["name"])
            )
        constraints += [UniqueConstraint(*u["columns"], name=u["name"]) for u in self.uniques]
        constraints += [CheckConstraint(text(c["sqltext"]), name=c["name"]) for c in self.checks]
        for fk in self.foreign_keys:
            constraints.append(
                ForeignKeyConstraint(
                    fk["columns"],
                    fk["targets"],
                    name=fk["name"],
                    ondelete=fk["ondelete"],
                    onupdate=fk["onupdate"],
                )
            )
        table = Table(
            name,
            metadata,
            *columns,
            *constraints,
            *self.table_args,
            schema=self.schema,
            **self.table_kwargs,
        )
        for constraint in table.foreign_key_constraints:
            _stub_referents(metadata, constraint)
        return table

    def run(self, operations: Operations) -> None:
        impl = operations.impl
        temp_name = f"_still_tmp_{self.name}"
        metadata = MetaData()
        table = self.new_table(temp_name, metadata)
        impl.create_table(table)
        copied = [(new, old) for new, old in self.sources.items() if old is not None]
        if copied:
            quote = impl.dialect.identifier_preparer.quote
            target = ", ".join(quote(new) for new, _ in copied)
            source = ", ".join(quote(old) for _, old in copied)
            impl.execute(
                f"INSERT INTO {quote(temp_name)} ({target}) SELECT {source} FROM {quote(self.name)}"
            )
        impl.drop_table(Table(self.name, MetaData(), schema=self.schema))
        impl.rename_table(temp_name, self.name, self.schema)
        final = Table(
            self.name,
            MetaData(),
            *[Column(c, self.columns[c]["type"]) for c in self.columns],
            schema=self.schema,
        )
        for ix in self.indexes:
            impl.create_index(
                Index(ix["name"], *[final.c[c] for c in ix["columns"]], unique=ix["unique"])
            )


def _stub_referents(metadata: MetaData, fk: ForeignKeyConstraint) -> None:
    from sqlalchemy.sql.sqltypes import NullType

    for element in fk.elements:
        parts = element.target_fullname.split(".")
        table_name, column = parts[-2], parts[-1]
        schema = ".".join(parts[:-2]) or None
        key = f"{schema}.{table_name}" if schema else table_name
        referent = metadata.tables.get(key) or Table(table_name, metadata, schema=schema)
        if column not in referent.c:
            referent.append_column(Column(column, NullType()))
