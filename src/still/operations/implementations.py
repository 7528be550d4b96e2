"""How each operation runs: one function per operation class, over the dialect's DDL impl.

The same functions serve live runs and ``--sql`` scripts: the impl either executes a statement or
writes it out.  ``Operations.implementation_for`` adds entries (custom operations).  The impl is
called through its Alembic-shaped methods only (``alter_column(table, column, nullable=...)``,
``add_constraint(const)``, ``drop_constraint(const)``, ``drop_column(table, column)`` ...), as
Alembic's own implementations call them, so a project's implementation overriding one of them
is what runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Column, Constraint, PrimaryKeyConstraint

from still.ddl import DefaultImpl
from still.ddl.elements import inline_foreign_key
from still.operations import ops, schema
from still.sqla_private import creation_order

# A runner takes the Operations (its .impl issues the DDL) and the operation object, as the
# functions registered with Alembic's Operations.implementation_for do.
Runner = Callable[[Any, Any], Any]

RUNNERS: dict[type[ops.MigrateOperation], Runner] = {}
# still's own runners (below): what a batch collects and SQLite may rebuild for
_OWN: set[Runner] = set()


def runs(op_class: type[ops.MigrateOperation]) -> Callable[[Runner], Runner]:
    def register(fn: Runner) -> Runner:
        RUNNERS[op_class] = fn
        return fn

    return register


def _own(op_class: type[ops.MigrateOperation]) -> Callable[[Runner], Runner]:
    def register(fn: Runner) -> Runner:
        _OWN.add(fn)
        return runs(op_class)(fn)

    return register


def runner_for(operation: ops.MigrateOperation) -> Runner | None:
    """The function registered for the operation's class (or the nearest base class)."""
    for cls in type(operation).__mro__:
        runner = RUNNERS.get(cls)
        if runner is not None:
            return runner
    return None


def runs_own(operation: ops.MigrateOperation) -> bool:
    """True when still's own function runs the operation (not one an add-on registered for
    its subclass, e.g. geoalchemy2's ``AddGeospatialColumnOp``)."""
    return runner_for(operation) in _OWN


def naming(operations: Any) -> Mapping[str, Any] | None:
    """The naming convention of env.py's ``target_metadata`` (a single MetaData), which names
    the constraints and indexes a migration leaves unnamed, as in Alembic."""
    target = operations.migration_context.opts.get("target_metadata")
    convention = getattr(target, "naming_convention", None)
    return convention if isinstance(convention, Mapping) else None


def run(operations: Any, operation: ops.MigrateOperation) -> Any:
    runner = runner_for(operation)
    if runner is None:
        raise NotImplementedError(
            f"No implementation is registered for {type(operation).__name__}."
        )
    return runner(operations, operation)


def _guard(flag: bool | None, name: str) -> dict[str, bool]:
    """``{name: flag}`` when the operation was given the flag (Alembic passes it only then)."""
    return {name: flag} if flag is not None else {}


@_own(ops.CreateTableOp)
def _create_table(operations: Any, op: ops.CreateTableOp) -> Any:
    impl: DefaultImpl = operations.impl
    table = schema.table(
        op.table_name,
        *op.columns,
        schema=op.schema,
        naming_convention=naming(operations),
        constraints_included=op._constraints_included,
        **op.kw,
    )
    impl.check_name(table.name, "table")
    for column in table.columns:
        impl.check_name(column.name, "column")
    for name in [c.name for c in table.constraints] + [i.name for i in table.indexes]:
        impl.check_name(name if isinstance(name, str) else None, "constraint or index")
    impl.create_table(table, **_guard(op.if_not_exists, "if_not_exists"))
    return table


@_own(ops.DropTableOp)
def _drop_table(operations: Any, op: ops.DropTableOp) -> None:
    """DROP TABLE inside the table's drop events; the table has its columns (and so the events
    of their types) when the operation knows them: the reverse of a create_table."""
    impl: DefaultImpl = operations.impl
    created = op.reverse_of
    columns = created.columns if created is not None else ()
    kw = {**(created.kw if created is not None else {}), **op.kw}
    table = schema.table(
        op.table_name, *columns, schema=op.schema, naming_convention=naming(operations), **kw
    )
    impl.drop_table(table, **_guard(op.if_exists, "if_exists"))


@_own(ops.AddColumnOp)
def _add_column(operations: Any, op: ops.AddColumnOp) -> None:
    """ADD the column, then what it carries, as Alembic does: the constraints of the table it is
    put on (foreign key, unique; the primary key only inline), its indexes, and its comment
    where comments are statements of their own."""
    impl: DefaultImpl = operations.impl
    column = schema.column_on_table(op.table_name, op.column, op.schema, naming(operations))
    impl.check_name(column.name, "column")
    impl.add_column(
        op.table_name,
        column,
        schema=op.schema,
        if_not_exists=op.if_not_exists,
        inline_references=op.inline_references,
        inline_primary_key=op.inline_primary_key,
    )
    table = column.table
    inline = impl.inline_constraints(column)
    inline_fk = inline_foreign_key(column) if op.inline_references else None
    carried = {*table.constraints, *column.constraints}
    for constraint in sorted(carried, key=creation_order):
        if (
            isinstance(constraint, PrimaryKeyConstraint)
            or constraint is inline_fk
            or constraint in inline
            or not impl.creates(constraint)
        ):
            continue
        impl.check_name(constraint.name if isinstance(constraint.name, str) else None, "constraint")
        if constraint in column.constraints:  # given on the Column: ADD needs it on the table
            constraint = schema.on_table(constraint, table)
        _add_carried_constraint(operations, constraint)
    for index in sorted(table.indexes, key=lambda ix: ix.name or ""):
        impl.check_name(index.name if isinstance(index.name, str) else None, "index")
        impl.create_index(index)
    if column.comment is not None and impl.comments_are_statements:
        impl.create_column_comment(column)


def _add_carried_constraint(operations: Any, constraint: Constraint) -> None:
    """ADD a constraint a new column brought; where ALTER TABLE cannot (SQLite), the way
    ``create_foreign_key`` / ``create_unique_constraint`` are made there."""
    impl: DefaultImpl = operations.impl
    if impl.alters_constraints:
        impl.add_constraint(constraint)
        return
    operations.apply(schema.constraint_op(constraint))


@_own(ops.DropColumnOp)
def _drop_column(operations: Any, op: ops.DropColumnOp) -> None:
    impl: DefaultImpl = operations.impl
    column = op.to_column(operations.migration_context)
    impl.drop_column(op.table_name, column, schema=op.schema, if_exists=op.if_exists, **op.kw)


@_own(ops.CreateIndexOp)
def _create_index(operations: Any, op: ops.CreateIndexOp) -> None:
    impl: DefaultImpl = operations.impl
    impl.check_name(op.index_name, "index")
    index = schema.index(
        op.index_name,
        op.table_name,
        op.columns,
        op.schema,
        op.unique,
        naming_convention=naming(operations),
        **op.kw,
    )
    impl.create_index(index, **_guard(op.if_not_exists, "if_not_exists"))


@_own(ops.DropIndexOp)
def _drop_index(operations: Any, op: ops.DropIndexOp) -> None:
    impl: DefaultImpl = operations.impl
    index = schema.index(op.index_name, op.table_name or "_unknown", [], op.schema, **op.kw)
    impl.drop_index(index, **_guard(op.if_exists, "if_exists"))


@_own(ops.ExecuteSQLOp)
def _execute(operations: Any, op: ops.ExecuteSQLOp) -> Any:
    impl: DefaultImpl = operations.impl
    return impl.execute(op.sqltext, execution_options=op.execution_options)


@_own(ops.RenameTableOp)
def _rename_table(operations: Any, op: ops.RenameTableOp) -> None:
    operations.impl.check_name(op.new_table_name, "table")
    operations.impl.rename_table(op.table_name, op.new_table_name, schema=op.schema)


@_own(ops.CreateTableCommentOp)
def _table_comment(operations: Any, op: ops.CreateTableCommentOp) -> None:
    operations.impl.create_table_comment(
        schema.table(op.table_name, schema=op.schema, comment=op.comment)
    )


@_own(ops.DropTableCommentOp)
def _drop_table_comment(operations: Any, op: ops.DropTableCommentOp) -> None:
    operations.impl.drop_table_comment(schema.table(op.table_name, schema=op.schema))


@_own(ops.AlterColumnOp)
def _alter_column(operations: Any, op: ops.AlterColumnOp) -> None:
    """Change a column; with a new type, the CHECK the old type made (a non-native Enum or
    Boolean with ``create_constraint=True``) is dropped first and the new type's added after,
    as Alembic does."""
    impl: DefaultImpl = operations.impl
    impl.check_name(op.new_column_name, "column")
    if op.type_ is not None and op.existing_type is not None:
        for check in _type_checks(operations, op, op.column_name, op.existing_type):
            impl.drop_type_check(check)
    impl.alter_column(
        op.table_name,
        op.column_name,
        nullable=op.nullable,
        server_default=op.server_default,
        name=op.new_column_name,
        type_=op.type_,
        schema=op.schema,
        autoincrement=op.autoincrement,
        comment=op.comment,
        existing_comment=op.existing_comment,
        existing_type=op.existing_type,
        existing_server_default=op.existing_server_default,
        existing_nullable=op.existing_nullable,
        **op.kw,
    )
    if op.type_ is not None:
        for check in _type_checks(operations, op, op.column_name, op.type_):
            _add_carried_constraint(operations, check)


def _type_checks(operations: Any, op: ops.AlterColumnOp, name: str, type_: Any) -> list[Any]:
    """The CHECK constraints a column of ``type_`` gets on this database."""
    column: Column[Any] = Column(name, type_)
    table = schema.table(
        op.table_name, column, schema=op.schema, naming_convention=naming(operations)
    )
    return [
        c
        for c in sorted(table.constraints, key=creation_order)
        if not isinstance(c, PrimaryKeyConstraint) and operations.impl.creates(c)
    ]


@_own(ops.AddConstraintOp)
def _add_constraint(operations: Any, op: ops.AddConstraintOp) -> None:
    made = schema.constraint(op, naming(operations))
    operations.impl.check_name(made.name if isinstance(made.name, str) else None, "constraint")
    operations.impl.add_constraint(made)


@_own(ops.DropConstraintOp)
def _drop_constraint(operations: Any, op: ops.DropConstraintOp) -> None:
    # a naming convention with %(constraint_name)s makes the name given part of the real one
    made = schema.generic_constraint(
        op.constraint_name, op.table_name, op.type_, op.schema, naming(operations)
    )
    operations.impl.drop_constraint(made, **_guard(op.if_exists, "if_exists"))


@_own(ops.BulkInsertOp)
def _bulk_insert(operations: Any, op: ops.BulkInsertOp) -> None:
    operations.impl.bulk_insert(op.table, op.rows, op.multiinsert)


@runs(ops.CreateEnumOp)
@runs(ops.DropEnumOp)
@runs(ops.AlterEnumOp)
def _enum_type(operations: Any, op: ops.MigrateOperation) -> None:
    # Run as given (PostgreSQL 12+ accepts ADD VALUE inside a transaction); the rendered
    # migration wraps ADD VALUE in autocommit_block(), so a later statement may use the value.
    from still.operations.enum_types import enum_statements

    for statement in enum_statements(op):
        operations.impl.execute(statement)


@runs(ops.UpgradeOps)
@runs(ops.DowngradeOps)
@runs(ops.ModifyTableOps)
def _each_inside(operations: Any, container: Any) -> None:
    """Autogenerate's containers, invoked directly: each operation inside, in order (each
    through ``invoke``, so SQLite's table rebuilds apply)."""
    for inner in container.ops:
        operations.invoke(inner)
