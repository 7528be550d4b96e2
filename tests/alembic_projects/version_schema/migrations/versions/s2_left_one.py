"""left one

Revision ID: s2
Revises: s1
Create Date: 2024-06-01 12:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "s2"
down_revision: str | Sequence[str] | None = "s1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table("left_one", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("left_one")
