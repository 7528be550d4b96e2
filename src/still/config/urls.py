"""Where the database URL comes from, and how it is shown.

The URL is taken from ``-x sqlalchemy.url=...``, else the environment variable ``SQLALCHEMY_URL``,
else the ini file.  No URL still prints shows a secret: the password, and the value of every
query parameter that carries one (``?password=``, pymysql's ``passwd=``, ``sslpassword=``,
tokens, keys...), are shown as ``***``.

Masking is structural, never a search for the password's text: a URL is parsed (SQLAlchemy's
``make_url``, as the engine will parse it) and rendered again with its secrets hidden.  Text
that may quote a URL (a database error, an exception) is scanned for ``scheme://`` spans, each
parsed the same way, and for ``key=value`` pairs with a secret-bearing key (a libpq or ODBC
connection string).  Outside a URL a secret is hidden only as a whole word, so a password
``url`` leaves "sqlalchemy.url" alone.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote_plus, unquote

URL_OPTION = "sqlalchemy.url"
URL_ENVIRONMENT_VARIABLE = "SQLALCHEMY_URL"
MASK = "***"
NOT_A_URL = "(a value that is not a URL)"

# The placeholders still's own templates and messages show: not anyone's password.
EXAMPLE_URLS = {
    "generic": "driver://user:pass@localhost/dbname",
    "async": "driver+asyncdriver://user:pass@localhost/dbname",
    "message": "dialect+driver://user:password@host/dbname",
}
_PLACEHOLDERS = frozenset(
    {
        *EXAMPLE_URLS.values(),
        "driver://user:pass@localhost/dbname1",
        "driver://user:pass@localhost/dbname2",
    }
)

# Query parameters (and connection-string keys) whose value is a secret, by the words drivers
# use in their names: password / passwd / pwd / sslpassword / passphrase, secrets, tokens,
# credentials and keys (private_key, api_key, aws_secret_access_key ...).
_SECRET_KEY = re.compile(
    r"pass|pwd|secret|token|credential|private_?key|api_?key|access_?key|auth_?key|session_?key",
    re.I,
)
# A URL inside text: a scheme, '://', then up to the closing quote (when one opened it) or the
# next whitespace.
_URL_START = re.compile(r"(?<![\w+.\-])[A-Za-z][\w+.\-]*://")
_URL_TRAILING = ".,;:)]}>!"
# key=value of a connection string (libpq's "password=x", ODBC's "PWD=x;"), in text.
_CONNINFO_PAIR = re.compile(
    r"(?<![\w.\-])(?P<key>[A-Za-z_][\w.\-]*)(?P<eq>\s*=\s*)"
    r"(?P<value>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|\{[^}]*\}|[^\s;&'\",)]*)"
)
# Words of text, for hiding a remembered secret only where it stands as a whole word.
_SEPARATORS = r"\s'\"`,;()\[\]{}<>@:/=&?#\\"
_WORD = re.compile(rf"[^{_SEPARATORS}]+")
_SEPARATOR = re.compile(rf"[{_SEPARATORS}]")
_MIN_WORD = 3  # a secret shorter than this, alone in text, is too common a word to hide

# Secrets of the URLs this process was configured with, which a driver may quote outside a URL
# (a host or port SQLAlchemy read out of a password holding a raw '@').  The URLs are parsed only
# once SQLAlchemy is loaded: before that no driver has run, so none can have quoted one (and
# `still heads` never imports SQLAlchemy for it).
_SECRETS: set[str] = set()
_PENDING: list[str] = []


def _secrets() -> set[str]:
    if _PENDING and "sqlalchemy" in sys.modules:
        pending = list(_PENDING)
        _PENDING.clear()
        for url in pending:
            _SECRETS.update(
                secret
                for secret in _Parsed(url).secrets()
                if len(secret) >= _MIN_WORD and secret != MASK and MASK not in secret
            )
    return _SECRETS


def is_secret_key(key: str) -> bool:
    """Whether a query parameter or connection-string key carries a secret."""
    return bool(_SECRET_KEY.search(key))


# -- one URL ----------------------------------------------------------------------------------


class _Parsed:
    """A URL's text split where it matters for display: what comes before the password, whether
    there is one, what follows it, and the query's values."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.password: str | None = None
        self.query: dict[str, tuple[str, ...]] = {}
        self.rendered: str | None = None  # None: nothing to hide, show the text as it is
        self.pieces: set[str] = set()  # what a driver may quote of a misread password
        self._parse()

    def _parse(self) -> None:
        from sqlalchemy.engine.url import make_url

        try:
            url = make_url(self.text)
        except Exception:  # ArgumentError, or a port that is not a number (a raw '@' or ':')
            self._parse_raw()
            return
        if url.host and "@" in url.host:
            # A raw '@' in the password: SQLAlchemy took the rest of it for the host.
            self._parse_raw()
            self.pieces.update({url.host, *(p for p in (url.password,) if p)})
            return
        self.password = url.password
        self.query = {k: (v,) if isinstance(v, str) else tuple(v) for k, v in url.query.items()}
        if self.password is None and not self._secret_query():
            return
        base = url.set(query={}).render_as_string(hide_password=True)
        self.rendered = base + _render_query(self.query)

    def _parse_raw(self) -> None:
        """The URL as a person meant it: the user information runs to the last '@' (passwords
        are pasted with raw '@', ':' and '/'); masking too much is safer than too little."""
        scheme, _, rest = self.text.partition("://")
        at = rest.rfind("@")
        if at < 0:
            # No user information that parses: show the scheme only.
            self.rendered = f"{scheme}://{MASK}" if rest else None
            if rest:
                self.pieces.update(_SEPARATOR.split(rest))
            return
        userinfo, hostpart = rest[:at], rest[at + 1 :]
        user, colon, password = userinfo.partition(":")
        self.password = password if colon else None
        location, question, query = hostpart.partition("?")
        if question:
            self.query = _query_pairs(query)
        shown_user = f"{user}:{MASK}" if colon else user
        self.rendered = f"{scheme}://{shown_user}@{location}" + (
            _render_query(self.query) if question else ""
        )
        if self.password:
            self.pieces.update(_SEPARATOR.split(self.password))
            self.pieces.update(_SEPARATOR.split(unquote(self.password)))

    def _secret_query(self) -> bool:
        return any(
            is_secret_key(k) or any(is_secret_key(p["key"]) for p in _CONNINFO_PAIR.finditer(v))
            for k, values in self.query.items()
            for v in values
        )

    def secrets(self) -> set[str]:
        """Every secret of this URL, as text a driver might quote."""
        found: set[str] = set()
        if self.password:
            found.update({self.password, unquote(self.password)})
        for key, values in self.query.items():
            for value in values:
                if is_secret_key(key):
                    found.update({value, unquote(value)})
                for pair in _CONNINFO_PAIR.finditer(value):
                    if is_secret_key(pair["key"]):
                        found.add(pair["value"].strip("'\"{}"))
        found.update(piece for piece in self.pieces if len(piece) >= _MIN_WORD)
        return {secret for secret in found if secret}


def _query_pairs(query: str) -> dict[str, tuple[str, ...]]:
    pairs: dict[str, tuple[str, ...]] = {}
    for part in query.split("&"):
        key, _, value = part.partition("=")
        pairs[unquote(key)] = (*pairs.get(unquote(key), ()), unquote(value))
    return pairs


def _render_query(query: Mapping[str, tuple[str, ...]]) -> str:
    parts = []
    for key, values in query.items():
        for value in values:
            secret = is_secret_key(key)
            shown = MASK if secret else quote_plus(_mask_pairs(value), safe="*{}")
            parts.append(f"{quote_plus(key)}={shown}")
    return "?" + "&".join(parts) if parts else ""


def display_url(url: Any) -> str:
    """``url`` (text or a SQLAlchemy ``URL``) as it may be shown: password and secret query
    values replaced by ``***``; text that is not a URL is returned as it is."""
    render = getattr(url, "render_as_string", None)
    text: str = url if isinstance(url, str) else str(render(False) if render else url)
    if text in _PLACEHOLDERS:
        return text
    if "://" not in text:
        # Not a URL at all (SQLAlchemy cannot parse it either): it may still hold a password.
        return NOT_A_URL
    if "@" not in text and "=" not in text:
        return text  # no user information, no query: nothing to hide (and nothing to import)
    parsed = _Parsed(text)
    return text if parsed.rendered is None else parsed.rendered


# -- text that may quote a URL ----------------------------------------------------------------


def _url_spans(text: str) -> Iterable[tuple[int, int]]:
    for match in _URL_START.finditer(text):
        start = match.start()
        opener = text[start - 1] if start else ""
        if opener in ("'", '"'):
            end = text.find(opener, match.end())
            end = len(text) if end < 0 else end
        else:
            stop = re.compile(r"[\s'\"]").search(text, match.end())
            end = stop.start() if stop else len(text)
        while end > match.end() and text[end - 1] in _URL_TRAILING:
            end -= 1
        yield start, end


def _mask_pairs(text: str) -> str:
    def hide(pair: re.Match[str]) -> str:
        if not is_secret_key(pair["key"]) or not pair["value"] or pair["value"] == MASK:
            return pair.group()
        return f"{pair['key']}{pair['eq']}{MASK}"

    return _CONNINFO_PAIR.sub(hide, text)


def _mask_words(text: str) -> str:
    secrets = _secrets()
    if not secrets:
        return text
    joined = [s for s in secrets if _SEPARATOR.search(s)]
    for secret in sorted(joined, key=len, reverse=True):
        # A secret holding a separator ('p@ss', 'a b') is distinctive: hidden wherever it is.
        text = text.replace(secret, MASK)

    def hide(word: re.Match[str]) -> str:
        value = word.group()
        if value in secrets:
            return MASK
        core = value.strip(".!")
        if core != value and core in secrets:
            return value.replace(core, MASK, 1)
        return value

    return _WORD.sub(hide, text)


def mask_password(text: str) -> str:
    """``text`` with every secret hidden: each URL in it shown by :func:`display_url`, each
    secret ``key=value`` of a connection string as ``key=***``, and each secret of the
    configured URLs that stands as a word of its own as ``***``."""
    if "://" not in text and "=" not in text and not _secrets():
        return text
    out: list[str] = []
    position = 0
    for start, end in _url_spans(text):
        if start < position:
            continue
        out.append(_mask_pairs(text[position:start]))
        out.append(display_url(text[start:end]))
        position = end
    out.append(_mask_pairs(text[position:]))
    return _mask_words("".join(out))


def remember_secret(url: str | None) -> None:
    """Remember the secrets of a configured ``url``, to hide them wherever a driver quotes one
    as a word of its own (a host or port read out of a password with a raw '@')."""
    if not url or "://" not in url or url in _PLACEHOLDERS or url in _PENDING:
        return
    _PENDING.append(url)


def remember_configured_urls(parser: Any) -> None:
    """Remember the secrets of every ``sqlalchemy.url`` of an ini file (the multidb template has
    one per database section); an option whose ``%`` the file did not double is read raw."""
    for section in parser.sections():
        if not parser.has_option(section, URL_OPTION):
            continue
        try:
            remember_secret(parser.get(section, URL_OPTION))
        except Exception:
            remember_secret(parser.get(section, URL_OPTION, raw=True))


def url_override(
    x_arguments: Mapping[str, str], environ: Mapping[str, str] | None = None
) -> str | None:
    """The URL that replaces the ini's ``sqlalchemy.url``, if the user gave one."""
    if URL_OPTION in x_arguments:
        return x_arguments[URL_OPTION]
    env = os.environ if environ is None else environ
    value = env.get(URL_ENVIRONMENT_VARIABLE)
    return value or None
