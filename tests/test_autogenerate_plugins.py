"""Alembic's autogenerate plugins under still (``alembic.plugins.Plugin``): a plugin's
comparators run when ``context.configure(autogenerate_plugins=[...])`` names it (patterns with
``*``, ``~`` to leave one out), not otherwise; Alembic's own plugin names are still's own
comparison and always found; a name nothing provides is an error naming it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from still import compat
from still.autogenerate import api
from still.errors import CommandError
from still.operations.ops import MigrateOperation
from still.runtime.migration import MigrationContext
from tests.conftest import engine_for


class Audit(MigrateOperation):
    """An add-on's operation (reversible: autogenerate writes its reverse in downgrade())."""

    def reverse(self) -> Audit:
        return Audit()


@pytest.fixture
def plugin() -> Iterator[tuple[Any, list[str]]]:
    with compat.alembic_names():
        from alembic.plugins import Plugin

    calls: list[str] = []
    made = Plugin("stilltest.audit")

    def compare(autogen_context: Any, upgrade_ops: Any, schemas: Any) -> None:
        calls.append("schema")
        upgrade_ops.ops.append(Audit())  # an add-on's own operation, at the end

    made.add_autogenerate_comparator(compare, "schema")
    yield made, calls
    made.remove()


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    made = engine_for(db_url)
    yield made
    made.dispose()


def _produce(engine: sa.Engine, plugins: list[str] | None) -> list[str]:
    metadata = sa.MetaData()
    sa.Table("pets", metadata, sa.Column("id", sa.Integer, primary_key=True))
    opts: dict[str, Any] = {"target_metadata": metadata}
    if plugins is not None:
        opts["autogenerate_plugins"] = plugins
    with engine.connect() as conn:
        context = MigrationContext.configure(connection=conn, opts=opts)
        script = api.produce_migrations(context, metadata)
    return [type(op).__name__ for op in script.upgrade_ops.ops]


def test_plugins_run_when_named(engine: sa.Engine, plugin: tuple[Any, list[str]]) -> None:
    made, calls = plugin
    assert _produce(engine, None) == ["CreateTableOp"]  # default: alembic.autogenerate.*
    assert calls == []
    named = _produce(engine, ["alembic.autogenerate.*", "stilltest.*"])
    assert named == ["CreateTableOp", "Audit"]
    assert calls == ["schema"]
    other = type(made)("stilltest.other")  # a second one the pattern finds
    try:
        assert _produce(engine, ["stilltest.*", "~stilltest.audit"]) == ["CreateTableOp"]
    finally:
        other.remove()
    with pytest.raises(CommandError, match="stilltest"):  # as Alembic: the pattern found none
        _produce(engine, ["stilltest.*", "~stilltest.audit"])
    # Alembic's opt-in check-constraint plugin is what still does already: found, nothing added
    assert _produce(engine, ["alembic.ext.checkconstraint_byname"]) == ["CreateTableOp"]
    with pytest.raises(CommandError, match=r"nowhere\.plugin"):
        _produce(engine, ["nowhere.plugin"])
    with pytest.raises(ValueError, match="already registered"):
        type(made)("stilltest.audit")
