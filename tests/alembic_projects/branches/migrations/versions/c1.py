"""core: users

Revision ID: c1
Revises: None
"""

import sqlalchemy as sa
from alembic import op

revision = "c1"
down_revision = None
branch_labels = ("core",)
depends_on = None


def upgrade():
    op.create_table("users", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("users")
