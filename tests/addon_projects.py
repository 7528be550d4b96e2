"""One small project twice, side by side: under still and under the real Alembic, each on its own
fresh database, both driven through their command lines in child processes (an add-on imported
under one tool's ``alembic`` names stays bound to them for the rest of its process).

The project's env.py imports ``models.py`` (and through it the add-on) the way add-ons' users
write it; a step rewrites ``models.py``, autogenerates with both tools, and the two revision files
are compared statement by statement (parsed, so layout does not count).
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import Run, run_module, set_ini_url

ENV_MODELS = """\
import models  # noqa: E402  (the application's models, and the add-ons they import)
target_metadata = models.target_metadata
"""


@dataclass
class Side:
    tool: str  # "still" or "alembic"
    root: Path
    url: str

    def run(self, *args: str) -> Run:
        return run_module(self.tool, args, self.root)

    def ok(self, *args: str) -> Run:
        result = self.run(*args)
        assert result.exit_code == 0, f"{self.tool} {' '.join(args)}\n{result}"
        return result

    @property
    def versions(self) -> Path:
        return self.root / "migrations" / "versions"

    def revision_file(self, rev_id: str) -> Path:
        (path,) = self.versions.glob(f"{rev_id}_*.py")
        return path


class Twin:
    """The project under both tools; ``env_extra`` is added to env.py after the model import
    (e.g. ``include_object=...`` helpers); ``configure`` to its online ``configure()`` call."""

    def __init__(self, root: Path, still_url: str, alembic_url: str, configure: str = "") -> None:
        self.still = Side("still", root / "still", still_url)
        self.alembic = Side("alembic", root / "alembic", alembic_url)
        for side in self.sides:
            side.root.mkdir(parents=True)
            side.ok("init", "migrations")
            set_ini_url(side.root / "alembic.ini", side.url)
            env = side.root / "migrations" / "env.py"
            text = env.read_text()
            assert "target_metadata = None" in text, f"{side.tool}'s env.py changed"
            text = text.replace("target_metadata = None", ENV_MODELS)
            if configure:
                pattern = re.compile(r"context\.configure\(\s*connection=connection,")
                assert len(pattern.findall(text)) == 1, f"{side.tool}'s env.py changed"
                text = pattern.sub(f"context.configure({configure}, connection=connection,", text)
            env.write_text(text)

    @property
    def sides(self) -> tuple[Side, Side]:
        return (self.still, self.alembic)

    def models(self, source: str) -> None:
        for side in self.sides:
            (side.root / "models.py").write_text(textwrap.dedent(source))

    def both(self, *args: str) -> tuple[Run, Run]:
        return self.still.run(*args), self.alembic.run(*args)

    def both_ok(self, *args: str) -> None:
        for side in self.sides:
            side.ok(*args)

    def autogenerate(self, rev_id: str, edits: Sequence[tuple[str, str]] = ()) -> Bodies:
        """``revision --autogenerate`` under both tools; each of ``edits`` replaces the first
        occurrence of a text in both files, in turn (what the add-on's users do by hand, e.g.
        fill ``enum_values_to_rename`` in upgrade() and then in downgrade())."""
        for side in self.sides:
            side.ok("revision", "--autogenerate", "-m", f"step {rev_id}", "--rev-id", rev_id)
            path = side.revision_file(rev_id)
            text = path.read_text()
            for old, new in edits:
                assert old in text, f"{side.tool}'s {path.name} has no {old!r}\n{text}"
                text = text.replace(old, new, 1)
            path.write_text(text)
        return Bodies(
            statements(self.still.revision_file(rev_id)),
            statements(self.alembic.revision_file(rev_id)),
        )


@dataclass
class Bodies:
    """The statements of the two revision files' ``upgrade()`` and ``downgrade()``."""

    still: dict[str, list[str]]
    alembic: dict[str, list[str]]


def statements(path: Path) -> dict[str, list[str]]:
    """``upgrade`` / ``downgrade`` -> each statement of the function, parsed and dumped (so
    layout, quotes and comments do not count)."""
    tree = ast.parse(path.read_text())
    found: dict[str, list[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in ("upgrade", "downgrade"):
            body = [
                stmt
                for stmt in node.body
                if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant))
            ]
            found[node.name] = [ast.unparse(stmt) for stmt in body if not _is_pass(stmt)]
    return found


def _is_pass(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Pass)
