"""Shell completion: commands, options, revision ids, labels; the scripts for three shells."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.projects import CliProject


def _complete(cwd: Path, words: str, shell: str = "bash") -> list[str]:
    env = {
        **os.environ,
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
        "_STILL_COMPLETE": f"{shell}_complete",
    }
    if shell == "zsh":
        env["COMP_WORDS"], env["COMP_CWORD"] = words, str(len(words.split()) - 1)
    out = subprocess.run(
        [sys.executable, "-m", "still"], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    return [line.split(",", 1)[1] for line in out.stdout.splitlines() if "," in line]


@pytest.fixture
def labelled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    project = CliProject(tmp_path)
    project.write("ab12", None, labels=("feature",))
    project.write("ab34", "ab12")
    project.write("cd56", None)
    return tmp_path


def test_revisions_labels_and_keywords_complete(labelled: Path) -> None:
    assert _complete(labelled, "still upgrade ab") == ["ab12", "ab34"]
    assert _complete(labelled, "still downgrade fea") == ["feature", "feature@head", "feature@base"]
    assert "heads" in _complete(labelled, "still upgrade he")
    assert _complete(labelled, "still stamp cd") == ["cd56"]
    assert _complete(labelled, "still show ab3") == ["ab34"]


def test_commands_and_options_complete(labelled: Path) -> None:
    assert _complete(labelled, "still upg") == ["upgrade"]
    assert "--plan" in _complete(labelled, "still upgrade --p")


def test_outside_a_project_only_keywords(tmp_path: Path) -> None:
    assert _complete(tmp_path, "still upgrade h") == ["head", "heads"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts(shell: str, tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "still", "completion", shell],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "_STILL_COMPLETE" in out and f"{shell}_complete" in out
