"""Operation objects as add-ons and rewriters build and read them, compared with the real
Alembic: ``from_table`` / ``to_table``, ``from_constraint`` / ``to_constraint``, ``from_index`` /
``to_index``, ``from_column`` / ``to_column``, ``reverse_into``, ``upgrade_ops_list``, ``info``,
``constraint_type``, and ``OpClass.op_name(operations, ...)``."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from still import compat
from tests.databases import required

alembic_ops = required("alembic.operations.ops")


def schema() -> tuple[sa.Table, sa.Table]:
    metadata = sa.MetaData()
    owners = sa.Table("owners", metadata, sa.Column("id", sa.Integer, primary_key=True))
    pets = sa.Table(
        "pets",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("owner_id", sa.Integer),
        sa.Column("name", sa.String(50), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["owners.id"], name="fk_pets_owner", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("name", name="uq_pets_name"),
        sa.CheckConstraint("length(name) > 0", name="ck_pets_name"),
        sa.Index("ix_pets_owner", "owner_id"),
        comment="the pets",
    )
    return owners, pets


def still_ops() -> Any:
    with compat.alembic_names():
        import alembic.operations.ops as ops

        return ops


def describe_table(table: sa.Table) -> tuple[Any, ...]:
    return (
        table.name,
        [(c.name, str(c.type), c.nullable, c.primary_key) for c in table.columns],
        sorted(
            (type(c).__name__, c.name)
            for c in table.constraints
            if not isinstance(c, sa.PrimaryKeyConstraint) or c.columns
        ),
        table.comment,
    )


@pytest.mark.parametrize("which", ["alembic", "still"])
def test_tables_round_trip(which: str) -> None:
    ops = alembic_ops if which == "alembic" else still_ops()
    _, pets = schema()
    create = ops.CreateTableOp.from_table(pets)
    assert create.table_name == "pets" and create.comment == "the pets"
    assert describe_table(create.to_table()) == describe_table(pets)
    drop = ops.DropTableOp.from_table(pets)
    assert drop.table_name == "pets"
    assert describe_table(drop.reverse().to_table())[1] == describe_table(pets)[1]
    assert create.to_diff_tuple()[0] == "add_table"
    assert drop.to_diff_tuple()[0] == "remove_table"


def constraint_fields(op: Any) -> tuple[Any, ...]:
    table = getattr(op, "table_name", None) or op.source_table  # Alembic's FK op: source_table
    common = (type(op).__name__, op.constraint_name, table, op.constraint_type)
    if op.constraint_type == "foreignkey":
        return (*common, op.source_table, op.referent_table, op.local_cols, op.remote_cols,
                op.kw.get("ondelete"))  # fmt: skip
    if op.constraint_type in ("unique", "primarykey"):
        return (*common, list(op.columns))
    return (*common, str(op.condition))


def test_constraints_from_and_to_schema_objects() -> None:
    _, pets = schema()
    found = {}
    for which, ops in (("alembic", alembic_ops), ("still", still_ops())):
        rows = []
        for constraint in sorted(pets.constraints, key=lambda c: str(c.name)):
            if isinstance(constraint, sa.PrimaryKeyConstraint):
                continue
            add = ops.AddConstraintOp.from_constraint(constraint)
            rows.append(constraint_fields(add))
            back = add.to_constraint()
            assert type(back) is type(constraint) and back.name == constraint.name
            drop = ops.DropConstraintOp.from_constraint(constraint)
            rows.append((drop.constraint_name, drop.table_name, drop.constraint_type))
            assert type(drop.to_constraint()) is type(constraint)
            assert type(drop.reverse()).__name__ == type(add).__name__
        found[which] = rows
    assert found["still"] == found["alembic"]


def test_indexes_and_columns() -> None:
    _, pets = schema()
    index = next(iter(pets.indexes))
    column = pets.c.name
    found = {}
    for which, ops in (("alembic", alembic_ops), ("still", still_ops())):
        create = ops.CreateIndexOp.from_index(index)
        drop = ops.DropIndexOp.from_index(index)
        add = ops.AddColumnOp.from_column(column)
        removed = ops.DropColumnOp.from_column_and_tablename(None, "pets", column)
        found[which] = (
            create.index_name,
            create.table_name,
            [str(e) for e in create.to_index().expressions],
            drop.index_name,
            drop.to_index().name,
            add.table_name,
            add.to_column().name,
            removed.column_name,
            removed.to_column().name,
            removed.reverse().column.name,
        )
    assert found["still"] == found["alembic"]


def test_containers_and_info() -> None:
    found = {}
    _, pets = schema()
    for which, ops in (("alembic", alembic_ops), ("still", still_ops())):
        upgrade = ops.UpgradeOps(ops=[ops.CreateTableOp.from_table(pets)])
        downgrade = ops.DowngradeOps(ops=[])
        assert upgrade.reverse_into(downgrade) is downgrade
        script = ops.MigrationScript("abc", upgrade, downgrade)
        first = script.upgrade_ops_list[0].ops[0]
        first.info["seen"] = True
        found[which] = (
            [type(o).__name__ for o in downgrade.ops],
            len(script.upgrade_ops_list),
            len(script.downgrade_ops_list),
            first.info,
            ops.ModifyTableOps("pets", []).is_empty(),
        )
    assert found["still"] == found["alembic"]


def test_alter_column_op_in_alembic_positional_order() -> None:
    ops = still_ops()
    op = ops.AlterColumnOp("pets", "name", None, sa.String(50), False, True, None, False)
    assert op.existing_nullable is True and op.nullable is False  # modify_nullable
    assert op.has_changes()
    assert not ops.AlterColumnOp("pets", "name", existing_type=sa.String(50)).has_changes()


def test_op_class_methods_run_the_operation(project: Any) -> None:
    """``ops.CreateTableOp.create_table(op, ...)`` as add-ons call it inside a migration."""
    project.write_revision(
        "a1",
        None,
        """
from alembic.operations import ops as o
o.CreateTableOp.create_table(op, "pets", sa.Column("id", sa.Integer, primary_key=True))
o.AddColumnOp.add_column(op, "pets", sa.Column("name", sa.String(20)))
with op.batch_alter_table("pets") as batch_op:
    o.CreateIndexOp.batch_create_index(batch_op, "ix_pets_name", ["name"])
""",
        "op.drop_table('pets')",
    )
    project.ok("upgrade", "head")
    inspector = project.inspector()
    assert [c["name"] for c in inspector.get_columns("pets")] == ["id", "name"]
    assert [i["name"] for i in inspector.get_indexes("pets")] == ["ix_pets_name"]
