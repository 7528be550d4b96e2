"""What a migration run leaves behind: the schema and the version rows, for comparison."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

VERSION_TABLE = "alembic_version"
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Snapshot:
    """Every table, column, index and constraint (as the database reports them) and the
    version rows."""

    objects: tuple[tuple[str, ...], ...]
    versions: tuple[str, ...]

    def describe_difference(self, other: Snapshot) -> str:
        mine, theirs = set(self.objects), set(other.objects)
        lines = [f"only in first: {sorted(mine - theirs)[:5]}"]
        lines.append(f"only in second: {sorted(theirs - mine)[:5]}")
        if self.versions != other.versions:
            lines.append(f"versions {self.versions} != {other.versions}")
        return "; ".join(lines)


def sqlite_snapshot(path: Path) -> Snapshot:
    """The schema of a SQLite file (``sqlite_master``, whitespace normalised) and its version
    rows."""
    if not path.exists():
        return Snapshot((), ())
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute(
            "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master "
            "WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
        ).fetchall()
        objects = tuple((t, n, tb, _SPACE.sub(" ", sql).strip()) for t, n, tb, sql in rows)
        versions: tuple[str, ...] = ()
        if any(o[0] == "table" and o[1] == VERSION_TABLE for o in objects):
            versions = tuple(
                r[0]
                for r in connection.execute(
                    f"SELECT version_num FROM {VERSION_TABLE} ORDER BY version_num"
                )
            )
    finally:
        connection.close()
    return Snapshot(objects, versions)


POSTGRES_OBJECTS = """
SELECT 'column', c.table_name, c.column_name,
       c.data_type || coalesce('(' || c.character_maximum_length || ')', ''),
       c.is_nullable, coalesce(c.column_default, '')
  FROM information_schema.columns c WHERE c.table_schema = 'public'
UNION ALL
SELECT 'index', i.tablename, i.indexname, i.indexdef, '', ''
  FROM pg_indexes i WHERE i.schemaname = 'public'
UNION ALL
SELECT 'constraint', t.table_name, t.constraint_name, t.constraint_type, '', ''
  FROM information_schema.table_constraints t
 WHERE t.table_schema = 'public' AND t.constraint_type <> 'CHECK'
ORDER BY 1, 2, 3
"""


def postgres_snapshot(dsn: str) -> Snapshot:
    """The public schema of a PostgreSQL database and its version rows (psycopg)."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as connection:
        objects = tuple(
            tuple(str(v) for v in row) for row in connection.execute(POSTGRES_OBJECTS).fetchall()
        )
        versions: tuple[str, ...] = ()
        if any(o[0] == "column" and o[1] == VERSION_TABLE for o in objects):
            versions = tuple(
                r[0]
                for r in connection.execute(
                    f"SELECT version_num FROM {VERSION_TABLE} ORDER BY version_num"
                ).fetchall()
            )
    return Snapshot(objects, versions)
