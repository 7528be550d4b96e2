"""A PostgreSQL database migrated through N revisions, ready for a test (issue 19, part 7).

still: the pytest plugin's ``still_database`` fixture, i.e. ``still.testing.clones.Clones.clone()``
with the template already built (``CREATE DATABASE ... TEMPLATE`` of the cached shadow template).
Alembic: what a test suite without it does, a new database and ``command.upgrade(cfg, "head")``.
Both run in a fresh interpreter that has imported SQLAlchemy (as a test session has), timed from
"no database" to "a database at head"; dropping it afterwards is not timed on either side.  The
first row is the first test of a session (the tool's import and the project's scan included), the
second any further test.  The floor is ``CREATE DATABASE ... TEMPLATE`` of the same template by
psycopg alone: no tool could give a test its database faster.

``python -m bench.testdb [--n 1000] [--rounds 3]`` runs only this benchmark and prints its rows;
``python -m bench`` runs it as part of the suite.

The first build (the fixture's first use, no cache) is measured beside a plain ``still upgrade
head`` into a new database, rounds alternating, each a fresh process timed from its start to a
database at head (the plain side's ``CREATE DATABASE`` included, as the fixture's is; dropping
not timed on either side): ``first_build``.  ``python -m bench.testdb --first-build URL`` runs only
that comparison on the server of a SQLAlchemy URL (``sqlite:///x.db``, ``mysql+pymysql://...``,
``postgresql+psycopg://...``).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bench import workloads
from bench.measure import BenchError, Sample, Series
from bench.schema import postgres_snapshot

if TYPE_CHECKING:
    from bench.suite import Bench, Row

READY = r"""
import json, os, sys, time
import sqlalchemy  # a test session has imported it already
import psycopg
tool, ini, server, prefix = sys.argv[1:5]
made, times, cpus = [], [], []


def url_of(name):
    rest = server.split("://", 1)[1].rsplit("/", 1)[0]
    return f"postgresql+psycopg://{rest}/{name}"


started, cpu = time.perf_counter(), time.process_time()
if tool == "still":
    from still.config import Config
    from still.testing.clones import Clones

    config = Config(ini)
    config.set_main_option("sqlalchemy.url", url_of("postgres"))
    clones = Clones(config)
    for _ in range(2):
        database = clones.clone()
        times.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        assert database.from_cache, "the template was not used"
        made.append(database.url.rsplit("/", 1)[1])
        clones._made.clear()  # kept for the check; the benchmark drops them
        started, cpu = time.perf_counter(), time.process_time()
else:
    from alembic import command
    from alembic.config import Config

    config = Config(ini)
    for i in range(2):
        name = f"{prefix}_{i}"
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        os.environ["BENCH_DB_URL"] = url_of(name)
        command.upgrade(config, "head")
        times.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        made.append(name)
        started, cpu = time.perf_counter(), time.process_time()
print(json.dumps({"first": times[0], "again": times[1], "cpu": cpus, "made": made}))
"""

FLOOR = r"""
import json, sys, time
import psycopg
server, template, name = sys.argv[1:4]
with psycopg.connect(server, autocommit=True) as admin:
    started = time.perf_counter()
    admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    print(json.dumps({"seconds": time.perf_counter() - started}))
"""


PLAIN = r"""
import os, runpy, sys
import sqlalchemy
from sqlalchemy.engine import make_url
server, name = sys.argv[1:3]
url = make_url(server)
if url.get_backend_name() == "sqlite":
    target = url.set(database=name)
else:
    from sqlalchemy.pool import NullPool

    quote = "`" if url.get_backend_name() == "mysql" else '"'
    admin = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {quote}{name}{quote}")
    admin.dispose()
    target = url.set(database=name)
os.environ["BENCH_DB_URL"] = target.render_as_string(hide_password=False)
sys.argv = ["still", "upgrade", "head"]
runpy.run_module("still", run_name="__main__", alter_sys=True)
"""

FIRST = r"""
import json, sys
import sqlalchemy
from still.config import Config
from still.testing.clones import Clones
ini, server = sys.argv[1:3]
config = Config(ini)
config.set_main_option("sqlalchemy.url", server.replace("%", "%%"))
database = Clones(config).clone()
assert not database.from_cache, "the cache was not empty"
print(json.dumps({"url": database.url}))  # dropped by the benchmark, untimed
"""


# The statements a plain upgrade sends to its database (untimed): ``still upgrade head`` in-process
# on a scratch database, every cursor execution on it recorded as SQLAlchemy hands it to psycopg.
CAPTURE = r"""
import json, sys
from sqlalchemy import event
from sqlalchemy.engine import Engine
from still import command
from still.config import Config
ini, url, out = sys.argv[1:4]
sent = []


@event.listens_for(Engine, "before_cursor_execute")
def record(conn, cursor, statement, parameters, context, executemany):
    sent.append([statement, parameters, executemany])


config = Config(ini)
config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
config.print_stdout = lambda *a, **k: None
command.upgrade(config, "head")
with open(out, "w") as f:
    json.dump(sent, f)
"""

# The floors: the server's own work for the same statements, sent by psycopg alone in one pipeline
# and one transaction into a new database (no tool, no interpreter start-up): what no plain upgrade
# can go below; the first build's floor adds the copy into a template that no first build can do
# without (docs/benchmarks.md).
FLOORS = r"""
import json, sys, time
import psycopg
server, statements, name = sys.argv[1:4]
sent = json.load(open(statements))
base = server.rsplit("/", 1)[0]
with psycopg.connect(server, autocommit=True) as admin:
    started = time.perf_counter()
    admin.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(f"{base}/{name}") as connection:
        cursor = connection.cursor()
        with connection.pipeline():
            for statement, parameters, many in sent:
                if many:
                    cursor.executemany(statement, parameters)
                else:
                    cursor.execute(statement, parameters or None)
        connection.commit()
    plain = time.perf_counter() - started
    admin.execute(f'CREATE DATABASE "{name}_tpl" TEMPLATE "{name}"')
    first = time.perf_counter() - started
print(json.dumps({"plain": plain, "first": first}))
"""


def _captured(bench: Bench, project: workloads.Project, server: str) -> Path | None:
    """PostgreSQL only: a file of the statements a plain upgrade sends (see ``CAPTURE``)."""
    from sqlalchemy.engine import make_url

    url = make_url(server)
    if url.get_backend_name() != "postgresql":
        return None
    dsn = "postgresql://" + server.split("://", 1)[1]
    scratch = f"still_bench_c{os.getpid()}"
    statements = project.root / "plain-upgrade-statements.json"
    _drop(dsn, [scratch])
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{scratch}"')
    try:
        target = url.set(database=scratch).render_as_string(hide_password=False)
        bench.python(CAPTURE, project.root, str(project.ini), target, str(statements))
    finally:
        _drop(dsn, [scratch])
    return statements


def _floor_round(
    bench: Bench, project: workloads.Project, server: str, statements: Path, i: int
) -> tuple[Sample, Sample, list[object]]:
    """One round of the floors: (plain upgrade's, first build's) and the two databases' schemas."""
    from sqlalchemy.engine import make_url

    url = make_url(server)
    dsn = "postgresql://" + server.split("://", 1)[1]
    name = f"still_bench_f{os.getpid()}_{i}"
    sample = bench.python(FLOORS, project.root, dsn, str(statements), name)
    try:
        made = [
            _snapshot(url.set(database=n).render_as_string(hide_password=False))
            for n in (name, f"{name}_tpl")
        ]
    finally:
        _drop(dsn, [name, f"{name}_tpl"])
    seconds = json.loads(sample.stdout.strip().splitlines()[-1])
    return Sample(seconds["plain"], sample.peak_kib), Sample(seconds["first"], 0), made


def first_build(bench: Bench, project: workloads.Project, server: str, rounds: int) -> str:
    """The first build of the test-database cache (``Clones.clone()``, no cache) against a
    plain ``still upgrade head`` into a new database, on the server of ``server`` (a
    SQLAlchemy URL), rounds alternating; each database made is checked to hold the same schema
    and version rows.  Returns the line reporting both medians and their ratio."""
    from sqlalchemy.engine import make_url

    url = make_url(server)
    kind = url.get_backend_name()
    series = {"first build": Series(), "plain upgrade": Series()}
    reference: list[object] = []
    bench.load.append(os.getloadavg()[0])
    statements = _captured(bench, project, server)
    floors = {"plain upgrade": Series(), "first build": Series()}
    sides = ["floors", *series] if statements is not None else list(series)
    for i in range(rounds):
        # each round starts with another side, so no side always follows the same clean-up
        for side in sides[i % len(sides) :] + sides[: i % len(sides)]:
            if side == "floors":
                assert statements is not None
                plain_floor, first_floor, schemas = _floor_round(
                    bench, project, server, statements, i
                )
                floors["plain upgrade"].samples.append(plain_floor)
                floors["first build"].samples.append(first_floor)
                for got in schemas:
                    if not reference:
                        reference.append(got)
                    bench.same("the schema of a database at head", reference[0], got, "floor")
                continue
            _forget_cache(project, server)
            if side == "plain upgrade":
                name = (
                    str(project.root / f"plain{i}.db")
                    if kind == "sqlite"
                    else f"still_bench_p{os.getpid()}_{i}"
                )
                sample = bench.python(PLAIN, project.root, server, name)
                made = url.set(database=name).render_as_string(hide_password=False)
            else:
                sample = bench.python(FIRST, project.root, str(project.ini), server)
                made = json.loads(sample.stdout.strip().splitlines()[-1])["url"]
            try:
                got = _snapshot(made)
                if not reference:
                    reference.append(got)
                bench.same("the schema of a database at head", reference[0], got, side)
            finally:
                _drop_database(made)
            series[side].samples.append(sample)
            bench.log(f"    {side}: {sample.seconds:.3f} s")
    _forget_cache(project, server)
    first, plain = series["first build"], series["plain upgrade"]
    pairs = list(zip(first.samples, plain.samples, strict=True))
    line = (
        f"First build vs plain upgrade, {kind}, {project.revisions:,} revisions, {rounds} "
        f"round(s), the sides in turn: first build (the fixture's first use, no cache) "
        f"{first.seconds:.3f} s (rounds {_each_round(first)}), plain `still upgrade head` into "
        f"a new database {plain.seconds:.3f} s (rounds {_each_round(plain)}); ratio "
        f"{first.seconds / plain.seconds:.3f} (target: no slower, <= 1); median of the rounds' "
        f"differences {statistics.median(a.seconds - b.seconds for a, b in pairs):+.3f} s; "
        f"process CPU {first.cpu:.2f} s vs {plain.cpu:.2f} s; 1-minute load "
        f"{os.getloadavg()[0]:.1f}."
    )
    if statements is not None:
        floor_plain, floor_first = floors["plain upgrade"], floors["first build"]
        line += (
            f" Floors (the same statements by psycopg alone, one pipeline, in each round): "
            f"a plain upgrade {floor_plain.seconds:.3f} s, a first build (the same plus the "
            f"template's copy) {floor_first.seconds:.3f} s; still over its floor: first build "
            f"{first.seconds / floor_first.seconds:.2f}, plain upgrade "
            f"{plain.seconds / floor_plain.seconds:.2f}; the first build's floor over the plain "
            f"upgrade's {floor_first.seconds / floor_plain.seconds:.2f}."
        )
        bench.log(f"    floors: plain {floor_plain.seconds:.3f}, first {floor_first.seconds:.3f} s")
    bench.notes.append(line)
    return line


def _each_round(series: Series) -> str:
    return ", ".join(f"{s.seconds:.2f}" for s in series.samples)


def _snapshot(url_text: str) -> object:
    """Schema and version rows of a database (PostgreSQL, SQLite: bench.schema's snapshots;
    MySQL/MariaDB: the tables' DDL and the version rows)."""
    from sqlalchemy.engine import make_url

    url = make_url(url_text)
    if url.get_backend_name() == "sqlite":
        from bench.schema import sqlite_snapshot

        return sqlite_snapshot(Path(str(url.database)))
    if url.get_backend_name() == "postgresql":
        return postgres_snapshot("postgresql://" + url_text.split("://", 1)[1])
    import sqlalchemy
    from sqlalchemy.pool import NullPool

    engine = sqlalchemy.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            tables = sorted(r[0] for r in connection.exec_driver_sql("SHOW TABLES"))
            ddl = [
                connection.exec_driver_sql(f"SHOW CREATE TABLE `{t}`").fetchone()[1]  # type: ignore[index]
                for t in tables
            ]
            versions = sorted(
                r[0] for r in connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            )
        return (ddl, versions)
    finally:
        engine.dispose()


def _drop_database(url_text: str) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(url_text)
    if url.get_backend_name() == "sqlite":
        Path(str(url.database)).unlink(missing_ok=True)
        return
    import sqlalchemy
    from sqlalchemy.pool import NullPool

    postgres = url.get_backend_name() == "postgresql"
    admin_url = url.set(database="postgres" if postgres else None)
    engine = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            if postgres:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
            else:
                connection.exec_driver_sql(f"DROP DATABASE IF EXISTS `{url.database}`")
    finally:
        engine.dispose()


def _forget_cache(project: workloads.Project, server: str) -> None:
    """Drop the project's shadow cache (templates, cached files): the next build is a first."""
    from still.command import shadow_clean
    from still.config import Config

    config = Config(str(project.ini))
    config.set_main_option("sqlalchemy.url", server.replace("%", "%%"))
    config.print_stdout = lambda *a, **k: None  # type: ignore[method-assign]
    shadow_clean(config)


def _with_database(dsn: str, name: str) -> str:
    scheme, rest = dsn.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}/{name}"


def _drop(dsn: str, names: list[str]) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _template(dsn: str, project: workloads.Project) -> str:
    """The template still made for the project (named after its script directory)."""
    import hashlib

    import psycopg

    key = hashlib.sha256(str(project.script_dir.resolve()).encode()).hexdigest()[:8]
    mine = f"still_shadow_tpl_{key}_"
    with psycopg.connect(dsn, autocommit=True) as admin:
        rows = admin.execute("SELECT datname FROM pg_database").fetchall()
    found = [name for (name,) in rows if name.startswith(mine)]
    if len(found) != 1:
        raise BenchError(f"expected one template {mine}*, found {found}")
    return str(found[0])


def test_database(bench: Bench, n: int, rounds: int | None = None) -> list[Row]:
    """The two rows (first test, further test) for N revisions, on ``bench.postgres_dsn``."""
    from bench.suite import Row, Target, _fmt

    dsn = bench.postgres_dsn
    if dsn is None:
        return []
    bench.log(f"PostgreSQL, a database at head for a test, {n} revisions")
    project = bench._project(f"testdb-{n}", lambda root: workloads.linear(root, n))
    prefix = f"still_bench_t{os.getpid()}_{secrets.token_hex(3)}"
    reference: list[object] = []
    again: dict[str, Series] = {"still": Series(), "alembic": Series()}
    rounds = rounds or bench.sizes.rounds(n, slow=True)
    bench.log(
        "  "
        + first_build(
            bench,
            project,
            "postgresql+psycopg://" + _with_database(dsn, "postgres").split("://", 1)[1],
            rounds,
        )
    )

    def ready(tool: str) -> Sample:
        sample = bench.python(READY, project.root, tool, str(project.ini), dsn, prefix)
        result = json.loads(sample.stdout.strip().splitlines()[-1])
        try:
            for name in result["made"]:
                got = postgres_snapshot(_with_database(dsn, name))
                if not reference:
                    reference.append(got)
                bench.same("the schema of a database ready for a test", reference[0], got, tool)
        finally:
            _drop(dsn, result["made"])
        first_cpu, again_cpu = result["cpu"]
        again[tool].samples.append(Sample(result["again"], sample.peak_kib, cpu=again_cpu))
        return Sample(result["first"], sample.peak_kib, cpu=first_cpu, stdout=sample.stdout)

    # The template, built once beforehand (and timed: the first build of a session's cache).
    started = time.perf_counter()
    build = bench.python(
        "import sys\nfrom still.config import Config\nfrom still.testing.clones import Clones\n"
        "c = Config(sys.argv[1]); c.set_main_option('sqlalchemy.url', sys.argv[2])\n"
        "k = Clones(c); d = k.clone(); assert not d.from_cache; k.drop_all()\n",
        project.root,
        str(project.ini),
        "postgresql+psycopg://" + _with_database(dsn, "postgres").split("://", 1)[1],
    )
    bench.notes.append(
        f"Test databases, {_fmt(n)} revisions: building the template (the first use of the "
        f"fixture, no cache) took {time.perf_counter() - started:.2f} s "
        f"(process {build.seconds:.2f} s)."
    )
    template = _template(dsn, project)
    try:
        first = bench.compare(
            "PostgreSQL",
            "a database at head for a test: still's `still_database` fixture (template built) vs "
            "a new database + Alembic `upgrade head`, in-process (first test of a session)",
            "testdb-first",
            project,
            n,
            "revisions",
            ready,
            rounds,
        )
        first.mode = "in-process"
        second = Row(
            "PostgreSQL",
            "a database at head for a test, as above (each further test)",
            first.size,
            "testdb-again",
            n,
            again["still"],
            again["alembic"],
            mode="in-process",
            target=Target(0.05) if n >= 1000 else None,
        )
        second.floor = Series()
        for i in range(rounds):
            name = f"{prefix}_floor{i}"
            sample = bench.python(FLOOR, project.root, dsn, template, name)
            _drop(dsn, [name])
            seconds = json.loads(sample.stdout.strip().splitlines()[-1])["seconds"]
            second.floor.samples.append(Sample(seconds, sample.peak_kib))
        bench.rows.append(second)
        bench.log(
            f"    further test: still {second.still.seconds:.3f} s, Alembic "
            f"{second.alembic.seconds:.3f} s, ratio {second.ratio:.4f}, floor "
            f"{second.floor.seconds:.3f} s"
        )
        return [first, second]
    finally:
        _drop(dsn, [template])


def main(argv: list[str] | None = None) -> int:
    from bench.suite import FULL, Bench

    parser = argparse.ArgumentParser(prog="python -m bench.testdb", description=__doc__)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument(
        "--first-build",
        metavar="URL",
        help="only compare the first build with a plain upgrade, on this server",
    )
    args = parser.parse_args(argv)
    repo = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory(prefix="still-bench-") as work:
        bench = Bench(Path(work), repo / "src", FULL, args.postgres, lambda t: print(t, flush=True))
        try:
            if args.first_build:
                project = bench._project(
                    f"firstbuild-{args.n}", lambda root: workloads.linear(root, args.n)
                )
                print(first_build(bench, project, args.first_build, args.rounds))
                return 0
            rows = test_database(bench, args.n, args.rounds)
        except BenchError as exc:
            print(f"FAILED: {exc}", file=sys.stderr)
            return 1
    for row in rows:
        floor = f", floor {row.floor.seconds:.4f} s" if row.floor else ""
        print(
            f"{row.work} | {row.size} | still {row.still.seconds:.4f} s | Alembic "
            f"{row.alembic.seconds:.3f} s | ratio {row.ratio:.4f}{floor} | rounds "
            f"{row.still.rounds}"
        )
    for note in bench.notes:
        print(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
