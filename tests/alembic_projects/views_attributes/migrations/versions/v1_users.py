"""users and a view of the active ones

Revision ID: v1
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "v1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
    )
    op.create_view("active_users", "SELECT id, name FROM users WHERE active = TRUE")


def downgrade():
    op.drop_view("active_users")
    op.drop_table("users")
