"""``revision --autogenerate`` with an env.py that compares several databases in one run (the
multidb templates, Flask-Migrate's ``flask db init --multidb``): one revision, and a
``process_revision_directives`` hook that sees the same directive after each database with one
more body pair in ``upgrade_ops_list`` / ``downgrade_ops_list``, as under Alembic.  Flask-Migrate's
hook reads them to drop a revision in which no database changed.

The project is tests/alembic_projects/multidb_layout with such a hook added, on two fresh
databases of each kind.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from still.cli.main import cli

LAYOUT = Path(__file__).parent / "alembic_projects" / "multidb_layout"

# What Flask-Migrate's multidb env.py does, and a record of what the hook saw.
HOOK = """
SEEN = []


def process_revision_directives(context, revision, directives):
    script = directives[0]
    SEEN.append(
        [len(script.upgrade_ops_list), len(script.downgrade_ops_list)]
        + [ops.upgrade_token for ops in script.upgrade_ops_list]
        + [ops.downgrade_token for ops in script.downgrade_ops_list]
    )
    with open("hook.log", "a") as log:
        log.write(repr(SEEN[-1]) + "\\n")
    if len(script.upgrade_ops_list) >= len(names):
        if all(ops.is_empty() for ops in script.upgrade_ops_list):
            directives[:] = []

"""


@pytest.fixture
def multidb(
    db_url: str,
    another_database: Callable[[], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    root = tmp_path / "multidb"
    shutil.copytree(LAYOUT, root)
    ini = root / "alembic.ini"
    text = ini.read_text()
    for name, url in {"accounts": db_url, "audit": another_database()}.items():
        placeholder = f"sqlalchemy.url = sqlite:///{name}-set-by-the-test.db"
        assert placeholder in text
        text = text.replace(placeholder, f"sqlalchemy.url = {url}")
    ini.write_text(text)
    env = root / "migrations" / "env.py"
    source = env.read_text()
    source = source.replace("def run_migrations_offline()", HOOK + "def run_migrations_offline()")
    source = source.replace(
        "target_metadata=target_metadata.get(name),\n            )\n            context.run_",
        "target_metadata=target_metadata.get(name),\n"
        "                process_revision_directives=process_revision_directives,\n"
        "            )\n            context.run_",
    )
    assert "process_revision_directives=process_revision_directives" in source
    env.write_text(source)
    monkeypatch.chdir(root)
    monkeypatch.delitem(sys.modules, "models", raising=False)  # env.py imports this one's
    return root


def still(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def revision_files(root: Path) -> set[str]:
    return {p.name for p in (root / "migrations" / "versions").glob("*.py")}


def test_one_revision_for_all_databases_and_the_hook_sees_each(multidb: Path) -> None:
    assert still("upgrade", "head")[0] == 0
    code, output = still("revision", "--autogenerate", "-m", "exports", "--rev-id", "m3")
    assert code == 0, output
    # the hook ran after each database, on the same directive growing by one body pair
    assert (multidb / "hook.log").read_text().splitlines() == [
        "[1, 1, 'accounts_upgrades', 'accounts_downgrades']",
        "[2, 2, 'accounts_upgrades', 'audit_upgrades', 'accounts_downgrades', 'audit_downgrades']",
    ]
    (written,) = revision_files(multidb) - {"m1_users_and_events.py", "m2_locked_users.py"}
    source = (multidb / "migrations" / "versions" / written).read_text()
    accounts_up = source.split("def upgrade_accounts()")[1].split("def ")[0]
    audit_up = source.split("def upgrade_audit()")[1].split("def ")[0]
    assert "pass" in accounts_up and "exports" not in accounts_up
    assert "op.create_table(" in audit_up and "'exports'" in audit_up
    assert "op.drop_table('exports')" in source.split("def downgrade_audit()")[1]
    # and it runs: exports lands in the audit database only
    assert still("upgrade", "head")[0] == 0
    audit_url = multidb.joinpath("alembic.ini").read_text().split("[audit]\nsqlalchemy.url = ")[1]
    engine = sa.create_engine(audit_url.splitlines()[0], poolclass=sa.pool.NullPool)
    try:
        assert "exports" in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_the_hook_drops_a_revision_in_which_no_database_changed(multidb: Path) -> None:
    models = multidb / "models.py"
    models.write_text(models.read_text().split("sa.Table(  # in no revision yet")[0])
    assert still("upgrade", "head")[0] == 0
    before = revision_files(multidb)
    code, output = still("revision", "--autogenerate", "-m", "nothing")
    assert code == 0, output
    assert revision_files(multidb) == before
    assert len((multidb / "hook.log").read_text().splitlines()) == 2
