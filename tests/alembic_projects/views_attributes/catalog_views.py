"""The project's own operation: op.create_view / op.drop_view, with an autogenerate comparator
and renderers, registered through Alembic's documented extension points."""

import sqlalchemy as sa
from alembic.autogenerate import comparators, renderers
from alembic.operations import MigrateOperation, Operations


@Operations.register_operation("create_view")
class CreateViewOp(MigrateOperation):
    def __init__(self, view_name, select):
        self.view_name = view_name
        self.select = select

    @classmethod
    def create_view(cls, operations, view_name, select):
        return operations.invoke(cls(view_name, select))

    def reverse(self):
        return DropViewOp(self.view_name, self.select)


@Operations.register_operation("drop_view")
class DropViewOp(MigrateOperation):
    def __init__(self, view_name, select=None):
        self.view_name = view_name
        self.select = select

    @classmethod
    def drop_view(cls, operations, view_name, select=None):
        return operations.invoke(cls(view_name, select))

    def reverse(self):
        return CreateViewOp(self.view_name, self.select)


@Operations.implementation_for(CreateViewOp)
def create_view(operations, operation):
    operations.execute(f"CREATE VIEW {operation.view_name} AS {operation.select}")


@Operations.implementation_for(DropViewOp)
def drop_view(operations, operation):
    operations.execute(f"DROP VIEW {operation.view_name}")


@comparators.dispatch_for("schema")
def compare_views(autogen_context, upgrade_ops, schemas):
    wanted = autogen_context.metadata.info.get("views", {})
    existing = set(sa.inspect(autogen_context.connection).get_view_names())
    for name in sorted(set(wanted) - existing):
        upgrade_ops.ops.append(CreateViewOp(name, wanted[name]))


@renderers.dispatch_for(CreateViewOp)
def render_create_view(autogen_context, op):
    return f"op.create_view({op.view_name!r}, {op.select!r})"


@renderers.dispatch_for(DropViewOp)
def render_drop_view(autogen_context, op):
    return f"op.drop_view({op.view_name!r}, {op.select!r})"
