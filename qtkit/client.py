"""The one hall-server client of the Qt apps (kiosk, display board, counter): QWebSocket on the Qt loop.

    client = HallClient(["ws://hall-server:8765/"], DeviceLogin(token))      # or StaffLogin(user, pw, 3)
    client.snapshotReceived.connect(state.load)             # p.BoardSnapshot (.seq, .role, .data: typed)
    client.pushReceived.connect(state.apply)                # p.EventPush | p.QueueStatus | p.CounterView | ...
    client.start()
    reply = client.request("call_next")                                     # -> PendingReply
    reply.finished.connect(lambda r: ... r.ok, r.data.ticket, r.code, r.message_ar)

Every frame from the server is validated once, on arrival, into the protocol's models
(``server/protocol/messages.py`` frames, ``server/protocol/payloads.py`` payloads): the apps read
attributes, never dict keys. A frame that does not match the protocol is logged and dropped (a push
that does not match is treated as a lost push: the client resyncs; a reply that does not match fails
its request with code ``invalid_reply``).

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
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import ValidationError
from PySide6.QtCore import QObject, QTimer, QUrl, Signal
from PySide6.QtNetwork import QAbstractSocket, QNetworkProxy
from PySide6.QtWebSockets import QWebSocket

from server.i18n import text
from server.protocol import messages as p
from server.protocol import payloads as pl

log = logging.getLogger("dawr.client")
M = TypeVar("M", bound=pl.Payload)

DISCONNECTED = "disconnected"
INVALID_REPLY = "invalid_reply"
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


Push = p.EventPush | p.QueueStatus | p.CounterView | p.DeviceStatus
"""What ``HallClient.pushReceived`` carries."""


class PendingReply(QObject):
    """One request's outcome. ``finished(self)`` fires once; then ``ok`` and ``data`` (the result's
    payload model, ``payloads.REPLY_MODELS[type]``; None on error), or ``error`` (the ``p.Error``) with
    its ``code``, ``message_en``, ``message_ar`` and ``details`` (``payloads.ErrorDetails``); code
    "disconnected" if the link dropped."""

    finished = Signal(object)

    def __init__(
        self, request_id: int, message: dict[str, Any], retry: bool, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.id = request_id
        self.message = message
        self.kind: str = message["type"]
        self.retry = retry
        self.done = False
        self.ok = False
        self.data: Any = None
        self.error: p.Error | None = None
        self.code = ""
        self.message_en = ""
        self.message_ar = ""
        self.details = pl.ErrorDetails()
        self.sent_at: float | None = None

    def payload(self, model: type[M]) -> M:
        """``data`` as the reply model ``model`` (e.g. ``reply.payload(pl.TicketReply).ticket``); raises
        ``TypeError`` if the request failed or its reply is another model."""
        if not isinstance(self.data, model):
            raise TypeError(f"the reply to {self.kind} is {type(self.data).__name__}, not {model.__name__}")
        return self.data

    def _finish(self, reply: p.Result[Any] | p.Error) -> None:
        if self.done:
            return
        self.done = True
        if isinstance(reply, p.Result):
            self.ok, self.data = True, reply.data
        else:
            self.error = reply
            self.code, self.message_en, self.message_ar = reply.code, reply.message, reply.message_ar
            self.details = reply.details
        self.finished.emit(self)


def local_error(code: str, message: str, message_ar: str = "") -> p.Error:
    """An error the client itself gives a request (never sent by the server)."""
    return p.Error(id=None, code=code, message=message, message_ar=message_ar)


def _dropped() -> p.Error:
    wording = {lang: text("server", "client.disconnected", lang) for lang in ("ar", "en")}
    return local_error(DISCONNECTED, wording["en"], wording["ar"])


class HallClient(QObject):
    """See the module docstring. Signals:

    * ``stateChanged(str)`` — "connecting", "authenticating", "ready", "disconnected", "stopped"
    * ``loggedIn(object)`` — the login result: ``pl.LoginDeviceReply`` (devices) or ``pl.LoginReply``
      (staff); ``loginFailed(str code, str message)`` — wrong token/password (the client stops; call
      ``start`` with new credentials)
    * ``snapshotReceived(object)`` — a whole ``snapshot``: ``p.KioskSnapshot``, ``p.BoardSnapshot``,
      ``p.CounterSnapshot``, ``p.SupervisorSnapshot`` or ``p.AdminSnapshot`` (after login, reconnect or
      gap); ``.seq``, ``.role`` and ``.data`` (the role's ``pl.*SnapshotData``)
    * ``pushReceived(object)`` — every later push in order: ``p.EventPush`` (``.event``: ``pl.EventInfo``),
      ``p.QueueStatus``, ``p.CounterView`` (``.counter``: ``pl.CounterViewData``), ``p.DeviceStatus``
    * ``serverError(object)`` — a ``p.Error`` without a request id (e.g. ``session_expired``)
    * ``resyncing()`` — a gap was seen; a fresh snapshot was asked for
    """

    stateChanged = Signal(str)
    loggedIn = Signal(object)
    loginFailed = Signal(str, str)
    snapshotReceived = Signal(object)
    pushReceived = Signal(object)
    serverError = Signal(object)
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
        self.login_result: pl.LoginReply | pl.LoginDeviceReply | None = None
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
            pending._finish(local_error(DISCONNECTED, "The client is stopped."))
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
        if isinstance(reply.data, pl.LoginReply):  # never keep the password: reconnects resume the session
            self.credentials = SessionLogin(reply.data.session_token, reply.data.counter)
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

    def _on_text(self, frame: str) -> None:
        try:
            raw = json.loads(frame)
        except ValueError:
            return
        if not isinstance(raw, dict):
            return
        kind = raw.get("type")
        pending = None
        if kind in ("result", "error") and raw.get("id") is not None:
            request_id = raw.get("id")
            pending = self._pending.pop(request_id, None) if isinstance(request_id, int) else None
        try:
            message = p.parse_server_frame(raw, pending.kind if pending is not None else None)
        except ValidationError as problem:
            log.warning("a %s frame that does not match the protocol: %s", kind, problem)
            if pending is not None:
                pending._finish(local_error(INVALID_REPLY, "The server's reply does not match the protocol."))
            elif kind not in ("result", "error", "hello") and not self._awaiting_snapshot:
                self.resync()  # as if the push had been lost
            return
        if isinstance(message, p.Result | p.Error):
            if pending is not None:
                pending._finish(message)
            elif isinstance(message, p.Error):
                self.serverError.emit(message)
                if message.code == "session_expired":
                    self.stop()
            return
        if isinstance(message, p.Hello):
            return
        if isinstance(message, p.Snapshot):
            self.last_seq = message.seq
            self._awaiting_snapshot = False
            self.snapshotReceived.emit(message)
            return
        if self._awaiting_snapshot:
            return
        if message.prev_seq != self.last_seq:
            self.resync()
            return
        self.last_seq = message.seq
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
                item._finish(_dropped())
        queued = self._queued if include_retry else []
        for item in queued:
            item._finish(local_error(DISCONNECTED, "The client is stopped."))
        self._queued = keep + ([] if include_retry else self._queued)


def on_reply(pending: PendingReply, callback: Callable[[PendingReply], None]) -> PendingReply:
    """Call ``callback(reply)`` when ``pending`` finishes (at once if it already has)."""
    if pending.done:
        callback(pending)
    else:
        pending.finished.connect(callback)
    return pending
