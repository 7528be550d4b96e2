"""prices in cents, titles required and longer

Revision ID: b2
Revises: b1
"""

import sqlalchemy as sa
from alembic import op

revision = "b2"
down_revision = "b1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("items") as batch_op:
        batch_op.add_column(sa.Column("price_cents", sa.Integer, nullable=True))
    op.execute("UPDATE items SET price_cents = CAST(price * 100 AS INTEGER)")
    with op.batch_alter_table("items") as batch_op:
        batch_op.alter_column("price_cents", existing_type=sa.Integer, nullable=False)
        batch_op.alter_column(
            "title", existing_type=sa.String(80), type_=sa.String(120), nullable=False
        )
        batch_op.drop_column("price")


def downgrade():
    with op.batch_alter_table("items") as batch_op:
        batch_op.add_column(sa.Column("price", sa.Numeric(10, 2), nullable=True))
    op.execute("UPDATE items SET price = price_cents / 100.0")
    with op.batch_alter_table("items") as batch_op:
        batch_op.alter_column(
            "title", existing_type=sa.String(120), type_=sa.String(80), nullable=True
        )
        batch_op.drop_column("price_cents")
