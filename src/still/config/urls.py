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


def mask_password(text: str) -> str:
    """Replace the password of every URL in ``text`` with ``***``."""
    return _PASSWORD_IN_URL.sub(lambda m: m.group("head") + "***", text)


def url_override(
    x_arguments: Mapping[str, str], environ: Mapping[str, str] | None = None
) -> str | None:
    """The URL that replaces the ini's ``sqlalchemy.url``, if the user gave one."""
    if URL_OPTION in x_arguments:
        return x_arguments[URL_OPTION]
    env = os.environ if environ is None else environ
    value = env.get(URL_ENVIRONMENT_VARIABLE)
    return value or None
