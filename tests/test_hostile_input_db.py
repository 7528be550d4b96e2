"""Hostile input that reaches a database: revision ids with quotes, semicolons and SQL in them
(online and in --sql scripts), and URLs whose password must never be printed.
"""

from __future__ import annotations

import sqlite3

import pytest

from tests.conftest import Project, engine_for, set_ini_url

# Revision ids as a hand-written file may declare them (--rev-id refuses these; a file need not
# come from --rev-id).  Each fits alembic_version's VARCHAR(32).  No '-' (an id cannot hold one:
# it would read as a relative step), so the comment that would swallow the rest is MySQL's '#'.
SQLISH_IDS = (
    "a'; DROP TABLE canary; #",
    'b"; DROP TABLE canary; #',
    "c\\'; DROP TABLE canary; #",
    "d') OR ('1'='1",
)


def write_sqlish_chain(project: Project) -> list[str]:
    down = None
    for rid in SQLISH_IDS:
        project.write_revision(rid, down, message="step")
        down = rid
    return list(SQLISH_IDS)


def test_sqlish_revision_ids_are_bound_online(project: Project) -> None:
    ids = write_sqlish_chain(project)
    project.execute("CREATE TABLE canary (id INTEGER)")
    project.ok("upgrade", ids[1])
    assert project.versions() == {ids[1]}
    project.ok("upgrade", "head")
    assert project.versions() == {ids[-1]}
    assert "canary" in project.tables()
    current = project.ok("current")
    assert ids[-1] in current.stdout
    project.ok("downgrade", ids[0])
    assert project.versions() == {ids[0]}
    project.ok("stamp", ids[2])
    assert project.versions() == {ids[2]}
    project.ok("history", "-i")
    project.ok("downgrade", "base")
    assert project.versions() == set()
    assert "canary" in project.tables()


def run_script(project: Project, script: str) -> None:
    """Run an offline SQL script with the database's own parser of several statements."""
    if project.kind == "sqlite":
        connection = sqlite3.connect(project.url.removeprefix("sqlite:///"))
        try:
            connection.executescript(script)
        finally:
            connection.close()
        return
    engine = engine_for(project.url)
    try:
        raw = engine.raw_connection()
        try:
            if project.kind == "postgresql":
                raw.driver_connection.autocommit = True  # the script has its own BEGIN/COMMIT
                raw.driver_connection.execute(script)
            else:
                cursor = raw.cursor()
                for statement in split_mysql(script):
                    cursor.execute(statement)
                raw.commit()
        finally:
            raw.close()
    finally:
        engine.dispose()


def split_mysql(script: str) -> list[str]:
    """Statements of a MySQL script: split at ';' outside string literals (backslash escapes)
    and outside ``--`` comments."""
    statements, current, quote, i = [], [], "", 0
    while i < len(script):
        ch = script[i]
        if not quote and script.startswith("-- ", i):
            end = script.find("\n", i)
            i = len(script) if end == -1 else end
            continue
        current.append(ch)
        if quote and ch == "\\":
            current.append(script[i + 1 : i + 2])
            i += 2
            continue
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"`":
            quote = ch
        elif ch == ";":
            statements.append("".join(current).strip())
            current = []
        i += 1
    tail = "".join(current).strip()
    return [s for s in [*statements, tail] if s]


def test_sqlish_revision_ids_are_quoted_in_sql_scripts(project: Project) -> None:
    ids = write_sqlish_chain(project)
    project.execute("CREATE TABLE canary (id INTEGER)")
    script = project.ok("upgrade", "head", "--sql").stdout
    run_script(project, script)
    assert "canary" in project.tables()
    assert project.versions() == {ids[-1]}
    down = project.ok("downgrade", f"{ids[-1]}:{ids[0]}", "--sql").stdout
    run_script(project, down)
    assert "canary" in project.tables()
    assert project.versions() == {ids[0]}


# -- passwords ------------------------------------------------------------------------------------

# Distinctive pieces, each long enough to be recognised wherever it surfaces.
PIECES = ("Zq7Pw1x", "Pw2y", "Pw3z", "Pw4q")
RAW_PASSWORD = f"{PIECES[0]}@{PIECES[1]}%{PIECES[2]}:{PIECES[3]}"
ENCODED_PASSWORD = RAW_PASSWORD.replace("%", "%25").replace("@", "%40").replace(":", "%3A")

FAILING_UPGRADE = 'op.execute("SELECT * FROM no_such_table_at_all")'


def with_password(url: str, password: str, host: str | None = None) -> str:
    scheme, rest = url.split("://", 1)
    user, location = rest.split("@", 1)
    if host is not None:
        location = f"{host}/{location.split('/', 1)[1]}"
    return f"{scheme}://{user}:{password}@{location}"


def assert_no_password(output: str, context: object) -> None:
    for secret in (RAW_PASSWORD, ENCODED_PASSWORD, *PIECES):
        assert secret not in output, f"{secret!r} shown by {context}:\n{output}"


COMMANDS = (
    ("upgrade", "head"),
    ("current", "-v"),
    ("history", "-i"),
    ("heads", "-v"),
    ("stamp", "head"),
    ("check",),
    ("downgrade", "base"),
    ("upgrade", "head", "--sql"),
    ("upgrade", "bbb"),  # fails in the migration
)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_passwords_never_appear_in_any_output(project: Project) -> None:
    project.write_revision("aaa", None, "op.create_table('t', sa.Column('id', sa.Integer))")
    project.write_revision("bbb", "aaa", FAILING_UPGRADE)
    good = with_password(project.url, ENCODED_PASSWORD)  # trust authentication: any password
    urls = {
        "encoded": good,
        "raw": with_password(project.url, RAW_PASSWORD),
        "unreachable": with_password(project.url, ENCODED_PASSWORD, host="127.0.0.1:1"),
        "no such driver": good.replace("+psycopg", "+nodriver"),
        "mariadb, wrong password": f"mysql+pymysql://root:{ENCODED_PASSWORD}@127.0.0.1:3306/x",
        "not a url": f"{RAW_PASSWORD}@nowhere",
    }
    runs = 0
    for name, url in urls.items():
        for how in ("ini", "-x", "env"):
            env = {"SQLALCHEMY_URL": url} if how == "env" else None
            prefix = ["-x", f"sqlalchemy.url={url}"] if how == "-x" else []
            project.set_url(url if how == "ini" else "postgresql+psycopg://nobody@127.0.0.1:1/x")
            for command in COMMANDS:
                for traceback in ([], ["--traceback"]):
                    result = project.run(*traceback, *prefix, *command, env=env)
                    runs += 1
                    assert_no_password(result.output, (name, how, traceback, command))
                    assert "Unexpected error" not in result.output, result.output
                    if not traceback:
                        assert "Traceback" not in result.output, result.output
    # A real process too: its stderr and the logging env.py sets up.
    set_ini_url(project.ini, urls["unreachable"])
    for command in (("upgrade", "head"), ("--traceback", "current")):
        result = project.run_subprocess(*command)
        runs += 1
        assert result.exit_code == 6
        assert_no_password(result.output, ("subprocess", command))
    set_ini_url(project.ini, urls["raw"])
    result = project.run_subprocess("upgrade", "head")
    assert result.exit_code == 3 and "percent-encoded" in result.stderr, str(result)
    assert_no_password(result.output, "subprocess raw")
    assert runs > 200


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_revision_id_with_a_line_break_stays_inside_the_sql_comment(project: Project) -> None:
    project.versions_dir.joinpath("e.py").write_text(
        'revision = "e\\nDROP TABLE canary; #"\ndown_revision = None\n'
        "def upgrade():\n    pass\n\ndef downgrade():\n    pass\n"
    )
    project.execute("CREATE TABLE canary (id INTEGER)")
    run_script(project, project.ok("upgrade", "head", "--sql").stdout)
    assert "canary" in project.tables()
