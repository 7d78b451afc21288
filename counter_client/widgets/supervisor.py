"""``SupervisorWindow``: every counter live, the waiting per service, the tickets transferred to the
supervisor and the devices; the supervisor acts for the counter picked in the table."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from qtkit.i18n import Language
from server.core.lifecycle import Command

from ..model import Hall
from ..presenters import (
    STATE_COLUMN,
    SUPERVISOR_SLOTS,
    TIMER_COLUMN,
    acting_line,
    button_states,
    counter_headers,
    counter_row,
    device_lines,
    hall_service_rows,
    referred_lines,
    service_headers,
    supervisor_header,
)
from ..texts import reason_text, text
from .dialogs import PickDialog, transfer_dialog, transfer_fields
from .parts import (
    PHASE_STYLE,
    ActionPad,
    bold,
    fill_service_table,
    panel,
    read_only_table,
    service_wait_table,
    table_cell,
)
from .window import Commands, StaffWindow

STATE_COLOURS = {"open": "#0a6b2c", "paused": "#9a6700"}
"""Counter state -> the colour of its state cell (others grey)."""
SEVERITY_COLOURS = {"fault": "#c62828", "warning": "#9a6700", "ok": "#0a6b2c"}


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
        counters_frame, counters = panel(self.counters_title)
        self.table = read_only_table(6)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
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
        self.acting = bold(QLabel(), 16)
        left.addWidget(self.acting)
        self.pad = ActionPad([key for key, _ in SUPERVISOR_SLOTS], self.trigger, columns=3)
        left.addWidget(self.pad)

        right = QVBoxLayout()
        body.addLayout(right, 2)
        self.queue_title = QLabel()
        queue_frame, queue = panel(self.queue_title)
        self.queue_table = service_wait_table()
        queue.addWidget(self.queue_table)
        right.addWidget(queue_frame, 3)
        self.referred_title = QLabel()
        referred_frame, referred = panel(self.referred_title)
        self.referred_list = QListWidget()
        self.referred_list.itemSelectionChanged.connect(self._show_actions)
        referred.addWidget(self.referred_list)
        self.call_referred = QPushButton()
        self.call_referred.setObjectName("action")
        self.call_referred.clicked.connect(self.call_selected_referred)
        referred.addWidget(self.call_referred)
        right.addWidget(referred_frame, 2)
        self.devices_title = QLabel()
        devices_frame, devices = panel(self.devices_title)
        self.devices_list = QLabel()
        self.devices_list.setWordWrap(True)
        self.devices_list.setTextFormat(Qt.TextFormat.RichText)
        devices.addWidget(self.devices_list)
        right.addWidget(devices_frame, 1)

        self._finish_frame(outer, SUPERVISOR_SLOTS, self.trigger)

    # --- acting -------------------------------------------------------------------------------------
    def select_counter(self, number: int | None) -> None:
        """Act for counter ``number`` (selects its row)."""
        self.selected = number if number in self.hall.views else None
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
        if action == Command.TRANSFER:
            view = self.hall.views.get(number or 0)
            current = view.current if view is not None else None
            self.dialog = transfer_dialog(self.hall.ref, current, number, self.lang, self)
            self._open(lambda v: self.commands.act(Command.TRANSFER, counter=number, **transfer_fields(v)))
        elif action == Command.CALL_TICKET:
            self.dialog = PickDialog(text("dlg.call_ticket", self.lang), self.lang, self)
            self.dialog.add_line("ticket", text("dlg.ticket_number", self.lang), "S001")
            self._open(
                lambda v: self.commands.act(Command.CALL_TICKET, counter=number, ticket=v["ticket"].upper())
            )
        else:
            self.commands.act(action, counter=number)

    def call_selected_referred(self) -> None:
        """Call the selected referred ticket to the selected counter."""
        item = self.referred_list.currentItem()
        state = self.hall.availability(self.selected, Command.CALL_TICKET)
        if item is None or not state.enabled:
            if not state.enabled:
                self.show_status(reason_text(state.reason, state.values, self.lang))
            return
        self.commands.act(
            Command.CALL_TICKET, counter=self.selected, ticket=item.data(Qt.ItemDataRole.UserRole)
        )

    # --- showing ------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Show the hall's current state."""
        lang = self.lang
        self.show_header(supervisor_header(self.hall, lang))
        self.counters_title.setText(text("sv.counters", lang))
        self.queue_title.setText(text("sv.waiting", lang))
        self.referred_title.setText(text("sv.referred", lang))
        self.devices_title.setText(text("sv.devices", lang))
        self.call_referred.setText(text("sv.call_referred", lang))
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
        self.acting.setText(acting_line(self.hall, self.selected, lang))
        self.pad.show_state(
            button_states(SUPERVISOR_SLOTS, lambda a: self.hall.availability(self.selected, a), {}, lang)
        )
        has_referred = self.referred_list.currentItem() is not None
        self.call_referred.setEnabled(
            has_referred and self.hall.availability(self.selected, Command.CALL_TICKET).enabled
        )

    def _show_counters(self) -> None:
        lang = self.lang
        table = self.table
        table.setHorizontalHeaderLabels(counter_headers(lang))
        numbers = sorted(self.hall.views)
        table.setRowCount(len(numbers))
        for row, number in enumerate(numbers):
            line = counter_row(self.hall, number, lang)
            for column, value in enumerate(line.cells):
                item = table_cell(table, row, column, value)
                if column == TIMER_COLUMN:
                    background, colour = (
                        PHASE_STYLE["none"]
                        if line.phase in ("", "none", "called")
                        else PHASE_STYLE[line.phase]
                    )
                    item.setBackground(QColor(background))
                    item.setForeground(QColor(colour))
                elif column == STATE_COLUMN:
                    item.setForeground(QColor(STATE_COLOURS.get(line.state, "#8c959f")))
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
        lang = self.lang
        fill_service_table(self.queue_table, service_headers(lang), hall_service_rows(self.hall, lang), False)

    def _show_referred(self) -> None:
        chosen = self.referred_list.currentItem()
        chosen_id = chosen.data(Qt.ItemDataRole.UserRole) if chosen is not None else None
        self.referred_list.blockSignals(True)
        self.referred_list.clear()
        for ticket_id, caption in referred_lines(self.hall, self.lang):
            item = QListWidgetItem(caption)
            item.setData(Qt.ItemDataRole.UserRole, ticket_id)
            self.referred_list.addItem(item)
            if ticket_id == chosen_id:
                self.referred_list.setCurrentItem(item)
        self.referred_list.blockSignals(False)

    def referred_numbers(self) -> list[str]:
        """The captions in the referred list as shown."""
        return [self.referred_list.item(i).text() for i in range(self.referred_list.count())]

    def _show_devices(self) -> None:
        lines = []
        for device in device_lines(self.hall, self.lang):
            colour = SEVERITY_COLOURS[device.severity]
            lines.append(
                f"<span style='color:{colour}'><b>{'⚠ ' if device.alert else '● '}{device.name}</b>: "
                f"{device.state}</span>"
                + (f" <span style='color:#57606a'>{device.detail}</span>" if device.detail else "")
            )
        self.devices_list.setText("<br>".join(lines) or text("sv.devices_ok", self.lang))
