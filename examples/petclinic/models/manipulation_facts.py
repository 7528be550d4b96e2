from sqlalchemy import Column, DateTime, ForeignKey, Integer

from models.base import Base


class ManipulationFact(Base):
    __tablename__ = "manipulation_facts"

    id = Column(Integer, primary_key=True)
    pet_id = Column(Integer, ForeignKey("pets.id"), nullable=False)
    manipulation_id = Column(Integer, ForeignKey("manipulations.id"), nullable=False)
    done_at = Column(DateTime)
