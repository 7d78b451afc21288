"""Fixtures for the display board tests: a real hall server on loopback, a board wired to it, counter staff.

``hall`` is the shared ``server.testing.ServerThread``. ``restartable_hall`` is the same real server, but
one that can be stopped and started again on the *same port* with the *same database* (a server restart
as a board sees it); ``server.testing`` only binds port 0, so it is assembled here from the same parts.
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from display_board.controller import BoardController
from display_board.state import BoardState
from display_board.view import BoardView
from hardware.announcer import Announcer, CallAnnouncement, RecordingPlayer
from hardware.fonts import ticket_fonts
from qtkit.client import DeviceLogin, HallClient
from server.core.config import BranchConfig, load_default_config
from server.net.app import HallServer
from server.net.ws import HallEndpoint, serve_hall
from server.store.journal import Journal
from server.store.staff import StaffStore
from server.testing import (
    DEFAULT_DEVICES,
    DEFAULT_STAFF,
    TEST_QR_SECRET,
    FakeClock,
    ServerThread,
    SyncClient,
    with_devices,
)

WAIT = 10_000
"""Milliseconds any single wait may take before the test fails."""


@dataclass
class Board:
    """A board as the tests drive it: state, view, client, controller, a fake announcer and what it said."""

    state: BoardState
    view: BoardView
    client: HallClient
    controller: BoardController
    announcer: Announcer | None
    player: RecordingPlayer
    said: list[CallAnnouncement] = field(default_factory=list)

    def calling(self) -> list[tuple[str, str]]:
        """(ticket, counter) rows under "Now calling" in the last painted frame."""
        return self.view.shown.calling_tickets() if self.view.shown is not None else []


@pytest.fixture
def make_board(qtbot: Any) -> Iterator[Callable[..., Board]]:
    """``make_board(url, token, zone=None, announce=True)``: a board connected (snapshot shown)."""
    made: list[Board] = []

    def make(
        url: str,
        token: str,
        zone: frozenset[int] | None = None,
        announce: bool = True,
        heartbeat_seconds: float = 30.0,
    ) -> Board:
        state = BoardState(zone)
        view = BoardView(state, ticket_fonts(), lang="ar")
        view.resize(1280, 720)
        qtbot.addWidget(view)
        view.show()
        player = RecordingPlayer()
        announcer = Announcer(player, synthesizer=None) if announce else None
        client = HallClient([url], DeviceLogin(token), backoff_start=0.05, backoff_max=0.3)
        controller = BoardController(
            client, state, view, announcer, heartbeat_seconds=heartbeat_seconds, heartbeat_timeout=5.0
        )
        board = Board(state, view, client, controller, announcer, player)
        if announcer is not None:
            announcer.finished.connect(board.said.append)
        with qtbot.waitSignal(client.snapshotReceived, timeout=WAIT):
            controller.start()
        qtbot.waitUntil(lambda: view.shown is not None and view.shown.connection is None, timeout=WAIT)
        made.append(board)
        return board

    yield make
    for board in made:
        board.controller.stop()


@pytest.fixture
def hall(qtbot: Any) -> Iterator[Any]:
    """The real hall server (``server.testing``) on 127.0.0.1 with a temporary database."""
    runner = ServerThread()
    hall = runner.start()
    yield hall
    qtbot.waitUntil(lambda: all(c.role != "board" for c in hall.server.connections), timeout=WAIT)
    runner.stop()


class Desk:
    """A counter as staff drive it, over a plain blocking websocket (``server.testing.SyncClient``)."""

    def __init__(
        self, url: str, username: str, password: str, counter: int, open_counter: bool = True
    ) -> None:
        self.client = SyncClient(url)
        reply = self.client.login(username, password, counter)
        assert reply["type"] == "result", reply
        if open_counter:
            self.do("open_counter")

    def do(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Send a counter command; returns the result data (fails the test on an error reply)."""
        reply = self.client.request(kind, **fields)
        assert reply["type"] == "result", reply
        self.client.pushes.clear()
        data: dict[str, Any] = reply["data"]
        return data

    def close(self) -> None:
        self.client.close()


class Kiosk:
    """Issues walk-in tickets over a plain websocket."""

    def __init__(self, url: str, token: str) -> None:
        self.client = SyncClient(url)
        assert self.client.login_device(token)["type"] == "result"
        self.presses = 0

    def issue(self, service_id: str) -> str:
        """A new ticket's number."""
        self.presses += 1
        reply = self.client.request(
            "issue_ticket", service_id=service_id, idempotency_key=f"board-test-{self.presses:06d}"
        )
        assert reply["type"] == "result", reply
        self.client.pushes.clear()
        number: str = reply["data"]["ticket"]["number"]
        return number

    def close(self) -> None:
        self.client.close()


class RestartableHall:
    """The real server on a port that stays the same across ``stop()``/``start()`` (same database, same
    device tokens, same fake clock). ``passwords`` are re-minted at each start."""

    def __init__(self, folder: Path) -> None:
        config, self.device_tokens = with_devices(load_default_config(), DEFAULT_DEVICES)
        self.config: BranchConfig = config
        self.db_url = f"sqlite:///{folder / 'hall.db'}"
        self.clock = FakeClock()
        self.port = 0
        self.passwords: dict[str, str] = {}
        self.server: HallServer | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def start(self) -> None:
        """Start serving (on the same port as before, if it ran before); returns once it listens."""
        ready = threading.Event()
        problem: list[BaseException] = []

        async def serve() -> None:
            self._stop = asyncio.Event()
            journal = await asyncio.to_thread(Journal.open, self.db_url)
            store = StaffStore(journal.engine, scrypt_n=2**12)
            for username, role in DEFAULT_STAFF:
                self.passwords[username] = f"{username}-pw-restart"
                if store.account(username) is None:
                    await asyncio.to_thread(
                        store.add, username, self.passwords[username], role, username.title()
                    )
            self.server = HallServer(self.config, journal, store, TEST_QR_SECRET, self.clock)
            endpoint: HallEndpoint = await serve_hall(self.server, "127.0.0.1", self.port, tick_seconds=0.05)
            self.port = endpoint.port
            ready.set()
            try:
                await self._stop.wait()
            finally:
                await endpoint.stop()
                journal.close()

        def main() -> None:
            self._loop = asyncio.new_event_loop()
            try:
                self._loop.run_until_complete(serve())
            except BaseException as error:
                problem.append(error)
                ready.set()
            finally:
                self._loop.close()

        self._thread = threading.Thread(target=main, name="dawr-board-test-server", daemon=True)
        self._thread.start()
        assert ready.wait(30), "the server did not start"
        if problem:
            raise RuntimeError(f"the server did not start: {problem[0]!r}")

    @property
    def running(self) -> bool:
        """True while the server thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self, qtbot: Any) -> None:
        """Stop serving: connections are closed with 1001 (going away). Waits with ``qtbot`` so the Qt
        clients can answer the closing handshake meanwhile."""
        if self._loop is not None and self._stop is not None and self.running:
            self._loop.call_soon_threadsafe(self._stop.set)
            qtbot.waitUntil(lambda: not self.running, timeout=30_000)


@pytest.fixture
def restartable_hall(qtbot: Any) -> Iterator[RestartableHall]:
    with tempfile.TemporaryDirectory(prefix="dawr-board-test-") as folder:
        runner = RestartableHall(Path(folder))
        runner.start()
        try:
            yield runner
        finally:
            if runner.server is not None and runner.running:
                server = runner.server
                qtbot.waitUntil(lambda: all(c.role != "board" for c in server.connections), timeout=WAIT)
            runner.stop(qtbot)
