"""Migration operations: the ``op`` object, operation data objects, and how they run."""

from still.operations import ops
from still.operations.base import Operations
from still.operations.ops import MigrateOperation

__all__ = ["MigrateOperation", "Operations", "ops"]
