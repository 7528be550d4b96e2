"""Operation objects render to Python that runs, and reverse into the downgrade that undoes them."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from still import command
from still.autogenerate.render import RenderContext, render_op, render_ops
from still.config import Config
from still.operations import ops
from tests.databases import KINDS, fresh_database


def operations() -> list[ops.MigrateOperation]:
    return [
        ops.CreateTableOp(
            "owners",
            [
                sa.Column("id", sa.Integer(), primary_key=True),
                sa.Column("name", sa.String(100), nullable=False, comment="full name"),
                sa.Column("score", sa.Numeric(6, 2), server_default=sa.text("0")),
            ],
        ),
        ops.CreateTableOp(
            "pets",
            [
                sa.Column("id", sa.Integer(), primary_key=True),
                sa.Column("owner_id", sa.Integer(), sa.ForeignKey("owners.id"), nullable=False),
                sa.Column("name", sa.String(50)),
                sa.UniqueConstraint("name", name="uq_pets_name"),
            ],
        ),
        ops.AddColumnOp("pets", sa.Column("age", sa.Integer(), nullable=True)),
        ops.CreateIndexOp(sa.sql.elements.conv("ix_pets_owner_id"), "pets", ["owner_id"]),
        ops.AddConstraintOp("check", "ck_pets_age", "pets", {"condition": "age >= 0"}),
    ]


def test_rendered_source() -> None:
    ctx = RenderContext()
    rendered = [render_op(op, ctx) for op in operations()]
    assert rendered[2] == "op.add_column('pets', sa.Column('age', sa.Integer(), nullable=True))"
    assert (
        rendered[3]
        == "op.create_index(op.f('ix_pets_owner_id'), 'pets', ['owner_id'], unique=False)"
    )
    assert rendered[4] == "op.create_check_constraint('ck_pets_age', 'pets', 'age >= 0')"
    assert (
        "sa.Column('name', sa.String(length=100), nullable=False, comment='full name')"
        in rendered[0]
    )
    assert "sa.PrimaryKeyConstraint('id')" in rendered[0]
    assert "sa.ForeignKeyConstraint(['owner_id'], ['owners.id'])" in rendered[1]
    assert "server_default=sa.text('0')" in rendered[0]
    from sqlalchemy.dialects import postgresql

    ctx = RenderContext()
    column = ops.AddColumnOp("pets", sa.Column("data", postgresql.JSONB()))
    assert "postgresql.JSONB(" in render_op(column, ctx)
    assert ctx.imports == {"from sqlalchemy.dialects import postgresql"}
    assert render_ops([], ctx) == "    pass"


@pytest.mark.parametrize("kind", KINDS)
def test_rendered_migration_runs_and_its_reverse_undoes_it(tmp_path: Path, kind: str) -> None:
    upgrade_ops = operations()
    if kind == "sqlite":  # a CHECK added after the fact needs a table rebuild on SQLite
        upgrade_ops = upgrade_ops[:-1]
    downgrade_ops = [op.reverse() for op in reversed(upgrade_ops)]
    ctx = RenderContext()
    source = (
        "from alembic import op\nimport sqlalchemy as sa\n\n"
        "revision = 'r1'\ndown_revision = None\n\n\n"
        f"def upgrade():\n{render_ops(upgrade_ops, ctx)}\n\n\n"
        f"def downgrade():\n{render_ops(downgrade_ops, ctx)}\n"
    )
    with fresh_database(kind, tmp_path) as url:
        command.init(
            Config(str(tmp_path / "alembic.ini"), stdout=io.StringIO()), str(tmp_path / "m")
        )
        (tmp_path / "m" / "versions" / "r1.py").write_text(source)
        config = Config(str(tmp_path / "alembic.ini"), stdout=io.StringIO())
        config.set_main_option("sqlalchemy.url", url)
        command.upgrade(config, "head")
        inspector = sa.inspect(sa.create_engine(url, poolclass=sa.pool.NullPool))
        assert {"owners", "pets"} <= set(inspector.get_table_names())
        assert {c["name"] for c in inspector.get_columns("pets")} == {
            "id",
            "owner_id",
            "name",
            "age",
        }
        assert "ix_pets_owner_id" in {i["name"] for i in inspector.get_indexes("pets")}
        assert [f["referred_table"] for f in inspector.get_foreign_keys("pets")] == ["owners"]
        command.downgrade(config, "base")
        inspector = sa.inspect(sa.create_engine(url, poolclass=sa.pool.NullPool))
        assert set(inspector.get_table_names()) - {"still_ledger"} == {"alembic_version"}


def test_irreversible_operations_say_so() -> None:
    from still.errors import IrreversibleOperation

    for op in (
        ops.DropTableOp("pets"),
        ops.DropColumnOp("pets", "age"),
        ops.ExecuteSQLOp("UPDATE pets SET age = 0"),
    ):
        with pytest.raises(IrreversibleOperation, match="Write the downgrade"):
            op.reverse()
    assert isinstance(
        ops.AddColumnOp("pets", sa.Column("age", sa.Integer)).reverse(), ops.DropColumnOp
    )
    rename = ops.RenameTableOp("a", "b").reverse()
    assert (rename.table_name, rename.new_table_name) == ("b", "a")
