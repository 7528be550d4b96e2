"""The application's tables (what env.py hands autogenerate)."""

import sqlalchemy as sa

metadata = sa.MetaData()

sa.Table(
    "sensors",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("label", sa.String(60), nullable=False),
    sa.Column("unit", sa.String(10)),  # in no revision yet: autogenerate adds it
)
sa.Table(
    "readings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sensor_id", sa.Integer, sa.ForeignKey("sensors.id"), nullable=False),
    sa.Column("value", sa.Float, nullable=False),
)
