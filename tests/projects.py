"""A still project in a temporary directory, driven through the command line, for tests."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner, Result

from still.cli.main import cli

REVISION = '''"""{message}"""
from alembic import op
import sqlalchemy as sa

revision = {rev!r}
down_revision = {down!r}
branch_labels = {labels!r}
depends_on = {deps!r}


def upgrade():
{upgrade}


def downgrade():
{downgrade}
'''

# the online context.configure() of a generated env.py begins with these arguments
CONFIGURE = "connection=connection, target_metadata=target_metadata"


def set_url(ini: Path, url: str) -> None:
    """Point an ini file's sqlalchemy.url at ``url``."""
    text = re.sub(r"^sqlalchemy.url = .*$", f"sqlalchemy.url = {url}", ini.read_text(), flags=re.M)
    ini.write_text(text)


def configure_with(env: Path, extra: str) -> None:
    """Add keyword arguments to the context.configure() call of a generated env.py."""
    text = env.read_text()
    assert text.count(CONFIGURE) == 1, f"no online context.configure() in {env}"
    env.write_text(text.replace(CONFIGURE, CONFIGURE + f", {extra}"))


class CliProject:
    """``still init migrations`` in ``root``, with sqlalchemy.url set to ``url``."""

    def __init__(self, root: Path, url: str = "sqlite:///unused.db") -> None:
        self.root = root
        self.url = url
        self.runner = CliRunner()
        assert self.still("init", "migrations").exit_code == 0
        set_url(root / "alembic.ini", url)

    def still(self, *args: str) -> Result:
        return self.runner.invoke(cli, list(args), catch_exceptions=False)

    def ok(self, *args: str) -> str:
        result = self.still(*args)
        assert result.exit_code == 0, result.output
        return result.output

    def write(
        self,
        rev: str,
        down: str | tuple[str, ...] | None = None,
        upgrade: str = "    pass",
        downgrade: str = "    pass",
        message: str | None = None,
        labels: tuple[str, ...] | None = None,
        deps: str | None = None,
        name: str | None = None,
    ) -> Path:
        """Write a revision file (bodies are indented source lines)."""
        path = self.root / "migrations" / "versions" / f"{name or rev}.py"
        path.write_text(
            REVISION.format(
                rev=rev,
                down=down,
                labels=labels,
                deps=deps,
                message=message or f"step {rev}",
                upgrade=upgrade,
                downgrade=downgrade,
            )
        )
        return path

    def tables(self) -> set[str]:
        engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        try:
            return set(sa.inspect(engine).get_table_names()) - {"alembic_version", "still_ledger"}
        finally:
            engine.dispose()

    def versions(self) -> set[str]:
        engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        try:
            if not sa.inspect(engine).has_table("alembic_version"):
                return set()
            with engine.connect() as conn:
                rows = conn.execute(sa.text("SELECT version_num FROM alembic_version"))
                return set(rows.scalars())
        finally:
            engine.dispose()
