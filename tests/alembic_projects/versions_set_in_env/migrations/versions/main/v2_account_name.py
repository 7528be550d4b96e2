"""account name

Revision ID: v2
Revises: v1
"""

import sqlalchemy as sa
from alembic import op

revision = "v2"
down_revision = "v1"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("accounts", sa.Column("name", sa.String(80)))
    op.create_index("ix_accounts_name", "accounts", ["name"])


def downgrade():
    op.drop_index("ix_accounts_name", table_name="accounts")
    op.drop_column("accounts", "name")
