"""``alembic.ddl.base``: the ALTER TABLE constructs and the phrases SQL is written with.

Third-party dialect implementations and add-ons (geoalchemy2's alembic helpers) import these
to register how a statement compiles for a database (``@compiles(RenameTable, "sqlite")``) or to
write one.  Each name is still's own construct or function, the one still itself compiles with,
so such a registration changes what still writes, as it changes what Alembic writes.
"""

from __future__ import annotations

from still.alembic_names._standin import stand_in

_E = "still.ddl.elements"
_A = "still.ddl.alter"
__getattr__, __dir__ = stand_in(
    globals(),
    "alembic.ddl.base",
    {
        # constructs (Alembic's constructors and attributes)
        "AlterTable": f"{_E}:AlterTable",
        "AddColumn": f"{_E}:AddColumn",
        "DropColumn": f"{_E}:DropColumn",
        "RenameTable": f"{_A}:RenameTable",
        "AlterColumn": f"{_A}:ColumnChange",
        "ColumnNullable": f"{_A}:ColumnNullable",
        "ColumnType": f"{_A}:ColumnType",
        "ColumnName": f"{_A}:ColumnName",
        "ColumnDefault": f"{_A}:ColumnDefault",
        "ColumnComment": f"{_A}:ColumnComment",
        # the generic compile functions (a dialect's own falls back on them)
        "visit_rename_table": f"{_A}:visit_rename_table",
        "visit_column_name": f"{_A}:visit_column_name",
        "visit_column_nullable": f"{_A}:visit_column_nullable",
        "visit_column_type": f"{_A}:visit_column_type",
        "visit_column_default": f"{_A}:visit_column_default",
        "visit_column_comment": f"{_A}:visit_column_comment",
        "visit_add_column": f"{_E}:visit_add_column",
        "visit_drop_column": f"{_E}:visit_drop_column",
        # phrases
        "alter_table": f"{_E}:alter_table_phrase",
        "alter_column": f"{_E}:alter_column_phrase",
        "add_column": f"{_E}:add_column_phrase",
        "drop_column": f"{_E}:drop_column_phrase",
        "format_table_name": f"{_E}:table_name",
        "format_column_name": f"{_E}:column_name",
        "format_type": f"{_A}:type_sql",
        "format_server_default": f"{_A}:default_sql",
        "quote_dotted": f"{_E}:quote_dotted",
    },
)
