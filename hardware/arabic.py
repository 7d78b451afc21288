"""Arabic text helpers shared by the ticket renderer and the announcer (pure Python, no Qt).

- digits: :func:`localize_digits` (Western 0-9 or Arabic-Indic ٠-٩, U+0660..U+0669);
- counted nouns with correct Arabic number agreement: :func:`arabic_minutes`;
- dates and times: :func:`format_datetime_ar`, :func:`format_time_ar`, :func:`format_datetime_en`;
- spoken numbers: :func:`arabic_number_words` (diacritized for ``espeak-ng``), :func:`english_number_words`;
- :func:`strip_diacritics` turns the spoken (diacritized) form into the plain text shown or logged.
"""

from __future__ import annotations

import re
from datetime import datetime

from server.i18n import month_name, text, weekday_name

ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
_TO_ARABIC_INDIC = str.maketrans("0123456789", ARABIC_INDIC_DIGITS)
_TO_WESTERN = str.maketrans(ARABIC_INDIC_DIGITS + "۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)
_ARABIC_LETTER = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
# Harakat, tanween, shadda, sukun, dagger alef.
_DIACRITICS = re.compile("[\u064b-\u0652\u0670]")

# Written in the order espeak-ng needs: consonant, then shadda, then the vowel mark.
_F, _D, _K, _SU, _SH = "\u064e", "\u064f", "\u0650", "\u0652", "\u0651"


def localize_digits(text: str, digits: str) -> str:
    """Return ``text`` with every digit in the requested style (``"western"`` or ``"arabic-indic"``)."""
    if digits == "arabic-indic":
        return text.translate(_TO_ARABIC_INDIC)
    return text.translate(_TO_WESTERN)


def has_arabic(text: str) -> bool:
    """True when ``text`` contains at least one Arabic letter."""
    return _ARABIC_LETTER.search(text) is not None


def strip_diacritics(text: str) -> str:
    """Remove harakat, shadda and sukun (the spoken form becomes the plain written form)."""
    return _DIACRITICS.sub("", text)


def arabic_count(
    n: int, one: str, two: str, plural: str, singular: str, accusative: str | None = None
) -> str:
    """``n`` things with Arabic number agreement: ``one`` for 1 ("شخص واحد"), ``two`` for 2 (the dual,
    "شخصان"), n + ``plural`` when the last two digits are 3–10 ("٣ أشخاص"), n + ``accusative`` (default
    ``singular``) for 11–99 ("١١ شخصًا"), n + ``singular`` otherwise ("١٠٠ شخص"). Digits are Western; pass
    the result through :func:`localize_digits`."""
    if n == 1:
        return one
    if n == 2:
        return two
    last_two = n % 100
    if 3 <= last_two <= 10:
        return f"{n} {plural}"
    if 11 <= last_two <= 99:
        return f"{n} {accusative or singular}"
    return f"{n} {singular}"


def arabic_minutes(n: int) -> str:
    """``n`` minutes in Arabic with correct agreement: دقيقة واحدة، دقيقتان، ٣ دقائق، ١١ دقيقة، ١٠٠ دقيقة."""
    return arabic_count(n, "دقيقة واحدة", "دقيقتان", "دقائق", "دقيقة")


def english_minutes(n: int) -> str:
    """``n`` minutes in English ("1 minute", "25 minutes")."""
    return f"{n} minute" if n == 1 else f"{n} minutes"


def _day_half(moment: datetime, lang: str) -> str:
    """The 12-hour clock's mark (``common``: ``time.am`` / ``time.pm``)."""
    return text("common", "time.am" if moment.hour < 12 else "time.pm", lang)


def format_time_ar(moment: datetime) -> str:
    """12-hour clock as written in Arabic: ``9:15 ص`` / ``3:40 م`` (Western digits)."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {_day_half(moment, 'ar')}"


def format_datetime_ar(moment: datetime) -> str:
    """``الثلاثاء 4 مارس 2025، 9:15 ص`` — weekday, day, month name, year, time (Western digits)."""
    return (
        f"{weekday_name(moment.weekday(), 'ar')} {moment.day} {month_name(moment.month, 'ar')} {moment.year}"
        f"، {format_time_ar(moment)}"
    )


def format_time_en(moment: datetime) -> str:
    """12-hour English clock: ``9:15 AM``."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {_day_half(moment, 'en')}"


def format_datetime_en(moment: datetime) -> str:
    """``Tue 4 Mar 2025, 9:15 AM`` (unambiguous: the month is a name, not a number)."""
    return f"{moment.strftime('%a')} {moment.day} {moment.strftime('%b')} {moment.year}, {format_time_en(moment)}"


# ---------------------------------------------------------------------------------------------------------
# Spoken numbers. The form is the masculine "citation" form used after رَقْم ("number"): التذكرة رقم
# اثنا عشر، الشباك رقم ثلاثة. رقم is masculine, so the counted-noun gender of تذكرة/شباك does not apply.
_UNITS = (
    f"صِف{_SU}ر",
    "واحِد",
    f"اِث{_SU}نان",
    "ثَلاثَة",
    f"أَر{_SU}بَعَة",
    f"خَم{_SU}سَة",
    f"سِت{_SH}{_F}ة",
    f"سَب{_SU}عَة",
    "ثَمانِيَة",
    f"تِس{_SU}عَة",
)
_TEENS = {
    10: "عَشَرَة",
    11: "أَحَدَ عَشَر",
    12: f"اِث{_SU}نا عَشَر",
}
_TENS = (
    "",
    "",
    f"عِش{_SU}رُون",
    "ثَلاثُون",
    f"أَر{_SU}بَعُون",
    f"خَم{_SU}سُون",
    f"سِت{_SH}{_D}ون",
    f"سَب{_SU}عُون",
    "ثَمانُون",
    f"تِس{_SU}عُون",
)
_HUNDREDS = (
    "",
    "مِئَة",
    "مِئَتان",
    "ثَلاثُمِئَة",
    f"أَر{_SU}بَعُمِئَة",
    f"خَم{_SU}سُمِئَة",
    f"سِت{_SH}{_D}مِئَة",
    f"سَب{_SU}عُمِئَة",
    "ثَمانِمِئَة",
    f"تِس{_SU}عُمِئَة",
)
_AND = "وَ"


def _below_hundred(n: int) -> str:
    if n < 10:
        return _UNITS[n]
    if n in _TEENS:
        return _TEENS[n]
    if n < 20:
        # ثَلاثَةَ عَشَر … تِسْعَةَ عَشَر: the unit takes a fatha before عشر.
        return f"{_UNITS[n - 10]}{_F} عَشَر"
    tens, unit = divmod(n, 10)
    if unit == 0:
        return _TENS[tens]
    return f"{_UNITS[unit]} {_AND}{_TENS[tens]}"


def _below_thousand(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    parts = []
    if hundreds:
        parts.append(_HUNDREDS[hundreds])
    if rest or not hundreds:
        parts.append(_below_hundred(rest))
    return f" {_AND}".join(parts)


def arabic_number_words(n: int, *, diacritics: bool = True) -> str:
    """Spoken Arabic for ``0 <= n <= 999999`` in the masculine citation form (after رقم).

    ``125`` → ``مِئَة وَخَمْسَة وَعِشْرُون``; with ``diacritics=False`` → ``مئة وخمسة وعشرون``.
    Larger numbers are read digit by digit.
    """
    if n < 0:
        raise ValueError("negative numbers are not spoken")
    if n >= 1_000_000:
        words = " ".join(_UNITS[int(d)] for d in str(n))
    elif n < 1000:
        words = _below_thousand(n)
    else:
        thousands, rest = divmod(n, 1000)
        if thousands == 1:
            head = f"أَل{_SU}ف"
        elif thousands == 2:
            head = f"أَل{_SU}فان"
        elif 3 <= thousands <= 10:
            head = f"{_below_thousand(thousands)} آلاف"
        else:
            # 11 and up: the counted noun is singular accusative (أحد عشر ألفًا), then genitive from 100.
            head = (
                f"{_below_thousand(thousands)} أَل{_SU}فًا"
                if thousands % 100 >= 11
                else (f"{_below_thousand(thousands)} أَل{_SU}ف")
            )
        words = head if rest == 0 else f"{head} {_AND}{_below_thousand(rest)}"
    return words if diacritics else strip_diacritics(words)


# Latin letters as Arabic speakers in Bahrain name them (ticket prefixes are usually Latin).
LATIN_LETTER_NAMES_AR = {
    "A": "إيه",
    "B": "بي",
    "C": "سي",
    "D": "دي",
    "E": "إي",
    "F": "إف",
    "G": "جي",
    "H": "إتش",
    "I": "آي",
    "J": "جيه",
    "K": "كيه",
    "L": "إل",
    "M": "إم",
    "N": "إن",
    "O": "أو",
    "P": "بي",
    "Q": "كيو",
    "R": "آر",
    "S": "إس",
    "T": "تي",
    "U": "يو",
    "V": "في",
    "W": "دبليو",
    "X": "إكس",
    "Y": "واي",
    "Z": "زد",
}
# Arabic letters (for halls that use Arabic prefixes), by their names.
ARABIC_LETTER_NAMES = {
    "أ": "أَلِف",
    "ا": "أَلِف",
    "ب": "باء",
    "ت": "تاء",
    "ث": "ثاء",
    "ج": "جِيم",
    "ح": "حاء",
    "خ": "خاء",
    "د": "دال",
    "ذ": "ذال",
    "ر": "راء",
    "ز": "زاي",
    "س": "سِين",
    "ش": "شِين",
    "ص": "صاد",
    "ض": "ضاد",
    "ط": "طاء",
    "ظ": "ظاء",
    "ع": "عَين",
    "غ": "غَين",
    "ف": "فاء",
    "ق": "قاف",
    "ك": "كاف",
    "ل": "لام",
    "م": "مِيم",
    "ن": "نُون",
    "ه": "هاء",
    "و": "واو",
    "ي": "ياء",
}

_EN_UNITS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")


def english_number_words(n: int) -> str:
    """English words for ``0 <= n <= 999999`` ("one hundred and five"); larger numbers digit by digit."""
    if n < 0:
        raise ValueError("negative numbers are not spoken")
    if n >= 1_000_000:
        return " ".join(_EN_UNITS[int(d)] for d in str(n))

    def below_thousand(m: int) -> str:
        hundreds, rest = divmod(m, 100)
        if rest < 20:
            tail = _EN_UNITS[rest]
        else:
            tail = _EN_TENS[rest // 10] + ("" if rest % 10 == 0 else f"-{_EN_UNITS[rest % 10]}")
        if not hundreds:
            return tail
        return f"{_EN_UNITS[hundreds]} hundred" + (f" and {tail}" if rest else "")

    thousands, rest = divmod(n, 1000)
    if not thousands:
        return below_thousand(rest)
    head = f"{below_thousand(thousands)} thousand"
    if not rest:
        return head
    return f"{head} and {below_thousand(rest)}" if rest < 100 else f"{head} {below_thousand(rest)}"
