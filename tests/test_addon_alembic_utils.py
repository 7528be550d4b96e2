"""alembic_utils (from PyPI), used as its users do: entities declared beside the models and
``register_entities([...])``, then ``revision --autogenerate``.  PGExtension, PGFunction, PGView,
PGMaterializedView, PGTrigger and PGPolicy are created, replaced and dropped through
autogenerate, under still and under the real Alembic side by side: the same revision files
(statement by statement), each revision run up and down, the same database objects afterwards,
and ``check`` clean after each upgrade."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.addon_projects import Twin
from tests.conftest import engine_for
from tests.databases import fresh_database, required

required("alembic_utils")
pytestmark = pytest.mark.slow

MODELS = """
import sqlalchemy as sa
from alembic_utils.pg_extension import PGExtension
from alembic_utils.pg_function import PGFunction
from alembic_utils.pg_materialized_view import PGMaterializedView
from alembic_utils.pg_policy import PGPolicy
from alembic_utils.pg_trigger import PGTrigger
from alembic_utils.pg_view import PGView
from alembic_utils.replaceable_entity import register_entities

target_metadata = sa.MetaData()
sa.Table(
    "pets", target_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50)),
    sa.Column("updated", sa.DateTime),
)

STEP = {step}

citext = PGExtension(schema="public", signature="citext")
shout = PGFunction(
    schema="public",
    signature="shout(value text)",
    definition="RETURNS text AS $$ SELECT upper(value) || '{bang}' $$ LANGUAGE sql",
)
touch = PGFunction(
    schema="public",
    signature="touch_pet()",
    definition="RETURNS trigger AS $$ BEGIN NEW.updated := now(); RETURN NEW; END; $$ "
    "LANGUAGE plpgsql",
)
pet_names = PGView(
    schema="public", signature="pet_names", definition="SELECT id, {names} AS name FROM pets"
)
pet_count = PGMaterializedView(
    schema="public",
    signature="pet_count",
    definition="SELECT count(*) AS n FROM pets",
    with_data=True,
)
pets_touch = PGTrigger(
    schema="public",
    signature="pets_touch",
    on_entity="public.pets",
    definition="BEFORE UPDATE ON public.pets FOR EACH ROW EXECUTE FUNCTION public.touch_pet()",
)
own_pets = PGPolicy(
    schema="public",
    signature="own_pets",
    on_entity="public.pets",
    definition="AS PERMISSIVE FOR SELECT TO public USING (id > 0)",
)
entities = [citext, shout, touch, pet_names, pets_touch]
if STEP < 3:
    entities += [pet_count, own_pets]
if STEP:
    register_entities(entities)
"""


def models(step: int) -> str:
    names = "shout(name)" if step < 2 else "lower(name)"
    return MODELS.format(step=step, bang="!" if step < 2 else "!!", names=names)


@pytest.fixture
def twin(tmp_path: Path) -> Iterator[Twin]:
    with ExitStack() as stack:
        still_url = stack.enter_context(fresh_database("postgresql", tmp_path))
        alembic_url = stack.enter_context(fresh_database("postgresql", tmp_path))
        yield Twin(tmp_path, still_url, alembic_url)


def objects(url: str) -> dict[str, object]:
    """The database objects alembic_utils manages, as PostgreSQL describes them."""
    engine = engine_for(url)
    queries = {
        "extensions": "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1",
        "functions": "SELECT p.proname || ':' || pg_get_functiondef(p.oid) FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' "
        "AND p.proname IN ('shout', 'touch_pet') ORDER BY 1",
        "views": "SELECT viewname || ':' || definition FROM pg_views "
        "WHERE schemaname = 'public' ORDER BY 1",
        "matviews": "SELECT matviewname || ':' || definition FROM pg_matviews ORDER BY 1",
        "triggers": "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1",
        "policies": "SELECT policyname || ':' || qual FROM pg_policies ORDER BY 1",
        "tables": "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
        "AND tablename NOT IN ('alembic_version', 'still_ledger') ORDER BY 1",
    }
    try:
        with engine.connect() as conn:
            return {k: list(conn.execute(sa.text(q)).scalars()) for k, q in queries.items()}
    finally:
        engine.dispose()


def same_objects(twin: Twin) -> dict[str, object]:
    ours, theirs = objects(twin.still.url), objects(twin.alembic.url)
    assert ours == theirs
    return ours


def step(twin: Twin, number: int, ordered: bool = True) -> dict[str, list[str]]:
    twin.models(models(number))
    bodies = twin.autogenerate(f"u{number}")
    if ordered:
        assert bodies.still == bodies.alembic
    else:
        assert {k: sorted(v) for k, v in bodies.still.items()} == {
            k: sorted(v) for k, v in bodies.alembic.items()
        }
    twin.both_ok("upgrade", "head")
    after = same_objects(twin)
    ours, theirs = twin.both("check")
    assert (ours.exit_code, theirs.exit_code) == (0, 0), f"{ours}\n{theirs}"
    twin.both_ok("downgrade", "-1")
    same_objects(twin)
    twin.both_ok("upgrade", "head")
    assert same_objects(twin) == after
    return bodies.still


def test_entities_created_replaced_dropped(twin: Twin) -> None:
    step(twin, 0)  # the table first: alembic_utils simulates entities against the database
    created = step(twin, 1)
    made = [s for s in created["upgrade"] if s.startswith("op.create_entity(")]
    assert len(made) == 7, created["upgrade"]
    present = same_objects(twin)
    assert present["extensions"] == ["citext"]
    assert [v.split(":")[0] for v in present["views"]] == ["pet_names"]
    assert [v.split(":")[0] for v in present["matviews"]] == ["pet_count"]
    assert present["triggers"] == ["pets_touch"]
    assert [p.split(":")[0] for p in present["policies"]] == ["own_pets"]

    replaced = step(twin, 2)  # the view and a function change their definitions
    assert any("op.replace_entity" in s for s in replaced["upgrade"])
    present = same_objects(twin)
    assert "lower" in present["views"][0]
    assert any("'!!'" in f for f in present["functions"])

    # the materialized view and the policy go; alembic_utils looks for drops class by class in
    # the order of a set of classes, which differs from one process to the next
    dropped = step(twin, 3, ordered=False)
    assert any("op.drop_entity" in s for s in dropped["upgrade"])
    present = same_objects(twin)
    assert present["matviews"] == [] and present["policies"] == []

    twin.both_ok("downgrade", "base")
    assert same_objects(twin)["views"] == []
