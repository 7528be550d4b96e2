"""How each operation runs: one function per operation class, over the dialect's DDL impl.

The same functions serve live runs and ``--sql`` scripts: the impl either executes a statement or
writes it out.  ``Operations.implementation_for`` adds entries (custom operations).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from still.ddl import DefaultImpl
from still.operations import ops, schema

Runner = Callable[[DefaultImpl, Any], Any]

RUNNERS: dict[type[ops.MigrateOperation], Runner] = {}


def runs(op_class: type[ops.MigrateOperation]) -> Callable[[Runner], Runner]:
    def register(fn: Runner) -> Runner:
        RUNNERS[op_class] = fn
        return fn

    return register


def run(impl: DefaultImpl, operation: ops.MigrateOperation) -> Any:
    for cls in type(operation).__mro__:
        runner = RUNNERS.get(cls)
        if runner is not None:
            return runner(impl, operation)
    raise NotImplementedError(f"No implementation is registered for {type(operation).__name__}.")


@runs(ops.CreateTableOp)
def _create_table(impl: DefaultImpl, op: ops.CreateTableOp) -> Any:
    table = schema.table(op.table_name, *op.columns, schema=op.schema, **op.kw)
    impl.create_table(table, if_not_exists=bool(op.if_not_exists))
    return table


@runs(ops.DropTableOp)
def _drop_table(impl: DefaultImpl, op: ops.DropTableOp) -> None:
    impl.drop_table(schema.table(op.table_name, schema=op.schema, **op.kw), bool(op.if_exists))


@runs(ops.AddColumnOp)
def _add_column(impl: DefaultImpl, op: ops.AddColumnOp) -> None:
    column = schema.column_on_table(op.table_name, op.column, op.schema)
    impl.add_column(op.table_name, column, op.schema, bool(op.if_not_exists))


@runs(ops.DropColumnOp)
def _drop_column(impl: DefaultImpl, op: ops.DropColumnOp) -> None:
    impl.drop_column(op.table_name, op.column_name, op.schema, bool(op.if_exists))


@runs(ops.CreateIndexOp)
def _create_index(impl: DefaultImpl, op: ops.CreateIndexOp) -> None:
    index = schema.index(op.index_name, op.table_name, op.columns, op.schema, op.unique, **op.kw)
    impl.create_index(index, bool(op.if_not_exists))


@runs(ops.DropIndexOp)
def _drop_index(impl: DefaultImpl, op: ops.DropIndexOp) -> None:
    index = schema.index(op.index_name, op.table_name or "_unknown", [], op.schema, **op.kw)
    impl.drop_index(index, bool(op.if_exists))


@runs(ops.ExecuteSQLOp)
def _execute(impl: DefaultImpl, op: ops.ExecuteSQLOp) -> Any:
    return impl.execute(op.sqltext, execution_options=op.execution_options)
