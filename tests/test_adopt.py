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
