"""items

Revision ID: b1
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "b1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(80), nullable=True),
        sa.Column("price", sa.Numeric(10, 2), nullable=True),
    )
    op.execute("INSERT INTO items (id, title, price) VALUES (1, 'lamp', 12.50)")


def downgrade():
    op.drop_table("items")
