"""An env.py that chooses its revision directory itself, as Prefect's does (one directory per
database kind there): ``context.script.version_locations`` is set here, after the command has
read alembic.ini, so a command must look for revisions only once env.py has run."""

import os
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context

config = context.config
if config.config_file_name:
    fileConfig(config.config_file_name)

context.script.version_locations = [
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "versions", "main")
]


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    engine = sa.engine_from_config(
        config.get_section(config.config_ini_section),
        prefix="sqlalchemy.",
        poolclass=sa.pool.NullPool,
    )
    with engine.connect() as connection:
        context.configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
