from sqlalchemy import Column, Integer, Numeric, String

from models.base import Base


class Manipulation(Base):
    """A procedure the clinic offers (a vaccination, a check-up, ...) and its price."""

    __tablename__ = "manipulations"

    id = Column(Integer, primary_key=True)
    title = Column(String(100), nullable=False)
    price = Column(Numeric(10, 2))
