"""A fingerprint of a whole database: its schema as the server's catalogue states it, and every
row of every table, for tests that prove a command left a database exactly as it was (the shadow
database's promise, issue 19: the user's database is never touched).

``fingerprint(url)`` reads, per kind of database:

- SQLite: the file's bytes (a digest), ``sqlite_master`` (type, name, table, SQL) and the
  schema and user version pragmas; a missing file is ``{"file": None}`` (and is not created);
- PostgreSQL, for every schema but the system's: schemas, relations (name, kind, persistence,
  options, owner, privileges), columns (type, default, nullability, identity, generated,
  collation), constraints (``pg_get_constraintdef``: primary keys, unique, checks, foreign keys,
  exclusions), indexes (``pg_indexes``), views' and materialized views' definitions, sequences
  (definition, last value), types (enum labels in order, domains), functions, triggers, policies,
  comments, extensions, the database's own settings (``ALTER DATABASE ... SET``);
- MariaDB/MySQL: ``SHOW CREATE DATABASE``, ``SHOW CREATE TABLE`` / ``VIEW`` / ``SEQUENCE`` of
  everything ``SHOW FULL TABLES`` lists, triggers, routines, events, and the grants on it;

and every row of every table (the version table and still's ledger included; a sequence's state
on MariaDB), in a stable order.  The result is a dict of plain values: two fingerprints compare
with ``==`` and pytest shows which part differs.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa

Fingerprint = dict[str, Any]

# The driver each kind is read through (the project's URL may name an async one).
_SYNC_DRIVERS = {"postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql"}


def fingerprint(url: str) -> Fingerprint:
    """Everything in the database ``url`` names (see the module's docstring)."""
    parsed = sa.engine.make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite(Path(parsed.database or ""))
    parsed = parsed.set(drivername=_SYNC_DRIVERS[backend])
    engine = sa.create_engine(parsed, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            if backend == "postgresql":
                return _postgresql(conn)
            return _mysql(conn, parsed.database or "")
    finally:
        engine.dispose()


def _rows(result: Any) -> list[tuple[Any, ...]]:
    """A result's rows as tuples, in a stable order (by their repr: NULLs and mixed types sort)."""
    return sorted((tuple(row) for row in result), key=repr)


# -- SQLite --------------------------------------------------------------------------------------


def _sqlite(path: Path) -> Fingerprint:
    if not path.exists():
        return {"file": None}
    state: Fingerprint = {
        "file": hashlib.sha256(path.read_bytes()).hexdigest(),
        "beside": sorted(
            p.name
            for p in path.parent.glob(f"{path.name}-*")  # -journal, -wal, -shm
        ),
    }
    # read-only: reading never creates nor writes the file
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        master = conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
        state["sqlite_master"] = master
        for pragma in ("schema_version", "user_version", "application_id"):
            state[pragma] = conn.execute(f"PRAGMA {pragma}").fetchone()[0]
        for kind, name, _table, _sql in master:
            if kind == "table":
                quoted = '"' + name.replace('"', '""') + '"'
                state[f"rows {name}"] = _rows(conn.execute(f"SELECT * FROM {quoted}"))
    finally:
        conn.close()
    return state


# -- PostgreSQL ----------------------------------------------------------------------------------

# every schema but PostgreSQL's own (pg_catalog, information_schema, pg_toast*, pg_temp_*)
_USER = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'"

_POSTGRESQL_CATALOG = {
    "database": """
        SELECT pg_encoding_to_char(encoding), datcollate, datctype, datallowconn, datconnlimit,
               datacl::text, pg_get_userbyid(datdba)
        FROM pg_database WHERE datname = current_database()""",
    "database settings": """
        SELECT setrole, setconfig::text FROM pg_db_role_setting
        WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())""",
    "schemas": f"""
        SELECT n.nspname, pg_get_userbyid(n.nspowner), n.nspacl::text
        FROM pg_namespace n WHERE {_USER}""",
    "relations": f"""
        SELECT n.nspname, c.relname, c.relkind, c.relpersistence, c.reloptions::text,
               pg_get_userbyid(c.relowner), c.relacl::text, c.relrowsecurity, c.relispartition,
               pg_get_partkeydef(c.oid), pg_get_expr(c.relpartbound, c.oid)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {_USER}""",
    "columns": f"""
        SELECT n.nspname, c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod),
               a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated,
               a.attcollation::regcollation::text, a.attacl::text
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attnum > 0 AND NOT a.attisdropped AND {_USER}""",
    "constraints": f"""
        SELECT n.nspname, co.conname, co.contype, co.conrelid::regclass::text,
               co.contypid::regtype::text, pg_get_constraintdef(co.oid), co.convalidated,
               co.condeferrable, co.condeferred, co.connoinherit
        FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace WHERE {_USER}""",
    "indexes": """
        SELECT schemaname, tablename, indexname, indexdef FROM pg_indexes
        WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
          AND schemaname !~ '^pg_(toast|temp_)'""",
    "views": """
        SELECT schemaname, viewname, definition FROM pg_views
        WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
          AND schemaname !~ '^pg_(toast|temp_)'""",
    "materialized views": """
        SELECT schemaname, matviewname, definition, ispopulated FROM pg_matviews
        WHERE schemaname !~ '^pg_(toast|temp_)'""",
    "sequences": """
        SELECT schemaname, sequencename, data_type::text, start_value, min_value, max_value,
               increment_by, cycle, cache_size, last_value
        FROM pg_sequences
        WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
          AND schemaname !~ '^pg_(toast|temp_)'""",
    "sequences owned by": f"""
        SELECT n.nspname, c.relname, d.refobjid::regclass::text, d.refobjsubid, d.deptype
        FROM pg_depend d
        JOIN pg_class c ON c.oid = d.objid AND d.classid = 'pg_class'::regclass
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'S' AND d.refclassid = 'pg_class'::regclass AND {_USER}""",
    "types": f"""
        SELECT n.nspname, t.typname, t.typtype, t.typcategory,
               format_type(t.typbasetype, t.typtypmod), t.typnotnull, t.typdefault,
               pg_get_userbyid(t.typowner), t.typacl::text
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE {_USER}""",
    "enum labels": f"""
        SELECT n.nspname, t.typname,
               array_agg(e.enumlabel::text ORDER BY e.enumsortorder)::text
        FROM pg_enum e
        JOIN pg_type t ON t.oid = e.enumtypid
        JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE {_USER} GROUP BY n.nspname, t.typname""",
    "functions": f"""
        SELECT n.nspname, p.proname, p.prokind, pg_get_function_identity_arguments(p.oid),
               CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) END,
               md5(coalesce(p.prosrc, '')), p.proacl::text
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE {_USER}""",
    "triggers": f"""
        SELECT n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled
        FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT t.tgisinternal AND {_USER}""",
    "rules": """
        SELECT schemaname, tablename, rulename, definition FROM pg_rules
        WHERE schemaname NOT IN ('pg_catalog', 'information_schema')""",
    "policies": """
        SELECT schemaname, tablename, policyname, permissive, roles::text, cmd, qual, with_check
        FROM pg_policies""",
    "comments": """
        SELECT pg_describe_object(classoid, objoid, objsubid), description
        FROM pg_description WHERE objoid >= 16384""",  # FirstNormalObjectId: not initdb's
    "extensions": """
        SELECT extname, extversion, extnamespace::regnamespace::text, extconfig::text
        FROM pg_extension""",
    "default privileges": """
        SELECT pg_get_userbyid(defaclrole), defaclnamespace::regnamespace::text, defaclobjtype,
               defaclacl::text
        FROM pg_default_acl""",
}


def _postgresql(conn: sa.Connection) -> Fingerprint:
    state: Fingerprint = {
        part: _rows(conn.execute(sa.text(query))) for part, query in _POSTGRESQL_CATALOG.items()
    }
    quote = conn.dialect.identifier_preparer.quote
    for schema, name, kind in conn.execute(
        sa.text(
            f"SELECT n.nspname, c.relname, c.relkind FROM pg_class c "
            f"JOIN pg_namespace n ON n.oid = c.relnamespace "
            f"WHERE c.relkind IN ('r', 'S') AND {_USER}"
        )
    ).all():
        qualified = f"{quote(schema)}.{quote(name)}"
        if kind == "S":  # a sequence's state (pg_sequences' last_value is NULL until called)
            query = f"SELECT last_value, is_called FROM {qualified}"
        else:
            query = f"SELECT * FROM {qualified}"
        state[f"rows {schema}.{name}"] = _rows(conn.execute(sa.text(query)))
    return state


# -- MariaDB / MySQL -----------------------------------------------------------------------------

_SHOW_CREATE = {
    "BASE TABLE": "TABLE",
    "SYSTEM VERSIONED": "TABLE",
    "VIEW": "VIEW",
    "SEQUENCE": "SEQUENCE",
}

_MYSQL_CATALOG = {
    "triggers": """
        SELECT TRIGGER_NAME, EVENT_MANIPULATION, EVENT_OBJECT_TABLE, ACTION_ORDER,
               ACTION_STATEMENT, ACTION_TIMING, SQL_MODE, DEFINER
        FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()""",
    "routines": """
        SELECT ROUTINE_NAME, ROUTINE_TYPE, DTD_IDENTIFIER, ROUTINE_DEFINITION, IS_DETERMINISTIC,
               SQL_DATA_ACCESS, SECURITY_TYPE, SQL_MODE, ROUTINE_COMMENT, DEFINER, LAST_ALTERED
        FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()""",
    "events": """
        SELECT EVENT_NAME, EVENT_DEFINITION, EVENT_TYPE, EXECUTE_AT, INTERVAL_VALUE,
               INTERVAL_FIELD, STATUS, ON_COMPLETION, LAST_ALTERED, EVENT_COMMENT
        FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()""",
    # grants on the database and on its tables and columns (GRANT ... ON db.*: the user's)
    "grants": """
        SELECT GRANTEE, PRIVILEGE_TYPE, IS_GRANTABLE FROM information_schema.SCHEMA_PRIVILEGES
        WHERE TABLE_SCHEMA IN (DATABASE(), REPLACE(DATABASE(), '_', '\\\\_'))""",
    "table grants": """
        SELECT GRANTEE, TABLE_NAME, PRIVILEGE_TYPE, IS_GRANTABLE
        FROM information_schema.TABLE_PRIVILEGES WHERE TABLE_SCHEMA = DATABASE()""",
    "column grants": """
        SELECT GRANTEE, TABLE_NAME, COLUMN_NAME, PRIVILEGE_TYPE, IS_GRANTABLE
        FROM information_schema.COLUMN_PRIVILEGES WHERE TABLE_SCHEMA = DATABASE()""",
}


def _mysql(conn: sa.Connection, database: str) -> Fingerprint:
    quote = conn.dialect.identifier_preparer.quote
    state: Fingerprint = {
        "database": conn.execute(sa.text(f"SHOW CREATE DATABASE {quote(database)}")).one()[1],
    }
    state.update(
        {part: _rows(conn.execute(sa.text(query))) for part, query in _MYSQL_CATALOG.items()}
    )
    for name, kind in sorted(conn.execute(sa.text("SHOW FULL TABLES")).all()):
        shown = conn.execute(sa.text(f"SHOW CREATE {_SHOW_CREATE[kind]} {quote(name)}")).one()
        state[f"{kind.lower()} {name}"] = tuple(shown)
        if kind != "VIEW":  # a table's rows; a sequence's state
            state[f"rows {name}"] = _rows(conn.execute(sa.text(f"SELECT * FROM {quote(name)}")))
    return state
