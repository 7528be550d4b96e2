"""The shadow database: the schema of any set of revisions, built by replaying them into a
throw-away database of the project's kind, so that autogenerate and ``check`` compare the models
with the revisions instead of with a developer's database (see docs/shadow.md).

- :mod:`still.shadow.build`: ``shadow_database()``, the context manager that builds one (from the
  cache when the revision files are unchanged), points the configuration at it, and drops it;
- :mod:`still.shadow.servers`: the throw-away database of each kind (a temporary SQLite file; a
  temporary database on a PostgreSQL or MySQL/MariaDB server) and its cache;
- :mod:`still.shadow.admin`: statements run outside any migration (CREATE / DROP DATABASE);
- :mod:`still.shadow.names`: names (prefix, process id), the digest of the revision files.
"""
