"""alembic-postgresql-enum (from PyPI), used as its users do: ``import alembic_postgresql_enum``
beside the models, then ``revision --autogenerate``.  A small project goes through adding,
renaming, removing and reordering enum values, under still and under the real Alembic side by
side: the same revision files (statement by statement), every revision running up and down, the
same enum types and rows afterwards, and ``check`` clean after each upgrade.

still's own enum handling steps aside for the types the add-on handles: it writes no CREATE TYPE
of its own (which would fail with ``type "petkind" already exists``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.addon_projects import Twin
from tests.conftest import engine_for
from tests.databases import fresh_database, required

required("alembic_postgresql_enum")

MODELS = """
import sqlalchemy as sa
import alembic_postgresql_enum  # noqa: F401  (the add-on registers its comparator)

target_metadata = sa.MetaData()
sa.Table(
    "pets", target_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.Enum({values}, name="petkind"), server_default={default}),
    sa.Column("size", {size}),
)
"""


def models(*values: str, default: str = "cat", size: str = "sa.String(10)") -> str:
    return MODELS.format(values=", ".join(map(repr, values)), default=repr(default), size=size)


pytestmark = pytest.mark.slow


@pytest.fixture
def twin(tmp_path: Path) -> Iterator[Twin]:
    with ExitStack() as stack:
        still_url = stack.enter_context(fresh_database("postgresql", tmp_path))
        alembic_url = stack.enter_context(fresh_database("postgresql", tmp_path))
        yield Twin(tmp_path, still_url, alembic_url)


def state(url: str) -> tuple[list[str], list[tuple[int, str]], str | None]:
    """The enum type's labels in order, the rows, and the column's default."""
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            labels = list(
                conn.execute(
                    sa.text(
                        "SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid "
                        "WHERE t.typname = 'petkind' ORDER BY e.enumsortorder"
                    )
                ).scalars()
            )
            rows: list[tuple[int, str]] = []
            if sa.inspect(conn).has_table("pets"):
                rows = [
                    (r[0], r[1])
                    for r in conn.execute(sa.text("SELECT id, kind::text FROM pets ORDER BY id"))
                ]
            default = conn.execute(
                sa.text(
                    "SELECT column_default FROM information_schema.columns "
                    "WHERE table_name = 'pets' AND column_name = 'kind'"
                )
            ).scalar()
        return labels, rows, default
    finally:
        engine.dispose()


def same_state(twin: Twin) -> tuple[list[str], list[tuple[int, str]], str | None]:
    ours, theirs = state(twin.still.url), state(twin.alembic.url)
    assert ours == theirs
    return ours


def step(twin: Twin, rev_id: str, *edits: tuple[str, str]) -> dict[str, list[str]]:
    """Autogenerate with both tools, compare the files, run them up, down and up again."""
    bodies = twin.autogenerate(rev_id, edits)
    assert bodies.still == bodies.alembic
    twin.both_ok("upgrade", "head")
    after = same_state(twin)
    ours, theirs = twin.both("check")
    assert (ours.exit_code, theirs.exit_code) == (0, 0), f"{ours}\n{theirs}"
    twin.both_ok("downgrade", "-1")
    same_state(twin)
    twin.both_ok("upgrade", "head")
    assert same_state(twin) == after
    return bodies.still


def test_enum_values_added_renamed_removed_reordered(twin: Twin) -> None:
    twin.models(models("cat", "dog"))
    first = step(twin, "e1")
    # the type is created once, by the add-on's operation (still writes no CREATE TYPE beside it)
    creates = [s for s in first["upgrade"] if "CREATE TYPE" in s or ".create(" in s]
    assert creates == ["sa.Enum('cat', 'dog', name='petkind').create(op.get_bind())"]
    assert first["upgrade"][0] == creates[0]
    assert any(
        "postgresql.ENUM('cat', 'dog', name='petkind', create_type=False)" in s
        for s in first["upgrade"]
    )
    labels, _, _ = same_state(twin)
    assert labels == ["cat", "dog"]
    for side in twin.sides:
        engine = engine_for(side.url)
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO pets (id, kind) VALUES (1, 'cat'), (2, 'dog')"))
        engine.dispose()

    twin.models(models("cat", "dog", "bird"))  # a value added at the end
    added = step(twin, "e2")
    assert any("add_enum_value" in s for s in added["upgrade"])
    assert same_state(twin)[0] == ["cat", "dog", "bird"]

    twin.models(models("cat", "doggo", "bird"))  # renamed, as the add-on's users write it
    step(
        twin,
        "e3",
        ("enum_values_to_rename=[]", "enum_values_to_rename=[('dog', 'doggo')]"),
        ("enum_values_to_rename=[]", "enum_values_to_rename=[('doggo', 'dog')]"),
    )
    labels, rows, _ = same_state(twin)
    assert labels == ["cat", "doggo", "bird"]
    assert rows == [(1, "cat"), (2, "doggo")]

    twin.models(models("cat", "doggo"))  # a value no row holds removed
    removed = step(twin, "e4")
    assert any("sync_enum_values" in s for s in removed["upgrade"])
    assert same_state(twin)[0] == ["cat", "doggo"]

    twin.models(models("doggo", "cat"))  # reordered
    step(twin, "e5")
    labels, rows, default = same_state(twin)
    assert labels == ["doggo", "cat"]
    assert rows == [(1, "cat"), (2, "doggo")]
    assert default is not None and "cat" in default

    # a text column becomes an enum: the add-on adds postgresql_using to still's alter_column
    size = "sa.Enum('small', 'big', name='petsize')"
    twin.models(models("doggo", "cat", size=size))
    converted = step(twin, "e6")
    (alter,) = [s for s in converted["upgrade"] if s.startswith("op.alter_column")]
    assert "postgresql_using='size::petsize'" in alter
