"""Differential: the log records autogenerate writes ("Detected added table 'pets'", "Detected type
change from VARCHAR(length=128) to String(length=10) on 'pets.name'") are Alembic's, on the same
loggers and levels, for the same database and models.  Where they differ the reason is named in
KNOWN below."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.test_autogenerate import Db
from tests.test_autogenerate_alembic import alembic_diffs, scenarios

Record = tuple[str, str, str]

# every-type-unchanged finds nothing to report on either side (and makes Alembic fail on
# PostgreSQL, see test_autogenerate_alembic.ALEMBIC_FAILS): the others have records to compare.
SCENARIOS = [name for name in scenarios("sqlite") if name != "every-type-unchanged"]

_MYSQL_UNIQUE = (
    "MySQL/MariaDB keep a unique constraint as a unique index: still reports the removed object "
    "as a unique constraint, Alembic as an index (see test_autogenerate_alembic.KNOWN)"
)
# (scenario, database kind) -> {record only one side writes: why}
KNOWN: dict[tuple[str, str], dict[Record, str]] = {
    ("shop-removed", "mysql"): {
        (
            "alembic.autogenerate.compare.constraints",
            "INFO",
            f"Detected removed {kind} {name!r} on {table!r}",
        ): _MYSQL_UNIQUE
        for kind in ("index", "unique constraint")
        for name, table in (("ix_orders_note", "orders"), ("uq_customer_email", "customer"))
    },
}


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[Record] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        # the dialect implementation's repr names its class and address: not comparable
        message = re.sub(r"<[\w.]+Impl object at 0x[0-9a-f]+>", "<impl>", message)
        self.records.append((record.name, record.levelname, message))


def records_of(run: Callable[[], Any]) -> list[Record]:
    """What ``run`` writes on the ``alembic.autogenerate.compare`` loggers (and the check
    constraint plugin's), at INFO and above."""
    handler = _Records()
    parent = logging.getLogger("alembic")
    level = parent.level
    # An earlier test's env.py may have run fileConfig(), which disables every logger that
    # existed then (disable_existing_loggers): these records are wanted whatever ran before.
    disabled = {
        logger: logger.disabled
        for name, logger in logging.root.manager.loggerDict.items()
        if (name == "alembic" or name.startswith("alembic.")) and isinstance(logger, logging.Logger)
    }
    for logger in disabled:
        logger.disabled = False
    parent.addHandler(handler)
    parent.setLevel(logging.INFO)
    try:
        run()
    finally:
        parent.removeHandler(handler)
        parent.setLevel(level)
        for logger, was in disabled.items():
            logger.disabled = was
    return [
        r
        for r in handler.records
        if r[0].startswith(("alembic.autogenerate.compare", "alembic.ext"))
    ]


@pytest.fixture
def db(db_url: str) -> Iterator[Db]:
    database = Db(db_url)
    yield database
    database.dispose()


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_records_are_alembics(db: Db, scenario: str) -> None:
    before, after = scenarios(db.kind)[scenario]
    if db.compare(before):
        db.run_ops(db.produce(before).upgrade_ops)
    assert db.compare(before) == []
    ours = records_of(lambda: db.compare(after))
    theirs = records_of(lambda: alembic_diffs(db, after))
    known = KNOWN.get((scenario, db.kind), {})
    assert theirs, "the scenario changes nothing Alembic logs"
    assert {r for r in ours if r not in known} == {r for r in theirs if r not in known}
    assert all(level == "INFO" for _, level, _ in ours)


def test_type_change_record_names_both_types(db: Db) -> None:
    """The record tools grep for: the reflected type's repr, the model's, and table.column."""
    import sqlalchemy as sa

    def people(name_type: Any) -> sa.MetaData:
        metadata = sa.MetaData()
        sa.Table(
            "people",
            metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("name", name_type),
        )
        return metadata

    db.run_ops(db.produce(people(sa.String(128))).upgrade_ops)
    ours = records_of(lambda: db.compare(people(sa.String(10))))
    theirs = records_of(lambda: alembic_diffs(db, people(sa.String(10))))
    assert ours == theirs
    assert (
        "alembic.autogenerate.compare.types",
        "INFO",
        "Detected type change from VARCHAR(length=128) to String(length=10) on 'people.name'",
    ) in ours
