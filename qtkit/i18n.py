"""Arabic-first, English-second wording for the Qt apps.

``Texts`` holds an app's strings as ``key -> (arabic, english)``; ``texts.get(key, lang, **values)`` gives
the string in that language with ``{placeholders}`` filled and digits localised when the branch writes
Arabic-Indic digits. ``direction(lang)`` is the layout direction to set on the top-level widget so the
whole screen mirrors (Arabic right-to-left, English left-to-right).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from hardware.arabic import ARABIC_INDIC_DIGITS

if TYPE_CHECKING:  # Qt is loaded only when ``direction`` is called: state modules import this without Qt
    from PySide6.QtCore import Qt

Language = Literal["ar", "en"]
LANGUAGES: tuple[Language, Language] = ("ar", "en")

_ARABIC_INDIC = str.maketrans("0123456789", ARABIC_INDIC_DIGITS)


def localize_digits(text: str, digits: str) -> str:
    """``text`` with 0-9 written as Arabic-Indic digits when ``digits == "arabic-indic"``."""
    return text.translate(_ARABIC_INDIC) if digits == "arabic-indic" else text


def direction(lang: Language) -> Qt.LayoutDirection:
    """Right-to-left for Arabic, left-to-right for English."""
    from PySide6.QtCore import Qt

    return Qt.LayoutDirection.RightToLeft if lang == "ar" else Qt.LayoutDirection.LeftToRight


def other(lang: Language) -> Language:
    """The other language (for the language switch)."""
    return "en" if lang == "ar" else "ar"


def pick(lang: Language, arabic: str, english: str) -> str:
    """One of two wordings (e.g. a service's ``name_ar`` / ``name_en``) by language."""
    return arabic if lang == "ar" else english


class Texts:
    """An app's wording. Missing keys raise KeyError at the call, so a typo fails the screen's test."""

    def __init__(self, table: Mapping[str, tuple[str, str]], digits: str = "western") -> None:
        self.table = dict(table)
        self.digits = digits

    def get(self, key: str, lang: Language, **values: object) -> str:
        """The text for ``key`` in ``lang``, placeholders filled, Arabic digits localised if configured."""
        arabic, english = self.table[key]
        text = (arabic if lang == "ar" else english).format(**values)
        return localize_digits(text, self.digits) if lang == "ar" else text
