"""The kiosk against the real hall server on loopback, with a recording printer and a fake scanner."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from hardware.printing import PrinterStatus
from kiosk.state import Screen
from qtkit.client import PendingReply
from server.core.config import load_default_config

from .conftest import Hall, KioskRig


def wait_screen(qtbot: Any, rig: KioskRig, screen: Screen, timeout: int = 8000) -> None:
    qtbot.waitUntil(lambda: rig.state.screen is screen, timeout=timeout)


def wait_printed(qtbot: Any, rig: KioskRig, jobs: int = 1) -> None:
    qtbot.waitUntil(
        lambda: rig.state.print_state in ("printed", "failed") and len(rig.printer.jobs) >= jobs, timeout=8000
    )


# --------------------------------------------------------------------------------------------- walk-in
def test_walk_in_ticket_in_arabic(qtbot: Any, hall: Hall, kiosk_factory: Any) -> None:
    rig = kiosk_factory(hall)
    assert rig.window.layoutDirection() == Qt.LayoutDirection.RightToLeft
    assert rig.text("branch") == hall.config.branch.name_ar
    service_buttons = [s.id for s in rig.state.walk_in_services()]
    assert service_buttons == [s.id for s in hall.config.services if s.walk_in]  # supervisor is transfer-only
    assert rig.window.named("service:supervisor") is None
    assert rig.window.named("service:mazaya").height() >= 90

    with qtbot.waitSignal(
        rig.controller.screenChanged, check_params_cb=lambda s: s == "ticket", timeout=8000
    ):
        rig.tap("service:mazaya")
    wait_printed(qtbot, rig)

    [ticket] = hall.tickets()
    assert ticket.service_id == "mazaya" and ticket.kind == "walk_in"
    assert rig.text("ticket_number") == ticket.number == "A001"
    assert rig.text("ticket_service") == "طلب جديد — برنامج مزايا"
    assert rig.text("print_status").startswith("خذ تذكرتك")
    qr = rig.window.named("status_qr")
    assert qr is not None and qr.text().startswith(f"http://127.0.0.1:{hall.port}/t/")  # type: ignore[attr-defined]
    [job] = rig.printer.jobs
    assert job.printout is not None
    assert job.printout.ticket_number == "A001" and job.printout.primary_language == "ar"
    assert job.printout.status_url == qr.text()  # type: ignore[attr-defined]
    assert job.printout.service_name_ar == "طلب جديد — برنامج مزايا"


def test_walk_in_ticket_in_english_flips_the_layout(qtbot: Any, hall: Hall, kiosk_factory: Any) -> None:
    rig = kiosk_factory(hall)
    rig.tap("language")
    qtbot.waitUntil(lambda: rig.window.layoutDirection() == Qt.LayoutDirection.LeftToRight)
    assert rig.text("branch") == hall.config.branch.name_en
    assert rig.window.named("language").text() == "العربية"  # type: ignore[attr-defined]

    rig.tap("service:inquiry")
    wait_screen(qtbot, rig, Screen.TICKET)
    wait_printed(qtbot, rig)
    assert rig.text("ticket_number") == "C001"
    assert rig.text("ticket_service") == "General inquiry and application follow-up"
    assert rig.text("ticket_ahead") == "You are next"
    assert rig.printer.jobs[0].printout.primary_language == "en"  # type: ignore[union-attr]

    rig.tap("done")  # the next citizen starts in Arabic again
    wait_screen(qtbot, rig, Screen.HOME)
    assert rig.state.lang == "ar" and rig.window.layoutDirection() == Qt.LayoutDirection.RightToLeft


def test_priority_ticket(qtbot: Any, hall: Hall, kiosk_factory: Any) -> None:
    rig = kiosk_factory(hall)
    rig.tap("priority")
    wait_screen(qtbot, rig, Screen.PRIORITY)
    rig.tap("priority:data_update")
    wait_screen(qtbot, rig, Screen.TICKET)
    [ticket] = hall.tickets()
    assert ticket.priority and ticket.service_id == "data_update"


# ------------------------------------------------------------------------------------------- check-in
def test_every_check_in_outcome(qtbot: Any, hall: Hall, kiosk_factory: Any) -> None:
    hall.import_bookings(
        [
            ("BK-ON-TIME", "850100001", "mazaya", "hq", hall.local(9, 10)),
            ("BK-EARLY", "850100002", "housing", "hq", hall.local(11, 0)),
            ("BK-LATE", "850100003", "inquiry", "hq", hall.local(8, 0)),
            ("BK-DANAT", "850100004", "mazaya", "danat", hall.local(9, 30)),
            ("BK-OLD", "850100005", "mazaya", "hq", hall.local(9, 30, days=-2)),
        ]
    )
    rig = kiosk_factory(hall)

    # checked in by QR: an appointment ticket, printed with its booking box
    rig.scanner.feed(hall.qr("BK-ON-TIME", hall.local(9, 10)))
    wait_screen(qtbot, rig, Screen.TICKET)
    wait_printed(qtbot, rig)
    assert rig.text("ticket_heading") == "تم تسجيل حضورك"
    assert rig.state.ticket is not None and rig.state.ticket.kind == "appointment"
    printout = rig.printer.jobs[-1].printout
    assert printout is not None and printout.appointment is not None
    assert printout.appointment.booking_reference == "BK-ON-TIME"
    rig.tap("done")
    wait_screen(qtbot, rig, Screen.HOME)

    # too early: come back at the time the server gives, in branch time (11:00 slot - 30 min)
    rig.tap("appointment")
    wait_screen(qtbot, rig, Screen.CHECKIN)
    rig.tap("type_id")
    rig.type("850100002")
    assert rig.text("entry") == "850100002"
    rig.tap("confirm")
    wait_screen(qtbot, rig, Screen.TOO_EARLY)
    assert rig.text("come_back_at") == "10:30 ص"
    assert "11:00 ص" in rig.text("slot")
    rig.tap("language")
    qtbot.waitUntil(lambda: rig.state.lang == "en")
    assert rig.text("come_back_at") == "10:30 AM"
    rig.tap("done")
    wait_screen(qtbot, rig, Screen.HOME)

    # late (the branch's rule: a walk-in ticket for the same service)
    rig.scanner.feed(hall.qr("BK-LATE", hall.local(8, 0)))
    wait_screen(qtbot, rig, Screen.TICKET)
    assert rig.state.ticket is not None and rig.state.ticket.late_appointment is True
    assert rig.state.ticket.kind == "walk_in" and rig.state.ticket.service_id == "inquiry"
    assert rig.text("ticket_late").startswith("وصلت بعد وقت موعدك")
    wait_printed(qtbot, rig, 2)
    rig.tap("done")
    wait_screen(qtbot, rig, Screen.HOME)

    # wrong branch: says which one
    rig.tap("appointment")
    rig.tap("type_reference")
    rig.type("BK-DANAT")
    rig.tap("confirm")
    wait_screen(qtbot, rig, Screen.WRONG_BRANCH)
    assert rig.text("other_branch") == "فرع دانات المدينة — بنك الإسكان"
    rig.scanner.feed(hall.qr("BK-DANAT", hall.local(9, 30), branch="danat"))  # by QR too
    wait_screen(qtbot, rig, Screen.WORKING, 2000) if rig.state.screen is not Screen.WRONG_BRANCH else None
    qtbot.waitUntil(lambda: rig.state.screen is Screen.WRONG_BRANCH and rig.state.outcome.via == "qr")
    rig.tap("done")

    # not found
    rig.tap("appointment")
    rig.tap("type_id")
    rig.type("999999999")
    rig.tap("confirm")
    wait_screen(qtbot, rig, Screen.NOT_FOUND)
    assert "لا يوجد موعد بهذا الرقم الشخصي" in rig.text("body")
    rig.tap("done")

    # already checked in: the same ticket, reprinted
    jobs_before = len(rig.printer.jobs)
    rig.scanner.feed(hall.qr("BK-ON-TIME", hall.local(9, 10)))
    wait_screen(qtbot, rig, Screen.ALREADY_CHECKED_IN)
    first = next(t for t in hall.tickets() if t.appointment_ref == "BK-ON-TIME")
    assert rig.text("ticket_number") == first.number
    # the server sends the whole ticket, so any kiosk (not only the one that issued it) reprints it in full
    info = rig.state.outcome.details.ticket_info
    assert info is not None and info.status_path == f"/t/{first.token}"
    rig.tap("reprint")
    wait_screen(qtbot, rig, Screen.TICKET)
    wait_printed(qtbot, rig, jobs_before + 1)
    assert rig.printer.jobs[-1].printout.ticket_number == first.number  # type: ignore[union-attr]
    assert rig.printer.jobs[-1].printout.status_url.endswith(f"/t/{first.token}")  # type: ignore[union-attr]
    assert sum(1 for t in hall.tickets() if t.appointment_ref == "BK-ON-TIME") == 1
    rig.tap("done")

    # forged, and unreadable junk (refused before it reaches the server)
    genuine = hall.qr("BK-ON-TIME", hall.local(9, 10))
    forged = genuine[:-4] + ("1111" if genuine.endswith("0000") else "0000")  # always a different signature
    rig.scanner.feed(forged)
    wait_screen(qtbot, rig, Screen.UNREADABLE)
    assert rig.state.outcome.code == "appointment_forged"
    rig.tap("done")
    rig.scanner.feed("\x02garbage\x1b")
    wait_screen(qtbot, rig, Screen.UNREADABLE)
    rig.tap("done")

    # the QR code of an appointment on an earlier day
    rig.scanner.feed(hall.qr("BK-OLD", hall.local(9, 30, days=-2)))
    wait_screen(qtbot, rig, Screen.EXPIRED)
    assert "80008001" in rig.text("body")

    assert len(hall.tickets()) == 2  # on time + late; nothing else made a ticket


def test_too_late_when_the_branch_refuses_late_arrivals(
    qtbot: Any, hall_factory: Any, kiosk_factory: Any
) -> None:
    base = load_default_config()
    config = base.model_copy(
        update={"appointments": base.appointments.model_copy(update={"late_arrival": "refuse"})}
    )
    hall = hall_factory(config)
    hall.import_bookings([("BK-LATE", "850100003", "inquiry", "hq", hall.local(8, 0))])
    rig = kiosk_factory(hall)
    rig.scanner.feed(hall.qr("BK-LATE", hall.local(8, 0)))
    wait_screen(qtbot, rig, Screen.TOO_LATE)
    assert "8:00 ص" in rig.text("body") and "80008001" in rig.text("body")
    rig.tap("walk_in")
    wait_screen(qtbot, rig, Screen.HOME)
    assert hall.tickets() == []


def test_a_scan_arrives_on_any_screen(qtbot: Any, hall: Hall, kiosk_factory: Any) -> None:
    slots = {f"BK-S{i}": hall.local(9, 5 + i) for i in range(3)}
    hall.import_bookings(
        [(ref, f"85020000{i}", "mazaya", "hq", slot) for i, (ref, slot) in enumerate(slots.items())]
    )
    rig = kiosk_factory(hall)

    rig.tap("priority")  # a service choice screen
    wait_screen(qtbot, rig, Screen.PRIORITY)
    rig.scanner.feed(hall.qr("BK-S0", slots["BK-S0"]))
    wait_screen(qtbot, rig, Screen.TICKET)

    rig.tap("done")  # the keypad, half typed
    rig.tap("appointment")
    rig.tap("type_id")
    rig.type("85")
    rig.scanner.feed(hall.qr("BK-S1", slots["BK-S1"]))
    wait_screen(qtbot, rig, Screen.TICKET)
    assert rig.state.ticket is not None and rig.state.ticket.kind == "appointment"

    # straight from the previous citizen's ticket screen
    previous = rig.state.ticket.number
    rig.scanner.feed(hall.qr("BK-S2", slots["BK-S2"]))
    qtbot.waitUntil(
        lambda: (
            rig.state.screen is Screen.TICKET
            and rig.state.ticket is not None
            and rig.state.ticket.number != previous
        )
    )
    assert {t.appointment_ref for t in hall.tickets()} == set(slots)


# ------------------------------------------------------------------------------------ idle, closed
def test_idle_returns_home_in_arabic(qtbot: Any, hall: Hall, kiosk_factory: Any) -> None:
    rig = kiosk_factory(hall, idle_seconds=1.0)
    rig.tap("appointment")
    rig.tap("language")
    assert rig.state.screen is Screen.CHECKIN and rig.state.lang == "en"
    with qtbot.waitSignal(rig.controller.screenChanged, check_params_cb=lambda s: s == "home", timeout=4000):
        pass
    assert rig.state.lang == "ar" and rig.window.layoutDirection() == Qt.LayoutDirection.RightToLeft


def test_closed_outside_hours_then_opens(qtbot: Any, hall: Hall, kiosk_factory: Any) -> None:
    hall.clock.set(hall.local(15, 0))  # after 14:30
    rig = kiosk_factory(hall)
    wait_screen(qtbot, rig, Screen.CLOSED)
    hours = rig.window.current_page().findChildren(type(rig.window.named("hotline")), "hours")  # type: ignore[union-attr]
    assert [h.text() for h in hours] == ["الأحد إلى الخميس: من 7:30 ص إلى 2:30 م"]
    assert rig.text("hotline") == "مركز الاتصال الوطني: 80008001"
    assert rig.text("next_opening") == "نستقبلكم يوم الاثنين 23 نوفمبر الساعة 7:30 ص"
    hall.clock.set(hall.local(7, 31, days=1))  # Monday morning: the server's tick pushes "open"
    wait_screen(qtbot, rig, Screen.HOME)


# ------------------------------------------------------------------------------ server down and back
def test_server_down_and_back(qtbot: Any, hall: Hall, kiosk_factory: Any) -> None:
    rig = kiosk_factory(hall)
    hall.stop()
    wait_screen(qtbot, rig, Screen.OUT_OF_SERVICE)
    assert "80008001" in rig.text("hotline")
    assert rig.window.named("service:mazaya") is None  # nothing to tap that cannot work
    hall.start()  # same port, same database
    wait_screen(qtbot, rig, Screen.HOME, timeout=10_000)
    rig.tap("service:mazaya")
    wait_screen(qtbot, rig, Screen.TICKET)
    assert len(hall.tickets()) == 1


def test_retried_issue_gives_one_ticket(qtbot: Any, hall: Hall, kiosk_factory: Any) -> None:
    rig = kiosk_factory(hall)
    rig.tap("service:housing")
    assert rig.state.screen is Screen.WORKING
    key = rig.state.pending.key  # type: ignore[union-attr]
    socket = rig.client._socket
    assert socket is not None
    socket.flush()  # the request is on the wire...
    hall.read(lambda s: None)  # ...and the server handled it (its lock is free again)
    qtbot.waitUntil(lambda: len(hall.tickets()) == 1)
    rig.client.drop_connection()  # ...but the reply is lost with the connection
    wait_screen(qtbot, rig, Screen.TICKET, timeout=10_000)

    [ticket] = hall.tickets()
    assert rig.state.ticket is not None and rig.state.ticket.id == ticket.id
    assert ticket.idempotency_key.endswith(key)
    assert len(rig.printer.jobs) <= 1


def test_timed_out_request_is_sent_again_with_the_same_key(
    qtbot: Any, hall: Hall, kiosk_factory: Any
) -> None:
    rig = kiosk_factory(hall, request_timeout_seconds=0.5)
    sent: list[dict[str, Any]] = []
    original = rig.client.request

    def lose_first(kind: str, retry: bool = False, **fields: Any) -> Any:
        sent.append({"type": kind, **fields})
        if kind == "issue_ticket" and len([m for m in sent if m["type"] == "issue_ticket"]) == 1:
            return PendingReply(0, {"type": kind, **fields}, retry)  # lost on the way: never answered
        return original(kind, retry, **fields)

    rig.client.request = lose_first  # type: ignore[method-assign]
    rig.tap("service:data_update")
    wait_screen(qtbot, rig, Screen.TICKET)
    issued = [m for m in sent if m["type"] == "issue_ticket"]
    assert len(issued) == 2 and issued[0]["idempotency_key"] == issued[1]["idempotency_key"]
    assert len(hall.tickets()) == 1


# ------------------------------------------------------------------------------------------ printer
def test_printer_out_of_paper(qtbot: Any, hall: Hall, kiosk_factory: Any) -> None:
    rig = kiosk_factory(hall, statuses=[PrinterStatus.PAPER_OUT])
    qtbot.waitUntil(lambda: rig.state.printer_trouble)
    qtbot.waitUntil(lambda: rig.window.named("printer_banner") is not None)
    qtbot.waitUntil(lambda: hall.device().health.printer == "error")  # supervisors see it
    assert hall.device().detail == "printer paper_out"

    rig.tap("service:mazaya")
    wait_screen(qtbot, rig, Screen.TICKET)
    qtbot.waitUntil(lambda: rig.state.print_state == "failed")
    assert rig.printer.jobs == []
    assert rig.text("ticket_number") == "A001"
    assert rig.text("print_status") == "تعذّرت طباعة التذكرة. صوّر هذه الشاشة واعرضها عند الشباك."
    assert rig.window.named("status_qr") is not None
    assert rig.state.idle_timeout() == rig.state.settings.idle_seconds  # stays up longer than a printed one
