"""Every argument form of ``op.*``, generated, run by still and by real Alembic (issue 15).

Offline, each generated call is compiled by both tools for PostgreSQL, MySQL, SQLite, SQL Server
and Oracle; the scripts must be the same but for whitespace.  Online, generated tables, rows and
calls run under both tools on SQLite, PostgreSQL and MariaDB; the reflected schema, constraint
names and rows must be the same.

Where still deliberately differs, the difference is named in :data:`DIFFERENCES` and recognised
precisely (the argument form that causes it, and still's side of it): the feature is taken out of
the call and the rest must then agree.  Any other difference fails, printing the call.
Hypothesis is derandomized (the same cases in every run); the counts are printed with ``-s``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings

from tests.databases import KINDS, fresh_database
from tests.op_cases import Case, OnlineCase, offline_case, online_case
from tests.op_differential import (
    DIALECTS,
    TOOLS,
    Outcome,
    offline,
    online,
    require_alembic,
    snapshot,
)

require_alembic()

OFFLINE_EXAMPLES = 450  # each one compiled for the five dialects by both tools


# -- comparing scripts -----------------------------------------------------------------------------


def statements(dialect: str, outcome: Outcome, tool: str) -> list[str]:
    """The script's statements, whitespace normalised, without terminators and batch lines;
    runs of statements whose order Alembic takes from a set (the constraints and indexes a table
    or column brings) are sorted."""
    chunks = [" ".join(c.split()) for c in re.split(r"\n\s*\n", outcome.sql)]
    found = [c.removesuffix(";").strip() for c in chunks if c and c not in ("GO", "/")]
    if dialect == "oracle" and tool == "still":
        found = [s.removesuffix("/").strip().removesuffix(";") for s in found]
    return _sort_unordered_runs(found)


_UNORDERED = re.compile(
    r"^(CREATE (UNIQUE )?(NONCLUSTERED |CLUSTERED )?INDEX "
    r"|ALTER TABLE \S+ ADD (CONSTRAINT|UNIQUE|FOREIGN KEY|CHECK|PRIMARY KEY))"
)


def _sort_unordered_runs(found: list[str]) -> list[str]:
    out: list[str] = []
    run: list[str] = []
    for statement in [*found, ""]:
        if statement and _UNORDERED.match(statement):
            run.append(statement)
            continue
        out += sorted(run)
        run = []
        if statement:
            out.append(statement)
    return out


@dataclass
class Comparison:
    still: Outcome
    alembic: Outcome
    dialect: str

    @property
    def ours(self) -> list[str]:
        return statements(self.dialect, self.still, "still")

    @property
    def theirs(self) -> list[str]:
        return statements(self.dialect, self.alembic, "alembic")

    @property
    def both_fail(self) -> bool:
        """Both tools refuse the call (what either wrote before failing is not compared)."""
        return self.still.error is not None and self.alembic.error is not None

    @property
    def same(self) -> bool:
        return self.both_fail or (
            self.ours == self.theirs and self.still.error is None and self.alembic.error is None
        )

    def report(self, case: Case) -> str:
        return (
            f"{self.dialect}: {case!r}\n--- still (error: {self.still.error})\n"
            + "\n".join(self.ours)
            + f"\n--- alembic (error: {self.alembic.error})\n"
            + "\n".join(self.theirs)
        )


def compare(case: Case, dialect: str) -> Comparison:
    return Comparison(
        offline("still", dialect, case.code, case.opts),
        offline("alembic", dialect, case.code, case.opts),
        dialect,
    )


# -- the deliberate differences ------------------------------------------------------------------


@dataclass
class Difference:
    """A way still deliberately differs: where it applies (dialects, a tag of the case), what
    still does instead (``shows``: a test of still's outcome), and ``strip``: the case without
    the feature, which both tools must then agree on (None: still's outcome is the whole
    difference, e.g. a refusal)."""

    why: str
    dialects: tuple[str, ...]
    tags: tuple[str, ...]
    shows: Callable[[Comparison], bool]
    strip: Callable[[str], str] | None = None


def _without(*patterns: str) -> Callable[[str], str]:
    def strip(code: str) -> str:
        for pattern in patterns:
            code = re.sub(pattern, "", code)
        return code

    return strip


def _still_sql(*words: str) -> Callable[[Comparison], bool]:
    return lambda c: c.still.error is None and all(w in c.still.sql for w in words)


def _still_refuses(kind: str, *words: str) -> Callable[[Comparison], bool]:
    return lambda c: (
        (c.still.error or "").startswith(kind) and all(w in (c.still.error or "") for w in words)
    )


def _alembic_fails(kind: str, words: str) -> Callable[[Comparison], bool]:
    return lambda c: (
        c.still.error is None
        and (c.alembic.error or "").startswith(kind)
        and words in c.alembic.error
    )


_GUARD = r",\s*if_(not_)?exists=True"
_COMMENT = r",\s*(existing_)?comment=(\"[^\"]*\"|'[^']*'|None)"

DIFFERENCES: dict[str, Difference] = {
    "oracle-and-sql-server-guards": Difference(
        "if_exists / if_not_exists on SQL Server and Oracle: still writes the T-SQL IF or PL/SQL "
        "block these databases run; Alembic writes IF [NOT] EXISTS clauses they reject (or, for "
        "SQL Server's ADD, leaves the guard out)",
        ("mssql", "oracle"),
        ("if_exists", "if_not_exists"),
        lambda c: (
            c.still.error is None
            and any(
                m in c.still.sql
                for m in (
                    "IF OBJECT_ID",
                    "IF COL_LENGTH",
                    "IF NOT EXISTS (SELECT",
                    "EXECUTE IMMEDIATE",
                    "IF EXISTS",
                )
            )
        ),
        _without(_GUARD),
    ),
    "sql-server-comments": Difference(
        "SQL Server comments: still adds or updates the MS_Description property (schema dbo "
        "unless given); Alembic only adds it, and fails without a schema in --sql mode",
        ("mssql",),
        ("comment", "table_comment", "alter_comment", "create_table_comment", "drop_table_comment"),
        _still_sql("MS_Description"),
        _without(_COMMENT, r"op\.(create|drop)_table_comment\(.*\)"),
    ),
    "sql-server-default-lookup": Difference(
        "SQL Server drops a column's default constraint by looking its name up: still's T-SQL "
        "(sys.default_constraints joined to sys.columns, N'' literals) is not Alembic's text",
        ("mssql",),
        ("alter_default", "mssql_drop"),
        _still_sql("sys.default_constraints"),
        _without(r",\s*mssql_drop_default=True", r",\s*server_default=[^,)]*(\([^)]*\))?"),
    ),
    "oracle-comment-quoting": Difference(
        "alter_column(comment=) on Oracle: still quotes the table name where it must be quoted "
        '(COMMENT ON COLUMN s."Owners".a); Alembic leaves both out, naming another table',
        ("oracle",),
        ("alter_comment",),
        _still_sql("COMMENT ON COLUMN"),
        _without(_COMMENT),
    ),
    "mariadb-drop-guards": Difference(
        "drop_constraint(if_exists=True) on MySQL/MariaDB: still writes IF EXISTS (MariaDB has "
        "it; MySQL rejects it); Alembic leaves the guard out",
        ("mysql",),
        ("if_exists",),
        _still_sql("IF EXISTS"),
        _without(_GUARD),
    ),
    "foreign-key-options-refused": Difference(
        "foreign-key options the database lacks (SQL Server: deferrable, initially, match, "
        "RESTRICT; Oracle: match, ON DELETE other than CASCADE/SET NULL) are refused before "
        "anything runs; Alembic writes them and the database rejects the statement",
        ("mssql", "oracle"),
        (
            "fk_deferrable",
            "fk_initially",
            "fk_match",
            "fk_ondelete_restrict",
            "fk_ondelete_no_action",
            "fk_ondelete_set_default",
            "fk_onupdate_restrict",
            "uq_deferrable",
        ),
        _still_refuses("StillError", "has no"),
    ),
    "drop-index-needs-its-table": Difference(
        "drop_index without table_name on SQL Server and MySQL/MariaDB (whose DROP INDEX names "
        "the table): still refuses; Alembic writes DROP INDEX ... ON no_table",
        ("mssql", "mysql"),
        ("drop_index",),
        _still_refuses("StillError", "pass table_name="),
    ),
    "sql-server-date-literals": Difference(
        "dates in SQL Server scripts: still writes 'YYYYMMDD' (and DATETIME2 casts), which read "
        "the same under any SET LANGUAGE / DATEFORMAT; Alembic writes 'YYYY-MM-DD'",
        ("mssql",),
        ("bulk_insert",),
        _still_sql("'20240229'"),
        lambda code: code.replace("datetime.date(2024, 2, 29)", "None"),
    ),
    "alembic-fails": Difference(
        "where Alembic 1.20 raises (an untyped sa.column() in bulk_insert --sql: no literal "
        "renderer; MySQL drop_constraint without type_), still writes the statement",
        ("postgresql", "mysql", "sqlite", "mssql", "oracle"),
        ("untyped_columns", "drop_None"),
        lambda c: (
            _alembic_fails("CompileError", "No literal value renderer")(c)
            or _alembic_fails("NotImplementedError", "No generic 'DROP CONSTRAINT' in MySQL")(c)
        ),
    ),
    "index-on-one-column-name": Difference(
        "create_index(name, table, 'col'): still indexes the column; Alembic iterates the "
        "string and indexes one column per character",
        DIALECTS,
        ("index_single_str",),
        lambda c: c.still.error is None,
        lambda code: re.sub(r"(op\.create_index\([^,]+, '[^']*', )('[^']*')", r"\1[\2]", code),
    ),
    "add-column-inline-constraints": Difference(
        "add_column on SQL Server and Oracle: the Column's own CHECK, inline_references' "
        "REFERENCES and inline_primary_key's PRIMARY KEY stay in the ADD (Alembic leaves them "
        "out: the constraint is lost)",
        ("mssql", "oracle"),
        ("column_check", "inline_references", "inline_primary_key"),
        lambda c: c.still.error is None,
        _without(
            r',\s*sa\.CheckConstraint\("(?:[^"\\]|\\.)*", name=[^)]*\)',
            r",\s*inline_(references|primary_key)=True",
        ),
    ),
    "sqlite-rebuilds": Difference(
        "SQLite: a change its ALTER TABLE cannot make (alter_column other than a rename, adding "
        "or dropping a constraint, a column with a foreign key or unique constraint) is made by "
        "rebuilding the table; with --sql that needs batch mode's copy_from (Alembic raises "
        "NotImplementedError or writes ALTER statements SQLite rejects)",
        ("sqlite",),
        (
            "alter_column",
            "create_primary_key",
            "create_unique_constraint",
            "create_check_constraint",
            "create_foreign_key",
            "drop_constraint",
            "add_column",
        ),
        _still_refuses("CommandError", "copy_from"),
    ),
    "sqlite-column-guards": Difference(
        "SQLite has no IF [NOT] EXISTS for columns: still asks the database online and refuses "
        "with --sql; Alembic writes clauses SQLite rejects",
        ("sqlite",),
        ("if_exists", "if_not_exists"),
        _still_refuses("StillError", "no database to ask"),
    ),
    "sqlite-keeps-no-comments": Difference(
        "SQLite keeps no comments: still writes nothing for a table comment or alter_column("
        "comment=); Alembic writes COMMENT ON TABLE, which SQLite rejects, or fails to compile "
        "the column comment",
        ("sqlite",),
        ("create_table_comment", "drop_table_comment", "alter_comment"),
        lambda c: c.still.error is None and "COMMENT" not in c.still.sql,
        _without(_COMMENT, r"op\.(create|drop)_table_comment\(.*\)"),
    ),
    "sqlite-type-check-kept": Difference(
        "add_column on SQLite: the CHECK of a Boolean/Enum(create_constraint=True) goes into "
        "ADD COLUMN (Alembic skips it with a warning)",
        ("sqlite",),
        ("type_check",),
        _still_sql("CHECK"),
        lambda code: code.replace("create_constraint=True", "create_constraint=False"),
    ),
}


def explained(case: Case, comparison: Comparison, depth: int = 0) -> list[str]:
    """The declared differences that account for ``comparison`` (empty: none does)."""
    for name, difference in DIFFERENCES.items():
        if comparison.dialect not in difference.dialects:
            continue
        if not case.tags & set(difference.tags) or not difference.shows(comparison):
            continue
        if difference.strip is None:
            return [name]
        stripped = Case([difference.strip(case.code)], set(case.tags))
        if stripped.code == case.code:
            continue
        again = compare(stripped, comparison.dialect)
        if again.same:
            return [name]
        if depth < 3:
            more = explained(stripped, again, depth + 1)
            if more:
                return [name, *more]
    return []


# -- offline: the five dialects ------------------------------------------------------------------

TALLY: Counter[str] = Counter()


@settings(
    max_examples=OFFLINE_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=offline_case())
def test_offline_scripts_as_alembic(case: Case) -> None:
    for dialect in DIALECTS:
        comparison = compare(case, dialect)
        TALLY["compared"] += 1
        if comparison.same:
            TALLY["both fail" if comparison.both_fail else "same"] += 1
            continue
        names = explained(case, comparison)
        assert names, "an undeclared difference:\n" + comparison.report(case)
        for name in names:
            TALLY[name] += 1


def test_offline_tally() -> None:
    """Runs after the generated cases (same module, in order): enough of them compared, most
    identical, and the counts printed."""
    if not TALLY:
        pytest.skip("run with the generated test")
    print("\noffline comparisons:", dict(TALLY))
    assert TALLY["compared"] >= 5 * OFFLINE_EXAMPLES
    assert TALLY["same"] >= 0.6 * TALLY["compared"]


# -- online: SQLite, PostgreSQL, MariaDB ---------------------------------------------------------

ONLINE_EXAMPLES = 20  # per database kind; each a table with rows and one or two calls on it


@dataclass
class OnlineDifference:
    """A step where still deliberately does something else than Alembic on a live database:
    ``applies`` reads the step's code, the two errors (None: it ran) and the kind."""

    why: str
    kinds: tuple[str, ...]
    applies: Callable[[str, str | None, str | None], bool]
    compare_after: bool = False  # the schemas still agree afterwards (else the case ends)


def _alembic_raised(*words: str) -> Callable[[str, str | None, str | None], bool]:
    return lambda code, ours, theirs: (
        ours is None and theirs is not None and any(w in theirs for w in words)
    )


ONLINE_DIFFERENCES: dict[str, OnlineDifference] = {
    "sqlite-rebuilds": OnlineDifference(
        "SQLite: alter_column other than a rename, and adding or dropping a constraint (also "
        "one a new column brings), rebuild the table; Alembic raises NotImplementedError or "
        "runs ALTER statements SQLite rejects",
        ("sqlite",),
        lambda code, ours, theirs: (
            ours is None
            and theirs is not None
            and any(
                w in theirs
                for w in ("No support for ALTER of constraints", "syntax error", "ColumnComment")
            )
            and any(
                op in code
                for op in (
                    "alter_column",
                    "create_unique_constraint",
                    "create_check_constraint",
                    "create_foreign_key",
                    "drop_constraint",
                    "add_column",
                )
            )
        ),
    ),
    "sqlite-keeps-no-comments": OnlineDifference(
        "SQLite keeps no comments: a table or column comment is nothing to do (Alembic runs "
        "COMMENT ON, which SQLite rejects, or cannot compile it)",
        ("sqlite",),
        lambda code, ours, theirs: (
            ("comment" in code)
            and _alembic_raised('near "COMMENT"', "ColumnComment")(code, ours, theirs)
        ),
        compare_after=True,
    ),
    "mariadb-named-column-check": OnlineDifference(
        "add_column on MariaDB with a named CHECK on the Column: MariaDB's column definition has "
        "no CONSTRAINT name CHECK, so still adds it after the column; Alembic's statement is "
        "rejected (1064)",
        ("mariadb",),
        lambda code, ours, theirs: (
            "add_column" in code
            and "CheckConstraint" in code
            and _alembic_raised("1064")(code, ours, theirs)
        ),
    ),
}


def _schema_difference_declared(kind: str, code: str, ours: dict, theirs: dict) -> str | None:
    """A difference in the reflected schema that a declared difference accounts for."""
    if kind == "sqlite" and "add_column" in code and "create_constraint=True" in code:
        # the CHECK of the type: still keeps it (inline), Alembic skips it with a warning
        stripped = {
            t: {
                **v,
                "checks": [c for c in v["checks"] if c not in theirs.get(t, {}).get("checks", [])],
            }
            for t, v in ours.items()
        }
        if {t: {**v, "checks": []} for t, v in stripped.items()} == {
            t: {**v, "checks": []} for t, v in theirs.items()
        } and all(" IN (" in c[1] for v in stripped.values() for c in v["checks"]):
            return "sqlite-type-check-kept"
    return None


class OnlineRun:
    """The two databases of one kind (Alembic's and still's) and the tally of what was seen."""

    def __init__(self, kind: str, urls: dict[str, str]) -> None:
        self.kind = kind
        # pooled: one connection per tool for the whole run (connecting costs ~0.1 s here)
        self.engines = {tool: sa.create_engine(url, pool_size=1) for tool, url in urls.items()}
        self.count = 0
        self.tally: Counter[str] = Counter()
        self.failures: list[str] = []  # what both tools refused (the generator's misses)

    def run(self, case: OnlineCase) -> None:
        self.count += 1
        prefix = f"c{self.count}_"
        for step, code in enumerate(case.with_prefix(prefix)):
            errors = {}
            for tool in TOOLS:
                with self.engines[tool].connect() as connection:
                    errors[tool] = online(tool, connection, code).error
            self.tally["steps"] += 1
            ours, theirs = errors["still"], errors["alembic"]
            if (ours is None) != (theirs is None):
                declared = [
                    name
                    for name, d in ONLINE_DIFFERENCES.items()
                    if self.kind in d.kinds and d.applies(code, ours, theirs)
                ]
                assert declared, (
                    f"an undeclared difference on {self.kind} at step {step}:\n{case!r}\n"
                    f"still: {ours}\nalembic: {theirs}"
                )
                self.tally[declared[0]] += 1
                if not ONLINE_DIFFERENCES[declared[0]].compare_after:
                    return  # the databases differ from here on by design
                ours = theirs = None
            if ours is not None:
                self.tally["both fail"] += 1
                self.failures.append(f"{ours}")
                if step == 0:
                    return
        # the schemas and rows both tools left, compared once the case has run
        states = {}
        for tool in TOOLS:
            with self.engines[tool].connect() as connection:
                states[tool] = snapshot(connection, prefix)
        if states["still"] != states["alembic"]:
            changes = "\n".join(case.steps[1:])
            declared_name = _schema_difference_declared(
                self.kind, changes, states["still"], states["alembic"]
            )
            assert declared_name, (
                f"undeclared schema difference on {self.kind}:\n{case!r}\n"
                f"still:   {states['still']}\nalembic: {states['alembic']}"
            )
            self.tally[declared_name] += 1
            return
        self.tally["same"] += 1

    def dispose(self) -> None:
        for engine in self.engines.values():
            engine.dispose()


@pytest.fixture(scope="module", params=KINDS)
def online_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    kind = request.param
    directory = tmp_path_factory.mktemp(f"differential_{kind}")
    with fresh_database(kind, directory) as theirs, fresh_database(kind, directory) as ours:
        run = OnlineRun(kind, {"alembic": theirs, "still": ours})
        yield run
        run.dispose()
        print(f"\nonline comparisons on {kind}:", dict(run.tally))
        for failure in run.failures:
            print("  both refused:", failure.splitlines()[0][:200])
        # most generated cases must be valid ones (both tools ran them), not refusals
        assert run.tally["both fail"] <= 0.3 * run.count, (dict(run.tally), run.failures)
        assert run.count >= ONLINE_EXAMPLES


def test_online_as_alembic(online_run: OnlineRun) -> None:
    @settings(
        max_examples=ONLINE_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=online_case(online_run.kind))
    def check(case: OnlineCase) -> None:
        online_run.run(case)

    check()
