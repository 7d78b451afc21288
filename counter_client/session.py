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
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from qtkit.client import READY, HallClient, PendingReply, on_reply

from .model import REQUEST_TYPE, Action, Desk, Hall

PING_SECONDS = 10.0
PUSH_PING_GAP_SECONDS = 1.0


@dataclass(frozen=True)
class Outcome:
    """How an action went: ``ok``, or the server's ``code`` and messages; ``data`` is the result."""

    action: str
    ok: bool
    code: str = ""
    message_en: str = ""
    message_ar: str = ""
    data: dict[str, Any] = field(default_factory=dict)

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
    def _logged_in(self, data: dict[str, Any]) -> None:
        role = str(data.get("role", ""))
        if self.model is None or role != self.role:
            self.model = Desk() if role == "counter" else Hall()
        self.role = role
        self.model.user = dict(data)
        self.model.connected = True
        self.pinger.start()

    def _snapshot(self, message: dict[str, Any]) -> None:
        if self.model is None:
            return
        self.model.apply_snapshot(message.get("data") or {})
        self.model.connected = self.client.state == READY
        self.changed.emit()

    def _push(self, message: dict[str, Any]) -> None:
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

    def _server_error(self, message: dict[str, Any]) -> None:
        if message.get("code") == "session_expired":
            if self.model is not None:
                self.model.connected = False
            self.pinger.stop()
            self.expired.emit(str(message.get("message_ar") or message.get("message") or ""))
            self.changed.emit()

    def ping(self) -> None:
        """Ask the server for its time (keeps the cap timer on the server's clock)."""
        if self.model is None or self.client.state != READY:
            return
        self._last_ping = time.monotonic()
        started = time.monotonic()
        model = self.model

        def done(reply: PendingReply) -> None:
            if reply.ok and reply.data.get("now") and time.monotonic() - started < 2.0:
                model.clock.observe(reply.data["now"])
                self.changed.emit()

        on_reply(self.client.request("ping"), done)

    # --- to the server ------------------------------------------------------------------------------
    def act(self, action: Action, counter: int | None = None, **fields: Any) -> PendingReply:
        """Send ``action`` (for ``counter``, or the session's own); ``replied`` follows."""
        payload = {k: v for k, v in fields.items() if v is not None}
        if counter is not None:
            payload["counter"] = counter
        pending = self.client.request(REQUEST_TYPE[action], **payload)

        def done(reply: PendingReply) -> None:
            outcome = Outcome(
                action, reply.ok, reply.code, reply.message_en, reply.message_ar, dict(reply.data)
            )
            self.replies.append(outcome)
            self.replied.emit(outcome)

        return on_reply(pending, done)
