"""The application's tables (what env.py hands autogenerate)."""

import sqlalchemy as sa

metadata = sa.MetaData()

sa.Table(
    "customers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(120), nullable=False, unique=True),
    sa.Column("name", sa.String(80)),
)
sa.Table(
    "orders",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id"), nullable=False),
    sa.Column("total", sa.Numeric(10, 2), nullable=False, index=True),
)
