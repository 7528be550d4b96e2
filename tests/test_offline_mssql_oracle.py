"""`--sql` scripts for SQL Server and Oracle (compile only: no server here), statement by statement.

The guards for `if_not_exists` / `if_exists` are in tests/test_offline_sql.py; these are the other
places where the grammar of these two differs: foreign-key options, ALTER COLUMN, renames,
comments, literal dates in bulk_insert, PL/SQL framing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from still.errors import StillError
from tests.test_offline_sql import _offline_upgrade


def _script(tmp_path: Path, dialect: str, body: str) -> str:
    return _offline_upgrade(tmp_path, dialect, body)


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ("deferrable=True", "deferrable=True"),
        ('initially="DEFERRED"', "initially='DEFERRED'"),
        ('match="FULL"', "match='FULL'"),
        ('ondelete="RESTRICT"', "ondelete='RESTRICT'"),
    ],
)
def test_sql_server_refuses_foreign_key_options_it_lacks(
    tmp_path: Path, options: str, named: str
) -> None:
    body = (
        f'    op.create_foreign_key("fk_po", "pets", "owners", ["owner_id"], ["id"], {options})\n'
    )
    with pytest.raises(StillError, match=rf"SQL Server has no {named} for the foreign key fk_po"):
        _script(tmp_path, "mssql", body)


def test_sql_server_refuses_deferrable_in_create_table(tmp_path: Path) -> None:
    body = """    op.create_table("toys", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("pet_id", sa.Integer, sa.ForeignKey("pets.id", deferrable=True)))
"""
    with pytest.raises(StillError, match=r"no deferrable=True .* Leave it out for SQL Server"):
        _script(tmp_path, "mssql", body)


@pytest.mark.filterwarnings("ignore:Oracle Database does not contain native UPDATE CASCADE")
def test_oracle_foreign_key_actions(tmp_path: Path) -> None:
    fk = 'op.create_foreign_key("fk_po", "pets", "owners", ["owner_id"], ["id"]'
    sql = _script(tmp_path, "oracle", f'    {fk}, ondelete="CASCADE", deferrable=True)\n')
    assert (
        "ALTER TABLE pets ADD CONSTRAINT fk_po FOREIGN KEY(owner_id) REFERENCES owners (id) "
        "ON DELETE CASCADE DEFERRABLE;" in sql
    )
    for n, option in enumerate(('ondelete="RESTRICT"', 'ondelete="SET DEFAULT"', 'match="FULL"')):
        with pytest.raises(StillError, match="Oracle has no"):
            _script(tmp_path / str(n), "oracle", f"    {fk}, {option})\n")


ALTERS = """
    op.alter_column("pets", "age", type_=sa.BigInteger, nullable=False, existing_type=sa.Integer)
    op.alter_column("pets", "name", nullable=False, existing_type=sa.String(50))
    op.alter_column("pets", "age", server_default="3", existing_type=sa.BigInteger)
    op.alter_column("pets", "age", server_default=None, existing_type=sa.BigInteger)
    op.alter_column("pets", "name", new_column_name="nick", existing_type=sa.String(50))
    op.rename_table("owners", "o'wners")
    op.create_primary_key("pk_x", "pets", ["id"])
    op.create_unique_constraint("uq_x", "pets", ["nick"])
    op.create_check_constraint("ck_x", "pets", "age > 0")
    op.drop_constraint("ck_x", "pets", type_="check")
"""

DROP_DEFAULT = (
    "DECLARE @name NVARCHAR(256); SELECT @name = dc.name FROM sys.default_constraints dc "
    "JOIN sys.columns c ON c.object_id = dc.parent_object_id AND c.column_id = dc.parent_column_id "
    "WHERE dc.parent_object_id = OBJECT_ID(N'pets') AND c.name = N'age'; "
    "IF @name IS NOT NULL EXEC('ALTER TABLE pets DROP CONSTRAINT ' + QUOTENAME(@name)); GO"
)

ALTERS_SQL = {
    "mssql": [
        # type and nullability in one ALTER COLUMN: a type alone would make the column nullable
        "ALTER TABLE pets ALTER COLUMN age BIGINT NOT NULL; GO",
        "ALTER TABLE pets ALTER COLUMN name VARCHAR(50) NOT NULL; GO",
        # a new default replaces the one there (ADD DEFAULT fails while there is one)
        f"{DROP_DEFAULT} ALTER TABLE pets ADD DEFAULT '3' FOR age; GO {DROP_DEFAULT} EXEC",
        "EXEC sp_rename 'pets.name', nick, 'COLUMN'; GO",
        "EXEC sp_rename 'owners', [o'wners]; GO",
        "ALTER TABLE pets ADD CONSTRAINT pk_x PRIMARY KEY (id); GO",
        "ALTER TABLE pets ADD CONSTRAINT uq_x UNIQUE (nick); GO",
        "ALTER TABLE pets ADD CONSTRAINT ck_x CHECK (age > 0); GO",
        "ALTER TABLE pets DROP CONSTRAINT ck_x; GO",
    ],
    "oracle": [
        "ALTER TABLE pets MODIFY age NOT NULL; ALTER TABLE pets MODIFY age NUMBER(19);",
        "ALTER TABLE pets MODIFY name NOT NULL;",
        "ALTER TABLE pets MODIFY age DEFAULT '3'; ALTER TABLE pets MODIFY age DEFAULT NULL;",
        "ALTER TABLE pets RENAME COLUMN name TO nick;",
        'ALTER TABLE owners RENAME TO "o\'wners";',
        "ALTER TABLE pets ADD CONSTRAINT pk_x PRIMARY KEY (id);",
        "ALTER TABLE pets ADD CONSTRAINT uq_x UNIQUE (nick);",
        "ALTER TABLE pets ADD CONSTRAINT ck_x CHECK (age > 0);",
        "ALTER TABLE pets DROP CONSTRAINT ck_x;",
    ],
}


@pytest.mark.parametrize("dialect", sorted(ALTERS_SQL))
def test_alter_column_renames_and_constraints(tmp_path: Path, dialect: str) -> None:
    sql = _script(tmp_path, dialect, ALTERS)
    for statement in ALTERS_SQL[dialect]:
        assert statement in sql, statement


def test_sql_server_names_in_string_literals_are_escaped(tmp_path: Path) -> None:
    sql = _script(
        tmp_path,
        "mssql",
        """    op.rename_table("owners", "x", schema="s'q")
    op.alter_column("pets", "age", server_default=None, schema="s'q")
    op.drop_column("pets", "age", schema="s'q", mssql_drop_check=True)
""",
    )
    assert "EXEC sp_rename '[s''q].owners', x; GO" in sql
    assert "OBJECT_ID(N'[s''q].pets') AND c.name = N'age'" in sql
    assert "EXEC('ALTER TABLE [s''q].pets DROP CONSTRAINT ' + QUOTENAME(@name))" in sql


def test_sql_server_drop_index_needs_the_table(tmp_path: Path) -> None:
    with pytest.raises(StillError, match="pass table_name="):
        _script(tmp_path, "mssql", '    op.drop_index("ix_pets_name")\n')
    assert "DROP INDEX ix_pets_name;" in _script(
        tmp_path / "o", "oracle", '    op.drop_index("ix_pets_name")\n'
    )


BULK = """
    import datetime
    op.bulk_insert(
        sa.table("visits", sa.column("id", sa.Integer), sa.column("day", sa.Date),
                 sa.column("at", sa.DateTime), sa.column("tz", sa.DateTime(timezone=True)),
                 sa.column("ok", sa.Boolean), sa.column("note", sa.String)),
        [{"id": 1, "day": datetime.date(2024, 2, 29),
          "at": datetime.datetime(2024, 2, 29, 8, 5, 1, 250),
          "tz": datetime.datetime(2024, 2, 29, 8, 5,
                                  tzinfo=datetime.timezone(datetime.timedelta(hours=-5))),
          "ok": True, "note": "it's"}],
    )
"""


def test_bulk_insert_literals(tmp_path: Path) -> None:
    mssql = _script(tmp_path, "mssql", BULK)
    # Dates read the same whatever SET LANGUAGE / DATEFORMAT say; DATETIME2 keeps microseconds
    # that a DATETIME string literal would refuse.
    assert (
        "INSERT INTO visits (id, day, at, tz, ok, note) VALUES (1, '20240229', "
        "CAST('2024-02-29T08:05:01.000250' AS DATETIME2), "
        "CAST('2024-02-29T08:05:00-05:00' AS DATETIMEOFFSET), 1, 'it''s'); GO" in mssql
    )
    oracle = _script(tmp_path / "o", "oracle", BULK)
    assert (
        "INSERT INTO visits (id, day, at, tz, ok, note) VALUES (1, "
        "TO_DATE('2024-02-29', 'YYYY-MM-DD'), "
        "TO_TIMESTAMP('2024-02-29 08:05:01.000250', 'YYYY-MM-DD HH24:MI:SS.FF'), "
        "TO_TIMESTAMP_TZ('2024-02-29 08:05:00.000000 -05:00', "
        "'YYYY-MM-DD HH24:MI:SS.FF6 TZH:TZM'), "
        "1, 'it''s');" in oracle
    )


def test_oracle_plsql_blocks_end_with_a_slash_line(tmp_path: Path) -> None:
    import io

    from still import command
    from still.config import Config
    from tests.test_operations import BASE, Project

    project = Project(tmp_path, "oracle://")
    project.add(BASE)
    project.add(
        """    op.execute("BEGIN NULL; END;")
    op.drop_table("pets", if_exists=True)
    op.execute("DELETE FROM owners")
"""
    )
    out = io.StringIO()
    config = Config(str(tmp_path / "alembic.ini"), output_buffer=out)
    config.set_main_option("sqlalchemy.url", "oracle://")
    command.upgrade(config, "r0:head", sql=True)
    lines = out.getvalue().splitlines()
    ends = [i for i, line in enumerate(lines) if line == "END;"]
    assert len(ends) == 1  # the guard's block; the other is one line
    assert "BEGIN NULL; END;" in lines and lines[lines.index("BEGIN NULL; END;") + 1] == "/"
    assert all(lines[i + 1] == "/" for i in ends)
    assert "DELETE FROM owners;" in lines  # plain SQL: ';' and no '/' (it would run twice)
    assert lines.count("/") == 2


def test_sql_server_batch_block_runs_as_plain_alters(tmp_path: Path) -> None:
    sql = _script(
        tmp_path,
        "mssql",
        """    with op.batch_alter_table("pets") as batch_op:
        batch_op.alter_column("age", type_=sa.BigInteger, existing_type=sa.Integer,
                              existing_nullable=False)
        batch_op.add_column(sa.Column("weight", sa.Integer, server_default="7"))
        batch_op.create_foreign_key("fk_po", "owners", ["owner_id"], ["id"], ondelete="CASCADE")
        batch_op.drop_column("weight")
""",
    )
    assert "ALTER TABLE pets ALTER COLUMN age BIGINT NOT NULL; GO" in sql
    assert "ALTER TABLE pets ADD weight INTEGER NULL DEFAULT '7'; GO" in sql
    assert (
        "ALTER TABLE pets ADD CONSTRAINT fk_po FOREIGN KEY(owner_id) REFERENCES owners (id) "
        "ON DELETE CASCADE; GO" in sql
    )
    assert "ALTER TABLE pets DROP COLUMN weight; GO" in sql
