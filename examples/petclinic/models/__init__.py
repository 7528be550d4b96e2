"""The pet clinic's models, one module per table.

models.base.Base is the declarative base; env.py imports it and every model module, so that
Base.metadata knows all five tables (owners, species, pets, manipulations, manipulation_facts).
"""
