"""Regenerate the kiosk screenshots: every screen, Arabic and English, 1920×1080 and 1080×1920.

    python -m kiosk.screenshots [--out docs/screenshots]

Each screen is the real ``KioskWindow`` showing a real ``KioskState`` built from the shipped ministry hall
configuration (its branch, services and hotline) and driven through the same state methods the server's
replies call (``reply``, ``refused`` with the server's error codes and details), rendered offscreen and
saved as ``kiosk-<screen>-<lang>-<width>x<height>.png``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from qtkit.server_clock import ServerClock
from server.core.config import load_default_config
from server.i18n import text
from server.protocol.payloads import (
    BranchInfo,
    ErrorDetails,
    KioskSnapshotData,
    ServiceStatus,
    TicketInfo,
    TicketKind,
    TicketReply,
)

from .controller import KioskController
from .settings import KioskSettings
from .state import Effect, KeypadMode, KioskState, Send
from .widgets import KioskWindow

NOW = "2026-11-22T06:12:00+00:00"  # Sunday 09:12 in Bahrain
WAITING = {
    "mazaya": (14, 21.0),
    "housing": (3, 6.0),
    "inquiry": (22, 17.6),
    "data_update": (9, 11.3),
    "feedback": (0, 0.0),
    "legal": (1, 6.0),
    "studies": (4, 10.0),
}
SIZES = ((1920, 1080), (1080, 1920))
SCENE_TIMES = {"closed": "2026-11-22T12:10:00+00:00"}  # Sunday 15:10, after closing


def sample_state() -> KioskState:
    """A connected kiosk at the ministry's main hall on a Sunday morning, with realistic queues."""
    config = load_default_config()
    state = KioskState(KioskSettings(server="ws://192.168.10.5:8765", admin_pin="2468"))
    branch = config.branch
    services = [
        ServiceStatus(
            id=service.id,
            prefix=service.prefix,
            name_ar=service.name_ar,
            name_en=service.name_en,
            available=service.walk_in,
            priority_allowed=service.priority,
            waiting=WAITING.get(service.id, (0, None))[0],
            wait_minutes=WAITING.get(service.id, (0, None))[1],
        )
        for service in config.services
    ]
    info = BranchInfo(
        id=branch.id,
        name_ar=branch.name_ar,
        name_en=branch.name_en,
        timezone=branch.timezone,
        digits=branch.digits,
        hotline=branch.hotline,
        open=True,
        hours=dict(branch.hours),
        notices=[],
        day="2026-11-22",
    )
    state.snapshot(KioskSnapshotData(now=NOW, branch=info, services=services))
    state.connection_up()
    state.printer_status = "ready"
    return state


def _ticket_info(number: str = "A015", kind: TicketKind = "walk_in", late: bool = False) -> TicketInfo:
    service = next(s for s in load_default_config().services if s.prefix == number[0])
    return TicketInfo(
        id=f"20261122-{number}",
        number=number,
        service_id=service.id,
        service_ar=service.name_ar,
        service_en=service.name_en,
        kind=kind,
        priority=False,
        issued_at=NOW,
        slot="2026-11-22T06:00:00+00:00" if kind == "appointment" else None,
        late_appointment=late,
        people_ahead=14,
        wait_minutes=21.0,
        token="q7Xk2mP9aZr4tB8w",
        status_path="/t/q7Xk2mP9aZr4tB8w",
        status_url="",
    )


def _ticket(number: str = "A015", kind: TicketKind = "walk_in", late: bool = False) -> TicketReply:
    return TicketReply(ticket=_ticket_info(number, kind, late), duplicate=False)


def _key(effects: list[Effect]) -> str:
    """The idempotency key of the request a tap or scan sent (the key its reply answers)."""
    sent = effects[0]
    assert isinstance(sent, Send)
    return sent.key


def _issue(state: KioskState) -> None:
    effects = state.tap_service("mazaya")
    state.reply(_key(effects), _ticket())


def _refuse(code: str, via: str = "qr", **details: object) -> Callable[[KioskState], None]:
    def run(state: KioskState) -> None:
        if via == "qr":
            effects = state.scan("DAWR1:hq:BK-2026-0412:20261122:0123456789abcdef0123456789abcdef")
        else:
            state.tap_appointment()
            state.tap_keypad("national_id")
            for digit in "850412345":
                state.key(digit)
            effects = state.submit_keypad()
        state.refused(_key(effects), code, ErrorDetails.model_validate(details))

    return run


def _keypad(mode: KeypadMode) -> Callable[[KioskState], None]:
    def run(state: KioskState) -> None:
        state.tap_appointment()
        state.tap_keypad(mode)
        for char in "850412345" if mode == "national_id" else "BK-2026-04":
            state.key(char)

    return run


def _printed(ok: bool, status: str = "ready") -> Callable[[KioskState], None]:
    def run(state: KioskState) -> None:
        _issue(state)
        state.print_finished(ok, status, "" if ok else "printer reports paper_out")

    return run


def _late(state: KioskState) -> None:
    effects = state.scan("DAWR1:hq:BK-2026-0399:20261122:0123456789abcdef0123456789abcdef")
    state.reply(_key(effects), _ticket("C021", "walk_in", late=True))


def _checked_in(state: KioskState) -> None:
    effects = state.scan("DAWR1:hq:BK-2026-0412:20261122:0123456789abcdef0123456789abcdef")
    state.reply(_key(effects), _ticket("A016", "appointment"))


def _home_paper_out(state: KioskState) -> None:
    state.printer_changed("paper_out")


def _closed(state: KioskState) -> None:
    state.queue_status(False, [])


def _out_of_service(state: KioskState) -> None:
    state.connection_down()


def _working(state: KioskState) -> None:
    state.tap_service("mazaya")


def _pin(state: KioskState) -> None:
    for i in range(5):
        state.admin_tap(float(i) * 0.2)
    state.key("2")
    state.key("4")


def _admin(state: KioskState) -> None:
    _pin(state)
    state.key("6")
    state.key("8")
    state.submit_pin()


SCENES: dict[str, Callable[[KioskState], object]] = {
    "home": lambda s: None,
    "home-printer-trouble": _home_paper_out,
    "priority": lambda s: s.tap_priority(),
    "checkin": lambda s: s.tap_appointment(),
    "keypad-id": _keypad("national_id"),
    "keypad-reference": _keypad("reference"),
    "working": _working,
    "ticket": lambda s: _issue(s),
    "ticket-printed": _printed(True),
    "ticket-print-failed": _printed(False, "paper_out"),
    "checked-in": _checked_in,
    "late-walk-in": _late,
    "too-early": _refuse(
        "appointment_too_early", come_back_at="2026-11-22T09:30:00+00:00", slot="2026-11-22T10:00:00+00:00"
    ),
    "too-late": _refuse("appointment_too_late", slot="2026-11-22T05:30:00+00:00"),
    "expired": _refuse("appointment_expired", slot="2026-11-19T05:30:00+00:00"),
    "wrong-branch": _refuse("appointment_wrong_branch", branch_id="danat", reference="BK-2026-0412"),
    "not-found": _refuse("appointment_not_found", via="national_id"),
    "already-checked-in": _refuse(
        "appointment_already_checked_in",
        ticket="20261122-A009",
        number="A009",
        ticket_info=_ticket_info("A009", "appointment"),
    ),
    "unreadable": _refuse("appointment_forged"),
    "refused": lambda s: (
        s.tap_service("mazaya"),
        s.refused(
            s.pending.key if s.pending else "",
            "numbers_exhausted",
            ErrorDetails(),
            "All 999 numbers of this service are used today.",
            text("server", "error.numbers_exhausted", "ar"),  # what the server sends with it
        ),
    ),
    "closed": _closed,
    "out-of-service": _out_of_service,
    "admin-pin": _pin,
    "admin": _admin,
}


def shoot(out: Path, scenes: dict[str, Callable[[KioskState], object]] | None = None) -> list[Path]:
    """Render every scene in both languages and sizes into ``out``; returns the files written."""
    app = QApplication.instance() or QApplication(["kiosk-screenshots"])
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, scene in (scenes or SCENES).items():
        for lang in ("ar", "en"):
            for width, height in SIZES:
                state = sample_state()
                scene(state)
                if lang == "en":
                    state.lang = "en"
                clock = ServerClock(monotonic=lambda: 0.0)
                clock.observe(SCENE_TIMES.get(name, NOW))
                controller = KioskController(state.settings, state, None, None, None, clock=clock)
                state.has_printer = True
                window = KioskWindow(controller)
                window.setFixedSize(width, height)
                window.show_state()
                window.show()
                app.processEvents()
                path = out / f"kiosk-{name}-{lang}-{width}x{height}.png"
                window.grab().save(str(path))
                written.append(path)
                window.close()
                window.deleteLater()
                controller.deleteLater()
                app.processEvents()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.screenshots", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/screenshots", help="folder for the PNG files")
    parser.add_argument("--only", help="comma-separated scene names (default: all)")
    args = parser.parse_args(argv)
    scenes = SCENES
    if args.only:
        wanted = args.only.split(",")
        unknown = [n for n in wanted if n not in SCENES]
        if unknown:
            print(f"unknown scene(s): {', '.join(unknown)} (known: {', '.join(SCENES)})", file=sys.stderr)
            return 2
        scenes = {n: SCENES[n] for n in wanted}
    files = shoot(Path(args.out), scenes)
    print(f"wrote {len(files)} screenshots to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
