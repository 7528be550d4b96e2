"""seed authors

Revision ID: f2
Revises: f1
"""

import sqlalchemy as sa
from alembic import op

revision = "f2"
down_revision = "f1"
branch_labels = None
depends_on = None

authors = sa.table("authors", sa.column("id", sa.Integer), sa.column("name", sa.String))


def upgrade():
    op.bulk_insert(authors, [{"id": 1, "name": "Le Guin"}, {"id": 2, "name": "Lem"}])
    op.execute(authors.update().where(authors.c.id == 2).values(name="Stanisław Lem"))


def downgrade():
    op.execute(authors.delete())
