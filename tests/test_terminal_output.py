"""Progress output on a terminal (colours, progress bar) and piped (plain lines)."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import Project

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _chain(project: Project, count: int) -> None:
    down = None
    for i in range(1, count + 1):
        project.write_revision(
            f"t{i:02d}",
            down,
            f"op.create_table('t{i}', sa.Column('id', sa.Integer, primary_key=True))",
            f"op.drop_table('t{i}')",
        )
        down = f"t{i:02d}"


def _in_terminal(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    environ = {k: v for k, v in os.environ.items() if k not in ("SQLALCHEMY_URL", "NO_COLOR")}
    environ.update(env or {}, TERM="xterm-256color", COLUMNS="100")
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.chdir(cwd)
        os.execve(sys.executable, [sys.executable, "-m", "still", *args], environ)
    chunks = []
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, b"".join(chunks).decode(errors="replace")
    return b"".join(chunks).decode("utf-8", errors="replace")


def test_terminal_shows_colours_and_a_progress_bar(project: Project) -> None:
    _chain(project, 12)
    out = _in_terminal(project.root, "upgrade", "head")
    assert ANSI.search(out), out
    plain = ANSI.sub("", out)
    assert plain.count("✓ Running upgrade") == 12
    assert "migrating" in plain  # the progress bar of a run of 12 steps
    assert project.versions() == {"t12"}
    down = ANSI.sub("", _in_terminal(project.root, "downgrade", "t10", "--yes"))
    assert "This run loses data:" in down and "✓ Running downgrade t12 -> t11" in down


def test_no_color_and_pipes_get_plain_lines(project: Project) -> None:
    _chain(project, 3)
    # NO_COLOR takes away the colour only: the terminal's step lines (and bar) stay
    out = _in_terminal(project.root, "upgrade", "t02", env={"NO_COLOR": "1"})
    colours = [
        code
        for code in re.findall(r"\x1b\[([0-9;]*)m", out)
        if any(30 <= int(n) <= 49 or 90 <= int(n) <= 107 for n in code.split(";") if n)
    ]
    assert not colours, out
    assert "✓ Running upgrade <base> -> t01, step t01 (" in ANSI.sub("", out)
    piped = subprocess.run(
        [sys.executable, "-m", "still", "upgrade", "head"],
        cwd=project.root,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "SQLALCHEMY_URL"},
    )
    assert piped.returncode == 0 and not ANSI.search(piped.stderr)
    assert re.search(r"Running upgrade t02 -> t03, step t03 \.\.\. done \(\d+ ms\)", piped.stderr)
    quiet = subprocess.run(
        [sys.executable, "-m", "still", "-q", "downgrade", "base", "--yes"],
        cwd=project.root,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "SQLALCHEMY_URL"},
    )
    assert quiet.returncode == 0 and "Running" not in quiet.stderr
