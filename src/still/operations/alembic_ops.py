"""Operation classes under the names and constructor signatures Alembic documents.

Add-ons and ``process_revision_directives`` rewriters build operations by hand, e.g.
``ops.AlterColumnOp("t", "c", modify_nullable=False, existing_type=...)`` or
``ops.CreateForeignKeyOp(name, "pets", "owners", ["owner_id"], ["id"])``.  These are still's
operation classes with those constructors: what they make runs, reverses and renders like any
other operation.

Also the names add-ons build on: :class:`AlterTableOp` and :class:`OpContainer` (still's own
operations count as instances of them), and ``to_diff_tuple()`` on the common operations, the
form ``compare_metadata()`` reports them in.
"""

from __future__ import annotations

import inspect
from abc import ABCMeta
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    Constraint,
    ForeignKeyConstraint,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
)
from sqlalchemy.sql.sqltypes import NullType

from still.operations import schema
from still.operations.ops import (
    AddColumnOp,
    AddConstraintOp,
    AlterColumnOp,
    BulkInsertOp,
    CreateIndexOp,
    CreateTableCommentOp,
    CreateTableOp,
    DowngradeOps,
    DropColumnOp,
    DropConstraintOp,
    DropIndexOp,
    DropTableCommentOp,
    DropTableOp,
    ExecuteSQLOp,
    MigrateOperation,
    MigrationScript,
    ModifyTableOps,
    RenameTableOp,
    UpgradeOps,
    diff_tuple_of,
)
from still.sqla_private import column_spec, exclude_elements

# Alembic's AlterColumnOp keyword -> still's field
_ALTER_NAMES = {
    "modify_nullable": "nullable",
    "modify_type": "type_",
    "modify_server_default": "server_default",
    "modify_name": "new_column_name",
    "modify_comment": "comment",
}


def _alias(name: str) -> property:
    return property(
        lambda self: getattr(self, name), lambda self, value: setattr(self, name, value)
    )


for _alembic_name, _name in _ALTER_NAMES.items():
    # Alembic's names too: column comparators set op.modify_type, rewriters read it.
    setattr(AlterColumnOp, _alembic_name, _alias(_name))

# Alembic keeps what undoes a drop in ``_reverse``; add-ons read it (the dropped column's type).
for _drop in (DropTableOp, DropColumnOp, DropIndexOp, DropConstraintOp):
    setattr(_drop, "_reverse", _alias("reverse_of"))  # noqa: B010


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


class CreateExcludeConstraintOp(AddConstraintOp):
    """PostgreSQL ``EXCLUDE`` (``alembic.ddl.postgresql.CreateExcludeConstraintOp``):
    ``elements`` are ``(column_or_expression, operator)`` pairs."""

    def __init__(
        self,
        constraint_name: str | None,
        table_name: str,
        elements: Sequence[Any],
        where: Any = None,
        schema: str | None = None,
        _orig_constraint: Any = None,
        **kw: Any,
    ) -> None:
        spec = {"elements": list(elements), **({"where": where} if where is not None else {})}
        super().__init__("exclude", constraint_name, table_name, {**spec, **kw}, schema)

    @property
    def elements(self) -> list[Any]:
        return list(self.spec["elements"])

    @property
    def where(self) -> Any:
        return self.spec.get("where")

    @property
    def kw(self) -> dict[str, Any]:
        return {k: v for k, v in self.spec.items() if k not in ("elements", "where")}

    @classmethod
    def from_constraint(cls, constraint: Any) -> CreateExcludeConstraintOp:
        table = constraint.table
        return cls(
            constraint.name,
            table.name,
            exclude_elements(constraint),
            where=constraint.where,
            schema=table.schema,
            **{k: getattr(constraint, k) for k in ("deferrable", "initially", "using")},
        )


# -- base classes add-ons subclass or test against -------------------------------------------------


class AlterTableOp(MigrateOperation, metaclass=ABCMeta):
    """Alembic's base of operations on one existing table (``table_name``, ``schema``).

    Add-ons subclass it for operations of their own; still's table-level operations (alter
    column, add/drop column and constraint, rename, table comments) count as instances of it.
    """

    def __init__(self, table_name: str, schema: str | None = None) -> None:
        self.table_name = table_name
        self.schema = schema


class OpContainer(MigrateOperation, metaclass=ABCMeta):
    """Alembic's base of operations holding others in ``ops`` (upgrade_ops, downgrade_ops, the
    per-table block); still's UpgradeOps, DowngradeOps and ModifyTableOps count as instances."""

    def __init__(self, ops: Sequence[MigrateOperation] = ()) -> None:
        self.ops = list(ops)

    def is_empty(self) -> bool:
        return not self.ops

    def as_diffs(self) -> list[Any]:
        return _as_diffs(self)


def _as_diffs(container: Any) -> list[Any]:
    """The diff tuples of a container's operations, nested containers flattened (an
    alter_column's list of ``modify_*`` tuples stays one entry, as compare_metadata gives it)."""
    found: list[Any] = []
    for operation in container.ops:
        if hasattr(operation, "ops"):
            found.extend(_as_diffs(operation))
        else:
            diff = diff_tuple_of(operation)
            if diff is not None:
                found.append(diff)
    return found


for _table_op in (
    AlterColumnOp,
    AddColumnOp,
    DropColumnOp,
    AddConstraintOp,
    DropConstraintOp,
    RenameTableOp,
    CreateTableCommentOp,
    DropTableCommentOp,
):
    AlterTableOp.register(_table_op)
for _container in (UpgradeOps, DowngradeOps, ModifyTableOps):
    OpContainer.register(_container)
    setattr(_container, "as_diffs", _as_diffs)  # noqa: B010


# -- to_diff_tuple(): an operation as compare_metadata() reports it --------------------------------


def _table_of(op: CreateTableOp) -> Table:
    """The table a CreateTableOp makes, built from copies (the operation stays runnable)."""
    items = [
        item._copy()
        if isinstance(item, Column)
        else _detached(item)
        if isinstance(item, Constraint) and getattr(item, "parent", None) is not None
        else item
        for item in op.columns
    ]
    try:
        return schema.table(op.table_name, *items, schema=op.schema, **op.kw)
    except Exception:  # constraints already on another table: the columns alone
        columns = [item for item in items if isinstance(item, Column)]
        return schema.table(op.table_name, *columns, schema=op.schema)


def _dropped_table(op: DropTableOp) -> Table:
    if op.reverse_of is not None:
        return _table_of(op.reverse_of)
    return schema.table(op.table_name, schema=op.schema)


def _dropped_column(op: DropColumnOp) -> Column[Any]:
    if op.reverse_of is not None:
        column: Column[Any] = op.reverse_of.column
        return column
    return Column(op.column_name, NullType())


def _index_of(op: CreateIndexOp) -> Any:
    return schema.index(
        op.index_name, op.table_name, op.columns, schema=op.schema, unique=op.unique, **op.kw
    )


def _dropped_index(op: DropIndexOp) -> Any:
    if op.reverse_of is not None:
        return _index_of(op.reverse_of)
    return schema.index(op.index_name, op.table_name or "", [], schema=op.schema)


def _dropped_constraint(op: DropConstraintOp) -> Any:
    if op.reverse_of is not None:
        return schema.constraint(op.reverse_of)
    stub = schema.table(op.table_name, schema=op.schema)
    made: Any
    if op.type_ == "foreignkey":
        made = ForeignKeyConstraint([], [], name=op.constraint_name)
    elif op.type_ == "primary":
        made = PrimaryKeyConstraint(name=op.constraint_name)
    elif op.type_ == "check":
        made = CheckConstraint("1 = 1", name=op.constraint_name)
    else:
        made = UniqueConstraint(name=op.constraint_name)
    stub.append_constraint(made)
    return made


def _alter_diffs(op: AlterColumnOp) -> list[tuple[Any, ...]]:
    existing = {
        "existing_type": op.existing_type,
        "existing_nullable": op.existing_nullable,
        "existing_server_default": op.existing_server_default,
        "existing_comment": op.existing_comment,
    }

    def others(leave_out: str) -> dict[str, Any]:
        return {k: v for k, v in existing.items() if k != leave_out}

    where = (op.schema, op.table_name, op.column_name)
    diffs: list[tuple[Any, ...]] = []
    if op.type_ is not None:
        diffs.append(("modify_type", *where, others("existing_type"), op.existing_type, op.type_))
    if op.nullable is not None:
        diffs.append(
            (
                "modify_nullable",
                *where,
                others("existing_nullable"),
                op.existing_nullable,
                op.nullable,
            )
        )
    if op.server_default is not False:
        diffs.append(
            (
                "modify_default",
                *where,
                others("existing_server_default"),
                op.existing_server_default,
                op.server_default,
            )
        )
    if op.comment is not False:
        diffs.append(
            ("modify_comment", *where, others("existing_comment"), op.existing_comment, op.comment)
        )
    return diffs


def _constraint_diff(verb: str, constraint: Any) -> tuple[Any, ...]:
    kind = "fk" if isinstance(constraint, ForeignKeyConstraint) else "constraint"
    return (f"{verb}_{kind}", constraint)


_DIFFS: dict[type[Any], Callable[[Any], Any]] = {
    CreateTableOp: lambda op: ("add_table", _table_of(op)),
    DropTableOp: lambda op: ("remove_table", _dropped_table(op)),
    AddColumnOp: lambda op: ("add_column", op.schema, op.table_name, op.column),
    DropColumnOp: lambda op: ("remove_column", op.schema, op.table_name, _dropped_column(op)),
    CreateIndexOp: lambda op: ("add_index", _index_of(op)),
    DropIndexOp: lambda op: ("remove_index", _dropped_index(op)),
    AddConstraintOp: lambda op: _constraint_diff("add", schema.constraint(op)),
    DropConstraintOp: lambda op: _constraint_diff("remove", _dropped_constraint(op)),
    AlterColumnOp: _alter_diffs,
    CreateTableCommentOp: lambda op: (
        "add_table_comment",
        _commented_table(op),
        op.existing_comment,
    ),
    DropTableCommentOp: lambda op: ("remove_table_comment", _commented_table(op)),
}


def _commented_table(op: CreateTableCommentOp | DropTableCommentOp) -> Table:
    comment = op.comment if isinstance(op, CreateTableCommentOp) else None
    return schema.table(op.table_name, schema=op.schema, comment=comment)


for _op_class, _make in _DIFFS.items():
    setattr(_op_class, "to_diff_tuple", _make)  # noqa: B010


# -- AbstractOperations ---------------------------------------------------------------------------


class AbstractOperations(metaclass=ABCMeta):  # noqa: B024 (a base without abstract methods)
    """Alembic's common base of ``Operations`` (``op``) and ``BatchOperations`` (``batch_op``):
    still's two classes count as its subclasses, and an operation registered here becomes a
    method of both."""

    @classmethod
    def __subclasshook__(cls, subclass: type[Any]) -> bool | Any:
        if cls is AbstractOperations:
            return issubclass(subclass, _operations_classes()) or NotImplemented
        return NotImplemented

    @classmethod
    def register_operation(
        cls, name: str, sourcename: str | None = None
    ) -> Callable[[type[Any]], type[Any]]:
        """Class decorator: ``op.NAME(...)`` and ``batch_op.NAME(...)`` call
        ``OpClass.SOURCENAME(operations, ...)``."""

        def register(op_class: type[Any]) -> type[Any]:
            for target in _operations_classes():
                target.register_operation(name, sourcename)(op_class)
            return op_class

        return register

    @classmethod
    def implementation_for(cls, op_cls: type[Any], replace: bool = False) -> Callable[[Any], Any]:
        """Decorator: ``fn(operations, operation)`` runs operations of ``op_cls``."""
        from still.operations.base import Operations

        return Operations.implementation_for(op_cls)

    @classmethod
    @contextmanager
    def context(cls, migration_context: Any) -> Iterator[Any]:
        """``op`` bound to ``migration_context`` inside the block (operations run outside a
        migration, e.g. in a test or a script)."""
        from still.operations.base import Operations
        from still.operations.proxy import operations_in_effect

        operations = Operations(migration_context)
        with operations_in_effect(operations):
            yield operations

    def __init__(self, migration_context: Any, impl: Any = None) -> None:
        self.migration_context = migration_context
        self.impl = impl if impl is not None else migration_context.impl
        self.schema_obj: Any = None


class _Shared:
    """A method of AbstractOperations: the one the instance's own class (Operations or
    BatchOperations) has, with that class's signature."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.__name__ = name

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        if inspect.getattr_static(type(obj), self.name, None) in (None, self):
            raise NotImplementedError(f"{type(obj).__name__} does not implement {self.name}()")
        return getattr(obj, self.name)

    def __call__(self, operations: Any, *args: Any, **kw: Any) -> Any:
        return self.__get__(operations)(*args, **kw)

    @property
    def __signature__(self) -> inspect.Signature:
        operations = _operations_classes()[0]
        signature = inspect.signature(getattr(operations, self.name))
        if isinstance(inspect.getattr_static(operations, self.name), staticmethod):
            own = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
            signature = signature.replace(parameters=[own, *signature.parameters.values()])
        return signature


for _shared in (
    "batch_alter_table",
    "f",
    "get_bind",
    "get_context",
    "inline_literal",
    "invoke",
    "run_async",
):
    setattr(AbstractOperations, _shared, _Shared(_shared))


def _operations_classes() -> tuple[type[Any], ...]:
    from still.operations.base import Operations
    from still.operations.batch import BatchOperations

    return (Operations, BatchOperations)


# -- Alembic's conversions between operations and SQLAlchemy schema objects -----------------------
#
# Add-ons and rewriters build operations from schema objects (``CreateTableOp.from_table(t)``)
# and read them back (``op.to_table()``).  Each is added only where still's class has no
# attribute of that name, so the operation classes stay the operations layer's.


def _adds(cls: type[Any], name: str, value: Any) -> None:
    if name in vars(cls) or name in getattr(cls, "__dataclass_fields__", {}):
        return
    setattr(cls, name, value)


def _table_name_and_schema(item: Any) -> tuple[str, str | None]:
    table = getattr(item, "table", None)
    if table is None:
        raise ValueError(f"{item!r} belongs to no table; attach it to a Table first")
    return table.name, table.schema


def _constraint_name(constraint: Any) -> str | None:
    name = constraint.name
    return None if name is None or type(name).__name__ == "_NoneName" else str(name)


def _from_constraint(constraint: Any) -> AddConstraintOp:
    """The operation that adds ``constraint`` (a constraint attached to a table)."""
    registered = _ADD_CONSTRAINT_OPS.get(constraint.__visit_name__)
    if registered is not None:
        made: AddConstraintOp = registered(constraint)
        return made
    table_name, table_schema = _table_name_and_schema(constraint)
    name = _constraint_name(constraint)
    if isinstance(constraint, PrimaryKeyConstraint):
        return CreatePrimaryKeyOp(
            name, table_name, list(constraint.columns.keys()), table_schema,
            **constraint.dialect_kwargs,
        )  # fmt: skip
    if isinstance(constraint, UniqueConstraint):
        kw = {
            k: getattr(constraint, k) for k in ("deferrable", "initially") if getattr(constraint, k)
        }
        return CreateUniqueConstraintOp(
            name, table_name, [c.name for c in constraint.columns], table_schema,
            **kw, **constraint.dialect_kwargs,
        )  # fmt: skip
    if isinstance(constraint, CheckConstraint):
        return CreateCheckConstraintOp(
            name, table_name, constraint.sqltext, table_schema, **constraint.dialect_kwargs
        )
    if isinstance(constraint, ForeignKeyConstraint):
        kw = {
            k: getattr(constraint, k)
            for k in ("onupdate", "ondelete", "initially", "deferrable", "use_alter", "match")
            if getattr(constraint, k)
        }
        target = constraint.elements[0].column.table if constraint.elements else None
        return CreateForeignKeyOp(
            name,
            table_name,
            target.name if target is not None else constraint.elements[0].target_fullname,
            [c.name for c in constraint.columns],
            [element.column.name for element in constraint.elements],
            source_schema=table_schema,
            referent_schema=target.schema if target is not None else None,
            **kw,
            **constraint.dialect_kwargs,
        )
    raise ValueError(f"No operation adds a {type(constraint).__name__}")


# constraint __visit_name__ -> fn(constraint) -> AddConstraintOp (register_add_constraint)
_ADD_CONSTRAINT_OPS: dict[str, Callable[[Any], Any]] = {}


class _AddConstraintOps:
    """Alembic's ``AddConstraintOp.add_constraint_ops``: how each kind of constraint becomes an
    operation (add-ons register theirs with ``register_add_constraint``)."""

    def dispatch_for(self, type_: str, qualifier: str = "default", replace: bool = False) -> Any:
        def register(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
            _ADD_CONSTRAINT_OPS[type_] = fn
            return fn

        return register

    def dispatch(self, obj: Any, qualifier: str = "default") -> Callable[[Any], Any]:
        name = obj if isinstance(obj, str) else obj.__visit_name__
        return _ADD_CONSTRAINT_OPS.get(name) or _from_constraint


_CONSTRAINT_TYPES = {"primary": "primarykey", "unique": "unique", "check": "check"}


def _register_add_constraint(cls: type[Any], type_: str) -> Callable[[type[Any]], type[Any]]:
    def register(klass: type[Any]) -> type[Any]:
        _ADD_CONSTRAINT_OPS[type_] = klass.from_constraint
        return klass

    return register


_adds(AddConstraintOp, "add_constraint_ops", _AddConstraintOps())
_adds(AddConstraintOp, "register_add_constraint", classmethod(_register_add_constraint))
_adds(
    AddConstraintOp,
    "from_constraint",
    classmethod(lambda cls, constraint: _from_constraint(constraint)),
)
_adds(
    AddConstraintOp,
    "to_constraint",
    lambda self, migration_context=None: schema.constraint(self),
)
_adds(
    AddConstraintOp,
    "constraint_type",
    property(lambda self: _CONSTRAINT_TYPES.get(self.kind, self.kind)),
)
_adds(CreateForeignKeyOp, "source_table", property(lambda self: self.table_name))
_adds(CreateForeignKeyOp, "referent_table", property(lambda self: self.spec["referent_table"]))
_adds(CreateForeignKeyOp, "local_cols", property(lambda self: list(self.spec["local_cols"])))
_adds(CreateForeignKeyOp, "remote_cols", property(lambda self: list(self.spec["remote_cols"])))
_FK_STRUCTURE = ("referent_table", "local_cols", "remote_cols")
_adds(
    CreateForeignKeyOp,
    "kw",
    property(lambda self: {k: v for k, v in self.spec.items() if k not in _FK_STRUCTURE and v}),
)
for _with_columns in (CreatePrimaryKeyOp, CreateUniqueConstraintOp):
    _adds(_with_columns, "columns", property(lambda self: list(self.spec["columns"])))
    _adds(
        _with_columns,
        "kw",
        property(lambda self: {k: v for k, v in self.spec.items() if k != "columns"}),
    )
_adds(CreateCheckConstraintOp, "condition", property(lambda self: self.spec["condition"]))
_adds(
    CreateCheckConstraintOp,
    "kw",
    property(lambda self: {k: v for k, v in self.spec.items() if k != "condition"}),
)
for _subclass in (
    CreatePrimaryKeyOp,
    CreateUniqueConstraintOp,
    CreateCheckConstraintOp,
    CreateForeignKeyOp,
):
    _adds(
        _subclass,
        "from_constraint",
        classmethod(lambda cls, constraint: _from_constraint(constraint)),
    )
    _adds(_subclass, "to_constraint", AddConstraintOp.to_constraint)  # type: ignore[attr-defined]
_adds(CreatePrimaryKeyOp, "constraint_type", "primarykey")
_adds(CreateUniqueConstraintOp, "constraint_type", "unique")
_adds(CreateCheckConstraintOp, "constraint_type", "check")
_adds(CreateForeignKeyOp, "constraint_type", "foreignkey")

_DROP_TYPES = {
    "unique_constraint": "unique",
    "foreign_key_constraint": "foreignkey",
    "primary_key_constraint": "primary",
    "check_constraint": "check",
    "column_check_constraint": "check",
    "table_or_column_check_constraint": "check",
}


def _to_dropped_constraint(self: DropConstraintOp, migration_context: Any = None) -> Any:
    return _dropped_constraint(self)


def _drop_constraint_from(cls: type[Any], constraint: Any) -> DropConstraintOp:
    table_name, table_schema = _table_name_and_schema(constraint)
    made: DropConstraintOp = cls(
        _constraint_name(constraint),
        table_name,
        type_=_DROP_TYPES.get(constraint.__visit_name__),
        schema=table_schema,
        _reverse=_from_constraint(constraint),
    )
    return made


_adds(DropConstraintOp, "from_constraint", classmethod(_drop_constraint_from))
_adds(
    DropConstraintOp,
    "to_constraint",
    lambda self, migration_context=None: _dropped_constraint(self),
)
_adds(DropConstraintOp, "constraint_type", property(lambda self: self.type_))


def _create_table_from(cls: type[Any], table: Table, *, _namespace_metadata: Any = None) -> Any:
    kw = dict(table.kwargs)
    for name in ("comment", "info", "prefixes"):
        value = getattr(table, name, None)
        if value:
            kw[name] = value
    # Unattached copies (the operation builds its own table): a copied column keeps its
    # unique=/index= flags; the constraints those flags made, and the primary key the columns
    # declare, are not copied again.
    items: list[Any] = [column._copy() for column in table.columns]
    items += [
        _detached(constraint)
        for constraint in list(table.constraints)
        if not getattr(constraint, "_column_flag", False)
        and not (isinstance(constraint, PrimaryKeyConstraint) and not constraint.name)
    ]
    return cls(
        table.name,
        items,
        schema=table.schema,
        _namespace_metadata=table.metadata if _namespace_metadata is None else _namespace_metadata,
        **kw,
    )


def _detached(constraint: Any) -> Any:
    """A copy of a table's constraint that belongs to no table (columns by name), leaving the
    original table as it was."""
    options = {
        k: getattr(constraint, k) for k in ("deferrable", "initially") if getattr(constraint, k)
    }
    options.update(constraint.dialect_kwargs)
    if isinstance(constraint, ForeignKeyConstraint):
        for k in ("onupdate", "ondelete", "use_alter", "match"):
            if getattr(constraint, k):
                options[k] = getattr(constraint, k)
        return ForeignKeyConstraint(
            [element.parent.name for element in constraint.elements],
            [column_spec(element) for element in constraint.elements],
            name=constraint.name,
            **options,
        )
    if isinstance(constraint, (UniqueConstraint, PrimaryKeyConstraint)):
        names = [column.name for column in constraint.columns]
        return type(constraint)(*names, name=_constraint_name(constraint), **options)
    return CheckConstraint(constraint.sqltext, name=constraint.name, **options)


def _drop_table_from(cls: type[Any], table: Table, *, _namespace_metadata: Any = None) -> Any:
    created = _create_table_from(CreateTableOp, table, _namespace_metadata=_namespace_metadata)
    return cls(table.name, schema=table.schema, table_kw=dict(created.kw), _reverse=created)


_adds(CreateTableOp, "from_table", classmethod(_create_table_from))
_adds(CreateTableOp, "to_table", lambda self, migration_context=None: _table_of(self))
_adds(CreateTableOp, "comment", property(lambda self: self.kw.get("comment")))
_adds(CreateTableOp, "prefixes", property(lambda self: list(self.kw.get("prefixes") or [])))
_adds(DropTableOp, "from_table", classmethod(_drop_table_from))
_adds(DropTableOp, "to_table", lambda self, migration_context=None: _dropped_table(self))
_adds(DropTableOp, "table_kw", property(lambda self: dict(self.kw)))
_adds(DropTableOp, "comment", property(lambda self: self.kw.get("comment")))
_adds(DropTableOp, "prefixes", property(lambda self: list(self.kw.get("prefixes") or [])))


def _add_column_from(cls: type[Any], col: Column[Any]) -> Any:
    table_name, table_schema = _table_name_and_schema(col)
    return cls(table_name, col, schema=table_schema)


def _add_column_from_table(cls: type[Any], schema: str | None, tname: str, col: Any) -> Any:
    return cls(tname, col, schema=schema)


def _drop_column_from_table(cls: type[Any], schema: str | None, tname: str, col: Any) -> Any:
    return cls(tname, col.name, schema=schema, _reverse=AddColumnOp(tname, col, schema=schema))


_adds(AddColumnOp, "from_column", classmethod(_add_column_from))
_adds(AddColumnOp, "from_column_and_tablename", classmethod(_add_column_from_table))
_adds(AddColumnOp, "to_column", lambda self: self.column)
_adds(DropColumnOp, "from_column_and_tablename", classmethod(_drop_column_from_table))
_adds(DropColumnOp, "to_column", lambda self, migration_context=None: _dropped_column(self))


def _create_index_from(cls: type[Any], index: Any) -> Any:
    table_name, table_schema = _table_name_and_schema(index)
    return cls(
        index.name,
        table_name,
        list(index.expressions),  # the table's Column objects, as Alembic's (rewriters read them)
        schema=table_schema,
        unique=bool(index.unique),
        **index.kwargs,
    )


def _drop_index_from(cls: type[Any], index: Any) -> Any:
    table_name, table_schema = _table_name_and_schema(index)
    return cls(
        index.name,
        table_name,
        schema=table_schema,
        _reverse=_create_index_from(CreateIndexOp, index),
        **index.kwargs,
    )


_adds(CreateIndexOp, "from_index", classmethod(_create_index_from))
_adds(CreateIndexOp, "to_index", lambda self, migration_context=None: _index_of(self))
_adds(DropIndexOp, "from_index", classmethod(_drop_index_from))
_adds(DropIndexOp, "to_index", lambda self, migration_context=None: _dropped_index(self))
_adds(CreateTableCommentOp, "to_table", lambda self, migration_context=None: _commented_table(self))
_adds(DropTableCommentOp, "to_table", lambda self, migration_context=None: _commented_table(self))


# -- containers and the common base ----------------------------------------------------------------


def _info(self: Any) -> dict[str, Any]:
    """A dictionary of your own on every operation (Alembic's ``MigrateOperation.info``)."""
    found: dict[str, Any] = self.__dict__.setdefault("_still_info", {})
    return found


def _set_info(self: Any, value: dict[str, Any]) -> None:
    self.__dict__["_still_info"] = value


def _reverse_into(self: UpgradeOps, downgrade_ops: DowngradeOps) -> DowngradeOps:
    """Fill ``downgrade_ops`` with the reverse of these operations; return it."""
    downgrade_ops.ops[:] = [operation.reverse() for operation in reversed(self.ops)]
    return downgrade_ops


def _ops_list(name: str) -> property:
    def get(self: Any) -> list[Any]:
        value = getattr(self, name)
        return list(value) if isinstance(value, (list, tuple)) else [value]

    return property(get)


_adds(MigrateOperation, "info", property(_info, _set_info))
_adds(UpgradeOps, "reverse_into", _reverse_into)
_adds(ModifyTableOps, "is_empty", lambda self: not self.ops)
_adds(MigrationScript, "upgrade_ops_list", _ops_list("upgrade_ops"))
_adds(MigrationScript, "downgrade_ops_list", _ops_list("downgrade_ops"))
_adds(
    AlterColumnOp,
    "has_changes",
    lambda self: (
        self.nullable is not None
        or self.type_ is not None
        or self.server_default is not False
        or self.comment is not False
        or self.new_column_name is not None
        or bool(self.kw)
    ),
)


# -- ``OpClass.op_name(operations, ...)``: how Alembic spells ``operations.op_name(...)`` ------


class _Forward:
    """``AddColumnOp.add_column(operations, ...)`` is ``operations.add_column(...)``; the
    signature is the method's, read when asked (the operations classes import this module)."""

    def __init__(self, method: str, batch: bool) -> None:
        self.method = method
        self.batch = batch
        self.__name__ = ("batch_" if batch else "") + method

    def __call__(self, cls: type[Any], operations: Any, *args: Any, **kw: Any) -> Any:
        return getattr(operations, self.method)(*args, **kw)

    @property
    def __signature__(self) -> inspect.Signature:
        owner = _operations_classes()[1 if self.batch else 0]
        method = getattr(owner, self.method)
        signature = inspect.signature(method)
        positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
        params = [
            inspect.Parameter("cls", positional),
            inspect.Parameter("operations", positional),
            *list(signature.parameters.values())[1:],
        ]
        return signature.replace(parameters=params)


_OPERATION_METHODS: dict[type[Any], tuple[str, bool]] = {
    AddColumnOp: ("add_column", True),
    AlterColumnOp: ("alter_column", True),
    BulkInsertOp: ("bulk_insert", False),
    CreateCheckConstraintOp: ("create_check_constraint", True),
    CreateForeignKeyOp: ("create_foreign_key", True),
    CreateIndexOp: ("create_index", True),
    CreatePrimaryKeyOp: ("create_primary_key", True),
    CreateTableCommentOp: ("create_table_comment", True),
    CreateTableOp: ("create_table", False),
    CreateUniqueConstraintOp: ("create_unique_constraint", True),
    DropColumnOp: ("drop_column", True),
    DropConstraintOp: ("drop_constraint", True),
    DropIndexOp: ("drop_index", True),
    DropTableCommentOp: ("drop_table_comment", True),
    DropTableOp: ("drop_table", False),
    ExecuteSQLOp: ("execute", True),
    RenameTableOp: ("rename_table", False),
    CreateExcludeConstraintOp: ("create_exclude_constraint", True),
}
for _op_class, (_method, _in_batch) in _OPERATION_METHODS.items():
    _adds(_op_class, _method, classmethod(_Forward(_method, False)))
    if _in_batch:
        _adds(_op_class, f"batch_{_method}", classmethod(_Forward(_method, True)))
