"""A library catalogue's env.py: autogenerate filters (tables named legacy_* are never looked
at, tmp_* models are never written), a Rewriter that indexes every added column, and
``-x announce=...`` echoed through config.print_stdout."""

from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context
from alembic.autogenerate import rewriter
from alembic.operations import ops

config = context.config
if config.config_file_name:
    fileConfig(config.config_file_name)

metadata = sa.MetaData()
sa.Table(
    "authors",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(80), nullable=False),
)
sa.Table(
    "books",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("author_id", sa.Integer, sa.ForeignKey("authors.id"), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("isbn", sa.String(20), nullable=True),  # not in any revision yet
)
sa.Table("tmp_scratch", metadata, sa.Column("id", sa.Integer, primary_key=True))

x_args = context.get_x_argument(as_dictionary=True)
if "announce" in x_args:
    given = getattr(config.cmd_opts, "x", None) or []
    config.print_stdout("announce=%s (from %d -x argument(s))", x_args["announce"], len(given))


def include_name(name, type_, parent_names):
    return not (type_ == "table" and name.startswith("legacy_"))


def include_object(obj, name, type_, reflected, compare_to):
    return not (type_ == "table" and name.startswith("tmp_"))


writer = rewriter.Rewriter()


@writer.rewrites(ops.AddColumnOp)
def index_new_columns(context, revision, op):
    index = f"ix_{op.table_name}_{op.column.name}"
    return [op, ops.CreateIndexOp(index, op.table_name, [op.column.name])]


@writer.rewrites(ops.DropColumnOp)
def unindex_dropped_columns(context, revision, op):
    index = f"ix_{op.table_name}_{op.column_name}"
    return [ops.DropIndexOp(index, op.table_name), op]


def run_migrations_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    engine = sa.engine_from_config(
        config.get_section(config.config_ini_section),
        prefix="sqlalchemy.",
        poolclass=sa.pool.NullPool,
    )
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            include_name=include_name,
            include_object=include_object,
            process_revision_directives=writer,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
