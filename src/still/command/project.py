"""``still init`` and ``still list_templates``: lay out a new migration environment."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from still.config import Config
from still.config.urls import EXAMPLE_URLS
from still.errors import CommandError
from still.script.writer import render_template, render_text


def _templates(config: Config) -> Path:
    return Path(config.get_template_directory())


# The URL each template's alembic.ini shows until the user sets their own.
_EXAMPLE_URLS = {"generic": EXAMPLE_URLS["generic"], "async": EXAMPLE_URLS["async"]}


def _template_files(source: Path) -> list[Path]:
    """A template's own files, completed by the generic template's (env.py, script.py.mako,
    alembic.ini.mako) where it has none of its own."""
    own = {p.name: p for p in source.iterdir() if p.name != "__pycache__"}
    generic = source.parent / "generic"
    for fallback in ("env.py", "script.py.mako", "alembic.ini.mako"):
        if fallback not in own and (generic / fallback).is_file():
            own[fallback] = generic / fallback
    return [own[name] for name in sorted(own)]


def list_templates(config: Config) -> None:
    """Print the available project templates and what each is for."""
    config.print_stdout("Available templates:\n")
    for template in sorted(_templates(config).iterdir()):
        readme = template / "README"
        if readme.is_file():
            synopsis = readme.read_text(encoding="utf-8").strip().splitlines()[0]
            config.print_stdout(f"{template.name} - {synopsis}")
    config.print_stdout("\nTemplates are used via the 'init' command, e.g.:\n")
    config.print_stdout("  still init --template generic ./scripts")


def init(config: Config, directory: str, template: str = "generic", package: bool = False) -> None:
    """Create a migration environment in ``directory`` and an alembic.ini beside it."""
    source = _templates(config) / template
    if not source.is_dir():
        names = ", ".join(sorted(p.name for p in _templates(config).iterdir()))
        raise CommandError(f"No template {template!r}; the templates are: {names}.")
    target = Path(directory)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise CommandError(
            f"Directory {directory} already exists and is not empty. Choose a new directory name "
            "(`still init migrations`), or empty it first."
        )
    ini_path = Path(config.config_file_name or "alembic.ini")
    # Relative to the configuration file, so that still works from any working directory.
    location = (
        "%(here)s/"
        + Path(os.path.relpath(target.absolute(), ini_path.absolute().parent)).as_posix()
    )
    versions = target / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    config.print_stdout(f"Creating directory {target.absolute()} ... done")
    for item in _template_files(source):
        if item.name == "pyproject.toml.mako":
            _write_pyproject(config, item, ini_path.parent / "pyproject.toml", location)
            continue
        if item.name.endswith(".ini.mako"):
            if ini_path.exists():
                config.print_stdout(f"File {ini_path.absolute()} already exists, skipping")
                continue
            render_template(
                item,
                ini_path,
                "utf-8",
                script_location=location,
                example_url=_EXAMPLE_URLS.get(template, _EXAMPLE_URLS["generic"]),
            )
            config.print_stdout(f"Generating {ini_path.absolute()} ... done")
            continue
        shutil.copy(item, target / item.name)
        config.print_stdout(f"Generating {(target / item.name).absolute()} ... done")
    if package:
        for pkg in (target, versions):
            (pkg / "__init__.py").touch()
    config.print_stdout(
        f"Please edit the configuration and connection settings in {ini_path} before proceeding."
    )


def _write_pyproject(config: Config, template: Path, destination: Path, location: str) -> None:
    """Write ``[tool.alembic]`` into pyproject.toml, appending to an existing file."""
    text = render_text(template, script_location=location)
    if destination.exists():
        existing = destination.read_text(encoding="utf-8")
        if "[tool.alembic]" in existing:
            config.print_stdout(f"{destination.absolute()} already has [tool.alembic], skipping")
            return
        separator = (
            "" if existing.endswith("\n\n") else ("\n" if existing.endswith("\n") else "\n\n")
        )
        destination.write_text(existing + separator + text, encoding="utf-8")
        config.print_stdout(f"Appending [tool.alembic] to {destination.absolute()} ... done")
        return
    destination.write_text(text, encoding="utf-8")
    config.print_stdout(f"Generating {destination.absolute()} ... done")
