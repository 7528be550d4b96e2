"""sensors

Revision ID: a1
Revises:
Create Date: 2024-04-01 10:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "a1"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "sensors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(
        sa.table("sensors", sa.column("id", sa.Integer), sa.column("label", sa.String)),
        [{"id": 1, "label": "boiler"}, {"id": 2, "label": "attic"}],
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("sensors")
