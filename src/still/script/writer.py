"""Write new revision files: ids, file names from ``file_template``, and the Mako template."""

from __future__ import annotations

import codecs
import os
import re
import uuid
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from still.errors import CommandError, ConfigError, ScriptError
from still.graph import as_scalar, id_syntax_in

_WORD = re.compile(r"\w+")
_REV_ID = re.compile(r"\w+")
_LABEL = re.compile(r"[\w\-.]+")
_RELATIVE_LOOKING = re.compile(r".*[+-]\d+")
_RESERVED = frozenset({"head", "heads", "base", "current"})
# Linux (and most file systems) allow 255 bytes per file name.
_NAME_MAX = 255


def new_revision_id() -> str:
    """A fresh 12-character hexadecimal revision id, like Alembic's."""
    return uuid.uuid4().hex[-12:]


def check_revision_id(rev_id: str) -> None:
    """An id every identifier reads as itself: letters, digits and '_' (real Alembic refuses
    '+', '-', ':' and '@'; still also refuses spaces, dots and quotes, which make awkward file
    names and commands), and none of the words identifiers reserve."""
    if not isinstance(rev_id, str):
        raise CommandError(f"--rev-id {rev_id!r} is not a usable revision id: it must be text.")
    syntax = id_syntax_in(rev_id)
    if syntax is not None:
        raise CommandError(
            f"--rev-id {rev_id!r} cannot be a revision id: {syntax} in commands such as "
            "`still downgrade ID` (and Alembic refuses to load such a project). Use letters, "
            "digits and '_' only; nothing was written."
        )
    if not _REV_ID.fullmatch(rev_id):
        raise CommandError(
            f"--rev-id {rev_id!r} is not a usable revision id: use letters, digits and '_' only; "
            "nothing was written."
        )
    if rev_id in _RESERVED:
        raise CommandError(
            f"--rev-id {rev_id!r} is a word revision identifiers reserve "
            f"({', '.join(sorted(_RESERVED))}); choose another id."
        )


def check_branch_label(label: str) -> None:
    """A label the identifier grammar can name: ``LABEL``, ``LABEL@head``, ``LABEL@+1``."""
    if not isinstance(label, str) or not _LABEL.fullmatch(label):
        raise CommandError(
            f"--branch-label {label!r} is not a usable branch label: use letters, digits, "
            "'_', '-' and '.' (a label is typed in commands such as `still upgrade LABEL@head`)."
        )
    if label in _RESERVED or _RELATIVE_LOOKING.fullmatch(label):
        raise CommandError(
            f"--branch-label {label!r} would read as "
            f"{'a relative step' if label not in _RESERVED else 'a reserved word'} in commands "
            "such as `still upgrade LABEL`; choose another label."
        )


def check_message(message: str) -> None:
    """Refuse a message that is not text: a lone surrogate is a byte the terminal sent in another
    encoding than UTF-8 (Python keeps such bytes of ``argv`` as U+DC80..U+DCFF).  A file holding
    it would be valid Python, but no UTF-8 output (``history``, the digest cache) could show it."""
    for position, ch in enumerate(message):
        code = ord(ch)
        if 0xD800 <= code <= 0xDFFF:
            what = (
                f"the byte 0x{code - 0xDC00:02x}"
                if 0xDC80 <= code <= 0xDCFF
                else f"the lone surrogate U+{code:04X}"
            )
            raise CommandError(
                f"The message {message!r} is not valid text: {what} at position {position} is "
                "not UTF-8 (the terminal or shell sent it in another encoding). Write the message "
                "in UTF-8 (e.g. with LANG=C.UTF-8), or leave that character out; nothing was "
                "written."
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


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def literal_safe_message(message: str, encoding: str) -> str:
    """``message`` as it can stand inside the template's docstring: Python reads it back as the
    same text.  Backslashes are doubled, a quote that could close the string is escaped, and
    characters a source file cannot hold (NUL, other control characters, lone surrogates,
    anything the output encoding lacks) are written as escapes."""
    utf8 = codecs.lookup(encoding).name in ("utf-8", "utf-8-sig")
    out: list[str] = []
    for i, ch in enumerate(message):
        following = message[i + 1 : i + 2]
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch in "\"'" and following in ("", ch):
            out.append("\\" + ch)
        elif ch in "\n\t":
            out.append(ch)
        elif code < 0x20 or code == 0x7F or 0xD800 <= code <= 0xDFFF:
            out.append(_escape(ch))
        elif code > 0x7F and not utf8:
            # Python reads source files as UTF-8 unless they say otherwise: keep them ASCII.
            out.append(_escape(ch))
        else:
            out.append(ch)
    return "".join(out)


def _fit_name(name: str, slug: str, fill: Any) -> str:
    """Shorten the slug (at a word boundary) until the file name fits in 255 bytes."""
    while len(os.fsencode(name)) > _NAME_MAX and slug:
        cut = slug[: max(len(slug) - max(len(slug) // 8, 1), 0)].rstrip("_")
        slug = cut.rsplit("_", 1)[0] + "_" if "_" in cut else cut
        slug = "" if slug == "_" else slug
        name = fill(slug)
    if len(os.fsencode(name)) > _NAME_MAX:
        raise ConfigError(
            f"The file name {name!r} is longer than the {_NAME_MAX} bytes a file system allows, "
            "even without the message in it; shorten file_template (or --rev-id)."
        )
    return name


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
    """Render a Mako template to a file (replacing it), written completely or not at all."""
    text = render_text(template, **values)
    _write_file(destination, _encode(text, encoding, template), exclusive=False)


def _encode(text: str, encoding: str, template: Path) -> bytes:
    try:
        return text.encode(encoding)
    except LookupError:
        raise ConfigError(
            f"output_encoding = {encoding!r} is not an encoding Python knows; use utf-8."
        ) from None
    except UnicodeEncodeError as exc:
        raise ScriptError(
            f"{template} rendered a character ({exc.object[exc.start : exc.end]!r}) that "
            f"output_encoding = {encoding} cannot hold; nothing was written. Use utf-8, or "
            "change the template."
        ) from None


def _write_file(destination: Path, data: bytes, exclusive: bool) -> None:
    """Write ``data`` to a temporary file beside ``destination``, then move it into place: a
    reader never sees half a file, and a failure leaves nothing behind.  With ``exclusive``, an
    existing ``destination`` is an error and is left alone."""
    temporary = destination.parent / f".still-{uuid.uuid4().hex[:12]}.tmp"
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        with open(temporary, "xb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if not exclusive:
            os.replace(temporary, destination)
            return
        try:
            os.link(temporary, destination)
        except FileExistsError:
            raise ScriptError(
                f"{destination} already exists; choose another --rev-id or message."
            ) from None
        except OSError:
            # A file system without hard links: check, then move.
            if destination.exists():
                raise ScriptError(
                    f"{destination} already exists; choose another --rev-id or message."
                ) from None
            os.replace(temporary, destination)
    except OSError as exc:
        raise ScriptError(
            f"Cannot write {destination}: {exc.strerror or exc}. Nothing was written."
        ) from None
    finally:
        try:
            temporary.unlink()
        except OSError:
            pass


def _check_rendered(data: bytes, path: Path, template: Path, rev_id: str) -> None:
    """The new file must be Python that declares ``rev_id``; else nothing is written."""
    from still.script.headers import UnreadableHeader, read_header

    try:
        compile(data, str(path), "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        where = f"line {exc.lineno}: " if isinstance(exc, SyntaxError) and exc.lineno else ""
        message = exc.msg if isinstance(exc, SyntaxError) else str(exc)
        raise ScriptError(
            f"{template} rendered a revision file that is not valid Python ({where}{message}); "
            "nothing was written. Check script.py.mako and the message."
        ) from None
    try:
        header = read_header(data.decode("utf-8-sig"))
    except (UnreadableHeader, UnicodeDecodeError):
        return  # not plain literals (or not UTF-8): still imports such files to read them
    if header.revision != rev_id:
        raise ScriptError(
            f"{template} rendered a revision file that declares revision = "
            f"{header.revision!r} instead of {rev_id!r}; nothing was written. "
            "Check script.py.mako."
        )


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
    """Write a new revision file and return its path: complete, or not at all."""
    check_revision_id(rev_id)
    for label in branch_labels:
        check_branch_label(label)
    if message is not None:
        check_message(message)
    created = creation_time(timezone_name)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ConfigError(
            f"output_encoding = {encoding!r} is not an encoding Python knows; use utf-8."
        ) from None
    name = _fit_name(
        file_name(file_template, rev_id, slugify(message, truncate_slug_length), created),
        slugify(message, truncate_slug_length),
        lambda slug: file_name(file_template, rev_id, slug, created),
    )
    path = directory / name
    if path.exists():
        raise ScriptError(f"{path} already exists; choose another --rev-id or message.")
    text = render_text(
        template,
        up_revision=rev_id,
        down_revision=as_scalar(down_revisions),
        branch_labels=branch_labels or None,
        depends_on=as_scalar(depends_on),
        create_date=created,
        comma=comma,
        message=literal_safe_message(message, encoding) if message is not None else "empty message",
        **(extra or {}),
    )
    data = _encode(text, encoding, template)
    _check_rendered(data, path, template, rev_id)
    _write_file(path, data, exclusive=True)
    return path
