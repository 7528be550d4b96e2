"""One test per difference the generated differential (tests/test_differential_op_arguments.py)
found between still's ``--sql`` scripts and Alembic's, fixed in still: the statements still now
writes, spelled out, and the same as Alembic's.  Online checks for the ones that matter there."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.databases import fresh_database
from tests.op_differential import offline, online, require_alembic, same_script

require_alembic()

CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
}

FIXES = {
    # PostgreSQL changes the type before nullability and default (a default may need it)
    "pg_alter_type_first": (
        "postgresql",
        'op.alter_column("t", "a", type_=sa.BigInteger, nullable=False, server_default="0")',
        [
            "ALTER TABLE t ALTER COLUMN a TYPE BIGINT;",
            "ALTER TABLE t ALTER COLUMN a SET NOT NULL;",
            "ALTER TABLE t ALTER COLUMN a SET DEFAULT '0';",
        ],
    ),
    "pg_index_include": (
        "postgresql",
        'op.create_index("ix", "t", ["a"], postgresql_include=["b"])',
        ["CREATE INDEX ix ON t (a) INCLUDE (b);"],
    ),
    "mysql_rename_keeps_schema": (
        "mysql",
        'op.rename_table("t", "u", schema="s")',
        ["ALTER TABLE s.t RENAME TO s.u;"],
    ),
    "mssql_offline_identity_insert": (
        "mssql",
        'op.bulk_insert(sa.table("t", sa.column("id", sa.Integer)), [{"id": 1}])',
        [
            "SET IDENTITY_INSERT t ON; GO INSERT INTO t (id) VALUES (1); GO "
            "SET IDENTITY_INSERT t OFF;"
        ],
    ),
    "mysql_change_when_named": (
        "mysql",
        'op.alter_column("t", "a", new_column_name="a", nullable=False, autoincrement=True, '
        'server_default="1", comment="", existing_type=sa.Integer)',
        ["ALTER TABLE t CHANGE a a INTEGER NOT NULL AUTO_INCREMENT DEFAULT '1' COMMENT '';"],
    ),
    "pg_drop_comment_keeps_schema": (
        "postgresql",
        'op.alter_column("t", "a", comment=None, schema="s")\n'
        'op.alter_column("t", "a", comment="", schema="s")',
        ["COMMENT ON COLUMN s.t.a IS NULL;", "COMMENT ON COLUMN s.t.a IS '';"],
    ),
    "type_check_follows_the_type": (
        "postgresql",
        'op.alter_column("t", "a", type_=sa.Enum("x", name="ck_new", native_enum=False, '
        'create_constraint=True), existing_type=sa.Enum("y", name="ck_old", native_enum=False, '
        "create_constraint=True))",
        [
            "ALTER TABLE t DROP CONSTRAINT ck_old;",
            "ALTER TABLE t ALTER COLUMN a TYPE VARCHAR(1);",
            "ALTER TABLE t ADD CONSTRAINT ck_new CHECK (a IN ('x'));",
        ],
    ),
    "naming_convention": (
        "postgresql",
        'op.create_check_constraint("positive", "t", "a > 0")\n'
        'op.drop_constraint("positive", "t", type_="check")\n'
        'op.create_index(None, "t", ["a"])\n'
        'op.create_unique_constraint(None, "t", ["a"])\n'
        'op.drop_constraint(op.f("kept"), "t", type_="check")',
        [
            "ALTER TABLE t ADD CONSTRAINT ck_t_positive CHECK (a > 0);",
            "ALTER TABLE t DROP CONSTRAINT ck_t_positive;",
            "CREATE INDEX ix_t_a ON t (a);",
            "ALTER TABLE t ADD CONSTRAINT uq_t_a UNIQUE (a);",
            "ALTER TABLE t DROP CONSTRAINT kept;",
        ],
    ),
    "indexes_before_comments": (
        "postgresql",
        'op.create_table("t", sa.Column("a", sa.Integer, index=True, comment="c"), comment="t")',
        [
            "CREATE INDEX ix_t_a ON t (a);",
            "COMMENT ON TABLE t IS 't';",
            "COMMENT ON COLUMN t.a IS 'c';",
        ],
    ),
}


@pytest.mark.parametrize("fix", sorted(FIXES))
def test_script_as_alembic(fix: str) -> None:
    dialect, code, expected = FIXES[fix]
    convention = sa.MetaData(naming_convention=CONVENTION)
    opts = {"target_metadata": convention} if fix == "naming_convention" else {}
    ours = offline("still", dialect, code, opts)
    assert ours.error is None, ours.error
    assert " ".join(" ".join(expected).split()) in " ".join(ours.words), ours.sql
    theirs = offline("alembic", dialect, code, opts)
    assert same_script(dialect, ours, theirs), (ours.sql, theirs.sql)


# Where Alembic's script is wrong, still's differs on purpose (named in
# tests/test_differential_op_arguments.py): checked here by their statements alone.
BETTER = {
    # a boolean default no longer breaks the check for a default to replace (TypeError before)
    "mssql_boolean_default": (
        "mssql",
        'op.alter_column("t", "a", server_default=sa.true(), existing_type=sa.Boolean)',
        ["IF @name IS NOT NULL EXEC", "ALTER TABLE t ADD DEFAULT 1 FOR a;"],
    ),
    # Oracle's COMMENT ... IS takes only a string literal; the table keeps its schema and quotes
    "oracle_drop_comment": (
        "oracle",
        'op.alter_column("Pets", "a", comment=None, schema="s")',
        ["COMMENT ON COLUMN s.\"Pets\".a IS '';"],
    ),
}


@pytest.mark.parametrize("fix", sorted(BETTER))
def test_script(fix: str) -> None:
    dialect, code, expected = BETTER[fix]
    ours = offline("still", dialect, code)
    assert ours.error is None, ours.error
    for statement in expected:
        assert " ".join(statement.split()) in " ".join(ours.words), ours.sql


@pytest.mark.parametrize(
    ("dialect", "code", "message"),
    [
        ("postgresql", 'op.alter_column("t", "a", postgresql_using="a::int")', "pass type_= too"),
        ("mysql", 'op.drop_index("ix_a")', "pass table_name="),
    ],
)
def test_refused(dialect: str, code: str, message: str) -> None:
    ours = offline("still", dialect, code)
    assert ours.error is not None and ours.error.startswith("StillError") and message in ours.error
    assert ours.sql == ""


def test_online_type_check_follows_the_type(tmp_path: Path) -> None:
    """PostgreSQL: after the type change the old CHECK is gone and the new one holds."""
    with fresh_database("postgresql", tmp_path) as url:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as connection:
                setup = online(
                    "still",
                    connection,
                    'op.create_table("t", sa.Column("a", sa.Enum("y", name="ck_old", '
                    "native_enum=False, create_constraint=True)))",
                )
                assert setup.error is None, setup.error
                change = online("still", connection, FIXES["type_check_follows_the_type"][1])
                assert change.error is None, change.error
                checks = {c["name"] for c in sa.inspect(connection).get_check_constraints("t")}
                assert checks == {"ck_new"}
                connection.rollback()
                with pytest.raises(sa.exc.IntegrityError), connection.begin():
                    connection.execute(sa.text("INSERT INTO t (a) VALUES ('y')"))
        finally:
            engine.dispose()
