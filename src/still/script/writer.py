"""Write new revision files: ids, file names from ``file_template``, and the Mako template."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from still.errors import CommandError, ConfigError, ScriptError
from still.graph import as_scalar

_WORD = re.compile(r"\w+")
_REV_ID = re.compile(r"^[\w\-]+$")


def new_revision_id() -> str:
    """A fresh 12-character hexadecimal revision id, like Alembic's."""
    return uuid.uuid4().hex[-12:]


def check_revision_id(rev_id: str) -> None:
    if not _REV_ID.match(rev_id):
        raise CommandError(
            f"--rev-id {rev_id!r} is not a usable revision id: use letters, digits, '_' and '-'."
        )


def slugify(message: str | None, truncate: int) -> str:
    """``"Add age to pets!"`` -> ``"add_age_to_pets"``, cut at a word boundary if too long."""
    slug = "_".join(_WORD.findall(message or "")).lower()
    if len(slug) > truncate:
        slug = slug[:truncate].rsplit("_", 1)[0] + "_"
    return slug


def creation_time(tz_name: str | None) -> datetime:
    """Now, in the configured ``timezone`` (any IANA name, or UTC), else local time."""
    if not tz_name:
        return datetime.now()
    if tz_name.upper() == "UTC":
        return datetime.now(timezone.utc)
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return datetime.now(ZoneInfo(tz_name))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"timezone = {tz_name!r} is not a time zone this machine knows; use a name such as "
            "UTC or Europe/Berlin (install the tzdata package for the full list)."
        ) from None


def file_name(file_template: str, rev_id: str, slug: str, created: datetime) -> str:
    tokens = {
        "rev": rev_id,
        "slug": slug,
        "epoch": int(created.timestamp()),
        "year": created.year,
        "month": created.month,
        "day": created.day,
        "hour": created.hour,
        "minute": created.minute,
        "second": created.second,
    }
    try:
        return (file_template % tokens) + ".py"
    except (KeyError, ValueError, TypeError) as exc:
        raise ConfigError(
            f"file_template = {file_template!r} cannot be filled in ({exc}). Use tokens such as "
            "%%(rev)s, %%(slug)s, %%(year)d, %%(month).2d, %%(day).2d, %%(hour).2d, %%(minute).2d, "
            "%%(second).2d, %%(epoch)s (with %% doubled in alembic.ini)."
        ) from exc


def render_text(template: Path, **values: Any) -> str:
    """Render a Mako template; a broken template names its own line."""
    from mako import exceptions
    from mako.template import Template

    if not template.is_file():
        raise ScriptError(f"Template {template} is missing; `still init` writes one.")
    try:
        text: str = Template(filename=str(template)).render_unicode(**values)
    except Exception as exc:
        detail = exceptions.text_error_template().render_unicode().strip().splitlines()[-1]
        raise ScriptError(f"Rendering {template} failed: {detail}") from exc
    return text


def render_template(template: Path, destination: Path, encoding: str, **values: Any) -> None:
    """Render a Mako template to a file."""
    text = render_text(template, **values)
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_bytes(text.encode(encoding))


def comma(value: str | Sequence[str] | None) -> str:
    """The ``comma`` filter script.py.mako uses: ``("a", "b")`` -> ``"a, b"``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return ", ".join(value)


def write_revision(
    *,
    template: Path,
    directory: Path,
    file_template: str,
    truncate_slug_length: int,
    encoding: str,
    timezone_name: str | None,
    rev_id: str,
    message: str | None,
    down_revisions: tuple[str, ...],
    branch_labels: tuple[str, ...] = (),
    depends_on: tuple[str, ...] = (),
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write a new revision file and return its path."""
    created = creation_time(timezone_name)
    name = file_name(file_template, rev_id, slugify(message, truncate_slug_length), created)
    path = directory / name
    if path.exists():
        raise ScriptError(f"{path} already exists; choose another --rev-id or message.")
    render_template(
        template,
        path,
        encoding,
        up_revision=rev_id,
        down_revision=as_scalar(down_revisions),
        branch_labels=branch_labels or None,
        depends_on=as_scalar(depends_on),
        create_date=created,
        comma=comma,
        message=message if message is not None else "empty message",
        **(extra or {}),
    )
    return path
