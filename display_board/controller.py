"""Glue between the hall server, the board's state, its view and the announcer.

``BoardController(client, state, view, announcer)`` listens to the shared ``qtkit.client.HallClient``,
which hands over each frame validated into the protocol's models: a snapshot or push goes into the
``BoardState``, the view is refreshed, and every call or recall the state reports is handed to the
announcer (``hardware.announcer.Announcer``: queued, in order, never overlapping; ``None`` for a silent
board). It also

* marks the board offline the moment the link drops (the view shows a discreet notice and stops every
  highlight) and back online when the fresh snapshot arrives;
* sends a ``heartbeat`` every ``heartbeat_seconds`` so supervisors see a dead board, and treats a heartbeat
  without reply within ``heartbeat_timeout`` as a dead link (forces a reconnect, which resyncs);
* reports the board's health once per login (``device_health``: display ok, announcer ok/unknown);
* switches the layout language every ``lang_cycle_seconds`` (0: stay in the first language).

Signals: ``announced(Call)`` when a call is handed to the announcer; ``changed()`` after each state change;
``problem(str)`` when the server refuses the board's token.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from PySide6.QtCore import QObject, QTimer, Signal

from hardware.announcer import Announcer
from qtkit.client import READY, HallClient, PendingReply, Push
from qtkit.i18n import Language, other
from server.protocol import messages as p
from server.protocol import payloads as pl

from .model import ticker_messages
from .state import BoardState, Call
from .view import BoardView

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 30.0
HEARTBEAT_TIMEOUT = 10.0
LOGIN_RETRY_SECONDS = 60.0


class BoardController(QObject):
    """See the module docstring."""

    announced = Signal(object)
    changed = Signal()
    problem = Signal(str)

    def __init__(
        self,
        client: HallClient,
        state: BoardState,
        view: BoardView,
        announcer: Announcer | None,
        *,
        heartbeat_seconds: float = HEARTBEAT_SECONDS,
        heartbeat_timeout: float = HEARTBEAT_TIMEOUT,
        lang_cycle_seconds: float = 0,
        ticker_extra: Sequence[tuple[str, str]] = (),
        login_retry_seconds: float = LOGIN_RETRY_SECONDS,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.client = client
        self.state = state
        self.view = view
        self.announcer = announcer
        self.ticker_extra = tuple(ticker_extra)
        self.heartbeat_timeout = heartbeat_timeout
        self._heartbeat: PendingReply | None = None
        self._stopping = False
        client.snapshotReceived.connect(self._on_snapshot)
        client.pushReceived.connect(self._on_push)
        client.stateChanged.connect(self._on_client_state)
        client.loggedIn.connect(self._on_logged_in)
        client.loginFailed.connect(self._on_login_failed)

        self._heartbeat_timer = QTimer(self)
        self._heartbeat_timer.setInterval(int(heartbeat_seconds * 1000))
        self._heartbeat_timer.timeout.connect(self.send_heartbeat)
        self._watchdog = QTimer(self)
        self._watchdog.setSingleShot(True)
        self._watchdog.setInterval(int(heartbeat_timeout * 1000))
        self._watchdog.timeout.connect(self._heartbeat_lost)
        self._login_retry = QTimer(self)
        self._login_retry.setSingleShot(True)
        self._login_retry.setInterval(int(login_retry_seconds * 1000))
        self._login_retry.timeout.connect(lambda: self.client.start())
        self._lang_timer = QTimer(self)
        if lang_cycle_seconds > 0:
            self._lang_timer.setInterval(int(lang_cycle_seconds * 1000))
            self._lang_timer.timeout.connect(self.cycle_language)
            self._lang_timer.start()
        self.view.set_ticker(ticker_messages(state, self.ticker_extra))

    # ----------------------------------------------------------------------------------- actions
    def start(self) -> None:
        """Connect to the server (the view shows "connecting" until the snapshot)."""
        self.client.start()
        self._heartbeat_timer.start()

    def stop(self) -> None:
        """Stop talking to the server and release the announcer's worker."""
        self._heartbeat_timer.stop()
        self._watchdog.stop()
        self._login_retry.stop()
        self._lang_timer.stop()
        self._stopping = True
        self.client.stop()
        if self.announcer is not None:
            self.announcer.close()

    def cycle_language(self) -> None:
        """Show the other layout language."""
        lang: Language = other(self.view.lang)
        self.view.set_lang(lang)

    def send_heartbeat(self) -> None:
        """Tell the server the board is alive; no reply within ``heartbeat_timeout`` means a dead link."""
        if self.client.state != READY or self._heartbeat is not None:
            return
        reply = self.client.request("heartbeat")
        self._heartbeat = reply
        self._watchdog.start()
        reply.finished.connect(self._on_heartbeat)

    # ----------------------------------------------------------------------------------- client signals
    def _on_snapshot(self, snapshot: p.Snapshot) -> None:
        if not isinstance(snapshot, p.BoardSnapshot):
            log.warning("ignored a %s snapshot: this is a board", snapshot.role)
            return
        self.state.set_connected(True)
        missed = self.state.apply_snapshot(snapshot.data)
        self.view.set_ticker(ticker_messages(self.state, self.ticker_extra))
        self._changed()
        for call in missed:
            log.info(
                "announcing %s to counter %s, called while the board was offline", call.number, call.counter
            )
            self._announce(call)

    def _on_push(self, push: Push) -> None:
        calls: list[Call] = []
        if isinstance(push, p.EventPush):
            calls = self.state.apply_event(push.event)
        elif isinstance(push, p.QueueStatus):
            self.state.apply_queue_status(push.open, push.services)
        else:
            return
        self._changed()
        for call in calls:
            self._announce(call)

    def _on_client_state(self, client_state: str) -> None:
        if client_state != READY:
            self._watchdog.stop()
            self._heartbeat = None
            if self.state.connected and not self._stopping:
                log.warning("lost the connection to the hall server; reconnecting")
            self.state.set_connected(False)
            self._changed()

    def _on_logged_in(self, login: pl.LoginDeviceReply | pl.LoginReply) -> None:
        who = login.device_id if isinstance(login, pl.LoginDeviceReply) else login.username
        log.info("logged in as board %s of branch %s", who, login.branch)
        announcer = "unknown" if self.announcer is None else "ok"
        self.client.request(
            "device_health",
            display="ok",
            announcer=announcer,
            detail="silent board" if self.announcer is None else "",
        )

    def _on_login_failed(self, code: str, message: str) -> None:
        text = (
            f"the server refused this board's token ({code}: {message}); check --token and the branch "
            f"config's [[devices]]; retrying in {self._login_retry.interval() // 1000} s"
        )
        log.error("%s", text)
        self.problem.emit(text)
        self._login_retry.start()

    def _on_heartbeat(self, reply: PendingReply) -> None:
        if reply is self._heartbeat:
            self._heartbeat = None
            self._watchdog.stop()
        if reply.ok and isinstance(reply.data, pl.HeartbeatReply):
            self.state.note_server_time(reply.data.now)

    def _heartbeat_lost(self) -> None:
        if self._heartbeat is None:
            return
        log.warning("no heartbeat reply in %.0f s; reconnecting", self.heartbeat_timeout)
        self._heartbeat = None
        self.client.drop_connection()

    # ----------------------------------------------------------------------------------- helpers
    def _changed(self) -> None:
        self.view.refresh()
        self.changed.emit()

    def _announce(self, call: Call) -> None:
        if self.announcer is not None:
            self.announcer.announce(call.number, call.counter, recall=call.recall)
        self.announced.emit(call)
