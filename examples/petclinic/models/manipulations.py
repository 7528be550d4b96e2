from sqlalchemy import Column, Integer, Numeric, String

from models.base import Base


class Manipulation(Base):
    __tablename__ = "manipulations"

    id = Column(Integer, primary_key=True)
    title = Column(String(100), nullable=False)
    price = Column(Numeric(10, 2))
