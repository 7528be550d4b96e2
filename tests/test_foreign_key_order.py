"""foreign_key_order: referenced tables first, cycles broken, same order as the plain algorithm."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from still.autogenerate.tables import foreign_key_order, referent


def _reference(tables: list[sa.Table]) -> tuple[list[str], list[Any]]:
    """The obvious quadratic version: each round takes every table whose referents exist."""
    remaining = {(t.schema, t.name): t for t in sorted(tables, key=lambda t: t.name)}
    ordered, cycles, broken = [], [], set()

    def blockers(key: tuple[Any, str]) -> list[Any]:
        return [
            fk
            for fk in remaining[key].foreign_key_constraints
            if id(fk) not in broken and referent(fk) in remaining and referent(fk) != key
        ]

    while remaining:
        ready = [key for key in remaining if not blockers(key)]
        if not ready:
            first = next(iter(remaining))
            for fk in blockers(first):
                broken.add(id(fk))
                cycles.append(fk)
            ready = [first]
        for key in ready:
            ordered.append(remaining.pop(key).name)
    return ordered, cycles


@st.composite
def schemas(draw: st.DrawFn) -> list[sa.Table]:
    count = draw(st.integers(1, 12))
    edges = draw(
        st.lists(st.tuples(st.integers(0, count - 1), st.integers(0, count - 1)), max_size=20)
    )
    metadata = sa.MetaData()
    names = draw(st.permutations([f"t{i:02d}" for i in range(count)]))
    tables = []
    for i, name in enumerate(names):
        columns = [sa.Column("id", sa.Integer, primary_key=True)]
        for j, (source, target) in enumerate(edges):
            if source == i:
                columns.append(sa.Column(f"r{j}", sa.ForeignKey(f"{names[target]}.id")))
        tables.append(sa.Table(name, metadata, *columns))
    return tables


@settings(max_examples=300, deadline=None)
@given(schemas())
def test_order_is_the_reference_order(tables: list[sa.Table]) -> None:
    ordered, cycles = foreign_key_order(tables)
    expected, expected_cycles = _reference(tables)
    assert [t.name for t in ordered] == expected
    assert [id(fk) for fk in cycles] == [id(fk) for fk in expected_cycles]
    position = {t.name: i for i, t in enumerate(ordered)}
    broken = {id(fk) for fk in cycles}
    for table in tables:
        for fk in table.foreign_key_constraints:
            target = referent(fk)[1]
            if id(fk) not in broken and target != table.name:
                assert position[target] < position[table.name]


def test_a_long_chain_comes_out_referenced_first() -> None:
    metadata = sa.MetaData()
    tables = [sa.Table("t00000", metadata, sa.Column("id", sa.Integer, primary_key=True))]
    for i in range(1, 3000):
        tables.append(
            sa.Table(
                f"t{i:05d}",
                metadata,
                sa.Column("id", sa.Integer, primary_key=True),
                sa.Column("up", sa.ForeignKey(f"t{i - 1:05d}.id")),
            )
        )
    ordered, cycles = foreign_key_order(list(reversed(tables)))
    assert [t.name for t in ordered] == [t.name for t in tables] and not cycles
