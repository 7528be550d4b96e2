from sqlalchemy import Column, ForeignKey, Index, Integer, String

from models.base import Base


class Pet(Base):
    __tablename__ = "pets"
    __table_args__ = (Index("ix_pet_owner_id", "owner_id"),)

    id = Column(Integer, primary_key=True)
    owner_id = Column(Integer, ForeignKey("owners.owner_id"))
    species_id = Column(Integer, ForeignKey("species.id"))
    name = Column(String(50), nullable=False)
    age = Column(Integer, nullable=True)
