"""The `still` command line: help and version, init, list_templates, revision, heads, history,
show, branches, merge; speed by design (no heavy imports, headers read statically) and errors
reported without tracebacks."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import still
from still.cli.main import cli

COMMANDS = sorted(cli.commands)  # type: ignore[attr-defined]
HEAVY = ("sqlalchemy", "mako", "rich")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ALEMBIC_CONFIG", "SQLALCHEMY_URL", "STILL_NO_CACHE", "EDITOR", "VISUAL"):
        monkeypatch.delenv(name, raising=False)


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), prog_name="still")


def ok(*args: str) -> Result:
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    return result


def failed(*args: str) -> Result:
    """A command that must fail the way a user error fails: a message, no traceback."""
    result = invoke(*args)
    assert result.exit_code != 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stderr.startswith("FAILED: "), result.output
    return result


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def project(workdir: Path) -> Path:
    ok("init", "migrations")
    return workdir


def set_options(ini: Path, **options: str) -> None:
    text = ini.read_text(encoding="utf-8")
    extra = "".join(f"{key} = {value}\n" for key, value in options.items())
    ini.write_text(text.replace("[alembic]\n", "[alembic]\n" + extra, 1), encoding="utf-8")


def versions(root: Path) -> Path:
    return root / "migrations" / "versions"


# -- help and version -----------------------------------------------------------------------------


def test_version() -> None:
    result = ok("--version")
    assert result.output == f"still {still.__version__}\n"


def test_help_lists_every_command() -> None:
    result = ok("--help")
    assert result.output.startswith("Usage: still [OPTIONS] COMMAND [ARGS]...")
    for name in COMMANDS:
        assert re.search(rf"^\s+{name}\s", result.output, re.M), name
    for option in ("-c, --config", "-n, --name", "-x KEY=VALUE", "--traceback", "-q, --quiet"):
        assert option in result.output
    assert ok("-h").output == result.output


def test_the_seed_commands_exist() -> None:
    wanted = {"init", "revision", "upgrade", "downgrade", "stamp", "current", "history", "heads"}
    assert wanted | {"merge", "show", "branches", "list_templates"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help(name: str) -> None:
    result = ok(name, "--help")
    assert result.output.startswith(f"Usage: still {name} ")
    docstring = cli.commands[name].help  # type: ignore[attr-defined]
    assert docstring and docstring.split("\n")[0].split(" (")[0] in result.output


def test_unknown_command() -> None:
    result = invoke("upgrayedd")
    assert result.exit_code == 2
    assert "No such command 'upgrayedd'" in result.output


def test_python_m_still_version(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "still", "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"still {still.__version__}\n"


def test_still_script_version(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("still")
    if not script.exists():
        pytest.skip("the still console script is not installed beside this interpreter")
    done = subprocess.run([str(script), "--version"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"still {still.__version__}"


# -- init and list_templates ----------------------------------------------------------------------


def test_init_creates_the_environment(workdir: Path) -> None:
    result = ok("init", "migrations")
    assert (workdir / "alembic.ini").is_file()
    assert (workdir / "migrations" / "env.py").is_file()
    assert (workdir / "migrations" / "script.py.mako").is_file()
    assert (workdir / "migrations" / "versions").is_dir()
    assert list((workdir / "migrations" / "versions").iterdir()) == []
    ini = (workdir / "alembic.ini").read_text(encoding="utf-8")
    assert re.search(r"^script_location = %\(here\)s/migrations$", ini, re.M)
    assert re.search(r"^sqlalchemy.url = ", ini, re.M)
    assert f"Creating directory {workdir / 'migrations'} ... done" in result.output
    assert f"Generating {workdir / 'alembic.ini'} ... done" in result.output
    assert "Please edit" in result.output
    # env.py keeps the seed's offline/online structure.
    env = (workdir / "migrations" / "env.py").read_text(encoding="utf-8")
    for needle in ("run_migrations_offline", "run_migrations_online", "is_offline_mode"):
        assert needle in env


def test_init_the_seed_way(workdir: Path) -> None:
    ok("init", "alembic")
    assert (workdir / "alembic" / "env.py").is_file()
    ini = (workdir / "alembic.ini").read_text(encoding="utf-8")
    assert re.search(r"^script_location = %\(here\)s/alembic$", ini, re.M)
    assert ok("heads").output == ""


def test_init_refuses_a_non_empty_directory(workdir: Path) -> None:
    (workdir / "migrations").mkdir()
    (workdir / "migrations" / "keep.txt").write_text("mine")
    result = failed("init", "migrations")
    assert "Directory migrations already exists and is not empty" in result.stderr
    assert (workdir / "migrations" / "keep.txt").read_text() == "mine"
    assert not (workdir / "alembic.ini").exists()


def test_init_twice(project: Path) -> None:
    before = (project / "alembic.ini").read_text(encoding="utf-8")
    result = failed("init", "migrations")
    assert result.exit_code == 1
    assert "already exists and is not empty" in result.stderr
    assert (project / "alembic.ini").read_text(encoding="utf-8") == before


def test_init_into_an_empty_directory_and_an_existing_ini(workdir: Path) -> None:
    (workdir / "second").mkdir()
    (workdir / "alembic.ini").write_text("[alembic]\nscript_location = second\n")
    result = ok("init", "second")
    assert "already exists, skipping" in result.output
    assert (workdir / "alembic.ini").read_text() == "[alembic]\nscript_location = second\n"
    assert (workdir / "second" / "env.py").is_file()


def test_init_with_package(workdir: Path) -> None:
    ok("init", "--package", "migrations")
    assert (workdir / "migrations" / "__init__.py").is_file()
    assert (workdir / "migrations" / "versions" / "__init__.py").is_file()
    ok("revision", "-m", "first", "--rev-id", "a1")
    assert ok("heads").output == "a1 (head)\n"


def test_init_unknown_template(workdir: Path) -> None:
    result = failed("init", "-t", "nonesuch", "migrations")
    assert "No template 'nonesuch'" in result.stderr
    assert "generic" in result.stderr and "async" in result.stderr
    assert not (workdir / "migrations").exists()


def test_list_templates(workdir: Path) -> None:
    result = ok("list_templates")
    assert result.output.startswith("Available templates:")
    for name in ("generic", "async", "multidb", "pyproject"):
        assert re.search(rf"^{name} - \S", result.output, re.M), name
    assert "still init --template generic ./scripts" in result.output


def test_pyproject_template(workdir: Path) -> None:
    ok("init", "-t", "pyproject", "migrations")
    toml = (workdir / "pyproject.toml").read_text(encoding="utf-8")
    assert "[tool.alembic]" in toml
    ok("revision", "-m", "first", "--rev-id", "a1")
    assert ok("heads").output == "a1 (head)\n"


# -- revision -------------------------------------------------------------------------------------


def test_revision_writes_an_empty_migration(project: Path) -> None:
    result = ok("revision", "-m", "add age column to pets", "--rev-id", "abc123")
    path = versions(project) / "abc123_add_age_column_to_pets.py"
    assert path.is_file()
    assert result.output == f"Generating {path} ... done\n"
    text = path.read_text(encoding="utf-8")
    assert text.startswith('"""add age column to pets\n\nRevision ID: abc123\nRevises: \n')
    assert re.search(r"^revision: str = 'abc123'$", text, re.M)
    assert re.search(r"^down_revision: Union\[str, Sequence\[str\], None\] = None$", text, re.M)
    assert re.search(r"^def upgrade\(\) -> None:\n    pass$", text, re.M)
    assert re.search(r"^def downgrade\(\) -> None:\n    pass$", text, re.M)
    assert "from alembic import op" in text
    compile(text, str(path), "exec")


def test_second_revision_builds_on_the_first(project: Path) -> None:
    ok("revision", "-m", "add age column to pets", "--rev-id", "abc123")
    ok("revision", "-m", "add index", "--rev-id", "def456")
    text = (versions(project) / "def456_add_index.py").read_text(encoding="utf-8")
    assert re.search(r"^down_revision: .* = 'abc123'$", text, re.M)
    assert "Revises: abc123\n" in text


def test_revision_with_a_generated_id(project: Path) -> None:
    ok("revision", "-m", "Add Pets!")
    [path] = versions(project).iterdir()
    match = re.fullmatch(r"([0-9a-f]{12})_add_pets\.py", path.name)
    assert match
    assert f"revision: str = '{match[1]}'" in path.read_text(encoding="utf-8")


def test_file_template_rev_and_slug(project: Path) -> None:
    set_options(project / "alembic.ini", file_template="%%(rev)s_%%(slug)s")
    ok("revision", "-m", "add age column to pets", "--rev-id", "abc123")
    assert [p.name for p in versions(project).iterdir()] == ["abc123_add_age_column_to_pets.py"]


def test_file_template_with_dates_and_utc(project: Path) -> None:
    set_options(
        project / "alembic.ini",
        file_template=(
            "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d%%(second).2d"
            "_%%(epoch)s-%%(rev)s_%%(slug)s"
        ),
        timezone="UTC",
    )
    ok("revision", "-m", "add age column to pets", "--rev-id", "abc123")
    [path] = versions(project).iterdir()
    match = re.fullmatch(
        r"(\d{4})_(\d\d)_(\d\d)_(\d\d)(\d\d)(\d\d)_(\d+)-abc123_add_age_column_to_pets\.py",
        path.name,
    )
    assert match, path.name
    text = path.read_text(encoding="utf-8")
    created = re.search(r"^Create Date: (.*)$", text, re.M)
    assert created and created[1].endswith("+00:00")
    # The name and the Create Date describe the same moment, in UTC.
    year, month, day, hour, minute, second = match.groups()[:6]
    assert created[1].startswith(f"{year}-{month}-{day} {hour}:{minute}:{second}")
    from datetime import datetime

    moment = datetime.fromisoformat(created[1])
    assert abs(int(match[7]) - moment.timestamp()) < 2


def test_local_time_without_timezone(project: Path) -> None:
    ok("revision", "-m", "x", "--rev-id", "abc123")
    text = (versions(project) / "abc123_x.py").read_text(encoding="utf-8")
    assert re.search(r"^Create Date: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+$", text, re.M)


def test_truncate_slug_length(project: Path) -> None:
    set_options(project / "alembic.ini", truncate_slug_length="10")
    ok("revision", "-m", "add age column to pets", "--rev-id", "abc123")
    assert (versions(project) / "abc123_add_age_.py").is_file()


def test_bad_timezone_and_file_template(project: Path) -> None:
    set_options(project / "alembic.ini", timezone="Nowhere/Special")
    result = failed("revision", "-m", "x", "--rev-id", "abc123")
    assert "timezone = 'Nowhere/Special'" in result.stderr
    assert list(versions(project).iterdir()) == []


def test_revision_id_problems(project: Path) -> None:
    ok("revision", "-m", "first", "--rev-id", "abc123")
    result = failed("revision", "-m", "again", "--rev-id", "abc123")
    assert "'abc123' is already used by" in result.stderr
    assert "abc123_first.py" in result.stderr
    result = failed("revision", "-m", "bad", "--rev-id", "a/b")
    assert "not a usable revision id" in result.stderr


def test_revision_on_a_non_head_needs_splice(project: Path) -> None:
    ok("revision", "-m", "one", "--rev-id", "a1")
    ok("revision", "-m", "two", "--rev-id", "b2")
    result = failed("revision", "-m", "side", "--head", "a1", "--rev-id", "s1")
    assert "a1 is not a head" in result.stderr and "--splice" in result.stderr
    ok("revision", "-m", "side", "--head", "a1", "--rev-id", "s1", "--splice")
    assert sorted(ok("heads").output.splitlines()) == ["b2 (head)", "s1 (head)"]
    result = failed("revision", "-m", "three", "--rev-id", "c3")
    assert "2 heads" in result.stderr and "still merge heads" in result.stderr


def test_branch_label_and_head_label(project: Path) -> None:
    ok("revision", "-m", "one", "--rev-id", "a1")
    ok("revision", "-m", "feature", "--head", "base", "--branch-label", "feat", "--rev-id", "f1")
    ok("revision", "-m", "more feature", "--head", "feat@head", "--rev-id", "f2")
    text = (versions(project) / "f2_more_feature.py").read_text(encoding="utf-8")
    assert re.search(r"^down_revision: .* = 'f1'$", text, re.M)
    assert "f2 (feat) (head)" in ok("heads").output.splitlines()


def test_merge_heads(project: Path) -> None:
    ok("revision", "-m", "root", "--rev-id", "r0")
    ok("revision", "-m", "left", "--rev-id", "abc123")
    ok("revision", "-m", "right", "--head", "r0", "--splice", "--rev-id", "def456")
    ok("merge", "abc123", "def456", "-m", "merge branches", "--rev-id", "m1")
    text = (versions(project) / "m1_merge_branches.py").read_text(encoding="utf-8")
    assert re.search(r"^down_revision: .* = \('abc123', 'def456'\)$", text, re.M)
    assert ok("heads").output == "m1 (head)\n"
    history = ok("history").output.splitlines()
    assert history[0] == "abc123, def456 -> m1 (head) (mergepoint), merge branches"
    assert history[-1] == "<base> -> r0 (branchpoint), root"
    result = failed("merge", "heads", "-m", "nothing")
    assert "Nothing to merge" in result.stderr


# -- heads, history, show, branches ---------------------------------------------------------------


@pytest.fixture
def chain(project: Path) -> Path:
    ok("revision", "-m", "add age column to pets", "--rev-id", "abc123")
    ok("revision", "-m", "add owner index", "--rev-id", "def456")
    ok("revision", "-m", "species table", "--rev-id", "0a0b0c")
    return project


def test_heads(chain: Path) -> None:
    assert ok("heads").output == "0a0b0c (head)\n"
    verbose = ok("heads", "-v").output
    assert verbose.startswith("Rev: 0a0b0c (head)\nParent: def456\nPath: ")
    assert "    species table" in verbose


def test_history_newest_first(chain: Path) -> None:
    assert ok("history").output == (
        "def456 -> 0a0b0c (head), species table\n"
        "abc123 -> def456, add owner index\n"
        "<base> -> abc123, add age column to pets\n"
    )


def test_history_of_one_revision(project: Path) -> None:
    ok("revision", "-m", "add age column to pets", "--rev-id", "abc123")
    assert ok("history").output == "<base> -> abc123 (head), add age column to pets\n"


def test_history_ranges(chain: Path) -> None:
    assert ok("history", "-r", "abc123:def456").output == (
        "abc123 -> def456, add owner index\n<base> -> abc123, add age column to pets\n"
    )
    assert ok("history", "-r", "def456:").output.splitlines() == [
        "def456 -> 0a0b0c (head), species table",
        "abc123 -> def456, add owner index",
    ]
    assert ok("history", "-r", ":abc").output == "<base> -> abc123, add age column to pets\n"


def test_history_verbose(chain: Path) -> None:
    output = ok("history", "-v").output
    revs = re.findall(r"^Rev: (\S+)", output, re.M)
    assert revs == ["0a0b0c", "def456", "abc123"]
    assert "Parent: <base>" in output


def test_show(chain: Path) -> None:
    output = ok("show", "def").output
    assert output.startswith("Rev: def456\nParent: abc123\nPath: ")
    assert "def456_add_owner_index.py" in output
    assert "    add owner index" in output
    assert ok("show", "head").output.startswith("Rev: 0a0b0c (head)")


def test_branches(project: Path) -> None:
    ok("revision", "-m", "root", "--rev-id", "r0")
    ok("revision", "-m", "left", "--rev-id", "l1")
    ok("revision", "-m", "right", "--head", "r0", "--splice", "--rev-id", "x1")
    lines = ok("branches").output.splitlines()
    assert lines[0] == "r0 (branchpoint)"
    assert sorted(lines[1:3]) == ["   -> l1 (head)", "   -> x1 (head)"]


def test_quiet(chain: Path) -> None:
    assert ok("-q", "heads").output == ""
    assert ok("--quiet", "history").output == ""


def test_config_option_and_alembic_config(chain: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = chain / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    failed("heads")
    assert ok("-c", str(chain / "alembic.ini"), "heads").output == "0a0b0c (head)\n"
    assert ok("--config", "../alembic.ini", "heads").output == "0a0b0c (head)\n"
    monkeypatch.setenv("ALEMBIC_CONFIG", str(chain / "alembic.ini"))
    assert ok("heads").output == "0a0b0c (head)\n"


def test_name_selects_the_section(chain: Path) -> None:
    ini = chain / "alembic.ini"
    ini.write_text(
        ini.read_text(encoding="utf-8") + "\n[other]\nscript_location = other_migrations\n",
        encoding="utf-8",
    )
    ok("init", "other_migrations")
    assert ok("-n", "other", "heads").output == ""
    ok("-n", "other", "revision", "-m", "elsewhere", "--rev-id", "o1")
    assert (chain / "other_migrations" / "versions" / "o1_elsewhere.py").is_file()
    assert ok("--name", "other", "heads").output == "o1 (head)\n"
    assert ok("heads").output == "0a0b0c (head)\n"


# -- speed by design ------------------------------------------------------------------------------

PROBE = """
import json, sys
from still.cli.main import main
try:
    main({argv!r})
except SystemExit:
    pass
print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {heavy!r})), file=sys.stderr)
"""


def heavy_modules(argv: list[str], cwd: Path) -> tuple[list[str], str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(argv=argv, heavy=set(HEAVY))],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stderr.strip().splitlines()[-1]), done.stdout


@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["heads", "--help"]])
def test_help_and_version_import_nothing_heavy(tmp_path: Path, argv: list[str]) -> None:
    heavy, out = heavy_modules(argv, tmp_path)
    assert heavy == []
    assert out.strip()


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_importtime_shows_nothing_heavy(tmp_path: Path, flag: str) -> None:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "still", flag],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    imported = [line.split("|")[-1].strip() for line in done.stderr.splitlines() if "|" in line]
    assert "still.cli.main" in imported
    assert not [m for m in imported if m.split(".")[0] in HEAVY]


UNIMPORTABLE = '''"""{message}

Revision ID: {rev}
"""
revision: str = {rev!r}
down_revision: Union[str, Sequence[str], None] = {down!r}
branch_labels = None
depends_on = None

raise RuntimeError("imported!")
'''


@pytest.fixture
def unimportable(project: Path) -> Path:
    """A project whose revision files raise as soon as anything imports them."""
    down = None
    for rev, message in [("aaa111", "create owners"), ("bbb222", "create pets")]:
        path = versions(project) / f"{rev}_x.py"
        path.write_text(UNIMPORTABLE.format(rev=rev, down=down, message=message))
        down = rev
    return project


def test_heads_and_history_read_headers_statically(unimportable: Path) -> None:
    assert ok("heads").output == "bbb222 (head)\n"
    assert ok("history").output == (
        "aaa111 -> bbb222 (head), create pets\n<base> -> aaa111, create owners\n"
    )
    assert ok("show", "aaa").output.startswith("Rev: aaa111\n")
    assert ok("branches").output == ""


@pytest.mark.parametrize("argv", [["heads"], ["history"], ["show", "bbb222"]])
def test_reading_commands_import_nothing_heavy(unimportable: Path, argv: list[str]) -> None:
    heavy, out = heavy_modules(argv, unimportable)
    assert heavy == []
    assert "bbb222" in out


# -- errors ---------------------------------------------------------------------------------------


def test_no_alembic_ini(workdir: Path) -> None:
    result = failed("heads")
    assert result.exit_code == 3
    assert "No config file 'alembic.ini' found" in result.stderr
    assert "still init" in result.stderr


def test_missing_config_file_given_with_c(workdir: Path) -> None:
    result = failed("-c", "nope.ini", "history")
    assert "'nope.ini'" in result.stderr


def test_ini_without_script_location(workdir: Path) -> None:
    (workdir / "alembic.ini").write_text("[alembic]\nsqlalchemy.url = sqlite://\n")
    result = failed("heads")
    assert "No script_location in the [alembic] section of alembic.ini" in result.stderr


def test_script_location_that_does_not_exist(workdir: Path) -> None:
    (workdir / "alembic.ini").write_text("[alembic]\nscript_location = nowhere\n")
    result = failed("history")
    assert "script_location 'nowhere' is not a directory" in result.stderr


def test_broken_ini(workdir: Path) -> None:
    (workdir / "alembic.ini").write_text("[alembic\nscript_location = m\n")
    result = failed("heads")
    assert "alembic.ini cannot be read as an ini file" in result.stderr


def test_unknown_revision_in_show(chain: Path) -> None:
    result = failed("show", "zzz")
    assert result.exit_code == 4
    assert result.stderr == (
        "FAILED: No revision 'zzz' in this project. `still history` lists the revisions; "
        "`still heads` shows the newest.\n"
    )


def test_ambiguous_prefix_in_show(chain: Path) -> None:
    ok("revision", "-m", "also d", "--rev-id", "def999")
    result = failed("show", "def")
    assert "ambiguous" in result.stderr and "def456, def999" in result.stderr


def test_broken_revision_file_is_named(chain: Path) -> None:
    (versions(chain) / "zz_broken.py").write_text("revision = compute(\n")
    result = failed("heads")
    assert "zz_broken.py" in result.stderr and "syntax error" in result.stderr


def test_traceback_on_request(chain: Path) -> None:
    for flag in ("--traceback", "--raiseerr"):
        result = invoke(flag, "show", "zzz")
        assert result.exit_code == 4
        assert "Traceback (most recent call last)" in result.stderr
        assert "still.errors.ResolutionError: No revision 'zzz'" in result.stderr
        assert "FAILED: No revision 'zzz'" in result.stderr


def test_errors_in_a_real_process(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "still", "heads"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 3
    assert done.stdout == ""
    assert done.stderr.startswith("FAILED: No config file 'alembic.ini' found")
    assert "Traceback" not in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "still", "--traceback", "heads"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 3
    assert "Traceback" in done.stderr


def test_bad_x_argument(chain: Path) -> None:
    result = failed("-x", "=oops", "heads")
    assert "-x '=oops' has no key" in result.stderr


def test_edit_without_an_editor(chain: Path) -> None:
    result = failed("edit", "abc123")
    assert "No editor" in result.stderr and "abc123_add_age_column_to_pets.py" in result.stderr


# -- known differences from Alembic (bugs) --------------------------------------------------------


def add_second_location(root: Path) -> Path:
    second = root / "app2"
    second.mkdir()
    set_options(
        root / "alembic.ini",
        version_locations="%(here)s/migrations/versions %(here)s/app2",
    )
    text = (root / "alembic.ini").read_text(encoding="utf-8")
    (root / "alembic.ini").write_text(
        text.replace("path_separator = os\n", "path_separator = space\n"), encoding="utf-8"
    )
    return second


def test_version_path_inside_the_version_locations(project: Path) -> None:
    second = add_second_location(project)
    ok("revision", "-m", "first", "--rev-id", "a1")
    ok("revision", "-m", "second", "--rev-id", "b2", "--version-path", str(second))
    assert (second / "b2_second.py").is_file()
    assert ok("heads").output == "b2 (head)\n"


def test_version_path_outside_the_version_locations(project: Path) -> None:
    ok("revision", "-m", "first", "--rev-id", "a1")
    (project / "elsewhere").mkdir()
    result = failed("revision", "-m", "lost", "--rev-id", "b2", "--version-path", "elsewhere")
    assert "elsewhere" in result.stderr
    assert list((project / "elsewhere").iterdir()) == []


def test_new_revision_goes_beside_its_parent(project: Path) -> None:
    second = add_second_location(project)
    (second / "x1_other.py").write_text(
        "revision = 'x1'\ndown_revision = None\nbranch_labels = ('two',)\n"
    )
    ok("revision", "-m", "on two", "--head", "two@head", "--rev-id", "x2")
    assert (second / "x2_on_two.py").is_file()


def test_init_with_a_config_elsewhere(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (workdir / "conf").mkdir()
    ok("-c", "conf/custom.ini", "init", "migrations")
    ini = workdir / "conf" / "custom.ini"
    assert ini.is_file() and (workdir / "migrations" / "env.py").is_file()
    other = workdir / "other"
    other.mkdir()
    monkeypatch.chdir(other)
    assert ok("-c", str(ini), "heads").output == ""
