"""The pet clinic models: Owner, Species, Pet, Manipulation, ManipulationFact."""
