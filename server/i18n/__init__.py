"""Every user-facing wording of Dawr, read from gettext catalogues a translator edits with standard tools.

The catalogues are ``server/i18n/locale/<lang>/LC_MESSAGES/<domain>.po`` (Poedit, Qt Linguist's lconvert,
or any text editor), one per language and part of the product (``DOMAINS``), compiled to ``.mo`` beside
them by ``python -m server.i18n.build`` (a test fails when a ``.mo`` is older than its ``.po``). Messages
are asked for by a stable key with named placeholders::

    text("kiosk", "home.title", "ar")                  -> "..."
    plural("kiosk", "people.waiting", 3, "ar")         -> the Arabic "few" form, with {count} filled in
    both("kiosk", "home.title")                        -> (Arabic, English)

Arabic has the six CLDR plural forms (zero, one, two, few, many, other) in its ``Plural-Forms`` header;
English has two. A key missing from a catalogue raises ``MissingMessage``: the catalogue test makes sure
that never happens in the shipped product. Standard library only: no Qt, no JSON, importable anywhere.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path
from typing import Final

LANGUAGES: Final = ("ar", "en")
"""The languages every catalogue has, Arabic first."""

DOMAINS: Final = ("common", "server", "reports", "ticket", "kiosk", "board", "counter", "network")
"""One catalogue per part: words more than one part shows go to ``common``."""

LOCALE_DIR: Final = Path(__file__).with_name("locale")


class MissingMessage(LookupError):
    """A key that a catalogue does not have (a bug: the catalogue test checks every key the code uses)."""


@cache
def catalogue(domain: str, lang: str) -> gettext.GNUTranslations:
    """The compiled catalogue of ``domain`` in ``lang``; raises ``MissingMessage`` for an unknown one."""
    if domain not in DOMAINS or lang not in LANGUAGES:
        raise MissingMessage(f"no catalogue {domain!r} in {lang!r}")
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.mo"
    with path.open("rb") as handle:
        return gettext.GNUTranslations(handle)


def has(domain: str, key: str, lang: str = "en") -> bool:
    """Whether ``domain`` has ``key`` (a plain or a plural message) in ``lang``."""
    messages = catalogue(domain, lang)._catalog  # type: ignore[attr-defined]
    return key in messages or (key, 0) in messages


def text(domain: str, key: str, lang: str, /, **values: object) -> str:
    """The message ``key`` of ``domain`` in ``lang``, its ``{placeholders}`` filled from ``values``."""
    messages = catalogue(domain, lang)._catalog  # type: ignore[attr-defined]
    if key not in messages:
        raise MissingMessage(f"{domain}: no message {key!r} in {lang!r}")
    wording: str = messages[key]
    return wording.format(**values) if values else wording


def plural(domain: str, key: str, count: int, lang: str, /, **values: object) -> str:
    """The form of plural message ``key`` that agrees with ``count`` in ``lang`` (``{count}`` filled in)."""
    translations = catalogue(domain, lang)
    if (key, 0) not in translations._catalog:  # type: ignore[attr-defined]
        raise MissingMessage(f"{domain}: no plural message {key!r} in {lang!r}")
    wording = translations.ngettext(key, key, count)
    return wording.format(count=count, **values)


def both(domain: str, key: str, /, **values: object) -> tuple[str, str]:
    """``(Arabic, English)`` of message ``key``: what a bilingual screen shows, Arabic first."""
    return text(domain, key, "ar", **values), text(domain, key, "en", **values)


def both_plural(domain: str, key: str, count: int, /, **values: object) -> tuple[str, str]:
    """``(Arabic, English)`` of plural message ``key`` agreeing with ``count``."""
    return plural(domain, key, count, "ar", **values), plural(domain, key, count, "en", **values)


WEEKDAY_KEYS: Final = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
"""``common``'s ``date.weekday.*`` keys, in ``datetime.weekday()`` order (Monday is 0)."""

MONTH_KEYS: Final = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
"""``common``'s ``date.month.*`` keys, January first."""


def weekday_name(weekday: int, lang: str) -> str:
    """The name of weekday ``weekday`` (``datetime.weekday()``: Monday is 0) in ``lang``."""
    return text("common", f"date.weekday.{WEEKDAY_KEYS[weekday]}", lang)


def month_name(month: int, lang: str) -> str:
    """The name of month ``month`` (1 to 12) in ``lang``."""
    return text("common", f"date.month.{MONTH_KEYS[month - 1]}", lang)
