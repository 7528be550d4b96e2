"""One MetaData per database (what env.py hands autogenerate, by database name)."""

import sqlalchemy as sa

accounts = sa.MetaData()
audit = sa.MetaData()

sa.Table(
    "users",
    accounts,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("login", sa.String(40), nullable=False),
    sa.Column("locked", sa.Boolean, nullable=False, server_default=sa.false()),
)
sa.Table(
    "events",
    audit,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_login", sa.String(40), nullable=False),
    sa.Column("what", sa.String(200), nullable=False),
)
sa.Table(  # in no revision yet: autogenerate adds it to the audit database only
    "exports",
    audit,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("path", sa.String(200), nullable=False),
)
