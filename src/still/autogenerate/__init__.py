"""Autogenerate: compare the models' MetaData with the live database and produce operations.

Filled in by the autogenerate issue; the layer exists so the import contract is enforced now.
"""
