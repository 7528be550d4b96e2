"""A database Alembic migrated carries on under still, and back, on the three databases.

The project is made by real Alembic (`alembic init`), with its own env.py and script template;
still runs it unchanged, on the same database, in turns with Alembic, including with two heads.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from still import command as still_command
from still.config import Config as StillConfig
from tests.databases import KINDS, fresh_database, required

alembic_command = required("alembic.command")
alembic_config = required("alembic.config")

BODY = {
    "upgrade": '    op.create_table("t_{rev}", sa.Column("id", sa.Integer, primary_key=True))\n',
    "downgrade": '    op.drop_table("t_{rev}")\n',
}


def fill(path: Path, rev: str) -> None:
    text = path.read_text()
    for fn, body in BODY.items():
        text = re.sub(
            rf'(def {fn}\(\) -> None:\n    """[^"]*"""\n)    pass\n',
            lambda m, body=body: m.group(1) + body.format(rev=rev),
            text,
        )
    path.write_text(text)


def state(url: str) -> tuple[set[str], set[str]]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    tables = set(sa.inspect(engine).get_table_names())
    with engine.connect() as conn:
        versions = set(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
    engine.dispose()
    return versions, {t[2:] for t in tables if t.startswith("t_")}


@pytest.mark.parametrize("kind", KINDS)
def test_alembic_then_still_then_alembic(tmp_path: Path, monkeypatch, kind: str) -> None:
    monkeypatch.chdir(tmp_path)
    with fresh_database(kind, tmp_path) as url:
        ini = tmp_path / "alembic.ini"
        theirs = alembic_config.Config(str(ini), stdout=io.StringIO())
        alembic_command.init(theirs, "alembic")
        theirs = alembic_config.Config(str(ini), stdout=io.StringIO())
        theirs.set_main_option("sqlalchemy.url", url)
        for rev, head in (("a1", "base"), ("a2", "a1"), ("a3", "a2"), ("b1", "a1")):
            script = alembic_command.revision(
                theirs, f"step {rev}", rev_id=rev, head=head, splice=True
            )
            fill(Path(script.path), rev)
        ours = StillConfig(str(ini), stdout=io.StringIO())
        ours.set_main_option("sqlalchemy.url", url)

        alembic_command.upgrade(theirs, "a2")
        assert state(url) == ({"a2"}, {"a1", "a2"})
        still_command.upgrade(ours, "heads")  # still continues where Alembic stopped
        assert state(url) == ({"a3", "b1"}, {"a1", "a2", "a3", "b1"})
        alembic_command.downgrade(theirs, "a2")  # and Alembic reads still's two rows
        assert state(url) == ({"a2", "b1"}, {"a1", "a2", "b1"})
        still_command.downgrade(ours, "base")
        assert state(url) == (set(), set())
        alembic_command.upgrade(theirs, "heads")
        assert state(url) == ({"a3", "b1"}, {"a1", "a2", "a3", "b1"})
        current = io.StringIO()
        ours.stdout = current
        still_command.current(ours)
        assert sorted(current.getvalue().split()) == ["(head)", "(head)", "a3", "b1"]
