"""core: user names

Revision ID: c2
Revises: c1
"""

import sqlalchemy as sa
from alembic import op

revision = "c2"
down_revision = "c1"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("name", sa.String(50)))


def downgrade():
    op.drop_column("users", "name")
