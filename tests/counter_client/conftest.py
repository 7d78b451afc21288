"""Fixtures: a real hall server on loopback (fake clock), a kiosk to issue tickets, logged-in sessions."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from counter_client.app import build_window
from counter_client.session import Outcome, Session
from qtkit.client import HallClient, StaffLogin
from server.protocol import messages as p
from server.testing import ServerThread, SyncClient, server_thread

WAIT_MS = 5000


@pytest.fixture
def runner() -> Iterator[ServerThread]:
    """The real server in a thread, with a fake clock (``runner.advance(minutes=…)``)."""
    with server_thread() as running:
        yield running


@pytest.fixture
def kiosk(runner: ServerThread) -> Iterator[SyncClient]:
    """A logged-in kiosk on the same server, to issue walk-in tickets."""
    assert runner.hall is not None
    with SyncClient(runner.hall.url) as client:
        client.login_device(runner.hall.device_tokens["kiosk-1"])
        yield client


def issue(kiosk: SyncClient, service_id: str = "inquiry", count: int = 1) -> list[str]:
    """Issue ``count`` walk-in tickets; returns their numbers."""
    numbers = []
    for _ in range(count):
        reply = kiosk.request(
            "issue_ticket", service_id=service_id, idempotency_key=f"test-{uuid.uuid4().hex[:16]}"
        )
        frame = p.parse_server_frame(reply, "issue_ticket")
        assert isinstance(frame, p.Result), reply
        numbers.append(frame.data.ticket.number)
    return numbers


class Sessions:
    """Starts logged-in ``Session``s (and their windows) against the test server; stops them after."""

    def __init__(self, qtbot: Any, runner: ServerThread) -> None:
        self.qtbot = qtbot
        self.runner = runner
        self.clients: list[HallClient] = []

    def login(self, username: str, counter: int | None = None) -> Session:
        """A session logged in as ``username`` at ``counter``, with its snapshot applied."""
        hall = self.runner.hall
        assert hall is not None
        client = HallClient(
            [hall.url],
            StaffLogin(username, hall.passwords[username], counter),
            backoff_start=0.05,
            backoff_max=0.2,
        )
        self.clients.append(client)
        session = Session(client)
        with self.qtbot.waitSignal(session.changed, timeout=WAIT_MS):
            client.start()
        assert session.model is not None and session.model.connected
        return session

    def window(self, session: Session, lang: str = "en") -> Any:
        """The session's window (counter or supervisor), registered with qtbot."""
        window = build_window(session, lang)  # type: ignore[arg-type]
        self.qtbot.addWidget(window)
        return window

    def act(
        self, session: Session, start: Callable[[], Any], until: Callable[[], bool] | None = None
    ) -> Outcome:
        """Run ``start`` (a key press, a dialog's OK), wait for the reply, then until ``until()`` holds."""
        with self.qtbot.waitSignal(session.replied, timeout=WAIT_MS) as blocker:
            start()
        outcome: Outcome = blocker.args[0]
        if until is not None:
            self.qtbot.waitUntil(until, timeout=WAIT_MS)
        return outcome

    def stop(self) -> None:
        """Stop every client and let Qt finish the close handshakes (else the server waits for them)."""
        for client in self.clients:
            client.stop()
        hall = self.runner.hall
        assert hall is not None
        self.qtbot.waitUntil(
            lambda: not any(c.role in ("counter", "supervisor") for c in hall.server.connections),
            timeout=WAIT_MS,
        )


@pytest.fixture
def sessions(qtbot: Any, runner: ServerThread) -> Iterator[Sessions]:
    """Logged-in sessions against ``runner``; all stopped at the end."""
    made = Sessions(qtbot, runner)
    yield made
    made.stop()
