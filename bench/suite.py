"""The benchmarks: each runs still and Alembic on the same files and database, round by round."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench import workloads
from bench.measure import PYTHON, BenchError, Sample, Series, run_process
from bench.schema import Snapshot, postgres_snapshot, sqlite_snapshot

TOOLS = ("still", "alembic")

IN_PROCESS = r"""
import json, resource, sys, time
import sqlalchemy  # an application that migrates at start-up has imported it already
tool, ini = sys.argv[1], sys.argv[2]
started, cpu = time.perf_counter(), time.process_time()
if tool == "still":
    from still import command
    from still.config import Config
else:
    from alembic import command
    from alembic.config import Config
config = Config(ini)
command.upgrade(config, "head")
first, first_cpu = time.perf_counter() - started, time.process_time() - cpu
started, cpu = time.perf_counter(), time.process_time()
command.upgrade(config, "head")
again, again_cpu = time.perf_counter() - started, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"first": first, "again": again, "peak_kib": peak,
                  "first_cpu": first_cpu, "again_cpu": again_cpu}))
"""

FLOOR_SQLITE = (
    "import sqlite3, sys\n"
    "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "c.executescript(open(sys.argv[2], encoding='utf-8').read())\n"
    "c.close()\n"
)

FLOOR_POSTGRES = (
    "import psycopg, sys\n"
    "c = psycopg.connect(sys.argv[1], autocommit=True)\n"
    "c.execute(open(sys.argv[2], encoding='utf-8').read())\n"
    "c.close()\n"
)

CREATE_MODELS = (
    "import sys\n"
    "import sqlalchemy as sa\n"
    "sys.path.insert(0, '.')\n"
    "from bench_models import metadata\n"
    "engine = sa.create_engine('sqlite:///bench.db')\n"
    "metadata.create_all(engine)\n"
    "with engine.begin() as c:  # a project at head (no revisions): an empty version table\n"
    "    c.exec_driver_sql('CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, '\n"
    "                      'CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))')\n"
    "engine.dispose()\n"
)

# What no migration tool can avoid, measured in the same run (the bounds of the targets).
BOUNDS = {
    "python start-up (`python -c pass`)": "pass",
    "`import sqlalchemy`": "import sqlalchemy",
    "`import sqlalchemy`, connect to SQLite, read alembic_version": (
        "import sqlalchemy as sa\n"
        "e = sa.create_engine('sqlite:///bench.db', poolclass=sa.pool.NullPool)\n"
        "with e.connect() as c:\n"
        "    c.execute(sa.text('SELECT version_num FROM alembic_version')).all()\n"
    ),
}

# SQLAlchemy alone building and compiling what a chain of N revisions runs (offline, SQLite):
# what a tool that builds SQLAlchemy schema objects per operation cannot go below.
COMPILE_ONLY = """
import sys
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateIndex, CreateTable

dialect = sqlite.dialect(paramstyle="named")
version = sa.table("alembic_version", sa.column("version_num", sa.String(32)))
previous = None
for i in range(1, int(sys.argv[1]) + 1):
    name = f"t{i:05d}"
    table = sa.Table(
        name,
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    str(CreateTable(table).compile(dialect=dialect))
    str(CreateIndex(sa.Index(f"ix_{name}_name", table.c.name)).compile(dialect=dialect))
    statement = version.update().values(version_num=name).where(version.c.version_num == previous)
    str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    previous = name
"""

_HEX = re.compile(r"\b[0-9a-f]{12}\b")
_HISTORY = re.compile(r"^(.*?) -> ([0-9a-f]{12})", re.M)


@dataclass(frozen=True)
class Target:
    ratio: float
    of_floor: bool = False  # the ratio is still / floor, not still / Alembic

    def text(self) -> str:
        return f"≤ {self.ratio:g} x floor" if self.of_floor else f"≤ {self.ratio:g}"


@dataclass
class Row:
    section: str
    work: str
    size: str
    key: str  # the same work at other sizes shares the key (growth)
    n: int
    still: Series
    alembic: Series
    target: Target | None = None
    floor: Series | None = None
    mode: str = "process"  # or "in-process"

    @property
    def ratio(self) -> float:
        return self.still.seconds / self.alembic.seconds

    @property
    def floor_ratio(self) -> float | None:
        return self.still.seconds / self.floor.seconds if self.floor else None

    @property
    def cpu_ratio(self) -> float:
        return self.still.cpu / self.alembic.cpu if self.alembic.cpu else float("nan")

    @property
    def memory_ratio(self) -> float:
        return self.still.peak_mib / self.alembic.peak_mib

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        value = self.floor_ratio if self.target.of_floor else self.ratio
        return value is not None and value <= self.target.ratio


@dataclass
class Sizes:
    linear: tuple[int, ...]
    branchy: tuple[int, int]  # revisions, merges
    models: tuple[int, ...]
    postgres: int
    quick: bool = False

    def rounds(self, n: int, slow: bool = False) -> int:
        """Fewer rounds as workloads grow (and for the slow ones: fresh upgrades, downgrades)."""
        if self.quick:
            return 1
        if n >= 5000:
            return 1 if slow else 3
        if n >= 1000:
            return 3 if slow else 5
        return 3 if slow else 5


FULL = Sizes(linear=(100, 1000, 5000), branchy=(2000, 200), models=(100, 1000, 5000), postgres=1000)
QUICK = Sizes(linear=(20,), branchy=(40, 4), models=(10,), postgres=20, quick=True)
# Without the 5,000 sizes: a before/after comparison of two trees in about a third of the time.
MEDIUM = Sizes(linear=(100, 1000), branchy=(2000, 200), models=(100, 1000), postgres=1000)


def _fmt(n: int) -> str:
    return f"{n:,}"


@dataclass
class Bench:
    work: Path
    still_src: Path
    sizes: Sizes
    postgres_dsn: str | None  # libpq URL of the server (any database); None to skip
    log: Callable[[str], None] = print
    rows: list[Row] = field(default_factory=list)
    bounds: dict[str, Series] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    postgres_version: str = ""
    load: list[float] = field(default_factory=list)  # 1-minute load average, per benchmark

    # -- running ----------------------------------------------------------------------------------

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("STILL_NO_CACHE", "BENCH_DB_URL")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # both tools as users run them: .pyc written
        env["PYTHONPATH"] = os.pathsep.join(
            [str(self.still_src), *filter(None, [os.environ.get("PYTHONPATH")])]
        )
        if extra:
            env.update(extra)
        return env

    def cli(self, tool: str, project: workloads.Project, args: Sequence[str], **env: str) -> Sample:
        return run_process([PYTHON, "-m", tool, *args], cwd=project.root, env=self.env(env or None))

    def python(self, code: str, cwd: Path, *args: str, **env: str) -> Sample:
        return run_process([PYTHON, "-c", code, *args], cwd=cwd, env=self.env(env or None))

    def compare(
        self,
        section: str,
        work: str,
        key: str,
        project: workloads.Project,
        n: int,
        unit: str,
        run: Callable[[str], Sample],
        rounds: int,
        prepare: Callable[[str], None] = lambda tool: None,
        verify: Callable[[str, Sample], None] = lambda tool, sample: None,
        target: Target | None = None,
        warm_up: bool = False,
    ) -> Row:
        """Rounds alternate between the tools, so drift on the machine affects both alike."""
        self.log(f"  {section}: {work}, {_fmt(n)} {unit} ({rounds} round(s))")
        self.load.append(os.getloadavg()[0])
        series = {tool: Series() for tool in TOOLS}
        if warm_up:
            for tool in TOOLS:
                prepare(tool)
                verify(tool, run(tool))
        for _ in range(rounds):
            for tool in TOOLS:
                prepare(tool)
                sample = run(tool)
                verify(tool, sample)
                series[tool].samples.append(sample)
        row = Row(section, work, f"{_fmt(n)} {unit}", key, n, series["still"], series["alembic"])
        row.target = target
        self.rows.append(row)
        self.log(
            f"    still {row.still.seconds:.3f} s, Alembic {row.alembic.seconds:.3f} s, "
            f"ratio {row.ratio:.3f} (CPU time {row.cpu_ratio:.3f})"
        )
        return row

    # -- checks -----------------------------------------------------------------------------------

    @staticmethod
    def same(what: str, expected: object, got: object, tool: str) -> None:
        if expected != got:
            detail = (
                expected.describe_difference(got)
                if isinstance(expected, Snapshot) and isinstance(got, Snapshot)
                else f"expected {expected!r:.300}, got {got!r:.300}"
            )
            raise BenchError(f"correctness: {what} differs for {tool}: {detail}")

    # -- the suite --------------------------------------------------------------------------------

    def run_all(self) -> None:
        self.startup()
        for n in self.sizes.linear:
            self.linear(n)
        self.branchy(*self.sizes.branchy)
        for n in self.sizes.models:
            self.check(n)
        self.postgres(self.sizes.postgres)
        if self.postgres_version:  # the server was reached
            from bench.testdb import test_database

            test_database(self, self.sizes.postgres)

    def startup(self) -> None:
        self.log("start-up")
        here = self.work
        for label, code in BOUNDS.items():
            if "bench.db" in code:
                continue
            self.bounds[label] = Series(
                [self.python(code, here) for _ in range(self.sizes.rounds(0) + 3)]
            )
        project = workloads.Project("none", here)
        self.compare(
            "Start-up",
            "`--help`",
            "help",
            project,
            0,
            "revisions",
            lambda tool: self.cli(tool, project, ["--help"]),
            rounds=self.sizes.rounds(0) + 3,
            target=Target(0.25),
            warm_up=True,
        )
        self.rows[-1].size = "—"

    def _project(self, name: str, make: Callable[[Path], workloads.Project]) -> workloads.Project:
        root = self.work / name
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        return make(root)

    @staticmethod
    def _fresh_checkout(project: workloads.Project) -> None:
        for cache in project.script_dir.rglob("__pycache__"):
            shutil.rmtree(cache, ignore_errors=True)

    def _inspection(
        self,
        section: str,
        project: workloads.Project,
        n: int,
        unit: str,
        heads: set[str],
        targets: dict[str, Target | None],
    ) -> None:
        """heads and history, with each tool's cache warm and on a fresh checkout."""
        histories: dict[str, list[tuple[str, str]]] = {}

        def check_heads(tool: str, sample: Sample) -> None:
            self.same("heads", heads, set(_HEX.findall(sample.stdout)), tool)

        def check_history(tool: str, sample: Sample) -> None:
            lines = _HISTORY.findall(sample.stdout)
            self.same("history length", project.revisions, len(lines), tool)
            histories[tool] = lines
            if len(histories) == 2:
                self.same("history order", histories["alembic"], histories["still"], "still")

        for command, verify in (("heads", check_heads), ("history", check_history)):
            rounds = self.sizes.rounds(n)
            self.compare(
                section,
                f"`{command}` (cache warm)",
                f"{command}-warm",
                project,
                n,
                unit,
                lambda tool, c=command: self.cli(tool, project, [c]),
                rounds,
                verify=verify,
                target=targets.get(f"{command}-warm"),
                warm_up=True,
            )
            self.compare(
                section,
                f"`{command}` (fresh checkout: no caches)",
                f"{command}-cold",
                project,
                n,
                unit,
                lambda tool, c=command: self.cli(tool, project, [c]),
                rounds,
                prepare=lambda tool: self._fresh_checkout(project),
                verify=verify,
                target=targets.get(f"{command}-cold"),
            )
        # Leave the caches warm for what follows.
        for tool in TOOLS:
            self.cli(tool, project, ["heads"])

    def _offline(
        self,
        section: str,
        project: workloads.Project,
        n: int,
        unit: str,
        heads: set[str],
        target: Target | None,
    ) -> Path:
        """``upgrade head --sql``; returns still's script (the floor's input)."""
        scripts: dict[str, str] = {}

        def verify(tool: str, sample: Sample) -> None:
            for head in heads:
                if head not in sample.stdout:
                    raise BenchError(f"correctness: {tool} --sql never reaches {head}")
            creates = sample.stdout.count("CREATE TABLE ")
            self.same("CREATE TABLE count in --sql", project.tables + 1, creates, tool)
            scripts[tool] = sample.stdout

        self.compare(
            section,
            "`upgrade head --sql`",
            "sql",
            project,
            n,
            unit,
            lambda tool: self.cli(tool, project, ["upgrade", "head", "--sql"]),
            self.sizes.rounds(n),
            verify=verify,
            target=target,
            warm_up=True,
        )
        path = project.root / "floor.sql"
        path.write_text(_one_transaction(scripts["still"]), encoding="utf-8")
        return path

    def _fresh_upgrade_sqlite(
        self,
        section: str,
        project: workloads.Project,
        n: int,
        unit: str,
        script: Path,
        target: Target | None,
    ) -> Snapshot:
        """Fresh ``upgrade head`` on SQLite, the floor, and the database left at head."""
        reference: list[Snapshot] = []

        def prepare(tool: str) -> None:
            project.db.unlink(missing_ok=True)

        def verify(tool: str, sample: Sample) -> None:
            got = sqlite_snapshot(project.db)
            if not reference:
                reference.append(got)
            self.same("schema and version rows after upgrade", reference[0], got, tool)

        row = self.compare(
            section,
            "fresh `upgrade head`, SQLite",
            "fresh",
            project,
            n,
            unit,
            lambda tool: self.cli(tool, project, ["upgrade", "head"]),
            self.sizes.rounds(n, slow=True),
            prepare=prepare,
            verify=verify,
            target=target,
        )
        row.floor = Series()
        for _ in range(row.still.rounds):
            prepare("floor")
            row.floor.samples.append(
                self.python(FLOOR_SQLITE, project.root, str(project.db), str(script))
            )
            verify("the floor (still's --sql script run by sqlite3)", row.floor.samples[-1])
        self.log(f"    floor {row.floor.seconds:.3f} s")
        shutil.copy(project.db, project.root / "at_head.db")
        return reference[0]

    def _at_head(
        self,
        section: str,
        project: workloads.Project,
        n: int,
        unit: str,
        at_head: Snapshot,
        heads: set[str],
        targets: dict[str, Target | None],
    ) -> None:
        """current, upgrade head at head (CLI and in-process)."""
        template = project.root / "at_head.db"

        def restore(tool: str) -> None:
            shutil.copy(template, project.db)

        def unchanged(tool: str, sample: Sample) -> None:
            self.same("schema and version rows", at_head, sqlite_snapshot(project.db), tool)

        def current(tool: str, sample: Sample) -> None:
            self.same("current", heads, set(_HEX.findall(sample.stdout)), tool)
            unchanged(tool, sample)

        rounds = self.sizes.rounds(n)
        self.compare(
            section,
            "`current`",
            "current",
            project,
            n,
            unit,
            lambda tool: self.cli(tool, project, ["current"]),
            rounds,
            prepare=restore,
            verify=current,
            target=targets.get("current"),
            warm_up=True,
        )
        self.compare(
            section,
            "`upgrade head` at head, CLI",
            "at-head",
            project,
            n,
            unit,
            lambda tool: self.cli(tool, project, ["upgrade", "head"]),
            rounds,
            prepare=restore,
            verify=unchanged,
            target=targets.get("at-head"),
        )
        again: dict[str, Series] = {tool: Series() for tool in TOOLS}

        def in_process(tool: str) -> Sample:
            sample = self.python(IN_PROCESS, project.root, tool, str(project.ini))
            result = json.loads(sample.stdout.strip().splitlines()[-1])
            again[tool].samples.append(
                Sample(result["again"], result["peak_kib"], cpu=result["again_cpu"])
            )
            return Sample(
                seconds=result["first"],
                peak_kib=result["peak_kib"],
                cpu=result["first_cpu"],
                stdout=sample.stdout,
                stderr=sample.stderr,
            )

        row = self.compare(
            section,
            "`command.upgrade(cfg, 'head')` at head, in-process (first call, tool import included)",
            "in-process",
            project,
            n,
            unit,
            in_process,
            rounds,
            prepare=restore,
            verify=unchanged,
            target=targets.get("in-process"),
            warm_up=True,
        )
        row.mode = "in-process"
        for tool in TOOLS:
            del again[tool].samples[0]  # the warm-up round
        second = Row(
            section,
            "`command.upgrade(cfg, 'head')` at head, in-process (a second call)",
            row.size,
            "in-process-again",
            n,
            again["still"],
            again["alembic"],
            mode="in-process",
        )
        self.rows.append(second)

    def _downgrade(
        self,
        section: str,
        project: workloads.Project,
        n: int,
        unit: str,
        target: Target | None,
    ) -> None:
        template = project.root / "at_head.db"
        reference: list[Snapshot] = []

        def verify(tool: str, sample: Sample) -> None:
            got = sqlite_snapshot(project.db)
            self.same("tables left after downgrade base", 1, len(got.objects), tool)
            if not reference:
                reference.append(got)
            self.same("schema and version rows after downgrade", reference[0], got, tool)

        self.compare(
            section,
            "`downgrade base`",
            "downgrade",
            project,
            n,
            unit,
            lambda tool: self.cli(tool, project, ["downgrade", "base"]),
            self.sizes.rounds(n, slow=True),
            prepare=lambda tool: shutil.copy(template, project.db),
            verify=verify,
            target=target,
        )

    def linear(self, n: int) -> None:
        self.log(f"linear chain, {n} revisions")
        project = self._project(f"linear-{n}", lambda root: workloads.linear(root, n))
        section = "Linear chain"
        unit = "revisions"
        big = n >= 5000
        heads = {workloads.rev_id("linear", n)}
        self._inspection(
            section,
            project,
            n,
            unit,
            heads,
            {
                "heads-warm": Target(0.1) if big else None,
                "history-warm": Target(0.1) if big else None,
                "heads-cold": Target(0.3) if big else None,
                "history-cold": Target(0.3) if big else None,
            },
        )
        script = self._offline(section, project, n, unit, heads, Target(0.3) if big else None)
        at_head = self._fresh_upgrade_sqlite(
            section, project, n, unit, script, Target(0.3) if n == 1000 else None
        )
        # the bounds that need a database at head (at two sizes: their growth is SQLite's)
        if n in (1000, max(self.sizes.linear)):
            for label, code in BOUNDS.items():
                if "bench.db" in code:
                    sized = label.replace("SQLite", f"the {_fmt(n)}-table SQLite database")
                    self.bounds[sized] = Series(
                        [self.python(code, project.root) for _ in range(self.sizes.rounds(0))]
                    )
        if n == max(self.sizes.linear):
            label = (
                f"`import sqlalchemy`, then build and compile the DDL and version-table UPDATEs "
                f"of {_fmt(n)} revisions (SQLite, no tool, no database)"
            )
            self.bounds[label] = Series(
                [
                    self.python(COMPILE_ONLY, project.root, str(n))
                    for _ in range(self.sizes.rounds(n, slow=True))
                ]
            )
        self._at_head(
            section,
            project,
            n,
            unit,
            at_head,
            heads,
            {
                "current": Target(0.05) if big else None,
                "at-head": Target(0.15) if big else None,
                "in-process": Target(0.1) if big else None,
            },
        )
        if n >= 1000 or self.sizes.quick:
            self._downgrade(section, project, n, unit, Target(0.3) if big else None)

    def branchy(self, count: int, merges: int) -> None:
        self.log(f"branchy graph, {count} revisions, {merges} merges")
        project = self._project(
            f"branchy-{count}",
            lambda root: workloads.branchy(root, count, merges, max(1, merges // 10)),
        )
        section = f"Branchy graph ({merges} merges, {len(project.labels)} branch labels)"
        unit = "revisions"
        last = workloads.rev_id("branchy", project.revisions)
        heads = {last}
        self._inspection(section, project, count, unit, heads, {})
        script = self._offline(section, project, count, unit, heads, None)
        at_head = self._fresh_upgrade_sqlite(section, project, count, unit, script, None)
        self._at_head(section, project, count, unit, at_head, heads, {})

    def check(self, n: int) -> None:
        self.log(f"check, {n} tables")
        project = self._project(f"models-{n}", lambda root: workloads.models(root, n))
        self.python(CREATE_MODELS, project.root)
        before = sqlite_snapshot(project.db)
        target = {1000: Target(0.5), 5000: Target(0.3)}.get(n)

        def verify(tool: str, sample: Sample) -> None:
            self.same("schema after check", before, sqlite_snapshot(project.db), tool)

        self.compare(
            "`check` (models and database in sync)",
            "`check`",
            "check",
            project,
            n,
            "tables",
            lambda tool: self.cli(tool, project, ["check"]),
            self.sizes.rounds(n, slow=n >= 5000),
            verify=verify,
            target=target,
            warm_up=not self.sizes.quick and n < 5000,
        )

    def postgres(self, n: int) -> None:
        if self.postgres_dsn is None:
            self.notes.append("PostgreSQL: skipped (no server given).")
            return
        try:
            import psycopg

            with psycopg.connect(self.postgres_dsn, autocommit=True) as admin:
                server = admin.execute("SHOW server_version").fetchone()
        except Exception as exc:  # any failure to reach the server: skip, say why
            if os.environ.get("CI"):  # in CI a missing server is a failure, never a skip
                raise BenchError(f"PostgreSQL could not be reached: {exc}") from exc
            self.notes.append(f"PostgreSQL: skipped ({type(exc).__name__}: {exc}).")
            self.log(f"PostgreSQL skipped: {exc}")
            return
        self.postgres_version = str(server[0]) if server else "?"
        self.log(f"PostgreSQL, linear chain, {n} revisions")
        project = self._project(f"postgres-{n}", lambda root: workloads.linear(root, n))
        name = f"still_bench_{os.getpid()}_{secrets.token_hex(3)}"
        dsn = _with_database(self.postgres_dsn, name)
        url = "postgresql+psycopg://" + dsn.split("://", 1)[1]
        reference: list[Snapshot] = []

        def recreate(tool: str) -> None:
            with psycopg.connect(self.postgres_dsn, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{name}"')

        def verify(tool: str, sample: Sample) -> None:
            got = postgres_snapshot(dsn)
            if not reference:
                reference.append(got)
            self.same("PostgreSQL schema and version rows after upgrade", reference[0], got, tool)

        try:
            script = self.cli("still", project, ["upgrade", "head", "--sql"], BENCH_DB_URL=url)
            floor_sql = project.root / "floor.sql"
            floor_sql.write_text(_one_transaction(script.stdout), encoding="utf-8")
            row = self.compare(
                "PostgreSQL",
                "fresh `upgrade head`, PostgreSQL",
                "fresh-postgres",
                project,
                n,
                "revisions",
                lambda tool: self.cli(tool, project, ["upgrade", "head"], BENCH_DB_URL=url),
                # the server's timing varies from round to round: the target row gets five
                self.sizes.rounds(n),
                prepare=recreate,
                verify=verify,
                target=Target(1.15, of_floor=True) if n == 1000 else None,
            )
            row.floor = Series()
            for _ in range(row.still.rounds):
                recreate("floor")
                row.floor.samples.append(
                    self.python(FLOOR_POSTGRES, project.root, dsn, str(floor_sql))
                )
                verify("the floor (still's --sql script run by psycopg)", row.floor.samples[-1])
            self.log(f"    floor {row.floor.seconds:.3f} s")
        finally:
            with psycopg.connect(self.postgres_dsn, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _one_transaction(script: str) -> str:
    """An offline script as one transaction (SQLite scripts from Alembic carry no BEGIN)."""
    if re.search(r"^BEGIN;", script, re.M):
        return script
    return f"BEGIN;\n{script}\nCOMMIT;\n"


def _with_database(dsn: str, name: str) -> str:
    """``postgresql://user@host:port/db`` with another database name."""
    scheme, rest = dsn.split("://", 1)
    hostpart = rest.split("/", 1)[0]
    return f"{scheme}://{hostpart}/{name}"
