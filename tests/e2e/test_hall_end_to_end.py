"""A whole hall end to end: the server as its own process on loopback, the kiosk, the display board and the
counter clients as the real apps (offscreen), the printer writing real ESC/POS bytes to a folder.

One citizen takes a walk-in ticket at the kiosk (tap → printed bytes), counter 3 calls them (the board shows
and announces the call) and finishes; a second citizen scans a booking QR code, is called to appointment
counter 1 and transferred to the supervisor, who serves them at counter 8. The ministry's report afterwards
counts all of it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from counter_client.app import build_window
from counter_client.session import Session
from display_board.controller import BoardController
from display_board.state import BoardState
from display_board.view import BoardView
from hardware.announcer import Announcer, RecordingPlayer
from hardware.fonts import ticket_fonts
from hardware.scanner import FakeScanner
from kiosk.app import build_kiosk
from kiosk.settings import KioskSettings
from kiosk.state import Screen
from qtkit.client import DeviceLogin, HallClient, StaffLogin
from server.cli.demo import DemoHall, Processes
from server.protocol import payloads as pl
from server.reports.cli import build_report

WAIT_MS = 15_000


def staff_session(qtbot: Any, hall: DemoHall, username: str, counter: int | None) -> tuple[Session, Any]:
    client = HallClient(
        [hall.url],
        StaffLogin(username, hall.passwords[username], counter),
        backoff_start=0.05,
        backoff_max=0.5,
    )
    session = Session(client)
    with qtbot.waitSignal(session.changed, timeout=WAIT_MS):
        client.start()
    window = build_window(session, "en")
    qtbot.addWidget(window)
    return session, window


def _state(thing: pl.CounterViewData | pl.CurrentTicket | None) -> str | None:
    return thing.state if thing is not None else None


def _current(view: pl.CounterViewData | None) -> pl.CurrentTicket | None:
    return view.current if view is not None else None


def _current_number(view: pl.CounterViewData | None) -> str | None:
    current = _current(view)
    return current.number if current is not None else None


def act(qtbot: Any, session: Session, start: Any, until: Any) -> Any:
    with qtbot.waitSignal(session.replied, timeout=WAIT_MS) as blocker:
        start()
    qtbot.waitUntil(until, timeout=WAIT_MS)
    return blocker.args[0]


def test_walk_in_and_appointment_through_the_whole_hall(
    qtbot: Any, hall_process: tuple[DemoHall, Processes]
) -> None:
    hall, processes = hall_process
    clients: list[HallClient] = []

    # ---- the display board, with a recording announcer (no sound card needed)
    player = RecordingPlayer()
    board_state = BoardState()
    board_view = BoardView(board_state, ticket_fonts(), lang="en")
    qtbot.addWidget(board_view)
    board_client = HallClient(
        [hall.url],
        DeviceLogin(hall.tokens["board-demo"].read_text().strip()),
        backoff_start=0.05,
        backoff_max=0.5,
    )
    clients.append(board_client)
    announcer = Announcer(player)
    spoken: list[Any] = []
    announcer.started.connect(spoken.append)
    board = BoardController(board_client, board_state, board_view, announcer)
    board.start()

    # ---- the kiosk, printing through the virtual printer (PNG + raw ESC/POS per ticket)
    scanner = FakeScanner()
    settings = KioskSettings(
        server=hall.url,
        token=hall.tokens["kiosk-demo"].read_text().strip(),
        printer=f"virtual:{hall.printer_dir}",
        request_timeout_seconds=5.0,
    )
    kiosk = build_kiosk(settings, scanner=scanner)
    qtbot.addWidget(kiosk.window)
    kiosk.window.setFixedSize(1920, 1080)
    kiosk.start()
    clients.append(kiosk.controller.client)
    qtbot.waitUntil(lambda: kiosk.state.screen is Screen.HOME, timeout=WAIT_MS)

    try:
        # 1. a walk-in: tap the service, the ticket prints
        kiosk.window.named("service:inquiry").click()  # type: ignore[union-attr]
        qtbot.waitUntil(
            lambda: kiosk.state.screen is Screen.TICKET and kiosk.state.print_state == "printed",
            timeout=WAIT_MS,
        )
        assert kiosk.state.ticket is not None
        walk_in = kiosk.state.ticket.number
        raw = sorted(hall.printer_dir.glob("*.bin"))
        assert len(raw) == 1 and len(list(hall.printer_dir.glob("*.png"))) == 1
        data = raw[0].read_bytes()
        assert data.startswith(b"\x1b@")  # printer initialised
        assert data.count(b"\x1dv0") == 1  # one raster image (GS v 0): the whole ticket
        assert b"\x1dV" in data[-8:]  # then the cut
        kiosk.window.named("done").click()  # type: ignore[union-attr]

        # 2. counter 3 calls the next ticket; the board shows it and announces it
        clerk, clerk_window = staff_session(qtbot, hall, "demo-counter", 3)
        clients.append(clerk.client)
        act(qtbot, clerk, lambda: clerk_window.trigger("F10"), lambda: _state(clerk.model.view) == "open")
        act(qtbot, clerk, lambda: clerk_window.trigger("F1"), lambda: clerk.model.current is not None)
        assert clerk.model.current is not None and clerk.model.current.number == walk_in
        qtbot.waitUntil(
            lambda: any(c.number == walk_in and c.counter == 3 for c in board_state.now_calling()),
            timeout=WAIT_MS,
        )
        qtbot.waitUntil(
            lambda: any(call.ticket_number == walk_in and call.counter == 3 for call in spoken),
            timeout=WAIT_MS,
        )
        assert player.played and player.overlaps == 0  # chime and speech went to the (recording) player
        act(
            qtbot,
            clerk,
            lambda: clerk_window.trigger("F3"),
            lambda: _state(clerk.model.current) == "serving",
        )
        clerk_window.trigger("F5")
        clerk_window.dialog.choose("outcome", "completed")
        act(qtbot, clerk, clerk_window.dialog.accept, lambda: clerk.model.current is None)

        # 3. an appointment: the booking's QR code is scanned at the kiosk
        zone = hall.config.zone
        due = min(hall.bookings, key=lambda b: abs(b.slot - (b.slot.now(zone) - timedelta(minutes=2))))
        scanner.feed(hall.qr_payloads[due.reference])
        qtbot.waitUntil(
            lambda: (
                kiosk.state.screen is Screen.TICKET
                and kiosk.state.ticket is not None
                and kiosk.state.ticket.kind == "appointment"
            ),
            timeout=WAIT_MS,
        )
        assert kiosk.state.ticket is not None
        appointment = kiosk.state.ticket.number
        qtbot.waitUntil(lambda: len(list(hall.printer_dir.glob("*.bin"))) == 2, timeout=WAIT_MS)

        # 4. appointment counter 1 calls it first, serves, and transfers to the supervisor
        appt, appt_window = staff_session(qtbot, hall, "demo-appt", 1)
        clients.append(appt.client)
        act(qtbot, appt, lambda: appt_window.trigger("F10"), lambda: _state(appt.model.view) == "open")
        act(qtbot, appt, lambda: appt_window.trigger("F1"), lambda: appt.model.current is not None)
        current = appt.model.current
        assert current is not None and current.number == appointment
        assert current.call.rule == "appointment_due" and current.call.slot == current.slot
        # the clerk serving the appointment sees who booked it; the hall board never does
        assert current.citizen_name == due.name
        assert due.name in appt_window.detail_labels["field.appointment"][1].text()
        assert not any(
            due.name in (c.service_ar + c.service_en + c.number) for c in board_state.now_calling()
        )
        act(qtbot, appt, lambda: appt_window.trigger("F3"), lambda: _state(appt.model.current) == "serving")
        appt_window.trigger("F6")
        appt_window.dialog.choose("to", ("service", "supervisor"))
        act(qtbot, appt, appt_window.dialog.accept, lambda: appt.model.current is None)

        # 5. the supervisor sees the referral and serves it at counter 8
        supervisor, supervisor_window = staff_session(qtbot, hall, "demo-supervisor", 8)
        clients.append(supervisor.client)
        qtbot.waitUntil(
            lambda: any(r.startswith(appointment) for r in supervisor_window.referred_numbers()),
            timeout=WAIT_MS,
        )
        act(
            qtbot,
            supervisor,
            lambda: supervisor.act("open_counter", counter=8),
            lambda: _state(supervisor.model.views.get(8)) == "open",
        )
        act(
            qtbot,
            supervisor,
            lambda: supervisor.act("call_next", counter=8),
            lambda: _current_number(supervisor.model.views.get(8)) == appointment,
        )
        qtbot.waitUntil(
            lambda: any(c.number == appointment and c.counter == 8 for c in board_state.now_calling()),
            timeout=WAIT_MS,
        )
        act(
            qtbot,
            supervisor,
            lambda: supervisor.act("start_service", counter=8),
            lambda: _state(_current(supervisor.model.views.get(8))) == "serving",
        )
        act(
            qtbot,
            supervisor,
            lambda: supervisor.act("finish", counter=8, outcome="completed"),
            lambda: _current(supervisor.model.views.get(8)) is None,
        )
        qtbot.waitUntil(
            lambda: not any(c.number == appointment for c in board_state.now_calling()), timeout=WAIT_MS
        )  # finished: no stale "now calling" left on the board
    finally:
        for client in clients:
            client.drop_connection()
        kiosk.stop()
        board.stop()

    # 6. the report counts all of it
    today = hall.bookings[0].slot.astimezone(hall.config.zone).date()
    import json

    report = json.loads(
        build_report(
            hall.db_url,
            today - timedelta(days=1),
            today + timedelta(days=1),
            "hq",
            str(hall.config_path),
            "json",
        )
    )
    summary = report["summary"]
    assert summary["walk_ins"] == 1 and summary["appointments"] == 1
    assert summary["transfers"] == 1 and summary["no_shows"] == 0
    services = {row["service"]: row for row in report["services"]}
    assert services["inquiry"]["customers"] == 1
    assert services["supervisor"]["customers"] == 1
    assert processes.dead() == []
