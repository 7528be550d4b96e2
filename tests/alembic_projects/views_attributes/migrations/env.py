"""An application's env.py: the cookbook recipe (use the connection the application put in
config.attributes, else make one), the project's view operations, and -x arguments."""

from logging.config import fileConfig

import catalog_views  # noqa: F401  (registers op.create_view / op.drop_view)
import sqlalchemy as sa
from alembic import context

config = context.config
if config.config_file_name and "connection" not in config.attributes:
    fileConfig(config.config_file_name)

metadata = sa.MetaData()
sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
)
metadata.info["views"] = {
    "active_users": "SELECT id, name FROM users WHERE active = TRUE",
    "user_names": "SELECT name FROM users",
}


def run_migrations(connection):
    options = {}
    if context.get_x_argument(as_dictionary=True).get("per_migration") == "yes":
        options["transaction_per_migration"] = True
    context.configure(connection=connection, target_metadata=metadata, **options)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    engine = sa.engine_from_config(
        config.get_section(config.config_ini_section),
        prefix="sqlalchemy.",
        poolclass=sa.pool.NullPool,
    )
    with engine.connect() as connection:
        run_migrations(connection)


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
