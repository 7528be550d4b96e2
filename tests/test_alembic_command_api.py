"""``alembic.command``, ``alembic.config`` and ``alembic.script.write_hooks`` as applications call
them, with Alembic's arguments: ``ensure_version``, ``current(check_heads=)``,
``merge(splice=)``, ``revision(process_revision_directives=)``, ``show(rev)`` / ``edit(rev)``,
``CommandLine.register_command`` / ``run_cmd``, custom post-write hook types, and hooks in
pyproject.toml (``Config.get_hooks_list``)."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import pytest

from still import compat
from still.errors import CommandError, DatabaseNotAtHead
from tests.conftest import Project
from tests.databases import required

required("alembic")


def alembic_names() -> Any:
    """``alembic.command`` / ``alembic.config`` / ``alembic.script`` as still serves them."""
    with compat.alembic_names():
        import alembic.command as command
        import alembic.config as config
        import alembic.script.write_hooks as write_hooks

        return command, config, write_hooks


def test_ensure_version_creates_the_version_table(project: Project) -> None:
    command, config_module, _ = alembic_names()
    config = config_module.Config(str(project.ini))
    assert project.versions() is None
    command.ensure_version(config)
    assert project.versions() == set()
    command.ensure_version(config)  # a second time: nothing to do
    buffer = io.StringIO()
    config = config_module.Config(str(project.ini), output_buffer=buffer)
    command.ensure_version(config, sql=True)
    assert "CREATE TABLE alembic_version" in buffer.getvalue()


def test_current_check_heads(project: Project) -> None:
    project.write_revision("a1", None)
    project.write_revision("b2", "a1")
    command, config_module, _ = alembic_names()
    config = config_module.Config(str(project.ini), stdout=io.StringIO())
    command.upgrade(config, "a1")
    with pytest.raises(DatabaseNotAtHead, match="not at every head"):
        command.current(config, check_heads=True)
    command.upgrade(config, "head")
    command.current(config, True)  # positional, as Alembic's signature has it
    assert "b2" in config.stdout.getvalue()


def test_merge_needs_splice_for_a_non_head(project: Project) -> None:
    project.write_revision("a1", None)
    project.write_revision("b2", "a1")
    project.write_revision("b3", "b2")
    project.write_revision("c3", "a1")
    command, config_module, _ = alembic_names()
    config = config_module.Config(str(project.ini), stdout=io.StringIO())
    with pytest.raises(CommandError, match="not a head"):
        command.merge(config, ["b2", "c3"], message="odd")
    merged = command.merge(config, ["b2", "c3"], message="on purpose", splice=True)
    assert set(merged.down_revisions) == {"b2", "c3"}


def test_revision_with_process_revision_directives(project: Project) -> None:
    project.write_revision("a1", None)
    command, config_module, _ = alembic_names()
    config = config_module.Config(str(project.ini), stdout=io.StringIO())
    seen: list[Any] = []

    def rename(context: Any, revision: Any, directives: list[Any]) -> None:
        seen.append(tuple(revision))
        directives[0].rev_id = "fixed01"
        directives[0].message = "renamed by the hook"

    script = command.revision(config, "first", process_revision_directives=rename)
    assert seen == [("a1",)]
    assert script.revision == "fixed01" and script.doc == "renamed by the hook"

    def drop(context: Any, revision: Any, directives: list[Any]) -> None:
        directives[:] = []

    assert command.revision(config, "never", process_revision_directives=drop) is None
    assert sorted(p.name for p in project.versions_dir.glob("*.py"))[0].startswith("a1")
    assert not list(project.versions_dir.glob("*never*"))


def test_show_and_edit_take_rev(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    project.write_revision("a1", None)
    command, config_module, _ = alembic_names()
    out = io.StringIO()
    config = config_module.Config(str(project.ini), stdout=out)
    command.show(config, rev="a1")
    assert "Rev: a1" in out.getvalue()
    monkeypatch.setenv("EDITOR", f"{sys.executable} -c pass")
    command.edit(config, rev="a1")


def test_command_line_with_a_command_of_ones_own(project: Project) -> None:
    _, config_module, _ = alembic_names()
    called: list[Any] = []

    def hello(config: Any, who: str, shout: bool = False) -> None:
        """Say hello."""
        called.append((config.get_main_option("script_location"), who, shout))

    line = config_module.CommandLine(prog="myapp")
    line.register_command(hello)
    line.main(["-c", str(project.ini), "hello", "world"])
    assert called == [(called[0][0], "world", False)] and called[0][0]
    options = line.parser.parse_args(["heads", "--verbose"])
    out = io.StringIO()
    line.run_cmd(config_module.Config(str(project.ini), stdout=out, cmd_opts=options), options)
    assert out.getvalue() == ""  # no revisions yet, no heads


def test_custom_hook_type_and_hooks_in_pyproject(tmp_path: Path, project: Project) -> None:
    _, config_module, write_hooks = alembic_names()
    ran: list[tuple[str, dict[str, str]]] = []

    @write_hooks.register("note_it")
    def note_it(filename: str, options: dict[str, str]) -> None:
        ran.append((Path(filename).name, dict(options)))

    # hooks come from the ini's [post_write_hooks] when it has one (as in Alembic)
    project.ini.write_text(project.ini.read_text().replace("[post_write_hooks]", "[unused]"))
    (project.root / "pyproject.toml").write_text(
        '[tool.alembic]\n\n[[tool.alembic.post_write_hooks]]\nname = "mine"\n'
        'type = "note_it"\nflag = "%(here)s"\n'
    )
    config = config_module.Config(
        str(project.ini), toml_file=str(project.root / "pyproject.toml"), stdout=io.StringIO()
    )
    hooks = config.get_hooks_list()
    assert hooks == [{"_hook_name": "mine", "type": "note_it", "flag": project.root.as_posix()}]
    command, _, _ = alembic_names()
    script = command.revision(config, "with a hook")
    assert ran and ran[0][0] == Path(script.path).name
    assert ran[0][1]["flag"] == project.root.as_posix()
