"""``python -m bench [--quick] [--out FILE]``: run the suite, print it, write the report."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.measure import BenchError
from bench.report import write
from bench.suite import FULL, MEDIUM, QUICK, Bench

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one round (CI smoke)")
    parser.add_argument(
        "--out",
        type=Path,
        help="report to write (default: docs/benchmarks.md for a full run, none for --quick)",
    )
    parser.add_argument(
        "--medium",
        action="store_true",
        help="sizes up to 1,000 (no 5,000 rows): for comparing two trees with bench.compare",
    )
    parser.add_argument("--work", type=Path, help="directory for the generated projects")
    parser.add_argument("--keep", action="store_true", help="keep the generated projects")
    parser.add_argument(
        "--still-src",
        type=Path,
        default=REPO / "src",
        help="the still source tree to benchmark (put first on PYTHONPATH)",
    )
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a PostgreSQL server (libpq URL); each run creates and drops its own database",
    )
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL row")
    args = parser.parse_args(argv)
    out = args.out or (None if args.quick or args.medium else REPO / "docs" / "benchmarks.md")
    work = args.work or Path(tempfile.mkdtemp(prefix="still-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    bench = Bench(
        work=work.resolve(),
        still_src=args.still_src.resolve(),
        sizes=QUICK if args.quick else MEDIUM if args.medium else FULL,
        postgres_dsn=None if args.no_postgres else args.postgres,
        log=lambda text: print(text, flush=True),
    )
    started = time.perf_counter()
    try:
        bench.run_all()
    except BenchError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    minutes = (time.perf_counter() - started) / 60
    missed = [r for r in bench.rows if r.met is False]
    print(f"\n{len(bench.rows)} benchmarks in {minutes:.1f} min; correctness checks passed.")
    for row in missed:
        print(f"target missed: {row.work} at {row.size}: {row.ratio:.3f} ({row.target.text()})")
    if out is not None:
        command = "python -m bench" + (
            " --quick" if args.quick else " --medium" if args.medium else ""
        )
        write(bench, out, REPO, command, minutes)
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
