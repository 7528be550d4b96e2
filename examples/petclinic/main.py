"""The application's start-up, as in the seed's FastAPI example: migrate, then serve.

from alembic.config import Config      ->  from still.config import Config
from alembic import command            ->  from still import command
"""

from still import command
from still.config import Config


def apply_migrations() -> None:
    """Bring the database to the newest revision; nothing to do costs almost nothing."""
    command.upgrade(Config("alembic.ini"), "head")


if __name__ == "__main__":
    apply_migrations()
    print("migrations applied; the application would start here (uvicorn main:app)")
