"""The typed hooks (issue 17, section 3): the questioner, asked before any transaction opens;
``confirm_data_loss`` enforced by ``command.upgrade`` from Python; renames asked through it.

Before: the data-loss prompt ran inside env.py's open transaction (BEGIN issued, version table
read), ``confirm_data_loss = true`` was enforced only by the CLI (``command.upgrade`` from Python
dropped the table), and the rename question called ``input()`` inside the command layer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from still import command
from still.command.data_loss import DataLossNotConfirmed
from still.config import Config
from still.errors import StillError
from still.hooks import DataLoss, Questioner
from tests.conftest import Project
from tests.test_autogenerate_cli import op_calls, seed_models, seeded, use_models

DROP = 'op.drop_table("doomed")'
CREATE = 'op.create_table("doomed", sa.Column("id", sa.Integer, primary_key=True))'


def _dropping(project: Project, enforced: bool) -> Config:
    """r1 creates ``doomed`` (applied); r2 drops it (pending)."""
    if enforced:
        project.ini.write_text(
            project.ini.read_text().replace("[alembic]\n", "[alembic]\nconfirm_data_loss = true\n")
        )
    project.write_revision("r1", None, CREATE, DROP)
    project.write_revision("r2", "r1", DROP, CREATE)
    project.ok("upgrade", "r1")
    return Config(str(project.ini))


class Answering(Questioner):
    def __init__(self, answer: bool | None) -> None:
        self.answer = answer
        self.asked: list[DataLoss] = []

    def confirm_data_loss(self, loss: DataLoss, command: str) -> bool | None:
        self.asked.append(loss)
        return self.answer


def test_confirm_data_loss_is_enforced_by_command_upgrade(project: Project) -> None:
    config = _dropping(project, enforced=True)
    with pytest.raises(DataLossNotConfirmed) as refused:
        command.upgrade(config, "head")
    message = str(refused.value)
    assert isinstance(refused.value, StillError)
    assert "confirm_data_loss = true" in message
    assert "r2 (r2_step_r2.py, line" in message and "doomed" in message, message
    assert "`still upgrade head --plan`" in message and "config.hooks.questioner" in message
    assert project.versions() == {"r1"} and "doomed" in project.tables()
    # a questioner that confirms lets it run
    config.hooks.questioner = Answering(True)
    command.upgrade(config, "head")
    assert project.versions() == {"r2"} and "doomed" not in project.tables()


def test_without_the_key_the_library_runs_and_never_asks(project: Project) -> None:
    config = _dropping(project, enforced=False)
    command.upgrade(config, "head")
    assert project.versions() == {"r2"} and "doomed" not in project.tables()


def test_a_questioner_saying_no_stops_the_run(project: Project) -> None:
    config = _dropping(project, enforced=False)
    config.hooks.questioner = questioner = Answering(False)
    with pytest.raises(DataLossNotConfirmed, match="not confirmed"):
        command.downgrade(config, "base")
    assert len(questioner.asked) == 1 and "doomed" in questioner.asked[0].found[0]
    assert project.versions() == {"r1"} and "doomed" in project.tables()


class Inspecting(Questioner):
    """Looks at the migration's connection, and at the server's sessions, while it is asked."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.seen: dict[str, Any] = {}

    def confirm_data_loss(self, loss: DataLoss, command: str) -> bool | None:
        from still import context

        self.seen["in_transaction"] = context.get_bind().in_transaction()
        kind = self.project.kind
        if kind == "postgresql":
            database = context.get_bind().engine.url.database
            self.seen["idle_in_transaction"] = self.project.rows(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                f"'{database}' AND state LIKE 'idle in transaction%'"
            )[0][0]
        elif kind == "sqlite":
            # a writer from another connection gets the database at once: nothing holds it
            with sa.create_engine(self.project.url).connect() as other:
                other.exec_driver_sql("PRAGMA busy_timeout = 0")
                other.exec_driver_sql("BEGIN IMMEDIATE")
                other.exec_driver_sql("ROLLBACK")
            self.seen["idle_in_transaction"] = 0
        else:
            connection_id = context.get_bind().exec_driver_sql("SELECT CONNECTION_ID()").scalar()
            # exec_driver_sql above autobegan nothing lasting: a read only, ended now
            context.get_bind().rollback()
            self.seen["idle_in_transaction"] = self.project.rows(
                "SELECT count(*) FROM information_schema.innodb_trx "
                f"WHERE trx_mysql_thread_id = {connection_id}"
            )[0][0]
        return True


def test_the_question_comes_before_any_transaction(project: Project) -> None:
    """Plan first, then ask, then lock and run: while the questioner decides, the migration's
    connection has no transaction open (and the server sees none idle)."""
    config = _dropping(project, enforced=False)
    config.hooks.questioner = questioner = Inspecting(project)
    command.upgrade(config, "head")
    assert questioner.seen == {"in_transaction": False, "idle_in_transaction": 0}
    assert project.versions() == {"r2"} and "doomed" not in project.tables()


class Renaming(Questioner):
    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def ask_rename(self, candidate: Any) -> bool | None:
        self.asked.append(str(candidate))
        return self.answer


@pytest.mark.parametrize("answer", [True, False])
def test_renames_are_asked_through_the_questioner(project: Project, answer: bool) -> None:
    seeded(project)
    use_models(project, seed_models(age="years"))
    config = Config(str(project.ini))
    config.hooks.questioner = questioner = Renaming(answer)
    command.revision(config, message="rename age", autogenerate=True, renames="ask")
    assert len(questioner.asked) == 1 and "age" in questioner.asked[0], questioner.asked
    (path,) = [p for p in Path(project.versions_dir).glob("*.py") if "rename_age" in p.name]
    if answer:
        assert op_calls(path) == [("alter_column", "pets")]
    else:
        assert ("drop_column", "pets") in op_calls(path) and ("add_column", "pets") in op_calls(
            path
        )
