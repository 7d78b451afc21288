"""The board's one widget: paints a ``BoardModel`` at any resolution (a thin view over ``BoardState``).

``BoardView(state, fonts)`` shows ``state``; call ``refresh()`` after changing the state. Everything is
sized from the window (``qtkit.textfit.Scale``: 1 unit = 1 % of the 16:9 height), so the same layout is
right at 1280×720, 1920×1080 and 3840×2160. The Arabic layout is the English one mirrored.

``shown`` is the ``BoardModel`` last painted and ``shown_changed(model)`` fires after a paint that showed
something new: what a citizen sees, for tests and the benchmark. With ``animate`` (the default) the view
blinks new calls, scrolls the ticker and follows the clock by itself; ``animate=False`` paints still frames
(screenshots).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QWidget

from hardware.fonts import FontChoice
from qtkit.i18n import Language, direction
from qtkit.textfit import Scale, common_size, draw_fitted

from .model import Bilingual, BoardModel, board_model
from .state import BoardState, Highlight

BACKGROUND = QColor("#0b1e33")
HEADER = QColor("#102a4c")
PANEL = QColor("#14365e")
ROW = QColor("#1b426f")
TEXT = QColor("#ffffff")
MUTED = QColor("#c3d2e4")
AMBER = QColor("#ffc233")
ON_AMBER = QColor("#0b1e33")
TICKER = QColor("#0d6b62")
OFFLINE = QColor("#8c2f1f")

ARABIC_BOOST = 1.12
"""Arabic text is set this much larger than Latin text of the same role."""
FRAME_MS = 40
"""Animation frame interval (25 frames a second) while something moves."""
TICKER_SPEED = 7.0
"""Ticker speed in units (1 % of the screen height) per second."""

_START = Qt.AlignmentFlag.AlignLeft
_END = Qt.AlignmentFlag.AlignRight
_CENTER = Qt.AlignmentFlag.AlignHCenter
_VCENTER = Qt.AlignmentFlag.AlignVCenter


class BoardView(QWidget):
    """The hall display (see the module docstring)."""

    shown_changed = Signal(object)

    def __init__(
        self,
        state: BoardState,
        fonts: FontChoice,
        *,
        lang: Language = "ar",
        ticker: Sequence[str] = (),
        animate: bool = True,
        monotonic: Callable[[], float] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.fonts = fonts
        self.lang: Language = lang
        self.ticker: tuple[str, ...] = tuple(ticker)
        self.animate = animate
        self.monotonic = monotonic or state.monotonic
        self.shown: BoardModel | None = None
        self._model: BoardModel | None = None
        self._highlights: tuple[Highlight, ...] = ()
        self._minute = -1
        self._ticker_started = self.monotonic()
        self._ticker_width = 0.0
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setLayoutDirection(direction(lang))
        self.setMinimumSize(320, 180)
        self.setWindowTitle("Dawr — display board")
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._frame)
        if animate:
            self._timer.start()

    # ----------------------------------------------------------------------------------- control
    def set_lang(self, lang: Language) -> None:
        """Switch the layout language (Arabic right-to-left, English left-to-right)."""
        if lang != self.lang:
            self.lang = lang
            self.setLayoutDirection(direction(lang))
            self._ticker_started = self.monotonic()
            self.refresh()

    def set_ticker(self, messages: Sequence[str]) -> None:
        """Replace the ticker's messages."""
        if tuple(messages) != self.ticker:
            self.ticker = tuple(messages)
            self.refresh()

    def refresh(self) -> None:
        """The state changed: rebuild the model and repaint."""
        self._model = None
        self.update()

    def model(self) -> BoardModel:
        """The model for the current state (rebuilt when the state changed)."""
        if self._model is None:
            self._model = board_model(self.state, self.lang, now=self.monotonic(), ticker=self.ticker)
            self._highlights = tuple(r.highlight for r in self._model.now_calling)
        return self._model

    def _frame(self) -> None:
        """One animation step: blink rows, scroll the ticker, follow the clock."""
        now = self.monotonic()
        minute = int(self.state.server_now().timestamp() // 60)
        if minute != self._minute:
            self._minute = minute
            self.refresh()
            return
        highlights = tuple(self.state.highlight(c, now) for c in self.state.now_calling())
        if highlights != self._highlights:
            self._model = None
            self.update(self._calling_rect().toAlignedRect())
        if self._ticker_width > self.width() * 0.9:
            self.update(self._ticker_rect().toAlignedRect())

    # ----------------------------------------------------------------------------------- layout
    @property
    def scale(self) -> Scale:
        return Scale(self.width(), self.height())

    def _rect(self, x: float, y: float, w: float, h: float) -> QRectF:
        """A rectangle given in left-to-right units, mirrored for the Arabic layout."""
        u = self.scale.u
        rect = QRectF(x * u, y * u, w * u, h * u)
        if self.lang == "ar":
            rect.moveLeft(self.width() - rect.right())
        return rect

    def _units_wide(self) -> float:
        return self.width() / self.scale.u

    def _columns(self) -> tuple[float, float, float]:
        """(margin, left column width, right column width) in units."""
        margin, gap = 2.2, 2.5
        usable = self._units_wide() - 2 * margin - gap
        return margin, usable * 0.6, usable * 0.4

    def _ticker_rect(self) -> QRectF:
        u = self.scale.u
        return QRectF(0, 91.5 * u, self.width(), self.height() - 91.5 * u)

    def _calling_rect(self) -> QRectF:
        margin, left, _ = self._columns()
        return self._rect(margin, 12.5, left, 78.0)

    def _font(self, units: float, *, bold: bool = False, arabic: bool = True) -> QFont:
        """A font of ``units`` (Arabic a little larger: its letters look smaller than Latin ones at the
        same pixel size)."""
        size = self.scale.px(units) * (ARABIC_BOOST if arabic else 1.0)
        return self.fonts.font(max(6, round(size)), bold=bold, arabic_first=arabic)

    # ----------------------------------------------------------------------------------- painting
    def paintEvent(self, event: QPaintEvent) -> None:
        area = QRectF(event.rect())
        model = self.model()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        try:
            painter.fillRect(area, BACKGROUND)
            u = self.scale.u
            if area.intersects(QRectF(0, 0, self.width(), 12.5 * u)):
                self._paint_header(painter, model)
            if area.intersects(self._calling_rect()):
                self._paint_calling(painter, model)
            margin, left, right = self._columns()
            if area.intersects(self._rect(margin + left + 2.5, 12.5, right, 78.0)):
                self._paint_recent(painter, model)
                self._paint_waiting(painter, model)
            if area.intersects(self._ticker_rect()):
                self._paint_ticker(painter, model)
        finally:
            painter.end()
        if model is not self.shown:
            self.shown = model
            self.shown_changed.emit(model)

    def _text(
        self,
        painter: QPainter,
        rect: QRectF,
        text: str,
        units: float,
        *,
        bold: bool = False,
        color: QColor = TEXT,
        align: Qt.AlignmentFlag = _START,
        arabic: bool | None = None,
        min_scale: float = 0.55,
    ) -> None:
        """Draw ``text`` fitted into ``rect``; ``align`` _START/_END mean the layout's start/end side."""
        is_arabic = self.lang == "ar" if arabic is None else arabic
        horizontal = align
        if align in (_START, _END) and self.lang == "ar":
            horizontal = _END if align == _START else _START
        painter.setPen(color)
        draw_fitted(
            painter,
            rect,
            text,
            self._font(units, bold=bold, arabic=is_arabic),
            horizontal | _VCENTER,
            rtl=is_arabic,
            min_scale=min_scale,
        )

    def _common(
        self, texts: list[str], units: float, w: float, h: float, bold: bool, *, other_language: bool = False
    ) -> float:
        """The size in units at which all ``texts`` fit ``w``×``h`` units (one size for a whole column)."""
        arabic = (self.lang == "ar") != other_language
        font = self._font(units, bold=bold, arabic=arabic)
        u = self.scale.u
        return common_size(font, texts, w * u, h * u) / u

    def _pair(
        self,
        painter: QPainter,
        x: float,
        y: float,
        w: float,
        h: float,
        words: Bilingual,
        big: float,
        small: float,
        *,
        color: QColor = TEXT,
        bold: bool = True,
    ) -> None:
        """Primary wording then the other language, smaller, on one line from the start side."""
        primary_arabic = self.lang == "ar"
        font = self._font(big, bold=bold, arabic=primary_arabic)
        width = min(QFontMetricsF(font).horizontalAdvance(words.primary) / self.scale.u + 0.2, w)
        self._text(painter, self._rect(x, y, width, h), words.primary, big, bold=bold, color=color)
        rest = w - width - 2.0
        if rest > 4 and words.secondary:
            self._text(
                painter,
                self._rect(x + width + 2.0, y, rest, h),
                words.secondary,
                small,
                color=MUTED,
                arabic=not primary_arabic,
            )

    def _paint_header(self, painter: QPainter, model: BoardModel) -> None:
        u = self.scale.u
        painter.fillRect(QRectF(0, 0, self.width(), 11 * u), HEADER)
        wide = self._units_wide()
        margin, clock_w = 2.2, 34.0
        name_w = wide - 2 * margin - clock_w - (30.0 if model.connection else 2.0)
        self._text(painter, self._rect(margin, 0.9, name_w, 5.6), model.branch.primary, 4.2, bold=True)
        self._text(
            painter,
            self._rect(margin, 6.3, name_w, 3.8),
            model.branch.secondary,
            2.7,
            color=MUTED,
            arabic=self.lang != "ar",
        )
        clock_x = wide - margin - clock_w
        self._text(painter, self._rect(clock_x, 0.6, clock_w, 6.4), model.time, 5.4, bold=True, align=_END)
        self._text(
            painter, self._rect(clock_x, 6.6, clock_w, 3.6), model.date.primary, 2.6, color=MUTED, align=_END
        )
        if model.connection is not None:
            pill = self._rect(clock_x - 29.0, 2.2, 27.0, 6.6)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(OFFLINE)
            painter.drawRoundedRect(pill, 1.2 * u, 1.2 * u)
            dot_x = pill.left() + 2.2 * u if self.lang != "ar" else pill.right() - 2.2 * u
            painter.setBrush(AMBER)
            painter.drawEllipse(QPointF(dot_x, pill.center().y()), 0.9 * u, 0.9 * u)
            inner = QRectF(pill.left() + 4 * u, pill.top() + 0.4 * u, pill.width() - 5 * u, 3.3 * u)
            if self.lang == "ar":
                inner.moveLeft(pill.left() + 1 * u)
            self._text(painter, inner, model.connection.primary + " …", 2.4, bold=True)
            inner.translate(0, 3.0 * u)
            inner.setHeight(2.6 * u)
            self._text(painter, inner, model.connection.secondary, 1.9, color=MUTED, arabic=self.lang != "ar")

    def _paint_calling(self, painter: QPainter, model: BoardModel) -> None:
        u = self.scale.u
        margin, left, _ = self._columns()
        self._pair(painter, margin, 12.6, left, 5.4, model.headings["now_calling"], 3.8, 2.6)
        ticket_w, arrow_w = left * 0.46, left * 0.16
        counter_x = margin + ticket_w + arrow_w
        counter_w = left - ticket_w - arrow_w
        self._pair(
            painter,
            margin + 2.5,
            18.2,
            ticket_w - 2.5,
            3.2,
            model.headings["ticket"],
            2.2,
            1.8,
            color=MUTED,
            bold=False,
        )
        self._pair(
            painter,
            counter_x,
            18.2,
            counter_w,
            3.2,
            model.headings["counter"],
            2.2,
            1.8,
            color=MUTED,
            bold=False,
        )
        top, bottom, gap, rows = 22.0, 90.5, 1.4, 4
        row_h = (bottom - top - gap * (rows - 1)) / rows
        if not model.now_calling and model.empty is not None:
            box = self._rect(margin, top, left, row_h * 2 + gap)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(PANEL)
            painter.drawRoundedRect(box, 1.4 * u, 1.4 * u)
            self._text(
                painter,
                self._rect(margin + 3, top + row_h * 0.45, left - 6, 6.5),
                model.empty.primary,
                4.6,
                bold=True,
                align=_CENTER,
            )
            self._text(
                painter,
                self._rect(margin + 3, top + row_h * 0.45 + 7, left - 6, 4.5),
                model.empty.secondary,
                3.0,
                color=MUTED,
                align=_CENTER,
                arabic=self.lang != "ar",
            )
        arrow = "←" if self.lang == "ar" else "→"
        for i, row in enumerate(model.now_calling):
            y = top + i * (row_h + gap)
            box = self._rect(margin, y, left, row_h)
            lit = row.highlight in (Highlight.FLASH_ON, Highlight.STEADY)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(AMBER if lit else ROW)
            painter.drawRoundedRect(box, 1.4 * u, 1.4 * u)
            if row.highlight is Highlight.FLASH_OFF:
                painter.setPen(QPen(AMBER, 0.6 * u))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRoundedRect(box.adjusted(0.3 * u, 0.3 * u, -0.3 * u, -0.3 * u), 1.2 * u, 1.2 * u)
            ink = ON_AMBER if lit else TEXT
            size = row_h * 0.72
            self._text(
                painter,
                self._rect(margin + 2.5, y, ticket_w - 2.5, row_h),
                row.ticket,
                size,
                bold=True,
                color=ink,
                arabic=False,
                min_scale=0.4,
            )
            self._text(
                painter,
                self._rect(margin + ticket_w, y, arrow_w, row_h),
                arrow,
                size * 0.6,
                bold=True,
                color=ink,
                align=_CENTER,
                arabic=False,
            )
            self._text(
                painter,
                self._rect(counter_x, y, counter_w - 2.5, row_h),
                row.counter,
                size,
                bold=True,
                color=ink,
                align=_CENTER,
                arabic=False,
                min_scale=0.4,
            )
            if row.recall is not None:
                tag = f"{row.recall.primary} · {row.recall.secondary}"
                self._text(
                    painter,
                    self._rect(margin + 2.5, y + row_h - 3.6, ticket_w + arrow_w, 3.2),
                    tag,
                    2.1,
                    bold=True,
                    color=ink,
                )

    def _paint_recent(self, painter: QPainter, model: BoardModel) -> None:
        u = self.scale.u
        margin, left, right = self._columns()
        x = margin + left + 2.5
        self._pair(painter, x, 12.6, right, 5.4, model.headings["recent"], 3.2, 2.2)
        cols, rows, gap = 2, 4, 1.0
        cell_w = (right - gap * (cols - 1)) / cols
        cell_h = 5.0
        arrow = "←" if self.lang == "ar" else "→"
        for i, item in enumerate(model.recent[: cols * rows]):
            cx = x + (i % cols) * (cell_w + gap)
            cy = 18.4 + (i // cols) * (cell_h + gap)
            box = self._rect(cx, cy, cell_w, cell_h)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(PANEL)
            painter.drawRoundedRect(box, 0.9 * u, 0.9 * u)
            self._text(
                painter,
                self._rect(cx + 1.5, cy, cell_w * 0.5, cell_h),
                item.ticket,
                3.6,
                bold=True,
                arabic=False,
            )
            self._text(
                painter,
                self._rect(cx + cell_w * 0.5, cy, cell_w * 0.18, cell_h),
                arrow,
                2.6,
                color=MUTED,
                align=_CENTER,
                arabic=False,
            )
            self._text(
                painter,
                self._rect(cx + cell_w * 0.68, cy, cell_w * 0.32 - 1.5, cell_h),
                item.counter,
                3.6,
                bold=True,
                align=_CENTER,
                arabic=False,
            )

    def _paint_waiting(self, painter: QPainter, model: BoardModel) -> None:
        u = self.scale.u
        margin, left, right = self._columns()
        x = margin + left + 2.5
        top = 42.2
        self._pair(painter, x, top, right, 5.4, model.headings["waiting"], 3.2, 2.2)
        name_w, count_w = right * 0.62, right * 0.12
        est_x = x + name_w + count_w
        est_w = right - name_w - count_w
        people, estimate = model.headings["people"], model.headings["estimate"]
        self._text(
            painter,
            self._rect(x + name_w, top + 5.4, count_w, 2.6),
            people.primary,
            1.8,
            color=MUTED,
            align=_CENTER,
        )
        self._text(
            painter, self._rect(est_x + 1, top + 5.4, est_w - 2, 2.6), estimate.primary, 1.8, color=MUTED
        )
        rows = model.waiting
        first, bottom = top + 8.4, 90.5
        if not rows:
            return
        row_h = min(7.5, (bottom - first) / len(rows))
        ink = MUTED if model.stale else TEXT
        line = (row_h - 0.5) / 2
        name_units = self._common([r.name.primary for r in rows], line * 0.9, name_w - 1.6, line * 1.1, True)
        name2_units = self._common(
            [r.name.secondary for r in rows],
            line * 0.66,
            name_w - 1.6,
            line * 0.85,
            False,
            other_language=True,
        )
        est_units = self._common([r.estimate.primary for r in rows], line * 0.9, est_w - 2, line * 1.1, True)
        est2_units = self._common(
            [r.estimate.secondary for r in rows],
            line * 0.66,
            est_w - 2,
            line * 0.85,
            False,
            other_language=True,
        )
        for i, row in enumerate(rows):
            y = first + i * row_h
            box = self._rect(x, y, right, row_h - 0.5)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(PANEL if i % 2 == 0 else BACKGROUND)
            painter.drawRoundedRect(box, 0.8 * u, 0.8 * u)
            self._text(
                painter,
                self._rect(x + 1.2, y + 0.15, name_w - 1.6, line * 1.1),
                row.name.primary,
                name_units,
                bold=True,
                color=ink,
                min_scale=0.8,
            )
            self._text(
                painter,
                self._rect(x + 1.2, y + line * 1.05, name_w - 1.6, line * 0.85),
                row.name.secondary,
                name2_units,
                color=MUTED,
                arabic=self.lang != "ar",
                min_scale=0.8,
            )
            self._text(
                painter,
                self._rect(x + name_w, y, count_w, row_h - 0.5),
                row.count,
                row_h * 0.6,
                bold=True,
                color=AMBER if not model.stale else MUTED,
                align=_CENTER,
                arabic=False,
            )
            self._text(
                painter,
                self._rect(est_x + 1, y + 0.15, est_w - 2, line * 1.1),
                row.estimate.primary,
                est_units,
                bold=True,
                color=ink,
                min_scale=0.8,
            )
            self._text(
                painter,
                self._rect(est_x + 1, y + line * 1.05, est_w - 2, line * 0.85),
                row.estimate.secondary,
                est2_units,
                color=MUTED,
                arabic=self.lang != "ar",
                min_scale=0.8,
            )

    def _paint_ticker(self, painter: QPainter, model: BoardModel) -> None:
        u = self.scale.u
        band = self._ticker_rect()
        painter.fillRect(band, TICKER)
        if not model.ticker:
            return
        painter.save()
        painter.setClipRect(band)
        separator = 5.0 * u
        fonts = []
        total = 0.0
        for text in model.ticker:
            arabic = _has_arabic(text)
            font = self._font(3.4, arabic=arabic)
            width = QFontMetricsF(font).horizontalAdvance(text)
            fonts.append((text, font, width, arabic))
            total += width + separator
        self._ticker_width = total
        moving = self.animate and total > self.width() * 0.9
        offset = ((self.monotonic() - self._ticker_started) * TICKER_SPEED * u) % total if moving else 0.0
        painter.setPen(TEXT)
        rtl = self.lang == "ar"
        start = 2.2 * u - offset
        for repeat in range(2 if moving else 1):
            pos = start + repeat * total
            for text, font, width, arabic in fonts:
                left = pos if not rtl else self.width() - pos - width
                if left < self.width() and left + width > 0:
                    painter.setFont(font)
                    painter.setLayoutDirection(
                        Qt.LayoutDirection.RightToLeft if arabic else Qt.LayoutDirection.LeftToRight
                    )
                    painter.drawText(
                        QRectF(left, band.top(), width + 2, band.height()),
                        int(Qt.AlignmentFlag.AlignLeft | _VCENTER),
                        text,
                    )
                dot = pos + width + separator / 2
                dot_x = dot if not rtl else self.width() - dot
                painter.setBrush(AMBER)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.drawEllipse(QPointF(dot_x, band.center().y()), 0.6 * u, 0.6 * u)
                painter.setPen(TEXT)
                pos += width + separator
        painter.restore()


def _has_arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)
