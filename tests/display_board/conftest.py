"""Fixtures for the display board tests: a real hall server on loopback, a board wired to it, counter staff.

``runner`` is the shared ``server.testing.ServerThread`` (a temporary SQLite database, the fake clock
``server.testing.FakeClock``); ``hall`` is the ``TestHall`` it started. A test that restarts the server (on
the same port, with the same database, as a board sees a server restart) uses both:
``runner.stop(wait=qtbot.waitUntil)`` then ``runner.start()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from display_board.controller import BoardController
from display_board.state import BoardState
from display_board.view import BoardView
from hardware.announcer import Announcer, CallAnnouncement, RecordingPlayer
from hardware.fonts import ticket_fonts
from qtkit.client import DeviceLogin, HallClient
from server.testing import ServerThread, SyncClient, TestHall

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
def runner(qtbot: Any) -> Iterator[ServerThread]:
    """The real hall server's thread (``server.testing.ServerThread``), not started yet."""
    thread = ServerThread()
    try:
        yield thread
    finally:
        if thread.running:
            server = thread.server
            qtbot.waitUntil(lambda: all(c.role != "board" for c in server.connections), timeout=WAIT)
            thread.stop(wait=qtbot.waitUntil)  # Qt clients answer the closing handshake meanwhile
        thread.close()


@pytest.fixture
def hall(runner: ServerThread) -> TestHall:
    """The real hall server on 127.0.0.1 with a temporary database and a fake clock."""
    return runner.start()


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
