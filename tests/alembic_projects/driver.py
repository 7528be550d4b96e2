"""Run a fixture project's command sequence in one process, under real Alembic or under still.

``python driver.py alembic|still STEPS_JSON OUT_JSON`` in the project directory.  Each step is a
command line as the ``alembic`` program takes it (run through ``alembic.config.main``) or, when it
starts with ``api``, a call ``alembic.command.NAME(config, *args)`` whose ``config.attributes``
holds an open connection (the cookbook recipe env.py takes it from).  Under ``still`` the alembic
names are still's (``still.alembic_shim.install()``), so the same code drives both tools.  A step
whose first word is ``alembic:`` or ``still:`` is run by that tool whatever the driver's (in a
child driver process on the same copy and database): switching tools mid-way.

After each step: the exit code, what the step printed on stdout (file descriptor 1, so output
written by any means is caught), the version rows and the reflected schema, of every database the
ini names (``sqlalchemy.url`` of any section; keyed by section when there are several).  Async
driver URLs are inspected through the synchronous driver of the same kind.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import traceback
from configparser import ConfigParser
from typing import Any

# Steps that never change the database: the snapshot before them stands.
READ_ONLY = {"current", "heads", "history", "branches", "show", "check", "revision", "merge"}


def command_name(step: list[str]) -> str:
    if step[0] == "api":
        return step[1]
    words = iter(step)
    for word in words:
        if word in ("-x", "-c", "--config", "-n", "--name"):
            next(words, None)
        elif not word.startswith("-"):
            return word
    return ""


TOOLS = ("alembic:", "still:")

SYNC_DRIVERS = {"sqlite+aiosqlite": "sqlite", "postgresql+asyncpg": "postgresql+psycopg"}
SYNC_DRIVERS["mysql+aiomysql"] = "mysql+pymysql"


def database_urls() -> dict[str, str]:
    """``sqlalchemy.url`` of every section of alembic.ini, by section name."""
    ini = ConfigParser(interpolation=None)
    ini.read("alembic.ini")
    return {
        section: ini.get(section, "sqlalchemy.url").replace("%%", "%")
        for section in ini.sections()
        if ini.has_option(section, "sqlalchemy.url")
    }


def sync_url(url: str) -> str:
    driver, _, rest = url.partition("://")
    return f"{SYNC_DRIVERS.get(driver, driver)}://{rest}"


def snapshot_all(engines: dict[str, Any]) -> dict[str, Any]:
    states = {name: snapshot(engine) for name, engine in engines.items()}
    if len(states) == 1:
        return next(iter(states.values()))
    return {
        key: {name: state[key] for name, state in states.items()}
        for key in ("versions", "schema", "views")
    }


def in_other_tool(tool: str, step: list[str]) -> tuple[int, str, str]:
    """One step run by ``tool`` in a child driver (same directory, same database)."""
    import subprocess

    with tempfile.TemporaryDirectory() as scratch:
        steps_file = os.path.join(scratch, "steps.json")
        out_file = os.path.join(scratch, "results.json")
        with open(steps_file, "w") as f:
            json.dump([step], f)
        child = subprocess.run(
            [sys.executable, os.path.abspath(__file__), tool, steps_file, out_file],
            capture_output=True,
            text=True,
        )
        if child.returncode != 0:
            return 1, "", f"child driver failed\n{child.stdout}\n{child.stderr}"
        with open(out_file) as f:
            result = json.load(f)[0]
    return result["code"], result["stdout"], result["stderr"]


def snapshot(engine: Any) -> dict[str, Any]:
    import sqlalchemy as sa

    inspector = sa.inspect(engine)
    tables = sorted(set(inspector.get_table_names()) - {"still_ledger", "alembic_version"})
    versions = None
    # the version table, in the default schema or another (version_table_schema): PostgreSQL
    # only, where schemas live inside the test's database (a MariaDB "schema" is another
    # database on the server, such as a concurrent test's)
    others: set[str] = set()
    if engine.dialect.name == "postgresql":
        others = set(inspector.get_schema_names()) - {inspector.default_schema_name}
        others -= {"information_schema", "pg_catalog", "pg_toast"}
    where = [None, *sorted(others)]
    for schema_name in where:
        if inspector.has_table("alembic_version", schema=schema_name):
            table = f"{schema_name}.alembic_version" if schema_name else "alembic_version"
            with engine.connect() as conn:
                rows = conn.execute(sa.text(f"SELECT version_num FROM {table}"))
                versions = sorted(rows.scalars())
            break
    schema: dict[str, Any] = {}
    if tables:
        columns = inspector.get_multi_columns(filter_names=tables)
        pks = inspector.get_multi_pk_constraint(filter_names=tables)
        fks = inspector.get_multi_foreign_keys(filter_names=tables)
        indexes = inspector.get_multi_indexes(filter_names=tables)
        for key in sorted(columns, key=lambda k: k[1]):
            schema[key[1]] = {
                "columns": [[c["name"], str(c["type"]), c["nullable"]] for c in columns[key]],
                "pk": pks[key]["constrained_columns"],
                "fks": sorted(
                    [f["constrained_columns"], f["referred_table"], f["referred_columns"]]
                    for f in fks[key]
                ),
                "indexes": sorted(
                    [i["name"] or "", i["column_names"], bool(i["unique"])] for i in indexes[key]
                ),
            }
    return {"versions": versions, "schema": schema, "views": sorted(inspector.get_view_names())}


def run_step(step: list[str], url: str) -> int:
    if step[0] == "api":
        import sqlalchemy as sa
        from alembic import command
        from alembic.config import Config

        config = Config("alembic.ini")
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            with engine.begin() as connection:
                config.attributes["connection"] = connection
                getattr(command, step[1])(config, *step[2:])
        except Exception as exc:
            print(f"ERROR {type(exc).__name__}", file=sys.stderr)
            return 1
        finally:
            engine.dispose()
        return 0
    from alembic.config import main

    try:
        main(argv=step, prog="alembic")
    except SystemExit as exc:
        code = exc.code
        return 0 if code in (None, 0) else 1
    return 0


def captured(step: list[str], url: str) -> tuple[int, str, str]:
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        sys.stdout.flush()
        sys.stderr.flush()
        saved = os.dup(1), os.dup(2)
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        try:
            code = run_step(step, url)
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
        out.seek(0)
        err.seek(0)
        return code, out.read(), err.read()


def main() -> None:
    tool, steps_file, out_file = sys.argv[1:4]
    if tool == "still":
        import still.alembic_shim

        still.alembic_shim.install()
    sys.path.insert(0, os.getcwd())
    urls = database_urls()
    url = next(iter(urls.values()))
    with open(steps_file) as f:
        steps = json.load(f)
    import sqlalchemy as sa

    engines = {name: sa.create_engine(sync_url(u)) for name, u in urls.items()}
    results: list[dict[str, Any]] = []
    state = snapshot_all(engines)
    for given in steps:
        started = time.monotonic()
        by, step = (given[0][:-1], given[1:]) if given[0] in TOOLS else (tool, given)
        if by == tool:
            code, stdout, stderr = captured(step, url)
        else:
            for engine in engines.values():
                engine.dispose()
            code, stdout, stderr = in_other_tool(by, step)
        seconds = round(time.monotonic() - started, 2)
        results.append(
            {"step": given, "code": code, "stdout": stdout, "stderr": stderr, "seconds": seconds}
        )
        if command_name(step) not in READ_ONLY and "--sql" not in step:
            state = snapshot_all(engines)
        results[-1].update(state)
    for engine in engines.values():
        engine.dispose()
    with open(out_file, "w") as f:
        json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
