"""Database drivers that are not installed: which one, and what to install.

SQLAlchemy imports a URL's driver (its DBAPI module) when the first engine is made, in env.py:
a driver that is missing then surfaces as ``No module named 'psycopg2'`` from deep inside
SQLAlchemy, which reads like a mistake in the user's own imports.  :func:`missing_driver` tells
the two apart by where the import failed, and names the package that provides the module.
"""

from __future__ import annotations

from types import TracebackType

# module SQLAlchemy imports -> (the URLs that use it, how to get it)
_PIP = "pip install {}"
DRIVERS: dict[str, tuple[str, str]] = {
    "psycopg2": (
        "postgresql+psycopg2://, and postgresql:// on SQLAlchemy 2.0",
        "pip install psycopg2-binary (or pip install 'still[psycopg2]')",
    ),
    "psycopg": (
        "postgresql+psycopg://, and postgresql:// on SQLAlchemy 2.1",
        "pip install 'psycopg[binary]' (or pip install 'still[postgresql]')",
    ),
    "asyncpg": ("postgresql+asyncpg://", "pip install asyncpg (or pip install 'still[async]')"),
    "pg8000": ("postgresql+pg8000://", "pip install pg8000"),
    "pymysql": (
        "mysql+pymysql:// and mariadb+pymysql://",
        "pip install PyMySQL (or pip install 'still[mysql]')",
    ),
    "MySQLdb": ("mysql+mysqldb:// and mysql://", "pip install mysqlclient"),
    "mysql": ("mysql+mysqlconnector://", "pip install mysql-connector-python"),
    "mariadb": ("mariadb+mariadbconnector://", "pip install mariadb"),
    "aiomysql": ("mysql+aiomysql://", "pip install aiomysql (or pip install 'still[async]')"),
    "asyncmy": ("mysql+asyncmy://", "pip install asyncmy"),
    "aiosqlite": ("sqlite+aiosqlite://", "pip install aiosqlite (or pip install 'still[async]')"),
    "sqlite3": ("sqlite://", "use a Python built with its sqlite3 module"),
    "oracledb": ("oracle+oracledb://", "pip install oracledb"),
    "cx_Oracle": ("oracle+cx_oracle://", "pip install cx_Oracle"),
    "pyodbc": ("mssql+pyodbc://", "pip install pyodbc"),
    "pymssql": ("mssql+pymssql://", "pip install pymssql"),
}


def _imported_by_sqlalchemy(tb: TracebackType | None) -> bool:
    """Whether a frame of the traceback is SQLAlchemy loading a dialect's DBAPI module."""
    while tb is not None:
        frame = tb.tb_frame
        module = str(frame.f_globals.get("__name__", ""))
        if module.startswith("sqlalchemy.dialects.") and frame.f_code.co_name in (
            "import_dbapi",
            "dbapi",
        ):
            return True
        tb = tb.tb_next
    return False


def missing_driver(exc: BaseException) -> str | None:
    """A message for an ``ImportError`` raised while SQLAlchemy imported a database driver
    (None for any other error)."""
    if not isinstance(exc, ImportError) or not _imported_by_sqlalchemy(exc.__traceback__):
        return None
    module = (exc.name or "").split(".")[0]
    if not module:
        return None
    urls, install = DRIVERS.get(module, ("", _PIP.format(module)))
    used_by = f" (used by URLs starting {urls})" if urls else ""
    return (
        f"The database driver {module}{used_by} is not installed: {exc}. Install it in the "
        f"environment still runs in: {install}. Or use a URL whose driver is installed "
        "(sqlalchemy.url in alembic.ini, -x sqlalchemy.url=..., or SQLALCHEMY_URL)."
    )
