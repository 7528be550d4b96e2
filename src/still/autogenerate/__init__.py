"""Autogenerate: compare the models' MetaData with the live database and produce operations.

The API is in :mod:`still.autogenerate.api` (``compare_metadata``, ``produce_migrations``,
``render_python_code``, ``render_migration``), :mod:`.summary` (``summarize``) and
:mod:`.renames` (``rename_candidates``, ``apply_renames``).  One module per concern: reflection
(``reflect``), tables, columns, types (``compare_types``), server defaults (``defaults``), indexes
and unique constraints, foreign keys, PostgreSQL enums, ordering (``changes``) and rendering.
"""
