"""Side-by-side benchmarks of still and Alembic on generated projects (issue 9).

``python -m bench`` runs everything and writes docs/benchmarks.md; ``python -m bench --quick``
runs the smallest sizes once (the CI smoke test).
"""
