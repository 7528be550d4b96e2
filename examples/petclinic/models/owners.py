from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import relationship

from models.base import Base


class Owner(Base):
    __tablename__ = "owners"

    owner_id = Column(Integer, primary_key=True)
    owner_name = Column(String(100), nullable=False)
    owner_email = Column(String(100))

    pets = relationship("Pet", back_populates="owner")
