"""Timing and peak memory of whole processes."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

PYTHON = sys.executable


class BenchError(RuntimeError):
    """A benchmarked command failed, or a correctness check did not pass."""


@dataclass
class Sample:
    seconds: float
    peak_kib: int  # the process's maximum resident set size
    cpu: float = 0.0  # user + system CPU seconds: less disturbed than wall time by a busy machine
    stdout: str = ""
    stderr: str = ""


@dataclass
class Series:
    """The rounds of one tool on one benchmark."""

    samples: list[Sample] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.samples)

    @property
    def peak_mib(self) -> float:
        return statistics.median(s.peak_kib for s in self.samples) / 1024

    @property
    def rounds(self) -> int:
        return len(self.samples)


# Forks and times the command from a small interpreter: a child's peak RSS (``ru_maxrss``) starts
# at the high-water mark of the process it was forked from, so forking from the benchmark itself
# would report the benchmark's own memory for every small command.
LAUNCHER = """
import json, os, sys, time
argv, report = json.loads(sys.argv[1]), sys.argv[2]
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execv(argv[0], argv)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - started
with open(report, "w") as f:
    json.dump([seconds, os.waitstatus_to_exitcode(status), usage.ru_maxrss,
               usage.ru_utime + usage.ru_stime], f)
"""


def run_process(
    argv: Sequence[str],
    cwd: Path,
    env: dict[str, str] | None = None,
    check: bool = True,
) -> Sample:
    """Run ``argv`` to completion: its wall time and its own peak RSS (KiB, Linux)."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory() as scratch,
    ):
        report = Path(scratch) / "report.json"
        subprocess.run(
            [PYTHON, "-S", "-c", LAUNCHER, json.dumps(list(argv)), str(report)],
            cwd=cwd,
            stdout=out,
            stderr=err,
            env=env if env is not None else dict(os.environ),
            check=True,
        )
        seconds, returncode, peak_kib, cpu = json.loads(report.read_text())
        out.seek(0)
        err.seek(0)
        sample = Sample(
            seconds=seconds,
            peak_kib=int(peak_kib),
            cpu=cpu,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )
    if check and returncode != 0:
        raise BenchError(
            f"{' '.join(argv)} (in {cwd}) exited {returncode}:\n"
            f"{sample.stdout[-2000:]}\n{sample.stderr[-4000:]}"
        )
    return sample
