"""The records Alembic's autogenerate writes for each difference it finds, on the same loggers
with the same levels and texts ("Detected added table 'pets'", "Detected type change from
VARCHAR(length=128) to String(length=10) on 'pets.name'"): tools and test suites read them.

They are written from still's findings once the comparison is complete (add-ons log their own).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

_LOGGERS = "alembic.autogenerate.compare"
tables_log = logging.getLogger(f"{_LOGGERS}.tables")
types_log = logging.getLogger(f"{_LOGGERS}.types")
constraints_log = logging.getLogger(f"{_LOGGERS}.constraints")
defaults_log = logging.getLogger(f"{_LOGGERS}.server_defaults")
comments_log = logging.getLogger(f"{_LOGGERS}.comments")
# named CHECK constraints: Alembic logs them from its add-on module's logger
check_constraints_log = logging.getLogger("alembic.ext.checkconstraint_byname")


def _qualified(schema: str | None, name: str) -> str:
    return f"{schema}.{name}" if schema else name


def _schema_of(table: Any, default: str | None) -> str | None:
    schema = getattr(table, "schema", None)
    return None if schema == default else schema


def _column_names(obj: Any) -> tuple[str, ...]:
    """What Alembic prints for an index's or unique constraint's columns."""
    names = []
    for element in getattr(obj, "expressions", None) or list(obj.columns):
        name = getattr(element, "name", None)
        names.append(name if isinstance(name, str) else str(element))
    return tuple(names)


def _changed(old: Any, new: Any, by_expression: bool) -> str:
    """Why an index (or unique constraint) of the same name differs, as Alembic words it."""
    reasons = []
    if bool(getattr(old, "unique", False)) != bool(getattr(new, "unique", False)):
        reasons.append(f"unique={bool(old.unique)} to unique={bool(new.unique)}")
    before, after = _column_names(old), _column_names(new)
    if by_expression and hasattr(new, "expressions"):
        if len(before) != len(after):
            reasons.append(f"expression number {len(before)} to {len(after)}")
        else:
            reasons += [
                f"expression #{i} {b!r} to {a!r}"
                for i, (b, a) in enumerate(zip(before, after, strict=True), 1)
                if b != a
            ]
    elif before != after:
        reasons.append(f"expression {before} to {after}")
    return ", ".join(reasons)


def _foreign_key(verb: str, fk: Any, default: str | None) -> None:
    table = fk.table
    schema = _schema_of(table, default)
    source = [column.name for column in fk.columns] or list(fk.column_keys)
    target = [element.target_fullname.split(".")[-1] for element in fk.elements]
    constraints_log.info(
        "Detected %s foreign key (%s)(%s) on table %s%s",
        verb,
        ", ".join(source),
        ", ".join(target),
        f"{schema}." if schema else "",
        table.name,
    )


def _alter(diff: tuple[Any, ...], impl: Any) -> None:
    kind, _schema, table, column, _existing, old, new = diff
    if kind == "modify_type":
        types_log.info("Detected type change from %r to %r on '%s.%s'", old, new, table, column)
    elif kind == "modify_nullable":
        constraints_log.info(
            "Detected %s on column '%s.%s'", "NULL" if new else "NOT NULL", table, column
        )
    elif kind == "modify_default":
        defaults_log.info(
            "Dialect impl %s detected server default on column '%s.%s'", impl, table, column
        )
    elif kind == "modify_comment":
        comments_log.info("Detected column comment '%s.%s'", table, column)


def log_detected(autogen: Any, changes: Iterable[Any]) -> None:
    """Write Alembic's record for each of still's findings (``changes``: in their order)."""
    if not logging.getLogger(_LOGGERS).isEnabledFor(logging.INFO):
        return
    default = autogen.inspector.default_schema_name
    impl = getattr(autogen.migration_context, "impl", None)
    changes = list(changes)
    changed = _changed_pairs(changes)
    for change in changes:
        diff = change.diff
        if id(change) in changed:
            old, new = changed.pop(id(change))
            what = "index" if diff[0].endswith("index") else "unique constraint"
            constraints_log.info(
                "Detected changed %s %r on %r: %s",
                what,
                old.name,
                old.table.name,
                _changed(old, new, autogen.impl_class.compares_indexes_in_database),
            )
            continue
        if id(change) in _SKIP:
            continue
        if isinstance(diff, list):
            for one in diff:
                if isinstance(one, tuple) and len(one) == 7:
                    _alter(one, impl)
            continue
        if not isinstance(diff, tuple) or not diff:
            continue
        kind = diff[0]
        if kind in ("add_table", "remove_table"):
            table = diff[1]
            verb = "added" if kind == "add_table" else "removed"
            name = _qualified(_schema_of(table, default), table.name)
            tables_log.info("Detected %s table %r", verb, name)
        elif kind in ("add_column", "remove_column"):
            _, schema, table, column = diff
            verb = "added" if kind == "add_column" else "removed"
            where = _qualified(None if schema == default else schema, table)
            tables_log.info("Detected %s column '%s.%s'", verb, where, column.name)
        elif kind == "add_index":
            index = diff[1]
            constraints_log.info(
                "Detected added index %r on '%s'", index.name, _column_names(index)
            )
        elif kind == "remove_index":
            index = diff[1]
            constraints_log.info("Detected removed index %r on %r", index.name, index.table.name)
        elif kind in ("add_constraint", "remove_constraint"):
            _constraint(kind, diff[1])
        elif kind in ("add_fk", "remove_fk"):
            _foreign_key("added" if kind == "add_fk" else "removed", diff[1], default)


_SKIP: set[int] = set()


def _changed_pairs(changes: list[Any]) -> dict[int, tuple[Any, Any]]:
    """A removed and an added index (or unique constraint) of the same name on the same table:
    one change, as Alembic reports it.  Keyed by the removal; the addition is not reported."""
    _SKIP.clear()
    removed: dict[tuple[Any, ...], Any] = {}
    for change in changes:
        diff = change.diff
        if isinstance(diff, tuple) and diff and diff[0] in ("remove_index", "remove_constraint"):
            obj = diff[1]
            if obj.name and obj.table is not None:
                removed[(diff[0].split("_")[1], obj.table.name, obj.name)] = change
    pairs: dict[int, tuple[Any, Any]] = {}
    for change in changes:
        diff = change.diff
        if isinstance(diff, tuple) and diff and diff[0] in ("add_index", "add_constraint"):
            obj = diff[1]
            table = obj.table.name if obj.table is not None else None
            gone = removed.get((diff[0].split("_")[1], table, obj.name))
            if gone is not None and type(gone.diff[1]) is type(obj):
                pairs[id(gone)] = (gone.diff[1], obj)
                _SKIP.add(id(change))
    return pairs


def _constraint(kind: str, constraint: Any) -> None:
    from sqlalchemy import CheckConstraint, UniqueConstraint

    table = constraint.table.name if constraint.table is not None else None
    if isinstance(constraint, UniqueConstraint):
        if kind == "add_constraint":
            constraints_log.info(
                "Detected added unique constraint %r on '%s'",
                constraint.name,
                _column_names(constraint),
            )
        else:
            constraints_log.info(
                "Detected removed unique constraint %r on %r", constraint.name, table
            )
    elif isinstance(constraint, CheckConstraint):
        verb = "added" if kind == "add_constraint" else "removed"
        check_constraints_log.info(
            "Detected %s check constraint %r on table %r", verb, constraint.name, table
        )
