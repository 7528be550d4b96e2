"""``still adopt`` and ``still repair`` (issue 19, parts 3 and 4): where a database stands when its
version table cannot say, found by comparing its schema with the schema at each revision (replayed
in a shadow database), on SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from tests.conftest import Project
from tests.test_shadow import REVISIONS, snapshot, working_databases

# r4 changes no schema (a data step): its schema is r3's, so a database there is ambiguous.
ALL_REVISIONS = [*REVISIONS, ("r4", "r3", "op.execute('DELETE FROM owners WHERE 1 = 0')")]


def models_at_r2() -> sa.MetaData:
    """What create_all of the models as they were at r2 makes (no migrations at all)."""
    metadata = sa.MetaData()
    sa.Table(
        "owners",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
    )
    sa.Table(
        "pets",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("owner_id", sa.Integer, sa.ForeignKey("owners.id"), nullable=True),
        sa.Column("name", sa.String(60), nullable=False),
    )
    return metadata


@pytest.fixture
def history(project: Project) -> Iterator[Project]:
    for rev, down, body in ALL_REVISIONS:
        project.write_revision(rev, down, body)
    yield project
    project.dispose()
    project.run("shadow", "clean")


def test_adopt_a_database_made_by_create_all(history: Project) -> None:
    models_at_r2().create_all(history.engine())
    history.execute("INSERT INTO owners (id, name) VALUES (1, 'Ada')")
    before = snapshot(history)

    found = history.ok("adopt")
    assert "The database's schema is the schema at r2." in found.output
    assert "still stamp --purge r2" in found.output
    assert snapshot(history) == before  # adopt alone writes nothing
    assert working_databases(history) == []

    history.dispose()
    history.ok("adopt", "--stamp")
    assert history.versions() == {"r2"}
    assert history.rows("SELECT id, name FROM owners") == [(1, "Ada")]
    history.ok("upgrade", "head")  # and it carries on from there
    assert history.versions() == {"r4"}


def test_adopt_after_the_version_table_was_lost_and_the_closest(history: Project) -> None:
    history.ok("upgrade", "r1")
    history.execute("DROP TABLE alembic_version")
    assert "schema at r1." in history.ok("adopt").output

    history.execute("ALTER TABLE owners ADD COLUMN nickname VARCHAR(20)")
    history.dispose()
    closest = history.ok("adopt")
    assert "No revision's schema is the database's. Closest: r1, 1 difference:" in closest.output
    assert "+ column owners.nickname: in the database, not at the revision" in closest.output
    assert "Detected" not in closest.output  # autogenerate's log of each step's comparison
    refused = history.run("adopt", "--stamp")
    assert refused.exit_code == 1 and "nothing was written" in refused.output
    assert history.versions() is None


def test_adopt_refuses_to_guess_between_revisions_with_one_schema(history: Project) -> None:
    history.ok("upgrade", "r4")
    history.execute("DROP TABLE alembic_version")
    history.dispose()
    report = history.ok("adopt")
    assert "schema at each of r3, r4" in report.output and "does not guess" in report.output
    refused = history.run("adopt", "--stamp")
    assert refused.exit_code == 1, str(refused)
    assert history.versions() is None


def test_repair_a_revision_whose_file_is_gone(history: Project) -> None:
    gone = history.write_revision("zz9", "r2", "pass")
    history.ok("upgrade", "zz9")  # the ledger (on in projects still init makes) records it
    gone.unlink()
    before = snapshot(history)
    assert "zz9" in history.run("upgrade", "head").output  # still cannot go on from it

    report = history.ok("repair")
    out = report.output
    assert "The version table records zz9, which no revision file defines." in out
    assert "ledger: upgrade zz9 at " in out
    assert "The database's schema is the schema at r2." in out
    assert "The fix: still stamp --purge r2" in out
    assert snapshot(history) == before  # repair alone writes nothing
    assert history.versions() == {"zz9"}

    history.dispose()
    history.ok("repair", "--stamp")
    assert history.versions() == {"r2"}
    assert "nothing to repair" in history.ok("repair").output


def test_adopt_json(history: Project) -> None:
    from tests.test_json_output import _validate

    models_at_r2().create_all(history.engine())
    history.dispose()
    found = _validate("adopt", history.ok("adopt", "--json").stdout)
    assert found["outcome"] == "match" and found["recorded"] == []
    assert found["matches"] == [{"heads": ["r2"], "differences": []}]
    assert found["stamp_command"] == "still stamp --purge r2" and found["stamped"] is False
    assert history.versions() is None  # --json alone writes nothing

    stamped = _validate("adopt", history.ok("adopt", "--json", "--stamp").stdout)
    assert stamped["stamped"] is True and history.versions() == {"r2"}

    # no match: the closest, with its differences; --stamp refused after the document
    history.execute("DROP TABLE alembic_version")
    history.execute("ALTER TABLE owners ADD COLUMN nickname VARCHAR(20)")
    history.dispose()
    refused = history.run("adopt", "--json", "--stamp")
    assert refused.exit_code == 1 and "nothing was written" in refused.stderr
    closest = _validate("adopt", refused.stdout)
    assert closest["outcome"] == "no_match" and closest["matches"] == []
    assert [c["heads"] for c in closest["closest"]] == [["r2"]]
    assert closest["closest"][0]["differences"] == [
        "+ column owners.nickname: in the database, not at the revision"
    ]
    assert closest["stamp_command"] is None and closest["stamped"] is False
    assert history.versions() is None


def test_adopt_json_when_two_revisions_match(history: Project) -> None:
    from tests.test_json_output import _validate

    history.ok("upgrade", "r4")
    history.execute("DROP TABLE alembic_version")
    history.dispose()
    both = _validate("adopt", history.ok("adopt", "--json").stdout)
    assert both["outcome"] == "ambiguous" and both["stamp_command"] is None
    assert [m["heads"] for m in both["matches"]] == [["r3"], ["r4"]]


def test_repair_json(history: Project) -> None:
    from tests.test_json_output import _validate

    gone = history.write_revision("zz9", "r2", "pass")
    history.ok("upgrade", "zz9")
    gone.unlink()
    history.dispose()
    report = _validate("repair", history.ok("repair", "--json").stdout)
    assert report["recorded"] == ["zz9"] and report["unknown"] == ["zz9"]
    assert report["outcome"] == "match" and report["stamp_command"] == "still stamp --purge r2"
    assert [(e["revision"], e["direction"]) for e in report["ledger"]] == [("zz9", "upgrade")]
    assert report["stamped"] is False and history.versions() == {"zz9"}

    history.dispose()
    fixed = _validate("repair", history.ok("repair", "--json", "--stamp").stdout)
    assert fixed["stamped"] is True and history.versions() == {"r2"}
    history.dispose()
    nothing = _validate("repair", history.ok("repair", "--json", "--stamp").stdout)
    assert nothing["unknown"] == [] and nothing["stamped"] is False
    assert history.versions() == {"r2"}


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # schemas in one database
def test_adopt_and_repair_with_include_schemas(history: Project) -> None:
    """env.py compares every schema (include_schemas=True): the database's tables in another
    schema are reflected too, so a database there matches its revision."""
    history.configure_with("include_schemas=True")
    history.write_revision(
        "r5",
        "r4",
        """
        op.execute("CREATE SCHEMA extra")
        op.create_table("notes", sa.Column("id", sa.Integer, primary_key=True), schema="extra")
        """,
    )
    history.ok("upgrade", "head")
    history.execute("DROP TABLE alembic_version")
    before = snapshot(history)
    found = history.ok("adopt")
    assert "The database's schema is the schema at r5." in found.output, found.output
    assert snapshot(history) == before
    assert working_databases(history) == []

    history.execute("ALTER TABLE extra.notes ADD COLUMN body VARCHAR(20)")
    history.dispose()
    closest = history.ok("adopt")
    assert "Closest: r5, 1 difference:" in closest.output, closest.output
    assert "+ column extra.notes.body: in the database, not at the revision" in closest.output

    history.execute("ALTER TABLE extra.notes DROP COLUMN body")
    history.ok("stamp", "r5")
    history.execute("UPDATE alembic_version SET version_num = 'gone1'")
    history.dispose()
    repaired = history.ok("repair")
    assert "still stamp --purge r5" in repaired.output, repaired.output


def test_adopt_names_every_closest_when_they_tie(history: Project) -> None:
    """Half of r3 (the column, not the index): r2 and r3 (and r4, r3's schema) are each one
    difference away; all are named, and --stamp writes nothing."""
    history.ok("upgrade", "r2")
    history.execute("DROP TABLE alembic_version")
    history.execute("ALTER TABLE owners ADD COLUMN email VARCHAR(100)")
    history.dispose()
    before = snapshot(history)
    report = history.ok("adopt").output
    for name in ("r2", "r3", "r4"):
        assert f"Closest: {name}, 1 difference:" in report, report
    assert "+ column owners.email: in the database, not at the revision" in report
    assert "- index ix_pets_name" in report, report
    refused = history.run("adopt", "--stamp")
    assert refused.exit_code == 1 and "nothing was written" in refused.output
    assert snapshot(history) == before
    assert working_databases(history) == []


def test_adopt_on_a_history_with_branches(history: Project) -> None:
    """Two branches from r2: the database has both (upgraded to the heads); adopt names the
    state with both heads, and the stamp lets `upgrade heads` carry on with nothing to do."""
    history.write_revision(
        "b1", "r2", 'op.create_table("toys", sa.Column("id", sa.Integer, primary_key=True))'
    )
    history.ok("upgrade", "heads")
    history.execute("DROP TABLE alembic_version")
    history.dispose()
    report = history.ok("adopt").output
    assert "The database's schema is the schema at " in report, report
    found = report.split("The database's schema is the schema at ", 1)[1].split(".")[0]
    assert set(found.split(", ")) == {"b1", "r4"}, report
    history.ok("adopt", "--stamp")
    assert history.versions() == {"b1", "r4"}
    history.ok("upgrade", "heads")
    assert history.versions() == {"b1", "r4"}


def test_a_failing_revision_stops_adopt_and_names_it(history: Project) -> None:
    history.ok("upgrade", "r2")
    history.execute("DROP TABLE alembic_version")
    history.write_revision("r5", "r4", 'raise RuntimeError("r5 cannot be replayed")')
    history.dispose()
    before = snapshot(history)
    failed = history.run("adopt")
    assert failed.exit_code != 0, str(failed)
    assert "r5 cannot be replayed" in failed.output, str(failed)
    assert "your database was not touched" in failed.output, str(failed)
    assert "Traceback" not in failed.output
    assert snapshot(history) == before
    assert working_databases(history) == []


def test_repair_when_no_revision_matches_and_the_ledger_knows_nothing(history: Project) -> None:
    """The version table names a revision no file defines and the ledger never saw (written by
    hand, or the ledger was off); the schema is no revision's: the closest are shown and no stamp
    is offered as the fix."""
    history.ok("upgrade", "r2")
    history.execute("UPDATE alembic_version SET version_num = 'lost1'")
    history.execute("ALTER TABLE owners ADD COLUMN nickname VARCHAR(20)")
    history.dispose()
    before = snapshot(history)
    out = history.ok("repair").output
    assert "The version table records lost1, which no revision file defines." in out, out
    assert "ledger: upgrade lost1" not in out
    assert "Closest: r2, 1 difference:" in out, out
    assert "+ column owners.nickname: in the database, not at the revision" in out
    assert "The fix: still stamp" not in out
    refused = history.run("repair", "--stamp")
    assert refused.exit_code == 1 and "nothing was written" in refused.output, str(refused)
    assert snapshot(history) == before
    assert history.versions() == {"lost1"}


def test_adopt_with_an_async_env_py(project: Project) -> None:
    from tests.test_shadow import make_async

    make_async(project)
    for rev, down, body in ALL_REVISIONS:
        project.write_revision(rev, down, body)
    try:
        project.ok("upgrade", "r2")
        project.execute("DROP TABLE alembic_version")
        project.dispose()
        before = snapshot(project)
        assert "The database's schema is the schema at r2." in project.ok("adopt").output
        assert snapshot(project) == before
        project.dispose()
        project.ok("adopt", "--stamp")
        assert project.versions() == {"r2"}
        assert working_databases(project) == []
    finally:
        project.dispose()
        project.run("shadow", "clean")


def test_adopt_shows_a_named_check_constraint_as_a_difference_without_logging(
    history: Project,
) -> None:
    """A named CHECK constraint the revisions never made: one difference at r2, said once in
    adopt's report, not logged by the comparison at every step."""
    metadata = models_at_r2()
    metadata.tables["owners"].append_constraint(
        sa.CheckConstraint("length(name) > 0", name="ck_owners_name_given")
    )
    metadata.create_all(history.engine())
    history.dispose()
    report = history.ok("adopt").output
    assert "Closest: r2, 1 difference:" in report, report
    assert "ck_owners_name_given" in report, report
    assert "Detected" not in report, report


def test_a_missing_table_is_further_than_a_missing_constraint(history: Project) -> None:
    """owners as r1 made it, with a CHECK constraint no revision made: one difference from r1,
    and one (the whole table) from base; the table weighs its columns, so r1 alone is closest."""
    metadata = sa.MetaData()
    sa.Table(
        "owners",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.CheckConstraint("length(name) > 0", name="ck_owners_name_given"),
    )
    metadata.create_all(history.engine())
    history.dispose()
    report = history.ok("adopt").output
    assert "Closest: r1, 1 difference:" in report, report
    assert "Closest: base" not in report, report
