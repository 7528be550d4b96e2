"""The process-wide switch (``STILL_AS_ALEMBIC=1``): every interpreter of the installation, child
processes included, gets still behind the ``alembic`` names from start-up, through the
``still_as_alembic.pth`` file still installs into site-packages.

Every test runs fresh interpreters (the switch acts at start-up), with the variable set or unset
explicitly.  The installs are checked for real: this environment's (``pip install -e .``, as
scripts/check.sh makes it) and, in the slow tests, a regular wheel and an editable install built
from a copy of the source tree into new virtual environments.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import textwrap
import timeit
from pathlib import Path

import pytest

from still.alembic_switch import VARIABLE, is_on
from tests.conftest import Project
from tests.databases import required

REPO = Path(__file__).parent.parent
PTH = "still_as_alembic.pth"

required("alembic.command")


def environment(switch: str | None, **extra: str) -> dict[str, str]:
    """This process's environment with the switch set to ``switch`` (None: unset), without
    PYTHONPATH (the interpreters under test find still where it is installed)."""
    drop = (VARIABLE, "SQLALCHEMY_URL", "PYTHONPATH")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    if switch is not None:
        env[VARIABLE] = switch
    env.update(extra)
    return env


def python(
    code: str,
    switch: str | None,
    cwd: Path,
    executable: str = sys.executable,
    **extra: str,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        env=environment(switch, **extra),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def last_json(completed: subprocess.CompletedProcess[str]) -> object:
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


WHAT_ALEMBIC_IS = """
import json, sys
watched = ("still", "alembic", "sqlalchemy", "typing")
at_start = sorted(m for m in sys.modules if m.split(".")[0] in watched)
import alembic
print(json.dumps({"at_start": at_start, "alembic": alembic.__name__, "file": alembic.__file__}))
"""


# -- the variable ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1", "true", "yes", "on", "TRUE", " 1 "])
def test_values_that_turn_it_on(value: str) -> None:
    assert is_on({VARIABLE: value})


@pytest.mark.parametrize("value", [None, "", "0", "false", "no", "off", "OFF"])
def test_values_that_leave_it_off(value: str | None) -> None:
    assert not is_on({} if value is None else {VARIABLE: value})


# -- the installed file ---------------------------------------------------------------------------


def installed_pth() -> Path:
    """still_as_alembic.pth of this environment's still, from the distribution's RECORD."""
    distribution = importlib.metadata.distribution("still")
    recorded = [f for f in distribution.files or [] if str(f) == PTH]
    assert recorded, f"{PTH} is not in still's RECORD: {distribution.files}"
    path = Path(str(distribution.locate_file(recorded[0])))
    assert path.is_file(), path
    return path


def test_this_environments_install_put_the_pth_file_in_site_packages() -> None:
    path = installed_pth()
    import site

    site_dirs = {Path(p).resolve() for p in site.getsitepackages()}
    assert path.parent.resolve() in site_dirs, (path, site_dirs)
    # site executes a .pth line only when it starts with "import"
    (line,) = path.read_text().splitlines()
    assert line.startswith("import ")


def test_switched_off_the_pth_line_costs_a_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    line = installed_pth().read_text()
    monkeypatch.delenv(VARIABLE, raising=False)
    before = set(sys.modules)
    seconds = min(timeit.repeat(lambda: exec(line, {}), number=2000, repeat=5)) / 2000
    assert set(sys.modules) == before
    # site compiles and runs the line: some 50 µs here (mostly compiling it), where Python's
    # own start-up takes some 15 ms
    assert seconds < 500e-6, f"{seconds * 1e6:.1f} µs per interpreter start-up"


# -- off ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "0", "off"])
def test_off_alembic_is_alembic(tmp_path: Path, value: str | None) -> None:
    result = last_json(python(WHAT_ALEMBIC_IS, value, tmp_path))
    assert isinstance(result, dict)
    assert result["alembic"] == "alembic"
    assert "site-packages" in result["file"]
    if value in (None, ""):
        assert result["at_start"] == [], "switched off, nothing may be imported at start-up"


# -- on -------------------------------------------------------------------------------------------


def test_on_start_up_imports_only_the_switch(tmp_path: Path) -> None:
    result = last_json(python(WHAT_ALEMBIC_IS, "1", tmp_path))
    assert isinstance(result, dict)
    assert result["at_start"] == ["still", "still.alembic_switch"]
    assert result["alembic"] == "still.alembic_names"


def test_on_every_alembic_name_is_stills(tmp_path: Path) -> None:
    code = """
    import importlib, importlib.util, json
    import alembic.config, alembic.command, alembic.op, alembic.context
    from alembic.config import Config
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError
    import still.config, still.errors
    names = ["alembic", "alembic.config", "alembic.command", "alembic.operations",
             "alembic.runtime.migration", "alembic.script", "alembic.autogenerate", "alembic.ddl",
             "alembic.util", "alembic.ddl.base"]
    import alembic.ddl.base
    try:
        import alembic.testing  # Alembic's own test harness: not part of what still stands in for
    except ImportError as exc:
        unsupported = type(exc).__name__
    print(json.dumps({
        "modules": {n: importlib.import_module(n).__name__ for n in names},
        "config": Config is still.config.Config,
        "command": command.upgrade.__module__,
        "error": CommandError is still.errors.CommandError,
        "spec": importlib.util.find_spec("alembic") is not None,
        "unsupported": unsupported,
    }))
    """
    result = last_json(python(code, "1", tmp_path))
    assert isinstance(result, dict)
    assert all(name.startswith("still.") for name in result["modules"].values()), result
    assert result["config"] and result["error"] and result["spec"]
    assert result["command"].startswith("still.command")
    assert result["unsupported"] == "ModuleNotSupportedYet"


def test_child_processes_inherit_it_and_unsetting_turns_it_off(tmp_path: Path) -> None:
    code = f"""
    import json, os, subprocess, sys
    ask = [sys.executable, "-c", "import alembic; print(alembic.__name__)"]
    child = subprocess.run(ask, capture_output=True, text=True, check=True).stdout.strip()
    env = dict(os.environ)
    del env[{VARIABLE!r}]
    off = subprocess.run(ask, capture_output=True, text=True, check=True, env=env).stdout.strip()
    print(json.dumps([child, off]))
    """
    assert last_json(python(code, "1", tmp_path)) == ["still.alembic_names", "alembic"]


def test_still_imported_first_then_the_switch_takes_the_names(tmp_path: Path) -> None:
    """still's own commands put the names in place and back around env.py; with the switch on,
    an import of alembic after them still gets still."""
    code = """
    import json
    from still import compat
    with compat.alembic_names():
        import alembic
        inside = alembic.__name__
    import alembic
    after = alembic.__name__
    import still.alembic_shim
    still.alembic_shim.uninstall()   # never installed: nothing to undo
    import alembic
    print(json.dumps([inside, after, alembic.__name__, compat.held_for_process()]))
    """
    assert last_json(python(code, "1", tmp_path)) == [
        "still.alembic_names",
        "still.alembic_names",
        "still.alembic_names",
        True,
    ]


def test_names_taken_out_of_sys_modules_come_back(tmp_path: Path) -> None:
    """Test tools that isolate imports (pytester) remove modules a run imported."""
    code = """
    import json, sys
    import alembic.config
    for name in [n for n in sys.modules if n == "alembic" or n.startswith("alembic.")]:
        del sys.modules[name]
    import alembic.command
    from alembic.config import Config
    print(json.dumps([alembic.command.__name__, Config.__module__]))
    """
    assert last_json(python(code, "1", tmp_path)) == ["still.alembic_names.command", "still.config"]


@pytest.fixture
def revisions(project: Project) -> Project:
    project.write_revision(
        "a1",
        None,
        "op.create_table('owners', sa.Column('id', sa.Integer, primary_key=True))",
        "op.drop_table('owners')",
    )
    project.write_revision(
        "b2",
        "a1",
        "op.add_column('owners', sa.Column('name', sa.String(50)))",
        "op.drop_column('owners', 'name')",
    )
    return project


def test_an_application_migrates_at_start_up_through_alembic_command(revisions: Project) -> None:
    code = """
    from alembic.config import Config
    from alembic import command
    import still.config
    assert type(Config("alembic.ini")) is still.config.Config
    command.upgrade(Config("alembic.ini"), "head")
    command.downgrade(Config("alembic.ini"), "-1")
    """
    completed = python(code, "1", revisions.root)
    assert completed.returncode == 0, completed.stderr
    assert revisions.versions() == {"a1"}
    assert revisions.tables() == {"owners"}


@pytest.mark.parametrize("form", ["console-script", "python-m"])
def test_the_alembic_command_line_runs_still(revisions: Project, form: str) -> None:
    """The real Alembic's console script imports alembic.config, ``python -m alembic`` runs
    alembic.__main__: with the switch on, both are still's command line."""
    if form == "console-script":
        command = [str(Path(sys.executable).parent / "alembic")]
    else:
        command = [sys.executable, "-W", "error", "-m", "alembic"]

    def alembic(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, *args],
            cwd=revisions.root,
            env=environment("1"),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    done = alembic("upgrade", "head")
    assert done.returncode == 0, done.stderr
    assert "b2" in done.stderr  # still's progress line names the revision it ran
    assert revisions.versions() == {"b2"}
    done = alembic("current")
    assert done.stdout.strip() == "b2 (head)", done
    assert "still: database schema migrations" in alembic("--help").stdout


def test_still_commands_run_with_the_switch_on(revisions: Project) -> None:
    done = revisions.run_subprocess("upgrade", "head", env={VARIABLE: "1"})
    assert done.exit_code == 0, done
    assert revisions.versions() == {"b2"}
    done = revisions.run_subprocess("downgrade", "base", env={VARIABLE: "1"})
    assert done.exit_code == 0, done
    assert revisions.tables() == set()


# -- pytest ---------------------------------------------------------------------------------------

# A pytest plugin that imports Alembic when pytest loads it (as pytest-alembic does).
EARLY_PLUGIN = """
import alembic.config

IMPORTED_AT_LOAD = alembic.config.__name__
"""

SUITE = """
import alembic
import early_plugin


def test_alembic_is_still_for_plugins_and_tests():
    assert early_plugin.IMPORTED_AT_LOAD == "still.alembic_names.config"
    assert alembic.__name__ == "still.alembic_names"


def test_asserts_are_still_rewritten():
    value = 41
    assert value + 1 == 42
"""


# pytest-alembic, installed for tests/test_pytest_alembic.py, is tested there
PYTEST_OPTIONS = ("-p", "no:cacheprovider", "-p", "no:pytest_alembic")


# What a suite did before the switch existed: it keeps working with the switch on.
CONFTEST = """
import still.alembic_shim

still.alembic_shim.install()
"""


def pytest_suite(root: Path, ini: str = "") -> None:
    (root / "early_plugin.py").write_text(EARLY_PLUGIN)
    (root / "conftest.py").write_text(CONFTEST)
    (root / "test_suite.py").write_text(SUITE)
    (root / "pytest.ini").write_text(f"[pytest]\n{ini}")


def run_pytest(
    root: Path, *args: str, switch: str | None = "1", executable: str = sys.executable
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [executable, "-m", "pytest", *PYTEST_OPTIONS, "-p", "early_plugin", *args],
        cwd=root,
        env=environment(switch, PYTHONPATH=str(root)),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize(
    ("ini", "args"),
    [
        ("filterwarnings =\n    error\n", ()),
        ("", ("-W", "error")),
        ("", ("-W", "error", "-p", "still.pytest_plugin")),
    ],
    ids=["filterwarnings-error", "W-error", "W-error-explicit-plugin"],
)
def test_a_suite_whose_plugins_import_alembic_runs_under_still_with_warnings_as_errors(
    tmp_path: Path, ini: str, args: tuple[str, ...]
) -> None:
    pytest_suite(tmp_path, ini)
    done = run_pytest(tmp_path, *args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
    assert "Warning" not in done.stdout + done.stderr


def test_still_imported_before_pytest_starts_under_warnings_as_errors(tmp_path: Path) -> None:
    """An application's own runner imports still (and its plugin) before ``pytest.main()``."""
    (tmp_path / "test_app.py").write_text("def test_app():\n    assert True\n")
    code = """
    import still, still.pytest_plugin, still.command
    import pytest
    raise SystemExit(pytest.main(
        ["-q", "-W", "error", "-p", "still.pytest_plugin", "-p", "no:cacheprovider",
         "-p", "no:pytest_alembic"]
    ))
    """
    done = python(code, None, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
    assert "Warning" not in done.stdout + done.stderr


# -- the installs, built from a copy of the source tree --------------------------------------------


def source_copy(tmp_path: Path) -> Path:
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(
        REPO / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    return source


def new_environment(tmp_path: Path, *pip_args: str) -> Path:
    """A virtual environment with still installed by ``pip install PIP_ARGS`` (no network: the
    build uses this environment's setuptools); this environment's packages (SQLAlchemy,
    pytest, Alembic ...) are importable after its own, without their .pth files."""
    target = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(target)], check=True)
    new_python = target / "bin" / "python"
    site_packages = python(
        "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        None,
        tmp_path,
        str(new_python),
    ).stdout.strip()
    ours = sorted({p for p in sys.path if p.endswith("site-packages")})
    Path(site_packages, "zz_test_dependencies.pth").write_text("\n".join(ours) + "\n")
    pip = [sys.executable, "-m", "pip", "--python", str(new_python), "install", "--quiet"]
    pip += ["--no-deps", "--no-build-isolation", "--no-index", *pip_args]
    done = subprocess.run(pip, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return new_python


def check_installed_switch(new_python: Path, tmp_path: Path) -> None:
    code = """
    import json, pathlib, sys, sysconfig
    import still, alembic
    site = pathlib.Path(sysconfig.get_paths()["purelib"])
    print(json.dumps([alembic.__name__, (site / "still_as_alembic.pth").is_file()]))
    """
    assert last_json(python(code, "1", tmp_path, str(new_python))) == ["still.alembic_names", True]
    assert last_json(python(code, None, tmp_path, str(new_python))) == ["alembic", True]
    project = tmp_path / "suite"
    project.mkdir()
    pytest_suite(project, "filterwarnings =\n    error\n")
    done = run_pytest(project, executable=str(new_python))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


@pytest.mark.slow
def test_a_wheel_install_has_the_switch(tmp_path: Path) -> None:
    source = source_copy(tmp_path)
    wheels = tmp_path / "wheels"
    build = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
    done = subprocess.run(
        [*build, "--no-index", "-w", str(wheels), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (wheel,) = wheels.glob("still-*.whl")
    new_python = new_environment(tmp_path, str(wheel))
    code = "import still; print(still.__file__)"
    assert str(tmp_path / "venv") in python(code, None, tmp_path, str(new_python)).stdout
    check_installed_switch(new_python, tmp_path)


@pytest.mark.slow
def test_an_editable_install_has_the_switch(tmp_path: Path) -> None:
    source = source_copy(tmp_path)
    new_python = new_environment(tmp_path, "-e", str(source))
    code = "import still; print(still.__file__)"
    assert str(source / "src") in python(code, None, tmp_path, str(new_python)).stdout
    check_installed_switch(new_python, tmp_path)
