"""Rendering under Alembic's signatures, for add-ons that call Alembic's render functions from
their own renderers (``render._alter_column(autogen_context, op)``, ``render_op_text``) and for
tools that render a body themselves (``_render_cmd_body``).

Each takes Alembic's ``AutogenContext`` (:class:`still.autogenerate.extensions.AutogenContext`)
and renders with still's renderers (:mod:`still.autogenerate.render`), with the context's
rendering options (module prefixes, ``render_item``, ``render_as_batch``) and its ``imports``.
Called from inside still's own rendering (an add-on's renderer), they continue it: same imports,
same batch block.
"""

from __future__ import annotations

from typing import Any

from still.autogenerate.extensions import AutogenContext, renderers
from still.autogenerate.render import RenderContext
from still.autogenerate.render import _alter_column as _render_alter_column
from still.autogenerate.render import render_op as _render_op
from still.autogenerate.render import render_ops as _render_ops
from still.operations import ops

default_renderers = renderers

# what _render_cmd_body frames a body with (still's own wording: the file is still's)
BEGIN_MARK = "# ### commands written by still autogenerate: review them ###"
END_MARK = "# ### end of still's commands ###"


def _context(autogen_context: Any) -> RenderContext:
    """The RenderContext for ``autogen_context``: the one rendering now, if any."""
    current = getattr(autogen_context, "render_context", None)
    if isinstance(current, RenderContext):
        return current
    opts = dict(getattr(autogen_context, "opts", None) or {})
    comparison = getattr(autogen_context, "comparison", None)
    ctx = RenderContext(
        sqlalchemy_module_prefix=opts.get("sqlalchemy_module_prefix") or "sa.",
        alembic_module_prefix=opts.get("alembic_module_prefix") or "op.",
        user_module_prefix=opts.get("user_module_prefix"),
        render_item=opts.get("render_item"),
        autogen_context=comparison,
        render_as_batch=bool(opts.get("render_as_batch", False)),
    )
    imports = getattr(autogen_context, "imports", None)
    if isinstance(imports, set):
        ctx.imports = imports
    return ctx


def render_op(autogen_context: AutogenContext, op: ops.MigrateOperation) -> list[str]:
    """The lines of Python that write ``op`` (Alembic's ``render.render_op``)."""
    return _render_op(op, _context(autogen_context)).split("\n")


def render_op_text(autogen_context: AutogenContext, op: ops.MigrateOperation) -> str:
    """``op`` as Python text (Alembic's ``render.render_op_text``)."""
    return "\n".join(render_op(autogen_context, op))


def _alter_column(autogen_context: AutogenContext, op: ops.AlterColumnOp) -> str:
    """``op.alter_column(...)`` for ``op``, ending with its closing parenthesis (add-ons strip it
    to add keyword arguments of their own, e.g. ``postgresql_using``)."""
    return _render_alter_column(op, _context(autogen_context))


def _render_cmd_body(op_container: Any, autogen_context: AutogenContext) -> str:
    """The body of ``upgrade()`` or ``downgrade()`` for a container of operations, framed by
    the review comments, unindented (Alembic's function of the same name)."""
    body = _render_ops(list(op_container.ops), _context(autogen_context), indent="")
    lines = [BEGIN_MARK, *body.split("\n"), END_MARK]
    return "\n".join(lines) + "\n"


def _indent(text: str) -> str:
    return "\n".join(("    " + line) if line else line for line in text.rstrip("\n").split("\n"))


def _render_python_into_templatevars(
    autogen_context: AutogenContext,
    migration_script: ops.MigrationScript,
    template_args: dict[str, Any],
) -> None:
    """Put a script's rendered bodies and imports into ``template_args`` (``upgrades``,
    ``downgrades`` or the script's tokens, and ``imports``)."""
    pairs = [(migration_script.upgrade_ops, migration_script.downgrade_ops)]
    for upgrade_ops, downgrade_ops in pairs:
        up_token = getattr(upgrade_ops, "upgrade_token", "upgrades")
        down_token = getattr(downgrade_ops, "downgrade_token", "downgrades")
        template_args[up_token] = _indent(_render_cmd_body(upgrade_ops, autogen_context)).lstrip()
        template_args[down_token] = _indent(
            _render_cmd_body(downgrade_ops, autogen_context)
        ).lstrip()
    template_args["imports"] = "\n".join(sorted(autogen_context.imports))


def _render_migration_diffs(context: Any, template_args: dict[str, Any]) -> None:
    """Compare the context's database with its ``target_metadata`` and render the result into
    ``template_args`` (Alembic's ``autogenerate._render_migration_diffs``)."""
    from still.autogenerate.api import _produce_net_changes

    autogen_context = AutogenContext(context)
    upgrade_ops = ops.UpgradeOps([])
    _produce_net_changes(autogen_context, upgrade_ops)
    script = ops.MigrationScript(None, upgrade_ops, upgrade_ops.reverse())
    _render_python_into_templatevars(autogen_context, script, template_args)


def _renderer_of(op_class: type[Any]) -> Any:
    from still.autogenerate.render import RENDERERS

    return RENDERERS[op_class]


def _add_table(autogen_context: AutogenContext, op: ops.CreateTableOp) -> str:
    """``op.create_table(...)`` for ``op`` (add-ons rename the call for their own operation).
    Alembic writes the table ``op.to_table()`` makes: where an add-on's operation makes it its
    own way (geoalchemy2 turns the columns' ``spatial_index`` off), that table is written."""
    own = ops.CreateTableOp.to_table
    if getattr(type(op), "to_table", own) is not own:
        made = op.to_table(getattr(autogen_context, "migration_context", None))
        rebuilt = ops.CreateTableOp.from_table(made)
        rebuilt.if_not_exists = op.if_not_exists
        op = rebuilt
    return str(_renderer_of(ops.CreateTableOp)(op, _context(autogen_context)))


def _drop_table(autogen_context: AutogenContext, op: ops.DropTableOp) -> str:
    return str(_renderer_of(ops.DropTableOp)(op, _context(autogen_context)))


def _add_column(autogen_context: AutogenContext, op: ops.AddColumnOp) -> str:
    return str(_renderer_of(ops.AddColumnOp)(op, _context(autogen_context)))


def _drop_column(autogen_context: AutogenContext, op: ops.DropColumnOp) -> str:
    return str(_renderer_of(ops.DropColumnOp)(op, _context(autogen_context)))


def _add_index(autogen_context: AutogenContext, op: ops.CreateIndexOp) -> str:
    return str(_renderer_of(ops.CreateIndexOp)(op, _context(autogen_context)))


def _drop_index(autogen_context: AutogenContext, op: ops.DropIndexOp) -> str:
    return str(_renderer_of(ops.DropIndexOp)(op, _context(autogen_context)))
