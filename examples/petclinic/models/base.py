from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """The declarative base of every model; Base.metadata is env.py's target_metadata."""
