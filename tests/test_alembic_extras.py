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
