"""``alembic.runtime.migration`` (and the older ``alembic.migration``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from still.alembic_names._standin import stand_in

__getattr__, __dir__ = stand_in(
    globals(),
    "alembic.runtime.migration",
    {"MigrationContext": "still.runtime.migration:MigrationContext"},
)


class MigrationInfo:
    """One applied step, as ``on_version_apply`` callbacks receive it: the revision ids it moves
    the version table from and to, and whether it is an upgrade or a stamp."""

    def __init__(
        self,
        revision_map: Any,
        is_upgrade: bool,
        is_stamp: bool,
        up_revisions: str | Sequence[str] | None,
        down_revisions: str | Sequence[str] | None,
    ) -> None:
        self.revision_map = revision_map
        self.is_upgrade = is_upgrade
        self.is_stamp = is_stamp
        self.up_revision_ids = _ids(up_revisions)
        self.down_revision_ids = _ids(down_revisions)

    @property
    def is_migration(self) -> bool:
        """True for a real migration, False for a stamp."""
        return not self.is_stamp

    @property
    def up_revision_id(self) -> str | None:
        return self.up_revision_ids[0] if len(self.up_revision_ids) == 1 else None

    @property
    def source_revision_ids(self) -> tuple[str, ...]:
        return self.down_revision_ids if self.is_upgrade else self.up_revision_ids

    @property
    def destination_revision_ids(self) -> tuple[str, ...]:
        return self.up_revision_ids if self.is_upgrade else self.down_revision_ids

    def _revisions(self, ids: tuple[str, ...]) -> tuple[Any, ...]:
        return tuple(self.revision_map[rid] for rid in ids)

    @property
    def up_revisions(self) -> tuple[Any, ...]:
        return self._revisions(self.up_revision_ids)

    @property
    def down_revisions(self) -> tuple[Any, ...]:
        return self._revisions(self.down_revision_ids)

    @property
    def source_revisions(self) -> tuple[Any, ...]:
        return self._revisions(self.source_revision_ids)

    @property
    def destination_revisions(self) -> tuple[Any, ...]:
        return self._revisions(self.destination_revision_ids)


def _ids(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)
