"""Real applications' Alembic directories, run under real Alembic and under still, step by step.

Each application of ``tests/real_applications/apps.py`` is installed from PyPI into its own
environment (``.real-apps/NAME``, built by scripts/real-applications.sh, still installed
editable beside the real Alembic).  For every application and database kind it supports, two
fresh databases: the application's steps (its own commands, and the ``alembic`` command line on
the ini inside its package) run once with real Alembic and once with still (``still -c ...``,
and the application's commands with still behind the alembic names), both runs side by side.
After every step the exit codes, the version rows and the reflected schema (the same snapshot
as tests/test_alembic_projects.py) must agree.

Where they do not because of a still bug, :data:`KNOWN_BUGS` names the first step that differs
and the reduced reproduction: the case is an expected failure at exactly that step, and fails
when the step starts to agree (so the entry is removed when the bug is fixed) or when another
step differs first.  Where Alembic fails and still succeeds on purpose, :data:`STILL_SUCCEEDS`
names the step and why.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.alembic_projects.driver import snapshot, sync_url
from tests.databases import fresh_database, missing
from tests.real_applications.apps import APPS, App, async_url, steps_on

REPO = Path(__file__).parent.parent
ROOT = Path(os.environ.get("STILL_REAL_APPS", REPO / ".real-apps"))
RUNNER = Path(__file__).parent / "real_applications" / "runner.py"
TOOLS = ("alembic", "still")
SWITCH = "STILL_AS_ALEMBIC"
STEP_TIMEOUT = 300

pytestmark = pytest.mark.slow

# The still bugs these applications run into, each as (what fails and the reduced call, a regular
# expression searched in the difference and still's stderr that shows it).  All six ran into
# some (ScriptDirectory.get_current_head/get_base, PostgreSQL enum types in create_table,
# package-path script_location, alembic.util.Dispatcher, BatchOperations' constraint_name,
# op.f() names past PostgreSQL's limit); each is fixed and tested on its own (issue 15).
Bug = tuple[str, str]

# (scenario, database kind) -> (number of the first step that differs, the bug): expected to
# fail at exactly that step, for that reason, until fixed.
KNOWN_BUGS: dict[tuple[str, str], tuple[int, Bug]] = {}

# (scenario, database kind, step number) -> why Alembic fails there and still does not: the
# databases differ afterwards, so it is the scenario's last step on that kind.
STILL_SUCCEEDS: dict[tuple[str, str, int], str] = {
    ("mlflow", "mariadb", 3): (
        "downgrade -5: InnoDB refuses to drop index_job_locks_job_id, which a foreign key needs "
        "(1553), and Alembic stops half-way; still drops and re-adds the foreign key around it "
        "(docs/ARCHITECTURE.md, MySQL index on a foreign-key column)"
    ),
    ("mlflow", "sqlite", 5): (
        "downgrade base: a batch rebuild of `spans` copies its rows with an INSERT that names "
        "the generated column duration_ns, which SQLite refuses (cannot INSERT into generated "
        "column); still's rebuild leaves generated columns out of the copy"
    ),
}


def environment(app: App) -> Path:
    venv = ROOT / app.venv
    if not (venv / ".stamp").is_file():
        message = (
            f"the {app.venv} environment is not built: run `bash scripts/real-applications.sh "
            f"{app.venv}`"
        )
        missing(message)
    return venv


def site_packages(venv: Path) -> Path:
    found = sorted(venv.glob("lib/python3*/site-packages"))
    assert found, f"no site-packages under {venv}"
    return found[0]


@dataclass
class Run:
    """One tool's run of a scenario: its database, scratch directory and ini."""

    tool: str
    url: str
    tmp: Path
    ini: Path
    conf: str


def prepare(app: App, venv: Path, tool: str, url: str, tmp: Path) -> Run:
    tmp.mkdir()
    given = async_url(url) if app.async_urls else url
    packages = site_packages(venv)
    location = packages / app.script_location if app.script_location else None
    ini = app.make_ini(packages / app.ini, given, tmp / "alembic.ini", location)
    conf = app.conf(url, tmp) if app.conf else ""
    return Run(tool, url, tmp, ini, conf)


def command(app: App, venv: Path, run: Run, step: Any) -> list[str]:
    how, what = step[:2]
    values = {"url": run.url, "async_url": async_url(run.url), "tmp": str(run.tmp)}
    values["conf"] = run.conf
    if how == "python":
        return [str(venv / "bin/python"), str(RUNNER), run.tool, "python", what.format(**values)]
    args = [a.format(**values) for a in what]
    if how == "cli":
        return [str(venv / "bin" / run.tool), "-c", str(run.ini), *args]
    assert how == "app", how
    return [str(venv / "bin/python"), str(RUNNER), run.tool, "script", *args]


def run_step(app: App, venv: Path, runs: dict[str, Run], step: Any) -> dict[str, dict[str, Any]]:
    """The step under both tools at once, each on its own database."""
    started = {}
    for tool, run in runs.items():
        env = {k: v for k, v in os.environ.items() if k not in ("SQLALCHEMY_URL", "PYTHONPATH")}
        env.pop("ALEMBIC_CONFIG", None)
        env.pop(SWITCH, None)
        if tool == "still":
            # as a user of the process-wide switch runs them: the application's process, its
            # children and the `alembic` program it runs (JupyterHub's upgrade-db) get still
            env[SWITCH] = "1"
        env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", "")])
        env.update(app.environ(run.url, run.tmp))
        started[tool] = (
            time.monotonic(),
            subprocess.Popen(
                command(app, venv, run, step),
                cwd=run.tmp,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                text=True,
            ),
        )
    results = {}
    for tool, (began, process) in started.items():
        out, err = process.communicate(timeout=STEP_TIMEOUT)
        results[tool] = {
            "code": process.returncode,
            "stdout": out,
            "stderr": err,
            "seconds": round(time.monotonic() - began, 1),
        }
    for tool, run in runs.items():
        engine = sa.create_engine(sync_url(run.url), poolclass=sa.pool.NullPool)
        try:
            results[tool].update(snapshot(engine))
        finally:
            engine.dispose()
    return results


# first_difference's answer for a step after which the two databases differ by design
DIVERGED = "diverged"


def state(result: dict[str, Any]) -> tuple[Any, ...]:
    return result["versions"], result["schema"], result["views"]


def first_difference(
    app: App,
    kind: str,
    number: int,
    a: dict[str, Any],
    s: dict[str, Any],
    before: dict[str, Any] | None,
) -> str | None:
    """What differs between Alembic's result ``a`` and still's ``s`` after a step, if anything
    (``before``: still's result after the previous step)."""
    tail = f"\n--- alembic stderr\n{a['stderr'][-3000:]}\n--- still stderr\n{s['stderr'][-3000:]}"
    if (app.name, kind, number) in STILL_SUCCEEDS:
        if a["code"] != 0 and s["code"] == 0:
            return DIVERGED
        return f"expected Alembic to fail and still to succeed (codes {a['code']}, {s['code']})"
    if (a["code"] == 0) != (s["code"] == 0):
        return f"exit codes differ: alembic {a['code']}, still {s['code']}{tail}"
    if a["code"] != 0 and kind == "sqlite" and state(s) != state(a) and before is not None:
        # Deliberate difference (docs/migrating-from-alembic.md, "SQLite transactions"): a run
        # that fails on SQLite leaves still's database as it was before the run, where Alembic
        # keeps the migrations that ran before the failing one.
        if state(s) == state(before):
            return DIVERGED
        return f"still's failed SQLite run was not rolled back{tail}"
    if s["versions"] != a["versions"]:
        return f"version rows differ: alembic {a['versions']}, still {s['versions']}{tail}"
    if s["schema"] != a["schema"]:
        tables = sorted(set(a["schema"]) | set(s["schema"]))
        differing = [t for t in tables if a["schema"].get(t) != s["schema"].get(t)]
        detail = "\n".join(
            f"{t}:\n  alembic {a['schema'].get(t)}\n  still   {s['schema'].get(t)}"
            for t in differing[:5]
        )
        return f"schemas differ in {differing}\n{detail}{tail}"
    if s["views"] != a["views"]:
        return f"views differ: alembic {a['views']}, still {s['views']}"
    return None


def _case(app: App, kind: str) -> Any:
    return pytest.param(app, kind, id=f"{app.name}-{kind}")


@pytest.mark.parametrize(("app", "kind"), [_case(app, kind) for app in APPS for kind in app.kinds])
def test_application_runs_as_under_alembic(app: App, kind: str, tmp_path: Path) -> None:
    venv = environment(app)
    known = KNOWN_BUGS.get((app.name, kind))
    log: list[str] = []
    with ExitStack() as stack:
        runs = {}
        for tool in TOOLS:
            (tmp_path / f"{tool}_db").mkdir()
            url = stack.enter_context(fresh_database(kind, tmp_path / f"{tool}_db"))
            runs[tool] = prepare(app, venv, tool, url, tmp_path / tool)
        before: dict[str, Any] | None = None
        steps = steps_on(app.steps, kind)
        for number, step in enumerate(steps, start=1):
            results = run_step(app, venv, runs, step)
            a, s = results["alembic"], results["still"]
            what = step[1].strip().splitlines()[-1] if step[0] == "python" else " ".join(step[1])
            log.append(
                f"step {number} ({step[0]}: {what}): alembic {a['code']} in {a['seconds']} s, "
                f"still {s['code']} in {s['seconds']} s"
            )
            difference = first_difference(app, kind, number, a, s, before)
            before = s
            if difference == DIVERGED and number < len(steps):
                pytest.fail(f"step {number}: the databases differ by design; make it the last")
            if difference in (None, DIVERGED):
                continue
            where = "\n".join(log)
            if known and known[0] == number:
                (reason, evidence) = known[1]
                if re.search(evidence, difference + s["stderr"]):
                    pytest.xfail(f"step {number}: {reason}")
                where += f"\n(KNOWN_BUGS expects this step to show {evidence!r}: update it)"
            pytest.fail(f"{where}\nstep {number} differs: {difference}")
    print("\n".join(log))
    if known:
        pytest.fail(
            f"step {known[0]} now runs as under Alembic ({known[1][0]}): remove the KNOWN_BUGS "
            "entry"
        )
