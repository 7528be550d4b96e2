"""authors and books, and a legacy table autogenerate must not see

Revision ID: f1
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "f1"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "authors",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False),
    )
    op.create_table(
        "books",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("authors.id"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
    )
    op.create_table(
        "legacy_loans",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("note", sa.Text),
    )
    op.create_table("tmp_scratch", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("tmp_scratch")
    op.drop_table("legacy_loans")
    op.drop_table("books")
    op.drop_table("authors")
