"""Operation classes under the names and constructor signatures Alembic documents.

Add-ons and ``process_revision_directives`` rewriters build operations by hand, e.g.
``ops.AlterColumnOp("t", "c", modify_nullable=False, existing_type=...)`` or
``ops.CreateForeignKeyOp(name, "pets", "owners", ["owner_id"], ["id"])``.  These are still's
operation classes with those constructors: what they make runs, reverses and renders like any
other operation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any

from still.operations.ops import AddConstraintOp, AlterColumnOp

# Alembic's AlterColumnOp keyword -> still's field
_ALTER_NAMES = {
    "modify_nullable": "nullable",
    "modify_type": "type_",
    "modify_server_default": "server_default",
    "modify_name": "new_column_name",
    "modify_comment": "comment",
}
_ALTER_FIELDS = {f.name for f in fields(AlterColumnOp)}
_dataclass_init = AlterColumnOp.__init__


def _alter_init(self: AlterColumnOp, *args: Any, **kw: Any) -> None:
    for alembic_name, name in _ALTER_NAMES.items():
        if alembic_name in kw:
            kw[name] = kw.pop(alembic_name)
    extra = {k: kw.pop(k) for k in list(kw) if k not in _ALTER_FIELDS}
    if extra:
        kw["kw"] = {**dict(kw.get("kw") or {}), **extra}
    _dataclass_init(self, *args, **kw)


AlterColumnOp.__init__ = _alter_init  # type: ignore[method-assign]


def _alias(name: str) -> property:
    return property(lambda self: getattr(self, name))


for _alembic_name, _name in _ALTER_NAMES.items():
    # Read access under Alembic's names too (comparators and rewriters read op.modify_type).
    setattr(AlterColumnOp, _alembic_name, _alias(_name))


class CreatePrimaryKeyOp(AddConstraintOp):
    def __init__(
        self,
        constraint_name: str | None,
        table_name: str,
        columns: Sequence[str],
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        super().__init__("primary", constraint_name, table_name, {"columns": list(columns)}, schema)


class CreateUniqueConstraintOp(AddConstraintOp):
    def __init__(
        self,
        constraint_name: str | None,
        table_name: str,
        columns: Sequence[str],
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        spec = {"columns": list(columns), **kw}
        super().__init__("unique", constraint_name, table_name, spec, schema)


class CreateCheckConstraintOp(AddConstraintOp):
    def __init__(
        self,
        constraint_name: str | None,
        table_name: str,
        condition: Any,
        schema: str | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(
            "check", constraint_name, table_name, {"condition": condition, **kw}, schema
        )


class CreateForeignKeyOp(AddConstraintOp):
    def __init__(
        self,
        constraint_name: str | None,
        source_table: str,
        referent_table: str,
        local_cols: Sequence[str],
        remote_cols: Sequence[str],
        **kw: Any,
    ) -> None:
        source_schema = kw.pop("source_schema", None)
        spec = {
            "referent_table": referent_table,
            "local_cols": list(local_cols),
            "remote_cols": list(remote_cols),
            "referent_schema": kw.pop("referent_schema", None),
            **{
                k: kw.pop(k, None)
                for k in ("onupdate", "ondelete", "deferrable", "initially", "match")
            },
            **kw,
        }
        super().__init__("foreignkey", constraint_name, source_table, spec, source_schema)
