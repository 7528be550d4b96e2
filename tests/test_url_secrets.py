"""No secret of a database URL is ever shown (issue 16, item 4), on SQLite, PostgreSQL and MariaDB.

Every URL form a secret can take — a password in the user information (plain, percent-encoded,
with a raw '@'), ``?password=``, pymysql's ``?passwd=``, and a driver's own secret parameter
(libpq's ``sslpassword``, pymysql's ``ssl_key_password``) — is given by the ini, by ``-x
sqlalchemy.url=`` and by ``SQLALCHEMY_URL``, reachable (the commands succeed) and unreachable (they
fail), to every command.  Everything is grepped: stdout and stderr (with and without
``--traceback``), the log file env.py's logging writes, every file left in the project (revision
files, caches, --sql and graph output), and the rows of the version table and the ledger.
Before, ``?password=`` was printed as it was by ``current -v``, ``current --json``, ``--plan``
and "Could not connect to the database ...".

The figures in docs/safety.md: 6 forms x 3 databases, each :data:`RUNS_PER_FORM` command runs.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from still.config.urls import MASK, display_url, mask_password
from tests.conftest import Project, Run, engine_for, kind_of, run_module, set_ini_url

# A distinctive word per form; a secret holding separators is also grepped piece by piece.
FORMS = ("plain", "percent-encoded", "raw @", "query password=", "query passwd=", "driver secret")
SECRETS = {
    "plain": "Zq7PlainPw9",
    "percent-encoded": "Zq7Enc@Pw2y:Pw3z/Pw4q%Pw5r Pw6s",
    "raw @": "Zq7Raw@Pw7t",
    "query password=": "Zq7QueryPw8",
    "query passwd=": "Zq7PasswdPw9",
    "driver secret": "Zq7DriverKey",
}
# The driver-specific secret parameter of each database (its value is SECRETS["driver secret"]).
DRIVER_KEY = {"postgresql": "sslpassword", "mariadb": "ssl_key_password", "sqlite": "password"}
# Which forms reach the database and succeed (the others fail: the URL cannot be parsed,
# psycopg knows no passwd, a SQLite URL has no user information).
SUCCEEDS = {
    "postgresql": {"plain", "percent-encoded", "query password=", "driver secret"},
    "mariadb": {"plain", "percent-encoded", "query password=", "query passwd=", "driver secret"},
    "sqlite": {"query password=", "query passwd=", "driver secret"},
}
# The password a MariaDB user is created with for the driver-secret form (given as ?password=).
DRIVER_FORM_PASSWORD = "Zq7DrvLogin"

RUNS: dict[str, int] = {}


def grepped(form: str) -> tuple[str, ...]:
    """The strings that must appear nowhere: the secret, its encoded form and its pieces."""
    secret = SECRETS[form]
    words = {secret, quote(secret, safe=""), quote(secret), *re.split(r"[@:/%\s]", secret)}
    if form == "driver secret":
        words.add(DRIVER_FORM_PASSWORD)
    return tuple(sorted(w for w in words if len(w) >= 4))


@dataclass
class Target:
    kind: str
    scheme: str
    user: str
    host: str
    database: str  # a path for SQLite

    def url(self, form: str, reachable: bool = True) -> str:
        secret = SECRETS[form]
        host = self.host if reachable else "127.0.0.1:1"
        if self.kind == "sqlite":
            path = self.database if reachable else "/no/such/directory/db.sqlite"
            location = f"/{path}"
            userinfo_base = "sqlite://user:{}@" + location
        else:
            location = f"{host}/{self.database}"
            userinfo_base = f"{self.scheme}://{self.user}:{{}}@{location}"
        plain_base = f"{self.scheme}://{'' if self.kind == 'sqlite' else self.user + '@'}{location}"
        if form == "plain":
            return userinfo_base.format(secret)
        if form == "percent-encoded":
            return userinfo_base.format(quote(secret, safe=""))
        if form == "raw @":
            return userinfo_base.format(secret)
        if form == "query password=":
            return f"{plain_base}?password={quote(secret, safe='')}"
        if form == "query passwd=":
            return f"{plain_base}?passwd={quote(secret, safe='')}"
        login = f"password={DRIVER_FORM_PASSWORD}&" if self.kind == "mariadb" else ""
        return f"{plain_base}?{login}{DRIVER_KEY[self.kind]}={quote(secret, safe='')}"


@pytest.fixture
def target(project: Project, request: pytest.FixtureRequest) -> Iterator[Target]:
    """Where each form points: for MariaDB a user whose password is the form's secret."""
    form: str = request.node.callspec.params["form"]
    kind = kind_of(project.url)
    if kind == "sqlite":
        yield Target(kind, "sqlite", "", "", project.url.removeprefix("sqlite:///"))
        return
    scheme, rest = project.url.split("://", 1)
    _, location = rest.split("@", 1)
    host, database = location.split("/", 1)
    if kind == "postgresql":
        yield Target(kind, scheme, "postgres", host, database)  # trust: any password is taken
        return
    user = f"still_sec_{uuid.uuid4().hex[:8]}"
    password = DRIVER_FORM_PASSWORD if form == "driver secret" else SECRETS[form]
    admin = engine_for(project.url)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f"CREATE USER '{user}'@'%' IDENTIFIED BY :pw"), {"pw": password})
            conn.execute(sa.text(f"GRANT ALL ON `{database}`.* TO '{user}'@'%'"))
        yield Target(kind, scheme, user, host, database)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP USER IF EXISTS '{user}'@'%'"))
        admin.dispose()


LOGGING = """
[loggers]
keys = root,sqlalchemy,alembic,still

[handlers]
keys = console,file

[formatters]
keys = generic

[logger_root]
level = DEBUG
handlers = console,file
qualname =

[logger_sqlalchemy]
level = INFO
handlers =
qualname = sqlalchemy

[logger_alembic]
level = DEBUG
handlers =
qualname = alembic

[logger_still]
level = DEBUG
handlers =
qualname = still

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[handler_file]
class = FileHandler
args = ('still.log', 'a')
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
"""


def log_everything(project: Project) -> None:
    """The ini's logging: everything (SQLAlchemy's statements included) to stderr and still.log."""
    text = project.ini.read_text()
    project.ini.write_text(text[: text.index("[loggers]")] + LOGGING)


@pytest.fixture(autouse=True)
def _forget_secrets() -> Iterator[None]:
    """The secrets a test's URLs leave in this process are the test's own (a password 'url'
    would hide the word "url" in the next test's messages)."""
    from still.config import urls

    secrets, pending = set(urls._SECRETS), list(urls._PENDING)
    yield
    urls._SECRETS.clear()
    urls._SECRETS.update(secrets)
    urls._PENDING[:] = pending


@pytest.fixture(autouse=True)
def _close_log_files() -> Iterator[None]:
    """env.py's fileConfig() gives this process's root logger a file handler: closed after."""
    yield
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, logging.FileHandler):
            root.removeHandler(handler)
            handler.close()


# Commands that reach the database, then those that only read files (run once per source).
DATABASE_COMMANDS = (
    ("upgrade", "r1"),
    ("current",),
    ("current", "-v"),
    ("current", "--json"),
    ("upgrade", "head", "--plan"),
    ("upgrade", "head", "--plan", "--json"),
    ("downgrade", "base", "--plan"),
    ("upgrade", "head", "--sql"),
    ("downgrade", "r1:base", "--sql"),
    ("upgrade", "head"),  # r2 fails in the database
    ("--traceback", "upgrade", "head"),
    ("resolve",),
    ("log",),
    ("log", "--json"),
    ("verify",),
    ("verify", "--json"),
    ("check",),
    ("history", "-i"),
    ("graph",),
    ("stamp", "r1"),
    ("downgrade", "base", "--yes"),
    ("--traceback", "current", "-v"),
    ("revision", "--autogenerate", "-m", "auto"),
)
FILE_COMMANDS = (
    ("history", "-v"),
    ("heads", "-v"),
    ("heads", "--check"),
    ("branches",),
    ("show", "r1"),
    ("graph", "--no-current"),
    ("edit", "r1"),
    ("revision", "-m", "plain"),
    ("merge", "heads", "-m", "joined"),
    ("rebase", "r2", "--onto", "r1"),
    ("list_templates",),
    ("completion", "bash"),
    ("init", "elsewhere"),
)


def assert_hidden(text: str, form: str, context: object) -> None:
    for word in grepped(form):
        assert word not in text, f"{word!r} shown ({context}):\n{text}"


def run(project: Project, form: str, how: str, url: str, command: tuple[str, ...]) -> Run:
    env = {"EDITOR": "true", "VISUAL": "true"}
    prefix: list[str] = []
    if how == "-x":
        prefix = ["-x", f"sqlalchemy.url={url}"]
    elif how == "env":
        env["SQLALCHEMY_URL"] = url
    if command[0] == "--traceback":
        prefix, command = ["--traceback", *prefix], command[1:]
    result = project.run(*prefix, *command, env=env)
    RUNS[project.kind] = RUNS.get(project.kind, 0) + 1
    context = (form, how, url, command)
    assert_hidden(result.output, form, context)
    assert "Unexpected error" not in result.output, (context, str(result))
    if "--traceback" not in prefix:
        assert "Traceback" not in result.output, (context, str(result))
    return result


NEUTRAL = "sqlite:///%(here)s/neutral.sqlite"  # what the ini says while -x or the env var gives it


def use_source(project: Project, how: str, url: str) -> None:
    if how == "ini":
        set_ini_url(project.ini, url)
    else:
        text = re.sub(
            r"^sqlalchemy\.url\s*=.*$",
            f"sqlalchemy.url = {NEUTRAL}",
            project.ini.read_text(),
            flags=re.M,
        )
        project.ini.write_text(text)


@pytest.mark.parametrize("form", FORMS)
def test_no_secret_is_shown_by_any_command(project: Project, target: Target, form: str) -> None:
    runs_before = RUNS.get(project.kind, 0)
    project.write_revision(
        "r1", None, "op.create_table('t1', sa.Column('id', sa.Integer))", "op.drop_table('t1')"
    )
    project.write_revision("r2", "r1", "op.execute('SELECT * FROM no_such_table_at_all')")
    log_everything(project)
    succeeds = form in SUCCEEDS[project.kind]
    for how in ("ini", "-x", "env"):
        for reachable in (True, False):
            url = target.url(form, reachable)
            use_source(project, how, url)
            outcome = {c: run(project, form, how, url, c) for c in DATABASE_COMMANDS}
            works = succeeds and reachable
            first = outcome[("upgrade", "r1")]
            assert (first.exit_code == 0) is works, (form, how, url, str(first))
            if works:
                shown = outcome[("current", "-v")].stdout
                assert f"Current revision(s) for {display_url(url)}:" in shown
                document = json.loads(outcome[("current", "--json")].stdout)
                assert document["database"] == display_url(url)
                assert MASK in document["database"]
                plan = outcome[("upgrade", "head", "--plan")].stdout
                assert f"Plan for {display_url(url)}:" in plan
                assert outcome[("upgrade", "head")].exit_code == 5  # r2 fails: its message
                assert "no_such_table_at_all" in outcome[("upgrade", "head")].stderr
            else:
                failed = outcome[("current", "-v")]
                assert failed.exit_code in (3, 6), str(failed)
        for command in FILE_COMMANDS:
            before = set(project.versions_dir.glob("*.py"))
            run(project, form, how, target.url(form), command)
            for path in set(project.versions_dir.glob("*.py")) - before:
                assert_hidden(path.read_text(), form, path)
                path.unlink()  # the graph stays r1 <- r2 for the next source
    use_source(project, "ini", NEUTRAL)
    # A real process: its own stderr, and the log file its env.py's logging writes.
    for how in ("ini", "-x", "env"):
        url = target.url(form)
        use_source(project, how, url)
        args = ["-x", f"sqlalchemy.url={url}"] if how == "-x" else []
        env = {"SQLALCHEMY_URL": url} if how == "env" else None
        result = run_module("still", [*args, "--traceback", "upgrade", "head"], project.root, env)
        RUNS[project.kind] = RUNS.get(project.kind, 0) + 1
        assert result.exit_code in (3, 5, 6)  # a URL refused, a failed step or no server
        assert_hidden(result.output, form, ("process", how))
    use_source(project, "ini", NEUTRAL)
    # Every file left in the project: caches, logs, the ini itself (now neutral).
    files = [p for p in project.root.rglob("*") if p.is_file()]
    assert any(p.name == "still.log" for p in files)
    for path in files:
        assert_hidden(path.read_bytes().decode("utf-8", "replace"), form, path)
    # The rows the runs wrote: version table and ledger.
    tables = set(sa.inspect(project.engine()).get_table_names())
    for table in ("alembic_version", "still_ledger"):
        if table in tables:
            rows = project.rows(f"SELECT * FROM {table}")
            assert_hidden(repr(rows), form, table)
    if succeeds:
        assert "still_ledger" in tables and project.rows("SELECT * FROM still_ledger")
    assert RUNS[project.kind] - runs_before == RUNS_PER_FORM


# 3 sources x (2 URLs x the database commands + the file commands + 1 real process)
RUNS_PER_FORM = 3 * (2 * len(DATABASE_COMMANDS) + len(FILE_COMMANDS) + 1)


# -- the masking itself ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:secret@h/db", "postgresql://u:***@h/db"),
        ("postgresql+psycopg://u@h/db?password=s3&sslmode=require",
         "postgresql+psycopg://u@h/db?password=***&sslmode=require"),
        ("mysql+pymysql://u@h/d?passwd=abc&charset=utf8mb4",
         "mysql+pymysql://u@h/d?passwd=***&charset=utf8mb4"),
        ("postgresql://u@h/d?sslpassword=k", "postgresql://u@h/d?sslpassword=***"),
        ("mysql+pymysql://u:p@h/d?ssl_key_password=k", "mysql+pymysql://u:***@h/d?ssl_key_password=***"),
        ("snowflake://u@acct/db?private_key_file_pwd=zz&token=tt&warehouse=w",
         "snowflake://u@acct/db?private_key_file_pwd=***&token=***&warehouse=w"),
        ("redshift+psycopg2://u@h/d?aws_secret_access_key=x&region=eu",
         "redshift+psycopg2://u@h/d?aws_secret_access_key=***&region=eu"),
        ("mssql+pyodbc://u@h/db?odbc_connect=DRIVER%3D%7BX%7D%3BPWD%3Dsecret%3BUID%3Du",
         "mssql+pyodbc://u@h/db?odbc_connect=DRIVER%3D{X}%3BPWD%3D***%3BUID%3Du"),
        ("postgresql://u:p@ss@h/db", "postgresql://u:***@h/db"),
        ("mysql+pymysql://u:p@ss:w/rd@h:3306/d", "mysql+pymysql://u:***@h:3306/d"),
        ("postgresql://u:p%40ss@h/db", "postgresql://u:***@h/db"),
        ("postgresql://u@h/db", "postgresql://u@h/db"),
        ("sqlite:////tmp/a@b/x.db", "sqlite:////tmp/a@b/x.db"),
        ("sqlite:///x.db?password=k", "sqlite:///x.db?password=***"),
        ("driver://user:pass@localhost/dbname", "driver://user:pass@localhost/dbname"),
        ("Zq7@nowhere", "(a value that is not a URL)"),
    ],
)  # fmt: skip
def test_display_url(url: str, shown: str) -> None:
    assert display_url(url) == shown
    assert display_url(shown) == shown or shown.startswith("(")


def test_display_url_takes_a_sqlalchemy_url() -> None:
    url = sa.engine.make_url("postgresql+psycopg://u:pw@h/db?password=x")
    assert display_url(url) == "postgresql+psycopg://u:***@h/db?password=***"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # still's own words are left alone: a password 'url' is no reason to touch them
        ("Set sqlalchemy.url in alembic.ini, or pass -x sqlalchemy.url=dialect+driver://user:"
         "password@host/dbname.", None),
        ("Background on this error at: https://sqlalche.me/e/20/e3q8)", None),
        ("mail admin@example.com, see http://example.com/a:b", None),
        # URLs quoted by a driver or SQLAlchemy
        ("could not connect to 'postgresql://u:pw w@h/db' (refused)",
         "could not connect to 'postgresql://u:***@h/db' (refused)"),
        ("invalid dsn: host=h password=sekret dbname=x",
         "invalid dsn: host=h password=*** dbname=x"),
        ("DRIVER={X};SERVER=h;PWD=secret;UID=u", "DRIVER={X};SERVER=h;PWD=***;UID=u"),
        ("to postgresql://a:one@h1/x and mysql+pymysql://b@h2/y?passwd=two.",
         "to postgresql://a:***@h1/x and mysql+pymysql://b@h2/y?passwd=***."),
    ],
)  # fmt: skip
def test_mask_text(text: str, masked: str | None) -> None:
    assert mask_password(text) == (text if masked is None else masked)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_short_password_does_not_damage_messages(project: Project) -> None:
    """A password ``url``: "sqlalchemy.url" used to become "sqlalchemy.***"."""
    result = project.run("-x", "sqlalchemy.url=postgresql+psycopg://u:url@127.0.0.1:1/x", "current")
    assert result.exit_code == 6
    assert "sqlalchemy.url (or -x sqlalchemy.url=..., or SQLALCHEMY_URL)" in result.stderr
    assert "postgresql+psycopg://u:***@127.0.0.1:1/x" in result.stderr


@pytest.mark.parametrize("db_url", ["postgresql", "mariadb"], indirect=True)
def test_the_raw_at_password_pieces_are_hidden_where_a_driver_quotes_them(project: Project) -> None:
    """SQLAlchemy reads ``u:Zq7Raw@Pw7t@host`` as password Zq7Raw at host Pw7t@host: the driver's
    message names that host.  still hides the piece where it stands as a word of its own."""
    scheme = project.url.split("://")[0]
    url = f"{scheme}://u:Zq7Raw@Pw7t@127.0.0.1:1/x"
    project.write_revision("r1", None)
    for traceback in ([], ["--traceback"]):
        result = project.run(*traceback, "-x", f"sqlalchemy.url={url}", "upgrade", "head")
        assert result.exit_code == 6
        assert "Zq7Raw" not in result.output and "Pw7t" not in result.output, result.output
        assert f"{scheme}://u:***@127.0.0.1:1/x" in result.stderr
