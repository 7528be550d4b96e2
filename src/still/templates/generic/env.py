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
    # disable_existing_loggers=False: loggers made before this runs keep working, e.g.
    # uvicorn's when an application migrates at start-up (else its access log and
    # "Application startup complete" vanish and the server looks hung).
    fileConfig(config.config_file_name, disable_existing_loggers=False)

# Your models' MetaData, for `revision --autogenerate` and `check`:
#     from myapp.models import Base
#     target_metadata = Base.metadata
target_metadata = None


def include_name(name, type_, parent_names):
    """Which names autogenerate compares: all but still's own tables.

    still_ledger (still's record of every migration run) and any other still_* table belong to
    still, not to your models. still leaves them out by itself; this hook leaves them out for
    every other tool that reads this file (Alembic's `check` and `revision --autogenerate`,
    pytest-alembic's model test), which would otherwise offer to drop them. Renamed the ledger
    (ledger_table = ...)? Skip that name here too. Add your own rules below.
    """
    if type_ == "table" and name is not None and name.startswith("still_"):
        return False
    return True


def run_migrations_offline() -> None:
    """Write the migrations as SQL (``--sql``): only a URL is needed, no connection."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        include_name=include_name,
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
        context.configure(
            connection=connection, target_metadata=target_metadata, include_name=include_name
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
