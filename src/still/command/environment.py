"""Running env.py for a command: the one place commands reach the runtime."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Connection

from still.config import Config
from still.hooks import Hooks
from still.runtime.environment import EnvironmentContext
from still.runtime.migration import Approval, PlanFunction, Reader
from still.script import ScriptDirectory


def run_env(
    config: Config,
    script: ScriptDirectory,
    plan: PlanFunction,
    *,
    hooks: Hooks | None = None,
    approve: Approval | None = None,
    reader: Reader | None = None,
    directives: Callable[..., Any] | None = None,
    reflection_bind: Connection | None = None,
    **opts: Any,
) -> EnvironmentContext:
    """Run the project's env.py with ``plan`` deciding which steps run, ``approve`` deciding
    (before any transaction opens) whether they may, and ``hooks`` (else ``config.hooks``)
    hearing the run.  ``reader``: a command that only looks (``current``, ``check``, ``log``)
    gets the migration context in place of a run.  ``directives``:
    ``command.revision(process_revision_directives=...)``, run after env.py's own.
    ``reflection_bind``: the live database an offline preview (``--plan``) reads tables from."""
    with EnvironmentContext(
        config,
        script,
        plan=plan,
        hooks=hooks,
        approve=approve,
        reader=reader,
        directives=directives,
        reflection_bind=reflection_bind,
        **opts,
    ) as environment:
        script.run_env()
    return environment
