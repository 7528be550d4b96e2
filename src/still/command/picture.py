"""``graph``: draw the revision graph (Mermaid, Graphviz DOT, SVG; PNG or PDF through Graphviz).

The graph is read from the revision files' headers (no revision module is imported).  Where the
database stands is read as ``still current`` reads it, by running env.py; when that fails the
picture is drawn anyway and says why the database is not shown.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from still.config import Config
from still.config.urls import mask_password
from still.errors import CommandError
from still.graph.drawing import RENDERERS, build_picture, to_dot
from still.script import ScriptDirectory

# Drawn by Graphviz's `dot` program from the DOT text, when it is installed.
GRAPHVIZ_FORMATS = ("png", "pdf")
FORMATS = (*RENDERERS, *GRAPHVIZ_FORMATS)


def _database_heads(config: Config, script: ScriptDirectory) -> tuple[tuple[str, ...] | None, str]:
    """The revisions the database records, or None and the reason they could not be read."""
    from still.command.standing import current_heads

    try:
        return current_heads(config, script), ""
    except Exception as exc:  # the picture does not need the database
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return None, mask_password(f"{type(exc).__name__}: {reason}")


def _graphviz(dot_text: str, format: str, output: str) -> None:
    program = shutil.which("dot")
    if program is None:
        raise CommandError(
            f"--format {format} is drawn by Graphviz's `dot` program, which is not installed "
            "(not found on PATH). Install Graphviz (e.g. `apt install graphviz`, `brew install "
            "graphviz`), or use --format svg, which still draws by itself, or --format dot and "
            "render the file elsewhere."
        )
    completed = subprocess.run(
        [program, f"-T{format}", "-o", output],
        input=dot_text.encode("utf-8"),
        capture_output=True,
        check=False,
    )
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip()
        raise CommandError(f"Graphviz's dot failed (exit {completed.returncode}): {message}")


def graph(
    config: Config,
    format: str = "mermaid",
    output: str | os.PathLike[str] | None = None,
    collapse: bool = True,
    show_current: bool = True,
) -> None:
    """Draw the revision graph: branches, merges, labels, depends_on (dashed), heads and where
    the database stands.  Printed, or written to ``output``; straight runs of revisions are
    drawn as one "… N revisions …" box unless ``collapse`` is False."""
    if format not in FORMATS:
        raise CommandError(f"--format {format!r}: use one of {', '.join(FORMATS)}.")
    if format in GRAPHVIZ_FORMATS and output is None:
        raise CommandError(f"--format {format} is a binary image: name a file with -o/--output.")
    script = ScriptDirectory.from_config(config)
    revisions = script.graph
    current: tuple[str, ...] | None = None
    notes: list[str] = []
    if show_current:
        current, problem = _database_heads(config, script)
        if current is None:
            notes.append(
                f"Where the database stands is not shown: it could not be read ({problem})."
            )
    picture = build_picture(
        revisions,
        messages={rev.revision: rev.doc for rev in revisions},
        current=current,
        collapse=collapse,
        notes=notes,
    )
    if format in GRAPHVIZ_FORMATS:
        assert output is not None
        _graphviz(to_dot(picture), format, os.fspath(output))
    else:
        text = RENDERERS[format](picture)
        if output is None:
            config.print_stdout(text.rstrip("\n"))
            return
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror or exc}.") from None
    shown = sum(1 for node in picture.nodes if not node.collapsed)
    config.print_stdout(
        f"Wrote {os.fspath(output)}: {picture.summary} ({shown} drawn, "
        f"{picture.revision_count - shown} in collapsed runs)."
    )
