"""The migration runtime: env.py's ``context``, the migration context, transactions and the
version table."""
