"""Text that fits its box on any screen: sizes in proportion to the window, shrunk or elided to fit.

Screens read from a distance (the hall board, the kiosk) size their type from the window, never in fixed
pixels: ``Scale(width, height)`` gives ``u``, one hundredth of the height of the largest 16:9 area that
fits the window, so ``scale.px(4)`` is the same share of the screen at 1280×720, 1920×1080 or 3840×2160.

``fit_font(font, text, width, height)`` gives a copy of ``font`` shrunk (down to ``min_scale`` of its size)
until ``text`` fits ``width`` and its pixel size fits ``height`` (line heights differ a lot between
scripts — Noto Sans Arabic's is ~1.7 em — so the em size, not the line height, is what must fit); ``draw_fitted(painter, rect, text, font, align)`` draws it,
eliding what still does not fit. Results are cached in a bounded LRU, so repainting every frame costs
no font measuring and no memory growth.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFont, QFontMetricsF, QPainter


@dataclass(frozen=True, slots=True)
class Scale:
    """Proportional units for a window of ``width``×``height`` pixels (see the module docstring)."""

    width: float
    height: float

    @property
    def u(self) -> float:
        """One unit: 1 % of the height of the largest 16:9 area inside the window."""
        return max(1.0, min(self.height, self.width * 9 / 16) / 100)

    def px(self, units: float) -> float:
        """``units`` in pixels."""
        return units * self.u


def _font_key(font: QFont) -> str:
    return font.toString() + "|" + ",".join(font.families())


@lru_cache(maxsize=1024)
def _fitted_size(
    key: str, families: tuple[str, ...], text: str, width: int, height: int, size: int, min_size: int
) -> int:
    font = QFont()
    font.fromString(key.split("|", 1)[0])
    font.setFamilies(list(families))
    pixel = size
    while pixel > min_size:
        font.setPixelSize(pixel)
        metrics = QFontMetricsF(font)
        if metrics.horizontalAdvance(text) <= width and pixel <= height:
            return pixel
        pixel = max(min_size, int(pixel * 0.94))
    return min_size


def fit_font(font: QFont, text: str, width: float, height: float, min_scale: float = 0.55) -> QFont:
    """A copy of ``font`` (which must have a pixel size) small enough for ``text`` to fit ``width``×``height``,
    but never below ``min_scale`` of the original size."""
    size = max(1, font.pixelSize())
    min_size = max(1, int(size * min_scale))
    pixel = _fitted_size(
        _font_key(font), tuple(font.families()), text, int(width), int(height), size, min_size
    )
    fitted = QFont(font)
    fitted.setPixelSize(pixel)
    return fitted


def common_size(font: QFont, texts: list[str], width: float, height: float, min_scale: float = 0.55) -> int:
    """The largest pixel size (at most ``font``'s) at which every one of ``texts`` fits ``width``×``height``:
    rows of a table drawn at one size instead of each shrinking on its own."""
    sizes = [fit_font(font, text, width, height, min_scale).pixelSize() for text in texts if text]
    return min(sizes, default=font.pixelSize())


def draw_fitted(
    painter: QPainter,
    rect: QRectF,
    text: str,
    font: QFont,
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
    rtl: bool = False,
    min_scale: float = 0.55,
) -> QFont:
    """Draw ``text`` in ``rect`` with ``font`` shrunk to fit (then elided); ``rtl`` sets the base direction
    (Arabic text: True). ``align`` is visual (left is left, whatever the direction). Returns the font used."""
    fitted = fit_font(font, text, rect.width(), rect.height(), min_scale)
    metrics = QFontMetricsF(fitted)
    shown = text
    if metrics.horizontalAdvance(text) > rect.width():
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
    painter.setFont(fitted)
    painter.setLayoutDirection(Qt.LayoutDirection.RightToLeft if rtl else Qt.LayoutDirection.LeftToRight)
    painter.drawText(rect, int(align | Qt.AlignmentFlag.AlignAbsolute), shown)
    return fitted
