"""The kiosk's screen state without Qt: taps, replies and timers in, screens and effects out."""

from __future__ import annotations

from kiosk.settings import KioskSettings
from kiosk.state import KioskState, Print, Quit, ReportHealth, Screen, Send
from kiosk.texts import hours_lines, minutes, people
from server.protocol.payloads import (
    BranchInfo,
    ErrorDetails,
    KioskSnapshotData,
    ServiceStatus,
    TicketInfo,
    TicketReply,
)

SERVICES = [
    ServiceStatus(
        id="mazaya",
        prefix="A",
        name_ar="مزايا",
        name_en="Mazaya",
        available=True,
        priority_allowed=True,
        waiting=3,
        wait_minutes=7.5,
    ),
    ServiceStatus(
        id="supervisor",
        prefix="S",
        name_ar="المشرف",
        name_en="Supervisor",
        available=False,
        priority_allowed=False,
        waiting=0,
        wait_minutes=None,
    ),
]
TICKET = TicketInfo(
    id="20261122-A004",
    number="A004",
    service_id="mazaya",
    service_ar="مزايا",
    service_en="Mazaya",
    kind="walk_in",
    priority=False,
    issued_at="2026-11-22T06:12:00+00:00",
    slot=None,
    late_appointment=False,
    people_ahead=3,
    wait_minutes=7.5,
    token="abc",
    status_path="/t/abc",
    status_url="",
)
BRANCH = BranchInfo(
    id="hq",
    name_ar="المقر",
    name_en="HQ",
    timezone="Asia/Bahrain",
    digits="western",
    hotline="80008001",
    open=True,
    hours={},
    notices=[],
    day="2026-11-22",
)


def issued(ticket: TicketInfo = TICKET) -> TicketReply:
    return TicketReply(ticket=ticket, duplicate=False)


def ready(**settings: object) -> KioskState:
    state = KioskState(KioskSettings(admin_pin="2468").merged(**settings))
    state.snapshot(KioskSnapshotData(now="2026-11-22T06:12:00+00:00", branch=BRANCH, services=SERVICES))
    state.connection_up()
    return state


def test_walk_in_then_print_then_idle_home_in_arabic() -> None:
    state = ready()
    assert state.screen is Screen.HOME and [s.id for s in state.walk_in_services()] == ["mazaya"]
    state.tap_language()
    [send] = state.tap_service("mazaya")
    assert isinstance(send, Send) and send.message["type"] == "issue_ticket"
    assert state.screen is Screen.WORKING and state.tap_service("mazaya") == []  # no double press
    [job] = state.reply(send.key, issued())
    assert isinstance(job, Print) and job.lang == "en" and state.screen is Screen.TICKET
    assert state.idle_timeout() == 15.0
    state.print_finished(True, "ready")
    state.idle()
    assert state.screen is Screen.HOME and state.lang == "ar"


def test_retries_keep_the_idempotency_key() -> None:
    state = ready()
    [first] = state.tap_service("mazaya")
    assert state.refused(first.key, "disconnected") == []  # kept for the reconnect
    state.connection_down()
    assert state.screen is Screen.OUT_OF_SERVICE and state.pending is not None
    effects = state.connection_up()
    resent = [e for e in effects if isinstance(e, Send)]
    assert [e.message["idempotency_key"] for e in resent] == [first.message["idempotency_key"]]
    assert state.screen is Screen.WORKING
    [again] = state.retry_pending()  # a timeout
    assert again.message == first.message


def test_each_check_in_error_has_its_screen() -> None:
    expected = {
        "appointment_too_early": Screen.TOO_EARLY,
        "appointment_too_late": Screen.TOO_LATE,
        "appointment_expired": Screen.EXPIRED,
        "appointment_wrong_branch": Screen.WRONG_BRANCH,
        "appointment_not_found": Screen.NOT_FOUND,
        "appointment_already_checked_in": Screen.ALREADY_CHECKED_IN,
        "appointment_forged": Screen.UNREADABLE,
        "branch_closed": Screen.CLOSED,
        "numbers_exhausted": Screen.REFUSED,
    }
    for code, screen in expected.items():
        state = ready()
        [send] = state.scan("DAWR1:hq:BK-1:20261122:" + "0" * 32)
        state.refused(
            send.key, code, ErrorDetails.model_validate({"number": "A009", "ticket": "20261122-A009"})
        )
        assert state.screen is screen, code


def test_transient_errors_retry_then_say_busy() -> None:
    state = ready()
    [send] = state.tap_service("mazaya")
    for _ in range(3):
        assert state.should_retry("database_unavailable")
        state.refused(send.key, "database_unavailable")
        state.retry_pending()
    state.refused(send.key, "database_unavailable")
    assert state.screen is Screen.BUSY and state.pending is None


def test_already_checked_in_reprints_the_ticket_this_kiosk_issued() -> None:
    state = ready()
    [send] = state.scan("DAWR1:hq:BK-1:20261122:" + "0" * 32)
    state.reply(send.key, issued(TICKET.model_copy(update={"kind": "appointment"})))
    state.tap_done()
    [send] = state.scan("DAWR1:hq:BK-1:20261122:" + "0" * 32)
    details = ErrorDetails.model_validate({"ticket": "20261122-A004", "number": "A004"})
    state.refused(send.key, "appointment_already_checked_in", details)
    [job] = state.tap_reprint()
    assert isinstance(job, Print) and job.ticket.status_path == "/t/abc"


def test_keypad_accepts_only_its_keys() -> None:
    state = ready()
    state.tap_appointment()
    state.tap_keypad("national_id")
    for char in "12a-3":
        state.key(char)
    assert state.keypad_text == "123"
    state.backspace()
    [send] = state.submit_keypad()
    assert send.message == {"type": "check_in", "national_id": "12", "idempotency_key": send.key}


def test_printer_faults_are_reported_once_and_shown() -> None:
    state = ready()
    [report] = state.printer_changed("paper_out")
    assert isinstance(report, ReportHealth) and report.printer == "error"
    assert state.printer_trouble and state.printer_changed("paper_out") == []
    [ok] = state.printer_changed("ready")
    assert ok.printer == "ok"


def test_admin_gesture_pin_and_exit() -> None:
    state = ready()
    for t in (0.0, 0.5, 1.0, 1.5):
        state.admin_tap(t)
    assert state.screen is Screen.HOME
    state.admin_tap(2.0)
    assert state.screen is Screen.ADMIN_PIN
    for digit in "1111":
        state.key(digit)
    state.submit_pin()
    assert state.pin_wrong and state.screen is Screen.ADMIN_PIN
    for digit in "2468":
        state.key(digit)
    state.submit_pin()
    assert state.screen is Screen.ADMIN and state.tap_exit() == [Quit()]


def test_closed_and_out_of_service_come_and_go() -> None:
    state = ready()
    state.queue_status(False, SERVICES)
    assert state.screen is Screen.CLOSED
    state.queue_status(True, SERVICES)
    assert state.screen is Screen.HOME
    state.connection_down()
    assert state.screen is Screen.OUT_OF_SERVICE
    state.connection_up()
    assert state.screen is Screen.HOME


def test_arabic_wording() -> None:
    assert [people(n, "ar") for n in (0, 1, 2, 3, 11, 100)] == [
        "لا أحد",
        "شخص واحد",
        "شخصان",
        "3 أشخاص",
        "11 شخصًا",
        "100 شخص",
    ]
    assert minutes(7.5, "ar") == "حوالي 8 دقائق" and minutes(None, "en") == "not available yet"
    assert hours_lines({"sun": "07:30-14:30", "mon": "07:30-14:30", "thu": "08:00-12:00"}, "en") == [
        "Sunday to Monday: 7:30 AM to 2:30 PM",
        "Thursday: 8:00 AM to 12:00 PM",
    ]


def test_already_checked_in_reprints_the_whole_ticket_the_server_sends() -> None:
    state = ready()
    [send] = state.scan("DAWR1:hq:BK-1:20261122:" + "0" * 32)
    theirs = TICKET.model_copy(update={"id": "20261122-A007", "number": "A007", "kind": "appointment"})
    details = ErrorDetails(ticket="20261122-A007", ticket_info=theirs)
    state.refused(send.key, "appointment_already_checked_in", details)
    assert state.screen is Screen.ALREADY_CHECKED_IN
    [job] = state.tap_reprint()
    assert isinstance(job, Print) and job.ticket == theirs and state.ticket_via == "reprint"
