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
from hypothesis import HealthCheck, given, settings

from tests.op_cases import Case, offline_case
from tests.op_differential import DIALECTS, Outcome, offline

pytest.importorskip("alembic")

OFFLINE_EXAMPLES = 250  # each one compiled for the five dialects by both tools


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
