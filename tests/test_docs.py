"""The documentation site builds with warnings as errors, and its references are complete.

Runs `mkdocs build --strict` (mkdocs.yml at the repository root) into a temporary directory, then
checks the built pages: every command and option of the click application in the command
reference, every `op` and `batch_op` directive in the operations reference. Skipped when MkDocs,
the Material theme or mkdocs-click is not installed (`pip install -e ".[docs]"`).
"""

from __future__ import annotations

import html
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = ("mkdocs", "material", "mkdocs_click")

# In CI (CI=true) the docs build is a check like any other: missing requirements fail it.
pytestmark = pytest.mark.skipif(
    any(importlib.util.find_spec(name) is None for name in REQUIRED) and not os.environ.get("CI"),
    reason="the docs requirements are not installed (pip install -e '.[docs]')",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(ROOT / "mkdocs.yml"),
            "--site-dir",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=300,
    )
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}{result.stderr}"
    return out


def _text(page: Path) -> str:
    """The page's text without tags, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


def _headings(page: Path) -> set[str]:
    found = re.findall(r"<h[1-6][^>]*>(.*?)</h[1-6]>", page.read_text(encoding="utf-8"), re.S)
    return {html.unescape(re.sub(r"<[^>]+>", "", h)).replace("¶", "").strip() for h in found}


def _commands(group: click.Group, prefix: str) -> list[tuple[str, click.Command]]:
    """(full name, command) for every visible command, subcommands of subgroups included."""
    found = []
    for name, command in sorted(group.commands.items()):
        if command.hidden:
            continue
        found.append((f"{prefix} {name}", command))
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix} {name}")
    return found


def test_every_command_and_option_in_the_reference(site: Path) -> None:
    from still.cli.main import cli

    page = site / "reference" / "cli" / "index.html"
    headings = _headings(page)
    text = _text(page)
    commands = [("still", cli), *_commands(cli, "still")]
    assert len(commands) > 10
    missing_commands = [name for name, _ in commands if name not in headings]
    assert not missing_commands, f"commands missing from the reference: {missing_commands}"
    missing_options = []
    for name, command in commands:
        section = text.split(name, 1)[1] if name in text else ""
        for parameter in command.params:
            if isinstance(parameter, click.Option) and not parameter.hidden:
                longest = max(parameter.opts, key=len)
                if longest not in section:
                    missing_options.append(f"{name} {longest}")
    assert not missing_options, f"options missing from the reference: {missing_options}"


# The directives still itself defines, read in a fresh interpreter: other tests register custom
# operations on the shared classes of this process (as add-ons do), and those have no page.
DIRECTIVES = """
from still.operations import Operations
from still.operations.batch import BatchOperations
for cls, prefix in ((Operations, "op."), (BatchOperations, "batch_op.")):
    for name in dir(cls):
        if not name.startswith("_") and callable(getattr(cls, name)):
            print(cls.__name__, prefix, name)
"""


def test_every_op_directive_in_the_reference(site: Path) -> None:
    listed = subprocess.run(
        [sys.executable, "-c", DIRECTIVES], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    headings = _headings(site / "reference" / "operations" / "index.html")
    for line in filter(None, listed):
        cls_name, prefix, name = line.split()
        shown = {f"{prefix}{name}", f"{cls_name}.{name}"}
        assert shown & headings, f"{prefix}{name} is missing from the operations reference"


def test_the_tutorial_and_guides_are_in_the_site(site: Path) -> None:
    for page in ("tutorial", "howto/branches", "howto/sqlite-batch", "howto/ci", "howto/startup"):
        assert (site / page / "index.html").is_file(), page
