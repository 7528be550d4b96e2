"""Every operation class can run, reverse (or say it cannot), render and describe itself, and
the classes under Alembic's names carry Alembic's surface in their own bodies.

A new ``MigrateOperation`` subclass anywhere in still fails ``test_every_operation_has_an_example``
until it is given an example here, and then every other test of this file checks it.
"""

from __future__ import annotations

import datetime
import importlib
import inspect
import io
import pkgutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

import still
from still.autogenerate.render import RenderContext, render_op
from still.autogenerate.summary import describe, walk
from still.errors import IrreversibleOperation
from still.operations import Operations, ops
from still.runtime.migration import MigrationContext
from tests.databases import KINDS, fresh_database, required

# Alembic's abstract bases for add-ons' operations: nothing to run of their own.
ABSTRACT = {ops.AlterTableOp, ops.OpContainer}
# A revision file to write (autogenerate's result), not a step of a migration: it renders and
# reverses through its upgrade and downgrade bodies, which run.
NOT_RUN = {ops.MigrationScript}


def _pets() -> sa.TableClause:
    return sa.table("pets", sa.column("id", sa.Integer), sa.column("born", sa.Date))


def _add() -> ops.AddColumnOp:
    return ops.AddColumnOp("pets", sa.Column("name", sa.String(20)))


EXAMPLES: dict[type[ops.MigrateOperation], Callable[[], ops.MigrateOperation]] = {
    ops.CreateTableOp: lambda: ops.CreateTableOp(
        "pets", [sa.Column("id", sa.Integer, primary_key=True)]
    ),
    ops.DropTableOp: lambda: ops.DropTableOp("pets"),
    ops.AddColumnOp: _add,
    ops.DropColumnOp: lambda: ops.DropColumnOp("pets", "name"),
    ops.CreateIndexOp: lambda: ops.CreateIndexOp("ix_pets_name", "pets", ["name"]),
    ops.DropIndexOp: lambda: ops.DropIndexOp("ix_pets_name", "pets"),
    ops.ExecuteSQLOp: lambda: ops.ExecuteSQLOp("UPDATE pets SET name = 'rex'"),
    ops.RenameTableOp: lambda: ops.RenameTableOp("pets", "animals"),
    ops.CreateTableCommentOp: lambda: ops.CreateTableCommentOp("pets", "our pets"),
    ops.DropTableCommentOp: lambda: ops.DropTableCommentOp("pets", existing_comment="ours"),
    ops.AlterColumnOp: lambda: ops.AlterColumnOp(
        "pets", "name", existing_type=sa.String(20), modify_nullable=False
    ),
    ops.AddConstraintOp: lambda: ops.AddConstraintOp(
        "unique", "uq_pets_name", "pets", {"columns": ["name"]}
    ),
    ops.DropConstraintOp: lambda: ops.DropConstraintOp("uq_pets_name", "pets", "unique"),
    ops.BulkInsertOp: lambda: ops.BulkInsertOp(
        _pets(), [{"id": 1, "born": datetime.date(2020, 1, 2)}, {"id": 2, "born": None}]
    ),
    ops.CreateEnumOp: lambda: ops.CreateEnumOp("mood", ["sad", "ok"]),
    ops.DropEnumOp: lambda: ops.DropEnumOp("mood", values=["sad", "ok"]),
    ops.AlterEnumOp: lambda: ops.AlterEnumOp("mood", ["sad", "ok", "happy"], ["sad", "ok"]),
    ops.ModifyTableOps: lambda: ops.ModifyTableOps("pets", [_add()]),
    ops.UpgradeOps: lambda: ops.UpgradeOps([ops.CreateEnumOp("mood", ["ok"]), _add()]),
    ops.DowngradeOps: lambda: ops.DowngradeOps([ops.DropColumnOp("pets", "name")]),
    ops.MigrationScript: lambda: ops.MigrationScript(
        "a1", ops.UpgradeOps([_add()]), ops.DowngradeOps([ops.DropColumnOp("pets", "name")])
    ),
    ops.CreatePrimaryKeyOp: lambda: ops.CreatePrimaryKeyOp("pk_pets", "pets", ["id"]),
    ops.CreateUniqueConstraintOp: lambda: ops.CreateUniqueConstraintOp(
        "uq_pets_name", "pets", ["name"]
    ),
    ops.CreateCheckConstraintOp: lambda: ops.CreateCheckConstraintOp(
        "ck_pets_id", "pets", "id > 0"
    ),
    ops.CreateForeignKeyOp: lambda: ops.CreateForeignKeyOp(
        "fk_pets_owner", "pets", "owners", ["owner_id"], ["id"]
    ),
    ops.CreateExcludeConstraintOp: lambda: ops.CreateExcludeConstraintOp(
        "ex_pets_id", "pets", [("id", "=")]
    ),
}


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _every_operation_class() -> list[type[ops.MigrateOperation]]:
    """Every subclass of MigrateOperation still defines, with all of still imported."""
    skip = ("__main__", "pytest_plugin", "alembic_switch")
    for module in pkgutil.walk_packages(still.__path__, "still."):
        if not module.name.endswith(skip):
            importlib.import_module(module.name)
    found = {c for c in _subclasses(ops.MigrateOperation) if c.__module__.startswith("still.")}
    return sorted(found - ABSTRACT, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def _example(cls: type[ops.MigrateOperation]) -> ops.MigrateOperation:
    for base in cls.__mro__:
        if base in EXAMPLES:
            made = EXAMPLES[base]()
            if base is not cls:  # a subclass built as its base is (SwapEnumOp, an AlterEnumOp)
                made.__class__ = cls
                for name, default in getattr(cls, "__dataclass_fields__", {}).items():
                    if not hasattr(made, name) and default.default_factory is not None:  # type: ignore[misc]
                        setattr(made, name, default.default_factory())  # type: ignore[misc]
            return made
    raise AssertionError(f"no example for {cls.__qualname__}")


CLASSES = _every_operation_class()


def test_every_operation_has_an_example() -> None:
    missing = [c.__qualname__ for c in CLASSES if not any(b in EXAMPLES for b in c.__mro__)]
    assert not missing, f"give these operations an example in EXAMPLES: {missing}"
    assert len(CLASSES) >= len(EXAMPLES)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__qualname__)
def test_it_runs(cls: type[ops.MigrateOperation]) -> None:
    """As SQL (offline, PostgreSQL: every operation applies there), through Operations.invoke."""
    if cls in NOT_RUN:
        script = _example(cls)
        assert isinstance(script, ops.MigrationScript)
        for body in (script.upgrade_ops, script.downgrade_ops):
            test_it_runs(type(body))
        return
    buffer = io.StringIO()
    context = MigrationContext.configure(
        dialect_name="postgresql", opts={"as_sql": True, "output_buffer": buffer}
    )
    Operations(context).invoke(_example(cls))
    assert buffer.getvalue().strip(), f"{cls.__qualname__} wrote no SQL"


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__qualname__)
def test_it_reverses_or_says_it_cannot(cls: type[ops.MigrateOperation]) -> None:
    operation = _example(cls)
    try:
        reverse = operation.reverse()
    except IrreversibleOperation as exc:
        assert "cannot be reversed" in str(exc)
        return
    assert isinstance(reverse, ops.MigrateOperation)
    try:
        again = reverse.reverse()
    except IrreversibleOperation:
        return
    assert type(again) is type(operation) or isinstance(operation, type(again))


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__qualname__)
def test_it_renders(cls: type[ops.MigrateOperation]) -> None:
    operation = _example(cls)
    if isinstance(operation, ops.MigrationScript):
        bodies = [operation.upgrade_ops, operation.downgrade_ops]
    else:
        bodies = [operation]
    for body in bodies:
        text = render_op(body, RenderContext())
        assert text.startswith(("op.", "with op.")), text
        compile(text, f"<{cls.__qualname__}>", "exec")


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__qualname__)
def test_it_describes_itself(cls: type[ops.MigrateOperation]) -> None:
    operation = _example(cls)
    if isinstance(operation, ops.MigrationScript):
        inner = [*operation.upgrade_ops.ops, *operation.downgrade_ops.ops]
    else:
        inner = list(walk([operation]))
    assert inner
    for each in inner:
        text = describe(each, sa.dialects.postgresql.dialect()).text  # type: ignore[attr-defined]
        assert text and text != type(each).__name__ and not text.startswith(type(each).__name__)


# -- Alembic's surface, carried by each class ------------------------------------------------------

# Every operation class of ``alembic.operations.ops`` (test_the_list_is_alembics keeps it true),
# and PostgreSQL's EXCLUDE (``alembic.ddl.postgresql``).
ALEMBIC_CLASSES = [
    "AddColumnOp", "AddConstraintOp", "AlterColumnOp", "AlterTableOp", "BulkInsertOp",
    "CreateCheckConstraintOp", "CreateForeignKeyOp", "CreateIndexOp", "CreatePrimaryKeyOp",
    "CreateTableCommentOp", "CreateTableOp", "CreateUniqueConstraintOp", "DowngradeOps",
    "DropColumnOp", "DropConstraintOp", "DropIndexOp", "DropTableCommentOp", "DropTableOp",
    "ExecuteSQLOp", "MigrateOperation", "MigrationScript", "ModifyTableOps", "OpContainer",
    "RenameTableOp", "UpgradeOps", "CreateExcludeConstraintOp",
]  # fmt: skip
ALEMBIC_BASES = ("AlterTableOp", "OpContainer", "AddConstraintOp")
# Alembic's classes with a to_diff_tuple() of their own that still's class deliberately lacks
NO_DIFF_TUPLE = {
    # still keeps "no diff tuple" for raw SQL (tests/test_alembic_constructors.py); Alembic
    # 1.20's gives ("execute", sqltext)
    "ExecuteSQLOp",
}
# still's operations on one existing table: subclasses of AlterTableOp (Alembic's constraint
# operations are not; still's count as table-level too)
TABLE_LEVEL = [
    ops.AddColumnOp, ops.DropColumnOp, ops.AlterColumnOp, ops.RenameTableOp,
    ops.CreateTableCommentOp, ops.DropTableCommentOp, ops.AddConstraintOp, ops.DropConstraintOp,
]  # fmt: skip
CONTAINERS = [ops.UpgradeOps, ops.DowngradeOps, ops.ModifyTableOps]


def _alembic_class(name: str) -> type:
    if name == "CreateExcludeConstraintOp":
        return required("alembic.ddl.postgresql").CreateExcludeConstraintOp  # type: ignore[no-any-return]
    return getattr(required("alembic.operations.ops"), name)  # type: ignore[no-any-return]


def test_the_list_is_alembics() -> None:
    module = required("alembic.operations.ops")
    alembics = {
        name
        for name, value in vars(module).items()
        if isinstance(value, type)
        and issubclass(value, module.MigrateOperation)
        and value.__module__ == module.__name__
    }
    assert alembics == set(ALEMBIC_CLASSES) - {"CreateExcludeConstraintOp"}


def _own(cls: type, name: str) -> bool:
    """Is ``name`` defined by ``cls`` or a base below MigrateOperation (not the default)?"""
    return any(name in vars(base) for base in cls.__mro__ if base.__name__ != "MigrateOperation")


@pytest.mark.parametrize("name", ALEMBIC_CLASSES)
def test_each_class_carries_alembics_surface(name: str) -> None:
    """Alembic's bases are real bases; every public name of Alembic's class is there, a
    classmethod where Alembic's is one; ``to_diff_tuple`` where Alembic's class has its own."""
    theirs = _alembic_class(name)
    ours = getattr(ops, name)
    assert ours.__module__ == ops.__name__
    for base in ALEMBIC_BASES:
        if base != name and issubclass(theirs, _alembic_class(base)):
            assert getattr(ops, base) in ours.__mro__, f"{name} is no {base}"
    fields = getattr(ours, "__dataclass_fields__", {})
    for attr in dir(theirs):
        if attr.startswith("_"):
            continue
        assert hasattr(ours, attr) or attr in fields, f"{name}.{attr} is missing"
        if isinstance(inspect.getattr_static(theirs, attr), classmethod):
            assert isinstance(inspect.getattr_static(ours, attr), classmethod), f"{name}.{attr}"
    if _own(theirs, "to_diff_tuple") and name not in NO_DIFF_TUPLE:
        assert _own(ours, "to_diff_tuple"), f"{name} has no to_diff_tuple() of its own"
        if any(base in EXAMPLES for base in ours.__mro__):
            assert ops.diff_tuple_of(_example(ours)) is not None


@pytest.mark.parametrize("cls", TABLE_LEVEL, ids=lambda c: c.__qualname__)
def test_table_level_operations_are_alter_table_ops(cls: type[ops.MigrateOperation]) -> None:
    assert ops.AlterTableOp in cls.__mro__  # a base, not a registration
    for each in [cls, *_subclasses(cls)]:
        if each in CLASSES:
            assert isinstance(_example(each), ops.AlterTableOp)
    assert not isinstance(_example(ops.CreateTableOp), ops.AlterTableOp)


@pytest.mark.parametrize("cls", CONTAINERS, ids=lambda c: c.__qualname__)
def test_containers_are_op_containers(cls: type[ops.MigrateOperation]) -> None:
    container = _example(cls)
    assert ops.OpContainer in cls.__mro__ and isinstance(container, ops.OpContainer)
    assert not container.is_empty()
    expected = [ops.diff_tuple_of(each) for each in walk([container])]
    # the schema objects in them are built anew each time: compared by repr
    assert repr(container.as_diffs()) == repr([diff for diff in expected if diff is not None])
    assert container.as_diffs(), f"{cls.__qualname__}'s example gives no diff"


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__qualname__)
def test_every_operation_has_info(cls: type[ops.MigrateOperation]) -> None:
    operation = _example(cls)
    operation.info["mine"] = 1
    assert operation.info == {"mine": 1}


# -- nothing else to import first -----------------------------------------------------------------

IN_A_FRESH_PROCESS = """
import sys
import sqlalchemy as sa
from still.operations import Operations, ops
from still.runtime.migration import MigrationContext

engine = sa.create_engine(sys.argv[1])
postgresql = engine.dialect.name == "postgresql"
body = [ops.CreateTableOp("pets", [sa.Column("id", sa.Integer, primary_key=True)])]
if postgresql:
    body.insert(0, ops.CreateEnumOp("mood", ["ok"]))
with engine.begin() as connection:
    Operations(MigrationContext.configure(connection)).invoke(
        ops.UpgradeOps([*body, ops.ModifyTableOps("pets", [ops.AddColumnOp(
            "pets", sa.Column("name", sa.String(20)))])])
    )
    if postgresql:
        Operations(MigrationContext.configure(connection)).invoke(
            ops.AlterEnumOp("mood", ["ok", "happy"], ["ok"])
        )
assert "still.autogenerate" not in sys.modules, "autogenerate was imported"
inspector = sa.inspect(engine)
print(sorted(c["name"] for c in inspector.get_columns("pets")))
if postgresql:
    print([e["labels"] for e in inspector.get_enums()])
"""


@pytest.mark.parametrize("kind", KINDS)
def test_containers_and_enum_types_run_without_importing_autogenerate(
    kind: str, tmp_path: Path
) -> None:
    with fresh_database(kind, tmp_path) as url:
        result = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(IN_A_FRESH_PROCESS), url],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "['id', 'name']"
    if kind == "postgresql":
        assert lines[1] == "[['ok', 'happy']]"
