"""The one hall-server client of the Qt apps (kiosk, display board, counter): QWebSocket on the Qt loop.

    client = HallClient(["ws://hall-server:8765/"], DeviceLogin(token))      # or StaffLogin(user, pw, 3)
    client.snapshotReceived.connect(state.load)                             # role's full view
    client.pushReceived.connect(state.apply)                                # event / queue_status / ...
    client.start()
    reply = client.request("call_next")                                     # -> PendingReply
    reply.finished.connect(lambda r: ... r.ok, r.data, r.code, r.message_ar)

What it does for the app: connects (trying the URLs in turn), logs in (a staff login is continued with
its session token after a reconnect, so the password is not kept), delivers the snapshot and then pushes
in order, notices a gap in ``prev_seq`` and asks for a fresh snapshot itself (pushes before that
snapshot are dropped), reconnects with exponential backoff (0.5 s doubling, at most every ``backoff_max``
= 2 s: on the hall LAN a retry costs nothing and a device is back within seconds of its server), pings
every ``ping_seconds``. Requests sent
while disconnected are queued; ones marked ``retry=True`` (the kiosk's idempotent ``issue_ticket``) are
re-sent after a reconnect, the others fail with code ``disconnected``. A request left unanswered for
``request_timeout`` seconds (the ping included) means a dead link: the client drops it and reconnects.
Replies have no Qt parent: each lives while the client waits for it or the caller holds it, so a client
running for weeks keeps no finished replies. No global state: one object per app.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, QUrl, Signal
from PySide6.QtNetwork import QAbstractSocket, QNetworkProxy
from PySide6.QtWebSockets import QWebSocket

DISCONNECTED = "disconnected"
CONNECTING = "connecting"
AUTHENTICATING = "authenticating"
READY = "ready"
STOPPED = "stopped"


@dataclass(frozen=True)
class DeviceLogin:
    """A kiosk or board: its device token."""

    token: str


@dataclass(frozen=True)
class StaffLogin:
    """Staff: user name, password (forgotten after the first login) and counter (None for supervisors
    who do not sit at one, and admins)."""

    username: str
    password: str
    counter: int | None = None


@dataclass(frozen=True)
class SessionLogin:
    """Staff resuming an earlier session by its token (what reconnects use)."""

    session_token: str
    counter: int | None = None


Credentials = DeviceLogin | StaffLogin | SessionLogin


class PendingReply(QObject):
    """One request's outcome. ``finished(self)`` fires once; then ``ok``, ``data`` (result) or ``code``,
    ``message``, ``message_ar``, ``details`` (error; code "disconnected" if the link dropped)."""

    finished = Signal(object)

    def __init__(
        self, request_id: int, message: dict[str, Any], retry: bool, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.id = request_id
        self.message = message
        self.retry = retry
        self.done = False
        self.ok = False
        self.data: dict[str, Any] = {}
        self.code = ""
        self.message_en = ""
        self.message_ar = ""
        self.details: dict[str, Any] = {}
        self.sent_at: float | None = None

    def _finish(self, reply: dict[str, Any]) -> None:
        if self.done:
            return
        self.done = True
        self.ok = reply.get("type") == "result"
        self.data = reply.get("data", {}) if self.ok else {}
        self.code = "" if self.ok else str(reply.get("code", "error"))
        self.message_en = str(reply.get("message", ""))
        self.message_ar = str(reply.get("message_ar", ""))
        self.details = reply.get("details", {}) or {}
        self.finished.emit(self)


class HallClient(QObject):
    """See the module docstring. Signals:

    * ``stateChanged(str)`` — "connecting", "authenticating", "ready", "disconnected", "stopped"
    * ``loggedIn(dict)`` — the login result (role, counter, ...); ``loginFailed(str code, str message)``
      — wrong token/password (the client stops; call ``start`` with new credentials)
    * ``snapshotReceived(dict)`` — a whole ``snapshot`` message (after login, reconnect or gap)
    * ``pushReceived(dict)`` — every later push in order (``event``, ``queue_status``, ``counter_view``,
      ``device_status``)
    * ``serverError(dict)`` — an error without a request id (e.g. ``session_expired``)
    * ``resyncing()`` — a gap was seen; a fresh snapshot was asked for
    """

    stateChanged = Signal(str)
    loggedIn = Signal(dict)
    loginFailed = Signal(str, str)
    snapshotReceived = Signal(dict)
    pushReceived = Signal(dict)
    serverError = Signal(dict)
    resyncing = Signal()

    def __init__(
        self,
        urls: Sequence[str],
        credentials: Credentials,
        parent: QObject | None = None,
        *,
        backoff_start: float = 0.5,
        backoff_max: float = 2.0,
        ping_seconds: float = 30.0,
        request_timeout: float = 20.0,
    ) -> None:
        super().__init__(parent)
        if not urls:
            raise ValueError("give at least one server URL")
        self.urls = list(urls)
        self.credentials: Credentials = credentials
        self.state = STOPPED
        self.last_seq = -1
        self.login_result: dict[str, Any] = {}
        self.backoff_start, self.backoff_max = backoff_start, backoff_max
        self._backoff = backoff_start
        self._url_index = 0
        self._next_id = 0
        self._pending: dict[int, PendingReply] = {}
        self._queued: list[PendingReply] = []
        self._awaiting_snapshot = True
        self._login_id: int | None = None
        self._socket: QWebSocket | None = None
        self._retry_timer = QTimer(self)
        self._retry_timer.setSingleShot(True)
        self._retry_timer.timeout.connect(self._open)
        self._ping_timer = QTimer(self)
        self._ping_timer.setInterval(int(ping_seconds * 1000))
        self._ping_timer.timeout.connect(lambda: self.request("ping"))
        self.request_timeout = request_timeout
        self._watchdog = QTimer(self)
        self._watchdog.setInterval(int(min(1.0, request_timeout / 4) * 1000))
        self._watchdog.timeout.connect(self._check_stalled)
        self._watchdog.start()

    # ------------------------------------------------------------------------------------- control
    @property
    def url(self) -> str:
        """The server URL in use (or tried next)."""
        return self.urls[self._url_index % len(self.urls)]

    def start(self, credentials: Credentials | None = None) -> None:
        """Connect and log in (with new ``credentials`` if given); returns at once."""
        if credentials is not None:
            self.credentials = credentials
        self._backoff = self.backoff_start
        self._open()

    def stop(self) -> None:
        """Close the connection and stop reconnecting; pending requests fail with "disconnected"."""
        self._retry_timer.stop()
        self._ping_timer.stop()
        self._set_state(STOPPED)
        self._drop_socket()
        self._fail_pending(include_retry=True)

    def drop_connection(self) -> None:
        """Close the socket as if the network failed (the client reconnects); for tests and diagnostics."""
        if self._socket is not None:
            self._socket.abort()

    def request(self, kind: str, retry: bool = False, **fields: Any) -> PendingReply:
        """Send a request; the returned ``PendingReply`` finishes with the reply. While not ready the
        request waits for the connection (``retry=True``: it also survives a reconnect)."""
        self._next_id += 1
        message = {"id": self._next_id, "type": kind, **fields}
        # no Qt parent: the reply lives while the client waits for it or a caller holds it, then it is freed
        pending = PendingReply(self._next_id, message, retry)
        if self.state == READY or (kind in ("login", "login_device", "resume_session") and self._socket):
            self._send(pending)
        elif self.state == STOPPED:
            pending._finish({"type": "error", "code": DISCONNECTED, "message": "The client is stopped."})
        else:
            self._queued.append(pending)
        return pending

    def resync(self) -> None:
        """Ask for a fresh snapshot (done automatically on a gap)."""
        self._awaiting_snapshot = True
        self.resyncing.emit()
        self.request("resync")

    def logout(self) -> PendingReply:
        """End the staff session on the server and stop."""
        reply = self.request("logout")
        reply.finished.connect(lambda _r: self.stop())
        return reply

    # ------------------------------------------------------------------------------------ internals
    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.stateChanged.emit(state)

    def _drop_socket(self) -> None:
        socket, self._socket = self._socket, None
        if socket is not None:
            socket.disconnected.disconnect(self._on_disconnected)
            socket.textMessageReceived.disconnect(self._on_text)
            socket.close()
            socket.deleteLater()

    def _open(self) -> None:
        self._drop_socket()
        socket = QWebSocket()
        socket.setProxy(QNetworkProxy(QNetworkProxy.ProxyType.NoProxy))
        socket.connected.connect(self._on_connected)
        socket.disconnected.connect(self._on_disconnected)
        socket.textMessageReceived.connect(self._on_text)
        socket.errorOccurred.connect(self._on_error)
        self._socket = socket
        self._set_state(CONNECTING)
        socket.open(QUrl(self.url))

    def _on_error(self, _error: QAbstractSocket.SocketError) -> None:
        if self._socket is not None and self._socket.state() == QAbstractSocket.SocketState.UnconnectedState:
            self._on_disconnected()

    def _on_connected(self) -> None:
        self._set_state(AUTHENTICATING)
        self.last_seq = -1
        self._awaiting_snapshot = True
        credentials = self.credentials
        if isinstance(credentials, DeviceLogin):
            pending = self.request("login_device", token=credentials.token)
        elif isinstance(credentials, StaffLogin):
            fields: dict[str, Any] = {"username": credentials.username, "password": credentials.password}
            if credentials.counter is not None:
                fields["counter"] = credentials.counter
            pending = self.request("login", **fields)
        else:
            fields = {"session_token": credentials.session_token}
            if credentials.counter is not None:
                fields["counter"] = credentials.counter
            pending = self.request("resume_session", **fields)
        self._login_id = pending.id
        pending.finished.connect(self._on_login)

    def _on_login(self, reply: PendingReply) -> None:
        if not reply.ok:
            if reply.code == DISCONNECTED:
                return
            self.loginFailed.emit(reply.code, reply.message_en)
            self.stop()
            return
        self.login_result = reply.data
        token = reply.data.get("session_token")
        if token:  # never keep the password: reconnects resume the session
            self.credentials = SessionLogin(token, reply.data.get("counter"))
        self._backoff = self.backoff_start
        self._set_state(READY)
        self._ping_timer.start()
        self.loggedIn.emit(reply.data)
        queued, self._queued = self._queued, []
        for pending in queued:
            self._send(pending)

    def _check_stalled(self) -> None:
        """A request unanswered for ``request_timeout`` seconds means the link is dead even if no close
        came (a cable pulled, a server frozen): drop it and reconnect; pending requests fail as
        "disconnected" (those sent with ``retry=True`` are sent again after the reconnect)."""
        if self._socket is None or not self._pending:
            return
        oldest = min((p.sent_at for p in self._pending.values() if p.sent_at is not None), default=None)
        if oldest is not None and time.monotonic() - oldest > self.request_timeout:
            self._socket.abort()
            if self._socket is not None and self.state != DISCONNECTED:
                self._on_disconnected()

    def _send(self, pending: PendingReply) -> None:
        assert self._socket is not None
        pending.sent_at = time.monotonic()
        self._pending[pending.id] = pending
        self._socket.sendTextMessage(json.dumps(pending.message, ensure_ascii=False))

    def _on_text(self, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            return
        if not isinstance(message, dict):
            return
        kind = message.get("type")
        if kind in ("result", "error"):
            pending = self._pending.pop(message.get("id"), None) if message.get("id") is not None else None
            if pending is not None:
                pending._finish(message)
            elif kind == "error":
                self.serverError.emit(message)
                if message.get("code") == "session_expired":
                    self.stop()
            return
        if kind == "hello":
            return
        if kind == "snapshot":
            self.last_seq = int(message["seq"])
            self._awaiting_snapshot = False
            self.snapshotReceived.emit(message)
            return
        if self._awaiting_snapshot:
            return
        if message.get("prev_seq") != self.last_seq:
            self.resync()
            return
        self.last_seq = int(message["seq"])
        self.pushReceived.emit(message)

    def _on_disconnected(self) -> None:
        if self.state == STOPPED:
            return
        self._ping_timer.stop()
        self._drop_socket()
        self._set_state(DISCONNECTED)
        self._fail_pending(include_retry=False)
        self._url_index += 1
        delay = self._backoff
        self._backoff = min(self.backoff_max, self._backoff * 2)
        self._retry_timer.start(int(delay * 1000))

    def _fail_pending(self, include_retry: bool) -> None:
        pending, self._pending = list(self._pending.values()), {}
        keep = [p for p in pending if p.retry and not include_retry and p.id != self._login_id]
        for item in pending:
            if item not in keep:
                item._finish(
                    {
                        "type": "error",
                        "code": DISCONNECTED,
                        "message": "The connection dropped.",
                        "message_ar": "انقطع الاتصال بالخادم.",
                    }
                )
        queued = self._queued if include_retry else []
        for item in queued:
            item._finish({"type": "error", "code": DISCONNECTED, "message": "The client is stopped."})
        self._queued = keep + ([] if include_retry else self._queued)


def on_reply(pending: PendingReply, callback: Callable[[PendingReply], None]) -> PendingReply:
    """Call ``callback(reply)`` when ``pending`` finishes (at once if it already has)."""
    if pending.done:
        callback(pending)
    else:
        pending.finished.connect(callback)
    return pending
