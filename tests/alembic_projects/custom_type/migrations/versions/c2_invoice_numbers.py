"""invoice numbers (the project's own operation)

Revision ID: c2
Revises: c1
Create Date: 2024-05-02 09:00:00.000000

"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "c2"
down_revision: str | Sequence[str] | None = "c1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_sequence("invoice_number_seq", start=1000)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_sequence("invoice_number_seq", start=1000)
