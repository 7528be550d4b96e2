"""reports: monthly

Revision ID: r1
Revises: None
"""

import sqlalchemy as sa
from alembic import op

revision = "r1"
down_revision = None
branch_labels = ("reports",)
depends_on = "c1"


def upgrade():
    op.create_table(
        "monthly",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id")),
    )


def downgrade():
    op.drop_table("monthly")
