"""Where the database URL comes from, and how it is shown.

The URL is taken from ``-x sqlalchemy.url=...``, else the environment variable ``SQLALCHEMY_URL``,
else the ini file.  Every URL still prints has its password replaced by ``***``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

URL_OPTION = "sqlalchemy.url"
URL_ENVIRONMENT_VARIABLE = "SQLALCHEMY_URL"

# scheme://user:password@host  -> the password part, up to the last '@' before the host: users
# paste passwords with a raw '@' in them, and masking too much is safer than too little.
_PASSWORD_IN_URL = re.compile(
    r"(?P<head>\b[a-zA-Z][\w+.\-]*://[^:/@\s]*:)(?P<password>[^\s]*)(?=@)"
)


# Passwords of the URLs this process was configured with, and the pieces of them that a parse
# error can quote on their own (SQLAlchemy splits a raw '@' or ':' into host and port); longest
# first, so a whole password is replaced before its pieces.
_SECRETS: list[str] = []
_PIECES = re.compile(r"[@:/%?#]")
_MIN_PIECE = 4  # shorter pieces are too common to hide without mangling other text


def remember_secret(url: str | None) -> None:
    """Mask the password of ``url`` wherever it appears, even outside a URL."""
    if not url:
        return
    match = _PASSWORD_IN_URL.search(url)
    if match is None or not match.group("password"):
        return
    from urllib.parse import unquote

    password = match.group("password")
    found = {password, unquote(password)}
    for whole in list(found):
        found.update(piece for piece in _PIECES.split(whole) if len(piece) >= _MIN_PIECE)
    found = {secret for secret in found if len(secret) >= _MIN_PIECE or secret == password}
    _SECRETS[:] = sorted(set(_SECRETS) | found, key=len, reverse=True)


def mask_password(text: str) -> str:
    """Replace the password of every URL in ``text`` (and every password still was configured
    with, wherever it appears) with ``***``."""
    text = _PASSWORD_IN_URL.sub(lambda m: m.group("head") + "***", text)
    for secret in _SECRETS:
        if secret in text:
            text = text.replace(secret, "***")
    return text


def url_override(
    x_arguments: Mapping[str, str], environ: Mapping[str, str] | None = None
) -> str | None:
    """The URL that replaces the ini's ``sqlalchemy.url``, if the user gave one."""
    if URL_OPTION in x_arguments:
        return x_arguments[URL_OPTION]
    env = os.environ if environ is None else environ
    value = env.get(URL_ENVIRONMENT_VARIABLE)
    return value or None
