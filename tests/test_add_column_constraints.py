"""``op.add_column`` keeps what the Column carries: its foreign key, ``unique=True``,
``index=True``, its own CHECK constraint and its comment (issue 15, bug 1).

Alembic adds the column, then each constraint of the table the column is put on (``ADD FOREIGN
KEY``, ``ADD UNIQUE``), its indexes, and a comment statement where comments are statements; a
CHECK given on the Column goes inline.  The SQL is compared with real Alembic's for every
dialect; online, the constraints exist in the database and a later revision drops them by the
names the database gave them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from still import command
from tests.conftest import kind_of
from tests.op_differential import offline, require_alembic, same_script
from tests.test_operations import Project

require_alembic()

FEATURES = {
    "foreign_key": 'op.add_column("c", sa.Column("pid", sa.Integer, '
    'sa.ForeignKey("p.id", ondelete="CASCADE")))',
    "named_foreign_key": 'op.add_column("c", sa.Column("pid", sa.Integer, '
    'sa.ForeignKey("p.id", name="fk_c_p", onupdate="CASCADE", deferrable=True, '
    'initially="DEFERRED")))',
    "unique": 'op.add_column("c", sa.Column("u", sa.Integer, unique=True))',
    "index": 'op.add_column("c", sa.Column("ix", sa.Integer, index=True))',
    "unique_index": 'op.add_column("c", sa.Column("ux", sa.Integer, index=True, unique=True))',
    "check": 'op.add_column("c", sa.Column("k", sa.Integer, sa.CheckConstraint("k > 0", '
    'name="ck_c_k")))',
    "comment": 'op.add_column("c", sa.Column("cm", sa.Integer, comment="it\'s"))',
    "type_check": 'op.add_column("c", sa.Column("e", sa.Enum("p", "q", name="ck_c_e", '
    "native_enum=False, create_constraint=True)))",
    "schema": 'op.add_column("c", sa.Column("pid", sa.Integer, sa.ForeignKey("s.p.id"), '
    'unique=True, index=True), schema="s")',
    "inline_references": 'op.add_column("c", sa.Column("pid", sa.Integer, '
    'sa.ForeignKey("p.id", ondelete="CASCADE")), inline_references=True)',
    "inline_primary_key": 'op.add_column("c", sa.Column("id", sa.Integer, primary_key=True), '
    "inline_primary_key=True)",
}

# Where still deliberately writes something else than Alembic 1.20 (docs/operations.md):
DIFFERENT = {
    # Alembic's SQL Server and Oracle ADD leaves out the Column's own constraints (the CHECK,
    # inline REFERENCES and PRIMARY KEY): the constraint is lost.  still keeps them inline.
    ("check", "mssql"): "ALTER TABLE c ADD k INTEGER NULL CONSTRAINT ck_c_k CHECK (k > 0);",
    ("check", "oracle"): "ALTER TABLE c ADD k INTEGER CONSTRAINT ck_c_k CHECK (k > 0);",
    ("inline_references", "mssql"): "ALTER TABLE c ADD pid INTEGER NULL REFERENCES p (id) "
    "ON DELETE CASCADE;",
    ("inline_references", "oracle"): "ALTER TABLE c ADD pid INTEGER REFERENCES p (id) "
    "ON DELETE CASCADE;",
    ("inline_primary_key", "mssql"): "ALTER TABLE c ADD id INTEGER NOT NULL IDENTITY PRIMARY KEY;",
    ("inline_primary_key", "oracle"): "ALTER TABLE c ADD id INTEGER NOT NULL PRIMARY KEY;",
    # SQL Server has no deferrable constraints: refused before anything runs (docs/operations.md)
    ("named_foreign_key", "mssql"): "StillError",
    # Alembic 1.20 fails on a column comment in a SQL Server script (AttributeError).
    ("comment", "mssql"): "ALTER TABLE c ADD cm INTEGER NULL;",
    # SQLite's ALTER TABLE has no ADD CONSTRAINT: Alembic raises NotImplementedError (offline and
    # online); still rebuilds the table online and, offline, asks for batch mode's copy_from.
    ("foreign_key", "sqlite"): "CommandError",
    ("named_foreign_key", "sqlite"): "CommandError",
    ("unique", "sqlite"): "CommandError",
    ("schema", "sqlite"): "CommandError",
    # ... and skips a type's CHECK with a warning; still keeps it, inline in ADD COLUMN.
    ("type_check", "sqlite"): "ALTER TABLE c ADD COLUMN e VARCHAR(1) CONSTRAINT ck_c_e "
    "CHECK (e IN ('p', 'q'));",
}


@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite", "mssql", "oracle"])
@pytest.mark.parametrize("feature", sorted(FEATURES))
def test_sql_as_alembic(feature: str, dialect: str) -> None:
    code = FEATURES[feature]
    ours = offline("still", dialect, code)
    expected = DIFFERENT.get((feature, dialect))
    if expected is None:
        theirs = offline("alembic", dialect, code)
        assert theirs.error is None, theirs.error
        assert same_script(dialect, ours, theirs), (ours.sql, theirs.sql)
    elif expected.endswith("Error"):
        assert ours.error is not None and ours.error.startswith(expected), ours
        if expected == "StillError":
            assert ours.sql == ""  # refused before anything was written
    else:
        assert ours.error is None, ours.error
        assert " ".join(expected.split()) in " ".join(ours.words), ours.sql


def test_sql_for_each_constraint() -> None:
    """The statements, spelled out (PostgreSQL), as Alembic writes them."""
    sql = " ".join(offline("still", "postgresql", "\n".join(FEATURES.values())).words)
    for statement in (
        "ALTER TABLE c ADD COLUMN pid INTEGER; "
        "ALTER TABLE c ADD FOREIGN KEY(pid) REFERENCES p (id) ON DELETE CASCADE;",
        "ALTER TABLE c ADD CONSTRAINT fk_c_p FOREIGN KEY(pid) REFERENCES p (id) "
        "ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED;",
        "ALTER TABLE c ADD COLUMN u INTEGER; ALTER TABLE c ADD UNIQUE (u);",
        "ALTER TABLE c ADD COLUMN ix INTEGER; CREATE INDEX ix_c_ix ON c (ix);",
        "ALTER TABLE c ADD COLUMN ux INTEGER; CREATE UNIQUE INDEX ix_c_ux ON c (ux);",
        "ALTER TABLE c ADD COLUMN k INTEGER CONSTRAINT ck_c_k CHECK (k > 0);",
        "ALTER TABLE c ADD COLUMN cm INTEGER; COMMENT ON COLUMN c.cm IS 'it''s';",
        "ALTER TABLE c ADD CONSTRAINT ck_c_e CHECK (e IN ('p', 'q'));",
        "ALTER TABLE s.c ADD FOREIGN KEY(pid) REFERENCES s.p (id);",
        "ALTER TABLE c ADD COLUMN pid INTEGER REFERENCES p (id) ON DELETE CASCADE;",
        "ALTER TABLE c ADD COLUMN id SERIAL NOT NULL PRIMARY KEY;",
    ):
        assert statement in sql, statement


def test_naming_convention_of_target_metadata() -> None:
    """Unnamed constraints and indexes take their names from env.py's target_metadata, as in
    Alembic."""
    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        }
    )
    code = (
        'op.add_column("c", sa.Column("pid", sa.Integer, sa.ForeignKey("p.id"), unique=True, '
        "index=True))"
    )
    ours = offline("still", "postgresql", code, {"target_metadata": metadata})
    theirs = offline("alembic", "postgresql", code, {"target_metadata": metadata})
    assert same_script("postgresql", ours, theirs), (ours.sql, theirs.sql)
    for name in ("fk_c_pid_p", "ix_c_pid"):  # unique=True and index=True: a unique index
        assert name in ours.sql


# -- online: the constraints exist, and a later revision drops them by the database's names -----

BASE = """
    op.create_table("p", sa.Column("id", sa.Integer, primary_key=True))
    op.create_table("c", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("INSERT INTO p (id) VALUES (1), (2)")
    op.execute("INSERT INTO c (id) VALUES (10), (20)")
"""

ADD = """
    op.add_column("c", sa.Column("pid", sa.Integer, sa.ForeignKey("p.id", ondelete="CASCADE")))
    op.add_column("c", sa.Column("u", sa.Integer, unique=True))
    op.add_column("c", sa.Column("ix", sa.Integer, index=True))
    op.add_column("c", sa.Column("k", sa.Integer, sa.CheckConstraint("k > 0", name="ck_c_k")))
    op.add_column("c", sa.Column("cm", sa.Integer, comment="a comment"))
    op.execute("UPDATE c SET pid = 1, u = id, k = 1")
"""

# The names each database gives the unnamed foreign key and unique constraint.
DROP = {
    "postgresql": """
    op.drop_constraint("c_pid_fkey", "c", type_="foreignkey")
    op.drop_constraint("c_u_key", "c", type_="unique")
    op.drop_constraint("ck_c_k", "c", type_="check")
""",
    "mariadb": """
    op.drop_constraint("c_ibfk_1", "c", type_="foreignkey")
    op.drop_constraint("u", "c", type_="unique")
    op.drop_constraint("ck_c_k", "c", type_="check")
""",
    # SQLite names nothing itself: only the names given survive.
    "sqlite": """
    op.drop_constraint("ck_c_k", "c", type_="check")
""",
}


def test_constraints_exist_and_drop_by_their_database_names(db_url: str, tmp_path: Path) -> None:
    kind = kind_of(db_url)
    project = Project(tmp_path, db_url)
    project.add(BASE)
    project.add(ADD)
    command.upgrade(project.config, "head")
    inspector = project.inspector()
    (fk,) = inspector.get_foreign_keys("c")
    assert fk["constrained_columns"] == ["pid"] and fk["referred_table"] == "p"
    assert (fk["options"].get("ondelete") or "").upper() == "CASCADE"
    uniques = [u["column_names"] for u in inspector.get_unique_constraints("c")]
    unique_indexes = [i["column_names"] for i in inspector.get_indexes("c") if i["unique"]]
    assert ["u"] in uniques + unique_indexes
    assert "ix_c_ix" in {i["name"] for i in inspector.get_indexes("c")}
    assert "ck_c_k" in {c["name"] for c in inspector.get_check_constraints("c")}
    if kind != "sqlite":
        assert inspector.get_columns("c")[-1]["comment"] == "a comment"
    # the foreign key acts: deleting the parent deletes the child rows
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        if kind == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys = ON")
        conn.execute(sa.text("DELETE FROM p WHERE id = 1"))
    engine.dispose()
    assert project.rows("SELECT count(*) FROM c") == [(0,)]

    project.add(DROP[kind])
    command.upgrade(project.config, "head")
    inspector = project.inspector()
    assert "ck_c_k" not in {c["name"] for c in inspector.get_check_constraints("c")}
    if kind != "sqlite":
        assert inspector.get_foreign_keys("c") == []
        assert inspector.get_unique_constraints("c") == []


def test_inline_references_and_primary_key(db_url: str, tmp_path: Path) -> None:
    """inline_references=True: the foreign key is part of ADD COLUMN (SQLite too, without a
    rebuild); inline_primary_key=True on a table without one gives it its primary key."""
    project = Project(tmp_path, db_url)
    project.add(
        """
    op.create_table("p", sa.Column("id", sa.Integer, primary_key=True))
    op.create_table("c", sa.Column("x", sa.Integer))
"""
    )
    project.add(
        """
    op.add_column("c", sa.Column("pid", sa.Integer, sa.ForeignKey("p.id", ondelete="CASCADE")),
                  inline_references=True)
"""
    )
    if kind_of(db_url) != "sqlite":  # SQLite cannot add a PRIMARY KEY column
        project.add(
            """
    op.add_column("p", sa.Column("code", sa.Integer, nullable=False, server_default="0"))
    op.add_column("c", sa.Column("id", sa.Integer, primary_key=True, autoincrement=False,
                                 nullable=False, server_default="1"), inline_primary_key=True)
"""
        )
    command.upgrade(project.config, "head")
    inspector = project.inspector()
    (fk,) = inspector.get_foreign_keys("c")
    assert fk["constrained_columns"] == ["pid"] and fk["referred_table"] == "p"
    if kind_of(db_url) == "sqlite":
        # SQLAlchemy reads ON DELETE only from table-level FOREIGN KEY clauses: ask SQLite
        (row,) = project.rows("PRAGMA foreign_key_list(c)")
        assert row[6] == "CASCADE"  # id, seq, table, from, to, on_update, on_delete, match
        return
    assert (fk["options"].get("ondelete") or "").upper() == "CASCADE"
    assert inspector.get_pk_constraint("c")["constrained_columns"] == ["id"]
