"""Where a project's files are, as Alembic finds them (issue 15, bug 5).

* ``script_location = pkg:sub:dir``: every colon after the package is one more directory (and
  the package part may be dotted), in ``script_location`` and in ``version_locations``;
* a ``version_locations`` directory that does not exist holds no revisions (Alembic skips it);
  the first revision written there creates it;
* ``Script.branch_labels`` holds the labels a revision inherits along its branch, which
  applications read to find their expand/contract heads.

Each is compared with the real Alembic on the same files.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from still.config import Config
from still.errors import ScriptError
from still.script import ScriptDirectory
from tests.databases import required

alembic_config = required("alembic.config")
alembic_script = required("alembic.script")
alembic_command = required("alembic.command")

REVISION = '''"""{rev}"""
revision = {rev!r}
down_revision = {down!r}
branch_labels = {labels!r}
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
'''


def revision(directory: Path, rev: str, down: str | None, labels: tuple[str, ...] | None = None):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{rev}_step.py").write_text(REVISION.format(rev=rev, down=down, labels=labels))


def init_env(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "env.py").write_text("raise RuntimeError('not run by these tests')\n")
    template = Path(__file__).parent.parent / "src" / "still" / "templates" / "generic"
    (directory / "script.py.mako").write_text((template / "script.py.mako").read_text())


def pair(ini: Path) -> tuple[ScriptDirectory, object]:
    return (
        ScriptDirectory.from_config(Config(ini)),
        alembic_script.ScriptDirectory.from_config(alembic_config.Config(str(ini))),
    )


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path]:
    """An importable package (a new name each time: imports are cached) with
    ``db/migrations`` inside (``db`` a package too, for the dotted form)."""
    name = f"myapp_{uuid.uuid4().hex[:8]}"
    root = tmp_path / "site"
    (root / name / "db").mkdir(parents=True)
    (root / name / "__init__.py").write_text("")
    (root / name / "db" / "__init__.py").write_text("")
    migrations = root / name / "db" / "migrations"
    init_env(migrations)
    revision(migrations / "versions", "a1", None)
    revision(migrations / "versions", "b2", "a1")
    monkeypatch.syspath_prepend(str(root))
    return name, migrations


@pytest.mark.parametrize("location", ["{}:db:migrations", "{}.db:migrations"])
def test_script_location_in_a_package(
    package: tuple[str, Path], tmp_path: Path, location: str
) -> None:
    name, migrations = package
    ini = tmp_path / "alembic.ini"
    ini.write_text(f"[alembic]\nscript_location = {location.format(name)}\n")
    ours, theirs = pair(ini)
    assert Path(theirs.dir).resolve() == migrations.resolve()  # the reference agrees
    assert ours.dir.resolve() == migrations.resolve()
    assert ours.get_heads() == theirs.get_heads() == ["b2"]


def test_version_locations_in_a_package(package: tuple[str, Path], tmp_path: Path) -> None:
    name, migrations = package
    revision(migrations.parent / "more_versions", "x1", None)
    ini = tmp_path / "alembic.ini"
    ini.write_text(
        f"[alembic]\nscript_location = {name}:db:migrations\npath_separator = space\n"
        f"version_locations = {name}:db:migrations/versions {name}:db:more_versions\n"
    )
    ours, theirs = pair(ini)
    assert sorted(ours.get_heads()) == sorted(theirs.get_heads()) == ["b2", "x1"]


def test_an_unimportable_package_is_named(tmp_path: Path) -> None:
    ini = tmp_path / "alembic.ini"
    ini.write_text("[alembic]\nscript_location = no_such_pkg:migrations\n")
    with pytest.raises(ScriptError, match="no_such_pkg"):
        ScriptDirectory.from_config(Config(ini))


def test_a_missing_version_location_is_skipped_then_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    init_env(tmp_path / "migrations")
    revision(tmp_path / "migrations" / "versions", "a1", None)
    ini = tmp_path / "alembic.ini"
    ini.write_text(
        "[alembic]\nscript_location = migrations\npath_separator = space\n"
        "version_locations = %(here)s/migrations/versions %(here)s/later\n"
        "sqlalchemy.url = sqlite://\n"
    )
    ours, theirs = pair(ini)
    assert ours.get_heads() == theirs.get_heads() == ["a1"]
    # A revision written to the missing location creates it (Alembic does the same).
    later = tmp_path / "later"
    written = ours.generate_revision("b2", "later", head="a1", version_path=str(later))
    assert written is not None and Path(written.path).parent == later
    reloaded, again = pair(ini)
    assert reloaded.get_heads() == again.get_heads() == ["b2"]


def test_the_new_location_is_made_by_still_revision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from still import command

    monkeypatch.chdir(tmp_path)
    init_env(tmp_path / "migrations")
    ini = tmp_path / "alembic.ini"
    ini.write_text(
        "[alembic]\nscript_location = migrations\n"
        "version_locations = %(here)s/fresh\nsqlalchemy.url = sqlite://\n"
    )
    script = command.revision(Config(ini), "first")
    assert script is not None and Path(script.path).parent == tmp_path / "fresh"


def test_branch_labels_are_inherited_along_the_branch(tmp_path: Path) -> None:
    """The expand/contract pattern: labels on the first revision of each branch; applications
    find each branch's head by reading ``branch_labels``."""
    init_env(tmp_path / "migrations")
    versions = tmp_path / "migrations" / "versions"
    revision(versions, "root", None)
    revision(versions, "e1", "root", ("expand",))
    revision(versions, "e2", "e1")
    revision(versions, "c1", "root", ("contract",))
    revision(versions, "c2", "c1")
    ini = tmp_path / "alembic.ini"
    ini.write_text("[alembic]\nscript_location = %(here)s/migrations\n")
    ours, theirs = pair(ini)

    def heads_by_label(script: object) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for rev in script.walk_revisions():  # type: ignore[attr-defined]
            if rev.is_head:
                for label in rev.branch_labels:
                    found.setdefault(label, []).append(rev.revision)
        return found

    assert heads_by_label(theirs) == {"expand": ["e2"], "contract": ["c2"]}
    assert heads_by_label(ours) == heads_by_label(theirs)
    for rid in ("root", "e1", "e2", "c1", "c2"):
        assert set(ours.get_revision(rid).branch_labels) == set(
            theirs.get_revision(rid).branch_labels
        ), rid
    # the labels the file declares are still there as such
    assert ours.get_revision("e2").declared_labels == frozenset()
    assert ours.get_revision("e1")._orig_branch_labels == ("expand",)
