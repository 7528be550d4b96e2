"""A project's DefaultImpl subclass overriding Alembic's DDL methods, with Alembic's signatures:
still calls the overrides where Alembic calls them, with Alembic's arguments
(``alter_column(table, column, nullable=..., name=...)``, ``add_constraint(const)``,
``drop_constraint(const)``, ``drop_column(table, Column)``, ``create_index(index, **kw)`` ...),
and what an override does takes effect.  Batch mode asks ``requires_recreate_in_batch`` (with
Alembic's ``batch_op.batch``), ``prep_table_for_batch`` and ``cast_for_batch_migrate``.

The implementation is handed over as Alembic's ``Operations(migration_context, impl=...)``
allows, so nothing is registered for the dialect beyond the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from still.operations.base import Operations
from still.runtime.migration import MigrationContext
from tests.conftest import engine_for, kind_of


def _recording(impl: Any, calls: list[tuple[Any, ...]], **hooks: Any) -> Any:
    """A subclass of ``impl``'s class recording Alembic's DDL methods (no ``__dialect__``: it
    is registered for nothing), with ``hooks`` replacing batch mode's."""

    class Recording(type(impl)):  # type: ignore[misc]
        def create_table(self, table: sa.Table, **kw: Any) -> None:
            calls.append(("create_table", table.name, kw))
            super().create_table(table, **kw)

        def drop_table(self, table: sa.Table, **kw: Any) -> None:
            calls.append(("drop_table", table.name, kw))
            super().drop_table(table, **kw)

        def add_column(
            self,
            table_name: str,
            column: sa.Column[Any],
            *,
            schema: str | None = None,
            if_not_exists: bool | None = None,
            inline_references: bool | None = None,
            inline_primary_key: bool | None = None,
        ) -> None:
            calls.append(("add_column", table_name, column.name, schema))
            super().add_column(table_name, column, schema=schema, if_not_exists=if_not_exists)

        def drop_column(
            self,
            table_name: str,
            column: Any,
            *,
            schema: str | None = None,
            if_exists: bool | None = None,
            **kw: Any,
        ) -> None:
            calls.append(("drop_column", table_name, type(column).__name__, column.name))
            super().drop_column(table_name, column, schema=schema, if_exists=if_exists, **kw)

        def alter_column(
            self,
            table_name: str,
            column_name: str,
            *,
            nullable: bool | None = None,
            server_default: Any = False,
            name: str | None = None,
            type_: Any = None,
            schema: str | None = None,
            autoincrement: bool | None = None,
            comment: Any = False,
            existing_comment: str | None = None,
            existing_type: Any = None,
            existing_server_default: Any = None,
            existing_nullable: bool | None = None,
            existing_autoincrement: bool | None = None,
            **kw: Any,
        ) -> None:
            calls.append(("alter_column", table_name, column_name, name, existing_type))
            super().alter_column(
                table_name,
                column_name,
                nullable=nullable,
                server_default=server_default,
                name=name,
                type_=type_,
                schema=schema,
                existing_type=existing_type,
                existing_nullable=existing_nullable,
                **kw,
            )

        def add_constraint(self, const: Any, **kw: Any) -> None:
            calls.append(("add_constraint", type(const).__name__, const.name))
            super().add_constraint(const, **kw)

        def drop_constraint(self, const: Any, **kw: Any) -> None:
            calls.append(("drop_constraint", type(const).__name__, const.name, kw))
            super().drop_constraint(const, **kw)

        def create_index(self, index: sa.Index, **kw: Any) -> None:
            calls.append(("create_index", index.name, dict(kw)))
            # the project's rule: an index is created only if it is not there yet
            super().create_index(index, **{**kw, "if_not_exists": True})

        def drop_index(self, index: sa.Index, **kw: Any) -> None:
            calls.append(("drop_index", index.name, kw))
            super().drop_index(index, **kw)

        def rename_table(
            self, old_table_name: str, new_table_name: str, schema: str | None = None
        ) -> None:
            calls.append(("rename_table", old_table_name, new_table_name, schema))
            super().rename_table(old_table_name, new_table_name, schema)

    for name, hook in hooks.items():
        setattr(Recording, name, hook)
    return Recording(
        impl.dialect,
        impl.connection,
        impl.as_sql,
        impl.transactional_ddl,
        impl.output_buffer,
        impl.context_opts,
    )


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    made = engine_for(db_url)
    yield made
    made.dispose()


def test_overrides_are_called_with_alembics_arguments(engine: sa.Engine) -> None:
    kind = kind_of(str(engine.url))
    calls: list[tuple[Any, ...]] = []
    with engine.begin() as conn:
        context = MigrationContext.configure(connection=conn)
        op = Operations(context, impl=_recording(context.impl, calls))
        assert op.impl is not context.impl
        op.create_table("pets", sa.Column("id", sa.Integer, primary_key=True))
        op.add_column("pets", sa.Column("age", sa.Integer))
        op.alter_column("pets", "age", new_column_name="years", existing_type=sa.Integer)
        op.create_index("ix_pets_years", "pets", ["years"])
        op.create_index("ix_pets_years", "pets", ["years"])  # the override makes it a no-op
        columns = {c["name"] for c in sa.inspect(conn).get_columns("pets")}
        assert columns == {"id", "years"}
        assert [i["name"] for i in sa.inspect(conn).get_indexes("pets")] == ["ix_pets_years"]
        if kind != "sqlite":  # SQLite rebuilds the table for these (Alembic: batch mode)
            op.create_unique_constraint("uq_pets_years", "pets", ["years"])
            op.drop_constraint("uq_pets_years", "pets", type_="unique")
        op.drop_index("ix_pets_years", table_name="pets")
        op.drop_column("pets", "years")
        op.rename_table("pets", "animals")
        assert {c["name"] for c in sa.inspect(conn).get_columns("animals")} == {"id"}
        op.drop_table("animals")
        assert "animals" not in sa.inspect(conn).get_table_names()
    expected: list[tuple[Any, ...]] = [
        ("create_table", "pets", {}),
        ("add_column", "pets", "age", None),
        ("alter_column", "pets", "age", "years", sa.Integer),
        ("create_index", "ix_pets_years", {}),
        ("create_index", "ix_pets_years", {}),
    ]
    if kind != "sqlite":
        expected += [
            ("add_constraint", "UniqueConstraint", "uq_pets_years"),
            ("drop_constraint", "UniqueConstraint", "uq_pets_years", {}),
        ]
    expected += [
        ("drop_index", "ix_pets_years", {}),
        ("drop_column", "pets", "Column", "years"),
        ("rename_table", "pets", "animals", None),
        ("drop_table", "animals", {}),
    ]
    assert calls == expected


def test_batch_mode_asks_the_implementation(engine: sa.Engine) -> None:
    """``requires_recreate_in_batch(batch_op)`` decides ``recreate="auto"`` (here: rebuild
    everywhere), ``prep_table_for_batch`` sees the table as it was, and
    ``cast_for_batch_migrate`` says how copied values are read (here: doubled)."""
    calls: list[tuple[Any, ...]] = []
    asked: list[Any] = []

    def requires_recreate_in_batch(self: Any, batch_op: Any) -> bool:
        asked.append([(name, args[1:], sorted(kw)) for name, args, kw in batch_op.batch])
        return bool(batch_op.batch and batch_op.batch[0][0] == "alter_column")

    def prep_table_for_batch(self: Any, batch_impl: Any, table: sa.Table) -> None:
        asked.append(("prep", batch_impl.table_name, table.name, sorted(table.c.keys())))

    def cast_for_batch_migrate(
        self: Any, existing: sa.Column[Any], existing_transfer: dict[str, Any], new_type: Any
    ) -> None:
        asked.append(("cast", existing.name, type(new_type).__name__))
        existing_transfer["expr"] = sa.cast(existing_transfer["expr"], new_type) * 2

    hooks = {
        "requires_recreate_in_batch": requires_recreate_in_batch,
        "prep_table_for_batch": prep_table_for_batch,
        "cast_for_batch_migrate": cast_for_batch_migrate,
    }
    with engine.begin() as conn:
        context = MigrationContext.configure(connection=conn)
        op = Operations(context, impl=_recording(context.impl, calls, **hooks))
        op.create_table(
            "t",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("n", sa.String(10)),
        )
        conn.execute(sa.text("INSERT INTO t (id, n) VALUES (1, '1'), (2, '21')"))
        with op.batch_alter_table("t") as batch_op:
            batch_op.alter_column("n", type_=sa.Integer, existing_type=sa.String(10))
        with op.batch_alter_table("t") as batch_op:
            batch_op.create_index("ix_t_n", ["n"])
        rows = list(conn.execute(sa.text("SELECT id, n FROM t ORDER BY id")))
        reflected = {c["name"]: c["type"] for c in sa.inspect(conn).get_columns("t")}
        indexes = [i["name"] for i in sa.inspect(conn).get_indexes("t")]
    assert asked[0] == [("alter_column", ("n",), _ALTER_KEYWORDS)]
    # as in Alembic: the change is made (the copy's CAST decided), then the table prepared
    assert asked[1] == ("cast", "n", "Integer")
    assert asked[2] == ("prep", "t", "t", ["id", "n"])
    assert asked[3] == [("create_index", (), [])]
    assert len(asked) == 4  # the second batch ran as ALTERs: no rebuild
    assert [tuple(r) for r in rows] == [(1, 2), (2, 42)]
    assert isinstance(reflected["n"], sa.Integer)
    assert indexes == ["ix_t_n"]
    # the rebuild created the new table through create_table, the index through create_index
    assert any(c[0] == "create_table" and c[1] != "t" for c in calls)
    assert ("create_index", "ix_t_n", {}) in calls


_ALTER_KEYWORDS = sorted(
    [
        "autoincrement",
        "comment",
        "existing_comment",
        "existing_nullable",
        "existing_server_default",
        "existing_type",
        "name",
        "nullable",
        "schema",
        "server_default",
        "type_",
    ]
)


def test_version_table_impl_shapes_the_version_table(engine: sa.Engine) -> None:
    """Alembic builds the version table with the implementation's ``version_table_impl()``;
    a third-party implementation registered for the dialect may add to it."""
    from still.ddl import impl as ddl_impl
    from still.ddl import impl_for

    saved = dict(ddl_impl.REGISTRY)
    base = impl_for(engine.dialect.name)

    class WithNote(base):  # type: ignore[valid-type, misc]
        __dialect__ = engine.dialect.name

        def version_table_impl(self, **kw: Any) -> sa.Table:
            table: sa.Table = super().version_table_impl(**kw)
            table.append_column(sa.Column("note", sa.String(20), server_default="applied"))
            return table

    try:
        with engine.connect() as conn:  # still commits the version table's creation itself
            context = MigrationContext.configure(connection=conn)
            assert isinstance(context.impl, WithNote)
            context._ensure_version_table()
            columns = [c["name"] for c in sa.inspect(conn).get_columns("alembic_version")]
    finally:
        ddl_impl.REGISTRY.clear()
        ddl_impl.REGISTRY.update(saved)
    assert columns == ["version_num", "note"]


def test_render_ddl_sql_expr_writes_expression_defaults(engine: sa.Engine) -> None:
    """Autogenerate writes a server default that is a SQL expression with the implementation's
    ``render_ddl_sql_expr(expr, is_server_default=True)``, where a project overrides it."""
    from still.autogenerate import api
    from still.ddl import impl as ddl_impl
    from still.ddl import impl_for

    saved = dict(ddl_impl.REGISTRY)
    base = impl_for(engine.dialect.name)
    asked: list[bool] = []

    class Rendering(base):  # type: ignore[valid-type, misc]
        __dialect__ = engine.dialect.name

        def render_ddl_sql_expr(self, expr: Any, is_server_default: bool = False, **kw: Any) -> str:
            asked.append(is_server_default)
            return super().render_ddl_sql_expr(expr, is_server_default=is_server_default) + " "

    metadata = sa.MetaData()
    sa.Table(
        "stamps",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.String(30), server_default=sa.func.lower("NOW")),
    )
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(connection=conn)
            script = api.produce_migrations(context, metadata)
            rendered = api.render_migration(script, context)
    finally:
        ddl_impl.REGISTRY.clear()
        ddl_impl.REGISTRY.update(saved)
    assert asked == [True]
    # the override's text (SQLite's own puts an expression default in parentheses)
    wrapped = "(lower('NOW'))" if engine.dialect.name == "sqlite" else "lower('NOW')"
    assert f'server_default=sa.text("{wrapped} ")' in rendered.upgrades
