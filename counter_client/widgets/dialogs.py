"""The small forms the staff screens open for an action that needs a choice: ``PickDialog`` (lists, a
drop-down, a text field) and the transfer form built on it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from qtkit.i18n import Language, direction
from server.protocol import payloads as pl

from ..model import Reference
from ..presenters import position_options, transfer_options
from ..texts import text
from .parts import bold


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
        self.heading = bold(QLabel(title), 20)
        self.layout_.addWidget(self.heading)
        self.lists: dict[str, QListWidget] = {}
        self.combos: dict[str, QComboBox] = {}
        self.lines: dict[str, QLineEdit] = {}
        self.required: set[str] = set()
        self.buttons = QDialogButtonBox()
        self.ok = self.buttons.addButton(text("dlg.ok", lang), QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(text("dlg.cancel", lang), QDialogButtonBox.ButtonRole.RejectRole)
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
        label = bold(QLabel(title), 16)
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
        self.layout_.addWidget(bold(QLabel(title), 16))
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


def transfer_dialog(
    ref: Reference,
    current: pl.CurrentTicket | None,
    own_counter: int | None,
    lang: Language,
    parent: QWidget | None,
) -> PickDialog:
    """Where to send the current customer (the supervisor first, then other services, then counters) and
    the place in the new line."""
    title = text("dlg.transfer", lang, number=current.number if current is not None else "")
    dialog = PickDialog(title, lang, parent)
    dialog.add_list("to", title, transfer_options(ref, current, own_counter, lang))
    dialog.add_combo("position", text("dlg.position", lang), position_options(lang))
    return dialog


def transfer_fields(values: dict[str, Any]) -> dict[str, Any]:
    """The ``transfer`` request's fields from a ``transfer_dialog``'s values."""
    kind, target = values["to"]
    return {
        "to_service": target if kind == "service" else None,
        "to_counter": target if kind == "counter" else None,
        "position": values["position"],
    }
