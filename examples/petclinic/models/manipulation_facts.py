from sqlalchemy import Column, DateTime, ForeignKey, Integer
from sqlalchemy.orm import relationship

from models.base import Base


class ManipulationFact(Base):
    """A manipulation done to a pet, and when."""

    __tablename__ = "manipulation_facts"

    id = Column(Integer, primary_key=True)
    pet_id = Column(Integer, ForeignKey("pets.id"), nullable=False)
    manipulation_id = Column(Integer, ForeignKey("manipulations.id"), nullable=False)
    done_at = Column(DateTime)

    pet = relationship("Pet", back_populates="manipulation_facts")
    manipulation = relationship("Manipulation")
