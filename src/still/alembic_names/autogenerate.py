"""``alembic.autogenerate`` and its ``api``, ``compare``, ``render`` and ``rewriter`` modules, which
are this one too: each of their names add-ons use answers here."""

from __future__ import annotations

from still.alembic_names._standin import stand_in

__path__: list[str] = []

_A = "still.autogenerate"
__getattr__, __dir__ = stand_in(
    globals(),
    "alembic.autogenerate",
    {
        "compare_metadata": f"{_A}.api:compare_metadata",
        "produce_migrations": f"{_A}.api:produce_migrations",
        "render_python_code": f"{_A}.api:render_python_code",
        "comparators": f"{_A}.extensions:comparators",
        "renderers": f"{_A}.extensions:renderers",
        "AutogenContext": f"{_A}.extensions:AutogenContext",
        "Rewriter": f"{_A}.rewriter:Rewriter",
        "RevisionContext": f"{_A}.revision_context:RevisionContext",
        "_produce_net_changes": f"{_A}.api:_produce_net_changes",
        # alembic.autogenerate.render
        "render_op": f"{_A}.alembic_render:render_op",
        "render_op_text": f"{_A}.alembic_render:render_op_text",
        "default_renderers": f"{_A}.alembic_render:default_renderers",
        "_alter_column": f"{_A}.alembic_render:_alter_column",
        "_render_cmd_body": f"{_A}.alembic_render:_render_cmd_body",
        "_render_python_into_templatevars": f"{_A}.alembic_render:_render_python_into_templatevars",
        "_render_migration_diffs": f"{_A}.alembic_render:_render_migration_diffs",
        **{
            name: f"{_A}.alembic_render:{name}"
            for name in (
                "_add_table",
                "_drop_table",
                "_add_column",
                "_drop_column",
                "_add_index",
                "_drop_index",
            )
        },
        # alembic.autogenerate.compare
        "PriorityDispatchResult": f"{_A}.extensions:PriorityDispatchResult",
        "DispatchPriority": f"{_A}.extensions:DispatchPriority",
        "Plugin": f"{_A}.plugins:Plugin",
        # api, compare, render, rewriter: submodules (still.compat.ALEMBIC_MODULES)
    },
)
