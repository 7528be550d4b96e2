"""``alembic.autogenerate`` (and its ``api``, ``compare``, ``render`` and ``rewriter`` modules)."""

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
        "AutogenContext": f"{_A}.extensions:HookContext",
        "Rewriter": f"{_A}.rewriter:Rewriter",
        **{
            name: "still.alembic_names.autogenerate"
            for name in ("api", "compare", "render", "rewriter")
        },
    },
)
