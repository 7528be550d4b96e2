"""Operation classes under the names and constructor signatures Alembic documents.

Add-ons and ``process_revision_directives`` rewriters build operations by hand, e.g.
``ops.AlterColumnOp("t", "c", modify_nullable=False, existing_type=...)`` or
``ops.CreateForeignKeyOp(name, "pets", "owners", ["owner_id"], ["id"])``.  These are still's
operation classes with those constructors: what they make runs, reverses and renders like any
other operation.

Also the names add-ons build on: :class:`AlterTableOp` and :class:`OpContainer` (still's own
operations count as instances of them), and ``to_diff_tuple()`` on the common operations, the
form ``compare_metadata()`` reports them in.
"""

from __future__ import annotations

from abc import ABCMeta
from collections.abc import Callable, Sequence
from dataclasses import fields
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
)
from sqlalchemy.sql.sqltypes import NullType

from still.operations import schema
from still.operations.ops import (
    AddColumnOp,
    AddConstraintOp,
    AlterColumnOp,
    CreateIndexOp,
    CreateTableCommentOp,
    CreateTableOp,
    DowngradeOps,
    DropColumnOp,
    DropConstraintOp,
    DropIndexOp,
    DropTableCommentOp,
    DropTableOp,
    MigrateOperation,
    ModifyTableOps,
    RenameTableOp,
    UpgradeOps,
)

# Alembic's AlterColumnOp keyword -> still's field
_ALTER_NAMES = {
    "modify_nullable": "nullable",
    "modify_type": "type_",
    "modify_server_default": "server_default",
    "modify_name": "new_column_name",
    "modify_comment": "comment",
}
_ALTER_FIELDS = {f.name for f in fields(AlterColumnOp)}
_dataclass_init = AlterColumnOp.__init__


def _alter_init(self: AlterColumnOp, *args: Any, **kw: Any) -> None:
    for alembic_name, name in _ALTER_NAMES.items():
        if alembic_name in kw:
            kw[name] = kw.pop(alembic_name)
    extra = {k: kw.pop(k) for k in list(kw) if k not in _ALTER_FIELDS}
    if extra:
        kw["kw"] = {**dict(kw.get("kw") or {}), **extra}
    _dataclass_init(self, *args, **kw)


AlterColumnOp.__init__ = _alter_init  # type: ignore[method-assign]


def _alias(name: str) -> property:
    return property(
        lambda self: getattr(self, name), lambda self, value: setattr(self, name, value)
    )


for _alembic_name, _name in _ALTER_NAMES.items():
    # Alembic's names too: column comparators set op.modify_type, rewriters read it.
    setattr(AlterColumnOp, _alembic_name, _alias(_name))

# Alembic keeps what undoes a drop in ``_reverse``; add-ons read it (the dropped column's type).
for _drop in (DropTableOp, DropColumnOp, DropIndexOp, DropConstraintOp):
    setattr(_drop, "_reverse", _alias("reverse_of"))  # noqa: B010


class CreatePrimaryKeyOp(AddConstraintOp):
    def __init__(
        self,
        constraint_name: str | None,
        table_name: str,
        columns: Sequence[str],
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        super().__init__("primary", constraint_name, table_name, {"columns": list(columns)}, schema)


class CreateUniqueConstraintOp(AddConstraintOp):
    def __init__(
        self,
        constraint_name: str | None,
        table_name: str,
        columns: Sequence[str],
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        spec = {"columns": list(columns), **kw}
        super().__init__("unique", constraint_name, table_name, spec, schema)


class CreateCheckConstraintOp(AddConstraintOp):
    def __init__(
        self,
        constraint_name: str | None,
        table_name: str,
        condition: Any,
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(
            "check", constraint_name, table_name, {"condition": condition, **kw}, schema
        )


class CreateForeignKeyOp(AddConstraintOp):
    def __init__(
        self,
        constraint_name: str | None,
        source_table: str,
        referent_table: str,
        local_cols: Sequence[str],
        remote_cols: Sequence[str],
        **kw: Any,
    ) -> None:
        source_schema = kw.pop("source_schema", None)
        spec = {
            "referent_table": referent_table,
            "local_cols": list(local_cols),
            "remote_cols": list(remote_cols),
            "referent_schema": kw.pop("referent_schema", None),
            **{
                k: kw.pop(k, None)
                for k in ("onupdate", "ondelete", "deferrable", "initially", "match")
            },
            **kw,
        }
        super().__init__("foreignkey", constraint_name, source_table, spec, source_schema)


# -- base classes add-ons subclass or test against -------------------------------------------------


class AlterTableOp(MigrateOperation, metaclass=ABCMeta):
    """Alembic's base of operations on one existing table (``table_name``, ``schema``).

    Add-ons subclass it for operations of their own; still's table-level operations (alter
    column, add/drop column and constraint, rename, table comments) count as instances of it.
    """

    def __init__(self, table_name: str, schema: str | None = None) -> None:
        self.table_name = table_name
        self.schema = schema


class OpContainer(MigrateOperation, metaclass=ABCMeta):
    """Alembic's base of operations holding others in ``ops`` (upgrade_ops, downgrade_ops, the
    per-table block); still's UpgradeOps, DowngradeOps and ModifyTableOps count as instances."""

    def __init__(self, ops: Sequence[MigrateOperation] = ()) -> None:
        self.ops = list(ops)

    def is_empty(self) -> bool:
        return not self.ops

    def as_diffs(self) -> list[Any]:
        return _as_diffs(self)


def _as_diffs(container: Any) -> list[Any]:
    """The diff tuples of a container's operations, nested containers flattened (an
    alter_column's list of ``modify_*`` tuples stays one entry, as compare_metadata gives it)."""
    found: list[Any] = []
    for operation in container.ops:
        if hasattr(operation, "ops"):
            found.extend(_as_diffs(operation))
        else:
            to_diff = getattr(operation, "to_diff_tuple", None)
            if callable(to_diff):
                found.append(to_diff())
    return found


for _table_op in (
    AlterColumnOp,
    AddColumnOp,
    DropColumnOp,
    AddConstraintOp,
    DropConstraintOp,
    RenameTableOp,
    CreateTableCommentOp,
    DropTableCommentOp,
):
    AlterTableOp.register(_table_op)
for _container in (UpgradeOps, DowngradeOps, ModifyTableOps):
    OpContainer.register(_container)
    setattr(_container, "as_diffs", _as_diffs)  # noqa: B010


# -- to_diff_tuple(): an operation as compare_metadata() reports it --------------------------------


def _table_of(op: CreateTableOp) -> Table:
    """The table a CreateTableOp makes, built from copies (the operation stays runnable)."""
    items = [item._copy() if isinstance(item, Column) else item for item in op.columns]
    try:
        return schema.table(op.table_name, *items, schema=op.schema, **op.kw)
    except Exception:  # constraints already on another table: the columns alone
        columns = [item for item in items if isinstance(item, Column)]
        return schema.table(op.table_name, *columns, schema=op.schema)


def _dropped_table(op: DropTableOp) -> Table:
    if op.reverse_of is not None:
        return _table_of(op.reverse_of)
    return schema.table(op.table_name, schema=op.schema)


def _dropped_column(op: DropColumnOp) -> Column[Any]:
    if op.reverse_of is not None:
        column: Column[Any] = op.reverse_of.column
        return column
    return Column(op.column_name, NullType())


def _index_of(op: CreateIndexOp) -> Any:
    return schema.index(
        op.index_name, op.table_name, op.columns, schema=op.schema, unique=op.unique, **op.kw
    )


def _dropped_index(op: DropIndexOp) -> Any:
    if op.reverse_of is not None:
        return _index_of(op.reverse_of)
    return schema.index(op.index_name, op.table_name or "", [], schema=op.schema)


def _dropped_constraint(op: DropConstraintOp) -> Any:
    if op.reverse_of is not None:
        return schema.constraint(op.reverse_of)
    stub = schema.table(op.table_name, schema=op.schema)
    made: Any
    if op.type_ == "foreignkey":
        made = ForeignKeyConstraint([], [], name=op.constraint_name)
    elif op.type_ == "primary":
        made = PrimaryKeyConstraint(name=op.constraint_name)
    elif op.type_ == "check":
        made = CheckConstraint("1 = 1", name=op.constraint_name)
    else:
        made = UniqueConstraint(name=op.constraint_name)
    stub.append_constraint(made)
    return made


def _alter_diffs(op: AlterColumnOp) -> list[tuple[Any, ...]]:
    existing = {
        "existing_type": op.existing_type,
        "existing_nullable": op.existing_nullable,
        "existing_server_default": op.existing_server_default,
        "existing_comment": op.existing_comment,
    }

    def others(leave_out: str) -> dict[str, Any]:
        return {k: v for k, v in existing.items() if k != leave_out}

    where = (op.schema, op.table_name, op.column_name)
    diffs: list[tuple[Any, ...]] = []
    if op.type_ is not None:
        diffs.append(("modify_type", *where, others("existing_type"), op.existing_type, op.type_))
    if op.nullable is not None:
        diffs.append(
            (
                "modify_nullable",
                *where,
                others("existing_nullable"),
                op.existing_nullable,
                op.nullable,
            )
        )
    if op.server_default is not False:
        diffs.append(
            (
                "modify_default",
                *where,
                others("existing_server_default"),
                op.existing_server_default,
                op.server_default,
            )
        )
    if op.comment is not False:
        diffs.append(
            ("modify_comment", *where, others("existing_comment"), op.existing_comment, op.comment)
        )
    return diffs


def _constraint_diff(verb: str, constraint: Any) -> tuple[Any, ...]:
    kind = "fk" if isinstance(constraint, ForeignKeyConstraint) else "constraint"
    return (f"{verb}_{kind}", constraint)


_DIFFS: dict[type[Any], Callable[[Any], Any]] = {
    CreateTableOp: lambda op: ("add_table", _table_of(op)),
    DropTableOp: lambda op: ("remove_table", _dropped_table(op)),
    AddColumnOp: lambda op: ("add_column", op.schema, op.table_name, op.column),
    DropColumnOp: lambda op: ("remove_column", op.schema, op.table_name, _dropped_column(op)),
    CreateIndexOp: lambda op: ("add_index", _index_of(op)),
    DropIndexOp: lambda op: ("remove_index", _dropped_index(op)),
    AddConstraintOp: lambda op: _constraint_diff("add", schema.constraint(op)),
    DropConstraintOp: lambda op: _constraint_diff("remove", _dropped_constraint(op)),
    AlterColumnOp: _alter_diffs,
    CreateTableCommentOp: lambda op: (
        "add_table_comment",
        _commented_table(op),
        op.existing_comment,
    ),
    DropTableCommentOp: lambda op: ("remove_table_comment", _commented_table(op)),
}


def _commented_table(op: CreateTableCommentOp | DropTableCommentOp) -> Table:
    comment = op.comment if isinstance(op, CreateTableCommentOp) else None
    return schema.table(op.table_name, schema=op.schema, comment=comment)


for _op_class, _make in _DIFFS.items():
    setattr(_op_class, "to_diff_tuple", _make)  # noqa: B010


# -- AbstractOperations ---------------------------------------------------------------------------


class AbstractOperations(metaclass=ABCMeta):  # noqa: B024 (a base without abstract methods)
    """Alembic's common base of ``Operations`` (``op``) and ``BatchOperations`` (``batch_op``):
    still's two classes count as its subclasses, and an operation registered here becomes a
    method of both."""

    @classmethod
    def __subclasshook__(cls, subclass: type[Any]) -> bool | Any:
        if cls is AbstractOperations:
            return issubclass(subclass, _operations_classes()) or NotImplemented
        return NotImplemented

    @classmethod
    def register_operation(
        cls, name: str, sourcename: str | None = None
    ) -> Callable[[type[Any]], type[Any]]:
        """Class decorator: ``op.NAME(...)`` and ``batch_op.NAME(...)`` call
        ``OpClass.SOURCENAME(operations, ...)``."""

        def register(op_class: type[Any]) -> type[Any]:
            for target in _operations_classes():
                target.register_operation(name, sourcename)(op_class)
            return op_class

        return register

    @classmethod
    def implementation_for(cls, op_class: type[Any]) -> Callable[[Any], Any]:
        """Decorator: ``fn(operations, operation)`` runs operations of ``op_class``."""
        from still.operations.base import Operations

        return Operations.implementation_for(op_class)


def _operations_classes() -> tuple[type[Any], ...]:
    from still.operations.base import Operations
    from still.operations.batch import BatchOperations

    return (Operations, BatchOperations)
