"""MkDocs hooks of still's documentation site (mkdocs.yml: `hooks: [mkdocs_hooks.py]`).

At build time, in memory (nothing is written into docs/):

- ``reference/operations.md``: every ``op`` directive and every ``batch_op`` directive, read from
  the classes ``still.operations.Operations`` and ``still.operations.batch.BatchOperations``:
  the signature as the code has it, and the method's docstring. A method without a docstring
  gets the short text of ``FALLBACK`` below (a docstring, once written, takes its place). A
  method that no section of ``SECTIONS`` names still appears, under "Other directives", so a new
  directive is never missing from the reference.
- a placeholder for each page of ``IN_PROGRESS`` that the nav names but docs/ does not have yet
  (pages other people are writing), so that the strict build passes meanwhile. Once the page
  exists, the file is used and the placeholder is not made.

``render_operations_page()`` is importable (tests/test_docs.py uses it).
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Callable
from typing import Any

log = logging.getLogger("mkdocs.hooks.still")

OPERATIONS_PAGE = "reference/operations.md"

# Pages the nav names that other engineers are writing; made as placeholders while absent.
IN_PROGRESS = {
    "migrating-from-alembic.md": "Switching from Alembic",
    "testing.md": "Testing migrations",
    "graph.md": "Pictures of the revision graph",
    "benchmarks.md": "Benchmarks",
}

# The order of the reference page: (section title, introduction, method names).
SECTIONS: list[tuple[str, str, list[str]]] = [
    (
        "Tables",
        "",
        [
            "create_table",
            "drop_table",
            "rename_table",
            "create_table_comment",
            "drop_table_comment",
        ],
    ),
    ("Columns", "", ["add_column", "drop_column", "alter_column"]),
    ("Indexes", "", ["create_index", "drop_index"]),
    (
        "Constraints",
        "",
        [
            "create_primary_key",
            "create_unique_constraint",
            "create_check_constraint",
            "create_foreign_key",
            "create_exclude_constraint",
            "drop_constraint",
        ],
    ),
    ("Data and raw SQL", "", ["execute", "bulk_insert", "inline_literal"]),
    (
        "Batch mode",
        "For SQLite, whose `ALTER TABLE` can do little: see "
        "[SQLite and batch mode](../howto/sqlite-batch.md). The directives of `batch_op` are "
        "listed [below](#batch_op-directives).",
        ["batch_alter_table"],
    ),
    (
        "Names, connection, context",
        "",
        ["f", "get_bind", "get_context", "run_async"],
    ),
    (
        "Extending op",
        "Add-ons define their own directives the way they do for Alembic; still runs them. "
        "A directive registered before the documentation is built appears under "
        "[Other directives](#other-directives).",
        ["register_operation", "implementation_for", "invoke"],
    ),
]

# Short texts for methods that have no docstring yet (written for this reference).
FALLBACK: dict[str, str] = {
    "create_table": (
        "Create a table from columns and constraints given as SQLAlchemy objects "
        "(`sa.Column`, `sa.PrimaryKeyConstraint`, `sa.ForeignKeyConstraint`, ...). Returns the "
        "`Table`, which `op.bulk_insert()` accepts. Tables that foreign keys name need not exist "
        "in the migration's metadata."
    ),
    "drop_table": "Drop a table. `if_exists=True` adds `IF EXISTS` where the database has it.",
    "rename_table": "Rename a table.",
    "create_table_comment": "Set a table's comment (SQLite keeps no comments: nothing runs there).",
    "drop_table_comment": "Remove a table's comment.",
    "add_column": (
        "Add a `sa.Column` to a table. `if_not_exists=True` adds `IF NOT EXISTS` where the "
        "database has it."
    ),
    "drop_column": (
        "Drop a column (`if_exists=True`: only if it is there). On SQL Server, "
        "`mssql_drop_default=True`, `mssql_drop_check=True` and "
        "`mssql_drop_foreign_key=True` drop the column's constraints first."
    ),
    "create_index": (
        "Create an index on columns (names or SQL expressions); `unique=True` for a unique "
        "index; dialect options such as `postgresql_using=` or `postgresql_where=` pass through."
    ),
    "drop_index": (
        "Drop an index. Give `table_name` too: MySQL/MariaDB and SQL Server name the table in "
        "`DROP INDEX`."
    ),
    "create_primary_key": "Add a primary key constraint on the given columns.",
    "create_unique_constraint": "Add a unique constraint on the given columns.",
    "create_check_constraint": (
        "Add a check constraint; the condition is SQL text or a SQLAlchemy expression."
    ),
    "create_foreign_key": (
        "Add a foreign key from `source_table.local_cols` to `referent_table.remote_cols`, with "
        "optional `ondelete`, `onupdate`, `deferrable`, `initially`, `match`."
    ),
    "drop_constraint": (
        "Drop a constraint by name. `type_` is `'foreignkey'`, `'unique'`, `'check'` or "
        "`'primary'`; MySQL/MariaDB need it, since each kind has its own `DROP` there."
    ),
    "get_context": (
        "The migration context: e.g. `op.get_context().autocommit_block()` runs statements "
        "outside the migration's transaction (`CREATE INDEX CONCURRENTLY`)."
    ),
    # batch_op
    "batch.drop_column": "Drop a column of the batch's table.",
    "batch.alter_column": (
        "Change a column of the batch's table; the same keywords as `op.alter_column()`."
    ),
    "batch.create_index": "Create an index on the batch's table.",
    "batch.drop_index": "Drop an index of the batch's table.",
    "batch.create_unique_constraint": "Add a unique constraint to the batch's table.",
    "batch.create_check_constraint": "Add a check constraint to the batch's table.",
    "batch.create_primary_key": "Add a primary key to the batch's table.",
    "batch.create_foreign_key": ("Add a foreign key from the batch's table to `referent_table`."),
    "batch.drop_constraint": (
        "Drop a constraint of the batch's table; name it (on SQLite, with a "
        "`naming_convention` if the database gave it none)."
    ),
}

_LINE = 88  # longest signature kept on one line


def _clean(doc: str) -> str:
    """reStructuredText bits of docstrings as Markdown: ``x`` -> `x`, :class:`~a.B` -> `B`."""
    doc = re.sub(r":\w+:`~?([\w.]+)`", lambda m: f"`{m.group(1).rsplit('.', 1)[-1]}`", doc)
    return doc.replace("``", "`")


def _parameter(parameter: inspect.Parameter) -> str:
    """One parameter as the source writes it (annotations are strings under PEP 563)."""
    text = parameter.name
    if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
        text = "*" + text
    elif parameter.kind is inspect.Parameter.VAR_KEYWORD:
        text = "**" + text
    if parameter.annotation is not inspect.Parameter.empty:
        annotation = parameter.annotation
        if not isinstance(annotation, str):
            annotation = inspect.formatannotation(annotation)
        text += f": {annotation}"
    if parameter.default is not inspect.Parameter.empty:
        text += f" = {parameter.default!r}"
    return text


def _signature(prefix: str, name: str, fn: Callable[..., Any]) -> str:
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return f"{prefix}{name}(...)"
    parameters = [p for p in signature.parameters.values() if p.name not in ("self", "cls")]
    shown = [_parameter(p) for p in parameters]
    # a bare `*` where keyword-only parameters follow positional ones without a *args
    for index, parameter in enumerate(parameters):
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
            if index == 0 or parameters[index - 1].kind is not inspect.Parameter.VAR_POSITIONAL:
                shown.insert(index, "*")
            break
    returns = ""
    annotation = signature.return_annotation
    if annotation is not inspect.Signature.empty and annotation not in ("None", None):
        returns = f" -> {annotation}"
    one_line = f"{prefix}{name}({', '.join(shown)}){returns}"
    if len(one_line) <= _LINE:
        return one_line
    inner = "".join(f"    {item},\n" for item in shown)
    return f"{prefix}{name}(\n{inner}){returns}"


def _directive(cls: type, prefix: str, key: str, name: str) -> list[str]:
    fn = getattr(cls, name)
    if isinstance(inspect.getattr_static(cls, name), classmethod):
        prefix = f"{cls.__name__}."  # e.g. Operations.register_operation, on the class
    doc = inspect.getdoc(fn)
    if doc:
        text = _clean(doc)
    elif key in FALLBACK:
        text = FALLBACK[key]
    else:
        text = "_No description yet._"
    anchor = f"{prefix.rstrip('.').replace('_', '-').lower()}-{name}"
    return [
        f"### `{prefix}{name}` {{ #{anchor} }}",
        "",
        "```python",
        _signature(prefix, name, fn),
        "```",
        "",
        text,
        "",
    ]


def _public(cls: type) -> list[str]:
    return [name for name in dir(cls) if not name.startswith("_") and callable(getattr(cls, name))]


def render_operations_page() -> str:
    """The Markdown of the `op` reference, from the classes as they are now."""
    from still.operations import Operations
    from still.operations.batch import BatchOperations

    names = _public(Operations)
    listed = {name for _, _, members in SECTIONS for name in members}
    lines = [
        "# Operations reference (`op.*`)",
        "",
        "<!-- Generated at build time by mkdocs_hooks.py from still.operations.Operations and",
        "     still.operations.batch.BatchOperations: edit the docstrings, not this page. -->",
        "",
        "Inside `upgrade()` and `downgrade()`, migrations call these directives on `op`",
        "(`from alembic import op` in existing projects, or `from still import op`). Each call",
        "runs at once on the migration's connection, or is written out as SQL with `--sql`.",
        "How each directive behaves on each database (SQLite rebuilds, MySQL/MariaDB restating",
        "columns, SQL Server and Oracle) is in [Operations on each database](../operations.md).",
        "",
        "This page is generated from the code of `still.operations.Operations` at build time,",
        "so it lists every directive the installed still has.",
        "",
    ]
    for title, intro, members in SECTIONS:
        present = [name for name in members if name in names]
        if not present:
            continue
        lines += [f"## {title}", ""]
        if intro:
            lines += [intro, ""]
        for name in present:
            lines += _directive(Operations, "op.", name, name)
    others = [name for name in names if name not in listed]
    lines += ["## Other directives", ""]
    if others:
        for name in others:
            lines += _directive(Operations, "op.", name, name)
    else:
        lines += ["None: every directive of this still is in a section above.", ""]

    lines += [
        "## `batch_op` directives",
        "",
        'Inside `with op.batch_alter_table("pets") as batch_op:`, these directives act on',
        "that table, so they take no table name. They are collected, and run together when the",
        '`with` block ends: as one table rebuild on SQLite (or with `recreate="always"`), as',
        "plain `ALTER TABLE` statements elsewhere.",
        "",
    ]
    for name in _public(BatchOperations):
        lines += _directive(BatchOperations, "batch_op.", f"batch.{name}", name)
    return "\n".join(lines)


# -- MkDocs events ------------------------------------------------------------------------------


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    files.append(File.generated(config, OPERATIONS_PAGE, content=render_operations_page()))
    for src_uri, title in IN_PROGRESS.items():
        if files.get_file_from_path(src_uri) is None:
            log.info("%s is not written yet: a placeholder page stands in for it", src_uri)
            content = (
                f"# {title}\n\n"
                '!!! note "Being written"\n'
                "    This page is being written and is not in this build yet. Meanwhile, see\n"
                "    the [tutorial](tutorial.md) and the [command reference](reference/cli.md).\n"
            )
            files.append(File.generated(config, src_uri, content=content))
    return files
