"""The kiosk's wording: the messages of the gettext catalogue domain ``kiosk`` (and the shared ``common``).

The Arabic and English texts live in ``server/i18n/locale/{ar,en}/LC_MESSAGES/kiosk.po`` (translators edit
them with Poedit or any editor; ``python -m server.i18n.build`` compiles them). ``texts_for(digits)`` gives a
``KioskTexts`` whose ``get(key, lang, **values)`` fills the ``{placeholders}`` and writes Arabic-Indic digits
on Arabic screens when the branch uses them. ``people(n, lang)`` and ``minutes(m, lang)`` agree with the
number through the catalogue's plural forms (Arabic has six: zero, one, two, few, many, other);
``clock(t, lang)``, ``when(...)`` and ``hours_lines(hours, lang)`` build times and opening hours (ranges are
words from the catalogue rather than a dash, so a right-to-left line never reorders them). The weekday
and month names and the Arabic clock come from ``hardware.arabic``.
"""

from __future__ import annotations

import math
from datetime import datetime

from hardware.arabic import format_time_ar, format_time_en
from qtkit.i18n import Language, localize_digits, other
from server.i18n import month_name, plural, text, weekday_name

DOMAIN = "kiosk"
"""The kiosk's catalogue domain (``server/i18n/locale/<lang>/LC_MESSAGES/kiosk.po``)."""


class KioskTexts:
    """The kiosk's wording in one digit style. An unknown key raises ``server.i18n.MissingMessage`` at the
    call, so a typo fails the screen's test."""

    def __init__(self, digits: str = "western") -> None:
        self.digits = digits

    def _written(self, wording: str, lang: Language) -> str:
        return localize_digits(wording, self.digits) if lang == "ar" else wording

    def get(self, key: str, lang: Language, **values: object) -> str:
        """The kiosk message ``key`` in ``lang``, placeholders filled, Arabic digits localised if set."""
        return self._written(text(DOMAIN, key, lang, **values), lang)

    def common(self, key: str, lang: Language, **values: object) -> str:
        """The shared (``common``) message ``key`` in ``lang``, like ``get``."""
        return self._written(text("common", key, lang, **values), lang)


TEXTS = KioskTexts()
"""The kiosk's wording with Western digits (``texts_for(digits)`` gives the branch's own digit style)."""


def texts_for(digits: str) -> KioskTexts:
    """The kiosk's wording with the branch's digit style on Arabic screens."""
    return KioskTexts(digits)


def language_switch(lang: Language) -> str:
    """The language button's label on a ``lang`` screen: the other language's own name."""
    return text("common", "language.name", other(lang))


def people(n: int, lang: Language) -> str:
    """``n`` people, the noun agreeing with the number (in Arabic: nobody, one person, the dual, 3-10 with
    the plural, 11-99 with the accusative singular, 100 with the singular): catalogue ``people.none`` for 0,
    else the plural ``people.count``. Digits are Western: the message it goes into localises them."""
    if n == 0:
        return text(DOMAIN, "people.none", lang)
    return plural(DOMAIN, "people.count", n, lang)


def minutes(value: float | None, lang: Language, texts: KioskTexts = TEXTS) -> str:
    """An estimated wait: "about 12 minutes", "almost none" under a minute, "not available yet" for None."""
    if value is None:
        return texts.get("wait.unknown", lang)
    whole = math.ceil(value - 0.25) if value > 0 else 0
    if whole <= 0:
        return texts.get("wait.none", lang)
    return texts.get("wait.about", lang, minutes=plural(DOMAIN, "minutes.count", whole, lang))


def clock(moment: datetime, lang: Language, digits: str = "western") -> str:
    """A local time of day on the 12-hour clock, ``9:15 AM`` (Arabic: the morning/evening letter after it)."""
    return localize_digits(format_time_ar(moment), digits) if lang == "ar" else format_time_en(moment)


def weekday(moment: datetime, lang: Language) -> str:
    """The weekday name of a local date."""
    return weekday_name(moment.weekday(), lang)


def date_words(moment: datetime, lang: Language, digits: str = "western") -> str:
    """Weekday, day and month name: ``Sunday 22 November`` (names from the ``common`` catalogue)."""
    words = f"{weekday_name(moment.weekday(), lang)} {moment.day} {month_name(moment.month, lang)}"
    return localize_digits(words, digits) if lang == "ar" else words


def when(moment: datetime, today: datetime, lang: Language, texts: KioskTexts = TEXTS) -> str:
    """ "today at 9:15 AM" or "on Sunday 23 November at 7:30 AM" (both in the branch's local time)."""
    time_text = clock(moment, lang, texts.digits)
    if moment.date() == today.date():
        return texts.get("time.today_at", lang, time=time_text)
    return texts.get("time.day_at", lang, day=date_words(moment, lang, texts.digits), time=time_text)


WEEK_ORDER = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_DAY_INDEX = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


def _span_text(span: str, lang: Language, texts: KioskTexts) -> str:
    start, end = span.split("-")
    base = datetime(2000, 1, 1)

    def at(hhmm: str) -> str:
        hour, minute = (int(x) for x in hhmm.split(":"))
        moment = base.replace(hour=hour % 24, minute=minute)
        return clock(moment, lang, texts.digits)

    return texts.get("time.hours_range", lang, start=at(start), end=at(end))


def hours_lines(hours: dict[str, str], lang: Language, texts: KioskTexts = TEXTS) -> list[str]:
    """The opening hours as lines, consecutive days with the same hours joined, the week starting Sunday:
    ``Sunday to Thursday: 7:30 AM to 2:30 PM`` (catalogue ``time.days_range`` and ``time.hours_range``)."""
    lines: list[str] = []
    group: list[str] = []

    def name(day: str) -> str:
        return weekday_name(_DAY_INDEX[day], lang)

    def flush() -> None:
        if not group:
            return
        days = (
            name(group[0])
            if len(group) == 1
            else texts.get("time.days_range", lang, first=name(group[0]), last=name(group[-1]))
        )
        lines.append(f"{days}: {_span_text(hours[group[0]], lang, texts)}")
        group.clear()

    for day in WEEK_ORDER:
        span = hours.get(day)
        if span is None or (group and hours[group[-1]] != span):
            flush()
        if span is not None:
            group.append(day)
    flush()
    return lines
