"""The staff login dialog against the real server: a wrong password is refused, a right one logs in."""

from __future__ import annotations

from typing import Any

from counter_client.app import LoginDialog, build_window
from counter_client.session import Session
from counter_client.widgets import CounterWindow
from qtkit.client import HallClient, StaffLogin
from server.core.lifecycle import Command

from .conftest import Sessions


def test_login_dialog_then_counter_window(qtbot: Any, sessions: Sessions) -> None:
    hall = sessions.runner.hall
    assert hall is not None
    client = HallClient([hall.url], StaffLogin("", "", 3), backoff_start=0.05)
    sessions.clients.append(client)
    session = Session(client)
    dialog = LoginDialog(client, 3, "en")
    qtbot.addWidget(dialog)
    assert dialog.counter.currentData() == 3

    dialog.username.setText("alice")
    dialog.password.setText("wrong-password")
    with qtbot.waitSignal(client.loginFailed, timeout=5000):
        dialog.login_button.click()
    assert dialog.message.text() == "Wrong user name or password, or the account is disabled."
    assert dialog.password.text() == "" and dialog.login_button.isEnabled()

    dialog.set_language("ar")
    dialog.password.setText(hall.passwords["alice"])
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.login_button.click()
    qtbot.waitUntil(lambda: session.model is not None and session.model.view is not None, timeout=5000)
    window = build_window(session, dialog.lang)
    qtbot.addWidget(window)
    assert isinstance(window, CounterWindow)
    assert window.heading.text() == "شباك ٣"
    assert window.pad.current["F10"] == Command.OPEN_COUNTER and window.pad.buttons["F10"].isEnabled()
