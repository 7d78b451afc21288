"""``CounterWindow``: the clerk's screen — the current customer with the cap timer and the action keys,
and beside them the queue, "my day" and the parked customers."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QVBoxLayout

from qtkit.i18n import Language
from server.core.lifecycle import Command

from ..model import Action, Desk
from ..presenters import (
    DETAIL_FIELDS,
    SLOTS,
    button_states,
    counter_header,
    counter_service_rows,
    current_lines,
    day_figures,
    desk_hints,
    label_options,
    parked_lines,
    parked_options,
    queue_total,
    service_headers,
    timer_lines,
)
from ..texts import reason_text, text
from .dialogs import PickDialog, transfer_dialog, transfer_fields
from .parts import ActionPad, TimerView, align_start, bold, fill_service_table, panel, service_wait_table
from .window import Commands, StaffWindow

DETAIL_PLACES = {
    "field.state": (0, 0),
    "field.waited": (0, 2),
    "field.kind": (1, 0),
    "field.recalls": (1, 2),
    "field.appointment": (2, 0),
    "field.why": (3, 0),
}
"""Detail line -> (row, column) in the current customer panel; the last two span the width."""
WIDE_DETAILS = ("field.appointment", "field.why")
DAY_KEYS = ("day.served", "day.average", "day.overruns", "day.transferred")


class CounterWindow(StaffWindow):
    """The clerk's screen. ``commands`` gets the actions; call ``refresh()`` after the state changed.
    Actions that need a choice open a ``PickDialog`` kept in ``self.dialog`` until it closes."""

    def __init__(self, desk: Desk, commands: Commands, lang: Language = "ar") -> None:
        super().__init__(commands, lang, 1280, 800)
        self.desk = desk
        outer, body = self._frame(spacing=10)
        body.setSpacing(12)

        # current customer + timer + actions
        main = QVBoxLayout()
        body.addLayout(main, 3)
        self.current_title = QLabel()
        current_frame, current = panel(self.current_title)
        self.current_title.setVisible(False)  # the big ticket number says what the panel is
        row = QHBoxLayout()
        left = QVBoxLayout()
        self.ticket = bold(QLabel("—"), 68)
        self.ticket.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.service = bold(QLabel(), 19)
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
        for key in DETAIL_FIELDS:
            line, column = DETAIL_PLACES[key]
            name, value = QLabel(), QLabel()
            name.setStyleSheet("color: #57606a;")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            font = value.font()
            font.setPixelSize(16)
            value.setFont(font)
            self.details.addWidget(name, line, column, Qt.AlignmentFlag.AlignTop)
            self.details.addWidget(value, line, column + 1, 1, 3 if key in WIDE_DETAILS else 1)
            self.detail_labels[key] = (name, value)
        self.details.setColumnStretch(3, 1)
        self.details.setColumnStretch(1, 1)
        current.addLayout(self.details)
        main.addWidget(current_frame, 1)
        self.pad = ActionPad([key for key, _ in SLOTS], self.trigger, columns=3)
        main.addWidget(self.pad)

        # queue, day, parked
        side = QVBoxLayout()
        body.addLayout(side, 2)
        self.queue_title = QLabel()
        queue_frame, queue = panel(self.queue_title)
        self.queue_table = service_wait_table()
        queue.addWidget(self.queue_table)
        self.queue_total = bold(QLabel(), 16)
        queue.addWidget(self.queue_total)
        side.addWidget(queue_frame, 3)

        self.day_title = QLabel()
        day_frame, day = panel(self.day_title)
        self.day_grid = QGridLayout()
        self.day_labels: dict[str, tuple[QLabel, QLabel]] = {}
        for index, key in enumerate(DAY_KEYS):
            name, value = QLabel(), bold(QLabel(), 22)
            self.day_grid.addWidget(name, 0, index)
            self.day_grid.addWidget(value, 1, index)
            self.day_labels[key] = (name, value)
        day.addLayout(self.day_grid)
        side.addWidget(day_frame)

        self.parked_title = QLabel()
        parked_frame, parked = panel(self.parked_title)
        self.parked_list = QLabel()
        self.parked_list.setWordWrap(True)
        parked.addWidget(self.parked_list)
        side.addWidget(parked_frame)

        self._finish_frame(outer, SLOTS, self.trigger)

    # --- what the clerk does ----------------------------------------------------------------------
    def trigger(self, key: str) -> None:
        """The clerk pressed function key ``key`` (or clicked its button)."""
        action = self.pad.current.get(key) or dict(SLOTS)[key][0]
        state = self.desk.availability(action)
        if not state.enabled:
            self.show_status(reason_text(state.reason, state.values, self.lang))
            return
        self.start_action(action)

    def start_action(self, action: Action, overrun_required: bool = False) -> None:
        """Run ``action``, first asking for what it needs (outcome, destination, reason, ticket)."""
        lang = self.lang
        if action == Command.FINISH:
            self._ask_finish(overrun_required)
        elif action == Command.TRANSFER:
            self.dialog = transfer_dialog(self.desk.ref, self.desk.current, self.desk.number, lang, self)
            self._open(lambda v: self.commands.act(Command.TRANSFER, **transfer_fields(v)))
        elif action == Command.PAUSE_COUNTER:
            self.dialog = PickDialog(text("dlg.pause", lang), lang, self)
            self.dialog.add_list(
                "reason", text("dlg.pause", lang), label_options(self.desk.ref, "pause_reasons", lang)
            )
            self._open(lambda v: self.commands.act(Command.PAUSE_COUNTER, reason=v["reason"]))
        elif action == Command.CALL_TICKET:
            self.dialog = PickDialog(text("dlg.call_ticket", lang), lang, self)
            self.dialog.add_line("ticket", text("dlg.ticket_number", lang), "C012")
            self._open(lambda v: self.commands.act(Command.CALL_TICKET, ticket=v["ticket"].upper()))
        elif action == Command.RESUME_PARKED:
            options = parked_options(self.desk, lang)
            if len(options) == 1:
                self.commands.act(Command.RESUME_PARKED, ticket=options[0][0])
                return
            self.dialog = PickDialog(text("dlg.resume_parked", lang), lang, self)
            self.dialog.add_list("ticket", text("panel.parked", lang), options)
            self._open(lambda v: self.commands.act(Command.RESUME_PARKED, ticket=v["ticket"]))
        else:
            self.commands.act(action)

    def _ask_finish(self, overrun_required: bool) -> None:
        current = self.desk.current
        lang = self.lang
        number = current.number if current is not None else ""
        self.dialog = PickDialog(text("dlg.finish", lang, number=number), lang, self)
        outcomes = label_options(self.desk.ref, "finish_outcomes", lang)
        self.dialog.add_list(
            "outcome", text("dlg.outcome", lang), outcomes, selected=outcomes[0][0] if outcomes else None
        )
        if overrun_required or self.desk.needs_overrun_reason():
            cap = f"{current.cap_minutes if current is not None else 0:g}"
            self.dialog.add_list(
                "overrun_reason",
                text("dlg.overrun", lang, cap=cap),
                label_options(self.desk.ref, "overrun_reasons", lang),
            )
        self._open(
            lambda v: self.commands.act(
                Command.FINISH, outcome=v["outcome"], overrun_reason=v.get("overrun_reason")
            )
        )

    def on_outcome(self, outcome: Any) -> None:
        """Show how an action went (a ``session.Outcome``); a finish refused for want of an overrun
        reason opens the finish dialog again, now asking for the reason."""
        super().on_outcome(outcome)
        if not outcome.ok and outcome.action == Command.FINISH and outcome.code == "overrun_reason_required":
            self.start_action(Command.FINISH, overrun_required=True)

    # --- showing the state ----------------------------------------------------------------------
    def refresh(self) -> None:
        """Show the desk's current state."""
        desk, lang = self.desk, self.lang
        self.show_header(counter_header(desk, lang))
        self._show_current()
        self.pad.show_state(button_states(SLOTS, desk.availability, desk_hints(desk), lang))
        self._show_side()
        self.refresh_clock()

    def refresh_clock(self) -> None:
        """Update what moves with time: the cap timer and the waits."""
        reading = self.desk.timer()
        self.timer_view.show_reading(reading.phase, timer_lines(reading, self.lang))
        self._show_queue()

    def _show_current(self) -> None:
        lang = self.lang
        self.current_title.setText(text("panel.current", lang))
        lines = current_lines(self.desk, lang)
        self.ticket.setText(lines.ticket)
        self.service.setText(lines.service)
        align_start(self.ticket, lang)
        align_start(self.service, lang)
        for key, (name, value) in self.detail_labels.items():
            name.setText(text(key, lang))
            value.setText(lines.details.get(key, ""))
            align_start(value, lang)
            shown = key in lines.details
            name.setVisible(shown)
            value.setVisible(shown)

    def _show_side(self) -> None:
        lang = self.lang
        self.day_title.setText(text("panel.day", lang))
        for key, label, figure in day_figures(self.desk.day, lang):
            name, value = self.day_labels[key]
            name.setText(label)
            value.setText(figure)
            align_start(name, lang)
            align_start(value, lang)
        self.day_labels["day.overruns"][1].setStyleSheet("color: #c62828;" if self.desk.day.overruns else "")
        self.parked_title.setText(text("panel.parked", lang))
        self.parked_list.setText(parked_lines(self.desk, lang))

    def _show_queue(self) -> None:
        lang = self.lang
        self.queue_title.setText(text("panel.queue", lang))
        fill_service_table(
            self.queue_table, service_headers(lang), counter_service_rows(self.desk, lang), True
        )
        self.queue_table.resizeRowsToContents()
        self.queue_total.setText(queue_total(self.desk, lang))
