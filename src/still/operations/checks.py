"""CHECK constraints a table rebuild must reason about: the ones a column's type makes
(``sa.Enum(..., create_constraint=True)``, ``sa.Boolean(create_constraint=True)``), and the
columns a reflected CHECK's SQL refers to.

When a rebuild changes a column's type, the CHECK its old type made (``status IN ('a', 'b')``)
must go, or rows with the new type's values are refused; Alembic drops the constraint of
``existing_type`` too.  A reflected CHECK is only SQL text, so it is read with sqlglot (a real SQL
parser) to find the columns it names: to rename them with their column, to drop it with the
last of them, and to recognise the text of an unnamed type-made CHECK.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, Column, MetaData, Table
from sqlalchemy.sql.schema import SchemaEventTarget
from sqlalchemy.types import to_instance

from still.ddl import impl_for
from still.sqla_private import created_on

if TYPE_CHECKING:
    from sqlalchemy.engine import Dialect


def _sqlglot(dialect_name: str) -> str | None:
    """sqlglot's name for the dialect's SQL (its implementation's ``sqlglot_dialect``)."""
    return impl_for(dialect_name).sqlglot_dialect


@dataclass(frozen=True)
class TypeCheck:
    """A CHECK constraint a column's type makes: its name (None when the type gives none) and
    its SQL as the dialect writes it."""

    name: str | None
    sqltext: str


def type_checks(
    type_: Any,
    table_name: str,
    column_name: str,
    dialect: Dialect,
    naming_convention: Mapping[str, Any] | None = None,
) -> list[TypeCheck]:
    """The CHECK constraints ``type_`` makes on ``dialect`` for ``table_name.column_name``
    (none for a native ENUM/BOOLEAN, or without ``create_constraint=True``)."""
    if type_ is None:
        return []
    type_ = to_instance(type_)
    if not isinstance(type_, SchemaEventTarget):
        return []
    metadata = MetaData(naming_convention=dict(naming_convention)) if naming_convention else None
    stub = Table(
        table_name,
        metadata or MetaData(),
        Column(column_name, type_.copy()),  # type: ignore[attr-defined]
    )
    compiler = dialect.ddl_compiler(dialect, None)  # type: ignore[arg-type]
    found = []
    for constraint in stub.constraints:
        if not isinstance(constraint, CheckConstraint):
            continue
        if not created_on(constraint, compiler):
            continue
        sqltext = compiler.sql_compiler.process(
            constraint.sqltext, include_table=False, literal_binds=True
        )
        found.append(TypeCheck(final_name(constraint, compiler), sqltext))
    return found


def final_name(constraint: Any, compiler: Any) -> str | None:
    """The name the database gets for a constraint or index on a table (a naming convention
    applied), or None for an unnamed one."""
    name = constraint.name if isinstance(constraint.name, str) else None
    if name is not None and type(name).__name__ == "_NoneName":
        name = None
    try:
        formatted = compiler.preparer.format_constraint(constraint)
    except Exception:  # an unnamed constraint under a convention that needs a name
        return name
    if not formatted:
        return name
    preparer = compiler.preparer
    start, end = preparer.initial_quote, preparer.final_quote
    if formatted.startswith(start) and formatted.endswith(end) and len(formatted) > 1:
        formatted = formatted[len(start) : -len(end)].replace(end * 2, end)
    return str(formatted)


def same_sql(first: str, second: str, dialect_name: str) -> bool:
    """Whether two SQL expressions are the same once parsed (quoting, case and spacing aside)."""
    return _normalised(first, dialect_name) == _normalised(second, dialect_name)


def _normalised(sql: str, dialect_name: str) -> str:
    expression = _parse(sql, dialect_name)
    if expression is None:
        return " ".join(sql.lower().split())
    from sqlglot import exp

    for identifier in expression.find_all(exp.Identifier):
        identifier.set("quoted", False)
    text: str = expression.sql(normalize=True)
    # The parentheses a database adds around a whole CHECK do not change it.
    while text.startswith("(") and text.endswith(")") and _parse(text[1:-1], dialect_name):
        text = text[1:-1]
    return text


def referenced_columns(sqltext: str, dialect_name: str) -> set[str] | None:
    """The column names a CHECK's SQL refers to (None: it could not be read)."""
    expression = _parse(sqltext, dialect_name)
    if expression is None:
        return None
    from sqlglot import exp

    return {column.name for column in expression.find_all(exp.Column)}


def renamed_in(sqltext: str, renames: Mapping[str, str], dialect_name: str) -> str:
    """``sqltext`` with the columns of ``renames`` (old -> new) renamed; unchanged when it names
    none of them or cannot be read."""
    expression = _parse(sqltext, dialect_name)
    if expression is None:
        return sqltext
    from sqlglot import exp

    changed = False
    for column in list(expression.find_all(exp.Column)):
        new = renames.get(column.name)
        if new is not None:
            column.set("this", exp.to_identifier(new, quoted=True))
            changed = True
    if not changed:
        return sqltext
    rewritten: str = expression.sql(dialect=_sqlglot(dialect_name))
    return rewritten


def matching(checks: Iterable[dict[str, Any]], made: TypeCheck, dialect_name: str) -> list[int]:
    """The positions in ``checks`` (``{"name", "sqltext"}``) of the constraint ``made`` is: by
    name, or, for an unnamed one, by its SQL."""
    found = []
    for position, check in enumerate(checks):
        named = made.name is not None and check.get("name") == made.name
        if named or (
            not check.get("name") and same_sql(str(check["sqltext"]), made.sqltext, dialect_name)
        ):
            found.append(position)
    return found


def _parse(sql: str, dialect_name: str) -> Any:
    import sqlglot
    from sqlglot.errors import SqlglotError

    try:
        return sqlglot.parse_one(sql, read=_sqlglot(dialect_name))
    except (SqlglotError, ValueError):
        return None
