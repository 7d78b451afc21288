"""Ticket rendering: a :class:`~hardware.printout.TicketPrintout` becomes a 1-bit image at the printer's dot
width (576 = 80 mm, 512, 384 = 58 mm), ready for ``GS v 0``.

Two steps, both public so they can be tested and reused:

1. :func:`ticket_blocks` — what is printed, in order (plain Python: text lines with their direction, rules,
   the QR code). Digits are localized here.
2. :func:`render_ticket` — lays the blocks out with ``QTextLayout`` (Qt shapes Arabic and applies the
   Unicode bidi algorithm), paints them with ``QPainter`` on a grayscale ``QImage`` and thresholds it to
   pure black/white (no dithering), returning a :class:`TicketImage`.

Rendering only needs a ``QGuiApplication`` (created if missing); it is safe in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import qrcode
import qrcode.constants
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QTextLayout,
    QTextOption,
)

from hardware.arabic import (
    arabic_minutes,
    english_minutes,
    format_datetime_ar,
    format_datetime_en,
    format_time_ar,
    format_time_en,
    has_arabic,
    localize_digits,
)
from hardware.errors import TicketDataError
from hardware.fonts import FontChoice, ensure_gui_application, ticket_fonts
from hardware.printout import TicketPrintout
from server.i18n import both, text

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

SUPPORTED_WIDTHS: tuple[int, ...] = (576, 512, 384)
"""Printable dot widths: 80 mm printers (576 or 512 dots) and 58 mm printers (384 dots)."""

THRESHOLD = 150
"""Gray levels below this become black. Slightly above the midpoint so thin Arabic strokes stay solid."""

Role = Literal["small", "body", "secondary", "title"]
_ROLE_PX: dict[str, int] = {"small": 22, "secondary": 24, "body": 27, "title": 32}


@dataclass(frozen=True, slots=True)
class TextLine:
    """One paragraph of text, centred and wrapped to the paper width.

    ``rtl`` is the paragraph direction: True for Arabic lines, False for English ones, and the primary
    language's direction for mixed labels.
    """

    text: str
    role: Role = "body"
    bold: bool = False
    rtl: bool = False


@dataclass(frozen=True, slots=True)
class BigNumber:
    """The ticket number in very large type (always laid out left-to-right, whatever the digits)."""

    text: str


@dataclass(frozen=True, slots=True)
class Rule:
    """A horizontal line across the ticket."""


@dataclass(frozen=True, slots=True)
class Spacer:
    """Vertical space of ``dots`` at 576 dots wide (scaled with the width)."""

    dots: int


@dataclass(frozen=True, slots=True)
class QrCode:
    """A QR code for ``data`` (the ticket's status URL), with its quiet zone."""

    data: str


@dataclass(frozen=True, slots=True)
class Boxed:
    """Text lines drawn inside a frame (the appointment details)."""

    lines: tuple[TextLine, ...]


Block = TextLine | BigNumber | Rule | Spacer | QrCode | Boxed


def ticket_blocks(p: TicketPrintout) -> list[Block]:
    """What the ticket says, top to bottom, in the printout's primary language first.

    Arabic text gets the configured digits; English text keeps Western digits. Returns new blocks each call.
    """
    ar_first = p.primary_language == "ar"

    def ar(text: str) -> str:
        return localize_digits(text, p.digits)

    def said(key: str, **values: object) -> tuple[str, str]:
        return both("ticket", key, **values)

    def pair(
        text_ar: str, text_en: str, role: Role = "body", bold: bool = False, second_role: Role | None = None
    ) -> list[Block]:
        first_ar = TextLine(ar(text_ar), role, bold, rtl=True)
        first_en = TextLine(text_en, role, bold, rtl=False)
        second = second_role or role
        if ar_first:
            return [first_ar, TextLine(text_en, second, bold and second == role, rtl=False)]
        return [first_en, TextLine(ar(text_ar), second, bold and second == role, rtl=True)]

    def free(text: str, role: Role = "small") -> TextLine:
        return TextLine(ar(text) if has_arabic(text) else text, role, rtl=has_arabic(text))

    blocks: list[Block] = [free(line) for line in p.header_lines]
    if p.header_lines:
        blocks.append(Spacer(6))
    blocks += pair(p.branch_name_ar, p.branch_name_en, "title", bold=True, second_role="secondary")
    blocks.append(Rule())
    number_ar, number_en = said("ticket.number_label")
    label = f"{number_ar}  ·  {number_en}" if ar_first else f"{number_en}  ·  {number_ar}"
    blocks.append(TextLine(label, "small", rtl=ar_first))
    blocks.append(BigNumber(ar(p.ticket_number)))
    if p.digits == "arabic-indic" and localize_digits(p.ticket_number, "western") != ar(p.ticket_number):
        blocks.append(TextLine(localize_digits(p.ticket_number, "western"), "secondary", rtl=False))
    blocks += pair(p.service_name_ar, p.service_name_en, "body", bold=True, second_role="secondary")
    blocks.append(Rule())

    if p.people_ahead == 0:
        ahead = pair(*said("ticket.nobody_ahead"))
    else:
        ahead = pair(*said("ticket.people_ahead", people=p.people_ahead))
    blocks += ahead
    minutes = p.estimated_wait_minutes
    if minutes is None:
        wait_ar, wait_en = said("ticket.wait_unknown")
    elif minutes == 0:
        wait_ar, wait_en = said("ticket.wait_under_a_minute")
    else:
        wait_ar = text("ticket", "ticket.wait_about", "ar", minutes=arabic_minutes(minutes))
        wait_en = text("ticket", "ticket.wait_about", "en", minutes=english_minutes(minutes))
    blocks += pair(
        text("ticket", "ticket.estimated_wait", "ar", wait=wait_ar),
        text("ticket", "ticket.estimated_wait", "en", wait=wait_en),
    )

    if p.appointment is not None:
        a = p.appointment
        slot = a.slot_time.astimezone(p.local_issued_at.tzinfo)
        lines: list[Block] = pair(*said("ticket.appointment"), "body", bold=True)
        lines += pair(*said("ticket.booking_reference", reference=a.booking_reference), "secondary")
        # The booking reference is an identifier: keep it exactly as issued, whatever the digit style.
        lines = [
            TextLine(b.text.replace(ar(a.booking_reference), a.booking_reference), b.role, b.bold, b.rtl)
            if isinstance(b, TextLine)
            else b
            for b in lines
        ]
        if a.citizen_name:
            name_label = text("ticket", "ticket.citizen_name", p.primary_language)
            lines.append(TextLine(f"{name_label}: {a.citizen_name}", "secondary", rtl=ar_first))
        lines += pair(
            text("ticket", "ticket.appointment_time", "ar", time=format_time_ar(slot)),
            text("ticket", "ticket.appointment_time", "en", time=format_time_en(slot)),
            "secondary",
        )
        blocks.append(Spacer(8))
        blocks.append(Boxed(tuple(b for b in lines if isinstance(b, TextLine))))
        blocks.append(Spacer(4))

    local = p.local_issued_at
    blocks += pair(
        text("ticket", "ticket.issued", "ar", time=format_datetime_ar(local)),
        text("ticket", "ticket.issued", "en", time=format_datetime_en(local)),
        "small",
    )
    blocks.append(Rule())
    blocks.append(QrCode(p.status_url))
    blocks += pair(*said("ticket.scan_to_follow"), "small")
    if p.footer_lines:
        blocks.append(Spacer(6))
        blocks += [free(line) for line in p.footer_lines]
    return blocks


def text_lines(blocks: list[Block]) -> list[TextLine]:
    """All text lines of ``blocks`` in printing order, including those inside boxes."""
    lines: list[TextLine] = []
    for block in blocks:
        if isinstance(block, TextLine):
            lines.append(block)
        elif isinstance(block, Boxed):
            lines.extend(block.lines)
    return lines


@dataclass(frozen=True, slots=True)
class TicketImage:
    """A rendered ticket: ``width`` × ``height`` pixels, one byte each, 0 = black (printed dot), 255 = white.

    Immutable and thread-safe; convert with :meth:`to_qimage` (preview), :meth:`to_pil` (python-escpos) or
    :meth:`save_png`.
    """

    width: int
    height: int
    pixels: bytes

    def is_black(self, x: int, y: int) -> bool:
        """True when the dot at column ``x``, row ``y`` is printed."""
        return self.pixels[y * self.width + x] == 0

    def black_count(self) -> int:
        """How many dots are printed (a quick "is anything there" measure)."""
        return self.pixels.count(0)

    def to_qimage(self) -> QImage:
        """A grayscale ``QImage`` copy (values 0 and 255 only)."""
        image = QImage(self.pixels, self.width, self.height, self.width, QImage.Format.Format_Grayscale8)
        return image.copy()

    def to_pil(self) -> PILImage:
        """A Pillow ``"1"`` image (for python-escpos ``image()``)."""
        from PIL import Image

        return Image.frombytes("L", (self.width, self.height), self.pixels).convert(
            "1", dither=Image.Dither.NONE
        )

    def save_png(self, path: str | Path) -> Path:
        """Write a 1-bit PNG to ``path`` (parent folders must exist) and return the path."""
        target = Path(path)
        mono = self.to_qimage().convertToFormat(
            QImage.Format.Format_Mono,
            Qt.ImageConversionFlag.ThresholdDither | Qt.ImageConversionFlag.MonoOnly,
        )
        if not mono.save(str(target), "PNG"):  # type: ignore[call-overload]  # stubs say bytes; PySide6 wants str
            raise OSError(f"could not write {target}")
        return target


def check_width(width: int) -> int:
    """Return ``width`` if it is a supported dot width, else raise ``TicketDataError`` naming the choices."""
    if width not in SUPPORTED_WIDTHS:
        choices = ", ".join(str(w) for w in SUPPORTED_WIDTHS)
        raise TicketDataError(f"unsupported ticket width {width} dots; use one of {choices}")
    return width


class _Painter:
    """Lays out and paints blocks for one width. ``measure`` first, then ``paint``."""

    def __init__(self, width: int, fonts: FontChoice) -> None:
        self.width = width
        self.fonts = fonts
        self.scale = width / 576
        # Text shrinks less than the paper: 58 mm tickets keep readable type.
        self.text_scale = max(self.scale, 0.82)
        self.margin = round(14 * self.scale)
        self.content_width = width - 2 * self.margin

    def px(self, dots: float) -> int:
        return max(1, round(dots * self.scale))

    def text_font(self, line: TextLine) -> QFont:
        return self.fonts.font(
            round(_ROLE_PX[line.role] * self.text_scale),
            bold=line.bold,
            arabic_first=line.rtl or has_arabic(line.text),
        )

    def layout_text(self, line: TextLine, width: float) -> tuple[QTextLayout, float]:
        """Shape and wrap ``line`` into ``width``; returns the layout and its height."""
        return layout_paragraph(line.text, self.text_font(line), width, rtl=line.rtl)

    def big_number_font(self, text: str) -> QFont:
        size = round(190 * self.scale)
        while True:
            font = self.fonts.font(size, bold=True, arabic_first=has_arabic(text) or _has_indic(text))
            if QFontMetricsF(font).horizontalAdvance(text) <= self.content_width or size <= 24:
                return font
            size = max(1, int(size * 0.92))

    def qr_matrix(self, data: str) -> tuple[list[list[bool]], int]:
        qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=1)
        qr.add_data(data)
        qr.make(fit=True)
        matrix = qr.get_matrix()
        modules = len(matrix)
        # Aim for ~45 % of the paper width, whole dots per module, never below 4 dots (0.5 mm).
        module = max(4, int(self.width * 0.45) // modules)
        module = min(module, self.content_width // modules)
        return matrix, module

    def measure(self, block: Block) -> float:
        if isinstance(block, TextLine):
            return self.layout_text(block, self.content_width)[1] + self.px(4)
        if isinstance(block, BigNumber):
            path = QPainterPath()
            path.addText(0, 0, self.big_number_font(block.text), block.text)
            return path.boundingRect().height() + 2 * self.px(16)
        if isinstance(block, Rule):
            return self.px(22)
        if isinstance(block, Spacer):
            return self.px(block.dots)
        if isinstance(block, QrCode):
            matrix, module = self.qr_matrix(block.data)
            return len(matrix) * module
        if isinstance(block, Boxed):
            inner = self.content_width - 2 * self.px(14)
            return sum(self.layout_text(line, inner)[1] + self.px(2) for line in block.lines) + 2 * self.px(
                12
            )
        raise TypeError(f"unknown block {block!r}")

    def paint(self, painter: QPainter, block: Block, y: float) -> float:
        """Paint ``block`` at ``y``; return the y below it."""
        black = QColor(0, 0, 0)
        if isinstance(block, TextLine):
            layout, height = self.layout_text(block, self.content_width)
            layout.draw(painter, QPointF(self.margin, y))
            return y + height + self.px(4)
        if isinstance(block, BigNumber):
            # Drawn as a path: exact ink-box centring, and the same dots on every render (the glyph cache
            # draws huge glyphs slightly differently the first time).
            font = self.big_number_font(block.text)
            path = QPainterPath()
            path.addText(0, 0, font, block.text)
            ink = path.boundingRect()
            dx = self.margin + (self.content_width - ink.width()) / 2 - ink.left()
            dy = y + self.px(16) - ink.top()
            painter.fillPath(path.translated(dx, dy), black)
            return y + ink.height() + 2 * self.px(16)
        if isinstance(block, Rule):
            thickness = max(2, self.px(3))
            mid = y + self.px(22) / 2
            painter.fillRect(QRectF(self.margin, mid - thickness / 2, self.content_width, thickness), black)
            return y + self.px(22)
        if isinstance(block, Spacer):
            return y + self.px(block.dots)
        if isinstance(block, QrCode):
            matrix, module = self.qr_matrix(block.data)
            size = len(matrix) * module
            left = (self.width - size) // 2
            top = round(y)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            for row, cells in enumerate(matrix):
                for col, dark in enumerate(cells):
                    if dark:
                        painter.fillRect(left + col * module, top + row * module, module, module, black)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            return top + size
        if isinstance(block, Boxed):
            pad = self.px(14)
            inner = self.content_width - 2 * pad
            box_top = y
            y += self.px(12)
            for line in block.lines:
                layout, height = self.layout_text(line, inner)
                layout.draw(painter, QPointF(self.margin + pad, y))
                y += height + self.px(2)
            y += self.px(12)
            pen = QPen(black)
            pen.setWidth(max(2, self.px(3)))
            painter.setPen(pen)
            painter.drawRoundedRect(
                QRectF(self.margin + 1, box_top, self.content_width - 2, y - box_top), 10, 10
            )
            return y
        raise TypeError(f"unknown block {block!r}")


def _has_indic(text: str) -> bool:
    return any("\u0660" <= ch <= "\u0669" for ch in text)


def layout_paragraph(text: str, font: QFont, width: float, *, rtl: bool) -> tuple[QTextLayout, float]:
    """Shape ``text`` with ``font`` into centred lines no wider than ``width`` dots.

    ``rtl`` sets the paragraph direction (the bidi base level). Returns the ``QTextLayout`` (draw it at the
    top-left of its box; inspect ``glyphRuns()`` to see the shaped glyphs) and the box height. Lines are
    spaced by the ink a script needs rather than the fonts' generous line gaps (Noto Arabic's is ~2 em),
    which keeps tickets short.
    """
    layout = QTextLayout(text, font)
    option = QTextOption(Qt.AlignmentFlag.AlignHCenter)
    option.setTextDirection(Qt.LayoutDirection.RightToLeft if rtl else Qt.LayoutDirection.LeftToRight)
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    layout.setCacheEnabled(True)
    em = float(font.pixelSize())
    arabic = has_arabic(text)
    above, below = (1.0, 0.42) if arabic else (0.98, 0.27)
    layout.beginLayout()
    y = 0.0
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        line.setPosition(QPointF(0, y + above * em - line.ascent()))
        y += (above + below) * em
    layout.endLayout()
    return layout, y


_THRESHOLD_TABLE = bytes(0 if v < THRESHOLD else 255 for v in range(256))


def threshold(image: QImage) -> TicketImage:
    """Turn a grayscale (or any) ``QImage`` into a pure black/white :class:`TicketImage` (no dithering)."""
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    width, height, stride = gray.width(), gray.height(), gray.bytesPerLine()
    raw = bytes(gray.constBits())[: stride * height]
    if stride != width:
        raw = b"".join(raw[row * stride : row * stride + width] for row in range(height))
    return TicketImage(width, height, raw.translate(_THRESHOLD_TABLE))


def render_blocks(blocks: list[Block], width: int, fonts: FontChoice | None = None) -> TicketImage:
    """Paint ``blocks`` at ``width`` dots and threshold to 1-bit (see :func:`render_ticket`)."""
    check_width(width)
    ensure_gui_application()
    painter_plan = _Painter(width, fonts or ticket_fonts())
    top = painter_plan.px(18)
    bottom = painter_plan.px(24)
    height = top + bottom + sum(painter_plan.measure(block) for block in blocks)
    image = QImage(width, int(height + 1), QImage.Format.Format_Grayscale8)
    image.fill(255)
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        painter.setPen(QColor(0, 0, 0))
        y: float = top
        for block in blocks:
            painter.setPen(QColor(0, 0, 0))
            y = painter_plan.paint(painter, block, y)
    finally:
        painter.end()
    return threshold(image)


def render_ticket(printout: TicketPrintout, width: int = 576, fonts: FontChoice | None = None) -> TicketImage:
    """Render ``printout`` at ``width`` dots (576, 512 or 384) and return the 1-bit :class:`TicketImage`.

    Nothing is printed; pass the image to :func:`hardware.printing.encode_ticket` or a printer. Raises
    :class:`~hardware.errors.TicketDataError` for an unsupported width.
    """
    return render_blocks(ticket_blocks(printout), width, fonts)
