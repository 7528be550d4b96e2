"""``AutogenContext``: the options of one comparison, read from the migration context's opts.

Option names and meanings are Alembic's: ``target_metadata``, ``include_object``, ``include_name``,
``include_schemas``, ``compare_type``, ``compare_server_default``, ``version_table`` (and
``version_table_schema``), ``render_as_batch``, ``render_item`` and the module prefixes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import MetaData, Table

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Dialect, Inspector

    from still.ddl import DefaultImpl


class MigrationContext(Protocol):
    """What autogenerate reads from ``still.runtime.migration.MigrationContext`` (a layer above;
    not imported): the connection, its dialect, and the options env.py gave ``configure()``."""

    connection: Connection | None
    dialect: Dialect
    opts: dict[str, Any]


# Tables still keeps for itself are never reported, whatever the models say.
OWN_TABLE_PREFIX = "still_"


@dataclass
class AutogenContext:
    """What the comparators read: the connection, the models and the hooks."""

    migration_context: MigrationContext | None
    metadata: Sequence[MetaData] = ()
    opts: Mapping[str, Any] = field(default_factory=dict)
    _inspector: Inspector | None = None
    # Set while a comparison runs: the context registered comparators receive (Alembic's
    # AutogenContext), still's own findings, and the result once every comparator has run.
    hooks: Any = None
    changes: Any = None
    outcome: Any = None
    column_hooks: bool = False  # registered "column" comparators exist for this dialect

    @classmethod
    def create(
        cls, migration_context: MigrationContext | None, metadata: Any = None
    ) -> AutogenContext:
        opts = dict(migration_context.opts) if migration_context is not None else {}
        if metadata is None:
            metadata = opts.get("target_metadata")
        if metadata is None:
            metadatas: Sequence[MetaData] = ()
        elif isinstance(metadata, MetaData):
            metadatas = (metadata,)
        else:
            metadatas = tuple(metadata)
        return cls(migration_context, metadatas, opts)

    # -- the database ---------------------------------------------------------------------------

    @property
    def connection(self) -> Connection:
        connection = self.migration_context.connection if self.migration_context else None
        if connection is None:
            from still.errors import CommandError

            raise CommandError(
                "Autogenerate compares the models with a live database, and this context has no "
                "connection (offline / --sql mode). Run it without --sql."
            )
        return connection

    @property
    def dialect(self) -> Dialect:
        if self.migration_context is not None:
            return self.migration_context.dialect
        return self.connection.dialect

    @property
    def impl_class(self) -> type[DefaultImpl]:
        """The database's DDL implementation (class): what it can do, asked instead of its
        name (``named_enum_types``, ``predicted_unique_name`` ...)."""
        from still.ddl import impl_for

        return impl_for(self.dialect.name)

    @property
    def inspector(self) -> Inspector:
        if self._inspector is None:
            from sqlalchemy import inspect

            self._inspector = inspect(self.connection)
        return self._inspector

    # -- the models -----------------------------------------------------------------------------

    def tables(self) -> list[Table]:
        """Every table of the target metadata (or metadatas), version table excluded."""
        seen: dict[tuple[str | None, str], Table] = {}
        for metadata in self.metadata:
            for table in metadata.tables.values():
                key = (table.schema, table.name)
                if key in seen:
                    from still.errors import CommandError

                    raise CommandError(
                        f"Table {table.fullname!r} is in more than one of the target metadatas."
                    )
                if not self.is_own_table(table.name, table.schema):
                    seen[key] = table
        return list(seen.values())

    # -- options --------------------------------------------------------------------------------

    def opt(self, name: str, default: Any = None) -> Any:
        value = self.opts.get(name, default)
        return default if value is None else value

    @property
    def version_table(self) -> tuple[str | None, str]:
        return self.opts.get("version_table_schema"), self.opt("version_table", "alembic_version")

    def is_own_table(self, name: str, schema: str | None) -> bool:
        """The version table and still's own tables: never compared, never reported."""
        version_schema, version_name = self.version_table
        if name == version_name and (version_schema is None or schema == version_schema):
            return True
        return name.startswith(OWN_TABLE_PREFIX)

    def include_name(self, name: str | None, type_: str, parents: Mapping[str, Any]) -> bool:
        """Ask the ``include_name`` hook about a reflected name.  Where the parents name a schema
        (everything below a schema), they also carry ``schema_qualified_table_name``: the table
        itself for a table, the owning table otherwise, ``schema.table`` or just ``table``."""
        hook: Callable[..., bool] | None = self.opts.get("include_name")
        if hook is None:
            return True
        given = dict(parents)
        if "schema_name" in given:
            table = name if type_ == "table" else given.get("table_name")
            if table:
                schema = given["schema_name"]
                given["schema_qualified_table_name"] = f"{schema}.{table}" if schema else table
        return bool(hook(name, type_, given))

    def include_object(
        self, obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        hook: Callable[..., bool] | None = self.opts.get("include_object")
        return True if hook is None else bool(hook(obj, name, type_, reflected, compare_to))

    def run_object_filters(
        self, obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        return self.include_object(obj, name, type_, reflected, compare_to)


def overriding_impl(autogen: AutogenContext, method: str) -> Any:
    """The migration context's DDL implementation when its class overrides ``method`` of
    DefaultImpl (a project's or an add-on's subclass, as Alembic documents), else None."""
    from still.ddl.impl import overridden

    impl = getattr(autogen.migration_context, "impl", None)
    return impl if impl is not None and overridden(impl, method) else None


def name_of(obj: Any) -> str | None:
    """An index's or constraint's name, None when it has none (SQLAlchemy's _NONE_NAME too)."""
    name = getattr(obj, "name", None)
    return name if isinstance(name, str) else None
