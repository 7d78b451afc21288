"""Thin Qt Widgets over ``counter_client.model``: they show the state and forward key presses and clicks.

``CounterWindow(desk, commands, lang)`` is the clerk's screen, ``SupervisorWindow(hall, commands, lang)``
the supervisor's. ``commands`` is anything with ``act(action, counter=None, **fields)`` (the session, or a
recorder in screenshots); call ``refresh()`` after the state changed. Actions that need a choice (finish,
transfer, pause, call a specific ticket, resume a parked customer) open a ``PickDialog`` kept in
``window.dialog`` until it closes, so tests can fill it through its own methods.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qtkit.i18n import Language, direction, other
from qtkit.server_clock import parse_time

from .model import Action, Availability, Desk, Hall, TimerReading
from .texts import TABLE, clock_text, minutes_text, reason_text, state_name, text


class Commands(Protocol):
    """Where the widgets send what the clerk asked for."""

    def act(self, action: Action, counter: int | None = None, **fields: Any) -> object: ...


# Key -> the actions that key stands for (the first that applies is shown). Function keys work under
# an Arabic keyboard layout too, where letter shortcuts do not.
SLOTS: tuple[tuple[str, tuple[Action, ...]], ...] = (
    ("F1", ("call_next",)),
    ("F2", ("recall",)),
    ("F3", ("start",)),
    ("F4", ("no_show",)),
    ("F5", ("finish",)),
    ("F6", ("transfer",)),
    ("F7", ("park", "resume_parked")),
    ("F8", ("call_ticket",)),
    ("F9", ("pause", "resume_counter")),
    ("F10", ("close", "open")),
)
LANGUAGE_KEY = "F12"

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


def _time_text(moment: str | None, desk_tz: str | None) -> str:
    """HH:MM of a server time in the branch's time zone."""
    parsed = parse_time(moment)
    if parsed is None:
        return "—"
    if desk_tz:
        from zoneinfo import ZoneInfo

        parsed = parsed.astimezone(ZoneInfo(desk_tz))
    return parsed.strftime("%H:%M")


def _bold(label: QLabel, pixels: int) -> QLabel:
    font = label.font()
    font.setPixelSize(pixels)
    font.setBold(True)
    label.setFont(font)
    return label


def _align(label: QLabel, lang: Language) -> None:
    """Start-align ``label`` for ``lang`` (right in Arabic) whatever its text's own direction (digits,
    ticket numbers and times are left-to-right text)."""
    side = Qt.AlignmentFlag.AlignRight if lang == "ar" else Qt.AlignmentFlag.AlignLeft
    label.setAlignment(side | Qt.AlignmentFlag.AlignAbsolute | Qt.AlignmentFlag.AlignVCenter)


def _panel(title: QLabel) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName("panel")
    frame.setFrameShape(QFrame.Shape.StyledPanel)
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(14, 10, 14, 12)
    _bold(title, 18)
    layout.addWidget(title)
    return frame, layout


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


# ---------------------------------------------------------------------------------------- dialogs
class PickDialog(QDialog):
    """A small form of lists (``add_list``) and an optional text field (``add_line``); OK is enabled once
    every required part has a value. ``values()`` gives ``{name: value}``. Enter accepts, Esc cancels."""

    def __init__(self, title: str, lang: Language, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lang = lang
        self.setWindowTitle(title)
        self.setLayoutDirection(direction(lang))
        self.setMinimumWidth(460)
        self.layout_ = QVBoxLayout(self)
        self.heading = _bold(QLabel(title), 20)
        self.layout_.addWidget(self.heading)
        self.lists: dict[str, QListWidget] = {}
        self.combos: dict[str, QComboBox] = {}
        self.lines: dict[str, QLineEdit] = {}
        self.required: set[str] = set()
        self.buttons = QDialogButtonBox()
        self.ok = self.buttons.addButton(text("dlg_ok", lang), QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(text("dlg_cancel", lang), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.ok.setDefault(True)

    def finish_layout(self) -> None:
        """Add the buttons below the parts and set the OK state."""
        self.layout_.addWidget(self.buttons)
        self._update()
        first = next(iter(self.lines.values()), None) or next(iter(self.lists.values()), None)
        if first is not None:
            first.setFocus()

    def add_list(
        self,
        name: str,
        title: str,
        options: Sequence[tuple[Any, str]],
        required: bool = True,
        selected: Any = None,
        note: str = "",
    ) -> QListWidget:
        """A list of (value, label) options; ``selected`` pre-selects one."""
        label = _bold(QLabel(title), 16)
        self.layout_.addWidget(label)
        if note:
            hint = QLabel(note)
            hint.setWordWrap(True)
            hint.setObjectName("banner")
            self.layout_.addWidget(hint)
        widget = QListWidget()
        for value, caption in options:
            item = QListWidgetItem(caption)
            item.setData(Qt.ItemDataRole.UserRole, value)
            widget.addItem(item)
            if value == selected and selected is not None:
                widget.setCurrentItem(item)
        widget.setMaximumHeight(min(36 * max(len(options), 1) + 8, 300))
        widget.itemSelectionChanged.connect(self._update)
        widget.itemDoubleClicked.connect(self._double_clicked)
        self.lists[name] = widget
        if required:
            self.required.add(name)
        self.layout_.addWidget(widget)
        return widget

    def add_combo(self, name: str, title: str, options: Sequence[tuple[Any, str]]) -> QComboBox:
        """A drop-down of (value, label) options, first one selected."""
        row = QHBoxLayout()
        row.addWidget(QLabel(title))
        combo = QComboBox()
        for value, caption in options:
            combo.addItem(caption, value)
        row.addWidget(combo, 1)
        self.layout_.addLayout(row)
        self.combos[name] = combo
        return combo

    def add_line(self, name: str, title: str, placeholder: str = "") -> QLineEdit:
        """A one-line text field (required)."""
        self.layout_.addWidget(_bold(QLabel(title), 16))
        line = QLineEdit()
        line.setPlaceholderText(placeholder)
        line.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        font = line.font()
        font.setPixelSize(24)
        line.setFont(font)
        line.textChanged.connect(self._update)
        self.lines[name] = line
        self.required.add(name)
        self.layout_.addWidget(line)
        return line

    def _double_clicked(self, _item: QListWidgetItem) -> None:
        if self.ok.isEnabled():
            self.accept()

    def choose(self, name: str, value: Any) -> None:
        """Select the option with ``value`` in list or drop-down ``name`` (tests and shortcuts)."""
        if name in self.combos:
            combo = self.combos[name]
            combo.setCurrentIndex(combo.findData(value))
            return
        widget = self.lists[name]
        for row in range(widget.count()):
            if widget.item(row).data(Qt.ItemDataRole.UserRole) == value:
                widget.setCurrentRow(row)
                return
        raise KeyError(f"{name}: no option {value!r}")

    def options(self, name: str) -> list[Any]:
        """The values offered in list ``name``."""
        widget = self.lists[name]
        return [widget.item(row).data(Qt.ItemDataRole.UserRole) for row in range(widget.count())]

    def values(self) -> dict[str, Any]:
        """The chosen values (None where nothing is chosen)."""
        found: dict[str, Any] = {}
        for name, widget in self.lists.items():
            item = widget.currentItem()
            found[name] = (
                item.data(Qt.ItemDataRole.UserRole) if item is not None and item.isSelected() else None
            )
        for name, combo in self.combos.items():
            found[name] = combo.currentData()
        for name, line in self.lines.items():
            found[name] = line.text().strip() or None
        return found

    def _update(self) -> None:
        chosen = self.values()
        self.ok.setEnabled(all(chosen.get(name) is not None for name in self.required))


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
        self.title = _bold(QLabel(), 15)
        self.clock = _bold(QLabel("—"), 48)
        self.clock.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.clock.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.note = _bold(QLabel(), 18)
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

    def show_reading(self, reading: TimerReading, lang: Language) -> None:
        """Show ``reading`` (from ``Desk.timer()``)."""
        self.title.setText(text("timer_title", lang))
        self.phase = reading.phase
        cap_text = clock_text(reading.cap)
        if reading.phase == "none":
            self.clock.setText(text("timer_none", lang))
            self.note.setText("")
            self.bar.setValue(0)
        elif reading.phase == "called":
            self.clock.setText(clock_text(0))
            self.note.setText(
                text("timer_called", lang) + " · " + text("timer_cap", lang, cap=f"{reading.cap / 60:g}")
            )
            self.bar.setValue(0)
        else:
            self.clock.setText(clock_text(reading.elapsed))
            if reading.remaining >= 0:
                self.note.setText(text("timer_left", lang, time=clock_text(reading.remaining), cap=cap_text))
            else:
                self.note.setText(text("timer_over", lang, time=clock_text(-reading.remaining)))
            self.bar.setMaximum(max(1, int(reading.cap)))
            self.bar.setValue(min(int(reading.elapsed), int(reading.cap)))
        if reading.phase == "over":
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
def slot_action(
    slot: tuple[Action, ...], availability: Callable[[Action], Availability], hints: dict[str, bool]
) -> Action:
    """Which of a key's actions the key stands for now: the first enabled one, else the one the
    situation points to (``hints``: ``paused``, ``closed``, ``free_with_parked``)."""
    for action in slot:
        if availability(action).enabled:
            return action
    if "resume_counter" in slot and hints.get("paused"):
        return "resume_counter"
    if "open" in slot and hints.get("closed"):
        return "open"
    if "resume_parked" in slot and hints.get("free_with_parked"):
        return "resume_parked"
    return slot[0]


class ActionPad(QWidget):
    """The big action buttons, one per function key, each showing its key; disabled ones carry the
    reason as tooltip."""

    def __init__(
        self, slots: Sequence[tuple[str, tuple[Action, ...]]], on_key: Callable[[str], None], columns: int = 2
    ) -> None:
        super().__init__()
        self.slots = dict(slots)
        self.current: dict[str, Action] = {}
        self.buttons: dict[str, QPushButton] = {}
        self.reasons: dict[str, str] = {}
        grid = QGridLayout(self)
        grid.setSpacing(8)
        grid.setContentsMargins(0, 0, 0, 0)
        for index, (key, _) in enumerate(slots):
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

    def show_state(
        self, availability: Callable[[Action], Availability], hints: dict[str, bool], lang: Language
    ) -> None:
        """Set each button's text, enabled state and reason tooltip."""
        for key, slot in self.slots.items():
            action = slot_action(slot, availability, hints)
            self.current[key] = action
            state = availability(action)
            button = self.buttons[key]
            button.setText(f"{text('act_' + action, lang)}   [{key}]")
            button.setEnabled(state.enabled)
            reason = "" if state.enabled else reason_text(state.reason, state.values, lang)
            self.reasons[key] = reason
            button.setToolTip(reason)


def service_wait_table() -> QTableWidget:
    """The read-only "service / waiting / longest wait" table both screens show: the service name takes
    the width and wraps, the two figures always show whole."""
    table = QTableWidget(0, 3)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    table.setWordWrap(True)
    table.setTextElideMode(Qt.TextElideMode.ElideNone)
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


class StaffWindow(QMainWindow):
    """What the counter and the supervisor screens share: the language switch (``language_changed``), the
    one dialog open at a time, the status line and showing an action's outcome. Each screen lays out its
    own ``self.status`` label and draws itself in ``refresh()``, which ``set_language`` calls."""

    language_changed = Signal(str)

    def __init__(self, commands: Commands, lang: Language, width: int, height: int) -> None:
        super().__init__()
        self.commands = commands
        self.lang: Language = lang
        self.dialog: PickDialog | None = None
        self.status_text = ""
        self.setStyleSheet(STYLE)
        self.resize(width, height)

    def _frame(self, spacing: int | None) -> tuple[QVBoxLayout, QHBoxLayout]:
        """The window's frame: the heading, who is logged in and the language button on top, the
        offline banner under them; returns the outer layout and the empty body row to fill."""
        root = QWidget()
        self.setCentralWidget(root)
        outer = QVBoxLayout(root)
        outer.setContentsMargins(14, 10, 14, 8)
        if spacing is not None:
            outer.setSpacing(spacing)
        top = QHBoxLayout()
        self.heading = _bold(QLabel(), 24)
        self.who = QLabel()
        self.language_button = QPushButton()
        self.language_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.language_button.clicked.connect(self.toggle_language)
        top.addWidget(self.heading)
        top.addStretch(1)
        top.addWidget(self.who)
        top.addWidget(self.language_button)
        outer.addLayout(top)
        self.banner = QLabel()
        self.banner.setObjectName("offline")
        self.banner.setWordWrap(True)
        outer.addWidget(self.banner)
        body = QHBoxLayout()
        outer.addLayout(body, 1)
        return outer, body

    def _open(self, on_ok: Callable[[dict[str, Any]], object]) -> None:
        dialog = self.dialog
        assert dialog is not None
        dialog.finish_layout()

        def done(result: int) -> None:
            if result == QDialog.DialogCode.Accepted:
                on_ok(dialog.values())
            if self.dialog is dialog:
                self.dialog = None
            dialog.deleteLater()

        dialog.finished.connect(done)
        dialog.open()

    def toggle_language(self) -> None:
        """Switch between Arabic and English."""
        self.set_language(other(self.lang))

    def set_language(self, lang: Language) -> None:
        """Show everything in ``lang`` (Arabic right-to-left)."""
        self.lang = lang
        self.refresh()
        self.language_changed.emit(lang)

    def show_status(self, message: str) -> None:
        """One line at the bottom: what just happened or why something was refused."""
        self.status_text = message
        self.status.setText(message)

    def on_outcome(self, outcome: Any) -> None:
        """Show how an action went (a ``session.Outcome``)."""
        show_outcome(self, outcome)


# ------------------------------------------------------------------------------------ counter mode
class CounterWindow(StaffWindow):
    """The clerk's screen (see the module docstring)."""

    def __init__(self, desk: Desk, commands: Commands, lang: Language = "ar") -> None:
        super().__init__(commands, lang, 1280, 800)
        self.desk = desk
        outer, body = self._frame(spacing=10)
        body.setSpacing(12)

        # current customer + timer + actions
        main = QVBoxLayout()
        body.addLayout(main, 3)
        self.current_title = QLabel()
        current_frame, current = _panel(self.current_title)
        self.current_title.setVisible(False)  # the big ticket number says what the panel is
        row = QHBoxLayout()
        left = QVBoxLayout()
        self.ticket = _bold(QLabel("—"), 68)
        self.ticket.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.service = _bold(QLabel(), 19)
        self.service.setWordWrap(True)
        self.service.setMinimumWidth(220)
        left.addWidget(self.ticket)
        left.addWidget(self.service)
        left.addStretch(1)
        self.timer_view = TimerView()
        row.addLayout(left, 2)
        row.addWidget(self.timer_view, 3)
        current.addLayout(row)
        self.details = QGridLayout()
        self.details.setVerticalSpacing(4)
        self.detail_labels: dict[str, tuple[QLabel, QLabel]] = {}
        places = {
            "field_state": (0, 0),
            "field_waited": (0, 2),
            "field_kind": (1, 0),
            "field_recalls": (1, 2),
            "field_appointment": (2, 0),
            "field_why": (3, 0),
        }
        for key, (line, column) in places.items():
            name, value = QLabel(), QLabel()
            name.setStyleSheet("color: #57606a;")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            font = value.font()
            font.setPixelSize(16)
            value.setFont(font)
            self.details.addWidget(name, line, column, Qt.AlignmentFlag.AlignTop)
            span = 3 if key in ("field_appointment", "field_why") else 1
            self.details.addWidget(value, line, column + 1, 1, span)
            self.detail_labels[key] = (name, value)
        self.details.setColumnStretch(3, 1)
        self.details.setColumnStretch(1, 1)
        current.addLayout(self.details)
        main.addWidget(current_frame, 1)
        self.pad = ActionPad(SLOTS, self.trigger, columns=3)
        main.addWidget(self.pad)

        # queue, day, parked
        side = QVBoxLayout()
        body.addLayout(side, 2)
        self.queue_title = QLabel()
        queue_frame, queue = _panel(self.queue_title)
        self.queue_table = service_wait_table()
        queue.addWidget(self.queue_table)
        self.queue_total = _bold(QLabel(), 16)
        queue.addWidget(self.queue_total)
        side.addWidget(queue_frame, 3)

        self.day_title = QLabel()
        day_frame, day = _panel(self.day_title)
        self.day_grid = QGridLayout()
        self.day_labels: dict[str, tuple[QLabel, QLabel]] = {}
        for index, key in enumerate(("day_served", "day_average", "day_overruns", "day_transferred")):
            name, value = QLabel(), _bold(QLabel(), 22)
            self.day_grid.addWidget(name, 0, index)
            self.day_grid.addWidget(value, 1, index)
            self.day_labels[key] = (name, value)
        day.addLayout(self.day_grid)
        side.addWidget(day_frame)

        self.parked_title = QLabel()
        parked_frame, parked = _panel(self.parked_title)
        self.parked_list = QLabel()
        self.parked_list.setWordWrap(True)
        parked.addWidget(self.parked_list)
        side.addWidget(parked_frame)

        self.status = QLabel()
        self.status.setObjectName("status")
        outer.addWidget(self.status)

        for key, _ in SLOTS:
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.activated.connect(lambda k=key: self.trigger(k))
        QShortcut(QKeySequence(LANGUAGE_KEY), self).activated.connect(self.toggle_language)

        self.ticker = QTimer(self)
        self.ticker.setInterval(1000)
        self.ticker.timeout.connect(self.refresh_clock)
        self.ticker.start()
        self.refresh()

    # --- what the clerk does ----------------------------------------------------------------------
    def trigger(self, key: str) -> None:
        """The clerk pressed function key ``key`` (or clicked its button)."""
        action = self.pad.current.get(key) or SLOTS[[k for k, _ in SLOTS].index(key)][1][0]
        state = self.desk.availability(action)
        if not state.enabled:
            self.show_status(reason_text(state.reason, state.values, self.lang))
            return
        self.start_action(action)

    def start_action(self, action: Action, overrun_required: bool = False) -> None:
        """Run ``action``, first asking for what it needs (outcome, destination, reason, ticket)."""
        if action == "finish":
            self._ask_finish(overrun_required)
        elif action == "transfer":
            self.dialog = transfer_dialog(
                self.desk.ref, self.desk.current or {}, self.desk.number, self.lang, self
            )
            self._open(
                lambda v: self.commands.act(
                    "transfer",
                    to_service=v["to"][1] if v["to"][0] == "service" else None,
                    to_counter=v["to"][1] if v["to"][0] == "counter" else None,
                    position=v["position"],
                )
            )
        elif action == "pause":
            self.dialog = PickDialog(text("dlg_pause", self.lang), self.lang, self)
            self.dialog.add_list(
                "reason",
                text("dlg_pause", self.lang),
                [
                    (r["code"], self.desk.ref.label("pause_reasons", r["code"], self.lang))
                    for r in self.desk.ref.labels["pause_reasons"]
                ],
            )
            self._open(lambda v: self.commands.act("pause", reason=v["reason"]))
        elif action == "call_ticket":
            self.dialog = PickDialog(text("dlg_call_ticket", self.lang), self.lang, self)
            self.dialog.add_line("ticket", text("dlg_ticket_number", self.lang), "C012")
            self._open(lambda v: self.commands.act("call_ticket", ticket=v["ticket"].upper()))
        elif action == "resume_parked":
            parked = (self.desk.view or {}).get("parked") or []
            if len(parked) == 1:
                self.commands.act("resume_parked", ticket=parked[0]["id"])
                return
            self.dialog = PickDialog(text("dlg_resume_parked", self.lang), self.lang, self)
            self.dialog.add_list(
                "ticket",
                text("panel_parked", self.lang),
                [
                    (t["id"], f"{t['number']} — {self.desk.ref.service_name(t['service_id'], self.lang)}")
                    for t in parked
                ],
            )
            self._open(lambda v: self.commands.act("resume_parked", ticket=v["ticket"]))
        else:
            self.commands.act(action)

    def _ask_finish(self, overrun_required: bool) -> None:
        current = self.desk.current or {}
        lang = self.lang
        self.dialog = PickDialog(text("dlg_finish", lang, number=current.get("number", "")), lang, self)
        outcomes = [
            (o["code"], self.desk.ref.label("finish_outcomes", o["code"], lang))
            for o in self.desk.ref.labels["finish_outcomes"]
        ]
        self.dialog.add_list(
            "outcome", text("dlg_outcome", lang), outcomes, selected=outcomes[0][0] if outcomes else None
        )
        if overrun_required or self.desk.needs_overrun_reason():
            cap = f"{float(current.get('cap_minutes') or 0):g}"
            self.dialog.add_list(
                "overrun_reason",
                text("dlg_overrun", lang, cap=cap),
                [
                    (r["code"], self.desk.ref.label("overrun_reasons", r["code"], lang))
                    for r in self.desk.ref.labels["overrun_reasons"]
                ],
            )
        self._open(
            lambda v: self.commands.act(
                "finish", outcome=v["outcome"], overrun_reason=v.get("overrun_reason")
            )
        )

    def on_outcome(self, outcome: Any) -> None:
        """Show how an action went (a ``session.Outcome``); a finish refused for want of an overrun
        reason opens the finish dialog again, now asking for the reason."""
        super().on_outcome(outcome)
        if not outcome.ok and outcome.action == "finish" and outcome.code == "overrun_reason_required":
            self.start_action("finish", overrun_required=True)

    # --- showing the state ----------------------------------------------------------------------
    def refresh(self) -> None:
        """Show the desk's current state."""
        desk, lang = self.desk, self.lang
        self.setLayoutDirection(direction(lang))
        view = desk.view or {}
        number = desk.number
        name = desk.ref.counter_name(number, lang) if number else ""
        self.setWindowTitle(text("title_counter", lang, counter=name))
        self.heading.setText(name or text("title_counter", lang, counter=""))
        user = desk.user.get("display_name") or desk.user.get("username") or ""
        state = state_name(str(view.get("state", "closed")), lang, "cs")
        self.who.setText(f"{user} · {state}" if user else state)
        self.language_button.setText(f"{text('language', lang)}  [{LANGUAGE_KEY}]")
        if not desk.connected:
            self.banner.setObjectName("offline")
            self.banner.setText(text("conn_offline", lang))
            self.banner.setVisible(True)
        elif not desk.branch_open:
            self.banner.setObjectName("banner")
            self.banner.setText(text("branch_closed", lang))
            self.banner.setVisible(True)
        else:
            self.banner.setVisible(False)
        self.banner.setStyleSheet("")  # re-polish after the object name changed

        self._show_current(view)
        hints = {
            "paused": view.get("state") == "paused",
            "closed": view.get("state") == "closed",
            "free_with_parked": not view.get("current") and bool(view.get("parked")),
        }
        self.pad.show_state(desk.availability, hints, lang)
        self._show_side(view)
        self.refresh_clock()

    def refresh_clock(self) -> None:
        """Update what moves with time: the cap timer and the waits."""
        self.timer_view.show_reading(self.desk.timer(), self.lang)
        self._show_queue()

    def _show_current(self, view: dict[str, Any]) -> None:
        desk, lang = self.desk, self.lang
        self.current_title.setText(text("panel_current", lang))
        current = view.get("current")
        for key, (name, value) in self.detail_labels.items():
            name.setText(text(key, lang))
            value.setText("")
            _align(value, lang)
        _align(self.ticket, lang)
        _align(self.service, lang)
        if not current:
            self.ticket.setText("—")
            if view.get("state") == "closed":
                self.service.setText(text("no_customer_closed", lang))
            elif view.get("state") == "paused":
                reason = desk.ref.label("pause_reasons", view.get("pause_reason"), lang)
                self.service.setText(text("no_customer_paused", lang, reason=reason))
            else:
                self.service.setText(text("no_customer", lang))
            for name, value in self.detail_labels.values():
                name.setVisible(False)
                value.setVisible(False)
            return
        for name, value in self.detail_labels.values():
            name.setVisible(True)
            value.setVisible(True)
        self.ticket.setText(str(current.get("number", "")))
        self.service.setText(desk.ref.service_name(current.get("service_id"), lang))
        values = self.detail_labels
        values["field_state"][1].setText(state_name(str(current.get("state")), lang))
        values["field_waited"][1].setText(minutes_text(desk.waited_seconds(), lang))
        kind = text("kind_appointment" if current.get("kind") == "appointment" else "kind_walk_in", lang)
        if current.get("priority"):
            kind += " · " + text("kind_priority", lang)
        if current.get("transfers"):
            kind += " · " + text("kind_transferred", lang, count=current["transfers"])
        values["field_kind"][1].setText(kind)
        tz = desk.ref.branch.get("timezone")
        if current.get("appointment_ref"):
            line = text(
                "appointment_line",
                lang,
                ref=current["appointment_ref"],
                slot=_time_text(current.get("slot"), tz),
            )
            if current.get("citizen_name"):  # isolated, so a Latin name cannot reorder an Arabic line
                line = f"\u2068{current['citizen_name']}\u2069 · {line}"
            if lang == "ar":
                line = "\u200f" + line  # the line reads right to left whatever script the name is in
            if current.get("late_appointment"):
                line += text("appointment_late", lang)
            values["field_appointment"][1].setText(line)
        else:
            values["field_appointment"][0].setVisible(False)
            values["field_appointment"][1].setVisible(False)
        values["field_recalls"][1].setText(str(current.get("recalls", 0)))
        values["field_why"][1].setText(why_text(desk.ref, current, lang))

    def _show_side(self, view: dict[str, Any]) -> None:
        desk, lang = self.desk, self.lang
        self.day_title.setText(text("panel_day", lang))
        day = desk.day
        figures = {
            "day_served": str(day.served),
            "day_overruns": str(day.overruns),
            "day_transferred": str(day.transferred),
            "day_average": clock_text(day.average_seconds) if day.average_seconds is not None else "—",
        }
        for key, (name, value) in self.day_labels.items():
            name.setText(text(key, lang))
            value.setText(figures[key])
            _align(name, lang)
            _align(value, lang)
        self.day_labels["day_overruns"][1].setStyleSheet("color: #c62828;" if day.overruns else "")
        self.parked_title.setText(text("panel_parked", lang))
        parked = view.get("parked") or []
        self.parked_list.setText(
            "\n".join(f"{t['number']} — {desk.ref.service_name(t['service_id'], lang)}" for t in parked)
            or text("sv_none", lang)
        )

    def _show_queue(self) -> None:
        desk, lang = self.desk, self.lang
        self.queue_title.setText(text("panel_queue", lang))
        rows = desk.queue()
        table = self.queue_table
        table.setHorizontalHeaderLabels(
            [text("queue_service", lang), text("queue_waiting", lang), text("queue_longest", lang)]
        )
        table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            prefix = desk.ref.services.get(row.service_id, {}).get("prefix", "")
            cells = [
                f"{prefix}  {desk.ref.service_name(row.service_id, lang)}",
                str(row.waiting),
                minutes_text(row.longest, lang),
            ]
            for column, value in enumerate(cells):
                item = table_cell(table, index, column, value)
                item.setForeground(QColor("#8c959f") if not row.waiting else QColor("#1f2328"))
        table.resizeRowsToContents()
        total = (desk.view or {}).get("queue_total", 0)
        self.queue_total.setText(
            text("queue_total", lang, count=total, wait=minutes_text(desk.longest_wait(), lang))
        )


def show_outcome(window: Any, outcome: Any) -> None:
    """Put an action's result in ``window``'s status line, in its language."""
    lang = window.lang
    if outcome.ok:
        ticket = outcome.data.get("ticket") or {}
        what = text("act_" + outcome.action, lang) + (
            f" — {ticket['number']}" if ticket.get("number") else ""
        )
        window.show_status(text("done_ok", lang, what=what))
    else:
        window.show_status(text("err_generic", lang, message=outcome.message(lang)))


WEIGHTED = re.compile(r"([\d.]+) min × weight ([\d.]+)")


def why_text(ref: Any, current: dict[str, Any], lang: Language) -> str:
    """Why the server called this ticket, in ``lang``: the rule, its figures, and the weighted waits it
    compared (service letter and score, highest first)."""
    call = current.get("call") or {}
    rule = call.get("rule")
    detail = str(call.get("detail") or "")
    if rule == "appointment_due":
        line = text(
            "rule_appointment_due", lang, slot=_time_text(current.get("slot"), ref.branch.get("timezone"))
        )
    elif rule in ("transferred_to_counter", "weighted_wait", "specific"):
        line = text(f"rule_{rule}", lang)
        figures = WEIGHTED.search(detail)
        if rule == "weighted_wait" and figures:
            line += " — " + text("rule_weighted_detail", lang, minutes=figures[1], weight=figures[2])
            if "(priority)" in detail:
                line += " · " + text("kind_priority", lang)
    else:
        line = detail or "—"
    scores = sorted(call.get("scores") or [], key=lambda item: -float(item[1]))
    if len(scores) > 1:
        compared = " · ".join(
            f"{ref.services.get(s, {}).get('prefix', s)} {float(v):.1f}" for s, v in scores[:5]
        )
        line += "\n" + text("rule_scores", lang, scores=compared)
    return line


def transfer_dialog(
    ref: Any, current: dict[str, Any], own_counter: int | None, lang: Language, parent: QWidget | None
) -> PickDialog:
    """Where to send the current customer: the supervisor first, then other services, then counters;
    and the place in the new line."""
    dialog = PickDialog(text("dlg_transfer", lang, number=current.get("number", "")), lang, parent)
    options: list[tuple[Any, str]] = []
    for service_id in ref.transfer_only():
        options.append(
            (
                ("service", service_id),
                f"{text('dlg_to_supervisor', lang)} — {ref.service_name(service_id, lang)}",
            )
        )
    for service_id, service in ref.services.items():
        if service_id != current.get("service_id") and not service.get("transfer_only"):
            options.append(
                (
                    ("service", service_id),
                    f"{text('dlg_to_service', lang)}: {ref.service_name(service_id, lang)}",
                )
            )
    for number in sorted(ref.counters):
        if number != own_counter:
            options.append(
                (("counter", number), f"{text('dlg_to_counter', lang)}: {ref.counter_name(number, lang)}")
            )
    dialog.add_list("to", text("dlg_transfer", lang, number=current.get("number", "")), options)
    dialog.add_combo(
        "position",
        text("dlg_position", lang),
        [("keep", text("dlg_keep", lang)), ("end", text("dlg_end", lang))],
    )
    return dialog


# --------------------------------------------------------------------------------- supervisor mode
SUPERVISOR_SLOTS: tuple[tuple[str, tuple[Action, ...]], ...] = (
    ("F1", ("call_next",)),
    ("F8", ("call_ticket",)),
    ("F6", ("transfer",)),
    ("F10", ("close",)),
)


class SupervisorWindow(StaffWindow):
    """The supervisor's screen (see the module docstring)."""

    def __init__(self, hall: Hall, commands: Commands, lang: Language = "ar") -> None:
        super().__init__(commands, lang, 1440, 860)
        self.hall = hall
        self.selected: int | None = None
        outer, body = self._frame(spacing=None)
        left = QVBoxLayout()
        body.addLayout(left, 3)
        self.counters_title = QLabel()
        counters_frame, counters = _panel(self.counters_title)
        self.table = QTableWidget(0, 6)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.setStyleSheet("QTableWidget::item:selected { background: #cfe3ff; color: #1f2328; }")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # the long columns (counter name, ticket and service) share the width and wrap; the short ones
        # (state, staff, timer, pause reason) always show whole
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        counters.addWidget(self.table)
        left.addWidget(counters_frame, 1)
        self.acting = _bold(QLabel(), 16)
        left.addWidget(self.acting)
        self.pad = ActionPad(SUPERVISOR_SLOTS, self.trigger, columns=3)
        left.addWidget(self.pad)

        right = QVBoxLayout()
        body.addLayout(right, 2)
        self.queue_title = QLabel()
        queue_frame, queue = _panel(self.queue_title)
        self.queue_table = service_wait_table()
        queue.addWidget(self.queue_table)
        right.addWidget(queue_frame, 3)
        self.referred_title = QLabel()
        referred_frame, referred = _panel(self.referred_title)
        self.referred_list = QListWidget()
        self.referred_list.itemSelectionChanged.connect(self._show_actions)
        referred.addWidget(self.referred_list)
        self.call_referred = QPushButton()
        self.call_referred.setObjectName("action")
        self.call_referred.clicked.connect(self.call_selected_referred)
        referred.addWidget(self.call_referred)
        right.addWidget(referred_frame, 2)
        self.devices_title = QLabel()
        devices_frame, devices = _panel(self.devices_title)
        self.devices_list = QLabel()
        self.devices_list.setWordWrap(True)
        self.devices_list.setTextFormat(Qt.TextFormat.RichText)
        devices.addWidget(self.devices_list)
        right.addWidget(devices_frame, 1)

        self.status = QLabel()
        self.status.setObjectName("status")
        outer.addWidget(self.status)
        for key, _ in SUPERVISOR_SLOTS:
            QShortcut(QKeySequence(key), self).activated.connect(lambda k=key: self.trigger(k))
        QShortcut(QKeySequence(LANGUAGE_KEY), self).activated.connect(self.toggle_language)
        self.ticker = QTimer(self)
        self.ticker.setInterval(1000)
        self.ticker.timeout.connect(self.refresh_clock)
        self.ticker.start()
        self.refresh()

    # --- acting -------------------------------------------------------------------------------------
    def select_counter(self, number: int | None) -> None:
        """Act for counter ``number`` (selects its row)."""
        numbers = sorted(self.hall.views)
        self.selected = number if number in numbers else None
        self.refresh()

    def _selection_changed(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        numbers = sorted(self.hall.views)
        if rows and rows[0].row() < len(numbers):  # a selection lost to a table update keeps the counter
            self.selected = numbers[rows[0].row()]
        self._show_actions()

    def trigger(self, key: str) -> None:
        """The supervisor pressed ``key`` (or clicked its button) for the selected counter."""
        action = dict(SUPERVISOR_SLOTS)[key][0]
        state = self.hall.availability(self.selected, action)
        if not state.enabled:
            self.show_status(reason_text(state.reason, state.values, self.lang))
            return
        number = self.selected
        if action == "transfer":
            view = self.hall.views.get(number or 0) or {}
            self.dialog = transfer_dialog(self.hall.ref, view.get("current") or {}, number, self.lang, self)
            self._open(
                lambda v: self.commands.act(
                    "transfer",
                    counter=number,
                    to_service=v["to"][1] if v["to"][0] == "service" else None,
                    to_counter=v["to"][1] if v["to"][0] == "counter" else None,
                    position=v["position"],
                )
            )
        elif action == "call_ticket":
            self.dialog = PickDialog(text("dlg_call_ticket", self.lang), self.lang, self)
            self.dialog.add_line("ticket", text("dlg_ticket_number", self.lang), "S001")
            self._open(lambda v: self.commands.act("call_ticket", counter=number, ticket=v["ticket"].upper()))
        else:
            self.commands.act(action, counter=number)

    def call_selected_referred(self) -> None:
        """Call the selected referred ticket to the selected counter."""
        item = self.referred_list.currentItem()
        state = self.hall.availability(self.selected, "call_ticket")
        if item is None or not state.enabled:
            if not state.enabled:
                self.show_status(reason_text(state.reason, state.values, self.lang))
            return
        self.commands.act("call_ticket", counter=self.selected, ticket=item.data(Qt.ItemDataRole.UserRole))

    # --- showing ------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Show the hall's current state."""
        hall, lang = self.hall, self.lang
        self.setLayoutDirection(direction(lang))
        self.setWindowTitle(text("title_supervisor", lang))
        self.heading.setText(text("title_supervisor", lang))
        self.who.setText(hall.user.get("display_name") or hall.user.get("username") or "")
        self.language_button.setText(f"{text('language', lang)}  [{LANGUAGE_KEY}]")
        self.banner.setVisible(not hall.connected)
        self.banner.setText(text("conn_offline", lang))
        self.counters_title.setText(text("sv_counters", lang))
        self.queue_title.setText(text("sv_waiting", lang))
        self.referred_title.setText(text("sv_referred", lang))
        self.devices_title.setText(text("sv_devices", lang))
        self.call_referred.setText(text("sv_call_referred", lang))
        self._show_counters()
        self._show_referred()
        self._show_devices()
        self._show_actions()
        self._show_queue()

    def refresh_clock(self) -> None:
        """Update the timers and waits."""
        self._show_counters()
        self._show_queue()

    def _show_actions(self) -> None:
        lang = self.lang
        if self.selected is None:
            self.acting.setText(text("sv_pick", lang))
        else:
            self.acting.setText(
                text("sv_act_for", lang, counter=self.hall.ref.counter_name(self.selected, lang))
            )
        self.pad.show_state(lambda a: self.hall.availability(self.selected, a), {}, lang)
        has_referred = self.referred_list.currentItem() is not None
        self.call_referred.setEnabled(
            has_referred and self.hall.availability(self.selected, "call_ticket").enabled
        )

    def counter_row(self, number: int) -> list[tuple[str, str]]:
        """The cells of one counter's row as (text, phase) pairs; phase colours the timer cell."""
        hall, lang = self.hall, self.lang
        view = hall.views[number]
        current = view.get("current")
        reading = hall.timer(number)
        timer = ""
        if reading.phase in ("running", "warning", "over"):
            timer = f"\u2066{clock_text(reading.elapsed)} / {clock_text(reading.cap)}\u2069"  # LTR isolate
        elif reading.phase == "called":
            timer = text("ts_called", lang)
        note = ""
        if view.get("state") == "paused":
            note = text(
                "sv_paused", lang, reason=hall.ref.label("pause_reasons", view.get("pause_reason"), lang)
            )
        elif reading.phase == "over":
            note = text("sv_over", lang)
        ticket = ""
        if current:
            prefix_free = hall.ref.service_name(current.get("service_id"), lang).split(" — ")[-1]
            ticket = (
                f"{current['number']} · {prefix_free}" if len(prefix_free) <= 18 else str(current["number"])
            )
        number_name = hall.ref.counter_name(number, lang)
        return [
            (number_name, ""),
            (state_name(view.get("state", ""), lang, "cs"), ""),
            (view.get("staff") or "—", ""),
            (ticket or "—", ""),
            (timer or "—", reading.phase),
            (note, ""),
        ]

    def _show_counters(self) -> None:
        lang = self.lang
        table = self.table
        table.setHorizontalHeaderLabels(
            [
                text(k, lang)
                for k in ("sv_counter", "sv_state", "sv_staff", "sv_ticket", "sv_timer", "sv_note")
            ]
        )
        numbers = sorted(self.hall.views)
        table.setRowCount(len(numbers))
        for row, number in enumerate(numbers):
            for column, (value, phase) in enumerate(self.counter_row(number)):
                item = table_cell(table, row, column, value)
                if column == 4:
                    background, colour = (
                        PHASE_STYLE["none"] if phase in ("", "none", "called") else PHASE_STYLE[phase]
                    )
                    item.setBackground(QColor(background))
                    item.setForeground(QColor(colour))
                elif column == 1:
                    state = self.hall.views[number].get("state")
                    item.setForeground(
                        QColor({"open": "#0a6b2c", "paused": "#9a6700"}.get(state or "", "#8c959f"))
                    )
        if numbers and table.rowHeight(0) < 30:
            table.resizeRowsToContents()
        if self.selected in numbers:
            row = numbers.index(self.selected)
            rows = [i.row() for i in table.selectionModel().selectedRows()]
            if rows != [row]:
                table.blockSignals(True)
                table.selectRow(row)
                table.blockSignals(False)

    def _show_queue(self) -> None:
        hall, lang = self.hall, self.lang
        rows = [r for r in hall.queue() if r.waiting or r.longest is not None]
        table = self.queue_table
        table.setHorizontalHeaderLabels(
            [text("queue_service", lang), text("queue_waiting", lang), text("queue_longest", lang)]
        )
        table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            for column, value in enumerate(
                [
                    hall.ref.service_name(row.service_id, lang),
                    str(row.waiting),
                    minutes_text(row.longest, lang),
                ]
            ):
                table_cell(table, index, column, value)

    def _show_referred(self) -> None:
        hall, lang = self.hall, self.lang
        chosen = self.referred_list.currentItem()
        chosen_id = chosen.data(Qt.ItemDataRole.UserRole) if chosen is not None else None
        self.referred_list.blockSignals(True)
        self.referred_list.clear()
        arrivals = {t["id"]: t.get("arrival_at") for v in hall.views.values() for t in v.get("queue") or []}
        now = hall.clock.now()
        for ticket in hall.referred.values():
            source = ticket.get("from_counter")
            caption = (
                text(
                    "sv_referred_from",
                    lang,
                    number=ticket["number"],
                    counter=hall.ref.counter_name(source, lang),
                )
                if source
                else ticket["number"]
            )
            arrival = parse_time(arrivals.get(ticket["id"]) or ticket.get("arrival_at"))
            if arrival is not None:
                caption += " — " + text(
                    "sv_waited", lang, wait=minutes_text((now - arrival).total_seconds(), lang)
                )
            item = QListWidgetItem(caption)
            item.setData(Qt.ItemDataRole.UserRole, ticket["id"])
            self.referred_list.addItem(item)
            if ticket["id"] == chosen_id:
                self.referred_list.setCurrentItem(item)
        self.referred_list.blockSignals(False)

    def referred_numbers(self) -> list[str]:
        """The numbers in the referred list as shown."""
        return [self.referred_list.item(i).text() for i in range(self.referred_list.count())]

    def _show_devices(self) -> None:
        hall, lang = self.hall, self.lang
        lines = []
        for device in sorted(hall.devices.values(), key=lambda d: d["id"]):
            from .model import device_alert

            alert = device_alert(device)
            health = device.get("health") or {}
            parts = ", ".join(
                f"{text('part_' + k, lang) if 'part_' + k in TABLE else k}: "
                f"{text('health_' + v, lang) if 'health_' + v in TABLE else v}"
                for k, v in sorted(health.items())
            )
            state = text(alert, lang) if alert else text("device_ok", lang)
            detail = " — ".join(x for x in (parts, device.get("detail") or "") if x)
            colour = (
                "#c62828"
                if alert in ("alert_error", "alert_disconnected", "alert_silent")
                else ("#9a6700" if alert else "#0a6b2c")
            )
            name = device.get("name") or device["id"]
            lines.append(
                f"<span style='color:{colour}'><b>{'⚠ ' if alert else '● '}{name}</b>: {state}</span>"
                + (f" <span style='color:#57606a'>{detail}</span>" if detail else "")
            )
        self.devices_list.setText("<br>".join(lines) or text("sv_devices_ok", lang))
