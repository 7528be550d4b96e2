"""customer name

Revision ID: g3
Revises: g2
Create Date: 2024-03-03 09:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "g3"
down_revision: str | Sequence[str] | None = "g2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("customers", sa.Column("name", sa.String(length=80), nullable=True))
    op.execute("UPDATE customers SET name = email")


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("customers", "name")
