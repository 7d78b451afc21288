"""Fonts for tickets, found among the installed font packages through Qt's font database (fontconfig).

Preferred: ``Noto Sans Arabic`` / ``Noto Naskh Arabic`` (Debian ``fonts-noto-core``) for Arabic and
``Noto Sans`` / ``DejaVu Sans`` (``fonts-noto-core`` / ``fonts-dejavu-core``) for Latin and digits.
A missing family falls back to the next one, then to any installed font that covers the script, with one
logged warning; nothing here raises.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from dataclasses import dataclass
from functools import lru_cache

from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication

log = logging.getLogger(__name__)

ARABIC_FAMILIES = ("Noto Sans Arabic", "Noto Naskh Arabic", "Noto Kufi Arabic", "DejaVu Sans")
LATIN_FAMILIES = ("Noto Sans", "DejaVu Sans", "Liberation Sans", "FreeSans")


def ensure_gui_application() -> QGuiApplication:
    """Return the running Qt application, creating a ``QGuiApplication`` if there is none.

    Fonts need one. The kiosk and tests already have an application; the CLI and the benchmark get one here
    (offscreen when there is no display, so it works over SSH). Call it from the main thread: raises
    ``RuntimeError`` when it would have to create the application in another thread.
    """
    app = QGuiApplication.instance()
    if app is None:
        if threading.current_thread() is not threading.main_thread():
            raise RuntimeError(
                "create the Qt application (or call ensure_gui_application) in the main thread "
                "before rendering tickets in a worker thread"
            )
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication(sys.argv[:1])
    assert isinstance(app, QGuiApplication)
    return app


@dataclass(frozen=True, slots=True)
class FontChoice:
    """The families used on tickets: Arabic lines try ``arabic`` first, Latin lines ``latin`` first;
    each keeps the other as per-character fallback so mixed lines render."""

    arabic: str
    latin: str

    def font(self, pixel_size: int, *, bold: bool = False, arabic_first: bool = True) -> QFont:
        """A QFont of ``pixel_size`` pixels (1 pixel = 1 printer dot) with both families as fallback."""
        font = QFont()
        families = [self.arabic, self.latin] if arabic_first else [self.latin, self.arabic]
        font.setFamilies(list(dict.fromkeys(families)))
        font.setPixelSize(pixel_size)
        font.setBold(bold)
        font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
        return font


def _pick(
    preferred: tuple[str, ...], available: set[str], system: QFontDatabase.WritingSystem, what: str
) -> str:
    for family in preferred:
        if family in available:
            return family
    covering = sorted(QFontDatabase.families(system))
    if covering:
        log.warning(
            "none of the %s fonts %s is installed; falling back to %r (install fonts-noto-core)",
            what,
            ", ".join(preferred),
            covering[0],
        )
        return covering[0]
    fallback = QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont).family()
    log.warning(
        "no installed font covers %s text; tickets will use %r and may show boxes (install fonts-noto-core)",
        what,
        fallback,
    )
    return fallback


@lru_cache(maxsize=1)
def ticket_fonts() -> FontChoice:
    """Resolve the ticket fonts once per process (logs a warning per missing script, never raises)."""
    ensure_gui_application()
    available = set(QFontDatabase.families())
    arabic = _pick(ARABIC_FAMILIES, available, QFontDatabase.WritingSystem.Arabic, "Arabic")
    latin = _pick(LATIN_FAMILIES, available, QFontDatabase.WritingSystem.Latin, "Latin")
    return FontChoice(arabic=arabic, latin=latin)
