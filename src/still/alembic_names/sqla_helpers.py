"""The SQLAlchemy helpers ``alembic.util`` re-exports (imported only when one is used)."""

from __future__ import annotations

import sqlalchemy
from sqlalchemy.util import immutabledict, memoized_property

EMPTY_DICT: immutabledict[object, object] = immutabledict()

# Whether the SQLAlchemy in use is 2.1 or later (Alembic's flag of the same name).
sqla_2_1 = tuple(int(part) for part in sqlalchemy.__version__.split(".")[:2] if part.isdigit()) >= (
    2,
    1,
)

__all__ = ["EMPTY_DICT", "immutabledict", "memoized_property", "sqla_2_1"]
