"""env.py: the generic one, importing the project's operations before any revision runs."""

from logging.config import fileConfig

import models
import sequence_ops  # op.create_sequence, op.drop_sequence
from alembic import context
from sqlalchemy import engine_from_config, pool

# the Config of the running command: the .ini file's values
config = context.config

# logging as the ini file says
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

# the application's MetaData, for autogenerate
target_metadata = models.metadata


def compare_own_types(context, inspected_column, metadata_column, inspected_type, metadata_type):
    """A type of the application's decides for itself (Alembic 1.4 and later no longer ask a
    type's compare_against_backend on their own); None leaves it to the tool."""
    own = getattr(metadata_type, "compare_against_backend", None)
    if own is None:
        return None
    same = own(context.dialect, inspected_type)
    return None if same is None else not same


# `-x compare=tool` leaves type comparison to the tool
if context.get_x_argument(as_dictionary=True).get("compare") == "tool":
    compare_types = True
else:
    compare_types = compare_own_types


def include_name(name, type_, parent_names):
    """On SQLite a sequence is a one-row table (sequence_ops.py): not the application's."""
    return not (type_ == "table" and sequence_ops.is_sequence_table(name))


def run_migrations_offline() -> None:
    """Write SQL: only a URL is needed, no Engine and no DBAPI."""
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        compare_type=compare_types,
        include_name=include_name,
        dialect_opts={"paramstyle": "named"},
    )

    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against the database: an Engine, and a connection for the context."""
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )

    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            compare_type=compare_types,
            include_name=include_name,
        )

        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
