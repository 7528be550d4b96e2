"""Where the database stands: the revisions its version table records, read through env.py
(which knows the connection), for the commands that need them (``current``, ``history -r`` with
``current``, ``graph``, ``upgrade --plan``)."""

from __future__ import annotations

from collections.abc import Sequence

from still.config import Config
from still.graph import Step
from still.script import ScriptDirectory


def heads_by_run(config: Config, script: ScriptDirectory) -> list[tuple[str, ...]]:
    """What each database env.py runs on records (one entry per run_migrations() call: several
    with the multidb template).  Nothing is migrated."""
    from still.command.environment import run_env

    runs: list[tuple[str, ...]] = []

    def plan(current: tuple[str, ...]) -> Sequence[Step]:
        runs.append(tuple(current))
        return []

    run_env(config, script, plan)
    return runs


def current_heads(config: Config, script: ScriptDirectory) -> tuple[str, ...]:
    """Every revision the database(s) record, each once, in the order first seen."""
    found: list[str] = []
    for run in heads_by_run(config, script):
        found.extend(rid for rid in run if rid not in found)
    return tuple(found)
