"""docs/benchmarks.md: the results, the machine, the versions, the growth, the bounds."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from pathlib import Path

from bench.measure import PYTHON, Series
from bench.suite import Bench, Row

VERSIONS = """
import json, sqlite3, sys
import sqlalchemy, alembic, still
out = {"Python": sys.version.split()[0], "SQLAlchemy": sqlalchemy.__version__,
       "still": still.__version__, "Alembic": alembic.__version__,
       "SQLite (Python's sqlite3)": sqlite3.sqlite_version}
try:
    import psycopg
    out["psycopg"] = psycopg.__version__
except ImportError:
    pass
print(json.dumps(out))
"""

NOTES = Path(__file__).with_name("notes.md")


def machine() -> dict[str, str]:
    info = {"OS": platform.platform(), "CPU cores": str(os.cpu_count())}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["CPU"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["RAM"] = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        info["CPU"] = platform.processor() or platform.machine()
    return info


def versions(bench: Bench, repo: Path) -> dict[str, str]:
    done = subprocess.run(
        [PYTHON, "-c", VERSIONS], env=bench.env(), capture_output=True, text=True, check=True
    )
    found: dict[str, str] = json.loads(done.stdout)
    if bench.still_src != (repo / "src").resolve():
        found["still"] += f" (source: {bench.still_src})"
        return _with_postgres(bench, found)
    try:
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        found["still"] += f" (git {commit})"
    except (OSError, subprocess.CalledProcessError):
        pass
    return _with_postgres(bench, found)


def _with_postgres(bench: Bench, found: dict[str, str]) -> dict[str, str]:
    if bench.postgres_version:
        found["PostgreSQL server"] = bench.postgres_version
    return found


def _s(series: Series | None) -> str:
    if series is None or not series.samples:
        return ""
    value = series.seconds
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def _load(values: list[float]) -> str:
    if not values:
        return "unknown"
    ordered = sorted(values)
    return (
        f"min {ordered[0]:.1f}, median {ordered[len(ordered) // 2]:.1f}, max {ordered[-1]:.1f} "
        f"on {os.cpu_count()} cores"
    )


def _met(row: Row) -> str:
    if row.met is None:
        return ""
    return "yes" if row.met else "**no**"


def results_table(rows: list[Row]) -> list[str]:
    out = [
        "| work | size | still s | Alembic s | still / Alembic | target | met "
        "| CPU time ratio | floor s | still / floor | still MiB | Alembic MiB | memory ratio "
        "| rounds |",
        "|---|---|--:|--:|--:|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    section = None
    for row in rows:
        if row.section != section:
            section = row.section
            out.append(f"| **{section}** ||||||||||||||")
        floor_ratio = row.floor_ratio
        out.append(
            f"| {row.work} | {row.size} | {_s(row.still)} | {_s(row.alembic)} | "
            f"{row.ratio:.3f} | {row.target.text() if row.target else ''} | {_met(row)} | "
            f"{row.cpu_ratio:.3f} | {_s(row.floor)} | "
            f"{'' if floor_ratio is None else f'{floor_ratio:.2f}'} | "
            f"{row.still.peak_mib:.0f} | {row.alembic.peak_mib:.0f} | "
            f"{row.memory_ratio:.2f}{'' if row.memory_ratio <= 1 else ' (**> 1**)'} | "
            f"{row.still.rounds} |"
        )
    return out


def growth_table(rows: list[Row], small: int, large: int) -> list[str]:
    by_key: dict[tuple[str, str], dict[int, Row]] = {}
    for row in rows:
        by_key.setdefault((row.section, row.key), {})[row.n] = row
    out = [
        f"| work | still {small:,} → {large:,} | growth | Alembic {small:,} → {large:,} "
        "| growth | still no worse than linear |",
        "|---|--:|--:|--:|--:|---|",
    ]
    linear = large / small
    for (_section, _key), sizes in by_key.items():
        if small not in sizes or large not in sizes:
            continue
        a, b = sizes[small], sizes[large]
        g_still = b.still.seconds / a.still.seconds
        g_alembic = b.alembic.seconds / a.alembic.seconds
        out.append(
            f"| {a.work} | {_s(a.still)} → {_s(b.still)} s | x{g_still:.2f} | "
            f"{_s(a.alembic)} → {_s(b.alembic)} s | x{g_alembic:.2f} | "
            f"{'yes' if g_still <= linear else '**no**'} |"
        )
    return out


def write(bench: Bench, path: Path, repo: Path, command: str, minutes: float) -> None:
    rows = bench.rows
    lines = [
        "# Benchmarks",
        "",
        "still and Alembic side by side on the same generated projects and the same databases "
        "(issue 9). Generated by `" + command + "`; do not edit by hand (the analysis at the end "
        "comes from `bench/notes.md`).",
        "",
        "Every row is the median of its rounds. CLI rows time the whole process "
        "(`python -m still ...` / `python -m alembic ...`, bytecode caches written as usual); "
        "in-process rows time the call inside a fresh interpreter that has already imported "
        "SQLAlchemy, as an application does. Peak memory is the process's maximum resident set "
        "size (`wait4`/`getrusage`). Rounds alternate between the tools. The *floor* of a fresh "
        "upgrade is still's `upgrade head --sql` script executed in one transaction by the "
        "database's Python driver (`sqlite3`, `psycopg`) in a fresh interpreter, with no "
        "migration tool. After every round the run checks that both tools (and the floor) left "
        "the same schema and version rows, printed the same heads and history, and wrote the "
        "same number of tables in `--sql`; a difference stops the run.",
        "",
        "Both tools run one project per workload: an Alembic-layout alembic.ini (no `ledger` "
        "key, so still's ledger is off; `migration_lock` at its default, on) and one env.py. "
        "Each revision of a chain creates a table (three columns) and an index; the `check` "
        "models have five columns, a unique constraint, an index and a foreign key per table.",
        "",
        "The *CPU time ratio* compares user + system CPU seconds of the same processes: it is "
        "less disturbed when other work shares the machine (the 1-minute load average during "
        f"this run: {_load(bench.load)}), but leaves out waiting (for the disk, and for the "
        "PostgreSQL server, which does its work in another process).",
        "",
        f"Full run: {minutes:.1f} minutes. Rounds are fewer at 5,000 (3, and 1 for fresh "
        "upgrades, `downgrade base` and `check`) to keep the run near a quarter of an hour on "
        "two cores; the `rounds` column says how many.",
        "",
        "## Results",
        "",
        *results_table(rows),
        "",
    ]
    sizes = sorted(
        {row.n for row in rows if row.key == "heads-warm" and row.section.startswith("Linear")}
    )
    if 1000 in sizes and 5000 in sizes:
        lines += [
            "## Growth from 1,000 to 5,000",
            "",
            "Time at 5,000 over time at 1,000 (revisions, or tables for `check`); x5 is linear. "
            "Start-up is a constant part of every process, so most commands grow less than "
            "linearly.",
            "",
            *growth_table(rows, 1000, 5000),
            "",
        ]
    if bench.bounds:
        lines += [
            "## Bounds",
            "",
            "What any Python migration tool pays before it does anything, measured in the same "
            "run (whole processes, median).",
            "",
            "| process | s | peak MiB |",
            "|---|--:|--:|",
        ]
        for label, series in bench.bounds.items():
            lines.append(f"| {label} | {_s(series)} | {series.peak_mib:.0f} |")
        lines.append("")
    lines += ["## Machine", ""]
    lines += [f"- {k}: {v}" for k, v in machine().items()]
    lines += ["", "## Versions", ""]
    lines += [f"- {k}: {v}" for k, v in versions(bench, repo).items()]
    if bench.notes:
        lines += ["", *[f"- {note}" for note in bench.notes]]
    lines.append("")
    if NOTES.exists():
        lines += [NOTES.read_text(encoding="utf-8").rstrip(), ""]
    path.write_text("\n".join(lines), encoding="utf-8")
