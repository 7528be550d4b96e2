"""The real applications of tests/test_real_applications.py: where each keeps its Alembic
directory inside its installed package, how it is pointed at a database, and the steps a user of
that application takes (its own commands, and the ``alembic`` command line on its ini).

A step is ``("cli", [...])``: the ``alembic`` program (``still`` in the still run) with ``-c``
the application's ini, pointed at the step's database; ``("app", [...])``: one of the
application's console scripts, run in-process by runner.py (with still behind the alembic names
in the still run); or ``("python", CODE)``.  ``{url}``, ``{async_url}``, ``{tmp}`` and
``{conf}`` in arguments are the step's database URL (synchronous and asyncio driver), a scratch
directory of the tool's run, and the application's configuration file.

Nothing of the applications is copied here: their ini, env.py and revision files are read where
pip installed them (``.real-apps/NAME``, built by scripts/real-applications.sh).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# (how, what) or (how, what, the database kinds the step runs on)
Step = tuple[str, list[str] | str] | tuple[str, list[str] | str, tuple[str, ...]]

ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql+psycopg": "postgresql+asyncpg"}
ASYNC_DRIVERS["mysql+pymysql"] = "mysql+aiomysql"


def async_url(url: str) -> str:
    driver, _, rest = url.partition("://")
    return f"{ASYNC_DRIVERS.get(driver, driver)}://{rest}"


def ini_pointed_at(source: Path, url: str, dest: Path, script_location: Path | None = None) -> Path:
    """The application's ini, as the application itself hands it to Alembic with its database:
    ``%(here)s`` and a relative ``script_location`` still naming the installed package (or the
    directory the application sets, ``script_location``), and ``sqlalchemy.url`` the test's
    database (the applications set both the same way, through ``Config.set_main_option`` or a
    template)."""
    here = str(source.parent)
    text = source.read_text().replace("%(here)s", here)

    def located(match: re.Match[str]) -> str:
        value = match[2].strip()
        if script_location is not None:
            value = str(script_location)
        elif ":" not in value and not Path(value).is_absolute():
            value = str(source.parent / value)
        return f"{match[1]}{value}"

    text = re.sub(r"^(script_location\s*=\s*)(.*)$", located, text, flags=re.M)
    line = f"sqlalchemy.url = {url.replace('%', '%%')}"
    if re.search(r"^sqlalchemy\.url\s*=", text, flags=re.M):
        text = re.sub(r"^sqlalchemy\.url\s*=.*$", lambda _: line, text, flags=re.M)
    else:
        text = re.sub(r"^\[alembic\]$", lambda _: f"[alembic]\n{line}", text, count=1, flags=re.M)
    dest.write_text(text)
    return dest


def template_ini(source: Path, url: str, dest: Path, script_location: Path | None = None) -> Path:
    """JupyterHub ships its alembic.ini as a ``str.format`` template, filled by
    ``jupyterhub.dbutil.write_alembic_ini`` with its alembic directory and database URL."""
    text = source.read_text().format(alembic_dir=source.parent / "alembic", db_url=url)
    dest.write_text(text)
    return dest


def steps_on(steps: list[Step], kind: str) -> list[Step]:
    """The steps that run on a database kind."""
    return [step for step in steps if len(step) == 2 or kind in step[2]]


@dataclass(frozen=True)
class App:
    name: str  # the test's name for this scenario
    venv: str  # the environment .real-apps/VENV (requirements/VENV.txt)
    version: str
    ini: str  # the ini inside the installed package, relative to site-packages
    kinds: tuple[str, ...]
    steps: list[Step]
    shape: str  # what this application stands for in the suite
    make_ini: Callable[..., Path] = ini_pointed_at
    # the script_location the application sets in code, relative to site-packages
    script_location: str | None = None
    environ: Callable[[str, Path], dict[str, str]] = lambda url, tmp: {}
    conf: Callable[[str, Path], str] | None = None  # writes the app's config file, returns it
    async_urls: bool = False


def _prefect_environ(url: str, tmp: Path) -> dict[str, str]:
    return {
        "PREFECT_HOME": str(tmp / "prefect"),
        "PREFECT_API_DATABASE_CONNECTION_URL": async_url(url),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_DATABASE_SQLALCHEMY_POOL_SIZE": "2",
    }


def _keystone_conf(url: str, tmp: Path) -> str:
    conf = tmp / "keystone.conf"
    conf.write_text(f"[DEFAULT]\nuse_stderr = true\n\n[database]\nconnection = {url}\n")
    return str(conf)


ALL = ("sqlite", "postgresql", "mariadb")
SERVERS = ("postgresql", "mariadb")

# keystone-manage has no downgrade; keystone's own tests drive alembic.command like this
KEYSTONE_DOWNGRADE = """
import keystone.conf
from alembic import command
from keystone.common import sql
from keystone.common.sql import upgrades

keystone.conf.configure()
sql.initialize()
keystone.conf.CONF(args=[], project="keystone", default_config_files=["{conf}"])
command.downgrade(upgrades.get_alembic_config(), "{target}")
"""

# `buildbot upgrade-master` reads master.cfg, which create-master wrote as master.cfg.sample
BUILDBOT_UPGRADE = """
import shutil, sys
from buildbot.scripts.runner import run

shutil.copy("{tmp}/master/master.cfg.sample", "{tmp}/master/master.cfg")
sys.argv = ["buildbot", "upgrade-master", "{tmp}/master"]
run()
"""

APPS = [
    App(
        name="optuna",
        venv="optuna",
        version="5.1.0",
        ini="optuna/storages/_rdb/alembic.ini",
        kinds=ALL,
        shape="batch mode on SQLite (render_as_batch), enums, create_all + stamp, "
        "alembic.command driven from the application's own process",
        steps=[
            ("cli", ["upgrade", "head"]),
            # optuna's models are ahead of its migrations (trial_heartbeats...): fails in both
            ("cli", ["check"]),
            ("cli", ["downgrade", "-2"]),
            ("app", ["optuna", "storage", "upgrade", "--storage", "{url}"]),
            # Alembic cannot: v3.0.0.c's downgrade names IntermediateValueModel.FloatTypeEnum,
            # which optuna's models no longer have (AttributeError), on every database
            ("cli", ["downgrade", "base"]),
        ],
    ),
    App(
        name="optuna-create",
        venv="optuna",
        version="5.1.0",
        ini="optuna/storages/_rdb/alembic.ini",
        kinds=ALL,
        shape="optuna's own start: create_all + MigrationContext.stamp on an empty database",
        steps=[
            ("app", ["optuna", "create-study", "--storage", "{url}", "--study-name", "s"]),
            ("cli", ["check"]),
            ("cli", ["downgrade", "-2"]),
            ("app", ["optuna", "storage", "upgrade", "--storage", "{url}"]),
        ],
    ),
    App(
        name="prefect",
        venv="prefect",
        version="3.9.1",
        ini="prefect/server/database/alembic.ini",
        kinds=("sqlite", "postgresql"),
        shape="async env.py (aiosqlite, asyncpg) run from a worker thread, 120 revisions on "
        "PostgreSQL and 115 on SQLite (version_locations set by env.py), enums on PostgreSQL, "
        "batch mode on SQLite, script_location as package:path, alembic.command driven from "
        "`prefect server database`",
        environ=_prefect_environ,
        steps=[
            ("app", ["prefect", "server", "database", "upgrade", "-y"]),
            ("app", ["prefect", "server", "database", "downgrade", "-y", "-r", "-3"]),
            ("app", ["prefect", "server", "database", "upgrade", "-y"]),
            ("app", ["prefect", "server", "database", "downgrade", "-y", "-r", "base"]),
        ],
    ),
    App(
        name="keystone",
        venv="keystone",
        version="30.0.0",
        ini="keystone/common/sql/alembic.ini",
        kinds=ALL,
        shape="expand and contract branches (branch_labels, two heads, version_locations set "
        "in code), `keystone-manage db_sync` driving alembic.command with a connection in "
        "config.attributes, ScriptDirectory and MigrationContext read by the application",
        conf=_keystone_conf,
        steps=[
            # contract before expand: keystone refuses (it reads the heads' branch labels)
            ("app", ["keystone-manage", "--config-file", "{conf}", "db_sync", "--contract"]),
            ("app", ["keystone-manage", "--config-file", "{conf}", "db_sync", "--expand"]),
            ("app", ["keystone-manage", "--config-file", "{conf}", "db_sync", "--check"]),
            ("app", ["keystone-manage", "--config-file", "{conf}", "db_sync", "--contract"]),
            ("app", ["keystone-manage", "--config-file", "{conf}", "db_sync", "--check"]),
            ("app", ["keystone-manage", "--config-file", "{conf}", "db_sync"]),
            # OpenStack migrations have no downgrade(): Alembic fails, so must still
            ("python", KEYSTONE_DOWNGRADE.replace("{target}", "contract@-1")),
        ],
    ),
    App(
        name="mlflow",
        venv="mlflow",
        version="3.18.0 (mlflow-skinny)",
        ini="mlflow/store/db_migrations/alembic.ini",
        script_location="mlflow/store/db_migrations",
        kinds=ALL,
        shape="70 revisions, batch mode everywhere (render_as_batch), create_all of the "
        "initial tables + alembic.command.upgrade from `mlflow db upgrade`",
        steps=[
            ("app", ["mlflow", "db", "upgrade", "{url}"]),
            # mlflow's models are ahead of its migrations: fails in both
            ("cli", ["check"]),
            # on MariaDB Alembic fails here and still does not (STILL_SUCCEEDS): the last step
            ("cli", ["downgrade", "-5"]),
            ("app", ["mlflow", "db", "upgrade", "{url}"], ("sqlite", "postgresql")),
            # Alembic cannot: on SQLite its batch copy of spans inserts into the generated
            # column duration_ns; on PostgreSQL DROP TABLE registered_models fails
            ("cli", ["downgrade", "base"], ("sqlite", "postgresql")),
        ],
    ),
    App(
        name="jupyterhub",
        venv="jupyterhub",
        version="6.1.1",
        ini="jupyterhub/alembic.ini",
        make_ini=template_ini,
        kinds=ALL,
        shape="create_all + alembic.command.stamp on a new database, then `jupyterhub "
        "upgrade-db` running the `alembic` program on an ini written from a template",
        steps=[
            ("app", ["jupyterhub", "upgrade-db", "--db={url}"]),
            ("cli", ["check"]),
            ("cli", ["downgrade", "-3"]),
            ("app", ["jupyterhub", "upgrade-db", "--db={url}"]),
            ("cli", ["downgrade", "base"]),
        ],
    ),
    App(
        name="buildbot",
        venv="buildbot",
        version="4.3.0",
        ini="buildbot/db/migrations/alembic.ini",
        kinds=ALL,
        shape="create_all + MigrationContext.stamp, then an upgrade driven from code: "
        "MigrationContext.configure(opts={'fn': ...}) with ScriptDirectory._upgrade_revs, "
        "Operations.context, run_migrations",
        steps=[
            ("app", ["buildbot", "create-master", "--db", "{url}", "{tmp}/master"]),
            ("cli", ["check"]),
            ("cli", ["downgrade", "-1"], SERVERS),
            ("python", BUILDBOT_UPGRADE),
            ("cli", ["downgrade", "base"], SERVERS),
            # Alembic cannot downgrade buildbot's 067 on SQLite (its batch rebuild of
            # projects fails on the index codebases_projects_name_hash)
            ("cli", ["downgrade", "-1"], ("sqlite",)),
        ],
    ),
]
