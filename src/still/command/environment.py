"""Running env.py for a command: the one place commands reach the runtime."""

from __future__ import annotations

from typing import Any

from still.config import Config
from still.runtime.environment import EnvironmentContext
from still.runtime.migration import PlanFunction
from still.script import ScriptDirectory


def run_env(
    config: Config, script: ScriptDirectory, plan: PlanFunction, **opts: Any
) -> EnvironmentContext:
    """Run the project's env.py with ``plan`` deciding which steps run."""
    reporter = config.attributes.get("still.reporter")
    hook = config.attributes.get("still.process_revision_directives")
    if hook is not None:  # command.revision(process_revision_directives=...): after env.py's
        opts["still_command_directives"] = hook
    if "still.shadow_guard" in config.attributes:  # pointed at a shadow database: only there
        from still.shadow.build import guarded

        plan = guarded(config, plan, opts)
    with EnvironmentContext(config, script, plan=plan, reporter=reporter, **opts) as environment:
        script.run_env()
    return environment
