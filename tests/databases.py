"""Fresh, uniquely named databases on the three servers still is tested against.

With CI=true a server that cannot be reached fails the test; elsewhere it is skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

KINDS = ("sqlite", "postgresql", "mariadb")
# The seed's URLs say postgresql+psycopg2://; the workflow is also run through that driver.
WITH_PSYCOPG2 = (*KINDS, "postgresql+psycopg2")

POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MARIADB_ADMIN = "mysql+pymysql://root@127.0.0.1:3306/test"


def _unavailable(kind: str, error: Exception) -> None:
    message = f"{kind} server not reachable: {error}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def fresh_database(kind: str, directory: Path) -> Iterator[str]:
    """Yield the URL of a new, empty database of ``kind``; drop it afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / f'db_{uuid.uuid4().hex[:8]}.sqlite'}"
        return
    name = f"still_t_{uuid.uuid4().hex[:10]}"
    if kind.startswith("postgresql"):
        import psycopg

        try:
            admin = psycopg.connect(
                "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=5"
            )
        except psycopg.OperationalError as exc:
            _unavailable(kind, exc)
        admin.autocommit = True
        with admin:
            admin.execute(f'CREATE DATABASE "{name}"')
            try:
                driver = "psycopg2" if kind.endswith("psycopg2") else "psycopg"
                yield f"postgresql+{driver}://postgres@127.0.0.1:5432/{name}"
            finally:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    if kind == "mariadb":
        import pymysql

        try:
            admin = pymysql.connect(
                host="127.0.0.1", port=3306, user="root", autocommit=True, connect_timeout=5
            )
        except pymysql.err.OperationalError as exc:
            _unavailable(kind, exc)
        try:
            with admin.cursor() as cursor:
                cursor.execute(f"CREATE DATABASE `{name}`")
            try:
                yield f"mysql+pymysql://root@127.0.0.1:3306/{name}"
            finally:
                with admin.cursor() as cursor:
                    cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        finally:
            admin.close()
        return
    raise ValueError(kind)
