"""Differential tests: still and real Alembic on the same generated revision graphs.

Every revision creates a table named after itself, so the tables present and the rows of
``alembic_version`` after each command say exactly which revisions each tool applied.  Both tools
run in this process on their own SQLite file; still maps the ``alembic`` names to itself only
while it runs, so real Alembic is undisturbed before and after.
"""

from __future__ import annotations

import io
import random
import re
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.databases import required

alembic_command = required("alembic.command")
alembic_config = required("alembic.config")
alembic_util = required("alembic.util")

from still import command as still_command  # noqa: E402
from still.config import Config as StillConfig  # noqa: E402

ENV_PY = """
from sqlalchemy import engine_from_config, pool
from alembic import context

config = context.config


def run_migrations_online():
    engine = engine_from_config(
        config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with engine.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
"""

REVISION = '''"""{rev}"""
from alembic import op
import sqlalchemy as sa

revision = {rev!r}
down_revision = {down!r}
branch_labels = {labels!r}
depends_on = {deps!r}


def upgrade():
    op.create_table("t_{rev}", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("t_{rev}")
'''


def normalised(output: str, root: Path) -> list[str]:
    """Alembic lists a branch point's children and a revision's labels in set order: sort them
    before comparing."""
    text = re.sub(
        r"\(([\w, ]+)\)", lambda m: "(" + ", ".join(sorted(m[1].split(", "))) + ")", output
    )
    lines = text.replace(str(root), "ROOT").splitlines()
    lines = [
        line.split(": ", 1)[0] + ": " + ", ".join(sorted(line.split(": ", 1)[1].split(", ")))
        if line.startswith(("Branches into: ", "Branch names: "))
        else line
        for line in lines
    ]
    result: list[str] = []
    run: list[str] = []
    for line in [*lines, ""]:
        if re.match(r"^ +-> ", line):
            run.append(line)
            continue
        result.extend(sorted(run))
        run = []
        result.append(line)
    return result


Graph = list[tuple[str, tuple[str, ...], tuple[str, ...] | None]]


def random_graph(seed: int) -> Graph:
    """Revisions as (id, parents, labels): branches, merges and several bases."""
    rng = random.Random(seed)
    revisions: Graph = []
    childless: list[str] = []
    for i in range(rng.randint(3, 12)):
        rid = f"r{seed}x{i}"
        roll = rng.random()
        if not revisions or roll < 0.08:
            parents: tuple[str, ...] = ()
        elif roll < 0.25 and len(childless) >= 2:
            parents = tuple(rng.sample(childless, 2))
        elif roll < 0.45:
            parents = (rng.choice(revisions)[0],)
        else:
            parents = (rng.choice(childless or [revisions[-1][0]]),)
        labels = (f"b{seed}x{i}",) if rng.random() < 0.15 else None
        revisions.append((rid, parents, labels))
        childless = [c for c in childless if c not in parents] + [rid]
    return revisions


def dependencies(seed: int, revisions: Graph) -> dict[str, str]:
    """For every third seed, a few depends_on between revisions of different branches."""
    rng = random.Random(seed * 7)
    if seed % 3 or len(revisions) < 4:
        return {}
    parents = {rid: set(ps) for rid, ps, _ in revisions}

    def below(rid: str) -> set[str]:
        seen, todo = set(), [rid]
        while todo:
            for p in parents[todo.pop()]:
                if p not in seen:
                    seen.add(p)
                    todo.append(p)
        return seen

    deps = {}
    ids = [rid for rid, _, _ in revisions]
    for i in range(1, len(ids)):
        if rng.random() < 0.2:
            # an earlier revision that is not already below this one (no cycles: earlier only)
            candidates = [c for c in ids[:i] if c not in below(ids[i])]
            if candidates:
                deps[ids[i]] = rng.choice(candidates)
    return deps


def write_project(root: Path, revisions: Graph, deps: dict[str, str] | None = None) -> Path:
    (root / "migrations" / "versions").mkdir(parents=True)
    (root / "migrations" / "env.py").write_text(ENV_PY)
    for rid, parents, labels in revisions:
        down = None if not parents else parents[0] if len(parents) == 1 else parents
        (root / "migrations" / "versions" / f"{rid}.py").write_text(
            REVISION.format(rev=rid, down=down, labels=labels, deps=(deps or {}).get(rid))
        )
    ini = root / "alembic.ini"
    ini.write_text(f"[alembic]\nscript_location = {root / 'migrations'}\n")
    return ini


def state(db: Path) -> tuple[set[str], set[str]]:
    """(rows of alembic_version, tables created by revisions)."""
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
        rows = (
            {r[0] for r in conn.execute("select version_num from alembic_version")}
            if "alembic_version" in tables
            else set()
        )
    return rows, {t[2:] for t in tables if t.startswith("t_")}


def heads_of(revisions) -> list[str]:
    parents = {p for _, ps, _ in revisions for p in ps}
    return [rid for rid, _, _ in revisions if rid not in parents]


class Reference:
    """Ancestry computed from the generated graph itself (down revisions and depends_on), so
    the checks never rest on still's own graph code."""

    def __init__(self, revisions: Graph, deps: dict[str, str]) -> None:
        self.parents = {
            rid: set(ps) | ({deps[rid]} if rid in deps else set()) for rid, ps, _ in revisions
        }

    def below(self, rid: str) -> set[str]:
        seen: set[str] = set()
        todo = [rid]
        while todo:
            for parent in self.parents[todo.pop()]:
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen

    def minimal(self, rows: set[str]) -> set[str]:
        """The rows no other row implies."""
        return {r for r in rows if not any(r in self.below(o) for o in rows)}

    def applied_by(self, rows: set[str]) -> set[str]:
        """Every revision the rows say is applied."""
        return set(rows).union(*(self.below(r) for r in rows))


class Tally:
    """What a test compared and what it could only check on still's side (Alembic crashed, or
    left a redundant row that its next command would refuse): counted and reported."""

    def __init__(self) -> None:
        self.compared = 0
        self.still_alone: list[str] = []

    def report(self, record: Callable[[str, object], None], seed: int) -> None:
        record("differential_compared", self.compared)
        record("differential_still_alone", len(self.still_alone))
        print(
            f"seed {seed}: {self.compared} commands compared with Alembic, "
            f"{len(self.still_alone)} checked on still's side alone: {self.still_alone}"
        )


class Pair:
    """The same project, migrated by Alembic on one database and by still on another."""

    def __init__(self, root: Path, ini: Path, reference: Reference, tally: Tally) -> None:
        self.dbs = {"alembic": root / "alembic.db", "still": root / "still.db"}
        self.alembic_cfg = alembic_config.Config(str(ini))
        self.alembic_cfg.set_main_option("sqlalchemy.url", f"sqlite:///{self.dbs['alembic']}")
        self.still_cfg = StillConfig(str(ini))
        self.still_cfg.set_main_option("sqlalchemy.url", f"sqlite:///{self.dbs['still']}")
        self.reference = reference
        self.tally = tally

    def minimal(self, db_state: tuple[set[str], set[str]]) -> tuple[set[str], set[str]]:
        """Drop version rows that another row implies (by the reference's ancestry).

        Deliberate difference: when a downgrade steps back through a merge while another branch
        is applied, Alembic 1.20 may record a parent that a sibling parent already implies
        through depends_on (a redundant row; it checks the new rows against the other branch
        only).  still records the minimal set.  Both describe the same applied revisions (the
        tables compared prove that), and each tool reads the other's rows correctly.
        """
        rows, tables = db_state
        return self.reference.minimal(rows), tables

    def check_still_alone(self, why: str) -> None:
        """still's database on its own: the tables are exactly what its rows say is applied, and
        the rows are the minimal set.  Then Alembic's database is made a copy of still's, so the
        sequence goes on comparing."""
        rows, tables = state(self.dbs["still"])
        assert self.reference.minimal(rows) == rows, (why, rows)
        assert self.reference.applied_by(rows) == tables, (why, rows, tables)
        self.tally.still_alone.append(why)
        shutil.copyfile(self.dbs["still"], self.dbs["alembic"])

    def run(self, name: str, target: str) -> None:
        """Run a command with both tools and compare."""
        outcomes: list[BaseException | None] = []
        for cfg, module in (
            (self.alembic_cfg, alembic_command),
            (self.still_cfg, still_command),
        ):
            try:
                getattr(module, name)(cfg, target)
                outcomes.append(None)
            except Exception as exc:  # both tools must refuse the same commands
                outcomes.append(exc)
        theirs_failed, ours_failed = outcomes
        if theirs_failed is not None and not isinstance(theirs_failed, alembic_util.CommandError):
            # Deliberate difference: on some graphs with merges and depends_on, Alembic 1.20's
            # version-table bookkeeping raises KeyError mid-run.  still must have succeeded,
            # recording exactly the heads of what it applied.
            assert ours_failed is None, (name, target, ours_failed)
            self.check_still_alone(f"{name} {target}: Alembic {type(theirs_failed).__name__}")
            return
        if (
            name == "downgrade"
            and ours_failed is None
            and "is not a valid downgrade target" in str(theirs_failed)
        ):
            # Deliberate difference: downgrading to a revision the database has applied, with
            # nothing above it applied (only revisions that depend on it), is a no-op in still;
            # Alembic refuses.  Both databases must be unchanged.
            assert state(self.dbs["alembic"]) == state(self.dbs["still"]), (name, target)
            self.tally.compared += 1
            return
        assert (theirs_failed is None) == (ours_failed is None), (name, target, outcomes)
        theirs_state = state(self.dbs["alembic"])
        assert self.minimal(theirs_state) == state(self.dbs["still"]), (name, target)
        theirs, ours = io.StringIO(), io.StringIO()
        self.alembic_cfg.stdout, self.still_cfg.stdout = theirs, ours
        alembic_command.current(self.alembic_cfg)
        still_command.current(self.still_cfg)
        assert sorted(ours.getvalue().splitlines()) == sorted(theirs.getvalue().splitlines())
        self.tally.compared += 1
        if self.minimal(theirs_state) != theirs_state:
            # With a redundant row, Alembic's next `upgrade heads` refuses its own version
            # table ("overlaps with other requested revisions"): it goes on from still's rows.
            self.check_still_alone(f"{name} {target}: Alembic left a redundant row")


@pytest.mark.parametrize("seed", range(100))
def test_same_heads_and_same_database_after_each_command(
    tmp_path: Path, seed: int, record_property: Callable[[str, object], None]
) -> None:
    revisions = random_graph(seed)
    deps = dependencies(seed, revisions)
    ini = write_project(tmp_path, revisions, deps)
    alembic_script = required("alembic.script").ScriptDirectory.from_config(
        alembic_config.Config(str(ini))
    )
    from still.script import ScriptDirectory

    still_script = ScriptDirectory.from_config(StillConfig(str(ini)))
    assert sorted(still_script.get_heads()) == sorted(alembic_script.get_heads())
    assert sorted(still_script.get_bases()) == sorted(alembic_script.get_bases())

    for name, kwargs in [
        ("heads", {}),
        ("heads", {"verbose": True}),
        ("history", {}),
        ("history", {"verbose": True}),
        ("branches", {}),
        ("branches", {"verbose": True}),
    ]:
        theirs, ours = io.StringIO(), io.StringIO()
        getattr(alembic_command, name)(alembic_config.Config(str(ini), stdout=theirs), **kwargs)
        getattr(still_command, name)(StillConfig(str(ini), stdout=ours), **kwargs)
        expected = theirs.getvalue()
        if name == "branches":  # Alembic ends with a blank line; still does not (commands.md)
            expected = expected.removesuffix("\n\n") + ("\n" if expected else "")
        assert normalised(ours.getvalue(), tmp_path) == normalised(expected, tmp_path), (
            name,
            kwargs,
        )

    tally = Tally()
    pair = Pair(tmp_path, ini, Reference(revisions, deps), tally)
    heads = heads_of(revisions)
    rng = random.Random(seed)
    try:
        run_sequence(pair, revisions, heads, rng)
    finally:
        tally.report(record_property, seed)
    # Every command of the sequence was compared, or checked on still's side and resynced.
    assert tally.compared + len(tally.still_alone) >= len(
        sequence(revisions, heads, random.Random(seed))
    )


def sequence(revisions: Graph, heads: list[str], rng: random.Random) -> list[tuple[str, str]]:
    """Upgrades, branch downgrades, relative steps and stamps."""
    steps = [("upgrade", head) for head in rng.sample(heads, len(heads))]
    steps.append(("upgrade", "heads"))
    for label in [label for _, _, ls in revisions if ls for label in ls]:
        steps += [("downgrade", f"{label}@base"), ("upgrade", f"{label}@head")]
        steps += [("downgrade", f"{label}@-1"), ("upgrade", f"{label}@+1")]
    for rid, _, _ in rng.sample(revisions, min(3, len(revisions))):
        steps += [("downgrade", rid), ("upgrade", "heads")]
    steps += [("downgrade", "head-1"), ("upgrade", "heads"), ("downgrade", "heads-1")]
    steps += [("upgrade", "heads")]
    steps += [("downgrade", "base"), ("upgrade", "+1"), ("upgrade", "+1"), ("downgrade", "-1")]
    steps.append(("upgrade", "heads"))
    steps += [("stamp", rid) for rid, _, _ in rng.sample(revisions, min(2, len(revisions)))]
    return steps


def run_sequence(pair: Pair, revisions: Graph, heads: list[str], rng: random.Random) -> None:
    for name, target in sequence(revisions, heads, rng):
        pair.run(name, target)
    # Deliberate difference: from a version table that already records some heads (here after
    # stamping two revisions), Alembic 1.20's `stamp heads` can drop heads it had recorded and
    # leave fewer rows than there are heads.  still records every head, which is what
    # `stamp heads` asks for; so only still's result is checked here.
    still_command.stamp(pair.still_cfg, "heads")
    assert state(pair.dbs["still"])[0] == set(heads)
    shutil.copyfile(pair.dbs["still"], pair.dbs["alembic"])
    pair.run("stamp", "base")


OFFLINE_ENV_PY = """
from alembic import context

config = context.config
context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
with context.begin_transaction():
    context.run_migrations()
"""

_VERSION_SQL = re.compile(
    r"^(?:INSERT INTO alembic_version \(version_num\) VALUES \('(?P<insert>[^']+)'\)"
    r"|DELETE FROM alembic_version WHERE alembic_version.version_num = '(?P<delete>[^']+)'"
    r"|UPDATE alembic_version SET version_num='(?P<to>[^']+)' "
    r"WHERE alembic_version.version_num = '(?P<from>[^']+)')"
)


def offline_effects(script: str) -> list[object]:
    """The script's statements, with alembic_version bookkeeping replaced by the rows it leaves
    after each group of changes: DDL and order compared exactly, the choice between
    UPDATE and DELETE+INSERT not (Alembic picks the row to UPDATE in set order)."""
    rows: set[str] = set()
    effects: list[object] = []
    # Comment lines go before whitespace is normalised: joined into one line, a "-- Running
    # upgrade" comment would swallow the statement after it (and the DDL be compared not at all).
    uncommented = re.sub(r"(?m)^\s*--[^\n]*$", "", script)
    statements = [" ".join(s.split()) for s in uncommented.split(";")]
    for statement in statements:
        statement = statement.strip()
        statement = re.sub(r" RETURNING (alembic_version\.)?version_num$", "", statement)
        if not statement or statement in ("BEGIN", "COMMIT"):
            # Deliberate difference: still frames SQLite scripts in BEGIN/COMMIT, since SQLite
            # has transactional DDL; Alembic does not.
            continue
        match = _VERSION_SQL.match(statement)
        if match is None:
            effects.append(statement)
            continue
        if match["insert"]:
            rows.add(match["insert"])
        elif match["delete"]:
            rows.discard(match["delete"])
        else:
            rows.discard(match["from"])
            rows.add(match["to"])
        if effects and isinstance(effects[-1], frozenset):
            effects[-1] = frozenset(rows)
        else:
            effects.append(frozenset(rows))
    return effects


def expected_offline(
    reference: Reference, name: str, target: str, heads: list[str]
) -> tuple[set[str], frozenset[str]]:
    """What an offline script from base must create and leave recorded, from the reference's
    ancestry alone: for an upgrade, every table of the target's ancestry, recorded minimally."""
    if name == "downgrade":
        return set(), frozenset()
    targets = set(heads) if target == "heads" else {target}
    applied = reference.applied_by(targets)
    return applied, frozenset(reference.minimal(applied))


def offline_outcome(effects: list[object]) -> tuple[set[str], frozenset[str]]:
    """The tables an offline script creates (and does not drop again) and its last rows."""
    tables: set[str] = set()
    rows: frozenset[str] = frozenset()
    for effect in effects:
        if isinstance(effect, frozenset):
            rows = effect
        elif (created := re.match(r"CREATE TABLE t_(\w+)", str(effect))) is not None:
            tables.add(created[1])
        elif (dropped := re.match(r"DROP TABLE t_(\w+)", str(effect))) is not None:
            tables.discard(dropped[1])
    return tables, rows


@pytest.mark.parametrize("seed", range(0, 100, 3))
def test_same_offline_sql(
    tmp_path: Path, seed: int, record_property: Callable[[str, object], None]
) -> None:
    revisions = random_graph(seed)
    deps = dependencies(seed, revisions)
    reference = Reference(revisions, deps)
    ini = write_project(tmp_path, revisions, deps)
    (tmp_path / "migrations" / "env.py").write_text(OFFLINE_ENV_PY)
    heads = heads_of(revisions)
    commands = [("upgrade", target) for target in ["heads", *heads]]
    commands += [("downgrade", f"{head}:base") for head in heads[:1]]
    tally = Tally()
    for dialect in ("sqlite", "postgresql", "mysql"):
        for name, target in commands:
            theirs, ours = io.StringIO(), io.StringIO()
            still_cfg = StillConfig(str(ini), output_buffer=ours)
            still_cfg.set_main_option("sqlalchemy.url", f"{dialect}://")
            getattr(still_command, name)(still_cfg, target, sql=True)
            mine = offline_effects(ours.getvalue())
            if name == "upgrade":  # from base: checked against the reference in every case
                assert offline_outcome(mine) == expected_offline(reference, name, target, heads)
            alembic_cfg = alembic_config.Config(str(ini), output_buffer=theirs)
            alembic_cfg.set_main_option("sqlalchemy.url", f"{dialect}://")
            try:
                getattr(alembic_command, name)(alembic_cfg, target, sql=True)
            except KeyError:
                # Alembic's own crash on merges with depends_on (see Pair.run): still's script
                # was checked against the reference above.
                tally.still_alone.append(f"{dialect} {name} {target}: Alembic KeyError")
                continue
            assert mine == offline_effects(theirs.getvalue()), (dialect, name, target)
            tally.compared += 1
    tally.report(record_property, seed)
