"""Starting the counter client: the staff login dialog, then the counter or supervisor window.

``run(server, counter, lang)`` is what ``dawr counter`` calls: it makes the Qt application, one
``HallClient`` and one ``Session``, shows ``LoginDialog`` until a login succeeds, then the window for the
role, and returns the exit code. ``build_window(session, lang)`` makes the window for a logged-in session
(tests use it with a client of their own).
"""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from qtkit.client import AUTHENTICATING, CONNECTING, DISCONNECTED, HallClient, StaffLogin
from qtkit.i18n import Language, direction, other

from .model import Desk, Hall
from .session import Session
from .texts import language_switch, text
from .widgets import STYLE, CounterWindow, SupervisorWindow

FONT_FAMILIES = ["Noto Sans Arabic", "Noto Sans", "DejaVu Sans"]

MAX_COUNTER = 999


def app_font(pixels: int = 15) -> QFont:
    """The UI font: Noto Sans Arabic for Arabic, Noto Sans / DejaVu Sans for Latin and digits."""
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPixelSize(pixels)
    return font


class LoginDialog(QDialog):
    """Staff log in with user name and password (and their counter); the dialog stays open, showing
    the server's answer, until the login succeeds or the clerk cancels."""

    def __init__(
        self, client: HallClient, counter: int | None, lang: Language = "ar", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.client = client
        self.lang: Language = lang
        self.setStyleSheet(STYLE)
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        self.heading = QLabel()
        font = self.heading.font()
        font.setPixelSize(22)
        font.setBold(True)
        self.heading.setFont(font)
        layout.addWidget(self.heading)
        form = QFormLayout()
        self.server_label, self.server = QLabel(), QLabel(", ".join(client.urls))
        self.server.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.username_label, self.username = QLabel(), QLineEdit()
        self.password_label, self.password = QLabel(), QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        for line in (self.username, self.password):
            line.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        self.counter_label, self.counter = QLabel(), QComboBox()
        self.counter.addItem("", None)
        for number in range(1, 41):
            self.counter.addItem(str(number), number)
        if counter is not None:
            index = self.counter.findData(counter)
            if index < 0:
                self.counter.addItem(str(counter), counter)
                index = self.counter.count() - 1
            self.counter.setCurrentIndex(index)
        form.addRow(self.server_label, self.server)
        form.addRow(self.username_label, self.username)
        form.addRow(self.password_label, self.password)
        form.addRow(self.counter_label, self.counter)
        layout.addLayout(form)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QHBoxLayout()
        self.language_button = QPushButton()
        self.language_button.clicked.connect(lambda: self.set_language(other(self.lang)))
        self.cancel_button = QPushButton()
        self.cancel_button.clicked.connect(self.reject)
        self.login_button = QPushButton()
        self.login_button.setDefault(True)
        self.login_button.clicked.connect(self.submit)
        buttons.addWidget(self.language_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.login_button)
        layout.addLayout(buttons)
        client.loggedIn.connect(self._logged_in)
        client.loginFailed.connect(self._failed)
        client.stateChanged.connect(self._state)
        self.set_language(lang)
        self.username.setFocus()

    def set_language(self, lang: Language) -> None:
        """Show the dialog in ``lang``."""
        self.lang = lang
        self.setLayoutDirection(direction(lang))
        self.setWindowTitle(text("login.title", lang))
        self.heading.setText(text("login.title", lang))
        for label, key in (
            (self.server_label, "login.server"),
            (self.username_label, "login.username"),
            (self.password_label, "login.password"),
            (self.counter_label, "login.counter"),
        ):
            label.setText(text(key, lang))
        self.counter.setItemText(0, text("login.counter_none", lang))
        self.language_button.setText(language_switch(lang))
        self.cancel_button.setText(text("login.cancel", lang))
        self.login_button.setText(text("login.button", lang))

    def submit(self) -> None:
        """Log in with what was typed."""
        username, password = self.username.text().strip(), self.password.text()
        if not username or not password:
            return
        self.login_button.setEnabled(False)
        self.message.setText(text("login.busy", self.lang))
        self.client.start(StaffLogin(username, password, self.counter.currentData()))

    def _logged_in(self, _reply: object) -> None:
        self.password.clear()
        self.accept()

    def _failed(self, code: str, message: str) -> None:
        from server.net.wording import arabic

        self.login_button.setEnabled(True)
        self.password.clear()
        self.message.setText(arabic(code) if self.lang == "ar" else message)
        self.password.setFocus()

    def _state(self, state: str) -> None:
        if state in (CONNECTING, DISCONNECTED) and not self.login_button.isEnabled():
            self.message.setText(text("login.connecting", self.lang))
        elif state == AUTHENTICATING:
            self.message.setText(text("login.busy", self.lang))


def build_window(session: Session, lang: Language) -> QMainWindow:
    """The window for the logged-in session's role, wired to it."""
    model = session.model
    window: CounterWindow | SupervisorWindow
    if isinstance(model, Desk):
        window = CounterWindow(model, session, lang)
    elif isinstance(model, Hall):
        window = SupervisorWindow(model, session, lang)
    else:
        raise TypeError("log in before building the window (the session has no state yet)")
    session.changed.connect(window.refresh)
    session.replied.connect(window.on_outcome)
    session.expired.connect(window.show_status)
    return window


def run(
    server: str,
    counter: int | None = None,
    lang: Language = "ar",
    username: str | None = None,
    password: str | None = None,
) -> int:
    """Run the counter client against ``server`` until the window closes; returns the exit code. With
    ``username`` and ``password`` (an unattended counter, e.g. the demo) the login is submitted at once."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setFont(app_font())
    app.setApplicationName("dawr-counter")
    client = HallClient([server], StaffLogin("", "", counter))
    session = Session(client)
    login = LoginDialog(client, counter, lang)
    if username:
        login.username.setText(username)
    if username and password:
        login.password.setText(password)
        QTimer.singleShot(0, login.submit)
    if login.exec() != QDialog.DialogCode.Accepted:
        client.stop()
        return 1
    if session.role == "admin":
        print("dawr counter: admins have no counter screen; use 'dawr admin'.", file=sys.stderr)
        client.stop()
        return 2
    window = build_window(session, login.lang)
    window.show()
    code = app.exec()
    client.stop()
    return int(code)
