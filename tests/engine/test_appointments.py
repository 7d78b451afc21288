"""Booked appointments: import, check-in outcomes, signed QR codes, appointment counters and spill-over."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from server.core.appointments import read_booking_qr, sign_booking_qr
from server.core.engine import (
    CallNext,
    CheckIn,
    Finish,
    HallEngine,
    ImportAppointments,
    IssueTicket,
    OpenCounter,
    StartService,
)
from server.core.errors import DomainError
from server.core.events import Booking
from server.core.policy import CallReason, CallRule
from server.testing import FakeClock

from .conftest import SECRET, SUNDAY_0900_BAHRAIN, Driver, config_with

BAHRAIN = timezone(timedelta(hours=3))


def booking(
    ref: str,
    hh: int,
    mm: int,
    *,
    nid: str = "850101234",
    service: str = "mazaya",
    branch: str = "hq",
    day: int = 22,
) -> Booking:
    return Booking(
        ref,
        nid,
        "Fatima Ali",
        "+97317000000",
        service,
        branch,
        datetime(2026, 11, day, hh, mm, tzinfo=BAHRAIN),
    )


def refusal(run: Driver, command: object) -> DomainError:
    with pytest.raises(DomainError) as error:
        run(command)  # type: ignore[arg-type]
    return error.value


@pytest.fixture
def booked(run: Driver) -> Driver:
    run(
        ImportAppointments(
            (
                booking("HQ-1001", 9, 10),
                booking("HQ-1002", 9, 20, nid="900202345", service="housing"),
                booking("HQ-1003", 11, 0, nid="770303456"),
                booking("SEEF-2001", 9, 15, nid="660404567", branch="seef"),
                booking("HQ-1004", 10, 0, nid="850101234", day=23),
            )
        )
    )
    return run


def test_check_in_by_reference_gives_an_appointment_ticket(booked: Driver) -> None:
    result = booked(CheckIn(reference="hq-1001", token="tok"))
    ticket = booked.engine.tickets[result.ticket_id or ""]
    assert ticket.kind == "appointment" and ticket.appointment_ref == "HQ-1001" and ticket.number == "A001"
    assert ticket.slot == datetime(2026, 11, 22, 9, 10, tzinfo=BAHRAIN)


def test_check_in_by_national_id_picks_todays_booking_here(booked: Driver) -> None:
    result = booked(CheckIn(national_id="850101234"))
    assert booked.engine.tickets[result.ticket_id or ""].appointment_ref == "HQ-1001"


def test_each_refusal_has_its_own_code(booked: Driver, clock: FakeClock) -> None:
    assert refusal(booked, CheckIn(reference="HQ-9999")).code == "appointment_not_found"
    assert refusal(booked, CheckIn(national_id="000")).code == "appointment_not_found"
    wrong = refusal(booked, CheckIn(reference="SEEF-2001"))
    assert wrong.code == "appointment_wrong_branch" and wrong.details["branch_id"] == "seef"
    assert refusal(booked, CheckIn(national_id="660404567")).code == "appointment_wrong_branch"
    early = refusal(booked, CheckIn(reference="HQ-1003"))  # 11:00 slot, window opens 10:30
    assert early.code == "appointment_too_early"
    assert datetime.fromisoformat(early.details["come_back_at"]) == datetime(
        2026, 11, 22, 10, 30, tzinfo=BAHRAIN
    )
    assert refusal(booked, CheckIn(reference="HQ-1004")).code == "appointment_too_early"  # tomorrow
    assert refusal(booked, CheckIn()).code == "checkin_needs_one_key"
    assert refusal(booked, CheckIn(reference="HQ-1001", national_id="1")).code == "checkin_needs_one_key"
    first = booked(CheckIn(reference="HQ-1001"))
    again = refusal(booked, CheckIn(reference="HQ-1001"))
    assert again.code == "appointment_already_checked_in" and again.details["ticket"] == first.ticket_id
    assert len(booked.engine.tickets) == 1


def test_window_edges(booked: Driver, clock: FakeClock) -> None:
    clock.now = datetime(2026, 11, 22, 10, 29, 59, tzinfo=BAHRAIN)
    assert refusal(booked, CheckIn(reference="HQ-1003")).code == "appointment_too_early"
    clock.now = datetime(2026, 11, 22, 10, 30, tzinfo=BAHRAIN)
    booked(CheckIn(reference="HQ-1003"))


def test_late_arrival_becomes_a_walk_in_by_default(booked: Driver, clock: FakeClock) -> None:
    clock.now = datetime(2026, 11, 22, 9, 25, 1, tzinfo=BAHRAIN)  # slot 09:10 + 15 min window
    result = booked(CheckIn(reference="HQ-1001"))
    ticket = booked.engine.tickets[result.ticket_id or ""]
    assert ticket.kind == "walk_in" and ticket.late_appointment and ticket.appointment_ref == "HQ-1001"
    assert booked.engine.waiting_count("mazaya") == 1


def test_late_arrival_refused_where_the_branch_says_so(clock: FakeClock) -> None:
    run = Driver(HallEngine(config_with(appointments={"late_arrival": "refuse"}), SECRET), clock)
    run(ImportAppointments((booking("HQ-1", 8, 0),)))
    assert refusal(run, CheckIn(reference="HQ-1")).code == "appointment_too_late"
    assert run.engine.tickets == {}


def test_yesterdays_booking_is_expired(clock: FakeClock) -> None:
    run = Driver(HallEngine(config_with(), SECRET), clock)
    run(ImportAppointments((booking("HQ-1", 9, 0, day=23),)))
    code = sign_booking_qr(SECRET, "hq", "HQ-1", date(2026, 11, 23))
    clock.now += timedelta(days=2)
    assert refusal(run, CheckIn(reference="HQ-1")).code == "appointment_not_found"  # forgotten after its day
    assert refusal(run, CheckIn(qr_payload=code)).code == "appointment_expired"  # its QR says which day


def test_signed_qr_check_in_and_forged_altered_foreign_replayed_codes(booked: Driver) -> None:
    good = sign_booking_qr(SECRET, "hq", "HQ-1001", date(2026, 11, 22))
    assert read_booking_qr(SECRET, "hq", good).reference == "HQ-1001"
    forged = sign_booking_qr(b"another secret", "hq", "HQ-1002", date(2026, 11, 22))
    assert refusal(booked, CheckIn(qr_payload=forged)).code == "appointment_forged"
    altered = good.replace("HQ-1001", "HQ-1002")
    assert refusal(booked, CheckIn(qr_payload=altered)).code == "appointment_forged"
    redated = sign_booking_qr(
        SECRET, "hq", "HQ-1002", date(2026, 11, 25)
    )  # right secret, not the booking's day
    assert refusal(booked, CheckIn(qr_payload=redated)).code == "appointment_forged"
    replayed = sign_booking_qr(SECRET, "hq", "HQ-1002", date(2026, 11, 21))  # an old day's code replayed
    assert refusal(booked, CheckIn(qr_payload=replayed)).code == "appointment_expired"
    foreign = sign_booking_qr(b"seef secret", "seef", "SEEF-2001", date(2026, 11, 22))
    assert refusal(booked, CheckIn(qr_payload=foreign)).code == "appointment_wrong_branch"
    for junk in ("", "hello", "DAWR1:hq:HQ-1001:20261322:" + "0" * 32, good + "x", good.upper()):
        assert refusal(booked, CheckIn(qr_payload=junk or " ")).code in (
            "appointment_forged",
            "checkin_needs_one_key",
        )
    result = booked(CheckIn(qr_payload=good))
    assert booked.engine.tickets[result.ticket_id or ""].appointment_ref == "HQ-1001"


def test_import_refuses_bad_rows_atomically(run: Driver) -> None:
    bad = (booking("HQ-1", 9, 0), booking("HQ-2", 9, 0, service="nope"))
    error = refusal(run, ImportAppointments(bad))
    assert error.code == "invalid_booking" and "Booking 2" in error.message
    assert run.engine.bookings == {}
    assert (
        refusal(run, ImportAppointments((booking("HQ-1", 9, 0), booking("HQ-1", 9, 30)))).code
        == "invalid_booking"
    )
    assert refusal(run, ImportAppointments(())).code == "invalid_booking"


def test_appointment_counter_takes_due_appointments_in_slot_order_then_spills_over(
    booked: Driver, clock: FakeClock
) -> None:
    booked(IssueTicket("mazaya"))  # A001 walk-in at 09:00
    clock.now = datetime(2026, 11, 22, 9, 2, tzinfo=BAHRAIN)
    booked(CheckIn(reference="HQ-1002"))  # B001, slot 09:20
    booked(CheckIn(reference="HQ-1001"))  # A002, slot 09:10
    booked(OpenCounter(1, "noor"))
    # 09:02: nothing due within 5 minutes -> spill over to the walk-in.
    first = booked(CallNext(1))
    assert booked.engine.tickets[first.ticket_id or ""].number == "A001"
    reason = booked.engine.tickets[first.ticket_id or ""].call_reason
    assert reason is not None and reason.rule == CallRule.WEIGHTED_WAIT
    booked(StartService(1))
    clock.now = datetime(2026, 11, 22, 9, 6, tzinfo=BAHRAIN)
    booked(Finish(1, "completed"))
    second = booked(CallNext(1))  # 09:06: 09:10 is within the look-ahead
    ticket = booked.engine.tickets[second.ticket_id or ""]
    assert ticket.appointment_ref == "HQ-1001"
    assert ticket.call_reason == CallReason(
        CallRule.APPOINTMENT_DUE, slot=datetime(2026, 11, 22, 9, 10, tzinfo=BAHRAIN).astimezone(UTC)
    )


def test_general_counters_never_call_appointments_in_the_dedicated_phase(
    booked: Driver, clock: FakeClock
) -> None:
    booked(CheckIn(reference="HQ-1001"))
    booked(OpenCounter(3, "ali"))
    assert refusal(booked, CallNext(3)).code == "queue_empty"
    clock.tick(minutes=30)
    assert refusal(booked, CallNext(3)).code == "queue_empty"


def test_in_the_all_phase_every_counter_serves_due_appointments_first(clock: FakeClock) -> None:
    run = Driver(HallEngine(config_with(appointments={"rollout": "all"}), SECRET), clock)
    run(ImportAppointments((booking("HQ-1", 9, 5),)))
    run(IssueTicket("mazaya"))
    run(CheckIn(reference="HQ-1"))
    run(OpenCounter(3, "ali"))
    result = run(CallNext(3))
    reason = run.engine.tickets[result.ticket_id or ""].call_reason
    assert reason is not None and reason.rule == CallRule.APPOINTMENT_DUE


def test_without_spillover_an_appointment_counter_waits_for_appointments(clock: FakeClock) -> None:
    run = Driver(HallEngine(config_with(appointments={"spillover": False}), SECRET), clock)
    run(IssueTicket("mazaya"))
    run(OpenCounter(1, "noor"))
    assert refusal(run, CallNext(1)).code == "queue_empty"


def test_arrival_order_puts_appointments_with_walk_ins(clock: FakeClock) -> None:
    run = Driver(HallEngine(config_with(appointments={"order": "arrival", "rollout": "all"}), SECRET), clock)
    run(ImportAppointments((booking("HQ-1", 9, 0),)))
    run(IssueTicket("mazaya"))  # A001 at 09:00
    clock.tick(minutes=1)
    run(CheckIn(reference="HQ-1"))  # A002 at 09:01, slot 09:00
    run(OpenCounter(3, "ali"))
    assert run.engine.tickets[run(CallNext(3)).ticket_id or ""].number == "A001"


def test_bookings_survive_into_their_day(clock: FakeClock) -> None:
    config = config_with(branch={"hours": {d: "00:00-24:00" for d in ("sun", "mon")}})
    run = Driver(HallEngine(config, SECRET), clock)
    run(ImportAppointments((booking("HQ-7", 9, 0, day=23),)))
    clock.now = datetime(2026, 11, 23, 8, 45, tzinfo=BAHRAIN)
    result = run(CheckIn(reference="HQ-7"))
    assert run.engine.tickets[result.ticket_id or ""].id.startswith("20261123-")
    assert clock.now > SUNDAY_0900_BAHRAIN
