"""The application's tables, with two types of its own that compare themselves with what the
database reports (``compare_against_backend``), as autogenerate asks them to."""

from typing import Any

import sqlalchemy as sa


class AccountCode(sa.types.TypeDecorator[str]):
    """An account code: at most 20 characters.  A wider VARCHAR in the database is as good (the
    first revision made it 32 wide), so autogenerate must not propose narrowing it."""

    impl = sa.String(20)
    cache_ok = True

    def compare_against_backend(self, dialect: Any, conn_type: Any) -> bool | None:
        if isinstance(conn_type, sa.String):
            return (conn_type.length or 0) >= 20
        return False


class Cents(sa.types.TypeDecorator[int]):
    """An amount in cents, stored as a BIGINT; an INTEGER column counts as a difference, anything
    else is left to the tool's own comparison (``None``)."""

    impl = sa.BigInteger
    cache_ok = True

    def compare_against_backend(self, dialect: Any, conn_type: Any) -> bool | None:
        if isinstance(conn_type, sa.BigInteger):
            return True
        if isinstance(conn_type, sa.Integer):
            return False
        return None


metadata = sa.MetaData()

sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", AccountCode(), nullable=False),
    sa.Column("balance", Cents(), nullable=True),
)
