"""Fresh, uniquely named databases on the three servers still is tested against, and the
reference tools the differential tests compare with.

In CI (the ``CI`` environment variable set to anything but the empty string: ``true``, ``1``,
``yes``...) a server that cannot be reached, or a reference Alembic that cannot be imported,
fails the test; elsewhere it is skipped, with the reason in pytest's summary.
"""

from __future__ import annotations

import importlib
import os
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import pytest

KINDS = ("sqlite", "postgresql", "mariadb")
# The seed's URLs say postgresql+psycopg2://; the workflow is also run through that driver.
WITH_PSYCOPG2 = (*KINDS, "postgresql+psycopg2")

POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MARIADB_ADMIN = "mysql+pymysql://root@127.0.0.1:3306/test"


def in_ci(environ: Mapping[str, str] | None = None) -> bool:
    """Whether this run is CI's: ``CI`` has any non-empty value (CI services set ``true``, some
    ``1`` or ``yes``; a test that may only be skipped by a developer must not be skipped there)."""
    value = (os.environ if environ is None else environ).get("CI")
    return bool(value)


def missing(message: str, environ: Mapping[str, str] | None = None) -> NoReturn:
    """A test that cannot run here: a failure in CI, a skip elsewhere."""
    if in_ci(environ):
        pytest.fail(f"{message} (CI is set: what CI needs must be there)", pytrace=False)
    pytest.skip(message, allow_module_level=True)


def required(module: str) -> ModuleType:
    """Import ``module``, a test dependency (real Alembic for the differential tests, an async
    driver): a skip on a developer's machine without it, a failure in CI (a differential test
    that silently skips proves nothing)."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        missing(
            f"the test dependency {module} cannot be imported ({exc}): pip install -e '.[test]'"
        )


def _unavailable(kind: str, error: Exception) -> NoReturn:
    missing(f"{kind} server not reachable: {error}")


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
