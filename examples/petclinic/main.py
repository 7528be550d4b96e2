"""The pet clinic's start-up, as in the tutorial's FastAPI example: migrate, then serve.

The tutorial's two imports, with still in place of Alembic:

    from alembic.config import Config   ->  from still.config import Config
    from alembic import command         ->  from still import command

Run it from this directory (where alembic.ini is): python main.py
"""

import time

from still import command
from still.config import Config


def apply_migrations() -> None:
    """Bring the database to the newest revision; when it is there already, nothing runs."""
    alembic_cfg = Config("alembic.ini")
    command.upgrade(alembic_cfg, "head")


if __name__ == "__main__":
    started = time.perf_counter()
    apply_migrations()
    took = (time.perf_counter() - started) * 1000
    print(f"migrations applied in {took:.0f} ms; the database is at:")
    command.current(Config("alembic.ini"))
    # A FastAPI application would start here: uvicorn.run("main:app") or `uvicorn main:app`.
