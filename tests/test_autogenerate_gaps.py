"""Autogenerate beyond tables, columns, indexes and foreign keys: check constraints, computed and
identity columns, schemas, expression and partial indexes, Python-side defaults, custom types and
their imports, PostgreSQL enum swaps under a server default.  The law of test_autogenerate on
each database that has the feature."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from still.autogenerate import api
from still.autogenerate.summary import summarize
from tests.test_autogenerate import Db, body, kinds


@pytest.fixture
def db(db_url: str) -> Any:
    database = Db(db_url)
    yield database
    database.dispose()


def _stock(*checks: sa.CheckConstraint) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "stock",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("qty", sa.Integer),
        sa.Column("name", sa.String(20)),
        *checks,
    )
    return metadata


def test_check_constraints(db: Db) -> None:
    both = (
        sa.CheckConstraint("qty > 0", name="ck_qty"),
        sa.CheckConstraint("name IN ('a', 'b') AND qty < 100"),
    )
    _, diffs = db.law(sa.MetaData(), _stock(*both))
    assert kinds(diffs) == ["add_table"]
    # the unnamed one compares clean by its text, however the database rewrote it
    assert db.compare(_stock(*both)) == []
    script, diffs = db.law(_stock(*both), _stock(both[1], sa.CheckConstraint("qty < 50", "ck_max")))
    assert sorted(kinds(diffs)) == ["add_constraint", "remove_constraint"]
    text = body(api.render_migration(script).upgrades)
    assert "op.drop_constraint('ck_qty', 'stock', type_='check')" in text
    assert "op.create_check_constraint('ck_max', 'stock', 'qty < 50')" in text
    # an unnamed one added, dropped again by the name the database gives it
    script, _ = db.law(_stock(), _stock(sa.CheckConstraint("qty >= 0")))
    given = {"postgresql": "'stock_qty_check'", "mysql": "'CONSTRAINT_1'", "sqlite": "None"}
    assert f"op.drop_constraint({given[db.kind]}" in body(api.render_migration(script).downgrades)


def _sums(expression: str | None, identity: sa.Identity | None = None) -> sa.MetaData:
    metadata = sa.MetaData()
    id_args = [identity] if identity is not None else []
    columns = [
        sa.Column("id", sa.Integer, *id_args, primary_key=True),
        sa.Column("qty", sa.Integer),
    ]
    if expression:
        columns.append(sa.Column("twice", sa.Integer, sa.Computed(expression)))
    sa.Table("sums", metadata, *columns)
    return metadata


def test_computed_columns(db: Db) -> None:
    script, _ = db.law(sa.MetaData(), _sums("qty * 2"))
    assert "sa.Computed('qty * 2')" in body(api.render_migration(script).upgrades)
    _, diffs = db.law(_sums(None), _sums("qty * 2"))  # a computed column added and dropped
    assert kinds(diffs) == ["add_column"]
    changed = db.produce(_sums("qty * 3"))
    if db.kind in ("mysql", "mariadb"):
        _, diffs = db.law(_sums("qty * 2"), _sums("qty * 3"))
        assert kinds(diffs) == ["modify_default"]
    else:  # SQLite, PostgreSQL before 17: a warning, no operation
        assert changed.upgrade_ops.ops == []
        assert "is not migrated" in summarize(changed).cautions[0]


def test_identity_columns(db: Db) -> None:
    if db.kind != "postgresql":
        pytest.skip("identity columns: PostgreSQL (SQLite and MariaDB have none)")
    script, _ = db.law(sa.MetaData(), _sums(None, sa.Identity(start=10)))
    assert "sa.Identity(start=10)" in body(api.render_migration(script).upgrades)
    script, diffs = db.law(
        _sums(None, sa.Identity(start=10)), _sums(None, sa.Identity(start=10, increment=5))
    )
    assert kinds(diffs) == ["modify_default"]
    assert "server_default=sa.Identity(start=10, increment=5)" in body(
        api.render_migration(script).upgrades
    )


def test_python_side_default_is_a_note(db: Db) -> None:
    before = _stock()
    after = _stock()
    after.tables["stock"].c.qty.default = sa.ColumnDefault(3)
    db.law(sa.MetaData(), before)
    script = db.produce(after)
    assert script.upgrade_ops.ops == []
    assert "qty has a Python-side default" in summarize(script).notes[0]


MODELS_MODULE = """
import sqlalchemy as sa


class Tag(sa.types.TypeDecorator):
    impl = sa.String
    cache_ok = True

    def compare_against_backend(self, dialect, conn_type):
        return ANSWER
"""


def _tagged(tag_type: Any) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "tagged",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tag", tag_type),
    )
    return metadata


def test_custom_types_render_and_compare_against_backend(
    db: Db, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "models.py").write_text(MODELS_MODULE.replace("ANSWER", "None"))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(__import__("sys").modules, "models", raising=False)
    import models  # type: ignore[import-not-found]

    script, _ = db.law(sa.MetaData(), _tagged(models.Tag(10)))
    rendered = api.render_migration(script)
    assert "sa.Column('tag', models.Tag(length=10)" in rendered.upgrades
    assert "import models" in rendered.imports
    prefixed = api.render_migration(script, user_module_prefix="mytypes.")
    assert "mytypes.Tag(length=10)" in prefixed.upgrades and "import models" not in prefixed.imports
    # None: still's own comparison finds the longer type; True: the type says it is the same
    assert kinds(db.compare(_tagged(models.Tag(20)))) == ["modify_type"]
    models.Tag.compare_against_backend = lambda self, dialect, conn_type: True
    assert db.compare(_tagged(models.Tag(20))) == []
    models.Tag.compare_against_backend = lambda self, dialect, conn_type: False
    assert kinds(db.compare(_tagged(models.Tag(10)))) == ["modify_type"]


def test_postgresql_dialect_types_render_with_their_import(db: Db) -> None:
    if db.kind != "postgresql":
        pytest.skip("JSONB, ARRAY and UUID of sqlalchemy.dialects.postgresql")
    from sqlalchemy.dialects import postgresql

    metadata = sa.MetaData()
    sa.Table(
        "docs",
        metadata,
        sa.Column("id", postgresql.UUID, primary_key=True),
        sa.Column("data", postgresql.JSONB),
        sa.Column("tags", postgresql.ARRAY(sa.String(10))),
    )
    script, _ = db.law(sa.MetaData(), metadata)
    rendered = api.render_migration(script)
    assert "from sqlalchemy.dialects import postgresql" in rendered.imports
    for text in (
        "sa.UUID()",  # postgresql.UUID is sqlalchemy.UUID
        "postgresql.JSONB(astext_type=sa.Text())",
        "postgresql.ARRAY(sa.String(length=10))",
    ):
        assert text in rendered.upgrades


def _people_indexes(variant: int) -> sa.MetaData:
    metadata = sa.MetaData()
    people = sa.Table(
        "people",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(50)),
        sa.Column("status", sa.String(10)),
        sa.Column("active", sa.Boolean),
    )
    sa.Index("ix_email_lower", sa.func.lower(people.c.email), unique=True)
    sa.Index(
        "ix_active_status",
        people.c.status,
        postgresql_where=sa.and_(people.c.active == sa.true(), people.c.status.in_(["a", "b"])),
    )
    if variant:
        sa.Index("ix_email_trim", sa.func.lower(sa.func.trim(people.c.email)), people.c.status)
        closed = "closed" if variant == 1 else "gone"
        sa.Index("ix_open", people.c.id, postgresql_where=people.c.status != closed)
    return metadata


def test_expression_and_partial_indexes_compare_clean(db: Db) -> None:
    if db.kind != "postgresql":
        pytest.skip(
            "expression and partial indexes: PostgreSQL (MariaDB has neither; SQLAlchemy does "
            "not reflect SQLite's expression indexes)"
        )
    db.law(sa.MetaData(), _people_indexes(0))
    _, diffs = db.law(_people_indexes(0), _people_indexes(1))
    assert sorted(kinds(diffs)) == ["add_index", "add_index"]
    _, diffs = db.law(_people_indexes(1), _people_indexes(2))  # another condition: a change
    assert sorted(kinds(diffs)) == ["add_index", "remove_index"]


def _moods(*values: str) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "diary",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("mood", sa.Enum(*values, name="mood"), server_default="ok"),
    )
    return metadata


def test_enum_swap_under_a_server_default(db: Db) -> None:
    if db.kind != "postgresql":
        pytest.skip("native enum types are PostgreSQL's")
    db.law(sa.MetaData(), _moods("sad", "ok", "happy"))
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO diary (id) VALUES (1)"))
    script, diffs = db.law(_moods("sad", "ok", "happy"), _moods("ok", "sad"))
    assert kinds(diffs) == ["modify_enum"]
    upgrades = body(api.render_migration(script).upgrades)
    assert upgrades.index("DROP DEFAULT") < upgrades.index("RENAME TO")
    assert upgrades.index("DROP TYPE") < upgrades.index("SET DEFAULT 'ok'::mood")
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO diary (id) VALUES (2)"))
        assert conn.execute(sa.text("SELECT count(*) FROM diary WHERE mood = 'ok'")).scalar() == 2


def _two_schemas(variant: int) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table("local", metadata, sa.Column("id", sa.Integer, primary_key=True))
    columns = [sa.Column("id", sa.Integer, primary_key=True)]
    if variant:
        columns.append(sa.Column("note", sa.String(20)))
    sa.Table(
        "remote",
        metadata,
        *columns,
        sa.Column("local_id", sa.ForeignKey("local.id")),
        schema="other",
    )
    if variant == 2:
        sa.Table("extra", metadata, sa.Column("id", sa.Integer, primary_key=True), schema="other")
    return metadata


def test_include_schemas_with_two_schemas(db: Db) -> None:
    if db.kind != "postgresql":
        pytest.skip("schemas within one database: PostgreSQL (a MariaDB schema is a database)")
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE SCHEMA other"))
        conn.execute(sa.text("CREATE SCHEMA versions"))
        conn.execute(sa.text("CREATE TABLE versions.alembic_version (version_num VARCHAR(32))"))
    schemas = Db(db.url, include_schemas=True, version_table_schema="versions")
    try:
        _, diffs = schemas.law(sa.MetaData(), _two_schemas(0))
        assert sorted(d[1].fullname for d in diffs) == ["local", "other.remote"]
        _, diffs = schemas.law(_two_schemas(0), _two_schemas(1))
        assert diffs[0][0] == "add_column" and diffs[0][1] == "other"
        script, diffs = schemas.law(_two_schemas(1), _two_schemas(2))
        assert [(d[0], d[1].fullname) for d in diffs] == [("add_table", "other.extra")]
        assert "schema='other'" in body(api.render_migration(script).upgrades)
        # a table in a schema the models do not name is proposed for dropping
        with db.engine.begin() as conn:
            conn.execute(sa.text("CREATE SCHEMA stray"))
            conn.execute(sa.text("CREATE TABLE stray.leftover (id INTEGER)"))
        diffs = schemas.compare(_two_schemas(2))
        assert [(d[0], d[1].fullname) for d in diffs] == [("remove_table", "stray.leftover")]
    finally:
        schemas.dispose()


def test_enum_types_left_to_create_table_when_still_steps_aside(db: Db) -> None:
    """With ``still_enum_types=False`` still writes no CREATE TYPE of its own (as Alembic): the
    model's enum column keeps its type, so ``op.create_table`` creates the type through the
    table's events, and ``op.drop_table`` (the downgrade) drops it again."""
    if db.kind != "postgresql":
        pytest.skip("native enum types are PostgreSQL's")
    aside = Db(db.url, still_enum_types=False)
    try:
        script = aside.produce(_moods("sad", "ok"))
        upgrades = body(api.render_migration(script).upgrades)
        assert "CREATE TYPE" not in upgrades and "create_type=False" not in upgrades
        aside.run_rendered(script, "upgrade")
        assert aside.compare(_moods("sad", "ok")) == []
        with aside.engine.connect() as conn:
            types = conn.execute(sa.text("SELECT typname FROM pg_type WHERE typname = 'mood'"))
            assert types.scalars().all() == ["mood"]
    finally:
        aside.dispose()


# -- found by mutation testing (issue 16): each kills a change no other test noticed ----------


def test_a_second_unnamed_check_is_dropped_by_the_next_name_the_database_gives(db: Db) -> None:
    """PostgreSQL numbers a taken name (stock_qty_check1), MariaDB counts on (CONSTRAINT_2): the
    downgrade drops the second check by the name predicted for it, and the law runs it."""
    if db.kind == "sqlite":
        pytest.skip("SQLite gives an unnamed check no name: there is none to predict")
    one = sa.CheckConstraint("qty >= 0")
    script, _ = db.law(_stock(one), _stock(one, sa.CheckConstraint("qty <= 1000")))
    given = {"postgresql": "'stock_qty_check1'", "mysql": "'CONSTRAINT_2'"}
    assert f"op.drop_constraint({given[db.kind]}" in body(api.render_migration(script).downgrades)


def test_a_json_column_compares_clean_whatever_check_the_database_adds_for_it(db: Db) -> None:
    """MariaDB keeps a JSON column as LONGTEXT with its own CHECK (json_valid(col)), named after
    the column: no model declares it, and it is never reported."""
    metadata = sa.MetaData()
    sa.Table(
        "docs", metadata, sa.Column("id", sa.Integer, primary_key=True), sa.Column("body", sa.JSON)
    )
    db.law(sa.MetaData(), metadata)
    assert db.compare(metadata) == []


def test_include_object_is_told_a_column_was_reflected(db_url: str) -> None:
    """A hook that leaves out reflected columns of one name keeps them out of the comparison:
    the database's column is reflected=True, the model's reflected=False."""
    seen: list[tuple[str, bool]] = []

    def include_object(obj: Any, name: Any, type_: str, reflected: bool, compare_to: Any) -> bool:
        if type_ == "column":
            seen.append((name, reflected))
        return not (type_ == "column" and name == "legacy" and reflected)

    plain = Db(db_url)
    filtered = Db(db_url, include_object=include_object)
    try:
        with_legacy = sa.MetaData()
        sa.Table(
            "stock",
            with_legacy,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("legacy", sa.Integer),
        )
        plain.run_ops(plain.produce(with_legacy).upgrade_ops)
        models = _stock()
        models.tables["stock"].c.qty.nullable = True
        without = sa.MetaData()
        sa.Table("stock", without, sa.Column("id", sa.Integer, primary_key=True))
        assert kinds(plain.compare(without)) == ["remove_column"]
        assert filtered.compare(without) == []
        assert ("legacy", True) in seen and ("id", False) in seen
    finally:
        plain.dispose()
        filtered.dispose()
