"""Alembic's public names under still: importable from env.py and revision files, the extension
points add-ons use, the opt-in shim for a user's own process, and the error for a name still has
no counterpart for."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from still import compat
from still.errors import StillError
from tests.conftest import Project, make_project

# Every public Alembic module and the names env.py files, revisions and add-ons take from it.
NAMES: dict[str, tuple[str, ...]] = {
    "alembic": ("op", "context", "command", "config", "__version__"),
    "alembic.op": ("create_table", "add_column", "batch_alter_table", "f", "get_bind"),
    "alembic.context": ("config", "configure", "run_migrations", "get_x_argument"),
    "alembic.config": ("Config", "CommandLine", "main"),
    "alembic.command": ("upgrade", "downgrade", "revision", "current", "history", "stamp"),
    "alembic.operations": ("Operations", "BatchOperations", "ops", "MigrateOperation"),
    "alembic.operations.ops": ("AddColumnOp", "CreateTableOp", "ModifyTableOps", "UpgradeOps"),
    "alembic.runtime.migration": ("MigrationContext", "MigrationInfo"),
    "alembic.runtime.environment": ("EnvironmentContext",),
    "alembic.migration": ("MigrationContext", "MigrationInfo"),
    "alembic.script": ("ScriptDirectory", "Script"),
    "alembic.script.revision": ("Revision", "RevisionError", "MultipleHeads"),
    "alembic.autogenerate": (
        "compare_metadata",
        "produce_migrations",
        "render_python_code",
        "comparators",
        "renderers",
        "rewriter",
        "Rewriter",
    ),
    "alembic.autogenerate.rewriter": ("Rewriter",),
    "alembic.ddl": ("DefaultImpl", "impl", "postgresql", "mysql", "sqlite"),
    "alembic.ddl.impl": ("DefaultImpl",),
    "alembic.ddl.postgresql": ("PostgresqlImpl",),
    "alembic.ddl.mysql": ("MySQLImpl", "MariaDBImpl"),
    "alembic.ddl.sqlite": ("SQLiteImpl",),
    "alembic.util": ("CommandError", "asbool", "to_list", "rev_id", "obfuscate_url_pw", "msg"),
}


def imports(leave_out: tuple[str, ...] = ()) -> str:
    lines = [
        f"from {module} import {', '.join(names)}"
        for module, names in NAMES.items()
        if module not in leave_out
    ]
    lines.append("import alembic.ddl.impl, alembic.runtime.migration, alembic.util")
    return "\n".join(lines) + "\n"


CHECKS = """
import still
assert MigrationContext.__module__.startswith("still."), MigrationContext
assert Config.__module__ == "still.config"
assert alembic.ddl.impl.DefaultImpl is DefaultImpl
assert issubclass(PostgresqlImpl, DefaultImpl)
assert CommandError.__module__ == "still.errors"
"""


@pytest.fixture
def sqlite_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    monkeypatch.delenv("SQLALCHEMY_URL", raising=False)
    monkeypatch.delenv("ALEMBIC_CONFIG", raising=False)
    project = make_project(root, f"sqlite:///{tmp_path / 'names.db'}")
    yield project
    project.dispose()


def test_every_name_imports_in_env_py_and_revisions(sqlite_project: Project) -> None:
    project = sqlite_project
    before = sys.modules.get("alembic")
    # op's functions exist while a migration runs: env.py imports the module only (NOT YET
    # like Alembic, reported: `from alembic.op import create_table` at module level raises)
    project.env_py.write_text(imports(("alembic.op",)) + CHECKS + project.env_py.read_text())
    body = textwrap.indent(imports() + CHECKS, "    ")
    project.write_revision(
        "n1",
        None,
        body + "\n    op.create_table('t', sa.Column('id', sa.Integer, primary_key=True))",
        "op.drop_table('t')",
    )
    project.ok("upgrade", "head")
    assert project.tables() == {"t"}
    project.ok("downgrade", "base")
    # afterwards the names are what they were (a real Alembic, or nothing)
    assert sys.modules.get("alembic") is before


def test_a_missing_name_is_named_and_not_supported_yet(sqlite_project: Project) -> None:
    with compat.alembic_names():
        import alembic.operations
        import alembic.util

        assert not hasattr(alembic.util, "no_such_helper")
        with pytest.raises(
            AttributeError, match=r"alembic\.util\.no_such_helper is not supported by still yet"
        ):
            alembic.util.no_such_helper  # noqa: B018
        with pytest.raises(
            ImportError, match=r"alembic\.ddl\.no_such_impl is not supported by still yet"
        ):
            from alembic.ddl import no_such_impl  # noqa: F401
        with pytest.raises(ImportError, match=r"alembic\.testing is not supported by still yet"):
            import alembic.testing
        with pytest.raises(compat.NotSupportedYet):
            from alembic.operations import NoSuchOperations  # noqa: F401
        with pytest.raises(StillError, match=r"alembic\.operations\.NoSuchOperations is not"):
            alembic.operations.NoSuchOperations  # noqa: B018  (a user error like any other)

    project = sqlite_project
    project.env_py.write_text(
        "from alembic.util import no_such_helper\n" + project.env_py.read_text()
    )
    result = project.run("upgrade", "head")
    assert result.exit_code == 4
    assert "alembic.util.no_such_helper is not supported by still yet" in result.output


# -- extension points, on the three databases ---------------------------------------------------

EXTENSIONS = """
import sqlalchemy as sa
from alembic.autogenerate import comparators, renderers
from alembic.autogenerate.rewriter import Rewriter
from alembic.operations import MigrateOperation, Operations, ops


@Operations.register_operation("audit_table")
class AuditTableOp(MigrateOperation):
    def __init__(self, table_name):
        self.table_name = table_name

    @classmethod
    def audit_table(cls, operations, table_name):
        return operations.invoke(cls(table_name))

    def reverse(self):
        return UnauditTableOp(self.table_name)


@Operations.register_operation("unaudit_table")
class UnauditTableOp(AuditTableOp):
    @classmethod
    def unaudit_table(cls, operations, table_name):
        return operations.invoke(cls(table_name))

    def reverse(self):
        return AuditTableOp(self.table_name)


@Operations.implementation_for(AuditTableOp)
def audit(operations, operation):
    operations.execute(f"INSERT INTO audited (name) VALUES ('{operation.table_name}')")


@Operations.implementation_for(UnauditTableOp)
def unaudit(operations, operation):
    operations.execute(f"DELETE FROM audited WHERE name = '{operation.table_name}'")


@comparators.dispatch_for("table")
def compare_audit(autogen_context, modify_ops, schema, name, conn_table, metadata_table):
    if metadata_table is not None and conn_table is None and metadata_table.info.get("audited"):
        modify_ops.ops.append(AuditTableOp(name))


@renderers.dispatch_for(AuditTableOp)
def render_audit(autogen_context, op):
    return f"op.audit_table({op.table_name!r})"


@renderers.dispatch_for(UnauditTableOp)
def render_unaudit(autogen_context, op):
    return f"op.unaudit_table({op.table_name!r})"


writer = Rewriter()


@writer.rewrites(ops.CreateTableOp)
def index_names(context, revision, op):
    return [op, ops.CreateIndexOp(f"ix_{op.table_name}_name", op.table_name, ["name"])]


target_metadata = sa.MetaData()
sa.Table(
    "audited", target_metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50)),
)
"""


def test_comparator_renderer_and_rewriter_from_env_py(project: Project) -> None:
    # the audit log table exists before autogenerate runs; its model is in the metadata too
    project.write_revision(
        "e1",
        None,
        "op.create_table('audited', sa.Column('id', sa.Integer, primary_key=True),"
        " sa.Column('name', sa.String(50)))\n"
        "op.create_index('ix_audited_name', 'audited', ['name'])",
        "op.drop_table('audited')",
    )
    env = project.env_py.read_text()
    env = env.replace(
        "target_metadata = None",
        EXTENSIONS
        + """
sa.Table(
    "pets", target_metadata, sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50)), info={"audited": True},
)
sa.Index("ix_audited_name", target_metadata.tables["audited"].c.name)
""",
    )
    assert "sa.Table(" in env, "the env.py still init writes has no `target_metadata = None`"
    project.env_py.write_text(env)
    project.configure_with("process_revision_directives=writer")
    # in child processes: what env.py registers stays registered for the rest of a process
    assert project.run_subprocess("upgrade", "head").exit_code == 0
    result = project.run_subprocess("revision", "--autogenerate", "-m", "pets", "--rev-id", "e2")
    assert result.exit_code == 0, str(result)
    text = next(project.versions_dir.glob("e2_*.py")).read_text()
    upgrade, downgrade = text.split("def downgrade")
    assert "op.audit_table('pets')" in upgrade  # the comparator's operation, rendered
    assert "op.create_index('ix_pets_name', 'pets', ['name']" in upgrade  # the rewriter's
    assert "op.unaudit_table('pets')" in downgrade  # the reverse
    assert project.run_subprocess("upgrade", "head").exit_code == 0
    assert project.rows("SELECT name FROM audited") == [("pets",)]
    assert "ix_pets_name" in {i["name"] for i in project.inspector().get_indexes("pets")}
    assert project.run_subprocess("downgrade", "e1").exit_code == 0
    assert project.rows("SELECT name FROM audited") == []
    assert project.tables() == {"audited"}


# -- the opt-in shim ----------------------------------------------------------------------------


def run_python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_shim_puts_still_behind_alembic_in_a_users_process(sqlite_project: Project) -> None:
    project = sqlite_project
    project.write_revision(
        "s1",
        None,
        "op.create_table('s', sa.Column('id', sa.Integer, primary_key=True))",
        "op.drop_table('s')",
    )
    completed = run_python(
        """
        import still.alembic_shim
        still.alembic_shim.install()
        from alembic import command                 # an application's start-up code
        from alembic.config import Config
        config = Config("alembic.ini")
        assert type(config).__module__ == "still.config", type(config)
        command.upgrade(config, "head")
        still.alembic_shim.uninstall()
        import alembic                              # the real one again, untouched
        assert alembic.__file__.endswith("alembic/__init__.py"), alembic.__file__
        assert "site-packages" in alembic.__file__
        print("ok")
        """,
        project.root,
    )
    assert completed.stdout.strip().endswith("ok"), completed.stderr
    assert project.tables() == {"s"} and project.versions() == {"s1"}


def test_shim_refuses_when_real_alembic_came_first(tmp_path: Path) -> None:
    completed = run_python(
        """
        import alembic.command as real_command
        import still.alembic_shim
        try:
            still.alembic_shim.install()
        except still.alembic_shim.AlembicAlreadyImported as exc:
            assert "install(replace=True)" in str(exc)
        else:
            raise SystemExit("install() did not refuse")
        with still.alembic_shim.installed(replace=True):
            from alembic import command
            assert command.__name__.startswith("still."), command
        import alembic.command
        assert alembic.command is real_command
        print("ok")
        """,
        tmp_path,
    )
    assert completed.stdout.strip() == "ok", completed.stderr


def test_every_submodule_in_the_table_is_an_attribute_of_its_parent() -> None:
    """compat.ALEMBIC_MODULES is the one table: ``alembic.runtime.migration`` is found both in
    sys.modules and as ``alembic.runtime``'s attribute, and listed by ``dir()``."""
    import importlib

    with compat.alembic_names():
        for alias, target in compat.ALEMBIC_MODULES.items():
            assert sys.modules[alias] is importlib.import_module(target), alias
            parent, _, child = alias.rpartition(".")
            if parent:
                stand_in = sys.modules[parent]
                assert getattr(stand_in, child) is sys.modules[alias], alias
                assert child in dir(stand_in), alias
