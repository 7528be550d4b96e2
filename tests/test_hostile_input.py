"""Hostile and broken input, without a database: the ini reader, pyproject.toml, ``-x``, revision
headers, the identifier grammar, and ``still revision`` with any message.

Every input either works or raises a :class:`still.errors.StillError` (which the command line prints
as one paragraph): never another exception, never a traceback, never a half-written file.
Example counts are kept modest; the figures for docs/safety.md are the sum of ``max_examples``.
"""

from __future__ import annotations

import ast
import configparser
import os
import re
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from still.cli.main import cli
from still.config import Config, cmd_options
from still.config.arguments import parse_x_arguments
from still.config.urls import mask_password
from still.errors import ConfigError, RevisionError, StillError
from still.graph import (
    Revision,
    RevisionGraph,
    resolve_downgrade_target,
    resolve_targets,
    resolve_upgrade_target,
)
from still.script import Script
from still.script.headers import UnreadableHeader, read_header
from still.script.writer import literal_safe_message, slugify, write_revision

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TEMPLATE = Path(__file__).resolve().parent.parent / "src/still/templates/generic/script.py.mako"


def cli_run(*args: str, env: dict[str, str] | None = None):
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=True)
    return result


def assert_clean(result) -> None:
    """Exit 0, or a failure's code (docs/commands.md, "Exit codes") with a message; no traceback,
    no unexpected error, no leaked exception."""
    output = result.stdout + result.stderr
    assert result.exit_code in (0, 1, 2, 3, 4, 5, 6, 7), output
    assert "Traceback" not in output, output
    assert "Unexpected error" not in output, output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    if result.exit_code not in (0, 2):
        assert result.stderr.startswith("FAILED: "), output


def assert_message(exc: BaseException, *names: object) -> None:
    """A still error worth reading: one paragraph that names what is at fault (one of
    ``names``: the file, the option, the value) and is not Python's own wording."""
    message = str(exc)
    assert message.strip(), repr(exc)
    assert "Traceback" not in message and "\n\n" not in message.strip(), message
    shown = [str(n) for n in names if n is not None and str(n)]
    assert any(n in message or repr(n) in message for n in shown), (message, shown)


# -- the ini reader -------------------------------------------------------------------------------

INI_LINES = st.sampled_from(
    [
        "[alembic]",
        "[DEFAULT]",
        "[other]",
        "[alembic",
        "script_location = %(here)s/migrations",
        "sqlalchemy.url = postgresql://u:pa%ss@h/db",
        "sqlalchemy.url = sqlite:///%(here)s/x.db",
        "version_locations = a b, c:d",
        "version_path_separator = os",
        "path_separator = ;",
        "path_separator = nonsense",
        "prepend_sys_path = .",
        "key = %(missing)s",
        "loop = %(loop)s",
        "pct = 100%",
        "pct2 = 100%%",
        "  continued value",
        "= no key",
        "novalue",
        "dup = 1",
        "dup = 2",
        "truncate_slug_length = x",
        "; comment",
        "# comment",
        "",
    ]
)


@st.composite
def ini_bytes(draw: st.DrawFn) -> bytes:
    lines = draw(st.lists(st.one_of(INI_LINES, st.text(max_size=20)), max_size=12))
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        data = draw(st.binary(max_size=8)) + data
    return data


OPTIONS_READ = (
    "script_location",
    "sqlalchemy.url",
    "version_locations",
    "prepend_sys_path",
    "path_separator",
    "version_path_separator",
    "recursive_version_locations",
    "file_template",
)


def exercise(config: Config) -> None:
    config.get_main_option("script_location")
    config.get_main_option("sqlalchemy.url")
    config.get_section(config.config_ini_section)
    config.get_section("other", {})
    config.get_version_locations_list()
    config.get_prepend_sys_paths_list()
    config.get_alembic_boolean_option("recursive_version_locations")
    config.get_alembic_option("file_template")
    config.masked_url()
    assert isinstance(config.x_arguments, dict)


@FUZZ
@given(
    ini_bytes(),
    st.sampled_from(["alembic", "other", "DEFAULT", "", "a]b"]),
    st.lists(st.text(max_size=10), max_size=3),
)
def test_any_ini_file_works_or_gives_a_config_error(
    tmp_path_factory: pytest.TempPathFactory, data: bytes, section: str, x: list[str]
) -> None:
    directory = tmp_path_factory.mktemp("ini%d")
    ini = directory / "alembic.ini"
    ini.write_bytes(data)
    config = Config(ini, ini_section=section, cmd_opts=cmd_options(x=x))
    try:
        exercise(config)
    except StillError as exc:
        assert "pa%ss" not in str(exc) and "%ss@h" not in str(exc)
        # the file, the section, the -x value or the option at fault
        assert_message(exc, ini, section or "''", *x, *OPTIONS_READ, "-x")
        return
    # What was read is what the file says (Python's own ini parser as the reference).
    reference = configparser.ConfigParser(
        {"here": ini.parent.absolute().as_posix().replace("%", "%%")},
        interpolation=configparser.BasicInterpolation(),
    )
    reference.read_string(data.decode("utf-8"))
    for option in ("script_location", "file_template"):
        if reference.has_section(section) and reference.has_option(section, option):
            assert config.get_main_option(option) == reference.get(section, option)


def test_here_in_a_directory_with_a_percent_sign(tmp_path: Path) -> None:
    directory = tmp_path / "100% sure"
    directory.mkdir()
    ini = directory / "alembic.ini"
    ini.write_text("[alembic]\nscript_location = %(here)s/migrations\n")
    assert Config(ini).get_main_option("script_location") == f"{directory.as_posix()}/migrations"


def test_a_raw_percent_in_the_url_names_the_option_not_the_password(tmp_path: Path) -> None:
    ini = tmp_path / "alembic.ini"
    ini.write_text("[alembic]\nsqlalchemy.url = postgresql://u:Secret%xy@h/db\n")
    with pytest.raises(ConfigError) as caught:
        Config(ini).get_section("alembic")
    assert "sqlalchemy.url" in str(caught.value) and "%%" in str(caught.value)
    assert "Secret" not in str(caught.value) and "%xy" not in str(caught.value)


@pytest.mark.parametrize("section", ["DEFAULT", ""])
def test_unusable_section_names(tmp_path: Path, section: str) -> None:
    with pytest.raises(ConfigError):
        Config(None, ini_section=section).get_main_option("x")


def test_set_main_option_with_a_raw_percent_is_a_config_error(tmp_path: Path) -> None:
    config = Config(None)
    with pytest.raises(ConfigError) as caught:
        config.set_main_option("sqlalchemy.url", "postgresql://u:Secret%xy@h/db")
    assert "Secret" not in str(caught.value)


TOML_DOCS = st.sampled_from(
    [
        b"tool = 1",
        b"[tool]\nalembic = 'x'",
        b"[tool]\nalembic = []",
        b"[tool.alembic]\nscript_location = '%(here)s/m'",
        b"[tool.alembic]\nscript_location = '%(nope)s'",
        b"[tool.alembic]\nscript_location = '100%'",
        b"[tool.alembic]\nscript_location = '%(here)d'",
        b"[tool.alembic]\nversion_locations = 'abc'",
        b"[tool.alembic]\nversion_locations = 3",
        b"[tool.alembic]\nversion_locations = ['a', 2]",
        b"[tool.alembic]\nversion_locations = ['%(here)s/a']",
        b"[tool.alembic]\nprepend_sys_path = [[1]]",
        b"[tool.alembic]\npath_separator = 3",
        b"[tool.alembic]\nrecursive_version_locations = 'yes'",
        b"[tool.alembic]\nnested = {a = '%(here)s', b = ['%']}",
        b"[tool.alembic",
        b"\xff\xfe",
        b"",
    ]
)


@FUZZ
@given(st.lists(TOML_DOCS, min_size=1, max_size=3).map(b"\n".join) | st.binary(max_size=40))
def test_any_pyproject_works_or_gives_a_config_error(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    toml = tmp_path_factory.mktemp("toml") / "pyproject.toml"
    toml.write_bytes(data)
    config = Config(None, toml_file=toml)
    try:
        exercise(config)
    except StillError as exc:
        assert_message(exc, toml, "tool.alembic", *OPTIONS_READ)
        return
    # What was read is what the file says, %(here)s substituted.
    tool = tomllib.loads(data.decode("utf-8")).get("tool", {})
    table = tool.get("alembic", {}) if isinstance(tool, dict) else {}
    here = toml.parent.absolute().as_posix()
    for key, value in table.items():
        if isinstance(value, str):
            assert config.toml_alembic_config[key] == value % {"here": here}


# -- -x -------------------------------------------------------------------------------------------


@FUZZ
@given(st.lists(st.text(max_size=15), max_size=5))
def test_x_arguments_parse_or_give_a_config_error(values: list[str]) -> None:
    try:
        parsed = parse_x_arguments(values)
    except ConfigError:
        assert any(not v.partition("=")[0].strip() for v in values)
        return
    for value in values:
        key, sep, rest = value.partition("=")
        assert key.strip() in parsed
    # The last value of a key wins, as Alembic's dictionary does.
    if values:
        key, sep, rest = values[-1].partition("=")
        assert parsed[key.strip()] == (rest if sep else "")


@FUZZ
@given(st.text(max_size=30))
def test_x_url_override_keeps_the_value_exactly(value: str) -> None:
    config = Config(None, cmd_opts=cmd_options(x=[f"sqlalchemy.url={value}"]))
    assert config.get_main_option("sqlalchemy.url") == value


# -- revision headers -----------------------------------------------------------------------------

HEADER_PIECES = st.sampled_from(
    [
        '"""doc"""',
        '"""unterminated',
        "'''doc'''",
        '"plain doc"',
        'r"""raw \\d"""',
        '"""\\N{bogus}"""',
        "\ufeff",
        "# comment",
        "revision = 'abc'",
        "revision = 'abc'  # note",
        "revision: str = 'abc'",
        'revision = "a\'; DROP TABLE x; --"',
        "revision = 1",
        "revision = {[1]: 2}",
        "revision = {{}}",
        "revision = (",
        "revision = '('",
        "revision = " + "(" * 300 + "1" + ")" * 300,
        "revision = " + "[" * 5000,
        "down_revision = ('a',\n    'b')",
        "down_revision = ['a', 1]",
        "down_revision = None",
        "branch_labels = ('x',)",
        "branch_labels = 'x'",
        "depends_on = compute()",
        "revision = '\x00'",
        "revision = 'é'",
        "\n" * 40 + " x",
        "    ",
        "",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(HEADER_PIECES, st.text(max_size=20)), max_size=8).map("\n".join))
def test_read_header_returns_a_header_or_unreadable(source: str) -> None:
    try:
        header = read_header(source)
    except UnreadableHeader:
        return
    assert isinstance(header.revision, str) and isinstance(header.docstring, str)
    # Python agrees, where it can read the file: the last top-level `revision = ...`.
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    values = [
        node.value
        for node in tree.body
        if isinstance(node, (ast.Assign, ast.AnnAssign))
        and any(
            isinstance(t, ast.Name) and t.id == "revision"
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
        )
    ]
    if len(values) == 1 and values[0] is not None:
        try:
            assert ast.literal_eval(values[0]) == header.revision
        except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
            pass


def test_header_reader_is_linear_in_blank_lines() -> None:
    # The docstring patterns once took exponential time on blank lines before non-docstring text.
    for source in ("\n" * 3000 + " x", " \n" * 3000 + "x", "#\n" * 3000 + "revision = 'a'"):
        start = time.perf_counter()
        try:
            read_header(source)
        except UnreadableHeader:
            pass
        assert time.perf_counter() - start < 1.0


HEADER_FILES = st.lists(
    st.sampled_from(
        [
            '"""doc\\u00e9 \\\\ done"""',
            "revision = 'abc'",
            "down_revision = ['a', 1]",
            "down_revision = 'zzz'",
            "branch_labels = 3",
            "depends_on = None",
            "revision = 'x'\nrevision = 'y'",
            "def upgrade(:",
            "import no_such_module_still_fuzz",
            "x = 1",
            "",
        ]
    ),
    max_size=5,
).map("\n".join)


@FUZZ
@given(HEADER_FILES, st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]))
def test_script_from_path_reads_or_gives_a_script_error(
    tmp_path_factory: pytest.TempPathFactory, source: str, encoding: str
) -> None:
    path = tmp_path_factory.mktemp("rev") / "abc_x.py"
    path.write_bytes(source.encode(encoding))
    try:
        script = Script.from_path(path)
    except StillError as exc:
        assert_message(exc, path)
        return
    assert isinstance(script.doc, str)
    try:
        header = read_header(path.read_bytes().decode("utf-8-sig"))
    except (UnreadableHeader, UnicodeDecodeError):
        assert script.revision == script.module.revision  # read by importing it
    else:
        assert script.revision == header.revision


def test_a_revision_file_that_raises_on_import_gives_a_script_error(tmp_path: Path) -> None:
    path = tmp_path / "abc_x.py"
    path.write_text("revision = 'abc' if 1 / 0 else 'x'\ndown_revision = None\n")
    with pytest.raises(StillError):
        Script.from_path(path)


# -- identifiers ----------------------------------------------------------------------------------


@st.composite
def labelled_graphs(draw: st.DrawFn) -> RevisionGraph[Revision]:
    size = draw(st.integers(0, 8))
    names = ["r0", "r01", "r1", "abc-1", "abc", "head-1", "x", "release-2"]
    revisions: list[Revision] = []
    labels = iter(["lbl", "release-2", "a.b", "x@y"])
    for i in range(size):
        earlier = [r.revision for r in revisions]
        parents: tuple[str, ...] = ()
        if earlier and draw(st.integers(0, 5)):
            parents = tuple(
                draw(st.lists(st.sampled_from(earlier), min_size=1, max_size=2, unique=True))
            )
        label = frozenset({next(labels, "zzz")}) if draw(st.integers(0, 4)) == 0 else frozenset()
        if label and any(label & r.declared_labels for r in revisions):
            label = frozenset()
        revisions.append(Revision(names[i], parents, branch_labels=tuple(label)))
    return RevisionGraph(revisions)


SPEC_ATOMS = st.sampled_from(
    ["head", "heads", "base", "current", "@", "+", "-", "r0", "r", "abc", "-1", "+1", "+2", "1",
     "9" * 5000, " ", "\n", ":", "%", "'", ";", "lbl", "release", "@head", "@base", "@-1",
     "@+1", "heads-1", "head-1", "x@y", "a.b", "\udcff", "é", "DROP TABLE x; --"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    labelled_graphs(),
    st.one_of(st.text(max_size=12), st.lists(SPEC_ATOMS, max_size=5).map("".join)),
    st.data(),
)
def test_identifiers_resolve_or_give_a_revision_error(
    graph: RevisionGraph[Revision], spec: str, data: st.DataObject
) -> None:
    ids = [r.revision for r in graph]
    current: tuple[str, ...] = ()
    if ids:
        current = tuple(data.draw(st.lists(st.sampled_from(ids), max_size=2, unique=True)))
    for resolve in (resolve_upgrade_target, resolve_downgrade_target):
        try:
            targets = resolve(graph, spec, current)
        except StillError as exc:
            assert_message(exc, *spec_parts(spec))
            continue
        assert all(t in graph for t in targets), (spec, targets)
    try:
        targets = resolve_targets(graph, spec, current)
    except StillError as exc:
        assert_message(exc, *spec_parts(spec))
        return
    assert all(t in graph for t in targets)
    word = spec.strip()
    if word in ids and graph.by_label(word) is None:
        assert targets == (word,)
    elif word == "heads":
        assert targets == tuple(graph.heads)
    elif word == "base":
        assert targets == ()
    elif word == "current":
        assert targets == current


def spec_parts(spec: str) -> list[str]:
    """What a message about ``spec`` may name: the spec, the revision before a relative step,
    the label before '@' and what follows it; "no revisions yet" for an empty project."""
    word = spec.strip()
    base = re.sub(r"[+-]\d+$", "", word)
    label, _, where = word.partition("@")
    return [word, spec, base, base.removesuffix("@"), label, where, "no revisions yet", "heads"]


@pytest.mark.parametrize("spec", ["+" + "9" * 5000, "r0-" + "9" * 5000, "-" + "9" * 40])
def test_huge_relative_steps_give_a_revision_error(spec: str) -> None:
    graph = RevisionGraph([Revision("r0", (), frozenset(), ())])
    with pytest.raises(RevisionError):
        resolve_upgrade_target(graph, spec, ("r0",))


def test_an_exact_id_that_looks_relative_names_itself() -> None:
    graph = RevisionGraph(
        [
            Revision("abc", ()),
            Revision("abc-1", ("abc",)),
            Revision("def", ("abc-1",), branch_labels=("release-2",)),
        ]
    )
    assert resolve_upgrade_target(graph, "abc-1", ()) == ("abc-1",)
    assert resolve_upgrade_target(graph, "release-2", ()) == ("def",)
    with pytest.raises(RevisionError):
        resolve_upgrade_target(graph, "abc-2", ())


# -- messages, slugs and new revision files -------------------------------------------------------

MESSAGES = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            'ends with a quote"',
            "has \"\"\" three quotes '''",
            "C:\\Users\\new\\N{x}",
            "nul \x00 byte",
            "surrogate \udcff",
            "line\nrevision = 'zzz'",
            "crlf\r\nline",
            "\x1b]0;title\x07",
            "\U0001d518" * 300,
            "é" * 1000,
            "revision = 'x'",
            "${not_mako}",
            "<%text>",
            "",
            "   ",
        ]
    ),
)


@FUZZ
@given(MESSAGES, st.integers(1, 400), st.sampled_from(["utf-8", "latin-1", "ascii"]))
def test_any_message_writes_a_complete_file_that_reads_back(
    tmp_path_factory: pytest.TempPathFactory, message: str, truncate: int, encoding: str
) -> None:
    directory = tmp_path_factory.mktemp("versions")
    try:
        path = write_revision(
            template=TEMPLATE,
            directory=directory,
            file_template="%(rev)s_%(slug)s",
            truncate_slug_length=truncate,
            encoding=encoding,
            timezone_name="UTC",
            rev_id="abc123",
            message=message,
            down_revisions=(),
        )
    except StillError as exc:
        assert list(directory.iterdir()) == []
        assert_message(exc, "message", "file name", encoding, "encoding", "nothing was written")
        return
    assert list(directory.iterdir()) == [path]
    assert len(os.fsencode(path.name)) <= 255
    data = path.read_bytes()
    compile(data, str(path), "exec")
    script = Script.from_path(path)
    assert script.revision == "abc123"
    # The docstring reads back as the message (Python's own reading, escapes evaluated).
    assert script.docstring.startswith(message + "\n\nRevision ID: abc123")
    assert script.module.__doc__ == script.docstring


@FUZZ
@given(st.text(max_size=300), st.integers(1, 1000))
def test_slugs_are_word_characters_of_bounded_length(message: str, truncate: int) -> None:
    slug = slugify(message, truncate)
    assert len(slug) <= truncate + 1
    assert "/" not in slug and "\x00" not in slug
    assert literal_safe_message(message, "utf-8").count('"""') == 0


def test_a_file_name_past_255_bytes_is_shortened(tmp_path: Path) -> None:
    path = write_revision(
        template=TEMPLATE,
        directory=tmp_path,
        file_template="%(rev)s_%(slug)s",
        truncate_slug_length=5000,
        encoding="utf-8",
        timezone_name=None,
        rev_id="abc123",
        message="ж " * 2000,
        down_revisions=(),
    )
    assert len(os.fsencode(path.name)) <= 255
    assert path.name.startswith("abc123_ж_ж")


def test_an_unknown_output_encoding_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(StillError):
        write_revision(
            template=TEMPLATE,
            directory=tmp_path,
            file_template="%(rev)s_%(slug)s",
            truncate_slug_length=40,
            encoding="no-such-codec",
            timezone_name=None,
            rev_id="abc123",
            message="m",
            down_revisions=(),
        )
    assert list(tmp_path.iterdir()) == []


def test_a_template_that_renders_broken_python_writes_nothing(tmp_path: Path) -> None:
    template = tmp_path / "script.py.mako"
    template.write_text('"""${message}"""\nrevision = ${repr(up_revision)}\ndef upgrade(:\n')
    versions = tmp_path / "versions"
    with pytest.raises(StillError, match="not valid Python"):
        write_revision(
            template=template,
            directory=versions,
            file_template="%(rev)s_%(slug)s",
            truncate_slug_length=40,
            encoding="utf-8",
            timezone_name=None,
            rev_id="abc123",
            message="m",
            down_revisions=(),
        )
    assert not versions.exists() or list(versions.iterdir()) == []


# -- the command line -----------------------------------------------------------------------------


@pytest.fixture
def cli_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    monkeypatch.delenv("ALEMBIC_CONFIG", raising=False)
    assert cli_run("init", "migrations").exit_code == 0
    ini = root / "alembic.ini"
    ini.write_text(
        ini.read_text().replace(
            "driver://user:pass@localhost/dbname", f"sqlite:///{(root / 'app.db').as_posix()}"
        )
    )
    return root


def version_files(root: Path) -> set[str]:
    return {p.name for p in (root / "migrations" / "versions").iterdir()}


@FUZZ
@given(MESSAGES)
def test_cli_revision_with_any_message(cli_project: Path, message: str) -> None:
    before = version_files(cli_project)
    result = cli_run("revision", "-m", message)
    assert_clean(result)
    after = version_files(cli_project)
    if result.exit_code != 0:
        assert after == before
        return
    assert len(after - before) == 1
    for command in (["heads"], ["history"], ["history", "-v"], ["upgrade", "head", "--sql"]):
        assert_clean(read := cli_run(*command))
        assert read.exit_code == 0, read.stdout + read.stderr
    # The newest revision's message is shown first (escaped where the terminal needs it).
    history = cli_run("history").stdout
    first_line = message.strip().split("\n\n")[0].split("\n")[0]
    if first_line.isprintable() and not any(0xD800 <= ord(c) <= 0xDFFF for c in first_line):
        assert first_line.strip() in history


HOSTILE = [
    "a'; DROP TABLE x; --",
    'a"b',
    "abc\n",
    "a b",
    "a@b",
    "a:b",
    "head",
    "heads",
    "base",
    "a/b",
    "\x00",
    "\udcff",
]


@pytest.mark.parametrize(
    ("option", "name"),
    [("--rev-id", name) for name in [*HOSTILE, ""]]
    + [("--branch-label", name) for name in [*HOSTILE, "release-2", "x+1"]],
)
def test_cli_refuses_hostile_rev_ids_and_labels_and_writes_nothing(
    cli_project: Path, option: str, name: str
) -> None:
    before = version_files(cli_project)
    result = cli_run("revision", "-m", "x", option, name)
    assert_clean(result)
    assert result.exit_code == 1, (option, name, result.stdout)
    assert version_files(cli_project) == before


def test_cli_a_rev_id_with_a_dash_is_refused(cli_project: Path) -> None:
    """``abc-1`` would read as one step below abc (Alembic refuses the '-' as well)."""
    assert cli_run("revision", "-m", "one", "--rev-id", "abc").exit_code == 0
    refused = cli_run("revision", "-m", "two", "--rev-id", "abc-1")
    assert refused.exit_code == 1
    assert "'-' reads as a relative step (-N)" in refused.stderr
    assert cli_run("revision", "-m", "two", "--rev-id", "abc_1").exit_code == 0
    shown = cli_run("show", "abc_1")
    assert shown.exit_code == 0 and "Revision ID: abc_1" in shown.stdout


CLI_ARGS = st.sampled_from(
    ["heads", "history", "show", "branches", "current", "upgrade", "downgrade", "stamp",
     "-r", ":", "head", "base", "+1", "-1", "--sql", "-v", "x@head", "heads-1", "%", "'", ";",
     "-x", "sqlalchemy.url=", "sqlalchemy.url=nope://", "=", "a=b", "-n", "DEFAULT", "alembic",
     "-c", "missing.ini", "\udcff", "é", "9" * 5000]
)  # fmt: skip


@FUZZ
@given(st.lists(st.one_of(CLI_ARGS, st.text(max_size=8)), min_size=1, max_size=6))
def test_cli_with_any_arguments_never_shows_a_traceback(cli_project: Path, args: list[str]) -> None:
    assume(args[0] not in ("init", "edit", "revision", "merge"))
    assume("edit" not in args and "init" not in args and "revision" not in args)
    assert_clean(cli_run(*args))


@FUZZ
@given(ini_bytes())
def test_cli_on_any_ini_file_never_shows_a_traceback(cli_project: Path, data: bytes) -> None:
    ini = cli_project / "broken.ini"
    ini.write_bytes(data)
    for command in (["heads"], ["history"], ["upgrade", "head", "--sql"]):
        result = cli_run("-c", str(ini), *command)
        assert_clean(result)
        assert "pa%ss" not in result.stdout + result.stderr


def test_mask_password_hides_remembered_pieces() -> None:
    from still.config.urls import remember_secret

    remember_secret("postgresql://u:Pw1x@Pw2y:Pw3z@127.0.0.1/db")
    text = mask_password("invalid literal for int() with base 10: 'Pw3z@127.0.0.1'")
    assert "Pw3z" not in text


def test_cli_revision_refuses_a_message_that_is_not_utf8(cli_project: Path) -> None:
    """A Latin-1 terminal sends ``caf\\xe9``; Python keeps the byte as a lone surrogate.  still
    refuses it up front (no file), so no later command can be broken by a file still wrote."""
    result = cli_run("revision", "-m", "caf\udce9")
    assert result.exit_code == 1
    assert "the byte 0xe9 at position 3 is not UTF-8" in result.stderr
    assert version_files(cli_project) == set()
    history = cli_run("history")
    assert history.exit_code == 0, history.stderr
