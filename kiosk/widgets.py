"""The kiosk's widgets: they show ``KioskState`` and forward taps, nothing else.

``KioskWindow(controller)`` rebuilds the current screen whenever the controller's ``changed`` signal
fires (a screen is a few dozen widgets, so rebuilding is instant and no widget keeps state of its own).
The layout direction is set on the window, so Arabic mirrors every screen; keypads stay left-to-right
like a telephone's. Buttons carry object names tests and the screenshot script can find
with ``window.named(name)`` (``service:mazaya``, ``appointment``, ``language``, ``key:7``, ``done``…).

Sizes follow the shorter side of the window (1080 px on a 1920×1080 or 1080×1920 screen): every touch
target is at least 100 px high there, body text 34 px, titles 58 px, the ticket number 200 px.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QFont,
    QFontMetricsF,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedLayout,
    QVBoxLayout,
    QWidget,
)

from qtkit.i18n import Language, direction, localize_digits, pick
from qtkit.qr import QrCodeWidget
from qtkit.textfit import fit_font

from . import texts as words
from .state import REFERENCE_KEYS, KioskState, Screen, Service

if TYPE_CHECKING:
    from .controller import KioskController

INK = "#0d1b2a"
PAPER = "#f5f7fa"
BLUE = "#0b4f8a"
GREEN = "#0a6b3d"
AMBER = "#8a5a00"
RED = "#a4161a"
GREY = "#4a5561"


class Ctx:
    """What a screen builder needs: state, wording, scale and the tap callback."""

    def __init__(self, window: KioskWindow, state: KioskState, now: datetime) -> None:
        self.window = window
        self.state = state
        self.lang: Language = state.lang
        self.texts = words.texts_for(state.branch.digits)
        self.now = state.branch_time(now)
        short = min(window.width(), window.height()) or 1080
        self.scale = max(0.45, short / 1080)
        self.portrait = window.height() > window.width()

    def t(self, key: str, **values: object) -> str:
        """The kiosk catalogue's message ``key`` in the screen's language."""
        return self.texts.get(key, self.lang, **values)

    def common(self, key: str, **values: object) -> str:
        """The shared (``common``) catalogue's message ``key`` in the screen's language."""
        return self.texts.common(key, self.lang, **values)

    def px(self, size: float) -> int:
        return max(8, round(size * self.scale))

    def digits(self, text: str) -> str:
        return localize_digits(text, self.state.branch.digits) if self.lang == "ar" else text

    def act(self, name: str, *args: Any) -> Callable[[], None]:
        return lambda: self.window.controller.perform(name, *args)


# ------------------------------------------------------------------------------------------ small parts
def label(
    ctx: Ctx,
    text: str,
    size: float,
    *,
    bold: bool = False,
    color: str = INK,
    center: bool = False,
    name: str = "",
) -> QLabel:
    """A word-wrapped label in the screen's direction."""
    widget = QLabel(text)
    widget.setWordWrap(True)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    font = widget.font()
    font.setPixelSize(ctx.px(size))
    font.setBold(bold)
    widget.setFont(font)
    widget.setStyleSheet(f"color: {color}; background: transparent;")
    if center:
        widget.setAlignment(Qt.AlignmentFlag.AlignCenter)
    if name:
        widget.setObjectName(name)
    widget.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return widget


def fit_one_line(widget: QLabel, width: float, min_scale: float = 0.72) -> None:
    """Shrink ``widget``'s font (down to ``min_scale``) so its text fits ``width`` on one line; if it still
    does not fit, it wraps (never cut off)."""
    fitted = fit_font(widget.font(), widget.text(), width, widget.font().pixelSize() * 1.6, min_scale)
    widget.setFont(fitted)
    if QFontMetricsF(fitted).horizontalAdvance(widget.text()) <= width:
        widget.setWordWrap(False)  # one line: no inflated height-for-width guesses in the layout


class BigButton(QPushButton):
    """A touch button with a title and optional second line, both wrapping (QPushButton alone cannot)."""

    def __init__(
        self,
        ctx: Ctx,
        title: str,
        subtitle: str = "",
        *,
        color: str = BLUE,
        name: str = "",
        height: float = 120,
        title_size: float = 42,
        outline: bool = False,
        on_tap: Callable[[], None] | None = None,
        fit_width: float = 0,
    ) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setAccessibleName(title)
        self.setMinimumHeight(max(ctx.px(height), 96 if ctx.scale >= 0.9 else ctx.px(height)))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        fg = color if outline else "white"
        bg = "white" if outline else color
        border = f"{ctx.px(4)}px solid {color}"
        self.setStyleSheet(
            f"QPushButton {{ background: {bg}; color: {fg}; border: {border}; border-radius: {ctx.px(18)}px; }}"
            f"QPushButton:pressed {{ background: {INK}; color: white; }}"
            f"QPushButton:disabled {{ background: #c9d1d9; color: {GREY}; border-color: #c9d1d9; }}"
        )
        box = QVBoxLayout(self)
        box.setContentsMargins(ctx.px(28), ctx.px(10), ctx.px(28), ctx.px(10))
        box.setSpacing(ctx.px(4))
        self.title_label = label(ctx, title, title_size, bold=True, color=fg)
        if fit_width > 0:
            fit_one_line(self.title_label, fit_width - ctx.px(60))
        self.title_label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        box.addWidget(self.title_label)
        self.subtitle_label: QLabel | None = None
        if not subtitle:
            self.title_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        if subtitle:
            self.subtitle_label = label(ctx, subtitle, max(title_size * 0.68, 27), color=fg)
            if fit_width > 0:
                fit_one_line(self.subtitle_label, fit_width - ctx.px(60))
            self.subtitle_label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            box.addWidget(self.subtitle_label)
        if on_tap is not None:
            self.clicked.connect(on_tap)

    def sizeHint(self) -> QSize:
        layout = self.layout()
        hint = layout.sizeHint() if layout is not None else super().sizeHint()
        return QSize(hint.width(), max(hint.height(), self.minimumHeight()))


class Badge(QWidget):
    """A round symbol at the top of a result screen: ``ok`` (tick), ``wait`` (clock), ``stop`` (!)."""

    def __init__(self, ctx: Ctx, kind: str, color: str) -> None:
        super().__init__()
        self.kind, self.color = kind, QColor(color)
        side = ctx.px(150)
        self.setFixedSize(side, side)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        side = min(self.width(), self.height())
        painter.setBrush(self.color)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(QRectF(2, 2, side - 4, side - 4))
        pen = QPen(
            QColor("white"),
            side * 0.09,
            Qt.PenStyle.SolidLine,
            Qt.PenCapStyle.RoundCap,
            Qt.PenJoinStyle.RoundJoin,
        )
        painter.setPen(pen)
        c = side / 2
        if self.kind == "ok":
            painter.drawPolyline(
                [
                    QRectF(0, 0, 0, 0).topLeft() + self._p(c - side * 0.22, c),
                    self._p(c - side * 0.05, c + side * 0.18),
                    self._p(c + side * 0.24, c - side * 0.17),
                ]
            )
        elif self.kind == "wait":
            painter.drawEllipse(QRectF(c - side * 0.27, c - side * 0.27, side * 0.54, side * 0.54))
            painter.drawLine(self._p(c, c), self._p(c, c - side * 0.17))
            painter.drawLine(self._p(c, c), self._p(c + side * 0.12, c + side * 0.06))
        else:
            painter.drawLine(self._p(c, c - side * 0.24), self._p(c, c + side * 0.06))
            painter.drawPoint(self._p(c, c + side * 0.22))
        painter.end()

    @staticmethod
    def _p(x: float, y: float) -> Any:
        from PySide6.QtCore import QPointF

        return QPointF(x, y)


class ClockLabel(QLabel):
    """The header clock. It is also the hidden admin corner: tapping it quickly N times asks for the PIN."""

    def __init__(self, ctx: Ctx) -> None:
        super().__init__(words.clock(ctx.now, ctx.lang, ctx.state.branch.digits))
        self.ctx = ctx
        self.setObjectName("clock")
        font = self.font()
        font.setPixelSize(ctx.px(44))
        font.setBold(True)
        self.setFont(font)
        self.setStyleSheet("color: white; background: transparent;")
        self.setMinimumSize(ctx.px(200), ctx.px(90))
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.ctx.window.controller.perform("admin_tap")
        event.accept()


def header(ctx: Ctx, with_language: bool = True) -> QWidget:
    """The blue band: branch name (start), clock (middle), language switch (end)."""
    band = QWidget()
    band.setObjectName("header")
    band.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    band.setStyleSheet(f"#header {{ background: {BLUE}; }}")
    row = QHBoxLayout(band)
    row.setContentsMargins(ctx.px(32), ctx.px(12), ctx.px(32), ctx.px(12))
    name = pick(ctx.lang, ctx.state.branch.name_ar, ctx.state.branch.name_en)
    title = label(ctx, name or ctx.t("home.welcome"), 36, bold=True, color="white", name="branch")
    fit_one_line(title, ctx.window.width() * 5 / 7 - ctx.px(330), 0.7)
    row.addWidget(title, 5)
    row.addWidget(ClockLabel(ctx), 2)
    if with_language:
        switch = QPushButton(words.language_switch(ctx.lang))
        switch.setObjectName("language")
        switch.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        switch.setMinimumSize(ctx.px(240), max(96, ctx.px(100)) if ctx.scale >= 0.9 else ctx.px(100))
        font = switch.font()
        font.setPixelSize(ctx.px(38))
        font.setBold(True)
        switch.setFont(font)
        switch.setStyleSheet(
            f"QPushButton {{ background: white; color: {BLUE}; border-radius: {ctx.px(14)}px; }}"
            f"QPushButton:pressed {{ background: {INK}; color: white; }}"
        )
        switch.clicked.connect(ctx.act("tap_language"))
        row.addWidget(switch, 0)
    else:
        row.addSpacing(ctx.px(240))
    return band


def page(ctx: Ctx, *, with_language: bool = True) -> tuple[QWidget, QVBoxLayout]:
    """A screen with the header; returns the page and the layout for its body."""
    widget = QWidget()
    outer = QVBoxLayout(widget)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.setSpacing(0)
    outer.addWidget(header(ctx, with_language))
    body = QVBoxLayout()
    margin = ctx.px(48)
    body.setContentsMargins(margin, ctx.px(32), margin, ctx.px(32))
    body.setSpacing(ctx.px(24))
    outer.addLayout(body, 1)
    return widget, body


def nav_row(ctx: Ctx, *buttons: QWidget) -> QHBoxLayout:
    """The bottom row of buttons (first one at the start side)."""
    row = QHBoxLayout()
    row.setSpacing(ctx.px(28))
    for button in buttons:
        row.addWidget(button)
    return row


def done_button(ctx: Ctx, key: str = "nav.done", name: str = "done") -> BigButton:
    return BigButton(
        ctx,
        ctx.t(key),
        color=GREY,
        name=name,
        height=110,
        title_size=40,
        outline=True,
        on_tap=ctx.act("tap_done"),
    )


# ------------------------------------------------------------------------------------------- screens
def service_line(ctx: Ctx, service: Service) -> str:
    waiting = ctx.t("service.waiting", people=words.people(service.waiting, ctx.lang))
    wait = ctx.t("service.wait", minutes=words.minutes(service.wait_minutes, ctx.lang, ctx.texts))
    return f"{waiting}   •   {wait}"


def home_screen(ctx: Ctx) -> QWidget:
    widget, body = page(ctx)
    body.setSpacing(ctx.px(18))
    body.setContentsMargins(ctx.px(40), ctx.px(22), ctx.px(40), ctx.px(22))
    state = ctx.state
    if state.printer_trouble:
        banner = label(
            ctx,
            ctx.t("home.printer_banner"),
            28,
            bold=True,
            color="white",
            center=True,
            name="printer_banner",
        )
        banner.setStyleSheet(
            f"color: white; background: {AMBER}; padding: {ctx.px(8)}px; border-radius: {ctx.px(12)}px;"
        )
        body.addWidget(banner)
    body.addWidget(
        BigButton(
            ctx,
            ctx.t("home.appointment"),
            ctx.t("home.appointment_hint"),
            color=GREEN,
            name="appointment",
            height=130 if not ctx.portrait else 160,
            title_size=48,
            on_tap=ctx.act("tap_appointment"),
        ),
        0,
    )
    services = state.walk_in_services()[:8]
    body.addWidget(label(ctx, ctx.t("home.prompt"), 38, bold=True, name="home_prompt"))
    grid = QGridLayout()
    grid.setSpacing(ctx.px(18))
    columns = 1 if ctx.portrait or len(services) <= 4 else 2
    rows = max(1, -(-len(services) // columns))
    cell = (ctx.window.width() - ctx.px(80) - (columns - 1) * ctx.px(18)) / columns
    room = (
        1080
        - 100
        - 44
        - 130
        - 56
        - (96 if state.priority_services() else 0)
        - (80 if state.printer_trouble else 0)
    )
    row_height = max(96, min(128, room / rows - 18)) if not ctx.portrait else 128
    for i, service in enumerate(services):
        button = BigButton(
            ctx,
            pick(ctx.lang, service.name_ar, service.name_en),
            service_line(ctx, service),
            name=f"service:{service.id}",
            height=row_height,
            title_size=38 if columns == 2 else 44,
            on_tap=ctx.act("tap_service", service.id),
            fit_width=cell,
        )
        grid.addWidget(button, i // columns, i % columns)
    if not services:
        grid.addWidget(label(ctx, ctx.t("home.no_services"), 36, center=True, name="no_services"), 0, 0)
    body.addLayout(grid, 1)
    if state.priority_services():
        body.addWidget(
            BigButton(
                ctx,
                ctx.t("home.priority"),
                color=BLUE,
                outline=True,
                name="priority",
                height=96,
                title_size=36,
                on_tap=ctx.act("tap_priority"),
            )
        )
    return widget


def priority_screen(ctx: Ctx) -> QWidget:
    widget, body = page(ctx)
    body.addWidget(label(ctx, ctx.t("priority.title"), 50, bold=True))
    body.addWidget(label(ctx, ctx.t("priority.prompt"), 36))
    grid = QGridLayout()
    grid.setSpacing(ctx.px(18))
    services = ctx.state.priority_services()[:8]
    columns = 1 if ctx.portrait or len(services) <= 4 else 2
    cell = (ctx.window.width() - ctx.px(96) - (columns - 1) * ctx.px(18)) / columns
    for i, service in enumerate(services):
        grid.addWidget(
            BigButton(
                ctx,
                pick(ctx.lang, service.name_ar, service.name_en),
                name=f"priority:{service.id}",
                height=104 if not ctx.portrait else 130,
                title_size=40,
                fit_width=cell,
                on_tap=ctx.act("tap_service", service.id, True),
            ),
            i // columns,
            i % columns,
        )
    body.addLayout(grid, 1)
    body.addLayout(nav_row(ctx, done_button(ctx, "nav.back", "back")))
    return widget


def checkin_screen(ctx: Ctx) -> QWidget:
    widget, body = page(ctx)
    body.addWidget(label(ctx, ctx.t("checkin.title"), 58, bold=True))
    body.addStretch(1)
    scan = QWidget()
    scan.setObjectName("scanbox")
    scan.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    scan.setStyleSheet(
        f"#scanbox {{ background: white; border: {ctx.px(5)}px dashed {GREEN}; "
        f"border-radius: {ctx.px(24)}px; }}"
    )
    box = QHBoxLayout(scan)
    box.setContentsMargins(ctx.px(36), ctx.px(36), ctx.px(36), ctx.px(36))
    box.setSpacing(ctx.px(36))
    sample = QrCodeWidget("DAWR1")
    sample.setFixedSize(ctx.px(180), ctx.px(180))
    box.addWidget(sample, 0, Qt.AlignmentFlag.AlignVCenter)
    box.addWidget(label(ctx, ctx.t("checkin.scan"), 48, bold=True, color=GREEN, name="scan_prompt"), 1)
    body.addWidget(scan)
    body.addWidget(label(ctx, ctx.t("checkin.or"), 40, bold=True, center=True))
    choices = QHBoxLayout() if not ctx.portrait else QVBoxLayout()
    choices.setSpacing(ctx.px(24))
    choices.addWidget(
        BigButton(
            ctx,
            ctx.t("checkin.type_id"),
            name="type_id",
            height=130,
            title_size=42,
            on_tap=ctx.act("tap_keypad", "national_id"),
        )
    )
    choices.addWidget(
        BigButton(
            ctx,
            ctx.t("checkin.type_reference"),
            name="type_reference",
            height=130,
            title_size=42,
            on_tap=ctx.act("tap_keypad", "reference"),
        )
    )
    body.addLayout(choices)
    body.addStretch(1)
    body.addLayout(nav_row(ctx, done_button(ctx, "nav.back", "back")))
    return widget


def keypad(
    ctx: Ctx, keys: str, columns: int, key_height: float, extra: list[tuple[str, str, str]]
) -> QWidget:
    """A left-to-right grid of keys (``key:X``) plus extra keys (name, text, action)."""
    pad = QWidget()
    pad.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
    grid = QGridLayout(pad)
    grid.setSpacing(ctx.px(12))
    grid.setContentsMargins(0, 0, 0, 0)
    entries: list[tuple[str, str, Callable[[], None], str]] = [
        (f"key:{k}", k, ctx.act("key", k), BLUE) for k in keys
    ]
    entries += [(name, text, ctx.act(action), GREY) for name, text, action in extra]
    for i, (name, text, action, color) in enumerate(entries):
        button = QPushButton(text)
        button.setObjectName(name)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setMinimumHeight(max(ctx.px(key_height), 96) if ctx.scale >= 0.9 else ctx.px(key_height))
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        font = button.font()
        font.setPixelSize(ctx.px(46 if len(text) == 1 else 32))
        font.setBold(True)
        button.setFont(font)
        button.setStyleSheet(
            f"QPushButton {{ background: {'white' if color == GREY else color}; color: {INK if color == GREY else 'white'};"
            f" border: {ctx.px(3)}px solid {color}; border-radius: {ctx.px(14)}px; }}"
            f"QPushButton:pressed {{ background: {INK}; color: white; }}"
        )
        button.clicked.connect(action)
        grid.addWidget(button, i // columns, i % columns)
    return pad


def entry_display(ctx: Ctx, text: str, name: str) -> QLabel:
    """The typed text, in a box, always left-to-right (numbers and references are Latin)."""
    shown = QLabel(text or " ")
    shown.setObjectName(name)
    shown.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
    shown.setAlignment(Qt.AlignmentFlag.AlignCenter)
    font = shown.font()
    font.setPixelSize(ctx.px(60))
    font.setBold(True)
    font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, ctx.px(6))
    shown.setFont(font)
    shown.setFixedHeight(ctx.px(104))
    shown.setStyleSheet(
        f"color: {INK}; background: white; border: {ctx.px(4)}px solid {BLUE}; border-radius: {ctx.px(16)}px;"
    )
    return shown


def keypad_screen(ctx: Ctx) -> QWidget:
    widget, body = page(ctx)
    mode = ctx.state.keypad_mode
    body.setSpacing(ctx.px(18))
    body.addWidget(
        label(
            ctx,
            ctx.t("keypad.id_title" if mode == "national_id" else "keypad.reference_title"),
            44,
            bold=True,
        )
    )
    body.addWidget(entry_display(ctx, ctx.state.keypad_text, "entry"))
    extra = [("delete", ctx.t("keypad.delete"), "backspace"), ("clear", ctx.t("keypad.clear"), "clear")]
    if mode == "national_id":
        key_h = 100 if not ctx.portrait else 150
        pad = keypad(ctx, "123456789", 3, key_h, [])
        grid = pad.layout()
        assert isinstance(grid, QGridLayout)
        tail = keypad(ctx, "0", 1, key_h, [])
        # 0 in the middle of the last row, delete and clear either side, like a telephone
        row = QHBoxLayout()
        row.setSpacing(ctx.px(12))
        del_pad = keypad(ctx, "", 1, key_h, [extra[1]])
        clr_pad = keypad(ctx, "", 1, key_h, [extra[0]])
        bottom = QWidget()
        bottom.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        bottom_row = QHBoxLayout(bottom)
        bottom_row.setContentsMargins(0, 0, 0, 0)
        bottom_row.setSpacing(ctx.px(12))
        bottom_row.addWidget(del_pad)
        bottom_row.addWidget(tail)
        bottom_row.addWidget(clr_pad)
        holder = QWidget()
        column = QVBoxLayout(holder)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(ctx.px(12))
        column.addWidget(pad, 3)
        column.addWidget(bottom, 1)
        holder.setMaximumWidth(ctx.px(900))
        wrap = QHBoxLayout()
        wrap.addStretch(1)
        wrap.addWidget(holder, 4)
        wrap.addStretch(1)
        body.addLayout(wrap, 1)
        del row
    else:
        columns = 10 if not ctx.portrait else 7
        body.addWidget(keypad(ctx, REFERENCE_KEYS, columns, 96 if not ctx.portrait else 120, extra), 1)
    confirm = BigButton(
        ctx,
        ctx.t("keypad.confirm"),
        color=GREEN,
        name="confirm",
        height=110,
        title_size=44,
        on_tap=ctx.act("submit_keypad"),
    )
    confirm.setEnabled(bool(ctx.state.keypad_text.strip("-")))
    body.addLayout(nav_row(ctx, done_button(ctx, "nav.back", "back"), confirm))
    return widget


def working_screen(ctx: Ctx) -> QWidget:
    widget, body = page(ctx, with_language=False)
    pending = ctx.state.pending
    body.addStretch(2)
    body.addWidget(label(ctx, ctx.t("working.wait"), 64, bold=True, center=True))
    key = "working.checkin" if pending is not None and pending.kind == "checkin" else "working.issue"
    body.addWidget(label(ctx, ctx.t(key), 44, center=True, name="working_text"))
    body.addStretch(3)
    return widget


def ticket_screen(ctx: Ctx) -> QWidget:
    widget, body = page(ctx)
    state = ctx.state
    ticket = state.ticket
    if ticket is None:  # the state shows this screen only with a ticket; keep the way home anyway
        body.addStretch(1)
        body.addLayout(nav_row(ctx, done_button(ctx)))
        return widget
    number = ticket.number
    qr_text = ticket.status_url
    if not qr_text and ticket.status_path:
        qr_text = ctx.window.controller.status_url(ticket)
    heading = (
        ctx.t("ticket.checked_in")
        if ticket.kind == "appointment" or state.ticket_via == "reprint"
        else ctx.t("ticket.title")
    )
    info = QVBoxLayout()
    info.setSpacing(ctx.px(10))
    body.setContentsMargins(ctx.px(48), ctx.px(20), ctx.px(48), ctx.px(20))
    body.setSpacing(ctx.px(16))
    info.addWidget(label(ctx, heading, 46, bold=True, color=GREEN, name="ticket_heading"))
    big = QLabel(ctx.digits(number))
    big.setObjectName("ticket_number")
    big.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
    font = big.font()
    font.setPixelSize(ctx.px(170 if not ctx.portrait else 240))
    font.setBold(True)
    big.setFont(font)
    big.setAlignment(Qt.AlignmentFlag.AlignCenter)
    big.setStyleSheet(
        f"color: {INK}; background: white; border: {ctx.px(6)}px solid {INK}; border-radius: {ctx.px(24)}px;"
    )
    info.addWidget(big)
    if ctx.lang == "ar" and state.branch.digits == "arabic-indic":
        info.addWidget(label(ctx, number, 40, center=True))
    service = pick(ctx.lang, ticket.service_ar, ticket.service_en)
    info.addWidget(label(ctx, service, 40, bold=True, name="ticket_service"))
    if ticket.priority:
        info.addWidget(label(ctx, ctx.t("ticket.priority"), 36, color=BLUE))
    if ticket.late_appointment:
        info.addWidget(label(ctx, ctx.t("ticket.late"), 30, bold=True, color=AMBER, name="ticket_late"))
    ahead = ticket.people_ahead
    text = ctx.t("ticket.next") if ahead == 0 else ctx.t("ticket.ahead", people=words.people(ahead, ctx.lang))
    info.addWidget(label(ctx, text, 36, name="ticket_ahead"))
    info.addWidget(
        label(
            ctx,
            ctx.t("ticket.wait", minutes=words.minutes(ticket.wait_minutes, ctx.lang, ctx.texts)),
            36,
            name="ticket_wait",
        )
    )
    status_key = {
        "printing": "ticket.printing",
        "printed": "ticket.printed",
        "failed": "ticket.print_failed",
    }.get(state.print_state, "ticket.printed")
    color = RED if state.print_state == "failed" else INK
    status = label(
        ctx,
        ctx.t(status_key),
        34,
        bold=True,
        color="white" if state.print_state == "failed" else color,
        name="print_status",
    )
    if state.print_state == "failed":
        status.setStyleSheet(
            f"color: white; background: {RED}; padding: {ctx.px(16)}px; border-radius: {ctx.px(14)}px;"
        )
    info.addWidget(status)
    side = QVBoxLayout()
    side.setSpacing(ctx.px(12))
    if qr_text:
        qr = QrCodeWidget(qr_text)
        qr.setObjectName("status_qr")
        qr.setFixedSize(ctx.px(380), ctx.px(380))
        side.addWidget(qr, 0, Qt.AlignmentFlag.AlignHCenter)
        hint = label(ctx, ctx.t("ticket.qr_hint"), 32, center=True)
        hint.setFixedWidth(ctx.px(520))
        hint.setMinimumHeight(ctx.px(32) * 3)  # two lines, never clipped by the stretch below
        side.addWidget(hint, 0, Qt.AlignmentFlag.AlignHCenter)
        side.addStretch(1)
    main = QVBoxLayout() if ctx.portrait else QHBoxLayout()
    main.setSpacing(ctx.px(48))
    main.addLayout(info, 3)
    main.addLayout(side, 2)
    body.addLayout(main, 1)
    body.addLayout(nav_row(ctx, done_button(ctx)))
    return widget


def result_page(ctx: Ctx, badge: str, color: str, title: str, name: str) -> tuple[QWidget, QVBoxLayout]:
    widget, body = page(ctx)
    top = QHBoxLayout()
    top.setSpacing(ctx.px(32))
    top.addWidget(Badge(ctx, badge, color), 0, Qt.AlignmentFlag.AlignTop)
    top.addWidget(label(ctx, title, 58, bold=True, color=color, name=name), 1)
    body.addLayout(top)
    return widget, body


def hotline(ctx: Ctx) -> str:
    return ctx.state.branch.hotline or "80008001"


def slot_text(ctx: Ctx, iso: str | None) -> str:
    if not iso:
        return ""
    moment = ctx.state.branch_time(datetime.fromisoformat(iso))
    return words.when(moment, ctx.now, ctx.lang, ctx.texts)


def too_early_screen(ctx: Ctx) -> QWidget:
    outcome = ctx.state.outcome
    widget, body = result_page(ctx, "wait", BLUE, ctx.t("too_early.title"), "title")
    body.addWidget(
        label(ctx, ctx.t("too_early.body", slot=slot_text(ctx, outcome.details.slot)), 42, name="slot")
    )
    body.addStretch(1)
    body.addWidget(label(ctx, ctx.t("too_early.come_back"), 44, center=True))
    come_back = outcome.details.come_back_at
    when = ""
    if come_back:
        moment = ctx.state.branch_time(datetime.fromisoformat(come_back))
        when = words.clock(moment, ctx.lang, ctx.state.branch.digits)
        if moment.date() != ctx.now.date():
            when = f"{words.date_words(moment, ctx.lang, ctx.state.branch.digits)}  {when}"
    big = label(ctx, when, 110, bold=True, color=BLUE, center=True, name="come_back_at")
    body.addWidget(big)
    body.addStretch(2)
    body.addLayout(nav_row(ctx, done_button(ctx)))
    return widget


def too_late_screen(ctx: Ctx) -> QWidget:
    appointment = ctx.state.outcome.details.slot
    widget, body = result_page(ctx, "stop", AMBER, ctx.t("too_late.title"), "title")
    slot = ""
    if appointment:
        slot = words.clock(
            ctx.state.branch_time(datetime.fromisoformat(appointment)), ctx.lang, ctx.state.branch.digits
        )
    body.addWidget(label(ctx, ctx.t("too_late.body", slot=slot, hotline=hotline(ctx)), 40, name="body"))
    body.addStretch(1)
    body.addLayout(
        nav_row(
            ctx,
            done_button(ctx),
            BigButton(
                ctx,
                ctx.t("nav.take_walk_in"),
                name="walk_in",
                height=110,
                title_size=40,
                on_tap=ctx.act("tap_done"),
            ),
        )
    )
    return widget


def expired_screen(ctx: Ctx) -> QWidget:
    widget, body = result_page(ctx, "stop", AMBER, ctx.t("expired.title"), "title")
    body.addWidget(label(ctx, ctx.t("expired.body", hotline=hotline(ctx)), 40, name="body"))
    body.addStretch(1)
    body.addLayout(
        nav_row(
            ctx,
            done_button(ctx),
            BigButton(
                ctx,
                ctx.t("nav.take_walk_in"),
                name="walk_in",
                height=110,
                title_size=40,
                on_tap=ctx.act("tap_done"),
            ),
        )
    )
    return widget


def wrong_branch_screen(ctx: Ctx) -> QWidget:
    branch_id = ctx.state.outcome.details.branch_id or ""
    names = ctx.state.settings.branch_names.get(branch_id)
    name = pick(ctx.lang, *names) if names else ctx.t("wrong_branch.unknown", branch=branch_id)
    widget, body = result_page(ctx, "stop", AMBER, ctx.t("wrong_branch.title"), "title")
    body.addWidget(label(ctx, ctx.t("wrong_branch.body"), 40))
    body.addWidget(label(ctx, name, 60, bold=True, color=BLUE, center=True, name="other_branch"))
    body.addWidget(label(ctx, ctx.t("wrong_branch.hint", hotline=hotline(ctx)), 38))
    body.addStretch(1)
    body.addLayout(nav_row(ctx, done_button(ctx)))
    return widget


def not_found_screen(ctx: Ctx) -> QWidget:
    via = ctx.state.outcome.via
    key = {"national_id": "not_found.body.national_id", "reference": "not_found.body.reference"}.get(
        via, "not_found.body.qr"
    )
    widget, body = result_page(ctx, "stop", AMBER, ctx.t("not_found.title"), "title")
    body.addWidget(label(ctx, ctx.t(key, hotline=hotline(ctx)), 40, name="body"))
    body.addStretch(1)
    retry_mode = "reference" if via == "reference" else "national_id"
    body.addLayout(
        nav_row(
            ctx,
            done_button(ctx),
            BigButton(
                ctx,
                ctx.t("nav.try_again") if via != "qr" else ctx.t("checkin.type_id"),
                name="try_again",
                height=110,
                title_size=40,
                on_tap=ctx.act("tap_keypad", retry_mode),
            ),
        )
    )
    return widget


def already_screen(ctx: Ctx) -> QWidget:
    outcome = ctx.state.outcome
    widget, body = result_page(ctx, "ok", GREEN, ctx.t("already.title"), "title")
    body.addWidget(label(ctx, ctx.t("already.body"), 42, center=True))
    number = QLabel(ctx.digits(outcome.details.number or ""))
    number.setObjectName("ticket_number")
    font = number.font()
    font.setPixelSize(ctx.px(200))
    font.setBold(True)
    number.setFont(font)
    number.setAlignment(Qt.AlignmentFlag.AlignCenter)
    body.addWidget(number)
    body.addStretch(1)
    buttons: list[QWidget] = [done_button(ctx)]
    if ctx.state.has_printer and outcome.details.number and ctx.state.already_ticket() is not None:
        buttons.append(
            BigButton(
                ctx,
                ctx.t("already.reprint"),
                color=GREEN,
                name="reprint",
                height=110,
                title_size=40,
                on_tap=ctx.act("tap_reprint"),
            )
        )
    body.addLayout(nav_row(ctx, *buttons))
    return widget


def unreadable_screen(ctx: Ctx) -> QWidget:
    widget, body = result_page(ctx, "stop", RED, ctx.t("unreadable.title"), "title")
    body.addWidget(label(ctx, ctx.t("unreadable.body"), 40, name="body"))
    body.addStretch(1)
    body.addLayout(
        nav_row(
            ctx,
            done_button(ctx),
            BigButton(
                ctx,
                ctx.t("checkin.type_id"),
                name="type_id",
                height=110,
                title_size=40,
                on_tap=ctx.act("tap_keypad", "national_id"),
            ),
        )
    )
    return widget


def refused_screen(ctx: Ctx) -> QWidget:
    outcome = ctx.state.outcome
    widget, body = result_page(ctx, "stop", RED, ctx.t("refused.title"), "title")
    message = outcome.message_ar if ctx.lang == "ar" and outcome.message_ar else outcome.message
    if message:
        body.addWidget(label(ctx, message, 42, name="body"))
    body.addWidget(label(ctx, ctx.t("refused.hint"), 40))
    body.addStretch(1)
    body.addLayout(nav_row(ctx, done_button(ctx)))
    return widget


def busy_screen(ctx: Ctx) -> QWidget:
    widget, body = result_page(ctx, "wait", AMBER, ctx.t("busy.title"), "title")
    body.addWidget(label(ctx, ctx.t("busy.body"), 42, name="body"))
    body.addStretch(1)
    body.addLayout(nav_row(ctx, done_button(ctx)))
    return widget


def next_opening(hours: dict[str, str], now: datetime) -> datetime | None:
    """The next opening time after ``now`` (local, tz-aware) by the weekly ``hours``, or None."""
    keys = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    for offset in range(8):
        day = (now + timedelta(days=offset)).date()
        span = hours.get(keys[day.weekday()])
        if not span:
            continue
        hour, minute = (int(x) for x in span.split("-")[0].split(":"))
        start = now.replace(
            year=day.year, month=day.month, day=day.day, hour=hour, minute=minute, second=0, microsecond=0
        )
        if start > now:
            return start
    return None


def closed_screen(ctx: Ctx) -> QWidget:
    widget, body = result_page(ctx, "wait", BLUE, ctx.common("branch.closed_now"), "title")
    hours = ctx.state.branch.hours
    opening = next_opening(hours, ctx.now) if hours else None
    if opening is not None:
        body.addWidget(
            label(
                ctx,
                ctx.t("closed.next", when=words.when(opening, ctx.now, ctx.lang, ctx.texts)),
                48,
                bold=True,
                color=BLUE,
                name="next_opening",
            )
        )
    if hours:
        body.addWidget(label(ctx, ctx.t("closed.hours"), 40, bold=True))
        for line in words.hours_lines(hours, ctx.lang, ctx.texts):
            body.addWidget(label(ctx, line, 40, name="hours"))
    body.addStretch(1)
    body.addWidget(
        label(ctx, ctx.t("hotline.line", hotline=hotline(ctx)), 46, bold=True, center=True, name="hotline")
    )
    body.addStretch(1)
    body.addWidget(
        BigButton(
            ctx,
            ctx.t("home.appointment"),
            ctx.t("home.appointment_hint"),
            color=GREEN,
            name="appointment",
            height=120,
            title_size=40,
            on_tap=ctx.act("tap_appointment"),
        )
    )
    return widget


def out_of_service_screen(ctx: Ctx) -> QWidget:
    widget, body = result_page(ctx, "stop", RED, ctx.t("out_of_service.title"), "title")
    body.addWidget(label(ctx, ctx.t("out_of_service.body"), 44, name="body"))
    if ctx.state.pending is not None:
        body.addWidget(label(ctx, ctx.t("out_of_service.pending"), 40, bold=True, color=BLUE, name="pending"))
    body.addStretch(1)
    body.addWidget(
        label(ctx, ctx.t("hotline.line", hotline=hotline(ctx)), 46, bold=True, center=True, name="hotline")
    )
    body.addStretch(1)
    return widget


def starting_screen(ctx: Ctx) -> QWidget:
    widget, body = page(ctx)
    body.addStretch(1)
    body.addWidget(label(ctx, ctx.t("starting.title"), 60, bold=True, center=True))
    body.addStretch(1)
    return widget


def pin_screen(ctx: Ctx) -> QWidget:
    widget, body = page(ctx, with_language=False)
    body.addWidget(label(ctx, ctx.t("admin.pin_title"), 54, bold=True))
    body.addWidget(entry_display(ctx, "●" * len(ctx.state.pin_text), "pin"))
    if ctx.state.pin_wrong:
        body.addWidget(label(ctx, ctx.t("admin.pin_wrong"), 38, bold=True, color=RED, name="pin_wrong"))
    pad = keypad(ctx, "1234567890", 5, 110, [("delete", ctx.t("keypad.delete"), "backspace")])
    body.addWidget(pad, 1)
    body.addLayout(
        nav_row(
            ctx,
            done_button(ctx, "nav.back", "back"),
            BigButton(
                ctx,
                ctx.t("keypad.confirm"),
                color=GREEN,
                name="confirm",
                height=110,
                title_size=40,
                on_tap=ctx.act("submit_pin"),
            ),
        )
    )
    return widget


def admin_screen(ctx: Ctx) -> QWidget:
    state = ctx.state
    widget, body = page(ctx, with_language=False)
    body.addWidget(label(ctx, ctx.t("admin.title"), 54, bold=True))
    server = ctx.window.controller.settings.server
    body.addWidget(
        label(
            ctx,
            ctx.t(
                "admin.server",
                value=f"{server} — " + ctx.t("admin.connected" if state.connected else "admin.disconnected"),
            ),
            34,
        )
    )
    printer = ctx.t(f"printer.{state.printer_status}") if state.has_printer else ctx.t("printer.none")
    body.addWidget(label(ctx, ctx.t("admin.printer", value=printer), 34, name="admin_printer"))
    body.addWidget(label(ctx, ctx.t("admin.scanner", value=state.scanner_status), 34))
    body.addStretch(1)
    body.addLayout(
        nav_row(
            ctx,
            BigButton(
                ctx,
                ctx.t("admin.back"),
                color=GREEN,
                name="back",
                height=110,
                title_size=40,
                on_tap=ctx.act("tap_back"),
            ),
            BigButton(
                ctx,
                ctx.t("admin.exit"),
                color=RED,
                name="exit",
                height=110,
                title_size=40,
                on_tap=ctx.act("tap_exit"),
            ),
        )
    )
    return widget


BUILDERS: dict[Screen, Callable[[Ctx], QWidget]] = {
    Screen.STARTING: starting_screen,
    Screen.HOME: home_screen,
    Screen.PRIORITY: priority_screen,
    Screen.CHECKIN: checkin_screen,
    Screen.KEYPAD: keypad_screen,
    Screen.WORKING: working_screen,
    Screen.TICKET: ticket_screen,
    Screen.TOO_EARLY: too_early_screen,
    Screen.TOO_LATE: too_late_screen,
    Screen.EXPIRED: expired_screen,
    Screen.WRONG_BRANCH: wrong_branch_screen,
    Screen.NOT_FOUND: not_found_screen,
    Screen.ALREADY_CHECKED_IN: already_screen,
    Screen.UNREADABLE: unreadable_screen,
    Screen.REFUSED: refused_screen,
    Screen.BUSY: busy_screen,
    Screen.CLOSED: closed_screen,
    Screen.OUT_OF_SERVICE: out_of_service_screen,
    Screen.ADMIN_PIN: pin_screen,
    Screen.ADMIN: admin_screen,
}


# ------------------------------------------------------------------------------------------- the window
class KioskWindow(QWidget):
    """The kiosk's one window. It re-renders on ``controller.changed`` and refuses to close unless the
    administrator chose "close" (``allow_close``)."""

    def __init__(self, controller: KioskController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.allow_close = not controller.settings.fullscreen
        self.setObjectName("kiosk")
        self.setWindowTitle("Dawr kiosk")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(f"#kiosk {{ background: {PAPER}; }}")
        self._stack = QStackedLayout(self)
        self._current: QWidget | None = None
        self._rendered: tuple[int, Language, str, QSize] | None = None
        self.resize(1920, 1080)
        controller.changed.connect(self.show_state)
        self._clock = QTimer(self)
        self._clock.timeout.connect(self._tick_clock)
        self._clock.start(10_000)
        self.show_state()

    def current_page(self) -> QWidget | None:
        """The widget of the screen now shown."""
        return self._current

    def named(self, name: str) -> QWidget | None:
        """The widget of the current screen named ``name`` (e.g. ``service:mazaya``), or None."""
        if self._current is None:
            return None
        return self._current.findChild(QWidget, name)

    def show_state(self) -> None:
        """Show the state as it is now (rebuilds the current screen; ``QWidget.render`` is Qt's own)."""
        state = self.controller.state
        families = (
            ["Noto Sans Arabic", "Noto Sans", "DejaVu Sans"]
            if state.lang == "ar"
            else ["Noto Sans", "Noto Sans Arabic", "DejaVu Sans"]
        )
        font = QFont()
        font.setFamilies(families)
        self.setFont(font)
        self.setLayoutDirection(direction(state.lang))
        ctx = Ctx(self, state, self.controller.server_now())
        built = BUILDERS[state.screen](ctx)
        built.setObjectName(f"screen:{state.screen.value}")
        old = self._current
        self._stack.addWidget(built)
        self._stack.setCurrentWidget(built)
        self._current = built
        if old is not None:
            self._stack.removeWidget(old)
            old.hide()
            old.deleteLater()
        self._rendered = (state.version, state.lang, state.screen.value, self.size())

    def _tick_clock(self) -> None:
        clock = self.named("clock")
        if isinstance(clock, QLabel):
            state = self.controller.state
            now = state.branch_time(self.controller.server_now())
            clock.setText(words.clock(now, state.lang, state.branch.digits))

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if self._rendered is not None and self._rendered[3] != self.size():
            self.show_state()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        event.accept()  # no keyboard shortcuts reach the desktop from the kiosk

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.allow_close:
            event.accept()
        else:
            event.ignore()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.controller.touched()
        super().mousePressEvent(event)
