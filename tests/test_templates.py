"""Every `still init --template` project migrates SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from still import command
from still.config import Config
from tests.databases import KINDS, fresh_database, required

ASYNC_DRIVERS = {
    "sqlite": ("sqlite://", "sqlite+aiosqlite://"),
    "postgresql": ("postgresql+psycopg://", "postgresql+asyncpg://"),
    "mariadb": ("mysql+pymysql://", "mysql+aiomysql://"),
}

UPGRADE = """
    op.create_table("pets", sa.Column("id", sa.Integer, primary_key=True))
"""
DOWNGRADE = """
    op.drop_table("pets")
"""


def fill(path: Path | str, upgrade_name: str, downgrade_name: str) -> None:
    """Put the pets table into the (empty) bodies of a generated revision."""
    path = Path(path)  # Script.path is a string, as Alembic's
    text = path.read_text()
    text = re.sub(
        rf"(def {upgrade_name}\(\) -> None:\n)    pass\n", rf"\1{UPGRADE.lstrip(chr(10))}", text
    )
    text = re.sub(
        rf"(def {downgrade_name}\(\) -> None:\n)    pass\n", rf"\1{DOWNGRADE.lstrip(chr(10))}", text
    )
    path.write_text(text)


def tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def quiet(ini: Path) -> Config:
    return Config(str(ini), stdout=io.StringIO())


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("template", ["generic", "pyproject"])
def test_sync_templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind, template) -> None:
    monkeypatch.chdir(tmp_path)
    with fresh_database(kind, tmp_path) as url:
        command.init(quiet(tmp_path / "alembic.ini"), "migrations", template=template)
        if template == "pyproject":
            assert "[tool.alembic]" in (tmp_path / "pyproject.toml").read_text()
            assert "script_location" not in (tmp_path / "alembic.ini").read_text()
        config = Config(
            str(tmp_path / "alembic.ini"),
            toml_file=str(tmp_path / "pyproject.toml") if template == "pyproject" else None,
            stdout=io.StringIO(),
        )
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        script = command.revision(config, "add pets", rev_id="p1")
        assert script is not None
        fill(script.path, "upgrade", "downgrade")
        command.upgrade(config, "head")
        assert {"pets", "alembic_version"} <= tables(url)
        command.downgrade(config, "base")
        assert "pets" not in tables(url)


@pytest.mark.parametrize("kind", KINDS)
def test_async_template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    sync_prefix, async_prefix = ASYNC_DRIVERS[kind]
    if kind == "mariadb":
        required("aiomysql")
    monkeypatch.chdir(tmp_path)
    with fresh_database(kind, tmp_path) as url:
        config = quiet(tmp_path / "alembic.ini")
        command.init(config, "migrations", template="async")
        assert "async_engine_from_config" in (tmp_path / "migrations" / "env.py").read_text()
        config = quiet(tmp_path / "alembic.ini")
        config.set_main_option("sqlalchemy.url", url.replace(sync_prefix, async_prefix, 1))
        script = command.revision(config, "add pets", rev_id="p1")
        assert script is not None
        fill(script.path, "upgrade", "downgrade")
        command.upgrade(config, "head")
        assert {"pets", "alembic_version"} <= tables(url)
        command.downgrade(config, "base")
        assert "pets" not in tables(url)


def test_multidb_template_migrates_each_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with (
        fresh_database("sqlite", tmp_path) as one,
        fresh_database("postgresql", tmp_path) as two,
        fresh_database("mariadb", tmp_path) as three,
    ):
        ini = tmp_path / "alembic.ini"
        command.init(quiet(ini), "migrations", template="multidb")
        text = ini.read_text()
        text = text.replace("databases = engine1, engine2", "databases = engine1, engine2, engine3")
        text = text.replace("driver://user:pass@localhost/dbname1", one)
        text = text.replace("driver://user:pass@localhost/dbname2", two)
        text += f"\n[engine3]\nsqlalchemy.url = {three}\n"
        ini.write_text(text)
        config = quiet(ini)
        script = command.revision(config, "add pets", rev_id="p1")
        assert script is not None
        for name in ("engine1", "engine2", "engine3"):
            fill(script.path, f"upgrade_{name}", f"downgrade_{name}")
        command.upgrade(config, "head")
        for url in (one, two, three):
            assert {"pets", "alembic_version"} <= tables(url)
        command.downgrade(config, "base")
        for url in (one, two, three):
            assert "pets" not in tables(url)
