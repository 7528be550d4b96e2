"""A migration that fails raises ``MigrationFailed`` (still's message: which revision, which
statement, what state is left) that is also an instance of the class Alembic raises for the same
failure (``sqlalchemy.exc.IntegrityError``, ``ProgrammingError``...), so an application's
``except sqlalchemy.exc.DBAPIError`` around ``command.upgrade()`` keeps working.  Compared with
the real Alembic on the same project, on the three databases; the command line's message is
unchanged."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from still import command
from still.config import Config
from still.errors import CommandError, MigrationFailed
from tests.conftest import Project
from tests.databases import required

required("alembic.command")

CREATE = "op.create_table('pets', sa.Column('id', sa.Integer, primary_key=True))"
FAILURES = {
    # a row breaking the primary key: the database's integrity error
    "integrity": (
        CREATE + '\nop.execute("INSERT INTO pets (id) VALUES (1)")'
        '\nop.execute("INSERT INTO pets (id) VALUES (1)")',
        "IntegrityError",
    ),
    # DDL the database refuses (on PostgreSQL through still's pipeline, which is not SQLAlchemy)
    "ddl": (CREATE + "\n" + CREATE, None),
}


def alembic_raises(project: Project, url: str) -> list[str]:
    """The classes (module.name, most derived first) real Alembic's command.upgrade raises for
    the project's migrations on ``url``."""
    code = textwrap.dedent(
        f"""
        from alembic import command
        from alembic.config import Config
        config = Config("alembic.ini")
        config.set_main_option("sqlalchemy.url", {url.replace("%", "%%")!r})
        try:
            command.upgrade(config, "head")
        except Exception as exc:
            print(",".join(f"{{c.__module__}}.{{c.__name__}}" for c in type(exc).__mro__))
        else:
            print("no error")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1].split(",")


@pytest.mark.parametrize("failure", sorted(FAILURES))
def test_failure_is_the_database_error_class_alembic_raises(
    project: Project, another_database: Callable[[], str], failure: str
) -> None:
    body, expected = FAILURES[failure]
    project.write_revision("f1", None, body, "op.drop_table('pets')")
    theirs = alembic_raises(project, another_database())
    alembic_class = theirs[0]
    module, _, name = alembic_class.rpartition(".")
    assert module == "sqlalchemy.exc", theirs
    if expected:
        assert name == expected
    error_class = getattr(sa.exc, name)

    with pytest.raises(sa.exc.DBAPIError) as caught:
        command.upgrade(Config(str(project.ini)), "head")
    failure_raised = caught.value
    assert isinstance(failure_raised, error_class)
    assert isinstance(failure_raised, MigrationFailed)
    assert isinstance(failure_raised, CommandError)
    # the database error's attributes, as code catching it reads them
    assert failure_raised.orig is not None
    assert (
        "pets" in str(failure_raised.statement).lower()
        or "insert" in str(failure_raised.statement).lower()
    )
    assert isinstance(failure_raised.original, error_class)
    # still's message, not SQLAlchemy's
    message = str(failure_raised)
    assert message.startswith("Migration failed: upgrade of f1")
    assert "Error:" in message
    # the command line says the same as before: the message, no traceback
    cli = project.run("upgrade", "head")
    assert cli.exit_code == 5
    assert "Migration failed: upgrade of f1" in cli.stderr
    assert "Traceback" not in cli.output


def test_an_error_raised_by_migration_code_keeps_its_class(project: Project) -> None:
    """Not only database errors: ``except ValueError`` around the upgrade still works."""
    project.write_revision("f1", None, "raise ValueError('no such pet')")
    with pytest.raises(ValueError, match="no such pet") as caught:
        command.upgrade(Config(str(project.ini)), "head")
    assert isinstance(caught.value, MigrationFailed)
    assert isinstance(caught.value.original, ValueError)


def test_a_failure_carries_its_facts_as_fields() -> None:
    import sqlalchemy as sa

    original = sa.exc.IntegrityError("INSERT INTO t VALUES (1)", {}, Exception("duplicate"))
    failure = MigrationFailed.wrapping(
        "Migration failed: b2.",
        original,
        revision="b2",
        failed_statement="INSERT INTO t VALUES (1)",
        committed=("a1",),
    )
    assert isinstance(failure, sa.exc.IntegrityError)
    assert (failure.revision, failure.failed_statement, failure.committed) == (
        "b2",
        "INSERT INTO t VALUES (1)",
        ("a1",),
    )
    assert failure.statement == "INSERT INTO t VALUES (1)"  # SQLAlchemy's own, as it set it
    assert str(failure) == "Migration failed: b2."
    plain = MigrationFailed.wrapping("Migration failed.", None)
    assert (plain.revision, plain.failed_statement, plain.committed) == (None, None, ())
