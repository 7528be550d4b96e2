"""Migration environment for several databases: one connection and one version table each.

The databases are listed in alembic.ini (`databases = engine1, engine2`), each with its own
section holding its sqlalchemy.url.  Every revision's upgrade(engine_name) runs once per database.
"""

import re
from logging.config import fileConfig

from sqlalchemy import engine_from_config, pool

from alembic import context

config = context.config

if config.config_file_name is not None:
    # disable_existing_loggers=False: loggers made before this runs keep working, e.g.
    # uvicorn's when an application migrates at start-up (else its access log and
    # "Application startup complete" vanish and the server looks hung).
    fileConfig(config.config_file_name, disable_existing_loggers=False)

db_names = [name for name in re.split(r",\s*", config.get_main_option("databases", "")) if name]

# MetaData per database, for `revision --autogenerate`:
#     target_metadata = {"engine1": models1.Base.metadata, "engine2": models2.Base.metadata}
target_metadata = {}


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
    """Write one SQL script per database (<name>.sql)."""
    for name in db_names:
        with open(f"{name}.sql", "w") as buffer:
            context.configure(
                url=config.get_section_option(name, "sqlalchemy.url"),
                output_buffer=buffer,
                target_metadata=target_metadata.get(name),
                include_name=include_name,
                literal_binds=True,
                dialect_opts={"paramstyle": "named"},
            )
            with context.begin_transaction():
                context.run_migrations(engine_name=name)


def run_migrations_online() -> None:
    """Migrate each database in turn, each in its own transaction."""
    for name in db_names:
        engine = engine_from_config(
            config.get_section(name, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
        )
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                upgrade_token=f"{name}_upgrades",
                downgrade_token=f"{name}_downgrades",
                target_metadata=target_metadata.get(name),
                include_name=include_name,
            )
            with context.begin_transaction():
                context.run_migrations(engine_name=name)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
