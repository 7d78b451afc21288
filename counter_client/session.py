"""Ties the shared hall client (``qtkit.client.HallClient``) to the counter or supervisor state.

``Session(client)`` listens to the client: after login it makes the state for the role (a ``Desk`` for
counter staff, a ``Hall`` for supervisors), feeds it the snapshot and every push, keeps its server clock
(``ping`` now and then, and after pushes) and its connected flag, and emits ``changed``. ``act(action,
counter=None, **fields)`` sends the request for an action and emits ``replied(Outcome)`` with the result.
Reconnecting and resuming the session are the client's job; a fresh snapshot replaces the state, so the
customer at the counter (kept by the server) is shown again as it is.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from qtkit.client import READY, HallClient, PendingReply, Push, on_reply
from server.core.lifecycle import Command
from server.protocol import messages as p
from server.protocol import payloads as pl

from .model import Action, Desk, Hall

PING_SECONDS = 10.0
PUSH_PING_GAP_SECONDS = 1.0


@dataclass(frozen=True)
class Outcome:
    """How an action went: ``ok``, or the server's ``code`` and messages; ``data`` is the reply (a
    ``payloads.CounterReply``, None when refused)."""

    action: Action
    ok: bool
    code: str = ""
    message_en: str = ""
    message_ar: str = ""
    data: pl.CounterReply | None = None

    @property
    def ticket_number(self) -> str | None:
        """The number of the ticket the reply names (the one called, served, parked...), if any."""
        ticket = self.data.ticket if self.data is not None else None
        return ticket.number if ticket is not None else None

    def message(self, lang: str) -> str:
        """The server's message in ``lang`` (English if there is no Arabic one)."""
        return (self.message_ar or self.message_en) if lang == "ar" else self.message_en


class Session(QObject):
    """See the module docstring. ``model`` is None until the login succeeded."""

    changed = Signal()
    replied = Signal(object)
    expired = Signal(str)

    def __init__(self, client: HallClient, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.client = client
        self.model: Desk | Hall | None = None
        self.role = ""
        self.replies: list[Outcome] = []
        self._last_ping = 0.0
        client.loggedIn.connect(self._logged_in)
        client.snapshotReceived.connect(self._snapshot)
        client.pushReceived.connect(self._push)
        client.stateChanged.connect(self._state)
        client.serverError.connect(self._server_error)
        self.pinger = QTimer(self)
        self.pinger.setInterval(int(PING_SECONDS * 1000))
        self.pinger.timeout.connect(self.ping)

    # --- from the client --------------------------------------------------------------------------
    def _logged_in(self, reply: pl.LoginReply | pl.LoginDeviceReply) -> None:
        if not isinstance(reply, pl.LoginReply):
            return
        role = reply.role
        if self.model is None or role != self.role:
            self.model = Desk() if role == "counter" else Hall()
        self.role = role
        self.model.user_name = reply.display_name or reply.username
        self.model.connected = True
        self.pinger.start()

    def _snapshot(self, snapshot: p.Snapshot) -> None:
        model = self.model
        if isinstance(model, Desk) and isinstance(snapshot, p.CounterSnapshot):  # noqa: SIM114 (two types)
            model.apply_snapshot(snapshot.data)
        elif isinstance(model, Hall) and isinstance(snapshot, p.SupervisorSnapshot):
            model.apply_snapshot(snapshot.data)
        else:
            return  # not logged in yet, or a snapshot for another role
        model.connected = self.client.state == READY
        self.changed.emit()

    def _push(self, message: Push) -> None:
        if self.model is None:
            return
        if self.model.apply_push(message):
            self.changed.emit()
        if time.monotonic() - self._last_ping >= PUSH_PING_GAP_SECONDS:
            self.ping()

    def _state(self, state: str) -> None:
        if self.model is None:
            return
        connected = state == READY
        if connected != self.model.connected:
            self.model.connected = connected
            self.changed.emit()

    def _server_error(self, error: p.Error) -> None:
        if error.code == "session_expired":
            if self.model is not None:
                self.model.connected = False
            self.pinger.stop()
            self.expired.emit(error.message_ar or error.message)
            self.changed.emit()

    def ping(self) -> None:
        """Ask the server for its time (keeps the cap timer on the server's clock)."""
        if self.model is None or self.client.state != READY:
            return
        self._last_ping = time.monotonic()
        started = time.monotonic()
        model = self.model

        def done(reply: PendingReply) -> None:
            if reply.ok and time.monotonic() - started < 2.0:
                model.clock.observe(reply.payload(pl.PingReply).now)
                self.changed.emit()

        on_reply(self.client.request("ping"), done)

    # --- to the server ------------------------------------------------------------------------------
    def act(self, action: Action | str, counter: int | None = None, **fields: Any) -> PendingReply:
        """Send ``action`` (a ``Command``, or its request type) for ``counter``, or the session's own;
        ``replied`` follows."""
        command = Command(action)
        payload = {k: v for k, v in fields.items() if v is not None}
        if counter is not None:
            payload["counter"] = counter
        pending = self.client.request(command.value, **payload)

        def done(reply: PendingReply) -> None:
            data = reply.data if isinstance(reply.data, pl.CounterReply) else None
            outcome = Outcome(command, reply.ok, reply.code, reply.message_en, reply.message_ar, data)
            self.replies.append(outcome)
            self.replied.emit(outcome)

        return on_reply(pending, done)
