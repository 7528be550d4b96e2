"""locked users

Revision ID: m2
Revises: m1
Create Date: 2024-05-02 12:00:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "m2"
down_revision: str | Sequence[str] | None = "m1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade(engine_name: str) -> None:
    """Upgrade the database named engine_name."""
    globals()[f"upgrade_{engine_name}"]()


def downgrade(engine_name: str) -> None:
    """Downgrade the database named engine_name."""
    globals()[f"downgrade_{engine_name}"]()


def upgrade_accounts() -> None:
    op.add_column(
        "users",
        sa.Column("locked", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade_accounts() -> None:
    op.drop_column("users", "locked")


def upgrade_audit() -> None:
    pass


def downgrade_audit() -> None:
    pass
