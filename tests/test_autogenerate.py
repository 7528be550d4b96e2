"""Autogenerate, the law: for a model change, compare -> produce ops -> render them to Python and
run them -> compare again is empty -> run the downgrade -> the schema is back (and compares clean
against the old models) -> upgrade again works.  On SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from still.autogenerate import api
from still.autogenerate.renames import apply_renames, rename_candidates
from still.autogenerate.summary import summarize
from still.operations import ops
from still.operations.base import Operations
from still.runtime.migration import MigrationContext
from tests.conftest import PetClinic, engine_for

OPTS = {"compare_type": True, "compare_server_default": True}


class Db:
    """One test database, with autogenerate and still's Operations driven on it."""

    def __init__(self, url: str, **opts: Any) -> None:
        self.url = url
        self.engine = engine_for(url)
        self.opts = {**OPTS, **opts}
        self.kind = self.engine.dialect.name

    def context(self, conn: sa.Connection) -> MigrationContext:
        return MigrationContext.configure(connection=conn, opts=self.opts)

    def compare(self, metadata: sa.MetaData) -> list[Any]:
        with self.engine.connect() as conn:
            return api.compare_metadata(self.context(conn), metadata)

    def produce(self, metadata: sa.MetaData) -> ops.MigrationScript:
        with self.engine.connect() as conn:
            return api.produce_migrations(self.context(conn), metadata)

    def run_rendered(self, script: ops.MigrationScript, direction: str = "upgrade") -> str:
        """Render the script as a revision file would hold it and run one side of it (committed
        at the end, as a run is; an autocommit_block() inside commits on its own)."""
        with self.engine.connect() as conn:
            ctx = self.context(conn)
            rendered = api.render_migration(script, ctx)
            body = rendered.upgrades if direction == "upgrade" else rendered.downgrades
            source = "\n".join(
                [
                    "import sqlalchemy as sa",
                    rendered.imports_text,
                    f"def {direction}():",
                    body,
                ]
            )
            namespace: dict[str, Any] = {"op": Operations(ctx)}
            exec(compile(source, f"<{direction}>", "exec"), namespace)
            namespace[direction]()
            if conn.in_transaction():
                conn.commit()
        return body

    def run_ops(self, operations: ops.UpgradeOps | ops.DowngradeOps) -> None:
        """Run the operation objects directly (no rendering)."""
        with self.engine.begin() as conn:
            Operations(self.context(conn)).invoke(operations)

    def snapshot(self) -> dict[str, Any]:
        inspector = sa.inspect(self.engine)
        result: dict[str, Any] = {}
        for table in sorted(inspector.get_table_names()):
            columns = [
                (c["name"], str(c["type"]), c["nullable"], c.get("comment"))
                for c in inspector.get_columns(table)
            ]
            fks = sorted(
                (
                    tuple(f["constrained_columns"]),
                    f["referred_table"],
                    tuple(f["referred_columns"]),
                    str(sorted((f.get("options") or {}).items())),
                )
                for f in inspector.get_foreign_keys(table)
            )
            indexes = sorted(
                (i["name"] or "", tuple(map(str, i["column_names"])), bool(i["unique"]))
                for i in inspector.get_indexes(table)
            )
            uniques = sorted(
                tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)
            )
            result[table] = (columns, fks, indexes, uniques)
        return result

    def law(self, before: sa.MetaData, after: sa.MetaData, rendered: bool = True) -> Any:
        """Bring the database to ``before``; then the law for ``before`` -> ``after``."""
        if self.compare(before):
            self.run_ops(self.produce(before).upgrade_ops)
        assert self.compare(before) == []
        schema_before = self.snapshot()
        script = self.produce(after)
        diffs = self.compare(after)
        assert diffs, "the change was not detected"
        run = self.run_rendered if rendered else None
        if run:
            run(script, "upgrade")
        else:
            self.run_ops(script.upgrade_ops)
        assert self.compare(after) == []
        if run:
            run(script, "downgrade")
        else:
            self.run_ops(script.downgrade_ops)
        assert self.snapshot() == schema_before
        assert self.compare(before) == []
        self.run_ops(script.upgrade_ops)
        assert self.compare(after) == []
        return script, diffs

    def dispose(self) -> None:
        self.engine.dispose()


@pytest.fixture
def db(db_url: str) -> Any:
    database = Db(db_url)
    yield database
    database.dispose()


def body(text: str) -> str:
    """A rendered template body without the review markers, one operation per line."""
    return "\n".join(
        line.strip() for line in text.splitlines() if not line.strip().startswith("# ###")
    ).strip()


def kinds(diffs: list[Any]) -> list[str]:
    return [d[0][0] if isinstance(d, list) else d[0] for d in diffs]


# -- the pet clinic, step by step -----------------------------------------------------------------


def test_petclinic_step_by_step(db: Db, petclinic_models: PetClinic) -> None:
    empty = sa.MetaData()
    initial = petclinic_models.metadata()
    script, diffs = db.law(empty, initial)
    assert kinds(diffs) == ["add_table"] * 5
    created = [op.table_name for op in script.upgrade_ops.ops]  # foreign-key order
    assert created.index("owners") < created.index("pets") < created.index("manipulation_facts")
    assert [op.table_name for op in script.downgrade_ops.ops] == list(reversed(created))

    with_age = petclinic_models.metadata(age=True)
    script, diffs = db.law(initial, with_age)
    assert kinds(diffs) == ["add_column"]
    assert body(api.render_migration(script).upgrades) == (
        "op.add_column('pets', sa.Column('age', sa.Integer(), nullable=True))"
    )
    assert body(api.render_migration(script).downgrades) == "op.drop_column('pets', 'age')"

    with_index = petclinic_models.metadata(age=True, index=True)
    script, diffs = db.law(with_age, with_index)
    assert kinds(diffs) == ["add_index"]
    assert body(api.render_migration(script).upgrades) == (
        "op.create_index('ix_pet_owner_id', 'pets', ['owner_id'], unique=False)"
    )
    # and dropping the index again (on MariaDB, InnoDB's own index for the foreign key comes back
    # and is not reported)
    script, diffs = db.law(with_index, with_age)
    assert kinds(diffs) == ["remove_index"]


def test_models_not_imported_diagnosis(db: Db, petclinic_models: PetClinic) -> None:
    db.run_ops(db.produce(petclinic_models.metadata()).upgrade_ops)
    summary = summarize(db.produce(sa.MetaData()))
    assert summary.models_not_imported
    assert "does not import the model modules" in (summary.diagnosis or "")
    assert len(summary.data_loss) == 5
    other = sa.MetaData()
    sa.Table("unrelated", other, sa.Column("id", sa.Integer, primary_key=True))
    summary = summarize(db.produce(other))
    assert "Every table in the database (5) would be dropped" in (summary.diagnosis or "")
    assert not summarize(db.produce(petclinic_models.metadata(age=True))).models_not_imported


# -- columns --------------------------------------------------------------------------------------


def _people(**columns: Callable[[], sa.Column[Any]]) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "people",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        *[make() for make in columns.values()],
    )
    return metadata


def test_nullable_type_default_and_comment(db: Db) -> None:
    before = _people(
        name=lambda: sa.Column("name", sa.String(50), nullable=True),
        score=lambda: sa.Column("score", sa.Integer, server_default=sa.text("0")),
        nick=lambda: sa.Column("nick", sa.String(20), server_default="x", comment="old"),
    )
    after = _people(
        name=lambda: sa.Column("name", sa.String(100), nullable=False),
        score=lambda: sa.Column("score", sa.BigInteger, server_default=sa.text("5")),
        nick=lambda: sa.Column("nick", sa.String(20), server_default="y", comment="new"),
    )
    script, diffs = db.law(before, after)
    found = {d[0] for group in diffs for d in group}
    expected = {"modify_nullable", "modify_type", "modify_default"}
    if db.kind != "sqlite":
        expected.add("modify_comment")
    assert found == expected
    assert not summarize(script).data_loss  # both type changes widen
    back = db.produce(before)  # narrowing is flagged
    assert any("narrows" in (f.data_loss or "") for f in summarize(back).data_loss)


def test_columns_added_and_dropped_and_renames(db: Db) -> None:
    before = _people(
        old=lambda: sa.Column("old_name", sa.String(40), nullable=False, server_default="a"),
        gone=lambda: sa.Column("gone", sa.Integer),
    )
    after = _people(
        new=lambda: sa.Column("new_name", sa.String(40), nullable=False, server_default="a"),
        extra=lambda: sa.Column("extra", sa.Text),
    )
    script, diffs = db.law(before, after)
    assert sorted(kinds(diffs)) == ["add_column", "add_column", "remove_column", "remove_column"]
    summary = summarize(script)
    assert {f.op.column_name for f in summary.data_loss} == {"old_name", "gone"}  # type: ignore[attr-defined]
    # a dropped column and an added one of the same shape: a candidate, not a decision
    db.run_ops(script.downgrade_ops)
    script = db.produce(after)
    candidates = rename_candidates(script)
    assert [str(c) for c in candidates] == ["column people.old_name -> people.new_name"]
    apply_renames(script, candidates)
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO people (id, old_name) VALUES (1, 'kept')"))
    db.run_rendered(script, "upgrade")
    assert db.compare(after) == []
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT new_name FROM people")).scalar() == "kept"
    db.run_rendered(script, "downgrade")
    assert db.compare(before) == []


def test_table_rename_candidate(db: Db) -> None:
    before = sa.MetaData()
    sa.Table(
        "animal", before, sa.Column("id", sa.Integer, primary_key=True), sa.Column("n", sa.Text)
    )
    after = sa.MetaData()
    sa.Table("beast", after, sa.Column("id", sa.Integer, primary_key=True), sa.Column("n", sa.Text))
    db.run_ops(db.produce(before).upgrade_ops)
    script = db.produce(after)
    candidates = rename_candidates(script)
    assert [str(c) for c in candidates] == ["table animal -> beast"]
    apply_renames(script, candidates)
    assert "op.rename_table('animal', 'beast')" in api.render_migration(script).upgrades
    db.run_rendered(script, "upgrade")
    assert db.compare(after) == []
    db.run_rendered(script, "downgrade")
    assert db.compare(before) == []


# -- indexes, unique constraints, foreign keys ----------------------------------------------------


def _shop(variant: int) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "customer",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(100)),
        sa.Column("code", sa.String(20)),
        sa.Column("region", sa.String(20)),
    )
    orders = sa.Table(
        "orders",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("customer_id", sa.Integer),
        sa.Column("placed", sa.DateTime),
        sa.Column("note", sa.String(30)),
    )
    customer = metadata.tables["customer"]
    if variant >= 1:
        customer.append_constraint(sa.UniqueConstraint("email", name="uq_customer_email"))
        sa.Index("ix_customer_region_code", customer.c.region, customer.c.code)
        sa.Index("ix_orders_note", orders.c.note, unique=True)
        orders.append_constraint(
            sa.ForeignKeyConstraint(
                ["customer_id"], ["customer.id"], name="fk_orders_customer", ondelete="CASCADE"
            )
        )
    if variant >= 2:  # change ondelete, index columns, uniqueness
        orders.constraints.discard(
            next(c for c in orders.constraints if isinstance(c, sa.ForeignKeyConstraint))
        )
        metadata2 = sa.MetaData()
        for table in metadata.tables.values():
            table.to_metadata(metadata2)
        orders2 = metadata2.tables["orders"]
        for fk in list(orders2.foreign_key_constraints):
            orders2.constraints.discard(fk)
        orders2.append_constraint(
            sa.ForeignKeyConstraint(
                ["customer_id"], ["customer.id"], name="fk_orders_customer", ondelete="SET NULL"
            )
        )
        customer2 = metadata2.tables["customer"]
        ix = next(i for i in customer2.indexes if i.name == "ix_customer_region_code")
        customer2.indexes.discard(ix)
        sa.Index("ix_customer_region_code", customer2.c.code, customer2.c.region)
        return metadata2
    return metadata


def test_indexes_uniques_and_foreign_keys(db: Db) -> None:
    _, diffs = db.law(_shop(0), _shop(1))
    assert sorted(kinds(diffs)) == ["add_constraint", "add_fk", "add_index", "add_index"]
    _, diffs = db.law(_shop(1), _shop(2))
    assert sorted(kinds(diffs)) == ["add_fk", "add_index", "remove_fk", "remove_index"]
    _script, diffs = db.law(_shop(2), _shop(0))
    assert "remove_fk" in kinds(diffs)


def test_unnamed_constraints_are_dropped_by_the_database_name(db: Db) -> None:
    if db.kind == "sqlite":
        pytest.skip("SQLite's unnamed constraints have no name to drop them by")
    before = _shop(0)
    after = _shop(0)
    after.tables["customer"].append_constraint(sa.UniqueConstraint("email"))
    after.tables["orders"].append_constraint(
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"])
    )
    script, _diffs = db.law(before, after)
    rendered = api.render_migration(script).downgrades
    if db.kind == "postgresql":
        assert "'customer_email_key'" in rendered and "'orders_customer_id_fkey'" in rendered
    else:
        assert "'email'" in rendered and "'orders_ibfk_1'" in rendered


def test_mutually_dependent_tables(db: Db) -> None:
    metadata = sa.MetaData()
    sa.Table(
        "a",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("b_id", sa.Integer, sa.ForeignKey("b.id", name="fk_a_b")),
    )
    sa.Table(
        "b",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("a_id", sa.Integer, sa.ForeignKey("a.id", name="fk_b_a")),
    )
    _script, diffs = db.law(sa.MetaData(), metadata)
    assert kinds(diffs) == ["add_table", "add_table"]


def test_table_comment(db: Db) -> None:
    if db.kind == "sqlite":
        pytest.skip("SQLite has no comments")
    before = _people(n=lambda: sa.Column("n", sa.Integer))
    after = _people(n=lambda: sa.Column("n", sa.Integer))
    after.tables["people"].comment = "everyone"
    _script, diffs = db.law(before, after)
    assert kinds(diffs) == ["add_table_comment"]


# -- types and defaults that must not show as changes ---------------------------------------------


def _types(kind: str) -> sa.MetaData:
    metadata = sa.MetaData()
    columns: list[sa.Column[Any]] = [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("small", sa.SmallInteger, server_default=sa.text("1")),
        sa.Column("big", sa.BigInteger, server_default="2"),
        sa.Column("text", sa.Text),
        sa.Column("name", sa.String(30), server_default="a'b"),
        sa.Column("flag", sa.Boolean, server_default=sa.true()),
        sa.Column("flag2", sa.Boolean, server_default=sa.text("false")),
        sa.Column("money", sa.Numeric(12, 3), server_default=sa.text("1.50")),
        sa.Column("ratio", sa.Float),
        sa.Column("day", sa.Date),
        sa.Column("at", sa.DateTime, server_default=sa.func.now()),
        sa.Column("at2", sa.DateTime, server_default=sa.text("CURRENT_TIMESTAMP")),
        sa.Column("clock", sa.Time),
        sa.Column("blob", sa.LargeBinary),
        sa.Column("choice", sa.Enum("x", "y", name="choice_kind")),
        sa.Column("doc", sa.JSON),
        sa.Column("fixed", sa.CHAR(3)),
    ]
    if kind == "postgresql":
        from sqlalchemy.dialects import postgresql

        columns += [
            sa.Column("uid", sa.Uuid),
            sa.Column("tags", postgresql.ARRAY(sa.String(10))),
            sa.Column("data", postgresql.JSONB, server_default=sa.text("'{}'::jsonb")),
            sa.Column("span", sa.Interval),
            sa.Column("tz", sa.DateTime(timezone=True), server_default=sa.text("now()")),
        ]
    if kind in ("mysql", "mariadb"):
        from sqlalchemy.dialects import mysql

        columns += [
            sa.Column("tiny", mysql.TINYINT),
            sa.Column("medium", mysql.MEDIUMTEXT),
            sa.Column("year", mysql.YEAR),
        ]
    sa.Table("everything", metadata, *columns)
    return metadata


def test_every_type_and_default_compares_clean(db: Db) -> None:
    _script, diffs = db.law(sa.MetaData(), _types(db.kind))
    assert kinds(diffs)[-1] == "add_table"


def test_type_change_detected_and_compare_type_callable(db: Db) -> None:
    before = _people(n=lambda: sa.Column("n", sa.String(10)))
    after = _people(n=lambda: sa.Column("n", sa.String(20)))
    db.run_ops(db.produce(before).upgrade_ops)
    assert db.compare(after)[0][0][0] == "modify_type"
    calls: list[Any] = []

    def never(context: Any, conn_col: Any, meta_col: Any, conn_type: Any, meta_type: Any) -> bool:
        calls.append(meta_col.name)
        return False

    assert Db(db.url, compare_type=never).compare(after) == []
    assert "n" in calls
    assert Db(db.url, compare_type=False).compare(after) == []


# -- options ---------------------------------------------------------------------------------------


def test_version_table_own_tables_and_filters(db: Db, petclinic_models: PetClinic) -> None:
    metadata = petclinic_models.metadata()
    db.run_ops(db.produce(metadata).upgrade_ops)
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32))"))
        conn.execute(sa.text("CREATE TABLE still_notes (id INTEGER)"))
        conn.execute(sa.text("CREATE TABLE legacy (id INTEGER)"))
        conn.execute(sa.text("CREATE TABLE my_version (v VARCHAR(32))"))
    assert kinds(db.compare(metadata)) == ["remove_table", "remove_table"]  # legacy, my_version
    # with another version table, alembic_version is an ordinary table
    removed = Db(db.url, version_table="my_version").compare(metadata)
    assert sorted(d[1].name for d in removed) == ["alembic_version", "legacy"]

    def include_name(name: Any, type_: str, parents: Any) -> bool:
        return not (type_ == "table" and name in ("legacy", "my_version"))

    assert Db(db.url, include_name=include_name).compare(metadata) == []

    def include_object(obj: Any, name: Any, type_: str, reflected: bool, compare_to: Any) -> bool:
        return not (type_ == "table" and reflected and compare_to is None)

    assert Db(db.url, include_object=include_object).compare(metadata) == []
    # target_metadata from the context's options, and a list of metadatas
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(
            connection=conn, opts={"target_metadata": [metadata], "include_name": include_name}
        )
        assert api.produce_migrations(ctx).upgrade_ops.ops == []


def test_render_as_batch_runs(db: Db) -> None:
    before = _people(n=lambda: sa.Column("n", sa.String(10)))
    after = _people(
        n=lambda: sa.Column("n", sa.String(20), nullable=False),
        m=lambda: sa.Column("m", sa.Integer),
    )
    after.tables["people"].append_constraint(sa.UniqueConstraint("n", name="uq_people_n"))
    batch = Db(db.url, render_as_batch=True)
    script, _ = batch.law(before, after)
    text = api.render_migration(script, render_as_batch=True).upgrades
    assert "with op.batch_alter_table('people') as batch_op:" in text
    assert "batch_op.add_column(sa.Column('m'" in text
    batch.dispose()


def test_one_bulk_reflection_per_schema(db: Db) -> None:
    def statements_for(count: int) -> int:
        metadata = sa.MetaData()
        for i in range(count):
            sa.Table(
                f"t{count}_{i}",
                metadata,
                sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("v", sa.String(10), index=True),
            )
        db.run_ops(db.produce(metadata).upgrade_ops)
        seen: list[str] = []
        with db.engine.connect() as conn:
            sa.event.listen(conn, "before_cursor_execute", lambda *a: seen.append(a[2]))
            assert api.compare_metadata(db.context(conn), metadata) == []
        db.run_ops(db.produce(metadata).downgrade_ops)
        return len(seen)

    if db.kind != "postgresql":
        pytest.skip(
            "SQLAlchemy's SQLite and MySQL dialects implement the multi-table methods table by "
            "table (PRAGMA / SHOW CREATE TABLE): nothing to gain there"
        )
    statements_for(2)  # the first connection asks one-time questions (version, schema)
    assert statements_for(3) == statements_for(12)


# -- PostgreSQL enums -----------------------------------------------------------------------------


def _moods(*values: str, table: bool = True) -> sa.MetaData:
    metadata = sa.MetaData()
    if table:
        sa.Table(
            "diary",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("mood", sa.Enum(*values, name="mood")),
        )
    return metadata


def test_postgresql_enums(db: Db) -> None:
    if db.kind != "postgresql":
        pytest.skip("native enum types are PostgreSQL's")
    script, diffs = db.law(sa.MetaData(), _moods("sad", "ok"))
    assert kinds(diffs) == ["add_enum", "add_table"]
    upgrades = api.render_migration(script).upgrades
    assert upgrades.index("CREATE TYPE mood") < upgrades.index("create_table")
    downgrades = api.render_migration(script).downgrades
    assert downgrades.index("drop_table") < downgrades.index("DROP TYPE mood")
    script, diffs = db.law(_moods("sad", "ok"), _moods("sad", "meh", "ok", "happy"))
    assert kinds(diffs) == ["modify_enum"]
    upgrades = api.render_migration(script).upgrades
    assert "ADD VALUE 'meh' AFTER 'sad'" in upgrades and "ADD VALUE 'happy' AFTER 'ok'" in upgrades
    assert "with op.get_context().autocommit_block():" in upgrades  # committed before use
    assert "RENAME" not in upgrades  # appending never rewrites the table
    assert not summarize(script).data_loss
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO diary (id, mood) VALUES (1, 'ok')"))
    script, diffs = db.law(_moods("sad", "meh", "ok", "happy"), _moods("ok", "sad"))
    assert "RENAME TO" in api.render_migration(script).upgrades
    assert summarize(script).data_loss
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT mood::text FROM diary")).scalar() == "ok"
