"""The pieces both staff screens are built from: the style sheet, labels and panels, the cap timer, the
action buttons, the read-only tables. They show what ``counter_client.presenters`` computed."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qtkit.i18n import Language

from ..model import Action
from ..presenters import ButtonState, ServiceRow, TimerLines

STYLE = """
QMainWindow, QDialog { background: #f6f8fa; }
QFrame#panel { background: #ffffff; border: 1px solid #d0d7de; border-radius: 8px; }
QPushButton#action { font-size: 17px; font-weight: 600; padding: 2px 8px; min-height: 40px;
  border: 1px solid #8c959f; border-radius: 8px; background: #ffffff; color: #1f2328; }
QPushButton#action:hover { background: #f3f4f6; }
QPushButton#action:disabled { color: #a0a7ae; background: #eef0f2; border-color: #d0d7de; }
QPushButton#primary { font-size: 20px; font-weight: 700; min-height: 46px; border-radius: 8px;
  background: #0a6b2c; color: white; border: 1px solid #07521f; }
QPushButton#primary:disabled { color: #d9e7dc; background: #9fbfa8; border-color: #9fbfa8; }
QLabel#banner { background: #fff3cd; color: #5c4400; padding: 6px 10px; border-radius: 6px; font-weight: 600; }
QLabel#offline { background: #c62828; color: white; padding: 6px 10px; border-radius: 6px; font-weight: 600; }
QLabel#status { color: #1f2328; padding: 4px 8px; }
QTableWidget { background: #ffffff; font-size: 15px; gridline-color: #e5e7eb; }
QHeaderView::section { background: #eef1f4; font-weight: 600; padding: 4px; border: none; }
QListWidget { font-size: 16px; }
"""

PHASE_STYLE = {
    "none": ("#eef1f4", "#57606a"),
    "called": ("#e8f0fe", "#1a4fa0"),
    "running": ("#e6f4ea", "#0a6b2c"),
    "warning": ("#ffb300", "#2b1d00"),
    "over": ("#c62828", "#ffffff"),
    "over_pulse": ("#ff5252", "#ffffff"),
    "parked": ("#eef1f4", "#57606a"),
}
"""Timer phase -> (background, text colour)."""

IDLE_COLOUR = "#8c959f"
TEXT_COLOUR = "#1f2328"


def bold(label: QLabel, pixels: int) -> QLabel:
    """``label`` in a bold font of ``pixels`` pixels."""
    font = label.font()
    font.setPixelSize(pixels)
    font.setBold(True)
    label.setFont(font)
    return label


def align_start(label: QLabel, lang: Language) -> None:
    """Start-align ``label`` for ``lang`` (right in Arabic) whatever its text's own direction (digits,
    ticket numbers and times are left-to-right text)."""
    side = Qt.AlignmentFlag.AlignRight if lang == "ar" else Qt.AlignmentFlag.AlignLeft
    label.setAlignment(side | Qt.AlignmentFlag.AlignAbsolute | Qt.AlignmentFlag.AlignVCenter)


def panel(title: QLabel) -> tuple[QFrame, QVBoxLayout]:
    """A white rounded panel headed by ``title``; returns the frame and the layout to fill."""
    frame = QFrame()
    frame.setObjectName("panel")
    frame.setFrameShape(QFrame.Shape.StyledPanel)
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(14, 10, 14, 12)
    bold(title, 18)
    layout.addWidget(title)
    return frame, layout


# ------------------------------------------------------------------------------------------- timer
class TimerView(QFrame):
    """The cap timer: elapsed m:ss, a bar to the cap, amber at the warning lead, red and pulsing past it."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("timer")
        self.phase = "none"
        self.pulse_on = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 6, 14, 8)
        layout.setSpacing(2)
        self.title = bold(QLabel(), 15)
        self.clock = bold(QLabel("—"), 48)
        self.clock.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.clock.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.note = bold(QLabel(), 18)
        self.note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(14)
        layout.addWidget(self.title)
        layout.addWidget(self.clock)
        layout.addWidget(self.bar)
        layout.addWidget(self.note)
        self.pulse = QTimer(self)
        self.pulse.setInterval(500)
        self.pulse.timeout.connect(self._toggle)
        self._paint()

    def show_reading(self, phase: str, lines: TimerLines) -> None:
        """Show the timer in ``phase`` with ``lines`` (``presenters.timer_lines``)."""
        self.title.setText(lines.title)
        self.phase = phase
        self.clock.setText(lines.clock)
        self.note.setText(lines.note)
        if lines.bar_maximum is not None:
            self.bar.setMaximum(lines.bar_maximum)
        self.bar.setValue(lines.bar_value)
        if phase == "over":
            if not self.pulse.isActive():
                self.pulse.start()
        else:
            self.pulse.stop()
            self.pulse_on = False
        self._paint()

    def _toggle(self) -> None:
        self.pulse_on = not self.pulse_on
        self._paint()

    def _paint(self) -> None:
        key = "over_pulse" if self.phase == "over" and self.pulse_on else self.phase
        background, colour = PHASE_STYLE.get(key, PHASE_STYLE["none"])
        self.setStyleSheet(
            f"QFrame#timer {{ background: {background}; border-radius: 10px; }}"
            f"QFrame#timer QLabel {{ color: {colour}; background: transparent; }}"
            f"QProgressBar {{ background: #ffffff80; border: 1px solid {colour}; border-radius: 6px; }}"
            f"QProgressBar::chunk {{ background: {colour}; border-radius: 5px; }}"
        )


# --------------------------------------------------------------------------------------- buttons
class ActionPad(QWidget):
    """The big action buttons, one per function key, each showing its key; disabled ones carry the
    reason as tooltip. F1 spans the first row, the others fill ``columns`` columns."""

    def __init__(self, keys: Sequence[str], on_key: Callable[[str], None], columns: int = 2) -> None:
        super().__init__()
        self.current: dict[str, Action] = {}
        self.buttons: dict[str, QPushButton] = {}
        self.reasons: dict[str, str] = {}
        grid = QGridLayout(self)
        grid.setSpacing(8)
        grid.setContentsMargins(0, 0, 0, 0)
        for index, key in enumerate(keys):
            button = QPushButton()
            button.setObjectName("primary" if key == "F1" else "action")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            button.clicked.connect(lambda _=False, k=key: on_key(k))
            if key == "F1":
                grid.addWidget(button, 0, 0, 1, columns)
            else:
                grid.addWidget(button, 1 + (index - 1) // columns, (index - 1) % columns)
            self.buttons[key] = button

    def show_state(self, states: Mapping[str, ButtonState]) -> None:
        """Set each button's text, enabled state and reason tooltip (``presenters.button_states``)."""
        for key, state in states.items():
            self.current[key] = state.action
            button = self.buttons[key]
            button.setText(state.caption)
            button.setEnabled(state.enabled)
            self.reasons[key] = state.reason
            button.setToolTip(state.reason)


# ---------------------------------------------------------------------------------------- tables
def read_only_table(columns: int) -> QTableWidget:
    """A table the screens fill and nobody edits; no row numbers, long texts wrap."""
    table = QTableWidget(0, columns)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(True)
    table.setTextElideMode(Qt.TextElideMode.ElideNone)
    return table


def service_wait_table() -> QTableWidget:
    """The "service / waiting / longest wait" table both screens show: the service name takes the width
    and wraps, the two figures always show whole."""
    table = read_only_table(3)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    header = table.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
    return table


def table_cell(table: QTableWidget, row: int, column: int, value: str) -> QTableWidgetItem:
    """The item at ``row``, ``column`` of ``table`` (made if missing), showing ``value``; style it further."""
    item = table.item(row, column)
    if item is None:
        item = QTableWidgetItem()
        table.setItem(row, column, item)
    item.setText(value)
    return item


def fill_service_table(
    table: QTableWidget, headers: Sequence[str], rows: Sequence[ServiceRow], grey_idle: bool
) -> None:
    """Show ``rows`` (``presenters.*_service_rows``) in a ``service_wait_table``; with ``grey_idle`` the
    services nobody waits for are greyed."""
    table.setHorizontalHeaderLabels(list(headers))
    table.setRowCount(len(rows))
    for index, row in enumerate(rows):
        for column, value in enumerate(row.cells):
            item = table_cell(table, index, column, value)
            if grey_idle:
                item.setForeground(QColor(IDLE_COLOUR if row.idle else TEXT_COLOUR))
