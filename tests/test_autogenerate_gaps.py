"""Autogenerate beyond tables, columns, indexes and foreign keys: check constraints, computed and
identity columns, schemas, expression and partial indexes, Python-side defaults, custom types and
their imports, PostgreSQL enum swaps under a server default.  The law of test_autogenerate on
each database that has the feature."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from still.autogenerate import api
from still.autogenerate.summary import summarize
from tests.test_autogenerate import Db, body, db, kinds  # noqa: F401  (the db fixture)


def _stock(*checks: sa.CheckConstraint) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "stock",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("qty", sa.Integer),
        sa.Column("name", sa.String(20)),
        *checks,
    )
    return metadata


def test_check_constraints(db: Db) -> None:
    both = (
        sa.CheckConstraint("qty > 0", name="ck_qty"),
        sa.CheckConstraint("name IN ('a', 'b') AND qty < 100"),
    )
    _, diffs = db.law(sa.MetaData(), _stock(*both))
    assert kinds(diffs) == ["add_table"]
    # the unnamed one compares clean by its text, however the database rewrote it
    assert db.compare(_stock(*both)) == []
    script, diffs = db.law(_stock(*both), _stock(both[1], sa.CheckConstraint("qty < 50", "ck_max")))
    assert sorted(kinds(diffs)) == ["add_constraint", "remove_constraint"]
    text = body(api.render_migration(script).upgrades)
    assert "op.drop_constraint('ck_qty', 'stock', type_='check')" in text
    assert "op.create_check_constraint('ck_max', 'stock', 'qty < 50')" in text
    if db.kind == "postgresql":  # an unnamed one added, dropped again by the name PostgreSQL gives
        script, _ = db.law(_stock(), _stock(sa.CheckConstraint("qty >= 0")))
        assert "'stock_qty_check'" in body(api.render_migration(script).downgrades)
