"""Each private SQLAlchemy attribute still reads (still.sqla_private) means what still takes it
to mean on the installed SQLAlchemy: a release that changes one fails here, by name."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from still import sqla_private


def test_creation_order_is_the_order_items_were_made() -> None:
    first = sa.UniqueConstraint("a", name="first")
    second = sa.CheckConstraint("a > 0", name="second")
    assert sqla_private.creation_order(first) < sqla_private.creation_order(second)


def _type_made_check() -> sa.CheckConstraint:
    metadata = sa.MetaData()
    table = sa.Table(
        "t",
        metadata,
        sa.Column("mood", sa.Enum("sad", "ok", name="mood", create_constraint=True)),
        sa.CheckConstraint("1 = 1", name="plain"),
    )
    return next(
        c for c in table.constraints if isinstance(c, sa.CheckConstraint) and c.name != "plain"
    )


def test_type_bound_and_where_it_is_created() -> None:
    made = _type_made_check()
    plain = sa.CheckConstraint("1 = 1")
    assert sqla_private.type_bound(made) and not sqla_private.type_bound(plain)
    pg, lite = postgresql.dialect(), sqlite.dialect()
    assert not sqla_private.created_on(made, pg.ddl_compiler(pg, None))  # native ENUM
    assert sqla_private.created_on(made, lite.ddl_compiler(lite, None))
    assert sqla_private.created_on(plain, pg.ddl_compiler(pg, None))


def test_pending_columns_until_attached() -> None:
    unique = sa.UniqueConstraint("a", "b", name="u")
    assert list(unique.columns) == []
    assert sqla_private.pending_columns(unique) == ["a", "b"]
    column = sa.column("c")
    assert sqla_private.pending_columns(sa.CheckConstraint("c > 0")) == []
    assert sqla_private.pending_columns(sa.UniqueConstraint(column)) == [column]


def test_made_by_column_flag() -> None:
    metadata = sa.MetaData()
    table = sa.Table(
        "t",
        metadata,
        sa.Column("a", sa.Integer, unique=True),
        sa.Column("b", sa.Integer, index=True),
        sa.UniqueConstraint("b", name="given"),
        sa.Index("ix_given", "b"),
    )
    flagged = [c for c in table.constraints if sqla_private.made_by_column_flag(c)]
    assert [list(c.columns.keys()) for c in flagged] == [["a"]]
    indexed = [i.name for i in table.indexes if sqla_private.made_by_column_flag(i)]
    assert indexed == ["ix_t_b"]


def test_foreign_key_targets() -> None:
    metadata = sa.MetaData()
    owners = sa.Table("owners", metadata, sa.Column("id", sa.Integer), schema="zoo")
    by_text = sa.ForeignKey("zoo.owners.id")
    by_column = sa.ForeignKey(owners.c.id)
    assert sqla_private.column_spec(by_text) == "zoo.owners.id"
    assert sqla_private.column_spec(by_column) == "zoo.owners.id"
    assert sqla_private.target_column_given(by_column)
    assert not sqla_private.target_column_given(by_text)


def test_exclude_elements_as_given() -> None:
    constraint = postgresql.ExcludeConstraint(("room", "="), (sa.column("during"), "&&"))
    pairs = sqla_private.exclude_elements(constraint)
    assert [operator for _, operator in pairs] == ["=", "&&"]
    assert [str(expression) for expression, _ in pairs] == ["room", "during"]


def test_affinity() -> None:
    assert sqla_private.same_affinity(sa.String(10), sa.Text())
    assert sqla_private.same_affinity(sa.Integer(), sa.BigInteger())
    assert not sqla_private.same_affinity(sa.String(10), sa.Integer())


def test_the_async_connection_behind_a_sync_one() -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    async def check() -> None:
        engine = create_async_engine("sqlite+aiosqlite://")
        async with engine.connect() as connection:
            found = await connection.run_sync(sqla_private.async_connection_of)
            assert found is connection
        await engine.dispose()

    asyncio.run(check())
