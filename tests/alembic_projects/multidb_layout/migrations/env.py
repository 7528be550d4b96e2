"""The multidb env.py: one engine per name of ``databases``; every revision runs on each, with
``engine_name`` telling the revision which; online, the transactions are committed together at
the end.  Offline, each database's script is written to stdout after a comment naming it."""

import logging
import re
import sys
from logging.config import fileConfig

import models
from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config

if config.config_file_name is not None:
    fileConfig(config.config_file_name)
logger = logging.getLogger("alembic.env")

names = re.split(r",\s*", config.get_main_option("databases", ""))

# MetaData per database, for autogenerate
target_metadata = {"accounts": models.accounts, "audit": models.audit}


def run_migrations_offline() -> None:
    for name in names:
        url = context.config.get_section_option(name, "sqlalchemy.url")
        sys.stdout.write(f"-- database {name}\n")
        context.configure(
            url=url,
            output_buffer=sys.stdout,
            target_metadata=target_metadata.get(name),
            literal_binds=True,
            dialect_opts={"paramstyle": "named"},
        )
        with context.begin_transaction():
            context.run_migrations(engine_name=name)


def run_migrations_online() -> None:
    engines = {}
    for name in names:
        engine = engine_from_config(
            context.config.get_section(name, {}),
            prefix="sqlalchemy.",
            poolclass=pool.NullPool,
        )
        connection = engine.connect()
        engines[name] = {"engine": engine, "connection": connection}
        engines[name]["transaction"] = connection.begin()

    try:
        for name, parts in engines.items():
            logger.info("Migrating database %s", name)
            context.configure(
                connection=parts["connection"],
                upgrade_token=f"{name}_upgrades",
                downgrade_token=f"{name}_downgrades",
                target_metadata=target_metadata.get(name),
            )
            context.run_migrations(engine_name=name)
        for parts in engines.values():
            parts["transaction"].commit()
    except BaseException:
        for parts in engines.values():
            parts["transaction"].rollback()
        raise
    finally:
        for parts in engines.values():
            parts["connection"].close()
            parts["engine"].dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
