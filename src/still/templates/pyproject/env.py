"""Migration environment: how still connects to the database and runs revisions.

still (and Alembic) run this file for every command that touches the database.
"""

from logging.config import fileConfig

from sqlalchemy import engine_from_config, pool

from alembic import context

# The Config object: the values of alembic.ini (and of -x arguments / SQLALCHEMY_URL).
config = context.config

# Set up Python logging from the ini file's [loggers] sections.
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

# Your models' MetaData, for `revision --autogenerate` and `check`:
#     from myapp.models import Base
#     target_metadata = Base.metadata
target_metadata = None


def run_migrations_offline() -> None:
    """Write the migrations as SQL (``--sql``): only a URL is needed, no connection."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Connect to the database and run the migrations in a transaction."""
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
