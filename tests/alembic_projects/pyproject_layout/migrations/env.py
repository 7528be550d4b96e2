"""The pyproject template's env.py (the generic one: the settings come from pyproject.toml)."""

from logging.config import fileConfig

import models
from alembic import context
from sqlalchemy import engine_from_config, pool

# the Config of the running command: the .ini file's values
config = context.config

# logging as the ini file says
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

# the application's MetaData, for autogenerate
target_metadata = models.metadata


def run_migrations_offline() -> None:
    """Write SQL: only a URL is needed, no Engine and no DBAPI."""
    url = config.get_main_option("sqlalchemy.url")
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
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
        context.configure(connection=connection, target_metadata=target_metadata)

        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
