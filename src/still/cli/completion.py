"""Shell completion: commands and options come from click; revision arguments complete to the
project's revision ids, branch labels and the keywords (``head``, ``heads``, ``base``...).

``still completion bash|zsh|fish`` prints the script to source (click's own machinery, driven by
the ``_STILL_COMPLETE`` environment variable).  Completing never fails: a project that cannot be
read completes to the keywords only.
"""

from __future__ import annotations

import os
from typing import Any

KEYWORDS = ("head", "heads", "base", "current")


def revision_candidates(ctx: Any, param: Any, incomplete: str) -> list[Any]:
    """click ``shell_complete`` callback for revision arguments."""
    from click.shell_completion import CompletionItem

    words: dict[str, str] = {k: "keyword" for k in KEYWORDS}
    try:
        from still.config import Config
        from still.script import ScriptDirectory

        root = ctx.find_root()
        options = root.params if root is not None else {}
        ini = options.get("config") or os.environ.get("ALEMBIC_CONFIG") or "alembic.ini"
        config = Config(ini, ini_section=options.get("name") or "alembic")
        graph = ScriptDirectory.from_config(config).graph
        for rev in graph:
            words.setdefault(rev.revision, rev.doc or "revision")
            for label in graph.effective_labels[rev.revision]:
                words.setdefault(label, "branch label")
                words.setdefault(f"{label}@head", "head of the branch")
                words.setdefault(f"{label}@base", "base of the branch")
    except Exception:  # completing must never print a traceback into the user's shell
        pass
    return [
        CompletionItem(word, help=help_)
        for word, help_ in words.items()
        if word.startswith(incomplete)
    ]


SCRIPTS = {
    "bash": 'eval "$(_STILL_COMPLETE=bash_source still)"',
    "zsh": 'eval "$(_STILL_COMPLETE=zsh_source still)"',
    "fish": "_STILL_COMPLETE=fish_source still | source",
}


def completion_script(shell: str) -> str:
    """The completion script for ``shell``, as click writes it for the ``still`` command."""
    from click.shell_completion import get_completion_class

    from still.cli.main import cli

    cls = get_completion_class(shell)
    if cls is None:  # pragma: no cover - click knows the three shells we offer
        raise ValueError(shell)
    return str(cls(cli, {}, "still", "_STILL_COMPLETE").source())
