"""`upgrade --plan` / `downgrade --plan`, and the data-loss notice before a plain run."""

from __future__ import annotations

from tests.conftest import Project


def _chain(project: Project) -> None:
    project.write_revision(
        "p1",
        None,
        "op.create_table('pets', sa.Column('id', sa.Integer, primary_key=True),"
        " sa.Column('name', sa.String(50)), sa.Column('weight', sa.Integer))\n"
        "op.create_table('scratch', sa.Column('id', sa.Integer, primary_key=True))",
        "op.drop_table('scratch')\nop.drop_table('pets')",
    )
    project.write_revision(
        "p2",
        "p1",
        "op.drop_column('pets', 'weight')\n"
        "op.create_index('ix_pets_name', 'pets', ['name'])\n"
        "op.execute('DROP TABLE scratch')",
        "op.create_table('scratch', sa.Column('id', sa.Integer, primary_key=True))\n"
        "op.drop_index('ix_pets_name', table_name='pets')\n"
        "op.add_column('pets', sa.Column('weight', sa.Integer))",
    )


def test_upgrade_plan_shows_operations_and_statements_and_runs_nothing(project: Project) -> None:
    _chain(project)
    project.ok("upgrade", "p1")
    project.execute("INSERT INTO pets (id, name, weight) VALUES (1, 'Rex', 12)")
    before = project.schema()

    out = project.ok("upgrade", "head", "--plan").stdout
    assert "1 migration(s), from p1 to head" in out
    assert "drop column pets.weight  [LOSES DATA: the column's values]" in out
    assert "DROP COLUMN weight" in out
    assert "add index ix_pets_name on pets" in out
    assert "CREATE INDEX ix_pets_name ON pets" in out
    assert "execute SQL  [LOSES DATA: raw SQL that drops table scratch]" in out
    assert "(version table) UPDATE alembic_version" in out
    assert "2 operation(s) lose data." in out and "Nothing was run" in out
    if project.kind == "postgresql":
        assert "heavy: blocks writes while it builds" in out

    assert project.versions() == {"p1"}
    assert project.schema() == before
    assert project.rows("SELECT weight FROM pets") == [(12,)]


def test_downgrade_plan(project: Project) -> None:
    _chain(project)
    project.ok("upgrade", "head")
    out = project.ok("downgrade", "base", "--plan").stdout
    assert "2 migration(s), from p2 to base" in out
    assert out.index("Running downgrade p2 -> p1") < out.index("Running downgrade p1 -> <base>")
    assert "drop table pets  [LOSES DATA: every row of the table]" in out
    assert project.versions() == {"p2"}


def test_a_plain_run_names_the_data_loss_first(project: Project) -> None:
    _chain(project)
    project.ok("upgrade", "p1")
    result = project.ok("upgrade", "head")  # not a terminal: told, then run (as Alembic would)
    assert "This run loses data:" in result.stderr
    assert (
        "p2 (p2_step_p2.py, line" in result.stderr and "drops column pets.weight" in result.stderr
    )
    assert "drops table scratch (SQL: DROP TABLE scratch)" in result.stderr
    assert result.stderr.index("This run loses data") < result.stderr.index("Running upgrade")
    assert project.versions() == {"p2"}


def test_confirm_data_loss_setting_needs_yes(project: Project) -> None:
    _chain(project)
    project.ini.write_text(
        project.ini.read_text().replace("[alembic]\n", "[alembic]\nconfirm_data_loss = true\n", 1)
    )
    project.ok("upgrade", "p1")  # creates only: nothing to confirm
    refused = project.run("upgrade", "head")
    assert refused.exit_code == 7 and "confirm_data_loss = true" in refused.stderr
    assert "Traceback" not in refused.output
    assert project.versions() == {"p1"}
    assert "weight" in {c["name"] for c in project.inspector().get_columns("pets")}
    project.ok("upgrade", "head", "--yes")
    assert project.versions() == {"p2"}


def test_plan_of_a_batch_reads_the_live_table(project: Project) -> None:
    project.write_revision(
        "b1",
        None,
        "op.create_table('pets', sa.Column('id', sa.Integer, primary_key=True),"
        " sa.Column('name', sa.String(50)))",
        "op.drop_table('pets')",
    )
    project.write_revision(
        "b2",
        "b1",
        "with op.batch_alter_table('pets') as batch_op:\n"
        "    batch_op.alter_column('name', existing_type=sa.String(50), nullable=False)",
        "with op.batch_alter_table('pets') as batch_op:\n"
        "    batch_op.alter_column('name', existing_type=sa.String(50), nullable=True)",
    )
    # from base, b2's batch would need a table b1 has not made yet: the preview says where it stops
    early = project.ok("upgrade", "head", "--plan").stdout
    assert "Running upgrade <base> -> b1" in early
    if project.kind == "sqlite":
        assert "The preview stops here" in early
    project.ok("upgrade", "b1")
    out = project.ok("upgrade", "head", "--plan").stdout
    assert "Running upgrade b1 -> b2" in out and "The preview stops here" not in out
    assert project.versions() == {"b1"}
