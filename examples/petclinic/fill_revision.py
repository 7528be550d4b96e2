"""The demo's stand-in for writing a migration by hand (scripts/demo.sh runs it).

    python fill_revision.py SLUG < bodies.py

`still revision -m "add age to pets"` writes alembic/versions/<random id>_add_age_to_pets.py with
`pass` in upgrade() and downgrade(). This script finds that file by its SLUG (add_age_to_pets),
reads `def upgrade(): ...` and `def downgrade(): ...` from standard input, and puts their bodies
in place of the two `pass` lines; the header (revision, down_revision, imports) stays as generated.
It then prints the two functions, so the demo's output shows what each migration does.
"""

import ast
import re
import sys
import textwrap
from pathlib import Path


def function_bodies(source: str) -> dict[str, str]:
    """The source lines of the bodies of upgrade() and downgrade() in `source`."""
    lines = source.splitlines()
    bodies = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name in ("upgrade", "downgrade"):
            bodies[node.name] = "\n".join(lines[node.body[0].lineno - 1 : node.end_lineno])
    return bodies


def fill(revision_file: Path, bodies: dict[str, str]) -> str:
    text = revision_file.read_text()
    for name in ("upgrade", "downgrade"):
        pattern = re.compile(rf"^(def {name}\(\)[^:\n]*:\n)    pass\n", re.MULTILINE)
        text, count = pattern.subn(lambda m, name=name: m.group(1) + bodies[name] + "\n", text)
        if count != 1:
            sys.exit(f"fill_revision: no `def {name}(): pass` to fill in {revision_file}")
    return text


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    slug = sys.argv[1]
    found = sorted(Path("alembic/versions").glob(f"*_{slug}.py"))
    if len(found) != 1:
        sys.exit(f"fill_revision: expected one alembic/versions/*_{slug}.py, found {len(found)}")
    bodies = function_bodies(sys.stdin.read())
    missing = {"upgrade", "downgrade"} - bodies.keys()
    if missing:
        sys.exit(f"fill_revision: standard input has no {' or '.join(sorted(missing))}()")
    revision_file = found[0]
    text = fill(revision_file, bodies)
    compile(text, str(revision_file), "exec")  # a syntax error shows here, not at upgrade time
    revision_file.write_text(text)
    print(f"wrote upgrade() and downgrade() into {revision_file}:")
    print(textwrap.indent(text[text.index("def upgrade") :].rstrip(), "    "))


if __name__ == "__main__":
    main()
