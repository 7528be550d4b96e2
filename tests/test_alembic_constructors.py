"""Alembic's constructor forms under still: ``Operations(migration_context, impl=None)``,
``BatchOperations(migration_context, impl=...)``, ``Operations.context``, the operation classes'
constructors (``AddColumnOp(..., **kw)`` with ``.kw``, ``DropColumnOp(_reverse=...)``,
``CreateTableOp(_constraints_included=...)`` ...), ``MigrateOperation.to_diff_tuple`` raising
NotImplementedError (and autogenerate taking that as "no diff tuple"), and ``alembic.ddl.base``'s
constructs, whose compile hooks decide what still writes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from still import compat
from still.runtime.migration import MigrationContext
from tests.conftest import engine_for, make_project


def alembic_names() -> Any:
    with compat.alembic_names():
        import alembic.operations as operations
        import alembic.operations.ops as ops

        return operations, ops


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    made = engine_for(db_url)
    yield made
    made.dispose()


def test_operations_context_and_constructor_forms(engine: sa.Engine) -> None:
    operations, ops = alembic_names()
    with engine.begin() as conn:
        context = MigrationContext.configure(connection=conn)
        assert operations.Operations(context).impl is context.impl
        assert operations.Operations(context, context.impl).migration_context is context
        with operations.Operations.context(context) as op:
            from still import op as op_module

            op_module.create_table("pets", sa.Column("id", sa.Integer, primary_key=True))
            assert isinstance(op, operations.Operations)
            # Alembic's hand-built operations, run as they are
            op.invoke(
                ops.AddColumnOp("pets", sa.Column("age", sa.Integer), schema=None, comment="x")
            )
            op.invoke(
                ops.CreateIndexOp("ix_pets_age", "pets", ["age"], unique=False, if_not_exists=True)
            )
            op.invoke(ops.RenameTableOp(old_table_name="pets", new_table_name="animals"))
        inspector = sa.inspect(conn)
        assert {c["name"] for c in inspector.get_columns("animals")} == {"id", "age"}
        assert [i["name"] for i in inspector.get_indexes("animals")] == ["ix_pets_age"]
        # a batch_op made as Alembic makes one
        from still.operations.batch import BatchImpl

        impl = BatchImpl(operations.Operations(context), "animals", None)
        batch_op = operations.BatchOperations(context, impl=impl)
        assert (batch_op.impl.table_name, batch_op.impl.schema) == ("animals", None)
        batch_op.add_column(sa.Column("name", sa.String(20)))
        batch_op.drop_column("age")
        assert [type(o).__name__ for o in impl.collected] == ["AddColumnOp", "DropColumnOp"]
        impl.flush()
        assert {c["name"] for c in sa.inspect(conn).get_columns("animals")} == {"id", "name"}


def test_operation_constructors_as_alembic() -> None:
    _, ops = alembic_names()
    column = sa.Column("x", sa.Integer)
    add = ops.AddColumnOp("t", column, schema="s", insert_before="y")
    assert add.kw == {"insert_before": "y"}
    assert (add.table_name, add.schema, add.column) == ("t", "s", column)
    index = ops.CreateIndexOp("ix", "t", ["x"], postgresql_using="gin")
    assert index.kw == {"postgresql_using": "gin"}
    drop_index = ops.DropIndexOp("ix", "t", _reverse=index, postgresql_using="gin")
    assert drop_index.reverse() is index and drop_index._reverse is index
    assert drop_index.kw == {"postgresql_using": "gin"}
    drop = ops.DropColumnOp("t", "x", _reverse=add, mssql_drop_default=True)
    assert drop.reverse() is add and drop.kw == {"mssql_drop_default": True}
    metadata = sa.MetaData()
    table = ops.CreateTableOp(
        "t", [column], _namespace_metadata=metadata, _constraints_included=True, comment="c"
    )
    assert table._namespace_metadata is metadata and table._constraints_included
    assert table.comment == "c" and table.kw == {"comment": "c"}
    dropped = ops.DropTableOp("t", table_kw={"comment": "c"}, _reverse=table)
    assert dropped.table_kw == {"comment": "c"} and dropped.reverse() is table
    constraint = ops.DropConstraintOp("uq", "t", "unique", schema="s", _reverse=None)
    assert (constraint.constraint_type, constraint.schema) == ("unique", "s")
    renamed = ops.RenameTableOp("old", "new", schema="s")
    assert (renamed.table_name, renamed.new_table_name) == ("old", "new")
    assert ops.ExecuteSQLOp("SELECT 1", execution_options={"a": 1}).execution_options == {"a": 1}


def test_constraints_included_are_not_made_twice(engine: sa.Engine) -> None:
    """``CreateTableOp.from_table`` in Alembic lists the constraints a column's ``unique=True``
    made and says so with ``_constraints_included``: the flag is not followed again."""
    _, ops = alembic_names()
    column = sa.Column("code", sa.String(10), unique=True)
    made = ops.CreateTableOp(
        "codes",
        [sa.Column("id", sa.Integer, primary_key=True), column, sa.UniqueConstraint("code")],
        _constraints_included=True,
    )
    with engine.begin() as conn:
        context = MigrationContext.configure(connection=conn)
        from still.operations.base import Operations

        Operations(context).invoke(made)
        uniques = sa.inspect(conn).get_unique_constraints("codes")
    assert len(uniques) == 1, uniques


def test_to_diff_tuple_of_an_operation_without_one() -> None:
    """Alembic's base raises NotImplementedError; still's autogenerate takes that (and a missing
    method) as "no diff tuple"."""
    from still.autogenerate.extensions import _diff_of

    _, ops = alembic_names()

    class Touch(ops.MigrateOperation):
        pass

    with pytest.raises(NotImplementedError):
        Touch().to_diff_tuple()
    with pytest.raises(NotImplementedError):
        ops.ExecuteSQLOp("SELECT 1").to_diff_tuple()
    assert _diff_of(Touch()) is None
    assert _diff_of(ops.ExecuteSQLOp("SELECT 1")) is None
    assert _diff_of(ops.AddColumnOp("t", sa.Column("x", sa.Integer)))[0] == "add_column"
    container = ops.UpgradeOps([Touch(), ops.AddColumnOp("t", sa.Column("x", sa.Integer))])
    assert [d[0] for d in container.as_diffs()] == ["add_column"]


DDL_BASE_HOOK = """
import sys
from still import compat

compat.enter()
from alembic.ddl.base import (
    ColumnType, RenameTable, alter_column, alter_table, format_table_name, format_type,
    visit_rename_table,
)
from sqlalchemy.ext.compiler import compiles

@compiles(ColumnType, "postgresql")
def _type(element, compiler, **kw):
    return "%s %s TYPE %s /* mine: was %s */" % (
        alter_table(compiler, element.table_name, element.schema),
        alter_column(compiler, element.column_name),
        format_type(compiler, element.type_),
        format_type(compiler, element.existing_type),
    )

@compiles(RenameTable, "postgresql")
def _rename(element, compiler, **kw):
    return visit_rename_table(element, compiler, **kw) + " /* to " + format_table_name(
        compiler, element.new_table_name, element.schema) + " */"

compat.leave()
from still.cli.main import main

sys.exit(main(sys.argv[1:]))
"""


def test_alembic_ddl_base_compile_hooks_decide_what_still_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A third-party dialect's or an add-on's ``@compiles`` on ``alembic.ddl.base``'s constructs
    (here for PostgreSQL, offline) changes still's SQL as it changes Alembic's.  In a process of
    its own: compile hooks are global."""
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    project = make_project(root, f"sqlite:///{root / 'unused.db'}")
    project.write_revision(
        "a1",
        None,
        """
        op.create_table("t", sa.Column("n", sa.String(10)))
        op.alter_column("t", "n", type_=sa.Integer, existing_type=sa.String(10))
        op.rename_table("t", "u")
        """,
    )
    runner = tmp_path / "run.py"
    runner.write_text(DDL_BASE_HOOK)
    done = subprocess.run(
        [
            sys.executable,
            str(runner),
            "-x",
            "sqlalchemy.url=postgresql://nobody@localhost/none",
            "upgrade",
            "head",
            "--sql",
        ],
        cwd=project.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "ALTER TABLE t ALTER COLUMN n TYPE INTEGER /* mine: was VARCHAR(10) */;" in out
    assert "ALTER TABLE t RENAME TO u /* to u */;" in out
