"""Walk-in tickets: numbering, the daily reset, priority ordering, opening hours, idempotency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.core.engine import CallNext, HallEngine, IssueTicket, OpenCounter
from server.core.errors import DomainError
from server.core.events import DayStarted
from server.testing import FakeClock

from .conftest import SECRET, Driver, config_with

ALL_DAY = {d: "00:00-24:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def test_numbers_are_prefix_plus_three_digits_per_service(run: Driver) -> None:
    numbers = [
        run.engine.ticket(run(IssueTicket(s)).ticket_id or "").number  # type: ignore[union-attr]
        for s in ("inquiry", "inquiry", "mazaya", "inquiry", "mazaya")
    ]
    assert numbers == ["C001", "C002", "A001", "C003", "A002"]


def test_ticket_ids_are_unique_and_lookup_by_number_works(run: Driver) -> None:
    first = run(IssueTicket("data_update")).ticket_id
    assert first == "20261122-D001"
    ticket = run.engine.ticket("d001")
    assert ticket is not None and ticket.id == first


def test_numbering_restarts_at_the_branchs_local_midnight_not_utc() -> None:
    config = config_with(branch={"hours": ALL_DAY})
    # 23:58 in Bahrain (UTC+3) is 20:58 UTC: local midnight comes at 21:00 UTC, long before UTC midnight.
    clock = FakeClock(datetime(2026, 11, 22, 20, 58, tzinfo=UTC))
    run = Driver(HallEngine(config, SECRET), clock)
    assert run(IssueTicket("inquiry")).ticket_id == "20261122-C001"
    assert run(IssueTicket("inquiry")).ticket_id == "20261122-C002"
    clock.tick(minutes=1, seconds=59)  # 23:59:59 local
    assert run(IssueTicket("inquiry")).ticket_id == "20261122-C003"
    clock.tick(seconds=2)  # 00:00:01 local on the 23rd, still the 22nd in UTC
    result = run(IssueTicket("inquiry"))
    assert result.ticket_id == "20261123-C001"
    started = [e for e in run.log if isinstance(e, DayStarted)]
    assert [e.day.isoformat() for e in started] == ["2026-11-22", "2026-11-23"]
    # The old day's open tickets are cancelled as "day_end", not carried into the new day.
    assert set(started[1].expired_tickets) == {"20261122-C001", "20261122-C002", "20261122-C003"}
    assert run.engine.waiting_count("inquiry") == 1
    assert run.engine.ticket("C001").id == "20261123-C001"  # type: ignore[union-attr]


def test_day_start_closes_counters_and_clears_the_customer_at_the_counter() -> None:
    config = config_with(branch={"hours": ALL_DAY})
    clock = FakeClock(datetime(2026, 11, 22, 20, 30, tzinfo=UTC))
    run = Driver(HallEngine(config, SECRET), clock)
    run(IssueTicket("inquiry"))
    run(OpenCounter(3, "ali"))
    run(CallNext(3))
    clock.tick(minutes=40)
    run.advance()
    counter = run.engine.counters[3]
    assert counter.state.value == "closed" and counter.current is None and counter.staff is None


def test_clock_stepping_back_never_reuses_a_number(run: Driver, clock: FakeClock) -> None:
    run(IssueTicket("inquiry"))
    clock.tick(minutes=-90)
    assert run(IssueTicket("inquiry")).ticket_id == "20261122-C002"
    issued = [e for e in run.log if e.type == "ticket_issued"]
    assert issued[1].at >= issued[0].at


def test_walk_in_refused_outside_opening_hours(run: Driver, clock: FakeClock) -> None:
    clock.now = datetime(2026, 11, 22, 11, 30, tzinfo=UTC)  # 14:30 Bahrain: closing time
    with pytest.raises(DomainError) as refused:
        run(IssueTicket("inquiry"))
    assert refused.value.code == "branch_closed"
    assert run.engine.open_for_walk_ins(clock.now) == []
    clock.now = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)  # Friday 09:00: closed all day
    with pytest.raises(DomainError) as friday:
        run(IssueTicket("inquiry"))
    assert friday.value.code == "branch_closed"


def test_transfer_only_and_unknown_services_are_refused(run: Driver) -> None:
    for service, code in (("supervisor", "service_not_walk_in"), ("nope", "unknown_service")):
        with pytest.raises(DomainError) as refused:
            run(IssueTicket(service))
        assert refused.value.code == code
    assert run.engine.tickets == {}


def test_open_for_walk_ins_lists_kiosk_services(run: Driver, clock: FakeClock) -> None:
    services = run.engine.open_for_walk_ins(clock.now)
    assert "supervisor" not in services and services[0] == "mazaya" and len(services) == 7


def test_same_idempotency_key_gives_the_same_ticket_and_no_new_event(run: Driver) -> None:
    first = run(IssueTicket("inquiry", idempotency_key="kiosk-1:42"))
    again = run(IssueTicket("inquiry", idempotency_key="kiosk-1:42"))
    assert again.ticket_id == first.ticket_id and again.events == []
    other = run(IssueTicket("inquiry", idempotency_key="kiosk-1:43"))
    assert other.ticket_id != first.ticket_id
    assert run.engine.waiting_count("inquiry") == 2


def test_numbers_run_out_after_999_with_a_clear_error(run: Driver) -> None:
    for _ in range(999):
        run(IssueTicket("feedback"))
    with pytest.raises(DomainError) as refused:
        run(IssueTicket("feedback"))
    assert refused.value.code == "numbers_exhausted"
    assert run.engine.ticket("E999") is not None


def _call_all(run: Driver, clock: FakeClock, counter: int, count: int) -> list[str]:
    from server.core.engine import Finish, StartService

    numbers = []
    for _ in range(count):
        clock.tick(seconds=30)
        ticket_id = run(CallNext(counter)).ticket_id
        numbers.append(run.engine.tickets[ticket_id or ""].number)
        run(StartService(counter))
        run(Finish(counter, "completed"))
    return numbers


def test_priority_tickets_follow_the_configured_ratio(run: Driver, clock: FakeClock) -> None:
    run(OpenCounter(3, "ali"))
    for _i in range(6):
        run(IssueTicket("inquiry"))
        clock.tick(seconds=1)
    for _i in range(3):
        run(IssueTicket("inquiry", priority=True))
        clock.tick(seconds=1)
    # C001..C006 normal, C007..C009 priority; ratio 2 normal : 1 priority.
    assert _call_all(run, clock, 3, 9) == [
        "C001",
        "C002",
        "C007",
        "C003",
        "C004",
        "C008",
        "C005",
        "C006",
        "C009",
    ]


def test_ratio_zero_means_priority_always_first(clock: FakeClock) -> None:
    run = Driver(HallEngine(config_with(priority={"normal_per_priority": 0}), SECRET), clock)
    run(OpenCounter(3, "ali"))
    run(IssueTicket("inquiry"))
    clock.tick(seconds=5)
    run(IssueTicket("inquiry", priority=True))
    assert _call_all(run, clock, 3, 2) == ["C002", "C001"]


def test_priority_ticket_that_waited_past_the_limit_goes_next(clock: FakeClock) -> None:
    run = Driver(
        HallEngine(config_with(priority={"normal_per_priority": 5, "max_wait_minutes": 10}), SECRET), clock
    )
    run(OpenCounter(3, "ali"))
    run(IssueTicket("inquiry", priority=True))  # C001 priority, arrives first
    clock.tick(seconds=10)
    for _ in range(4):
        run(IssueTicket("inquiry"))  # C002..C005 normal
    # Before 10 minutes: the ratio (5 normals per priority) wins.
    assert _call_all(run, clock, 3, 1) == ["C002"]
    clock.tick(minutes=11)
    assert _call_all(run, clock, 3, 1) == ["C001"]


def test_priority_refused_where_the_service_does_not_allow_it(clock: FakeClock) -> None:
    run = Driver(HallEngine(config_with(priority={"enabled": False}), SECRET), clock)
    with pytest.raises(DomainError) as refused:
        run(IssueTicket("inquiry", priority=True))
    assert refused.value.code == "priority_not_allowed"


def test_day_without_advance_is_refused(config) -> None:  # type: ignore[no-untyped-def]
    engine = HallEngine(config, SECRET)
    with pytest.raises(DomainError) as refused:
        engine.execute(IssueTicket("inquiry"), datetime(2026, 11, 22, 6, tzinfo=UTC))
    assert refused.value.code == "day_not_started"
    with pytest.raises(DomainError):
        engine.advance(datetime(2026, 11, 22, 6) + timedelta(0))  # naive time
