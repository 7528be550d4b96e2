"""reports: by name

Revision ID: r2
Revises: r1
"""

from alembic import op

revision = "r2"
down_revision = "r1"
branch_labels = None
depends_on = "c2"


def upgrade():
    op.create_index("ix_users_name", "users", ["name"])


def downgrade():
    op.drop_index("ix_users_name", table_name="users")
