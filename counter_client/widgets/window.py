"""``StaffWindow``: what the counter and the supervisor screens share, written once — the frame (heading,
who is logged in, the language button, the offline banner, the body, the status line), the function keys
and the one-second ticker, the one dialog open at a time, and showing an action's outcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QMainWindow, QPushButton, QVBoxLayout, QWidget

from qtkit.i18n import Language, direction, other

from ..model import Action
from ..presenters import LANGUAGE_KEY, Header, Slots, outcome_text
from .dialogs import PickDialog
from .parts import STYLE, bold


class Commands(Protocol):
    """Where the widgets send what the clerk asked for."""

    def act(self, action: Action, counter: int | None = None, **fields: Any) -> object: ...


class StaffWindow(QMainWindow):
    """The shared frame of both staff screens (see the module docstring). A screen calls ``_frame`` to
    get its body row, fills it, then ``_finish_frame`` with its keys; it draws itself in ``refresh()``
    (which ``set_language`` calls) and ``refresh_clock()`` (every second)."""

    language_changed = Signal(str)

    def __init__(self, commands: Commands, lang: Language, width: int, height: int) -> None:
        super().__init__()
        self.commands = commands
        self.lang: Language = lang
        self.dialog: PickDialog | None = None
        self.status_text = ""
        self.setStyleSheet(STYLE)
        self.resize(width, height)

    # --- the frame ----------------------------------------------------------------------------------
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
        self.heading = bold(QLabel(), 24)
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

    def _finish_frame(self, outer: QVBoxLayout, slots: Slots, trigger: Callable[[str], None]) -> None:
        """The status line under the body, the function keys (``slots`` and the language key) and the
        ticker that calls ``refresh_clock`` every second; then the first ``refresh``."""
        self.status = QLabel()
        self.status.setObjectName("status")
        outer.addWidget(self.status)
        for key, _ in slots:
            QShortcut(QKeySequence(key), self).activated.connect(lambda k=key: trigger(k))
        QShortcut(QKeySequence(LANGUAGE_KEY), self).activated.connect(self.toggle_language)
        self.ticker = QTimer(self)
        self.ticker.setInterval(1000)
        self.ticker.timeout.connect(self.refresh_clock)
        self.ticker.start()
        self.refresh()

    def show_header(self, header: Header) -> None:
        """Mirror the window for the language and show the top of the frame (``presenters.*_header``)."""
        self.setLayoutDirection(direction(self.lang))
        self.setWindowTitle(header.title)
        self.heading.setText(header.heading)
        self.who.setText(header.who)
        self.language_button.setText(header.language)
        self.banner.setText(header.banner)
        if header.banner_kind is not None and self.banner.objectName() != header.banner_kind:
            self.banner.setObjectName(header.banner_kind)
            self.banner.setStyleSheet("")  # re-polish after the object name changed
        self.banner.setVisible(header.banner_kind is not None)

    # --- drawing, in each screen --------------------------------------------------------------------
    def refresh(self) -> None:
        """Show the state (each screen draws its own)."""
        raise NotImplementedError

    def refresh_clock(self) -> None:
        """Update what moves with time (each screen its own)."""
        raise NotImplementedError

    # --- dialogs, language, status ------------------------------------------------------------------
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
        self.show_status(
            outcome_text(
                outcome.ok, outcome.action, outcome.ticket_number, outcome.message(self.lang), self.lang
            )
        )
