"""``batch_op`` as Alembic has it: every directive with Alembic's parameters, the directives that
act at once (``execute``, ``f``, ``get_bind`` ...), ``reflect_kwargs``, the ``if_*`` guards; and
table rebuilds that end where Alembic's end (the CHECK of ``existing_type`` dropped, indexes of a
dropped-and-re-added column kept, values CAST on a change of kind), compared with real Alembic
where it completes, and pinned where still deliberately differs."""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Mapping
from pathlib import Path

import pytest
import sqlalchemy as sa

from still import command
from still.errors import CommandError
from tests.batch_pairs import database_pair, outcomes, run, snapshot
from tests.databases import KINDS, fresh_database, required
from tests.test_operations import Project

alembic_operations = required("alembic.operations")


# -- the surface ----------------------------------------------------------------------------------


def _parameters(function: object) -> list[tuple[str, object, object]]:
    signature = inspect.signature(function)  # type: ignore[arg-type]
    return [
        (
            p.name,
            p.kind,
            dict(p.default) if isinstance(p.default, Mapping) else p.default,
        )
        for p in signature.parameters.values()
    ]


def test_batch_op_has_every_directive_of_alembic_with_its_parameters() -> None:
    from still.operations.batch import BatchOperations

    theirs = alembic_operations.BatchOperations
    missing, different = [], []
    for name in sorted(n for n in dir(theirs) if not n.startswith("_")):
        if not hasattr(BatchOperations, name):
            missing.append(name)
            continue
        attribute = getattr(theirs, name)
        if callable(attribute) and _parameters(attribute) != _parameters(
            getattr(BatchOperations, name)
        ):
            different.append(
                f"{name}: alembic {inspect.signature(attribute)}\n"
                f"  still {inspect.signature(getattr(BatchOperations, name))}"
            )
    assert not missing, f"batch_op lacks {missing}"
    assert not different, "\n".join(different)


REAL_MIGRATION = """
    op.create_table(
        "metric",
        sa.Column("id", sa.Integer, nullable=False),
        sa.Column("name", sa.String(20)),
        sa.Column("x", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="metric_pk"),
    )
    op.execute("INSERT INTO metric (id, name, x) VALUES (1, 'a', NULL), (2, 'b', 5)")
"""

ALEMBIC_FORMS = """
    with op.batch_alter_table("metric", recreate="always") as batch_op:
        # acts at once, before the table changes below
        batch_op.execute(
            sa.text("UPDATE metric SET x = :v WHERE x IS NULL").bindparams(v=7)
        )
        assert batch_op.get_bind() is op.get_bind()
        assert batch_op.get_context() is op.get_context()
        batch_op.alter_column("x", existing_type=sa.Integer, nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_metric_name"), ["name"])
        batch_op.create_check_constraint(
            constraint_name="ck_metric_x", condition="x > " + str(0)
        )
        batch_op.drop_constraint(constraint_name="metric_pk", type_="primary")
        batch_op.create_primary_key(constraint_name="metric_pk2", columns=["id", "name"])
        batch_op.create_index(batch_op.f("ix_metric_x"), ["x"], unique=False)
    op.execute(
        sa.table("metric", sa.column("x")).update().values(x=op.inline_literal(9))
    )
"""


@pytest.mark.parametrize("kind", KINDS)
def test_a_migration_using_alembic_batch_forms_runs(tmp_path: Path, kind: str) -> None:
    with fresh_database(kind, tmp_path) as url:
        project = Project(tmp_path, url)
        project.add(REAL_MIGRATION)
        project.add(ALEMBIC_FORMS)
        command.upgrade(project.config, "head")
        inspector = project.inspector()
        assert project.rows("SELECT id, name, x FROM metric ORDER BY id") == [
            (1, "a", 9),
            (2, "b", 9),
        ]
        assert inspector.get_pk_constraint("metric")["constrained_columns"] == ["id", "name"]
        assert "uq_metric_name" in {
            u["name"] for u in inspector.get_unique_constraints("metric")
        } | {i["name"] for i in inspector.get_indexes("metric") if i["unique"]}
        assert "ck_metric_x" in {c["name"] for c in inspector.get_check_constraints("metric")}
        assert "ix_metric_x" in {i["name"] for i in inspector.get_indexes("metric")}
        assert not {
            c["nullable"] for c in inspector.get_columns("metric") if c["name"] == "x"
        }.pop()


# -- compared with Alembic ------------------------------------------------------------------------

TABLE = """
op.create_table(
    "t",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("status", sa.Enum("a", "b", name="status", create_constraint=True)),
    sa.Column("flag", sa.Boolean(create_constraint=True, name="ck_flag")),
    sa.Column("x", sa.Integer),
    sa.Column("y", sa.Integer),
    sa.Column("c", sa.Numeric(6, 2)),
)
op.create_index("ix_t_x", "t", ["x"])
op.create_index("ix_t_xy", "t", ["x", "y"])
op.execute("INSERT INTO t (id, status, flag, x, y, c) VALUES (1, 'a', true, 5, 6, 1.75)")
"""


def same_as_alembic(kind: str, tmp_path: Path, body: str, setup: str = TABLE) -> dict:
    with database_pair(kind, tmp_path) as urls:
        found = outcomes(urls, setup, body)
    assert found["alembic"].error is None, found["alembic"].error
    assert found["still"].error is None, found["still"].error
    assert found["still"].schema == found["alembic"].schema
    return found["still"].schema


def test_type_change_drops_the_check_of_existing_type(tmp_path: Path) -> None:
    """Bug 4: the named CHECK of an Enum/Boolean with create_constraint=True goes with its type;
    rows with values of the new type are then accepted (as under Alembic)."""
    schema = same_as_alembic(
        "sqlite",
        tmp_path,
        """
with op.batch_alter_table("t") as batch_op:
    batch_op.alter_column(
        "status",
        existing_type=sa.Enum("a", "b", name="status", create_constraint=True),
        type_=sa.String(10),
    )
    batch_op.alter_column(
        "flag", existing_type=sa.Boolean(create_constraint=True, name="ck_flag"), type_=sa.Integer
    )
op.execute("INSERT INTO t (id, status, flag) VALUES (2, 'zzz', 7)")
""",
    )
    assert schema["t"]["checks"] == []
    assert ("2", "'zzz'", "7", "None", "None", "None") in schema["t"]["rows"]


def test_type_change_to_a_new_enum_makes_its_check(tmp_path: Path) -> None:
    schema = same_as_alembic(
        "sqlite",
        tmp_path,
        """
with op.batch_alter_table("t") as batch_op:
    batch_op.alter_column(
        "status",
        existing_type=sa.Enum("a", "b", name="status", create_constraint=True),
        type_=sa.Enum("a", "b", "c", name="status2", create_constraint=True),
    )
op.execute("INSERT INTO t (id, status) VALUES (2, 'c')")
""",
    )
    assert [name for name, _ in schema["t"]["checks"]] == ["ck_flag", "status2"]


def test_unnamed_enum_check_goes_with_its_type(tmp_path: Path) -> None:
    """An Enum without a name makes an unnamed CHECK: still finds it by its SQL."""
    setup = TABLE.replace('name="status", ', "")
    schema = same_as_alembic(
        "sqlite",
        tmp_path,
        """
with op.batch_alter_table("t") as batch_op:
    batch_op.alter_column(
        "status", existing_type=sa.Enum("a", "b", create_constraint=True), type_=sa.String(5)
    )
op.execute("INSERT INTO t (id, status) VALUES (2, 'other')")
""",
        setup=setup,
    )
    assert [name for name, _ in schema["t"]["checks"]] == ["ck_flag"]


def test_drop_column_with_existing_type_drops_its_check(tmp_path: Path) -> None:
    same_as_alembic(
        "sqlite",
        tmp_path,
        """
with op.batch_alter_table("t") as batch_op:
    batch_op.drop_column("flag", existing_type=sa.Boolean(create_constraint=True, name="ck_flag"))
""",
    )


def test_dropped_and_added_again_column_keeps_its_indexes(tmp_path: Path) -> None:
    """Bug 4: indexes on a column dropped and added again in one batch come back on the new
    column, as under Alembic."""
    schema = same_as_alembic(
        "sqlite",
        tmp_path,
        """
with op.batch_alter_table("t") as batch_op:
    batch_op.drop_column("x")
    batch_op.add_column(sa.Column("x", sa.Integer))
""",
    )
    assert schema["t"]["indexes"] == [("ix_t_x", ("x",), False), ("ix_t_xy", ("x", "y"), False)]


def test_change_of_kind_casts_the_copied_values(tmp_path: Path) -> None:
    schema = same_as_alembic(
        "sqlite",
        tmp_path,
        """
with op.batch_alter_table("t") as batch_op:
    batch_op.alter_column("c", type_=sa.Integer, existing_type=sa.Numeric(6, 2))
""",
    )
    assert schema["t"]["rows"][0][-1] == "1"  # CAST(1.75 AS INTEGER), as Alembic copies it


def test_reflect_kwargs_are_honoured(tmp_path: Path) -> None:
    """``reflect_kwargs={"listeners": [...]}`` changes what the rebuild reads, as in Alembic."""
    body = """
def as_text(inspector, table, column_info):
    if column_info["name"] == "y":
        column_info["type"] = sa.Text()

with op.batch_alter_table(
    "t", reflect_kwargs={"listeners": [("column_reflect", as_text)], "resolve_fks": False}
) as batch_op:
    batch_op.alter_column("x", nullable=False, existing_type=sa.Integer)
"""
    schema = same_as_alembic("sqlite", tmp_path, body)
    assert ("y", "TEXT", True, None, None) in schema["t"]["columns"]


@pytest.mark.parametrize("kind", KINDS)
def test_execute_runs_before_the_table_changes(tmp_path: Path, kind: str) -> None:
    same_as_alembic(
        kind,
        tmp_path,
        """
with op.batch_alter_table("t") as batch_op:
    batch_op.alter_column("x", nullable=False, existing_type=sa.Integer)
    batch_op.execute("UPDATE t SET x = 0 WHERE x IS NULL")
op.execute("INSERT INTO t (id, x) VALUES (2, 3)")
""",
        setup=TABLE.replace("5, 6, 1.75", "NULL, 6, 1.75"),
    )


@pytest.mark.parametrize("kind", KINDS)
def test_index_guards_are_clauses_not_dialect_options(tmp_path: Path, kind: str) -> None:
    """``if_not_exists`` / ``if_exists`` of create_index / drop_index: no "dialect named 'if'"
    warning, and the guard holds (plain ALTERs; on SQLite the index directives need no
    rebuild)."""
    body = """
with op.batch_alter_table("t") as batch_op:
    batch_op.create_index("ix_t_x", ["x"], if_not_exists=True)
    batch_op.create_index("ix_t_y", ["y"], if_not_exists=True)
    batch_op.drop_index("ix_nothing", if_exists=True)
"""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        schema = same_as_alembic(kind, tmp_path, body)
    assert ("ix_t_y", ("y",), False) in schema["t"]["indexes"]


def test_index_guard_in_a_rebuild(tmp_path: Path) -> None:
    """Alembic raises TypeError for create_index(if_not_exists=True) in a rebuild; still makes
    the index unless the table has one of that name."""
    with fresh_database("sqlite", tmp_path) as url:
        assert run("alembic", url, TABLE) is None
        body = """
with op.batch_alter_table("t", recreate="always") as batch_op:
    batch_op.create_index("ix_t_x", ["y"], if_not_exists=True)
    batch_op.create_index("ix_t_y", ["y"], if_not_exists=True)
    batch_op.drop_index("ix_nothing", if_exists=True)
"""
        assert "if_not_exists" in str(run("alembic", url, body))
        assert run("still", url, body) is None
        indexes = snapshot(url)["t"]["indexes"]
    assert ("ix_t_x", ("x",), False) in indexes and ("ix_t_y", ("y",), False) in indexes


def test_dropping_a_missing_index_in_a_rebuild_names_it(tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as url:
        assert run("alembic", url, TABLE) is None
        error = run(
            "still",
            url,
            'with op.batch_alter_table("t", recreate="always") as batch_op:\n'
            '    batch_op.drop_index("ix_nothing")\n',
        )
    assert error is not None and "ix_nothing" in error and "ix_t_x" in error


# -- where still deliberately differs -------------------------------------------------------------


def test_check_follows_a_renamed_column(tmp_path: Path) -> None:
    """Alembic's rebuild fails here (its CHECK still names the old column); still renames the
    column inside the CHECK, which keeps refusing bad rows."""
    setup = """
op.create_table("t", sa.Column("id", sa.Integer, primary_key=True), sa.Column("a", sa.Integer),
                sa.CheckConstraint("a >= 0", name="ck_t_a"))
"""
    body = """
with op.batch_alter_table("t", recreate="always") as batch_op:
    batch_op.alter_column("a", new_column_name="b", nullable=False, existing_type=sa.Integer)
"""
    with fresh_database("sqlite", tmp_path) as url:
        assert run("alembic", url, setup) is None
        assert "no such column" in str(run("alembic", url, body))
        assert run("still", url, body) is None
        assert snapshot(url)["t"]["checks"] == [("ck_t_a", "b >= 0")]
        assert run("still", url, "op.execute('INSERT INTO t (id, b) VALUES (1, -1)')")


def test_dropping_an_indexed_column_drops_its_indexes(tmp_path: Path) -> None:
    """Alembic fails (it makes the index again on a column that is gone); still drops the
    indexes on the column, as the databases' own DROP COLUMN does."""
    body = 'with op.batch_alter_table("t") as batch_op:\n    batch_op.drop_column("x")\n'
    with fresh_database("sqlite", tmp_path) as url:
        assert run("alembic", url, TABLE) is None
        assert "no such column" in str(run("alembic", url, body))
        assert run("still", url, body) is None
        assert snapshot(url)["t"]["indexes"] == []


def test_unnamed_check_survives_a_rebuild(tmp_path: Path) -> None:
    """Alembic omits an unnamed CHECK from its rebuild (with a warning); still keeps it."""
    setup = """
op.create_table("t", sa.Column("id", sa.Integer, primary_key=True), sa.Column("a", sa.Integer),
                sa.CheckConstraint("a >= 0"))
"""
    body = (
        'with op.batch_alter_table("t") as batch_op:\n'
        '    batch_op.alter_column("a", nullable=False, existing_type=sa.Integer)\n'
    )
    with (
        database_pair("sqlite", tmp_path) as urls,
        pytest.warns(UserWarning, match="Unnamed CHECK"),
    ):
        found = outcomes(urls, setup, body)
    assert found["alembic"].schema["t"]["checks"] == []
    assert found["still"].schema["t"]["checks"] == [("", "a >= 0")]


def test_placing_a_column_without_other_changes(tmp_path: Path) -> None:
    """add_column(insert_after=) on SQLite with recreate="auto": Alembic raises CommandError
    unless something else in the batch needs a rebuild; still rebuilds for the placement."""
    body = """
with op.batch_alter_table("t") as batch_op:
    batch_op.add_column(sa.Column("z", sa.Integer), insert_after="id")
"""
    with fresh_database("sqlite", tmp_path) as url:
        assert run("alembic", url, TABLE) is None
        assert "insert_before or insert_after" in str(run("alembic", url, body))
        assert run("still", url, body) is None
        columns = [c[0] for c in snapshot(url)["t"]["columns"]]
    assert columns == ["id", "z", "status", "flag", "x", "y", "c"]


@pytest.mark.parametrize("kind", ["postgresql", "mariadb"])
def test_placing_a_column_with_plain_alters_is_refused(tmp_path: Path, kind: str) -> None:
    body = """
with op.batch_alter_table("t") as batch_op:
    batch_op.add_column(sa.Column("z", sa.Integer), insert_after="id")
"""
    with fresh_database(kind, tmp_path) as url:
        assert run("alembic", url, TABLE) is None
        error = run("still", url, body)
    assert error is not None and CommandError.__name__ in error
    assert "recreate='always'" in error


def test_alter_column_placement_moves_the_column(tmp_path: Path) -> None:
    """Alembic documents insert_before/insert_after on batch alter_column but does not move
    the column; still moves it when the table is rebuilt."""
    body = """
with op.batch_alter_table("t", recreate="always") as batch_op:
    batch_op.alter_column("y", insert_before="status", existing_type=sa.Integer)
"""
    with fresh_database("sqlite", tmp_path) as url:
        assert run("alembic", url, TABLE) is None
        assert run("still", url, body) is None
        columns = [c[0] for c in snapshot(url)["t"]["columns"]]
    assert columns == ["id", "y", "status", "flag", "x", "c"]


# -- PostgreSQL and MariaDB rebuilds --------------------------------------------------------------


@pytest.mark.parametrize("kind", ["postgresql", "mariadb"])
def test_rebuild_keeps_foreign_key_options_and_applies_table_comments(
    tmp_path: Path, kind: str
) -> None:
    setup = """
op.create_table("p", sa.Column("id", sa.Integer, primary_key=True))
op.create_table(
    "t",
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("p_id", sa.Integer),
    sa.Column("flag", sa.Boolean(create_constraint=True, name="ck_flag")),
    sa.Column("label", sa.String(10)),
    sa.ForeignKeyConstraint(["p_id"], ["p.id"], name="fk_t_p", ondelete="SET NULL"{deferrable}),
    comment="before",
)
op.execute("INSERT INTO p (id) VALUES (1)")
op.execute("INSERT INTO t (id, p_id, flag, label) VALUES (1, 1, true, '12')")
""".format(deferrable=', deferrable=True, initially="DEFERRED"' if kind == "postgresql" else "")
    body = """
with op.batch_alter_table("t", recreate="always") as batch_op:
    batch_op.create_table_comment("after", existing_comment="before")
    batch_op.alter_column(
        "flag", type_=sa.Integer, existing_type=sa.Boolean(create_constraint=True, name="ck_flag")
    )
    batch_op.alter_column("label", type_=sa.Integer, existing_type=sa.String(10))
op.execute("INSERT INTO t (id, p_id, flag) VALUES (2, 1, 7)")
"""
    with fresh_database(kind, tmp_path) as url:
        assert run("alembic", url, setup) is None
        assert run("still", url, body) is None
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        inspector = sa.inspect(engine)
        assert inspector.get_table_comment("t")["text"] == "after"
        (fk,) = inspector.get_foreign_keys("t")
        assert fk["name"] == "fk_t_p" and fk["options"]["ondelete"] == "SET NULL"
        if kind == "postgresql":
            assert fk["options"]["deferrable"] is True
            assert fk["options"]["initially"] == "DEFERRED"
        assert "ck_flag" not in {c["name"] for c in inspector.get_check_constraints("t")}
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT id, flag, label FROM t ORDER BY id")).all()
        engine.dispose()
    assert [tuple(r) for r in rows] == [(1, 1, 12), (2, 7, None)]
