"""Speed by design: what `still` imports to start, and what `heads`/`history` never import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import still

HEAVY = ("sqlalchemy", "mako", "rich", "sqlglot")

PROBE = """
import json, sys
from still.cli.main import main
try:
    main({argv!r})
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r})), file=sys.stderr)
"""


def loaded_modules(argv: list[str], cwd: Path) -> tuple[list[str], str]:
    """Run the CLI in a fresh interpreter; return the heavy modules it imported, and stdout."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=argv, heavy=HEAVY)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stderr.strip().splitlines()[-1]), done.stdout


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["upgrade", "--help"]])
def test_help_and_version_import_nothing_heavy(tmp_path: Path, argv: list[str]) -> None:
    heavy, out = loaded_modules(argv, tmp_path)
    assert heavy == []
    assert out.strip()


def test_version_everywhere(tmp_path: Path) -> None:
    for argv in ([sys.executable, "-m", "still", "--version"],):
        done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, check=True)
        assert done.stdout.strip() == f"still {still.__version__}"


def test_heads_and_history_read_headers_without_importing(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "still", "init", "migrations"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    versions = tmp_path / "migrations" / "versions"
    down = None
    for i in range(3):
        rev = f"r{i}"
        (versions / f"{rev}.py").write_text(
            f'"""step {i}"""\n'
            f"revision: str = {rev!r}\n"
            f"down_revision = {down!r}\n"
            'raise RuntimeError("imported!")\n'
        )
        down = rev
    heavy, out = loaded_modules(["heads"], tmp_path)
    assert out.strip() == "r2 (head)"
    assert heavy == []
    heavy, out = loaded_modules(["history"], tmp_path)
    assert out.splitlines() == [
        "r1 -> r2 (head), step 2",
        "r0 -> r1, step 1",
        "<base> -> r0, step 0",
    ]
    assert heavy == []
