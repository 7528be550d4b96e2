"""``still.testing.clones.Clones`` (the pytest fixtures' databases) when a clone fails: a failing
revision or Ctrl-C during the first build leaves no working database behind, and the cache is
not filled with a half-built schema; on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import Project
from tests.test_shadow import REVISIONS, working_databases


@pytest.fixture
def clones_project(project: Project) -> Iterator[Project]:
    for rev, down, body in REVISIONS:
        project.write_revision(rev, down, body)
    yield project
    project.dispose()
    project.run("shadow", "clean")


def _clones(project: Project):  # type: ignore[no-untyped-def]
    from still.config import Config
    from still.testing.clones import Clones

    return Clones(Config(str(project.ini)))


@pytest.mark.parametrize(
    ("body", "raised"),
    [
        ('raise RuntimeError("the fourth revision fails")', Exception),
        ("raise KeyboardInterrupt", KeyboardInterrupt),  # Ctrl-C during the replay
    ],
    ids=["failing-revision", "ctrl-c"],
)
def test_a_clone_that_fails_leaves_no_database(
    clones_project: Project, body: str, raised: type[BaseException]
) -> None:
    clones_project.write_revision("r4", "r3", body)
    clones = _clones(clones_project)
    with pytest.raises(raised) as failure:
        clones.clone()
    if raised is Exception:
        assert "the fourth revision fails" in str(failure.value)
    assert working_databases(clones_project) == []
    clones.drop_all()  # nothing was handed out, so nothing to drop

    # the cache holds nothing half-built: with the revision mended, the next clone replays
    clones_project.write_revision("r4", "r3", "pass")
    mended = _clones(clones_project)  # a new one: it reads the revision files again
    try:
        database = mended.clone()
        assert database.from_cache is False
        assert _versions(database.url) == {"r4"}
    finally:
        mended.drop_all()
    assert working_databases(clones_project) == []


def test_a_clone_at_a_revision_then_from_the_cache(clones_project: Project) -> None:
    clones = _clones(clones_project)
    try:
        first = clones.clone("r2")
        again = clones.clone("r2")
        assert (first.from_cache, again.from_cache) == (False, True)
        assert first.url != again.url
        assert first.heads == again.heads == ("r2",)
        assert _versions(first.url) == _versions(again.url) == {"r2"}
    finally:
        clones.drop_all()
    assert working_databases(clones_project) == []


def _versions(url: str) -> set[str]:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return set(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
    finally:
        engine.dispose()


def test_the_cache_keeps_several_revisions(clones_project: Project) -> None:
    """A session alternating between revisions (still_database at the heads, still_database_at
    an older one) copies each from the cache after its first build; beyond the cache's size the
    one made first is rebuilt."""
    from still.shadow.servers import CACHE_ENTRIES

    clones_project.write_revision("r4", "r3", "pass")
    clones_project.write_revision("r5", "r4", "pass")
    assert CACHE_ENTRIES == 4
    clones = _clones(clones_project)
    try:
        made = {target: clones.clone(target).from_cache for target in ("r2", "heads", "r2")}
        assert made == {"r2": True, "heads": False}  # r2 built once, then copied
        for target in ("r1", "r3", "r4"):  # r2, heads (r5), r1, r3, r4: five schemas made
            assert clones.clone(target).from_cache is False
        # the one made first (r2) is gone; the others are kept
        assert clones.clone("r5").from_cache is True
        assert clones.clone("r1").from_cache is True
        assert clones.clone("r2").from_cache is False
    finally:
        clones.drop_all()
    assert working_databases(clones_project) == []


CLONE_AND_LOOK = r"""
import json, sys
import sqlalchemy as sa
from still.config import Config
from still.testing.clones import Clones

clones = Clones(Config(sys.argv[1]))
database = clones.clone()
engine = sa.create_engine(database.url)
try:
    columns = {
        c["name"]: getattr(c["type"], "length", None)
        for c in sa.inspect(engine).get_columns("tags")
    }
finally:
    engine.dispose()
    clones.drop_all()
print(json.dumps({"from_cache": database.from_cache, "columns": columns}))
"""


def test_a_changed_module_a_revision_imports_is_built_again(clones_project: Project) -> None:
    """r4 takes a column's length from the project's own module (at its top) and more columns
    from another (inside upgrade()): a change to either is a new schema, so the cache misses;
    a change to a project file no revision imports does not.  Each build is a process of its
    own, as each command is (a module already imported is not read again in a process)."""
    import json
    import subprocess
    import sys

    root = clones_project.root
    (root / "lengths.py").write_text("TAG_LENGTH = 30\n")
    (root / "helpers").mkdir()
    (root / "helpers" / "__init__.py").write_text("")
    (root / "helpers" / "columns.py").write_text(
        "import sqlalchemy as sa\n\n\ndef extra():\n    return [sa.Column('note', sa.String(10))]\n"
    )
    (root / "unrelated.py").write_text("X = 1\n")
    clones_project.write_revision(
        "r4",
        "r3",
        """
        from helpers.columns import extra

        op.create_table(
            "tags",
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("label", sa.String(TAG_LENGTH)),
            *extra(),
        )
        """,
    )
    revision = next(clones_project.versions_dir.glob("r4_*.py"))
    text = revision.read_text()
    revision.write_text(
        text.replace(
            "import sqlalchemy as sa\n",
            "import sqlalchemy as sa\nfrom lengths import TAG_LENGTH\n",
            1,
        )
    )

    def build() -> dict[str, object]:
        done = subprocess.run(
            [sys.executable, "-c", CLONE_AND_LOOK, str(clones_project.ini)],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]

    first = build()
    assert first == {"from_cache": False, "columns": {"id": None, "label": 30, "note": 10}}
    assert build()["from_cache"] is True
    (root / "unrelated.py").write_text("X = 2\n")
    assert build()["from_cache"] is True  # no revision imports it

    (root / "lengths.py").write_text("TAG_LENGTH = 40\n")
    changed = build()
    assert changed == {"from_cache": False, "columns": {"id": None, "label": 40, "note": 10}}
    assert build()["from_cache"] is True

    (root / "helpers" / "columns.py").write_text(
        "import sqlalchemy as sa\n\n\ndef extra():\n    return [sa.Column('note', sa.String(20))]\n"
    )
    inside = build()
    assert inside == {"from_cache": False, "columns": {"id": None, "label": 40, "note": 20}}
    assert working_databases(clones_project) == []
