"""Configuration as Alembic reads it: alembic.ini, ``[tool.alembic]`` in pyproject.toml, ``-x``
arguments and the environment.

:class:`Config` keeps Alembic's interface (``get_main_option``, ``get_section``,
``config_ini_section``, ``attributes``, ``cmd_opts``, ``print_stdout`` ...) so an unchanged env.py
works.  Two things are added: the database URL may come from ``-x sqlalchemy.url=...`` or from the
``SQLALCHEMY_URL`` environment variable (see :mod:`still.config.urls`), and every URL is masked when
printed.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from configparser import BasicInterpolation, ConfigParser, InterpolationError
from configparser import Error as ConfigParserError
from functools import cached_property
from pathlib import Path
from types import MappingProxyType, SimpleNamespace
from typing import TYPE_CHECKING, Any, TextIO, overload

from still.config.arguments import parse_x_arguments
from still.config.urls import (
    URL_OPTION,
    display_url,
    mask_password,
    remember_configured_urls,
    remember_secret,
    url_override,
)
from still.errors import ConfigError

if TYPE_CHECKING:
    from still.hooks import Hooks

__all__ = ["Config", "mask_password"]

_SEPARATORS = {"space": " ", "newline": "\n", "os": os.pathsep, ":": ":", ";": ";"}
_LEGACY_VERSION_SPLIT = re.compile(r", *| +")
_LEGACY_SYS_PATH_SPLIT = re.compile(r", *| +|:")
_HOOK_NAMES = re.compile(r"[\s,]+")


class _Interpolation(BasicInterpolation):
    """``%(name)s`` as ConfigParser does it, but a bad value is a :class:`ConfigError` naming the
    option, never the value (it may be a URL with a password in it)."""

    def before_get(self, parser: Any, section: str, option: str, value: str, defaults: Any) -> str:
        try:
            return super().before_get(parser, section, option, value, defaults)
        except InterpolationError as exc:
            raise ConfigError(
                f"{option} in [{section}] of {_source_of(parser)} cannot be read: "
                f"{_interpolation_problem(exc)}. In the ini file write %% for a literal % "
                "(a password with % in it included) and %(name)s only for options that exist "
                "(%(here)s is the ini file's directory)."
            ) from None

    def before_set(self, parser: Any, section: str, option: str, value: str) -> str:
        try:
            return super().before_set(parser, section, option, value)
        except ValueError:
            raise ConfigError(
                f"The value given for {option} in [{section}] has a % that is neither %% nor "
                "%(name)s. set_main_option() and set_section_option() take values as the ini "
                "file writes them: double every % (value.replace('%', '%%'))."
            ) from None


class _ConfigParser(ConfigParser):
    source: str = "the configuration"


def _source_of(parser: Any) -> str:
    return str(getattr(parser, "source", "the configuration"))


def _interpolation_problem(exc: InterpolationError) -> str:
    kind = type(exc).__name__
    if kind == "InterpolationMissingOptionError":
        reference = getattr(exc, "reference", "?")
        return f"it refers to %({reference})s, which is not an option of that section"
    if kind == "InterpolationDepthError":
        return "its %(...)s references nest too deeply (or refer to each other)"
    return "it has a % that is neither %% nor %(name)s"


class Config:
    """The configuration of one still (or Alembic) project."""

    def __init__(
        self,
        file_: str | os.PathLike[str] | None = None,
        toml_file: str | os.PathLike[str] | None = None,
        ini_section: str = "alembic",
        output_buffer: TextIO | None = None,
        stdout: TextIO | None = None,
        cmd_opts: Any | None = None,
        config_args: Mapping[str, Any] | None = None,
        attributes: dict[str, Any] | None = None,
    ) -> None:
        self.config_file_name = os.fspath(file_) if file_ else None
        self.toml_file_name = os.fspath(toml_file) if toml_file else None
        self.config_ini_section = ini_section
        self.output_buffer = output_buffer
        self._stdout = stdout
        self.cmd_opts = cmd_opts
        self.config_args = dict(config_args or {})
        # The same values for pyproject.toml, with its own %(here)s (Alembic keeps two copies).
        self.toml_args = dict(config_args or {})
        if attributes:
            self.attributes.update(attributes)

    # -- what env.py sees -------------------------------------------------------------------------

    @cached_property
    def attributes(self) -> dict[str, Any]:
        """A dictionary for passing objects (an existing connection, say) to env.py."""
        return {}

    @cached_property
    def hooks(self) -> Hooks:
        """still's own wiring (reporter, questioner, listeners: :mod:`still.hooks`); no-op
        defaults, the CLI puts its own in place."""
        from still.hooks import Hooks

        return Hooks()

    @property
    def stdout(self) -> TextIO:
        """Where ``print_stdout`` writes: the stream given, else the current ``sys.stdout``."""
        return self._stdout if self._stdout is not None else sys.stdout

    @stdout.setter
    def stdout(self, stream: TextIO) -> None:
        self._stdout = stream

    @property
    def x_arguments(self) -> dict[str, str]:
        """The ``-x key=value`` arguments of the command line, as a dictionary."""
        return parse_x_arguments(getattr(self.cmd_opts, "x", None) or ())

    @property
    def messaging_opts(self) -> Mapping[str, Any]:
        """How commands talk to the user: ``{"quiet": bool}`` (``-q`` / ``--quiet``)."""
        return MappingProxyType({"quiet": bool(getattr(self.cmd_opts, "quiet", False))})

    def print_stdout(self, text: str, *arg: Any) -> None:
        """Print a line for the user, unless ``--quiet`` was given."""
        if self.messaging_opts["quiet"]:
            return
        line = (text % arg) if arg else text
        write_text(self.stdout, mask_password(line) + "\n")
        self.stdout.flush()

    @cached_property
    def file_config(self) -> ConfigParser:
        """The parsed ini file, with ``%(here)s`` set and the URL override applied."""
        path = self._ini_path
        here = path.absolute().parent if path else Path.cwd()
        defaults = dict(self.config_args)
        # A directory name may hold a '%': doubled, so %(here)s gives it back as it is.
        defaults["here"] = here.as_posix().replace("%", "%%")
        parser = _ConfigParser(defaults, interpolation=_Interpolation())
        if path is not None:
            parser.source = str(path)
            if not path.is_file():
                raise ConfigError(
                    f"No config file {self.config_file_name!r} found (looked in {here}). "
                    "Run `still init DIRECTORY` to create one, pass -c/--config PATH, "
                    "or set ALEMBIC_CONFIG."
                )
            try:
                with open(path, encoding="utf-8") as ini:
                    parser.read_file(ini, source=str(path))
            except ConfigParserError as exc:
                raise ConfigError(
                    f"{path} cannot be read as an ini file: {mask_password(str(exc))}. "
                    "Fix the line it names."
                ) from None
            except UnicodeDecodeError as exc:
                raise ConfigError(
                    f"{path} is not UTF-8 text (byte {exc.start} cannot be decoded); save it "
                    "as UTF-8."
                ) from None
            except OSError as exc:
                raise ConfigError(f"{path} cannot be read: {exc.strerror or exc}.") from None
        section = self.config_ini_section
        if not isinstance(section, str) or section == parser.default_section or not section:
            raise ConfigError(
                f"{section!r} cannot be the configuration section (-n/--name): name a section "
                "of the ini file, such as alembic."
            )
        if not parser.has_section(section):
            if path is not None and section != "alembic":
                raise ConfigError(
                    f"{path} has no section [{section}] (chosen with -n/--name); "
                    f"the sections it has are: {', '.join(parser.sections()) or 'none'}."
                )
            parser.add_section(section)
        override = url_override(self.x_arguments)
        if override is not None:
            parser.set(section, URL_OPTION, override.replace("%", "%%"))
        remember_configured_urls(parser)
        return parser

    @property
    def _ini_path(self) -> Path | None:
        return Path(self.config_file_name) if self.config_file_name else None

    @cached_property
    def toml_alembic_config(self) -> Mapping[str, Any]:
        """``[tool.alembic]`` of pyproject.toml, with ``%(here)s`` substituted; empty if absent."""
        if not self.toml_file_name:
            return {}
        path = Path(self.toml_file_name)
        if not path.is_file():
            return {}
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover
            import tomli as tomllib

        try:
            with open(path, "rb") as f:
                data = tomllib.load(f)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML: {exc}.") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"{path} is not UTF-8 text (byte {exc.start} cannot be decoded); save it as UTF-8."
            ) from None
        except OSError as exc:
            raise ConfigError(f"{path} cannot be read: {exc.strerror or exc}.") from None
        tool = data.get("tool", {})
        section = tool.get("alembic", {}) if isinstance(tool, dict) else {}
        if not isinstance(section, dict):
            raise ConfigError(
                f"tool.alembic in {path} is a {type(section).__name__}; it must be a table "
                "([tool.alembic] followed by key = value lines)."
            )
        self.toml_args["here"] = path.absolute().parent.as_posix()
        return {
            key: _interpolate(key, value, self.toml_args, path) for key, value in section.items()
        }

    def get_template_directory(self) -> str:
        """The directory holding still's project templates (``still list_templates``)."""
        return str(Path(__file__).resolve().parent.parent / "templates")

    # -- reading options --------------------------------------------------------------------------

    @overload
    def get_section(self, name: str) -> dict[str, str] | None: ...

    @overload
    def get_section(self, name: str, default: dict[str, str]) -> dict[str, str]: ...

    def get_section(
        self, name: str, default: dict[str, str] | None = None
    ) -> dict[str, str] | None:
        """All options of an ini section as a dictionary (``engine_from_config`` takes it)."""
        if not self.file_config.has_section(name):
            return default
        return dict(self.file_config.items(name))

    def set_main_option(self, name: str, value: str) -> None:
        """Set an option of the main section; ``%`` must be doubled, as in the ini file."""
        self.set_section_option(self.config_ini_section, name, value)

    def remove_main_option(self, name: str) -> None:
        self.file_config.remove_option(self.config_ini_section, name)

    def set_section_option(self, section: str, name: str, value: str) -> None:
        if name == URL_OPTION and isinstance(value, str):
            remember_secret(value.replace("%%", "%"))
        if not self.file_config.has_section(section):
            self.file_config.add_section(section)
        self.file_config.set(section, name, value)

    def get_section_option(self, section: str, name: str, default: str | None = None) -> str | None:
        if not self.file_config.has_section(section):
            raise ConfigError(
                f"No section [{section}] in {self.config_file_name or 'the configuration'}."
            )
        if self.file_config.has_option(section, name):
            return self.file_config.get(section, name)
        return default

    @overload
    def get_main_option(self, name: str) -> str | None: ...

    @overload
    def get_main_option(self, name: str, default: str) -> str: ...

    def get_main_option(self, name: str, default: str | None = None) -> str | None:
        """An option of the main ini section (``[alembic]`` unless ``-n`` chose another)."""
        return self.get_section_option(self.config_ini_section, name, default)

    def get_alembic_option(self, name: str, default: Any = None) -> Any:
        """A still setting: from the ini's main section, else ``[tool.alembic]``, else default."""
        if self.file_config.has_option(self.config_ini_section, name):
            return self.file_config.get(self.config_ini_section, name)
        return self.toml_alembic_config.get(name, default)

    def get_alembic_boolean_option(self, name: str) -> bool:
        """A boolean setting (ini, else pyproject), false when absent; a value that is not a
        boolean is refused (see :mod:`still.config.values`)."""
        from still.config.values import boolean_setting

        return boolean_setting(self, name, False)

    # -- derived settings -------------------------------------------------------------------------

    def _separator(self, *names: str) -> str | None:
        for name in names:
            value = self.get_alembic_option(name)
            if value is None:
                continue
            try:
                return _SEPARATORS[str(value).strip()]
            except KeyError:
                raise ConfigError(
                    f"{name} = {value!r} in {self.config_file_name} is not a known separator; "
                    "use one of: os, space, newline, ':', ';'."
                ) from None
        return None

    def get_version_locations_list(self) -> list[str] | None:
        """``version_locations``, split as Alembic splits it."""
        raw = self.file_config.get(self.config_ini_section, "version_locations", fallback=None)
        if raw:
            sep = self._separator("path_separator", "version_path_separator")
            parts = _LEGACY_VERSION_SPLIT.split(raw) if sep is None else raw.split(sep)
            return [p.strip() for p in parts if p.strip()]
        return self._toml_list("version_locations")

    def get_prepend_sys_paths_list(self) -> list[str] | None:
        """``prepend_sys_path``, split as Alembic splits it."""
        raw = self.file_config.get(self.config_ini_section, "prepend_sys_path", fallback=None)
        if raw:
            sep = self._separator("path_separator")
            parts = _LEGACY_SYS_PATH_SPLIT.split(raw) if sep is None else raw.split(sep)
            return [p.strip() for p in parts if p.strip()]
        return self._toml_list("prepend_sys_path")

    def _toml_list(self, name: str) -> list[str] | None:
        value = self.toml_alembic_config.get(name)
        if not value:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(
                f"{name} = {value!r} in [tool.alembic] of {self.toml_file_name} must be a list "
                f'of strings, such as {name} = ["%(here)s/migrations"].'
            )
        return list(value)

    def get_hooks_list(self) -> list[dict[str, str]]:
        """The post-write hooks: one dictionary per hook, its options without the ``NAME.``
        prefix, and ``_hook_name``.  From the ini's ``[post_write_hooks]`` section, else from
        ``[[tool.alembic.post_write_hooks]]`` in pyproject.toml (each with a ``name``)."""
        hooks: list[dict[str, str]] = []
        section = self.get_section("post_write_hooks")
        if section is None:
            listed = self.toml_alembic_config.get("post_write_hooks") or []
            if not isinstance(listed, list) or not all(isinstance(h, dict) for h in listed):
                raise ConfigError(
                    f"post_write_hooks in [tool.alembic] of {self.toml_file_name} must be a list "
                    'of tables ([[tool.alembic.post_write_hooks]] with name = "..." and type = '
                    '"...").'
                )
            for hook in listed:
                options = {str(k): str(v) for k, v in hook.items()}
                options["_hook_name"] = options.pop("name", "")
                hooks.append(options)
            return hooks
        for name in _HOOK_NAMES.split(section.get("hooks", "")):
            if not name:
                continue
            options = {
                key[len(name) + 1 :]: value
                for key, value in section.items()
                if key.startswith(name + ".")
            }
            options["_hook_name"] = name
            hooks.append(options)
        return hooks

    def masked_url(self) -> str | None:
        """The database URL as it may be shown: password and secret query values replaced by
        ``***`` (see :mod:`still.config.urls`)."""
        url = self.get_main_option(URL_OPTION)
        return display_url(url) if url else None


# Control characters other than tab and newline: a revision message or an error may carry them
# (a hostile file could move the cursor or retitle the terminal), so they are shown as escapes.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def write_text(stream: TextIO, text: str) -> None:
    """Write ``text`` for a person to read.  Control characters (but tab and newline) are shown
    as escapes; what the stream's encoding cannot hold (a lone surrogate from an undecodable
    command-line byte, say) is written as a backslash escape instead of failing."""
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    try:
        stream.write(text)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "utf-8"
        stream.write(text.encode(encoding, "backslashreplace").decode(encoding, "replace"))


def _interpolate(key: str, value: Any, values: Mapping[str, Any], path: Path) -> Any:
    """``%(here)s`` and ``%%`` in pyproject strings, as in the ini file."""
    try:
        if isinstance(value, str):
            return value % values
        if isinstance(value, list):
            return [_interpolate(key, v, values, path) for v in value]
        if isinstance(value, dict):
            return {k: _interpolate(key, v, values, path) for k, v in value.items()}
    except (KeyError, ValueError, TypeError) as exc:
        raise ConfigError(
            f"{key} = {mask_password(repr(value))} in [tool.alembic] of {path} cannot be "
            f"interpolated ({exc}); "
            "write %% for a literal %, and %(here)s for the directory of pyproject.toml."
        ) from exc
    return value


def cmd_options(**options: Any) -> SimpleNamespace:
    """A namespace shaped like Alembic's parsed command line (``cmd_opts``)."""
    defaults: dict[str, Any] = {"x": [], "quiet": False, "raiseerr": False}
    defaults.update(options)
    return SimpleNamespace(**defaults)
