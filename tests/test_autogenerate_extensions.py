"""Autogenerate's extension points behave as Alembic documents them: "schema" comparators get the
``UpgradeOps`` being built (still's own comparison is the MEDIUM "tables" comparator), "table"
comparators a ``ModifyTableOps`` with still's operations on the table, "column" comparators the
``AlterColumnOp`` still built, with Alembic's attribute names; priorities, dialect qualifiers and
``PriorityDispatchResult.STOP`` as Alembic orders them.  Also what ``compare_metadata`` reports
for them, and the "models not imported" guard with an add-on that manages views alone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from still.autogenerate import api, extensions
from still.autogenerate.extensions import DispatchPriority, PriorityDispatchResult
from still.operations import ops
from tests.conftest import Project
from tests.test_autogenerate import Db
from tests.test_autogenerate_alembic import alembic_diffs


class Note(ops.MigrateOperation):
    """An add-on's operation: reversible, with a diff tuple."""

    def __init__(self, text: str) -> None:
        self.text = text

    def reverse(self) -> Note:
        return Note(f"undo {self.text}")

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("note", self.text)


@pytest.fixture
def registry() -> Iterator[extensions.Comparators]:
    """The process-wide registry, restored after the test."""
    saved = {key: list(value) for key, value in extensions.comparators._registry.items()}
    yield extensions.comparators
    extensions.comparators._registry.clear()
    extensions.comparators._registry.update(saved)


@pytest.fixture
def db(db_url: str) -> Iterator[Db]:
    database = Db(db_url)
    yield database
    database.dispose()


def pets(*extra: sa.Column[Any]) -> sa.MetaData:
    metadata = sa.MetaData()
    sa.Table(
        "pets",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=True),
        *extra,
    )
    return metadata


def test_schema_comparators_get_the_upgrade_ops_being_built(
    db: Db, registry: extensions.Comparators
) -> None:
    seen: dict[str, list[str]] = {}

    @registry.dispatch_for("schema")
    def medium(context: Any, upgrade_ops: Any, schemas: Any) -> None:
        # registered before still's own comparison at the same priority: runs first
        seen["medium"] = [type(op).__name__ for op in upgrade_ops.ops]
        assert schemas == {None}
        upgrade_ops.ops.append(Note("medium"))

    @registry.dispatch_for("schema", priority=DispatchPriority.LAST)
    def last(context: Any, upgrade_ops: Any, schemas: Any) -> None:
        seen["last"] = [type(op).__name__ for op in upgrade_ops.ops]
        # an add-on changes what still found, in place, and puts its own operation first
        create = next(op for op in upgrade_ops.ops if isinstance(op, ops.CreateTableOp))
        name = next(c for c in create.columns if getattr(c, "name", None) == "name")
        name.type = sa.String(77)
        upgrade_ops.ops.insert(0, Note("first"))

    @registry.dispatch_for("schema", priority=DispatchPriority.FIRST, qualifier="nodb")
    def other_dialect(context: Any, upgrade_ops: Any, schemas: Any) -> None:
        raise AssertionError("a comparator for another dialect ran")

    script = db.produce(pets())
    assert seen == {"medium": [], "last": ["Note", "CreateTableOp"]}
    upgrade = script.upgrade_ops.ops
    assert [type(op).__name__ for op in upgrade] == ["Note", "Note", "CreateTableOp"]
    assert [op.text for op in upgrade[:2]] == ["first", "medium"]
    # the downgrade is the exact reverse, the add-on's operations included
    assert [getattr(op, "text", type(op).__name__) for op in script.downgrade_ops.ops] == [
        "DropTableOp",
        "undo medium",
        "undo first",
    ]
    rendered = api.render_python_code(upgrade[2])
    assert "sa.String(length=77)" in rendered
    diffs = db.compare(pets())
    assert diffs[:2] == [("note", "first"), ("note", "medium")]
    assert diffs[2][0] == "add_table"


def test_stop_ends_a_subgroup_and_dialect_functions_run_first(
    db: Db, registry: extensions.Comparators
) -> None:
    calls: list[str] = []

    @registry.dispatch_for("schema", subgroup="mine")
    def default_one(context: Any, upgrade_ops: Any, schemas: Any) -> None:
        calls.append("default")

    @registry.dispatch_for("schema", qualifier=db.engine.dialect.name, subgroup="mine")
    def dialect_one(context: Any, upgrade_ops: Any, schemas: Any) -> PriorityDispatchResult:
        calls.append("dialect")
        return PriorityDispatchResult.STOP

    @registry.dispatch_for("schema", subgroup="other", priority=DispatchPriority.LAST)
    def other_group(context: Any, upgrade_ops: Any, schemas: Any) -> None:
        calls.append("other")

    db.compare(pets())
    assert calls == ["dialect", "other"]


def test_table_comparators_get_still_s_operations_on_the_table(
    db: Db, registry: extensions.Comparators
) -> None:
    db.run_ops(db.produce(pets()).upgrade_ops)
    seen: dict[str, Any] = {}

    @registry.dispatch_for("table")
    def audit(context: Any, table_ops: Any, schema: Any, name: str, conn: Any, model: Any) -> None:
        seen[name] = (
            [type(op).__name__ for op in table_ops.ops],
            conn is not None,
            model is not None,
        )
        # leave one of still's operations out, add one of our own
        table_ops.ops[:] = [
            op
            for op in table_ops.ops
            if not (isinstance(op, ops.AddColumnOp) and op.column.name == "secret")
        ]
        table_ops.ops.append(Note(f"audit {name}"))

    script = db.produce(pets(sa.Column("age", sa.Integer), sa.Column("secret", sa.Text)))
    assert seen == {"pets": (["AddColumnOp", "AddColumnOp"], True, True)}
    (block,) = script.upgrade_ops.ops
    assert isinstance(block, ops.ModifyTableOps)
    assert [type(op).__name__ for op in block.ops] == ["AddColumnOp", "Note"]
    assert block.ops[0].column.name == "age"
    assert block.ops[1].text == "audit pets"


def test_column_comparators_set_alembic_s_attributes(
    db: Db, registry: extensions.Comparators
) -> None:
    db.run_ops(db.produce(pets()).upgrade_ops)
    seen: list[tuple[str, Any]] = []

    @registry.dispatch_for("column", priority=DispatchPriority.FIRST, subgroup="nn")
    def not_null(
        context: Any,
        alter: Any,
        schema: Any,
        table: str,
        column: str,
        conn: Any,
        model: Any,
    ) -> PriorityDispatchResult | None:
        seen.append((column, alter.existing_nullable))
        if column == "name" and model.info.get("required"):
            alter.modify_nullable = False  # Alembic's name for the change
            return PriorityDispatchResult.STOP
        return None

    @registry.dispatch_for("column", subgroup="nn")
    def after_stop(*args: Any) -> None:
        seen.append(("after", args[4]))

    model = pets()
    model.tables["pets"].c.name.info["required"] = True
    script = db.produce(model)
    assert ("name", True) in seen and ("after", "name") not in seen and ("after", "id") in seen
    (block,) = script.upgrade_ops.ops
    (alter,) = block.ops
    assert isinstance(alter, ops.AlterColumnOp)
    assert (alter.column_name, alter.modify_nullable, alter.nullable) == ("name", False, False)
    diffs = db.compare(model)
    assert diffs[0][0][0] == "modify_nullable"
    # the operation runs: NOT NULL is in the database afterwards
    db.run_ops(script.upgrade_ops)
    columns = {c["name"]: c for c in sa.inspect(db.engine).get_columns("pets")}
    assert columns["name"]["nullable"] is False


def test_existing_server_default_is_false_without_a_default(db: Db) -> None:
    """compare_metadata's ``existing_server_default`` is Alembic's: False when neither side has
    a server default."""
    db.run_ops(db.produce(pets()).upgrade_ops)
    changed = pets()
    changed.tables["pets"].c.name.nullable = False
    (ours,) = db.compare(changed)
    (theirs,) = alembic_diffs(db, changed)
    assert ours[0][0] == theirs[0][0] == "modify_nullable"
    assert ours[0][4]["existing_server_default"] is False
    assert theirs[0][4]["existing_server_default"] is False
    assert ours[0][5:] == theirs[0][5:]


# -- an add-on managing views alone: no tables in the models, none in the database -------------

VIEWS_ADDON = """
import sqlalchemy as sa
from alembic.autogenerate import comparators, renderers
from alembic.operations import MigrateOperation, Operations


@Operations.register_operation("create_note_view")
class CreateViewOp(MigrateOperation):
    def __init__(self, view_name):
        self.view_name = view_name

    @classmethod
    def create_note_view(cls, operations, view_name):
        return operations.invoke(cls(view_name))

    def reverse(self):
        return DropViewOp(self.view_name)

    def to_diff_tuple(self):
        return ("create_view", self.view_name)


@Operations.register_operation("drop_note_view")
class DropViewOp(MigrateOperation):
    def __init__(self, view_name):
        self.view_name = view_name

    @classmethod
    def drop_note_view(cls, operations, view_name):
        return operations.invoke(cls(view_name))

    def reverse(self):
        return CreateViewOp(self.view_name)


@Operations.implementation_for(CreateViewOp)
def create_view(operations, operation):
    operations.execute(f"CREATE VIEW {operation.view_name} AS SELECT 1 AS x")


@Operations.implementation_for(DropViewOp)
def drop_view(operations, operation):
    operations.execute(f"DROP VIEW {operation.view_name}")


@comparators.dispatch_for("schema")
def compare_views(autogen_context, upgrade_ops, schemas):
    if "notes" not in autogen_context.inspector.get_view_names():
        upgrade_ops.ops.append(CreateViewOp("notes"))


@renderers.dispatch_for(CreateViewOp)
def render_create(autogen_context, op):
    return f"op.create_note_view({op.view_name!r})"


@renderers.dispatch_for(DropViewOp)
def render_drop(autogen_context, op):
    return f"op.drop_note_view({op.view_name!r})"


target_metadata = sa.MetaData()
"""


def test_an_add_on_managing_views_alone_is_not_refused(project: Project) -> None:
    env = project.env_py.read_text()
    assert "target_metadata = None" in env
    project.env_py.write_text(env.replace("target_metadata = None", VIEWS_ADDON))
    check = project.run_subprocess("check")
    assert check.exit_code == 1, str(check)
    assert "New upgrade operations detected" in check.stderr
    result = project.run_subprocess("revision", "--autogenerate", "-m", "views", "--rev-id", "v1")
    assert result.exit_code == 0, str(result)
    text = next(project.versions_dir.glob("v1_*.py")).read_text()
    assert "op.create_note_view('notes')" in text and "op.drop_note_view('notes')" in text
    assert project.run_subprocess("upgrade", "head").exit_code == 0
    assert "notes" in project.inspector().get_view_names()
    check = project.run_subprocess("check")
    assert check.exit_code == 0, str(check)
    assert project.run_subprocess("downgrade", "base").exit_code == 0
    assert "notes" not in project.inspector().get_view_names()


def test_no_models_no_tables_and_nothing_found_is_still_refused(project: Project) -> None:
    """Without any add-on, empty models on an empty database is the seed's mistake."""
    env = project.env_py.read_text()
    project.env_py.write_text(
        env.replace(
            "target_metadata = None", "import sqlalchemy as sa\ntarget_metadata = sa.MetaData()"
        )
    )
    result = project.run("revision", "--autogenerate", "-m", "nothing")
    assert result.exit_code == 1
    assert "probably does not import the model modules" in result.output


# -- check's exception, as Alembic's ----------------------------------------------------------

PETS_MODEL = """
import sqlalchemy as sa
target_metadata = sa.MetaData()
sa.Table(
    "pets", target_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50)),
    sa.Column("age", sa.Integer),
)
"""

ALEMBIC_CHECK = """
from alembic import command
from alembic.config import Config
from alembic.util import AutogenerateDiffsDetected
try:
    command.check(Config("alembic.ini"))
except AutogenerateDiffsDetected as exc:
    print(repr([d[0] for d in exc.diffs]))
    print(type(exc.revision_context).__name__, len(exc.revision_context.generated_revisions))
    print(str(exc))
"""


def test_check_raises_alembic_s_exception(project: Project) -> None:
    import subprocess
    import sys

    from still import command
    from still.config import Config
    from still.errors import AutogenerateDiffsDetected

    project.write_revision(
        "p1",
        None,
        "op.create_table('pets', sa.Column('id', sa.Integer, primary_key=True),"
        " sa.Column('name', sa.String(50)))",
        "op.drop_table('pets')",
    )
    env = project.env_py.read_text()
    project.env_py.write_text(env.replace("target_metadata = None", PETS_MODEL))
    # still's ledger table is not one Alembic knows to leave out
    project.ini.write_text(project.ini.read_text().replace("ledger = true", "ledger = false"))
    project.ok("upgrade", "head")
    with pytest.raises(AutogenerateDiffsDetected) as caught:
        command.check(Config(str(project.ini)))
    ours = caught.value
    done = subprocess.run(
        [sys.executable, "-c", ALEMBIC_CHECK],
        cwd=project.root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    kinds, context, message = done.stdout.strip().split("\n", 2)
    assert repr([d[0] for d in ours.diffs]) == kinds == "['add_column']"
    assert context == "RevisionContext 1"
    assert len(ours.revision_context.generated_revisions) == 1
    assert str(ours) == message
    assert message.startswith("New upgrade operations detected: [('add_column', None, 'pets',")
    # the command line keeps its own wording (the differences are listed above it)
    cli = project.run("check")
    assert cli.exit_code == 1
    assert "add column pets.age" in cli.stdout
    assert "New upgrade operations detected (1, listed above)" in cli.stderr
