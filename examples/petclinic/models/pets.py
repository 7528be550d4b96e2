from sqlalchemy import Column, ForeignKey, Index, Integer, String
from sqlalchemy.orm import relationship

from models.base import Base


class Pet(Base):
    """A pet, as the models stand after all three of the demo's migrations.

    `age` came with the "add age to pets" migration, the index on owner_id with
    "add index on pet owner_id"; the "initial schema" migration has neither.
    """

    __tablename__ = "pets"
    __table_args__ = (Index("ix_pet_owner_id", "owner_id"),)

    id = Column(Integer, primary_key=True)
    owner_id = Column(Integer, ForeignKey("owners.owner_id"))
    species_id = Column(Integer, ForeignKey("species.id"))
    name = Column(String(50), nullable=False)
    age = Column(Integer, nullable=True)

    owner = relationship("Owner", back_populates="pets")
    species = relationship("Species", back_populates="pets")
    manipulation_facts = relationship("ManipulationFact", back_populates="pet")
