"""Screenshots of the counter and supervisor screens, Arabic and English: ``python -m counter_client.screenshots``.

Starts the real hall server in-process (``server.testing``, fake clock at 09:00 on a working Sunday),
plays a short morning through it — walk-ins at the kiosk, a booked appointment checked in, clerks calling,
serving, finishing (one past the cap), parking, transferring to the supervisor, a paused counter, a kiosk
printer out of paper — then logs in with the real client and saves the windows into ``docs/screenshots/``:
``counter-en.png``, ``counter-ar.png`` (amber: near the cap), ``counter-overrun-en.png`` (red),
``counter-appointment-ar.png``, ``supervisor-en.png``, ``supervisor-ar.png``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication, QMainWindow

from qtkit.client import HallClient, StaffLogin
from qtkit.i18n import Language
from server.core.lifecycle import Command
from server.protocol import messages as p
from server.testing import ServerThread, SyncClient, server_thread

from .app import app_font, build_window
from .model import Desk
from .session import Session
from .widgets import SupervisorWindow

STAFF = (
    ("alice", "counter"),
    ("bob", "counter"),
    ("mona", "counter"),
    ("yusuf", "counter"),
    ("sara", "supervisor"),
    ("adam", "admin"),
)
LANGUAGES: tuple[Language, ...] = ("en", "ar")
"""The screenshots' order: English first (as before)."""
OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def settle(seconds: float = 0.3) -> None:
    """Let pushes and ping replies arrive (the screenshot script only; tests wait on signals)."""
    app = QApplication.instance()
    assert app is not None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)


def wait_until(predicate: Callable[[], bool], seconds: float = 10.0) -> None:
    """Run the Qt event loop until ``predicate()`` holds (raises TimeoutError after ``seconds``)."""
    app = QApplication.instance()
    assert app is not None
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("the screen did not reach the expected state")
        app.processEvents()
        time.sleep(0.01)


class Morning:
    """A hall server with a morning played through it, and logged-in sessions on it."""

    def __init__(self, runner: ServerThread) -> None:
        self.runner = runner
        assert runner.hall is not None
        self.hall = runner.hall
        self.kiosk = SyncClient(self.hall.url)
        self.kiosk.login_device(self.hall.device_tokens["kiosk-1"])
        self.clients: list[HallClient] = []
        self.sessions: dict[str, Session] = {}

    def issue(self, service_id: str, priority: bool = False) -> str:
        reply = self.kiosk.request(
            "issue_ticket",
            service_id=service_id,
            priority=priority,
            idempotency_key=f"shot-{uuid.uuid4().hex[:16]}",
        )
        frame = p.parse_server_frame(reply, "issue_ticket")
        assert isinstance(frame, p.Result), reply
        return str(frame.data.ticket.number)

    def login(self, username: str, counter: int | None = None) -> Session:
        client = HallClient([self.hall.url], StaffLogin(username, self.hall.passwords[username], counter))
        self.clients.append(client)
        session = Session(client)
        client.start()
        wait_until(lambda: _ready(session))
        self.sessions[username] = session
        return session

    def act(self, username: str, action: Command, **fields: Any) -> None:
        session = self.sessions[username]
        done: list[Any] = []
        session.act(action, **fields).finished.connect(done.append)
        wait_until(lambda: bool(done))
        reply = done[0]
        if not reply.ok:
            raise RuntimeError(f"{username} {action}: {reply.code} {reply.message_en}")
        settle(0.05)

    def minutes(self, minutes: float) -> None:
        self.runner.advance(minutes=minutes)

    def play(self) -> None:
        """09:00 → about 09:40 in the ministry hall."""
        admin = SyncClient(self.hall.url)
        assert isinstance(p.parse_server_frame(admin.login("adam", self.hall.passwords["adam"])), p.Result)
        csv = (
            "reference,national_id,name,phone,service,branch,slot\n"
            "HQ-0412,850312345,Fatima Ali Hasan,36001234,mazaya,hq,2026-11-22T09:40:00+03:00\n"
        )
        assert isinstance(p.parse_server_frame(admin.request("import_appointments", csv=csv)), p.Result)
        admin.close()
        for name, counter in (("alice", 3), ("bob", 4), ("mona", 1), ("yusuf", 7)):
            self.login(name, counter)
            self.act(name, Command.OPEN_COUNTER)
        for service in (
            "inquiry",
            "data_update",
            "mazaya",
            "inquiry",
            "legal",
            "studies",
            "housing",
            "inquiry",
            "data_update",
            "feedback",
        ):
            self.issue(service)
            self.minutes(1.5)
        # alice serves two customers (one past the cap) and sends one to the supervisor
        for minutes, outcome, reason in (
            (4.5, "completed", None),
            (8.0, "documents_missing", "complex_case"),
        ):
            self.act("alice", Command.CALL_NEXT)
            self.act("alice", Command.START_SERVICE)
            self.minutes(minutes)
            self.act("alice", Command.FINISH, outcome=outcome, overrun_reason=reason)
        self.act("alice", Command.CALL_NEXT)
        self.act("alice", Command.START_SERVICE)
        self.minutes(3)
        self.act("alice", Command.TRANSFER, to_service="supervisor")
        self.act("yusuf", Command.CALL_NEXT)
        self.act("yusuf", Command.START_SERVICE)
        self.act("bob", Command.CALL_NEXT)
        self.act("bob", Command.START_SERVICE)
        self.minutes(4)
        self.act("bob", Command.FINISH, outcome="completed")
        self.act("bob", Command.PAUSE_COUNTER, reason="prayer")
        self.issue("inquiry")
        self.issue("mazaya", priority=True)
        self.minutes(1)
        # the booked citizen checks in at the kiosk; counter 1 calls them when the slot is due
        reply = self.kiosk.request(
            "check_in", reference="HQ-0412", idempotency_key=f"shot-{uuid.uuid4().hex[:16]}"
        )
        assert isinstance(p.parse_server_frame(reply, "check_in"), p.Result), reply
        self.issue("data_update")
        self.minutes(2)
        self.act("mona", Command.CALL_NEXT)
        self.act("mona", Command.START_SERVICE)
        # alice's current customer: 5 min 20 s in, amber
        self.act("alice", Command.CALL_NEXT)
        self.act("alice", Command.RECALL)
        self.act("alice", Command.START_SERVICE)
        self.minutes(5 + 1 / 3)
        kiosk2 = SyncClient(self.hall.url)
        kiosk2.login_device(self.hall.device_tokens["kiosk-2"])
        kiosk2.request("device_health", printer="error", scanner="ok", detail="paper out")
        self.kiosk2 = kiosk2
        self.kiosk.request("device_health", printer="ok", scanner="ok")
        for session in self.sessions.values():
            session.ping()
        settle()

    def close(self) -> None:
        for client in self.clients:
            client.stop()
        wait_until(
            lambda: not any(c.role in ("counter", "supervisor") for c in self.hall.server.connections), 5
        )
        self.kiosk.close()
        self.kiosk2.close()


def _ready(session: Session) -> bool:
    """Logged in, connected, and the snapshot showed the counter (or, for a supervisor, the counters)."""
    model = session.model
    if model is None or not model.connected:
        return False
    return model.view is not None if isinstance(model, Desk) else bool(model.views)


def shoot(window: QMainWindow, path: Path, size: tuple[int, int]) -> None:
    """Show ``window`` offscreen at ``size`` and save it as PNG."""
    window.resize(*size)
    window.show()
    settle(0.2)
    window.grab().save(str(path))
    print(path)


def main(argv: list[str] | None = None) -> int:
    """Write the screenshots; returns 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", default=str(OUT), help="folder for the PNG files")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setFont(app_font())
    with server_thread(staff=STAFF) as runner:
        morning = Morning(runner)
        morning.play()
        alice = morning.sessions["alice"]
        for lang in LANGUAGES:
            window = build_window(alice, lang)
            shoot(window, out / f"counter-{lang}.png", (1280, 800))
            window.close()
        mona = morning.sessions["mona"]
        window = build_window(mona, "ar")
        shoot(window, out / "counter-appointment-ar.png", (1280, 800))
        window.close()
        supervisor = morning.login("sara", counter=8)
        morning.act("sara", Command.OPEN_COUNTER)
        morning.minutes(2.5)
        for session in morning.sessions.values():
            session.ping()
        settle()
        window = build_window(alice, "en")
        shoot(window, out / "counter-overrun-en.png", (1280, 800))
        window.close()
        for lang in LANGUAGES:
            board = build_window(supervisor, lang)
            assert isinstance(board, SupervisorWindow)
            board.select_counter(8)
            board.referred_list.setCurrentRow(0)
            shoot(board, out / f"supervisor-{lang}.png", (1440, 860))
            board.close()
        morning.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
