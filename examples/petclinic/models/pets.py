from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import relationship

from models.base import Base


class Pet(Base):
    """A pet, as the models stand before the tutorial's changes.

    The demo (scripts/demo.sh) adds, in its work copy, the `age` column and then the index
    ix_pet_owner_id, and lets `still revision --autogenerate` write a migration for each.
    """

    __tablename__ = "pets"

    id = Column(Integer, primary_key=True)
    owner_id = Column(Integer, ForeignKey("owners.owner_id"))
    species_id = Column(Integer, ForeignKey("species.id"))
    name = Column(String(50), nullable=False)

    owner = relationship("Owner", back_populates="pets")
    species = relationship("Species", back_populates="pets")
    manipulation_facts = relationship("ManipulationFact", back_populates="pet")
