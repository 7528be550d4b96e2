"""still.script: reading revision headers statically (falling back to an import), writing new
revision files (slugs, file_template, time zones) and finding the script directory."""

from __future__ import annotations

import py_compile
import re
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from still.config import Config
from still.errors import CommandError, ConfigError, RevisionError, ScriptError
from still.script import Script, ScriptDirectory
from still.script.headers import Header, UnreadableHeader, read_header
from still.script.writer import (
    check_revision_id,
    comma,
    creation_time,
    file_name,
    new_revision_id,
    slugify,
    write_revision,
)

TEMPLATES = Path(Config().get_template_directory())


def source(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source(text), encoding="utf-8")
    return path


# -- read_header ----------------------------------------------------------------------------------

PLAIN = '''
"""add age column to pets

Revision ID: abc123
Revises:
Create Date: 2024-05-01 10:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'abc123'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("pets", sa.Column("age", sa.Integer()))
'''

ANNOTATED = '''
"""initial schema"""
from typing import Sequence, Union

revision: str = "abc123"
down_revision: Union[str, Sequence[str], None] = "fff000"
branch_labels: Union[str, Sequence[str], None] = ("pets",)
depends_on: Union[str, Sequence[str], None] = None
'''

MERGE_OVER_LINES = """
'''merge branches'''
revision = "m3rge"
down_revision = (  # the two branches (left and right)
    "abc123",  # left
    # a comment line inside the tuple
    "def456",  # right
)
branch_labels = None
depends_on = [
    "shared",
]
"""


def test_plain_header() -> None:
    header = read_header(source(PLAIN))
    assert header.revision == "abc123"
    assert header.down_revision is None
    assert header.branch_labels is None and header.depends_on is None
    assert header.docstring.startswith("add age column to pets\n\nRevision ID: abc123")


def test_type_annotated_header() -> None:
    header = read_header(source(ANNOTATED))
    assert header == Header("abc123", "fff000", ("pets",), None, "initial schema")


def test_tuples_over_several_lines_with_comments() -> None:
    header = read_header(source(MERGE_OVER_LINES))
    assert header.revision == "m3rge"
    assert header.down_revision == ("abc123", "def456")
    assert header.depends_on == ["shared"]
    assert header.docstring == "merge branches"


@pytest.mark.parametrize(
    ("text", "revision", "down"),
    [
        ('revision = "abc"\ndown_revision = "def"\n', "abc", "def"),
        ("revision='abc'\ndown_revision='def'\n", "abc", "def"),
        ("revision   =   'abc'   # the id\ndown_revision = None  # base\n", "abc", None),
        (
            "revision = 'abc'\r\ndown_revision = (\r\n    'b',\r\n    'c',\r\n)\r\n",
            "abc",
            ("b", "c"),
        ),
        ("revision = 'abc'\ndown_revision = ('b',\n                 'c')", "abc", ("b", "c")),
        ("revision = 'abc'\ndown_revision = ['b', 'c']\n", "abc", ["b", "c"]),
        ("revision = 'abc'\n", "abc", None),
        ("revision = 'abc'\ndef upgrade():\n    revision = 'other'\n", "abc", None),
    ],
)
def test_header_styles(text: str, revision: str, down: object) -> None:
    header = read_header(text)
    assert header.revision == revision
    assert header.down_revision == down


@pytest.mark.parametrize(
    ("text", "doc"),
    [
        ('"""One line."""\nrevision = "a"\n', "One line."),
        ("'''Single quotes.'''\nrevision = 'a'\n", "Single quotes."),
        ('# -*- coding: utf-8 -*-\n# more\n\nr"""Raw doc"""\nrevision = "a"\n', "Raw doc"),
        ('"""Two\n\nparagraphs\n"""\nrevision = "a"\n', "Two\n\nparagraphs\n"),
        ('revision = "a"\n"""not a docstring"""\n', ""),
        ('revision = "a"\n', ""),
    ],
)
def test_docstring_extraction(text: str, doc: str) -> None:
    assert read_header(text).docstring == doc


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("revision = make_id()\n", "revision"),
        ("revision = 'a'\ndown_revision = '%s' % 'b'\n", "down_revision"),
        ("revision = 'a'\ndown_revision = OTHER\n", "down_revision"),
        ("revision = 'a'\nbranch_labels = tuple(['x'])\n", "branch_labels"),
        ("revision = 'a'\ndepends_on = f'{x}'\n", "depends_on"),
        ("revision = 'a'\nrevision = 'b'\n", "revision"),
        ("down_revision = None\n", "revision"),
        ("revision = 1\n", "revision"),
        ("revision = b'a'\n", "revision"),
        ("", "revision"),
    ],
)
def test_unreadable_headers(text: str, field: str) -> None:
    with pytest.raises(UnreadableHeader) as caught:
        read_header(text)
    assert caught.value.args == (field,)


def test_an_assignment_in_the_docstring_forces_an_import() -> None:
    # Only running the module can tell which of the two assignments is real.
    text = '"""Fix\nrevision = \'fake\'\n"""\nrevision = "real"\n'
    with pytest.raises(UnreadableHeader):
        read_header(text)


# -- Script ---------------------------------------------------------------------------------------


def test_script_from_path_reads_statically(tmp_path: Path) -> None:
    path = write(
        tmp_path / "abc123_add_age.py",
        PLAIN + '\nraise RuntimeError("imported!")\n',
    )
    script = Script.from_path(path)
    assert script.revision == "abc123"
    assert script.down_revisions == ()
    assert script.doc == "add age column to pets"
    assert script.longdoc.startswith("add age column to pets\n\nRevision ID: abc123")
    assert script.path == str(path)
    assert str(script) == "<base> -> abc123 (head), add age column to pets"
    # The module runs only when asked for (and its error names the file).
    with pytest.raises(ScriptError, match=r"abc123_add_age\.py raised RuntimeError.*imported!"):
        script.module  # noqa: B018


def test_script_labels_and_dependencies(tmp_path: Path) -> None:
    path = write(tmp_path / "m.py", MERGE_OVER_LINES)
    script = Script.from_path(path)
    assert script.down_revisions == ("abc123", "def456")
    assert script.is_merge_point
    assert script.dependencies == ("shared",)
    assert script.branch_labels == frozenset()
    annotated = Script.from_path(write(tmp_path / "a.py", ANNOTATED))
    assert annotated.branch_labels == {"pets"}
    assert annotated.down_revision == "fff000"


def test_non_literal_header_falls_back_to_importing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(
        tmp_path / "computed.py",
        '''
        """computed ids"""
        PARENT = "abc" + "123"
        revision = "def" + "456"
        down_revision = PARENT
        branch_labels = tuple(["x"])
        depends_on = None

        def upgrade():
            return "upgraded"

        def downgrade():
            return "downgraded"
        ''',
    )
    script = Script.from_path(path)
    assert script.revision == "def456"
    assert script.down_revisions == ("abc123",)
    assert script.branch_labels == {"x"}
    assert script.doc == "computed ids"
    # The import already happened (to read the header): that module is reused, never imported
    # a second time.
    import still.script.script as script_module

    def imported_again(path: Path) -> None:
        raise AssertionError(f"{path} imported a second time")

    monkeypatch.setattr(script_module, "load_python_file", imported_again)
    assert script.module.revision == "def456"
    assert script.upgrade_function()() == "upgraded"
    assert script.downgrade_function()() == "downgraded"


def test_imported_file_without_revision(tmp_path: Path) -> None:
    path = write(tmp_path / "helpers.py", "def helper():\n    return 1\n")
    with pytest.raises(ScriptError) as caught:
        Script.from_path(path)
    assert str(path) in str(caught.value)
    assert "declares no `revision`" in str(caught.value)


def test_imported_revision_that_is_not_a_string(tmp_path: Path) -> None:
    path = write(tmp_path / "num.py", "revision = 40 + 2\n")
    with pytest.raises(ScriptError, match=r"revision = 42 must be a string"):
        Script.from_path(path)


def test_down_revision_of_the_wrong_type(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.py", "revision = 'a'\ndown_revision = 5\n")
    with pytest.raises(ScriptError) as caught:
        Script.from_path(path)
    assert str(path) in str(caught.value)
    assert "down_revision = 5 must be a revision id" in str(caught.value)


def test_missing_upgrade_function(tmp_path: Path) -> None:
    script = Script.from_path(write(tmp_path / "a.py", "revision = 'a'\ndown_revision = None\n"))
    with pytest.raises(ScriptError, match=r"has no upgrade\(\) function"):
        script.upgrade_function()


def test_syntax_error_on_import_names_file_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "broken.py",
        """
        revision = 'a'
        down_revision = None


        def upgrade(:
            pass
        """,
    )
    script = Script.from_path(path)  # the header is fine
    with pytest.raises(ScriptError) as caught:
        script.module  # noqa: B018
    message = str(caught.value)
    assert str(path) in message
    assert "line 5" in message
    assert "syntax error" in message


def test_syntax_error_when_the_header_needs_an_import(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.py", "revision = compute(\ndown_revision = None\n")
    with pytest.raises(ScriptError) as caught:
        Script.from_path(path)
    assert str(path) in str(caught.value)
    assert re.search(r"line \d+: syntax error", str(caught.value))


def test_import_error_suggests_prepend_sys_path(tmp_path: Path) -> None:
    path = write(tmp_path / "models_needed.py", "import no_such_models_pkg\nrevision = 'a'\n")
    script = Script.from_path(path)
    with pytest.raises(ScriptError) as caught:
        script.module  # noqa: B018
    assert "no_such_models_pkg" in str(caught.value)
    assert "prepend_sys_path" in str(caught.value)


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.py"
    path.write_bytes(b"revision = '\xe9'\n")
    with pytest.raises(ScriptError, match="Cannot read revision file"):
        Script.from_path(path)


# -- the writer -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "length", "slug"),
    [
        ("Add age to pets!", 40, "add_age_to_pets"),
        ("add age column to pets", 40, "add_age_column_to_pets"),
        ("add age column to pets", 22, "add_age_column_to_pets"),
        ("add age column to pets", 21, "add_age_column_to_"),
        ("add age column to pets", 10, "add_age_"),
        ("add age column to pets", 7, "add_"),
        ("abcdefghijklmnop", 5, "abcde_"),
        ("  spaces -- and   punctuation?! ", 40, "spaces_and_punctuation"),
        ("Héllo Wörld", 40, "héllo_wörld"),
        ("", 40, ""),
        (None, 40, ""),
    ],
)
def test_slugify(message: str | None, length: int, slug: str) -> None:
    assert slugify(message, length) == slug


def test_slug_never_longer_than_asked_plus_the_underscore() -> None:
    message = "one two three four five six seven eight nine ten eleven"
    for length in range(3, 60):
        slug = slugify(message, length)
        assert len(slug) <= length + 1
        assert message.replace(" ", "_").startswith(slug.rstrip("_"))


CREATED = datetime(2024, 3, 5, 7, 8, 9, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("template", "name"),
    [
        ("%(rev)s_%(slug)s", "abc123_add_age.py"),
        ("%(rev)s", "abc123.py"),
        ("%(epoch)s_%(rev)s", "1709622489_abc123.py"),
        (
            "%(year)d_%(month).2d_%(day).2d_%(hour).2d%(minute).2d-%(rev)s_%(slug)s",
            "2024_03_05_0708-abc123_add_age.py",
        ),
        ("%(year)d%(month)02d%(day)02d%(hour)02d%(minute)02d%(second)02d", "20240305070809.py"),
        ("%(second)s-%(minute)s-%(hour)s-%(day)s-%(month)s", "9-8-7-5-3.py"),
        ("sub/%(rev)s", "sub/abc123.py"),
    ],
)
def test_file_name_tokens(template: str, name: str) -> None:
    assert file_name(template, "abc123", "add_age", CREATED) == name


@pytest.mark.parametrize("template", ["%(nope)s", "%(rev)s_%", "%(rev)d"])
def test_file_template_errors(template: str) -> None:
    with pytest.raises(ConfigError) as caught:
        file_name(template, "abc123", "slug", CREATED)
    assert repr(template) in str(caught.value)
    assert "(rev)s" in str(caught.value)


def test_epoch_of_a_zoned_time() -> None:
    berlin = CREATED.astimezone(timezone(timedelta(hours=1)))
    assert file_name("%(epoch)s", "r", "s", berlin) == "1709622489.py"
    assert file_name("%(hour)s", "r", "s", berlin) == "8.py"


def test_creation_time_zones() -> None:
    for name in ("UTC", "utc"):
        created = creation_time(name)
        assert created.utcoffset() == timedelta(0)
    assert creation_time(None).tzinfo is None
    assert creation_time("").tzinfo is None
    tokyo = creation_time("Asia/Tokyo")
    assert tokyo.utcoffset() == timedelta(hours=9)
    assert abs(tokyo - datetime.now(timezone.utc)) < timedelta(minutes=1)


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "../../etc/passwd", "not a zone"])
def test_unknown_time_zone(name: str) -> None:
    with pytest.raises(ConfigError) as caught:
        creation_time(name)
    assert repr(name) in str(caught.value)
    assert "UTC" in str(caught.value)


def test_revision_ids() -> None:
    ids = {new_revision_id() for _ in range(50)}
    assert len(ids) == 50
    assert all(re.fullmatch(r"[0-9a-f]{12}", rid) for rid in ids)
    check_revision_id("abc_123_x")
    for bad in ("a b", "a/b", "", "a.b"):
        with pytest.raises(CommandError, match="not a usable revision id"):
            check_revision_id(bad)
    with pytest.raises(CommandError, match="'-' reads as a relative step"):
        check_revision_id("abc_123-x")


def test_comma_filter() -> None:
    assert comma(None) == ""
    assert comma("a") == "a"
    assert comma(("a", "b")) == "a, b"


def test_write_revision_with_the_generic_template(tmp_path: Path) -> None:
    path = write_revision(
        template=TEMPLATES / "generic" / "script.py.mako",
        directory=tmp_path / "versions",
        file_template="%(rev)s_%(slug)s",
        truncate_slug_length=40,
        encoding="utf-8",
        timezone_name="UTC",
        rev_id="m3rge",
        message="merge branches",
        down_revisions=("abc123", "def456"),
        branch_labels=("main",),
        depends_on=("x1",),
    )
    assert path == tmp_path / "versions" / "m3rge_merge_branches.py"
    text = path.read_text(encoding="utf-8")
    assert "Revises: abc123, def456" in text
    assert re.search(r"Create Date: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+\+00:00", text)
    header = read_header(text)
    assert header.revision == "m3rge"
    assert header.down_revision == ("abc123", "def456")
    assert header.branch_labels == ("main",)
    assert header.depends_on == "x1"
    compile(text, str(path), "exec")
    with pytest.raises(ScriptError, match="already exists"):
        write_revision(
            template=TEMPLATES / "generic" / "script.py.mako",
            directory=tmp_path / "versions",
            file_template="%(rev)s_%(slug)s",
            truncate_slug_length=40,
            encoding="utf-8",
            timezone_name=None,
            rev_id="m3rge",
            message="merge branches",
            down_revisions=(),
        )


def test_write_revision_without_message_and_template(tmp_path: Path) -> None:
    path = write_revision(
        template=TEMPLATES / "generic" / "script.py.mako",
        directory=tmp_path,
        file_template="%(rev)s_%(slug)s",
        truncate_slug_length=40,
        encoding="utf-8",
        timezone_name=None,
        rev_id="abc",
        message=None,
        down_revisions=(),
    )
    assert path.name == "abc_.py"
    assert read_header(path.read_text()).docstring.startswith("empty message")
    with pytest.raises(ScriptError, match="is missing"):
        write_revision(
            template=tmp_path / "nothing.mako",
            directory=tmp_path,
            file_template="%(rev)s",
            truncate_slug_length=40,
            encoding="utf-8",
            timezone_name=None,
            rev_id="def",
            message=None,
            down_revisions=(),
        )


def test_broken_template_names_the_problem(tmp_path: Path) -> None:
    template = tmp_path / "script.py.mako"
    template.write_text("revision = ${up_revision}\n${undefined_name.attr}\n")
    with pytest.raises(ScriptError) as caught:
        write_revision(
            template=template,
            directory=tmp_path / "v",
            file_template="%(rev)s",
            truncate_slug_length=40,
            encoding="utf-8",
            timezone_name=None,
            rev_id="abc",
            message=None,
            down_revisions=(),
        )
    assert str(template) in str(caught.value)
    assert "undefined" in str(caught.value).lower()


# -- ScriptDirectory ------------------------------------------------------------------------------


def revision_file(path: Path, rev: str, down: str | tuple[str, ...] | None = None) -> Path:
    return write(path, f'"""{rev} message"""\nrevision = {rev!r}\ndown_revision = {down!r}\n')


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """project/alembic.ini with script_location = migrations, and two revisions."""
    root = tmp_path / "project"
    (root / "migrations" / "versions").mkdir(parents=True)
    (root / "migrations" / "script.py.mako").write_text("")
    write(root / "alembic.ini", "[alembic]\nscript_location = migrations\n")
    revision_file(root / "migrations" / "versions" / "a1_first.py", "a1")
    revision_file(root / "migrations" / "versions" / "b2_second.py", "b2", "a1")
    return root


def test_script_location_is_relative_to_the_ini(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    script = ScriptDirectory.from_config(Config(project / "alembic.ini"))
    assert script.dir.resolve() == (project / "migrations").resolve()
    assert script.get_heads() == ["b2"]
    assert script.get_bases() == ["a1"]
    assert [s.revision for s in script.walk_revisions()] == ["b2", "a1"]
    assert script.get_revision("b").revision == "b2"
    assert script.env_py_location == script.dir / "env.py"
    assert script.template_path == script.dir / "script.py.mako"


def test_absolute_script_location(project: Path, tmp_path: Path) -> None:
    write(tmp_path / "other.ini", f"[alembic]\nscript_location = {project / 'migrations'}\n")
    script = ScriptDirectory.from_config(Config(tmp_path / "other.ini"))
    assert script.get_heads() == ["b2"]


def test_script_location_in_a_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "pkg_with_migrations_xyz"
    revision_file(package / "migrations" / "versions" / "a.py", "a1")
    (package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    write(
        tmp_path / "alembic.ini",
        "[alembic]\nscript_location = pkg_with_migrations_xyz:migrations\n",
    )
    script = ScriptDirectory.from_config(Config(tmp_path / "alembic.ini"))
    assert script.dir == package / "migrations"
    assert script.get_heads() == ["a1"]
    write(tmp_path / "bad.ini", "[alembic]\nscript_location = no_such_pkg_qq:migrations\n")
    with pytest.raises(ScriptError, match="no_such_pkg_qq"):
        ScriptDirectory.from_config(Config(tmp_path / "bad.ini"))


def test_missing_script_directory(tmp_path: Path) -> None:
    write(tmp_path / "alembic.ini", "[alembic]\nscript_location = nowhere\n")
    with pytest.raises(ScriptError) as caught:
        ScriptDirectory.from_config(Config(tmp_path / "alembic.ini"))
    message = str(caught.value)
    assert "nowhere" in message and "is not a directory" in message
    assert "still init" in message


def test_no_script_location(tmp_path: Path) -> None:
    write(tmp_path / "alembic.ini", "[alembic]\nsqlalchemy.url = sqlite://\n")
    with pytest.raises(ScriptError) as caught:
        ScriptDirectory.from_config(Config(tmp_path / "alembic.ini"))
    assert "No script_location in the [alembic] section" in str(caught.value)
    assert "alembic.ini" in str(caught.value)


def test_options_reach_the_script_directory(project: Path) -> None:
    write(
        project / "alembic.ini",
        """
        [alembic]
        script_location = migrations
        file_template = %%(rev)s
        truncate_slug_length = 12
        timezone = UTC
        output_encoding = latin-1
        """,
    )
    script = ScriptDirectory.from_config(Config(project / "alembic.ini"))
    assert script.file_template == "%(rev)s"
    assert script.truncate_slug_length == 12
    assert script.timezone == "UTC"
    assert script.output_encoding == "latin-1"
    assert not script.sourceless and not script.recursive_version_locations


def test_several_version_locations(project: Path) -> None:
    revision_file(project / "more" / "c3_third.py", "c3", "b2")
    revision_file(project / "other" / "x1_other_base.py", "x1")
    write(
        project / "alembic.ini",
        """
        [alembic]
        script_location = migrations
        path_separator = space
        version_locations = %(here)s/migrations/versions %(here)s/more %(here)s/other
        """,
    )
    script = ScriptDirectory.from_config(Config(project / "alembic.ini"))
    assert len(script.version_locations) == 3
    assert script.versions == f"{project.as_posix()}/migrations/versions"
    assert sorted(script.get_heads()) == ["c3", "x1"]
    assert sorted(script.get_bases()) == ["a1", "x1"]


def test_missing_version_location(project: Path) -> None:
    """A version location that does not exist holds no revisions, as in Alembic (see
    tests/test_alembic_layout.py)."""
    write(
        project / "alembic.ini",
        "[alembic]\nscript_location = migrations\nversion_locations = %(here)s/gone\n",
    )
    assert ScriptDirectory.from_config(Config(project / "alembic.ini")).get_heads() == []


def test_non_revision_files_are_skipped(project: Path) -> None:
    versions = project / "migrations" / "versions"
    (versions / "__init__.py").write_text("raise RuntimeError('init imported')\n")
    (versions / ".hidden.py").write_text("raise RuntimeError('hidden imported')\n")
    (versions / "notes.txt").write_text("revision = 'nope'\n")
    (versions / "stale.pyc").write_bytes(b"not really bytecode")
    sub = versions / "sub"
    revision_file(sub / "c3_nested.py", "c3", "b2")
    script = ScriptDirectory.from_config(Config(project / "alembic.ini"))
    assert script.get_heads() == ["b2"]  # sub/ is not searched without recursion


def test_recursive_version_locations(project: Path) -> None:
    revision_file(project / "migrations" / "versions" / "2024" / "c3_nested.py", "c3", "b2")
    revision_file(project / "migrations" / "versions" / "2024" / "q1" / "d4_deeper.py", "d4", "c3")
    pycache = project / "migrations" / "versions" / "2024" / "__pycache__"
    revision_file(pycache / "zz_cached.py", "zz", "d4")
    write(
        project / "alembic.ini",
        "[alembic]\nscript_location = migrations\nrecursive_version_locations = true\n",
    )
    script = ScriptDirectory.from_config(Config(project / "alembic.ini"))
    assert script.recursive_version_locations
    assert script.get_heads() == ["d4"]
    assert len(script.graph) == 4


def test_duplicate_revision_across_files_names_both(project: Path) -> None:
    revision_file(project / "migrations" / "versions" / "copy_of_b2.py", "b2", "a1")
    with pytest.raises(RevisionError) as caught:
        ScriptDirectory.from_config(Config(project / "alembic.ini")).graph  # noqa: B018
    assert "b2_second.py" in str(caught.value) and "copy_of_b2.py" in str(caught.value)


def test_every_broken_file_is_reported(project: Path) -> None:
    versions = project / "migrations" / "versions"
    write(versions / "c3.py", "revision = compute(\n")
    write(versions / "d4.py", "x = 1\n")
    with pytest.raises(ScriptError) as caught:
        ScriptDirectory.from_config(Config(project / "alembic.ini")).graph  # noqa: B018
    assert "c3.py" in str(caught.value) and "d4.py" in str(caught.value)


def compile_to_sourceless(py: Path) -> Path:
    pyc = py.with_suffix(".pyc")
    py_compile.compile(str(py), cfile=str(pyc), doraise=True)
    py.unlink()
    return pyc


def test_sourceless_revisions(project: Path) -> None:
    versions = project / "migrations" / "versions"
    compile_to_sourceless(revision_file(versions / "c3_third.py", "c3", "b2"))
    # A .pyc beside its .py is the same revision, not a second one.
    py_compile.compile(str(versions / "b2_second.py"), cfile=str(versions / "b2_second.pyc"))

    plain = ScriptDirectory.from_config(Config(project / "alembic.ini"))
    assert plain.get_heads() == ["b2"]  # .pyc files are ignored unless sourceless

    write(project / "alembic.ini", "[alembic]\nscript_location = migrations\nsourceless = true\n")
    script = ScriptDirectory.from_config(Config(project / "alembic.ini"))
    assert script.sourceless
    assert script.get_heads() == ["c3"]
    assert len(script.graph) == 3
    c3 = script.graph["c3"]
    assert c3.file_path.suffix == ".pyc"
    assert c3.down_revisions == ("b2",)
    assert c3.doc == "c3 message"


def test_directory_that_is_missing(tmp_path: Path) -> None:
    with pytest.raises(ScriptError, match="is not a directory"):
        ScriptDirectory(tmp_path / "nope")


def test_docstring_of_a_file_with_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "a1.py"
    path.write_bytes(
        b'\xef\xbb\xbf"""add pets\n\nRevision ID: a1\n"""\nrevision = "a1"\ndown_revision = None\n'
    )
    assert Script.from_path(path).doc == "add pets"


def test_docstring_in_plain_quotes() -> None:
    assert read_header('"add pets"\nrevision = "a1"\n').docstring == "add pets"
