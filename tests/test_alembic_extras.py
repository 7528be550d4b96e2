"""Alembic's interface where add-ons and rewriters reach below `op`: hand-built operation
objects under Alembic's names, `on_version_apply`, user DefaultImpl subclasses, and
`from alembic.op import ...` at the top of a revision file."""

from __future__ import annotations

from still.ddl import impl_for
from still.ddl.impl import DefaultImpl
from still.operations import ops
from tests.conftest import Project


def test_alembic_constructors_build_still_operations() -> None:
    alter = ops.AlterColumnOp("pets", "name", modify_nullable=False, modify_name="title")
    assert (alter.nullable, alter.new_column_name) == (False, "title")
    assert (alter.modify_nullable, alter.modify_name) == (False, "title")
    fk = ops.CreateForeignKeyOp(
        "fk_pets_owner", "pets", "owners", ["owner_id"], ["id"], ondelete="CASCADE"
    )
    assert isinstance(fk, ops.AddConstraintOp) and fk.kind == "foreignkey"
    assert fk.spec["ondelete"] == "CASCADE" and fk.reverse().type_ == "foreignkey"
    unique = ops.CreateUniqueConstraintOp("uq_name", "pets", ["name"])
    assert unique.kind == "unique" and unique.spec["columns"] == ["name"]
    assert ops.CreatePrimaryKeyOp("pk", "pets", ["id"]).kind == "primary"
    assert ops.CreateCheckConstraintOp("ck", "pets", "age > 0").spec["condition"] == "age > 0"


def test_a_user_impl_for_a_dialect_is_registered() -> None:
    class WarehouseImpl(DefaultImpl):
        __dialect__ = "stillwarehouse"
        transactional_ddl = True

    assert impl_for("stillwarehouse") is WarehouseImpl


def test_on_version_apply_and_module_level_op_imports(project: Project) -> None:
    project.write_revision(
        "v1",
        None,
        "create_table('pets', sa.Column('id', sa.Integer, primary_key=True))",
        "drop_table('pets')",
    )
    path = next(project.versions_dir.glob("v1_*.py"))
    path.write_text(
        path.read_text().replace(
            "from alembic import op\n",
            "from alembic import op\nfrom alembic.op import create_table, drop_table\n",
        )
    )
    project.write_revision(
        "v2",
        "v1",
        "op.invoke(ops.CreateUniqueConstraintOp('uq_pets_id', 'pets', ['id']))",
        "op.drop_constraint('uq_pets_id', 'pets', type_='unique')",
    )
    v2 = next(project.versions_dir.glob("v2_*.py"))
    v2.write_text(
        v2.read_text().replace(
            "from alembic import op\n",
            "from alembic import op\nfrom alembic.operations import ops\n",
        )
    )
    log = project.root / "applied.txt"
    line = 'f"{step.up_revision_id} {step.is_upgrade} {sorted(heads)}\\n"'
    project.configure_with(
        f"on_version_apply=lambda ctx, step, heads, run_args: open({str(log)!r}, 'a').write({line})"
    )
    project.ok("upgrade", "head")
    project.ok("downgrade", "-1")
    assert log.read_text().splitlines() == [
        "v1 True ['v1']",
        "v2 True ['v2']",
        "v2 False ['v1']",
    ]
    assert "pets" in project.tables()
    uniques = project.inspector().get_unique_constraints("pets")
    assert not [u for u in uniques if u["name"] == "uq_pets_id"]


def test_alter_table_op_and_op_container_are_the_bases_add_ons_use() -> None:
    from still.alembic_names.operations_ops import AlterTableOp, OpContainer

    class EnableRowSecurityOp(AlterTableOp):
        pass

    custom = EnableRowSecurityOp("pets", schema="zoo")
    assert (custom.table_name, custom.schema) == ("pets", "zoo")
    assert isinstance(custom, ops.MigrateOperation)
    assert isinstance(ops.AlterColumnOp("pets", "name", nullable=False), AlterTableOp)
    assert isinstance(ops.RenameTableOp("pets", "animals"), AlterTableOp)
    assert not isinstance(ops.CreateTableOp("pets", []), AlterTableOp)
    upgrade = ops.UpgradeOps([ops.ModifyTableOps("pets", [])])
    assert isinstance(upgrade, OpContainer) and isinstance(upgrade.ops[0], OpContainer)
    assert OpContainer([]).is_empty()


def test_to_diff_tuple_gives_what_compare_metadata_reports() -> None:
    import sqlalchemy as sa

    create = ops.CreateTableOp(
        "pets",
        [sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(20))],
    )
    kind, table = create.to_diff_tuple()
    assert kind == "add_table" and isinstance(table, sa.Table)
    assert [c.name for c in table.columns] == ["id", "name"]
    assert create.columns[0].table is None  # the operation's own columns are left alone
    kind, dropped = create.reverse().to_diff_tuple()
    assert kind == "remove_table" and [c.name for c in dropped.columns] == ["id", "name"]

    column = sa.Column("age", sa.Integer)
    add = ops.AddColumnOp("pets", column)
    assert add.to_diff_tuple() == ("add_column", None, "pets", column)
    assert add.reverse().to_diff_tuple() == ("remove_column", None, "pets", column)
    assert ops.DropColumnOp("pets", "age").to_diff_tuple()[3].name == "age"

    kind, index = ops.CreateIndexOp("ix_pets_name", "pets", ["name"], unique=True).to_diff_tuple()
    assert kind == "add_index" and index.name == "ix_pets_name" and index.unique
    assert ops.DropIndexOp("ix_pets_name", "pets").to_diff_tuple()[0] == "remove_index"

    fk = ops.CreateForeignKeyOp("fk_pets_owner", "pets", "owners", ["owner_id"], ["id"])
    kind, constraint = fk.to_diff_tuple()
    assert kind == "add_fk" and isinstance(constraint, sa.ForeignKeyConstraint)
    assert fk.reverse().to_diff_tuple()[0] == "remove_fk"
    kind, unique = ops.CreateUniqueConstraintOp("uq_name", "pets", ["name"]).to_diff_tuple()
    assert kind == "add_constraint" and isinstance(unique, sa.UniqueConstraint)
    drop = ops.DropConstraintOp("uq_name", "pets", "unique").to_diff_tuple()
    assert drop[0] == "remove_constraint" and drop[1].name == "uq_name"

    alter = ops.AlterColumnOp(
        "pets", "name", modify_nullable=False, existing_type=sa.String(20), existing_nullable=True
    )
    [(kind, schema, table_name, column_name, existing, old, new)] = alter.to_diff_tuple()
    assert (kind, schema, table_name, column_name, old, new) == (
        "modify_nullable",
        None,
        "pets",
        "name",
        True,
        False,
    )
    assert isinstance(existing["existing_type"], sa.String)
    comment = ops.CreateTableCommentOp("pets", "the pets").to_diff_tuple()
    assert comment[0] == "add_table_comment" and comment[1].comment == "the pets"
    assert ops.DropTableCommentOp("pets").to_diff_tuple()[0] == "remove_table_comment"

    upgrade = ops.UpgradeOps([create, ops.ModifyTableOps("pets", [add, alter])])
    diffs = upgrade.as_diffs()  # type: ignore[attr-defined]
    assert [d[0] if isinstance(d, tuple) else [x[0] for x in d] for d in diffs] == [
        "add_table",
        "add_column",
        ["modify_nullable"],
    ]


def test_abstract_operations_is_the_base_of_op_and_batch_op() -> None:
    from still.operations.abstract_operations import AbstractOperations
    from still.operations.base import Operations
    from still.operations.batch import BatchImpl, BatchOperations

    assert issubclass(Operations, AbstractOperations)
    assert issubclass(BatchOperations, AbstractOperations)
    assert not issubclass(ops.AlterColumnOp, AbstractOperations)

    @AbstractOperations.register_operation("touch_table")
    class TouchTableOp(ops.MigrateOperation):
        def __init__(self, table_name: str) -> None:
            self.table_name = table_name

        @classmethod
        def touch_table(cls, operations: object, table_name: str | None = None) -> object:
            name = table_name or getattr(operations, "table_name", "")
            return operations.invoke(cls(name))  # type: ignore[attr-defined]

    touched: list[str] = []

    @AbstractOperations.implementation_for(TouchTableOp)
    def touch(operations: object, operation: TouchTableOp) -> None:
        touched.append(operation.table_name)

    assert callable(getattr(Operations, "touch_table", None))
    assert callable(getattr(BatchOperations, "touch_table", None))
    # Alembic's constructor form: the batch's table is its impl's
    batch = BatchOperations(None, impl=BatchImpl(None, "pets", None))
    batch.touch_table()  # type: ignore[attr-defined]
    # an operation with an implementation of its own runs it, with batch_op, as in Alembic
    assert touched == ["pets"]
    assert batch.collected == []
