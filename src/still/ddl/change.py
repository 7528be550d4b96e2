"""What an ALTER COLUMN asks for, as the DDL layer receives it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, MetaData, Table
from sqlalchemy.sql.sqltypes import NullType


@dataclass
class AlterColumn:
    """``False`` for server_default and comment means "leave it alone"; ``None`` drops it."""

    schema: str | None = None
    nullable: bool | None = None
    type_: Any = None
    server_default: Any = False
    new_column_name: str | None = None
    comment: Any = False
    autoincrement: bool | None = None
    using: str | None = None
    existing_type: Any = None
    existing_nullable: bool | None = None
    existing_server_default: Any = None
    existing_comment: str | None = None
    existing_autoincrement: bool | None = None
    # what else alter_column was given (dialect options, batch mode's placement)
    kw: dict[str, Any] = field(default_factory=dict)

    def described(self) -> dict[str, Any]:
        """The column as it is (and its schema), as Alembic's column constructs take it."""
        return {
            "schema": self.schema,
            "existing_type": self.existing_type,
            "existing_nullable": self.existing_nullable,
            "existing_server_default": self.existing_server_default,
            "existing_comment": self.existing_comment,
        }

    def column_on_table(self, table_name: str, column_name: str) -> Column[Any]:
        """The column as the comment constructs need it: on a table of its own."""
        column: Column[Any] = Column(column_name, self.existing_type or NullType())
        Table(table_name, MetaData(), column, schema=self.schema)
        return column
