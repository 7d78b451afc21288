"""At the counter: calling, recall, no-show and reinstatement, park, transfer, finish, the time cap."""

from __future__ import annotations

import pytest

from server.core.engine import (
    CallNext,
    CallTicket,
    Cancel,
    CloseCounter,
    Finish,
    HallEngine,
    IssueTicket,
    NoShow,
    OpenCounter,
    Park,
    PauseCounter,
    Recall,
    Reinstate,
    ResumeCounter,
    ResumeParked,
    StartService,
    Transfer,
)
from server.core.errors import DomainError
from server.core.events import CapOverrun, CapWarning, TicketFinished
from server.core.policy import CallReason, CallRule
from server.testing import FakeClock

from .conftest import SECRET, Driver, config_with


def refused(run: Driver, command: object) -> str:
    with pytest.raises(DomainError) as error:
        run(command)  # type: ignore[arg-type]
    return error.value.code


def test_counter_must_be_open_free_and_not_paused(run: Driver) -> None:
    run(IssueTicket("inquiry"))
    run(IssueTicket("inquiry"))
    assert refused(run, CallNext(3)) == "counter_closed"
    run(OpenCounter(3, "ali"))
    run(PauseCounter(3, "prayer"))
    assert refused(run, CallNext(3)) == "counter_paused"
    run(ResumeCounter(3))
    run(CallNext(3))
    assert refused(run, CallNext(3)) == "counter_busy"
    assert refused(run, PauseCounter(3, "break")) == "counter_busy"
    assert refused(run, CloseCounter(3)) == "counter_busy"
    assert refused(run, OpenCounter(3, "ali")) == "invalid_counter_transition"
    assert refused(run, CallNext(99)) == "unknown_counter"
    assert refused(run, PauseCounter(4, "break")) == "invalid_counter_transition"


def test_pause_needs_a_known_reason(run: Driver) -> None:
    run(OpenCounter(3, "ali"))
    assert refused(run, PauseCounter(3, "coffee")) == "unknown_pause_reason"
    run(PauseCounter(3, "break"))
    assert run.engine.counters[3].pause_reason == "break"


def test_empty_queue_is_a_clear_refusal(run: Driver) -> None:
    run(OpenCounter(3, "ali"))
    assert refused(run, CallNext(3)) == "queue_empty"


def test_weighted_waiting_time_picks_the_longest_weighted_wait(run: Driver, clock: FakeClock) -> None:
    # Counter 7 serves legal ×3 and inquiry ×1.
    run(IssueTicket("inquiry"))  # waits 10 minutes -> score ≈ 10
    clock.tick(minutes=6)
    run(IssueTicket("legal"))  # waits 4 minutes ×3 -> score ≈ 12
    clock.tick(minutes=4)
    run(OpenCounter(7, "huda"))
    result = run(CallNext(7))
    ticket = run.engine.tickets[result.ticket_id or ""]
    reason = ticket.call_reason
    assert ticket.number == "F001" and reason is not None and reason.rule == CallRule.WEIGHTED_WAIT
    scores = dict(reason.scores)
    assert scores["legal"] == pytest.approx(12.05, abs=0.01) and scores["inquiry"] == pytest.approx(
        10.017, abs=0.01
    )
    # the figures behind the choice are fields, not prose: 4 minutes waited × weight 3, a normal ticket
    assert reason.waited_minutes == pytest.approx(4.0) and reason.weight == 3 and not reason.priority
    assert reason.slot is None


def test_counter_only_calls_services_it_serves(run: Driver) -> None:
    run(IssueTicket("legal"))
    run(OpenCounter(8, "sara"))  # supervisor desk: supervisor, inquiry, feedback
    assert refused(run, CallNext(8)) == "queue_empty"


def test_call_specific_ticket_by_number(run: Driver, clock: FakeClock) -> None:
    run(IssueTicket("inquiry"))
    run(IssueTicket("inquiry"))
    run(OpenCounter(3, "ali"))
    result = run(CallTicket(3, "C002"))
    ticket = run.engine.tickets[result.ticket_id or ""]
    assert (
        ticket.number == "C002"
        and ticket.call_reason == CallReason(CallRule.SPECIFIC)
        and ticket.counter == 3
    )
    run(OpenCounter(4, "omar"))
    assert refused(run, CallTicket(4, "C404")) == "unknown_ticket"
    assert refused(run, CallTicket(4, "C002")) == "invalid_transition"


def test_no_show_needs_the_configured_recalls_and_can_be_reinstated_within_the_window(
    run: Driver, clock: FakeClock
) -> None:
    run(IssueTicket("inquiry"))
    run(OpenCounter(3, "ali"))
    run(CallNext(3))
    assert refused(run, NoShow(3)) == "recall_first"
    run(Recall(3))
    assert run.engine.ticket("C001").recalls == 1  # type: ignore[union-attr]
    run(NoShow(3))
    ticket = run.engine.ticket("C001")
    assert ticket is not None and ticket.state.value == "no_show" and run.engine.counters[3].current is None
    clock.tick(minutes=9)
    run(Reinstate("C001"))
    assert ticket.state.value == "waiting" and run.engine.waiting_count("inquiry") == 1
    run(CallNext(3))
    run(Recall(3))
    run(NoShow(3))
    clock.tick(minutes=11)
    assert refused(run, Reinstate("C001")) == "reinstate_window_passed"
    assert ticket.state.value == "no_show"


def test_start_and_finish_with_outcome(run: Driver, clock: FakeClock) -> None:
    run(IssueTicket("data_update"))
    run(OpenCounter(3, "ali"))
    run(CallNext(3))
    assert refused(run, Finish(3, "completed")) == "invalid_transition"
    clock.tick(minutes=1)
    run(StartService(3))
    clock.tick(minutes=4)
    assert refused(run, Finish(3, "magic")) == "unknown_outcome"
    run(Finish(3, "completed"))
    finished = next(e for e in run.log if isinstance(e, TicketFinished))
    assert finished.service_seconds == 240 and not finished.over_cap and finished.staff == "ali"
    assert run.engine.counters[3].current is None
    assert run.engine.ticket("D001").state.value == "done"  # type: ignore[union-attr]


def test_cap_warning_at_the_lead_and_overrun_at_the_cap_then_a_reason_is_required(
    run: Driver, clock: FakeClock
) -> None:
    run(IssueTicket("mazaya"))
    run(OpenCounter(3, "ali"))
    run(CallNext(3))
    run(StartService(3))
    clock.tick(minutes=4, seconds=59)
    assert run.advance() == []
    clock.tick(seconds=1)  # 5:00 = 7-minute cap − 2-minute lead
    warnings = run.advance()
    assert len(warnings) == 1 and isinstance(warnings[0], CapWarning) and warnings[0].remaining_seconds == 120
    clock.tick(seconds=30)
    assert run.advance() == []  # warned once only
    clock.tick(minutes=1, seconds=30)  # 7:00
    overruns = run.advance()
    assert len(overruns) == 1 and isinstance(overruns[0], CapOverrun)
    clock.tick(seconds=1)
    assert refused(run, Finish(3, "completed")) == "overrun_reason_required"
    assert refused(run, Finish(3, "completed", "because")) == "unknown_overrun_reason"
    run(Finish(3, "completed", "complex_case"))
    finished = run.log[-1]
    assert (
        isinstance(finished, TicketFinished)
        and finished.over_cap
        and finished.overrun_reason == "complex_case"
    )


def test_a_custom_cap_per_service(clock: FakeClock) -> None:
    config = config_with()
    data = config.model_dump()
    data["services"][2]["cap_minutes"] = 3
    data["services"][2]["warning_lead_minutes"] = 1
    from server.core.config import parse_branch_config

    run = Driver(HallEngine(parse_branch_config(data), SECRET), clock)
    run(IssueTicket("inquiry"))
    run(OpenCounter(3, "ali"))
    run(CallNext(3))
    run(StartService(3))
    clock.tick(minutes=3, seconds=1)
    kinds = [e.type for e in run.advance()]
    assert kinds == ["cap_warning", "cap_overrun"]


def test_park_stops_the_service_clock_and_resume_continues_it(run: Driver, clock: FakeClock) -> None:
    run(IssueTicket("inquiry"))
    run(IssueTicket("feedback"))
    run(OpenCounter(3, "ali"))
    run(CallTicket(3, "C001"))
    run(StartService(3))
    clock.tick(minutes=4)
    run(Park(3))
    assert run.engine.counters[3].current is None
    run(CallNext(3))  # the counter serves someone else meanwhile
    run(StartService(3))
    clock.tick(minutes=10)
    assert run.advance() == [] or all(e.ticket_id != "20261122-C001" for e in run.log[-2:])  # type: ignore[attr-defined]
    run(Finish(3, "completed", "complex_case"))
    assert refused(run, ResumeParked(3, "E001")) == "invalid_transition"
    run(ResumeParked(3, "C001"))
    clock.tick(minutes=2)
    run(Finish(3, "completed"))
    finished = run.log[-1]
    assert isinstance(finished, TicketFinished) and finished.service_seconds == 360 and not finished.over_cap


def test_transfer_to_supervisor_keeps_place_by_arrival(run: Driver, clock: FakeClock) -> None:
    run(IssueTicket("inquiry"))  # C001 at 09:00
    clock.tick(minutes=1)
    run(IssueTicket("inquiry"))  # C002 at 09:01
    run(OpenCounter(3, "ali"))
    run(OpenCounter(4, "omar"))
    run(CallTicket(3, "C002"))
    run(StartService(3))
    run(CallTicket(4, "C001"))
    run(StartService(4))
    clock.tick(minutes=3)
    run(Transfer(3, to_service="supervisor"))
    clock.tick(minutes=1)
    run(Transfer(4, to_service="supervisor"))
    c1, c2 = run.engine.ticket("C001"), run.engine.ticket("C002")
    assert c1 is not None and c2 is not None
    assert c2.state.value == "transferred" and c2.service_id == "supervisor" and c2.transfers == 1
    assert [t.number for t in run.engine.lane_tickets("supervisor")] == ["C001", "C002"]
    run(OpenCounter(8, "sara"))
    assert run.engine.tickets[run(CallNext(8)).ticket_id or ""].number == "C001"


def test_transfer_to_the_end_and_to_one_counter(run: Driver, clock: FakeClock) -> None:
    run(IssueTicket("inquiry"))  # C001
    clock.tick(minutes=1)
    run(IssueTicket("inquiry"))  # C002
    run(OpenCounter(3, "ali"))
    run(CallTicket(3, "C001"))
    run(StartService(3))
    clock.tick(minutes=2)
    run(Transfer(3, to_service="data_update", position="end"))
    clock.tick(minutes=1)
    run(IssueTicket("data_update"))  # D001 arrives after the transfer
    assert [t.number for t in run.engine.lane_tickets("data_update")] == ["C001", "D001"]
    run(CallTicket(3, "D001"))
    run(StartService(3))
    run(Transfer(3, to_counter=5))
    assert run.engine.waiting_for_counter(5)[0].number == "D001"
    run(OpenCounter(5, "mona"))
    result = run(CallNext(5))  # the ticket sent to counter 5 comes before the older C002
    ticket = run.engine.tickets[result.ticket_id or ""]
    assert ticket.number == "D001" and ticket.call_reason == CallReason(CallRule.TRANSFERRED_TO_COUNTER)
    run(OpenCounter(4, "omar"))
    assert run.engine.tickets[run(CallNext(4)).ticket_id or ""].number == "C002"


def test_transfer_refusals(run: Driver) -> None:
    run(IssueTicket("inquiry"))
    run(OpenCounter(3, "ali"))
    run(CallNext(3))
    assert refused(run, Transfer(3, to_service="legal")) == "invalid_transition"  # not started yet
    run(StartService(3))
    assert refused(run, Transfer(3)) == "transfer_needs_target"
    assert refused(run, Transfer(3, to_service="inquiry")) == "transfer_to_self"
    assert refused(run, Transfer(3, to_counter=3)) == "transfer_to_self"
    assert refused(run, Transfer(3, to_service="nope")) == "unknown_service"
    assert refused(run, Transfer(3, to_counter=42)) == "unknown_counter"


def test_branch_can_forbid_choosing_the_transfer_position(clock: FakeClock) -> None:
    run = Driver(HallEngine(config_with(calling={"transfer_position_choice": False}), SECRET), clock)
    run(IssueTicket("inquiry"))
    run(OpenCounter(3, "ali"))
    run(CallNext(3))
    run(StartService(3))
    assert refused(run, Transfer(3, to_service="legal", position="end")) == "transfer_position_not_allowed"
    run(Transfer(3, to_service="legal", position="keep"))


def test_cancel_frees_the_counter_and_the_queue(run: Driver) -> None:
    run(IssueTicket("inquiry"))
    run(IssueTicket("inquiry"))
    run(OpenCounter(3, "ali"))
    run(CallTicket(3, "C001"))
    run(Cancel("C001", "left"))
    run(Cancel("C002", "left"))
    assert run.engine.counters[3].current is None and run.engine.waiting_count("inquiry") == 0
    assert refused(run, Cancel("C002")) == "invalid_transition"


def test_estimates_use_open_counters_and_recent_service_times(run: Driver, clock: FakeClock) -> None:
    assert run.engine.estimate("inquiry").wait_minutes is None  # no counter open
    for _ in range(4):
        run(IssueTicket("inquiry"))
    run(OpenCounter(3, "ali"))  # serves 7 services, but only inquiries wait: a whole counter
    estimate = run.engine.estimate("inquiry")
    assert estimate.people_ahead == 4
    assert estimate.wait_minutes == pytest.approx(4 * 4, abs=0.1)  # expected 4 min per inquiry
    run(IssueTicket("feedback"))  # now counter 3 splits its weight: inquiry 1 of (inquiry 1 + feedback 1)
    assert run.engine.estimate("inquiry").wait_minutes == pytest.approx(4 * 4 * 2, abs=0.1)
    run(OpenCounter(8, "sara"))  # supervisor 4, inquiry 1, feedback 1: no supervisor ticket waits -> 1/2
    run(CallTicket(8, "C001"))
    run(StartService(8))
    clock.tick(minutes=2)
    run(Finish(8, "completed"))
    # recent mean is now 2 minutes; capacity 1/2 + 1/2
    assert run.engine.estimate("inquiry").wait_minutes == pytest.approx(3 * 2 / 1, abs=0.1)
    last = run.engine.ticket("C004")
    assert last is not None and run.engine.ticket_estimate(last).people_ahead == 2
    run(PauseCounter(3, "break"))
    run(PauseCounter(8, "break"))
    assert run.engine.estimate("inquiry").wait_minutes is None


def test_each_counter_keeps_its_day_figures_from_its_events(run: Driver, clock: FakeClock) -> None:
    for _ in range(3):
        run(IssueTicket("inquiry"))
    run(OpenCounter(3, "ali"))
    run(CallNext(3))
    run(StartService(3))
    clock.tick(minutes=8)
    run(Finish(3, "completed", "complex_case"))  # over the cap
    run(CallNext(3))
    run(StartService(3))
    clock.tick(minutes=2)
    run(Transfer(3, to_service="supervisor"))
    run(CallNext(3))
    run(Recall(3))
    run(NoShow(3))
    counter = run.engine.counters[3]
    assert (counter.served, counter.transferred, counter.no_shows, counter.overruns) == (1, 1, 1, 1)
    assert counter.service_seconds == 8 * 60 + 2 * 60
    rebuilt = HallEngine(run.engine.config, SECRET)
    rebuilt.replay(run.log)
    assert rebuilt.counters[3] == counter
