"""op.* on the three live databases (checked by reflection and by counting rows), and compiled for
all five dialects."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from still import command
from still.config import Config
from still.errors import StillError
from tests.databases import KINDS, fresh_database, required
from tests.projects import configure_with

BASE = """
    op.create_table(
        "owners",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
    )
    op.create_table(
        "pets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("owner_id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(50)),
        sa.Column("age", sa.Integer),
    )
    op.bulk_insert(
        sa.table("owners", sa.column("id", sa.Integer), sa.column("name", sa.String)),
        [{"id": 1, "name": "Ann"}, {"id": 2, "name": "Bob"}],
    )
    op.bulk_insert(
        sa.table("pets", sa.column("id"), sa.column("owner_id"), sa.column("name")),
        [{"id": 1, "owner_id": 1, "name": "Rex"}, {"id": 2, "owner_id": 2, "name": "Tom"}],
        multiinsert=False,
    )
"""

REVISION = """from alembic import op
import sqlalchemy as sa

revision = {rev!r}
down_revision = {down!r}


def upgrade():
{upgrade}

def downgrade():
{downgrade}
"""


class Project:
    def __init__(self, root: Path, url: str) -> None:
        self.root = root
        self.url = url
        command.init(Config(str(root / "alembic.ini"), stdout=io.StringIO()), str(root / "m"))
        self.config = Config(str(root / "alembic.ini"), stdout=io.StringIO())
        self.config.set_main_option("sqlalchemy.url", url)
        self.last: str | None = None

    def add(self, upgrade: str, downgrade: str = "    pass\n") -> str:
        rev = f"r{len(list((self.root / 'm' / 'versions').glob('*.py')))}"
        (self.root / "m" / "versions" / f"{rev}.py").write_text(
            REVISION.format(rev=rev, down=self.last, upgrade=upgrade, downgrade=downgrade)
        )
        self.last = rev
        return rev

    def inspector(self) -> sa.Inspector:
        return sa.inspect(sa.create_engine(self.url, poolclass=sa.pool.NullPool))

    def rows(self, sql: str) -> list[tuple]:
        engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql))]


@pytest.fixture(params=KINDS)
def project(request, tmp_path: Path):
    with fresh_database(request.param, tmp_path) as url:
        p = Project(tmp_path, url)
        p.add(BASE)
        yield p


def is_sqlite(project: Project) -> bool:
    return project.url.startswith("sqlite")


def test_bulk_insert_and_rename_table(project: Project) -> None:
    project.add(
        '    op.rename_table("owners", "clients")\n', '    op.rename_table("clients", "owners")\n'
    )
    command.upgrade(project.config, "head")
    assert project.rows("SELECT id, name FROM clients ORDER BY id") == [(1, "Ann"), (2, "Bob")]
    assert project.rows("SELECT name FROM pets ORDER BY id") == [("Rex",), ("Tom",)]
    command.downgrade(project.config, "-1")
    assert "owners" in project.inspector().get_table_names()


def test_rename_column(project: Project) -> None:
    project.add(
        '    op.alter_column("pets", "name", new_column_name="nickname", existing_type=sa.String(50))\n',
        '    op.alter_column("pets", "nickname", new_column_name="name", existing_type=sa.String(50))\n',
    )
    command.upgrade(project.config, "head")
    columns = [c["name"] for c in project.inspector().get_columns("pets")]
    assert "nickname" in columns and "name" not in columns
    assert project.rows("SELECT nickname FROM pets ORDER BY id") == [("Rex",), ("Tom",)]
    command.downgrade(project.config, "-1")
    assert "name" in [c["name"] for c in project.inspector().get_columns("pets")]


def test_alter_column_nullable_type_default(project: Project) -> None:
    project.add(
        """    op.alter_column("pets", "name", nullable=False, existing_type=sa.String(50))
    op.alter_column("pets", "age", type_=sa.BigInteger, existing_type=sa.Integer)
    op.alter_column("pets", "age", server_default="0", existing_type=sa.BigInteger)
"""
    )
    command.upgrade(project.config, "head")  # on SQLite: the table is rebuilt, rows kept
    columns = {c["name"]: c for c in project.inspector().get_columns("pets")}
    assert columns["name"]["nullable"] is False
    assert isinstance(columns["age"]["type"], sa.BigInteger)
    assert "0" in str(columns["age"]["default"])
    assert project.rows("SELECT count(*) FROM pets") == [(2,)]


def test_constraints(project: Project) -> None:
    project.add(
        """    op.create_unique_constraint("uq_owner_name", "owners", ["name"])
    op.create_foreign_key("fk_pet_owner", "pets", "owners", ["owner_id"], ["id"], ondelete="CASCADE")
    op.create_check_constraint("ck_pet_age", "pets", "age >= 0")
""",
        """    op.drop_constraint("ck_pet_age", "pets", type_="check")
    op.drop_constraint("fk_pet_owner", "pets", type_="foreignkey")
    op.drop_constraint("uq_owner_name", "owners", type_="unique")
""",
    )
    command.upgrade(project.config, "head")
    inspector = project.inspector()
    fks = inspector.get_foreign_keys("pets")
    assert [(f["name"], f["referred_table"], f["options"].get("ondelete")) for f in fks] == [
        ("fk_pet_owner", "owners", "CASCADE")
    ]
    uniques = {u["name"] for u in inspector.get_unique_constraints("owners")}
    assert "uq_owner_name" in uniques
    checks = {c["name"] for c in inspector.get_check_constraints("pets")}
    assert "ck_pet_age" in checks
    command.downgrade(project.config, "-1")
    inspector = project.inspector()
    assert inspector.get_foreign_keys("pets") == []
    assert "uq_owner_name" not in {u["name"] for u in inspector.get_unique_constraints("owners")}


def test_table_comment_and_inline_literal(project: Project) -> None:
    project.add(
        """    op.create_table_comment("pets", "animals we treat")
    op.execute(
        sa.table("pets", sa.column("age")).update().values(age=op.inline_literal(3))
    )
""",
        '    op.drop_table_comment("pets", existing_comment="animals we treat")\n',
    )
    command.upgrade(project.config, "head")
    assert project.rows("SELECT age FROM pets") == [(3,), (3,)]
    if is_sqlite(project):  # SQLite keeps no comments: the operation is a no-op there
        return
    assert project.inspector().get_table_comment("pets")["text"] == "animals we treat"
    command.downgrade(project.config, "-1")
    assert project.inspector().get_table_comment("pets")["text"] is None


def test_custom_operation(project: Project) -> None:
    from still.operations import MigrateOperation, Operations

    @Operations.register_operation("create_sequence_table")
    class CreateSequenceTable(MigrateOperation):
        def __init__(self, name: str) -> None:
            self.name = name

        @classmethod
        def create_sequence_table(cls, operations, name):
            return operations.invoke(cls(name))

    @Operations.implementation_for(CreateSequenceTable)
    def create_sequence_table(operations, operation) -> None:
        operations.execute(f"CREATE TABLE {operation.name} (next_value INTEGER)")

    project.add('    op.create_sequence_table("ticket_numbers")\n')
    command.upgrade(project.config, "head")
    assert "ticket_numbers" in project.inspector().get_table_names()


EXPECTED_OFFLINE = {
    "postgresql": [
        "ALTER TABLE owners RENAME TO clients",
        "ALTER TABLE pets ALTER COLUMN name SET NOT NULL",
        "ALTER TABLE pets ALTER COLUMN age TYPE BIGINT USING age::bigint",
        "ALTER TABLE pets RENAME name TO nickname",
        "ALTER TABLE pets ADD CONSTRAINT fk_pet_owner FOREIGN KEY(owner_id) REFERENCES clients (id)",
        "ALTER TABLE pets DROP CONSTRAINT fk_pet_owner",
        "INSERT INTO clients (id, name) VALUES (3, 'Cy')",
    ],
    "mysql": [
        "ALTER TABLE owners RENAME TO clients",
        "ALTER TABLE pets MODIFY name VARCHAR(50) NOT NULL",
        "ALTER TABLE pets MODIFY age BIGINT NULL",
        "ALTER TABLE pets CHANGE name nickname VARCHAR(50) NULL",
        "ALTER TABLE pets DROP FOREIGN KEY fk_pet_owner",
    ],
    "mssql": [
        "EXEC sp_rename 'owners', clients",
        "ALTER TABLE pets ALTER COLUMN name VARCHAR(50) NOT NULL",
        "ALTER TABLE pets ALTER COLUMN age BIGINT",
        "EXEC sp_rename 'pets.name', nickname, 'COLUMN'",
        "ALTER TABLE pets DROP CONSTRAINT fk_pet_owner",
    ],
    "oracle": [
        "ALTER TABLE owners RENAME TO clients",
        "ALTER TABLE pets MODIFY name NOT NULL",
        "ALTER TABLE pets MODIFY age NUMBER(19)",
        "ALTER TABLE pets RENAME COLUMN name TO nickname",
        "ALTER TABLE pets DROP CONSTRAINT fk_pet_owner",
    ],
    "sqlite": [
        "ALTER TABLE owners RENAME TO clients",
        "ALTER TABLE pets RENAME COLUMN name TO nickname",
    ],
}


@pytest.mark.parametrize("dialect", sorted(EXPECTED_OFFLINE))
def test_offline_sql_for_every_dialect(tmp_path: Path, dialect: str) -> None:
    project = Project(tmp_path, f"{dialect}://")
    project.add(BASE)
    if dialect == "sqlite":
        body = """    op.rename_table("owners", "clients")
    op.alter_column("pets", "name", new_column_name="nickname")
"""
    else:
        body = """    op.rename_table("owners", "clients")
    op.alter_column("pets", "name", nullable=False, existing_type=sa.String(50))
    op.alter_column("pets", "age", type_=sa.BigInteger, existing_type=sa.Integer,
                    postgresql_using="age::bigint")
    op.alter_column("pets", "name", new_column_name="nickname", existing_type=sa.String(50))
    op.create_foreign_key("fk_pet_owner", "pets", "clients", ["owner_id"], ["id"])
    op.drop_constraint("fk_pet_owner", "pets", type_="foreignkey")
    op.bulk_insert(sa.table("clients", sa.column("id"), sa.column("name")), [{"id": 3, "name": "Cy"}])
"""
    project.add(body)
    out = io.StringIO()
    config = Config(str(tmp_path / "alembic.ini"), output_buffer=out)
    config.set_main_option("sqlalchemy.url", f"{dialect}://")
    command.upgrade(config, "r0:head", sql=True)
    sql = " ".join(out.getvalue().split())
    for statement in EXPECTED_OFFLINE[dialect]:
        assert " ".join(statement.split()) in sql, statement


BATCH = """
    op.create_index("ix_pets_name", "pets", ["name"])
    with op.batch_alter_table("pets") as batch_op:
        batch_op.alter_column("name", new_column_name="nickname", existing_type=sa.String(50))
        batch_op.alter_column("age", type_=sa.BigInteger, existing_type=sa.Integer)
        batch_op.alter_column("owner_id", nullable=True, existing_type=sa.Integer)
        batch_op.add_column(sa.Column("weight", sa.Integer, server_default="7"))
        batch_op.create_unique_constraint("uq_pets_nickname", ["nickname"])
        batch_op.create_foreign_key("fk_pets_owner", "owners", ["owner_id"], ["id"])
        batch_op.create_check_constraint("ck_pets_age", "age >= 0")
"""

BATCH_DOWN = """
    with op.batch_alter_table("pets") as batch_op:
        batch_op.drop_constraint("ck_pets_age", type_="check")
        batch_op.drop_constraint("fk_pets_owner", type_="foreignkey")
        batch_op.drop_constraint("uq_pets_nickname", type_="unique")
        batch_op.drop_column("weight")
        batch_op.alter_column("owner_id", nullable=False, existing_type=sa.Integer)
        batch_op.alter_column("age", type_=sa.Integer, existing_type=sa.BigInteger)
        batch_op.alter_column("nickname", new_column_name="name", existing_type=sa.String(50))
    op.drop_index("ix_pets_name", table_name="pets")
"""


def test_batch_alter_table_keeps_rows_indexes_and_constraints(project: Project) -> None:
    project.add(BATCH, BATCH_DOWN)
    command.upgrade(project.config, "head")
    inspector = project.inspector()
    columns = {c["name"]: c for c in inspector.get_columns("pets")}
    assert set(columns) == {"id", "owner_id", "nickname", "age", "weight"}
    assert isinstance(columns["age"]["type"], sa.BigInteger)
    assert columns["owner_id"]["nullable"] is True
    assert project.rows("SELECT id, nickname, weight FROM pets ORDER BY id") == [
        (1, "Rex", 7),
        (2, "Tom", 7),
    ]
    assert {i["name"] for i in inspector.get_indexes("pets")} >= {"ix_pets_name"}
    assert [f["name"] for f in inspector.get_foreign_keys("pets")] == ["fk_pets_owner"]
    assert "uq_pets_nickname" in {u["name"] for u in inspector.get_unique_constraints("pets")}
    assert "ck_pets_age" in {c["name"] for c in inspector.get_check_constraints("pets")}

    command.downgrade(project.config, "-1")
    inspector = project.inspector()
    columns = {c["name"]: c for c in inspector.get_columns("pets")}
    assert set(columns) == {"id", "owner_id", "name", "age"}
    assert columns["owner_id"]["nullable"] is False
    assert inspector.get_foreign_keys("pets") == []
    assert project.rows("SELECT id, name FROM pets ORDER BY id") == [(1, "Rex"), (2, "Tom")]


def test_batch_recreate_always_and_never(project: Project) -> None:
    recreate = "always" if is_sqlite(project) else "auto"  # "always" rebuilds on SQLite only
    project.add(
        f"""    with op.batch_alter_table("owners", recreate="{recreate}") as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(100)))
    with op.batch_alter_table("owners", recreate="never") as batch_op:
        batch_op.create_index("ix_owners_email", ["email"])
"""
    )
    command.upgrade(project.config, "head")
    assert project.rows("SELECT id, name, email FROM owners ORDER BY id") == [
        (1, "Ann", None),
        (2, "Bob", None),
    ]
    assert "ix_owners_email" in {i["name"] for i in project.inspector().get_indexes("owners")}


def test_sqlite_rebuild_can_be_turned_off(tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as url:
        project = Project(tmp_path, url)
        project.add(BASE)
        configure_with(tmp_path / "m" / "env.py", "sqlite_rebuild=False")
        project.add(
            '    op.alter_column("pets", "age", nullable=False, existing_type=sa.Integer)\n'
        )
        with pytest.raises(StillError, match="batch_alter_table"):
            command.upgrade(project.config, "head")
        assert "pets" not in project.inspector().get_table_names()  # the run was rolled back


@pytest.mark.parametrize("kind", KINDS)
def test_names_too_long_are_refused_before_the_database_is_touched(tmp_path: Path, kind) -> None:
    with fresh_database(kind, tmp_path) as url:
        project = Project(tmp_path, url)
        long_name = "x" * 200 if kind == "sqlite" else "x" * 70
        project.add(
            f'    op.create_table("{long_name}", sa.Column("id", sa.Integer, primary_key=True))\n'
        )
        if kind == "sqlite":  # SQLite has no limit: the table is made
            command.upgrade(project.config, "head")
            return
        with pytest.raises(StillError, match="allows at most"):
            command.upgrade(project.config, "head")


@pytest.mark.parametrize("kind", KINDS)
def test_long_names_given_through_op_f_are_shortened_as_sqlalchemy_does(
    tmp_path: Path, kind
) -> None:
    """Prefect's revisions name a foreign key of 66 characters with ``op.f()``; under Alembic
    SQLAlchemy shortens it to the limit, ending in a hash of the whole name."""
    long_name = "fk_block_schema_reference__reference_block_schema_id__block_schema"
    with fresh_database(kind, tmp_path) as url:
        project = Project(tmp_path, url)
        project.add(
            '    op.create_table("parent", sa.Column("id", sa.Integer, primary_key=True))\n'
            '    op.create_table("child", sa.Column("id", sa.Integer, primary_key=True),\n'
            '        sa.Column("pid", sa.Integer),\n'
            f'        sa.ForeignKeyConstraint(["pid"], ["parent.id"], name=op.f("{long_name}")))\n',
            f'    op.drop_constraint(op.f("{long_name}"), "child", type_="foreignkey")\n',
        )
        command.upgrade(project.config, "head")
        engine = sa.create_engine(url)
        try:
            [fk] = sa.inspect(engine).get_foreign_keys("child")
        finally:
            engine.dispose()
        if kind == "sqlite":  # no limit
            assert fk["name"] == long_name
        else:  # PostgreSQL allows 63 characters, MariaDB 64
            assert fk["name"] != long_name and len(fk["name"]) <= 64
            assert fk["name"].startswith(long_name[:50])
            command.downgrade(project.config, "-1")  # drop_constraint finds the shortened name
            assert project.inspector().get_foreign_keys("child") == []


def test_postgresql_specifics(tmp_path: Path) -> None:
    with fresh_database("postgresql", tmp_path) as url:
        project = Project(tmp_path, url)
        project.add(BASE)
        project.add(
            """    op.create_exclude_constraint("ex_pets_owner", "pets", ("owner_id", "="), using="gist")
    with op.get_context().autocommit_block():
        op.create_index("ix_pets_age", "pets", ["age"], postgresql_concurrently=True)
    op.create_index("ix_pets_lower", "pets", [sa.text("lower(name)")], postgresql_where=sa.text("age > 1"))
    op.add_column("pets", sa.Column("age2", sa.Integer, sa.Computed("age * 2", persisted=True)))
    op.add_column("owners", sa.Column("ticket", sa.Integer, sa.Identity(start=10)))
"""
        )
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS btree_gist"))
        engine.dispose()
        command.upgrade(project.config, "head")
        inspector = project.inspector()
        indexes = {i["name"] for i in inspector.get_indexes("pets")}
        assert {"ix_pets_age", "ix_pets_lower", "ex_pets_owner"} <= indexes
        assert project.rows("SELECT age2 FROM pets WHERE id = 1") == [(None,)]
        assert project.rows("SELECT ticket FROM owners ORDER BY id") == [(10,), (11,)]


def test_sql_server_drop_column_with_its_constraints(tmp_path: Path) -> None:
    project = Project(tmp_path, "mssql://")
    project.add(BASE)
    project.add(
        '    op.drop_column("pets", "age", mssql_drop_default=True, mssql_drop_check=True)\n'
    )
    out = io.StringIO()
    config = Config(str(tmp_path / "alembic.ini"), output_buffer=out)
    config.set_main_option("sqlalchemy.url", "mssql://")
    command.upgrade(config, "r0:head", sql=True)
    sql = out.getvalue()
    assert "sys.default_constraints" in sql and "sys.check_constraints" in sql
    assert sql.index("sys.default_constraints") < sql.index("ALTER TABLE pets DROP COLUMN age")


def test_run_async(tmp_path: Path) -> None:
    required("aiosqlite")
    command.init(
        Config(str(tmp_path / "alembic.ini"), stdout=io.StringIO()),
        str(tmp_path / "m"),
        template="async",
    )
    config = Config(str(tmp_path / "alembic.ini"), stdout=io.StringIO())
    config.set_main_option("sqlalchemy.url", f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    (tmp_path / "m" / "versions" / "r1.py").write_text(
        """from alembic import op
import sqlalchemy as sa

revision = "r1"
down_revision = None


async def fill(connection, value):
    await connection.execute(sa.text("CREATE TABLE t (v INTEGER)"))
    await connection.execute(sa.text("INSERT INTO t VALUES (:v)"), {"v": value})


def upgrade():
    op.run_async(fill, 42)


def downgrade():
    op.drop_table("t")
"""
    )
    command.upgrade(config, "head")
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'a.db'}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT v FROM t")).scalar() == 42


def test_batch_naming_convention_names_sqlite_constraints(tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as url:
        project = Project(tmp_path, url)
        project.add(
            """    op.create_table("tags", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("label", sa.String(20), unique=True))
    op.execute("INSERT INTO tags (id, label) VALUES (1, 'a'), (2, 'b')")
"""
        )
        project.add(
            """    conv = {"uq": "uq_%(table_name)s_%(column_0_name)s"}
    with op.batch_alter_table("tags", naming_convention=conv) as batch_op:
        batch_op.drop_constraint("uq_tags_label", type_="unique")
"""
        )
        command.upgrade(project.config, "head")
        assert project.inspector().get_unique_constraints("tags") == []
        assert project.rows("SELECT count(*) FROM tags") == [(2,)]


MORE_OFFLINE_BODY = """    op.add_column("pets", sa.Column("color", sa.String(20), server_default="black"))
    op.create_index("ix_pets_color", "pets", ["color"], unique=True)
    op.drop_index("ix_pets_color", table_name="pets")
    op.create_unique_constraint("uq_pets_color", "pets", ["color"])
    op.create_check_constraint("ck_pets_age", "pets", "age >= 0")
    op.drop_constraint("ck_pets_age", "pets", type_="check")
    op.alter_column("pets", "age", server_default="1", existing_type=sa.Integer)
    op.create_table_comment("pets", "animals")
    op.alter_column("pets", "name", server_default=None, existing_type=sa.String(50))
    op.drop_column("pets", "color")
    op.drop_table("pets")
"""

MORE_OFFLINE = {
    "postgresql": [
        "ALTER TABLE pets ADD COLUMN color VARCHAR(20) DEFAULT 'black'",
        "CREATE UNIQUE INDEX ix_pets_color ON pets (color)",
        "DROP INDEX ix_pets_color",
        "ALTER TABLE pets ADD CONSTRAINT uq_pets_color UNIQUE (color)",
        "ALTER TABLE pets ADD CONSTRAINT ck_pets_age CHECK (age >= 0)",
        "ALTER TABLE pets DROP CONSTRAINT ck_pets_age",
        "ALTER TABLE pets ALTER COLUMN age SET DEFAULT '1'",
        "COMMENT ON TABLE pets IS 'animals'",
        "ALTER TABLE pets DROP COLUMN color",
        "DROP TABLE pets",
    ],
    "mysql": [
        "ALTER TABLE pets ADD COLUMN color VARCHAR(20) DEFAULT 'black'",
        "CREATE UNIQUE INDEX ix_pets_color ON pets (color)",
        "DROP INDEX ix_pets_color ON pets",
        "ALTER TABLE pets ADD CONSTRAINT uq_pets_color UNIQUE (color)",
        "ALTER TABLE pets DROP CHECK ck_pets_age",
        "ALTER TABLE pets ALTER COLUMN age SET DEFAULT '1'",
        "ALTER TABLE pets COMMENT 'animals'",
        "ALTER TABLE pets DROP COLUMN color",
        "DROP TABLE pets",
    ],
    "mssql": [
        "ALTER TABLE pets ADD color VARCHAR(20) NULL DEFAULT 'black'",
        "CREATE UNIQUE INDEX ix_pets_color ON pets (color)",
        "DROP INDEX ix_pets_color ON pets",
        "ALTER TABLE pets DROP CONSTRAINT ck_pets_age",
        "ALTER TABLE pets ADD DEFAULT '1' FOR age",
        "sp_addextendedproperty",
        "IF @name IS NOT NULL EXEC('ALTER TABLE pets DROP CONSTRAINT ' + QUOTENAME(@name))",
        "ALTER TABLE pets DROP COLUMN color",
        "DROP TABLE pets",
    ],
    "oracle": [
        "ALTER TABLE pets ADD color VARCHAR2(20 CHAR) DEFAULT 'black'",
        "CREATE UNIQUE INDEX ix_pets_color ON pets (color)",
        "DROP INDEX ix_pets_color",
        "ALTER TABLE pets MODIFY age DEFAULT '1'",
        "COMMENT ON TABLE pets IS 'animals'",
        "ALTER TABLE pets DROP COLUMN color",
        "DROP TABLE pets",
    ],
}


@pytest.mark.parametrize("dialect", sorted(MORE_OFFLINE))
def test_more_offline_sql(tmp_path: Path, dialect: str) -> None:
    project = Project(tmp_path, f"{dialect}://")
    project.add(BASE)
    project.add(MORE_OFFLINE_BODY)
    out = io.StringIO()
    config = Config(str(tmp_path / "alembic.ini"), output_buffer=out)
    config.set_main_option("sqlalchemy.url", f"{dialect}://")
    command.upgrade(config, "r0:head", sql=True)
    sql = " ".join(out.getvalue().split())
    for statement in MORE_OFFLINE[dialect]:
        assert " ".join(statement.split()) in sql, statement


@pytest.mark.parametrize("kind", ["postgresql", "mariadb"])
def test_column_comment_and_drop_constraint_if_exists(tmp_path: Path, kind: str) -> None:
    with fresh_database(kind, tmp_path) as url:
        project = Project(tmp_path, url)
        project.add(BASE)
        project.add(
            """    op.alter_column("pets", "name", comment="what we call it", existing_type=sa.String(50),
                    existing_nullable=True)
    op.drop_constraint("no_such_constraint", "pets", type_="check", if_exists=True)
"""
        )
        command.upgrade(project.config, "head")
        columns = {c["name"]: c for c in project.inspector().get_columns("pets")}
        assert columns["name"]["comment"] == "what we call it"
        assert columns["name"]["nullable"] is True


def test_guards_primary_keys_defaults_and_dialect_options(project: Project) -> None:
    dialect = project.inspector().dialect.name
    options = ', mysql_engine="InnoDB"' if dialect == "mysql" else ""
    length = ', mysql_length={"name": 10}' if dialect == "mysql" else ""
    # SQLite has no ADD COLUMN IF NOT EXISTS: still asks the database there
    guarded_add = (
        '    op.add_column("pets", sa.Column("name", sa.String(50)), if_not_exists=True)\n'
        '    op.drop_column("pets", "no_such_column", if_exists=True)\n'
    )
    project.add(
        f"""    op.create_table("visits", sa.Column("pet_id", sa.Integer, nullable=False),
                    sa.Column("day", sa.Date, nullable=False),
                    sa.Column("note", sa.String(100), server_default="none"){options})
    op.create_primary_key("pk_visits", "visits", ["pet_id", "day"])
    op.create_table("visits", sa.Column("x", sa.Integer), if_not_exists=True)
{guarded_add}    op.create_index("ix_visits_note", "visits", ["note"]{length})
    op.create_index("ix_visits_note", "visits", ["note"], if_not_exists=True)
    op.alter_column("visits", "note", server_default=None, existing_type=sa.String(100))
    op.drop_index("ix_nothing", table_name="visits", if_exists=True)
    op.drop_table("no_such_table", if_exists=True)
"""
    )
    command.upgrade(project.config, "head")
    inspector = project.inspector()
    assert inspector.get_pk_constraint("visits")["constrained_columns"] == ["pet_id", "day"]
    assert {c["name"] for c in inspector.get_columns("visits")} == {"pet_id", "day", "note"}
    columns = {c["name"]: c for c in inspector.get_columns("visits")}
    assert columns["note"]["default"] is None
    assert "ix_visits_note" in {i["name"] for i in inspector.get_indexes("visits")}


def test_batch_insert_before_and_after(tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as url:
        project = Project(tmp_path, url)
        project.add(BASE)
        project.add(
            """    with op.batch_alter_table("pets", recreate="always") as batch_op:
        batch_op.add_column(sa.Column("species", sa.String(20)), insert_before="name")
        batch_op.add_column(sa.Column("born", sa.Date), insert_after="id")
"""
        )
        command.upgrade(project.config, "head")
        names = [c["name"] for c in project.inspector().get_columns("pets")]
        assert names == ["id", "born", "owner_id", "species", "name", "age"]
        assert project.rows("SELECT name FROM pets ORDER BY id") == [("Rex",), ("Tom",)]
