"""The application's tables (what env.py hands autogenerate)."""

import sqlalchemy as sa

metadata = sa.MetaData()

sa.Table(
    "warehouses",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("city", sa.String(60), nullable=False),
)
sa.Table(
    "stock",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("warehouse_id", sa.Integer, sa.ForeignKey("warehouses.id"), nullable=False),
    sa.Column("sku", sa.String(30), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False, server_default="0"),
)
