"""Running autogenerate's containers directly: ``Operations.invoke(UpgradeOps / DowngradeOps /
ModifyTableOps)`` invokes each operation inside, in order (so SQLite's table rebuilds apply)."""

from __future__ import annotations

from typing import Any

from still.operations import ops
from still.operations.base import Operations


def _run_all(operations: Any, container: Any) -> None:
    for inner in container.ops:
        operations.invoke(inner)


for _container in (ops.UpgradeOps, ops.DowngradeOps, ops.ModifyTableOps):
    Operations.implementation_for(_container)(_run_all)
