"""`--sql` scripts, run by each database's own client, leave what running online leaves.

The project has a branch and a merge, so the script must also keep several version rows right.
"""

from __future__ import annotations

import io
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from still import command
from still.config import Config
from tests.databases import KINDS, fresh_database

REVISIONS = {
    "a1": (
        None,
        "create owners and pets",
        """
    op.create_table(
        "owners",
        sa.Column("owner_id", sa.Integer, primary_key=True),
        sa.Column("owner_name", sa.String(100), nullable=False),
    )
    op.create_table(
        "pets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("owner_id", sa.Integer, sa.ForeignKey("owners.owner_id")),
        sa.Column("name", sa.String(50), nullable=False),
    )
    op.execute("INSERT INTO owners (owner_id, owner_name) VALUES (1, 'Ann')")
""",
        """
    op.drop_table("pets")
    op.drop_table("owners")
""",
    ),
    "b1": (
        "a1",
        "add age",
        """
    op.add_column("pets", sa.Column("age", sa.Integer, nullable=True))
    op.execute("UPDATE pets SET age = 0 WHERE age IS NULL")
""",
        """
    op.drop_column("pets", "age")
""",
    ),
    # Not on owner_id: on MySQL/MariaDB, dropping an index a foreign key relies on needs the
    # database to be asked first, which only an online run can do (see docs/ARCHITECTURE.md).
    "c1": (
        "a1",
        "index name",
        """
    op.create_index("ix_pet_name", "pets", ["name"])
""",
        """
    op.drop_index("ix_pet_name", table_name="pets")
""",
    ),
    "m1": (("b1", "c1"), "merge", "    pass\n", "    pass\n"),
}

TEMPLATE = '''"""{message}"""
from alembic import op
import sqlalchemy as sa

revision = {rev!r}
down_revision = {down!r}


def upgrade():
{upgrade}

def downgrade():
{downgrade}
'''


def make_project(root: Path, url: str) -> Config:
    config = Config(str(root / "alembic.ini"), stdout=io.StringIO())
    command.init(config, str(root / "migrations"))
    for rev, (down, message, upgrade, downgrade) in REVISIONS.items():
        (root / "migrations" / "versions" / f"{rev}.py").write_text(
            TEMPLATE.format(
                rev=rev, down=down, message=message, upgrade=upgrade, downgrade=downgrade
            )
        )
    return project_config(root, url)


def project_config(root: Path, url: str, output: io.StringIO | None = None) -> Config:
    config = Config(str(root / "alembic.ini"), stdout=io.StringIO(), output_buffer=output)
    config.set_main_option("sqlalchemy.url", url)
    return config


def snapshot(url: str) -> dict[str, object]:
    """Tables, columns, indexes, foreign keys, version rows and owner rows of a database."""
    engine = sa.create_engine(url)
    try:
        inspector = sa.inspect(engine)
        tables = {}
        # still's ledger is written online only (scripts for --sql leave it out)
        for table in sorted(set(inspector.get_table_names()) - {"still_ledger"}):
            tables[table] = {
                "columns": [
                    (c["name"], type(c["type"]).__name__, c["nullable"])
                    for c in inspector.get_columns(table)
                ],
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                    for i in inspector.get_indexes(table)
                ),
                "foreign_keys": sorted(
                    (tuple(f["constrained_columns"]), f["referred_table"])
                    for f in inspector.get_foreign_keys(table)
                ),
            }
        with engine.connect() as conn:
            versions = sorted(
                conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()
            )
            owners = (
                sorted(conn.execute(sa.text("SELECT owner_name FROM owners")).scalars())
                if "owners" in tables
                else None
            )
    finally:
        engine.dispose()
    return {"tables": tables, "versions": versions, "owners": owners}


def run_with_client(kind: str, url: str, script: str, tmp_path: Path) -> None:
    """Execute a SQL script with the database's own command-line client."""
    parsed = sa.engine.make_url(url)
    path = tmp_path / "script.sql"
    path.write_text(script)
    if kind == "sqlite":
        if shutil.which("sqlite3"):
            subprocess.run(["sqlite3", parsed.database], stdin=path.open(), check=True)
        else:  # the client is not installed: Python's sqlite3 runs the script as one batch
            with sqlite3.connect(parsed.database) as conn:
                conn.executescript(script)
    elif kind == "postgresql":
        subprocess.run(
            [
                "psql",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-d",
                str(parsed.database),
                "-f",
                str(path),
            ],
            check=True,
        )
    else:
        subprocess.run(
            ["mysql", "-h", "127.0.0.1", "-u", "root", str(parsed.database)],
            stdin=path.open(),
            check=True,
        )


@pytest.mark.parametrize("kind", KINDS)
def test_offline_script_matches_online_run(kind: str, tmp_path: Path) -> None:
    client = {"sqlite": "sqlite3", "postgresql": "psql", "mariadb": "mysql"}[kind]
    if kind != "sqlite" and shutil.which(client) is None:
        pytest.skip(f"{client} is not installed")
    with fresh_database(kind, tmp_path) as online, fresh_database(kind, tmp_path) as offline:
        config = make_project(tmp_path, online)
        command.upgrade(config, "heads")

        script = io.StringIO()
        command.upgrade(project_config(tmp_path, offline, script), "heads", sql=True)
        text = script.getvalue()
        assert "INSERT INTO alembic_version" in text
        if kind == "mariadb":
            assert "BEGIN;" not in text  # MariaDB commits DDL by itself: no transaction framing
        else:
            assert text.lstrip().startswith("BEGIN;") and text.rstrip().endswith("COMMIT;")
        run_with_client(kind, offline, text, tmp_path)

        expected = snapshot(online)
        assert expected["versions"] == ["m1"]
        assert snapshot(offline) == expected

        # Downgrade, offline from head to base, and online: again the same.
        script = io.StringIO()
        command.downgrade(project_config(tmp_path, offline, script), "m1:base", sql=True)
        run_with_client(kind, offline, script.getvalue(), tmp_path)
        command.downgrade(config, "base")
        after = snapshot(online)
        assert after["tables"].keys() == {"alembic_version"}
        assert snapshot(offline) == after


def test_offline_downgrade_needs_a_starting_point(tmp_path: Path) -> None:
    config = make_project(tmp_path, "sqlite:///unused.db")
    from still.errors import CommandError

    with pytest.raises(CommandError, match="head:base"):
        command.downgrade(config, "base", sql=True)


def test_output_encoding_of_the_script(tmp_path: Path) -> None:
    import sys

    make_project(tmp_path, "sqlite:///unused.db")
    env = tmp_path / "migrations" / "env.py"
    env.write_text(
        env.read_text().replace(
            "literal_binds=True,", 'literal_binds=True, output_encoding="utf-16",'
        )
    )
    ini = tmp_path / "alembic.ini"
    ini.write_text(ini.read_text().replace("driver://user:pass@localhost/dbname", "sqlite://"))
    done = subprocess.run(
        [sys.executable, "-m", "still", "upgrade", "a1", "--sql", "--tag", "t1"],
        cwd=tmp_path,
        capture_output=True,
        check=True,
    )
    text = done.stdout.decode("utf-16")
    assert "\ufeff" not in text  # one byte-order mark, at the start
    assert "CREATE TABLE owners" in text and "INSERT INTO alembic_version" in text


# -- expected SQL for options, on the five dialects (compiled only) -------------------------------

OPTIONS_BODY = """
    op.create_table("tags", sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("label", sa.String(30), comment="shown"),
                    if_not_exists=True, comment="labels")
    op.create_index("ix_tags_label", "tags", ["label"], if_not_exists=True,
                    mysql_length={"label": 10}, postgresql_using="hash")
    op.drop_index("ix_tags_label", table_name="tags", if_exists=True)
    op.drop_table("tags", if_exists=True)
"""

COLUMN_GUARDS = """
    op.add_column("pets", sa.Column("color", sa.String(20)), if_not_exists=True)
    op.drop_column("pets", "color", if_exists=True)
"""

CONSTRAINTS_AND_COMMENTS = """
    op.create_foreign_key("fk_pets_owner", "pets", "owners", ["owner_id"], ["id"],
                          deferrable=True, initially="DEFERRED", ondelete="SET NULL")
    op.create_table_comment("pets", "animals")
    op.drop_table_comment("pets", existing_comment="animals")
    op.alter_column("pets", "name", comment="what we call it", existing_type=sa.String(50))
    op.alter_column("pets", "name", comment=None, existing_type=sa.String(50),
                    existing_comment="what we call it")
"""

FK = "ALTER TABLE pets ADD CONSTRAINT fk_pets_owner FOREIGN KEY(owner_id) REFERENCES owners (id)"
OPTIONS_SQL = {
    "postgresql": [
        "CREATE TABLE IF NOT EXISTS tags ( id SERIAL NOT NULL, label VARCHAR(30), "
        "PRIMARY KEY (id) );",
        "COMMENT ON TABLE tags IS 'labels';",
        "COMMENT ON COLUMN tags.label IS 'shown';",
        "CREATE INDEX IF NOT EXISTS ix_tags_label ON tags USING hash (label);",
        "DROP INDEX IF EXISTS ix_tags_label;",
        "DROP TABLE IF EXISTS tags;",
        "ALTER TABLE pets ADD COLUMN IF NOT EXISTS color VARCHAR(20);",
        "ALTER TABLE pets DROP COLUMN IF EXISTS color;",
        f"{FK} ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED;",
        "COMMENT ON TABLE pets IS 'animals';",
        "COMMENT ON TABLE pets IS NULL;",
        "COMMENT ON COLUMN pets.name IS 'what we call it';",
        "COMMENT ON COLUMN pets.name IS NULL;",
    ],
    "mysql": [
        "CREATE TABLE IF NOT EXISTS tags ( id INTEGER NOT NULL AUTO_INCREMENT, "
        "label VARCHAR(30) COMMENT 'shown', PRIMARY KEY (id) )COMMENT='labels';",
        "CREATE INDEX IF NOT EXISTS ix_tags_label ON tags (label(10));",
        "DROP INDEX IF EXISTS ix_tags_label ON tags;",
        "DROP TABLE IF EXISTS tags;",
        "ALTER TABLE pets ADD COLUMN IF NOT EXISTS color VARCHAR(20);",
        "ALTER TABLE pets DROP COLUMN IF EXISTS color;",
        f"{FK} ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED;",
        "ALTER TABLE pets COMMENT 'animals';",
        "ALTER TABLE pets COMMENT '';",
        "ALTER TABLE pets MODIFY name VARCHAR(50) NULL COMMENT 'what we call it';",
        "ALTER TABLE pets MODIFY name VARCHAR(50) NULL;",
    ],
    "sqlite": [
        "CREATE TABLE IF NOT EXISTS tags ( id INTEGER NOT NULL, label VARCHAR(30), "
        "PRIMARY KEY (id) );",
        "CREATE INDEX IF NOT EXISTS ix_tags_label ON tags (label);",
        "DROP INDEX IF EXISTS ix_tags_label;",
        "DROP TABLE IF EXISTS tags;",
    ],
    # SQL Server: no CREATE ... IF NOT EXISTS or guarded ADD (the catalog is asked), DROP ... IF
    # EXISTS since 2016; comments added or updated; no deferrable foreign keys (refused: see
    # tests/test_offline_mssql_oracle.py).
    "mssql": [
        "IF OBJECT_ID(N'tags', N'U') IS NULL BEGIN CREATE TABLE tags ( id INTEGER NOT NULL "
        "IDENTITY, label VARCHAR(30) NULL, PRIMARY KEY (id) ); "
        "IF EXISTS (SELECT 1 FROM sys.extended_properties WHERE class = 1 AND "
        "major_id = OBJECT_ID(N'dbo.tags') AND minor_id = 0 AND name = N'MS_Description') "
        "EXEC sp_updateextendedproperty N'MS_Description', N'labels', N'SCHEMA', N'dbo', "
        "N'TABLE', N'tags' ELSE EXEC sp_addextendedproperty N'MS_Description', N'labels', "
        "N'SCHEMA', N'dbo', N'TABLE', N'tags'; "
        "IF EXISTS (SELECT 1 FROM sys.extended_properties WHERE class = 1 AND "
        "major_id = OBJECT_ID(N'dbo.tags') AND minor_id = COLUMNPROPERTY(OBJECT_ID(N'dbo.tags'), "
        "N'label', 'ColumnId') AND name = N'MS_Description') "
        "EXEC sp_updateextendedproperty N'MS_Description', N'shown', N'SCHEMA', N'dbo', "
        "N'TABLE', N'tags', N'COLUMN', N'label' ELSE EXEC sp_addextendedproperty "
        "N'MS_Description', N'shown', N'SCHEMA', N'dbo', N'TABLE', N'tags', N'COLUMN', N'label'; "
        "END; GO",
        "IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'ix_tags_label' AND "
        "object_id = OBJECT_ID(N'tags')) CREATE INDEX ix_tags_label ON tags (label); GO",
        "DROP INDEX IF EXISTS ix_tags_label ON tags; GO",
        "DROP TABLE IF EXISTS tags; GO",
        "IF COL_LENGTH(N'pets', N'color') IS NULL ALTER TABLE pets ADD color VARCHAR(20) NULL; GO",
        "ALTER TABLE pets DROP COLUMN IF EXISTS color; GO",
        f"{FK} ON DELETE SET NULL; GO",
        "ELSE EXEC sp_addextendedproperty N'MS_Description', N'animals', N'SCHEMA', N'dbo', "
        "N'TABLE', N'pets'; GO",
        "IF EXISTS (SELECT 1 FROM sys.extended_properties WHERE class = 1 AND "
        "major_id = OBJECT_ID(N'dbo.pets') AND minor_id = 0 AND name = N'MS_Description') "
        "EXEC sp_dropextendedproperty N'MS_Description', N'SCHEMA', N'dbo', N'TABLE', N'pets'; GO",
        "ELSE EXEC sp_addextendedproperty N'MS_Description', N'what we call it', N'SCHEMA', "
        "N'dbo', N'TABLE', N'pets', N'COLUMN', N'name'; GO",
        "EXEC sp_dropextendedproperty N'MS_Description', N'SCHEMA', N'dbo', N'TABLE', N'pets', "
        "N'COLUMN', N'name'; GO",
    ],
    # Oracle (before 23ai: no IF [NOT] EXISTS): a PL/SQL block ignores the one error that means
    # "already there" / "not there", ended by a '/' line.
    "oracle": [
        "BEGIN BEGIN EXECUTE IMMEDIATE 'CREATE TABLE tags ( id INTEGER NOT NULL, "
        "label VARCHAR2(30 CHAR), PRIMARY KEY (id) )'; EXCEPTION WHEN OTHERS THEN "
        "IF SQLCODE = -955 THEN RETURN; END IF; RAISE; END; "
        "EXECUTE IMMEDIATE 'COMMENT ON TABLE tags IS ''labels'''; "
        "EXECUTE IMMEDIATE 'COMMENT ON COLUMN tags.label IS ''shown'''; END; /",
        "BEGIN EXECUTE IMMEDIATE 'CREATE INDEX ix_tags_label ON tags (label)'; EXCEPTION "
        "WHEN OTHERS THEN IF SQLCODE != -955 THEN RAISE; END IF; END; /",
        "BEGIN EXECUTE IMMEDIATE 'DROP INDEX ix_tags_label'; EXCEPTION "
        "WHEN OTHERS THEN IF SQLCODE != -1418 THEN RAISE; END IF; END; /",
        "BEGIN EXECUTE IMMEDIATE 'DROP TABLE tags'; EXCEPTION "
        "WHEN OTHERS THEN IF SQLCODE != -942 THEN RAISE; END IF; END; /",
        "BEGIN EXECUTE IMMEDIATE 'ALTER TABLE pets ADD color VARCHAR2(20 CHAR)'; EXCEPTION "
        "WHEN OTHERS THEN IF SQLCODE != -1430 THEN RAISE; END IF; END; /",
        "BEGIN EXECUTE IMMEDIATE 'ALTER TABLE pets DROP COLUMN color'; EXCEPTION "
        "WHEN OTHERS THEN IF SQLCODE != -904 THEN RAISE; END IF; END; /",
        f"{FK} ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED;",
        "COMMENT ON TABLE pets IS 'animals';",
        "COMMENT ON COLUMN pets.name IS 'what we call it';",
        # Oracle's COMMENT ... IS takes a string literal only (IS NULL is ORA-01780)
        "COMMENT ON COLUMN pets.name IS '';",
    ],
}


def _offline_upgrade(tmp_path: Path, dialect: str, body: str) -> str:
    from tests.test_operations import BASE, Project

    project = Project(tmp_path, f"{dialect}://")
    project.add(BASE)
    project.add(body)
    out = io.StringIO()
    config = Config(str(tmp_path / "alembic.ini"), output_buffer=out)
    config.set_main_option("sqlalchemy.url", f"{dialect}://")
    command.upgrade(config, "r0:head", sql=True)
    return " ".join(out.getvalue().split("Running upgrade r0 -> r1")[-1].split())


@pytest.mark.filterwarnings("ignore:Oracle Database does not contain native UPDATE CASCADE")
@pytest.mark.parametrize("dialect", sorted(OPTIONS_SQL))
def test_options_compile_for_every_dialect(tmp_path: Path, dialect: str) -> None:
    body = OPTIONS_BODY
    if dialect != "sqlite":  # SQLite: guards on columns need the database; constraints rebuild
        body += COLUMN_GUARDS + CONSTRAINTS_AND_COMMENTS
    if dialect == "mssql":  # no deferrable constraints (refused: test_offline_mssql_oracle.py)
        body = body.replace('deferrable=True, initially="DEFERRED", ', "")
    sql = _offline_upgrade(tmp_path, dialect, body)
    for statement in OPTIONS_SQL[dialect]:
        assert " ".join(statement.split()) in sql, statement
    if dialect in ("mssql", "oracle"):  # neither has these clauses (Oracle only from 23ai)
        assert "IF NOT EXISTS tags" not in sql and "IF NOT EXISTS ix_" not in sql
        assert "ADD IF NOT EXISTS" not in sql and "COLUMN IF NOT EXISTS" not in sql
        assert "DEFERRABLE" not in sql if dialect == "mssql" else "DEFERRABLE" in sql
    if dialect == "oracle":
        assert "IF EXISTS" not in sql


def test_sqlite_column_guards_need_the_database(tmp_path: Path) -> None:
    from still.errors import StillError

    with pytest.raises(StillError, match="no IF NOT EXISTS for columns"):
        _offline_upgrade(tmp_path, "sqlite", COLUMN_GUARDS)
