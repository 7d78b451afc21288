"""Random command sequences against the engine: invariants hold, refusals change nothing, replay agrees."""

from __future__ import annotations

from collections import Counter as Tally
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from server.core.engine import (
    CallNext,
    CallTicket,
    Cancel,
    CheckIn,
    CloseCounter,
    Command,
    Finish,
    HallEngine,
    ImportAppointments,
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
from server.core.events import AppointmentsImported, Booking, DayStarted, Event, TicketIssued
from server.core.lifecycle import AT_COUNTER_STATES, WAITING_STATES

from .conftest import SECRET, config_with

BAHRAIN = timezone(timedelta(hours=3))
CONFIG = config_with(
    branch={"hours": {d: "00:00-24:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}},
    priority={"normal_per_priority": 1, "max_wait_minutes": 5},
)
WALK_IN = [s.id for s in CONFIG.services if s.walk_in]
ALL_SERVICES = [s.id for s in CONFIG.services]
COUNTERS = [1, 3, 8]  # an appointment counter, a general one, the supervisor desk
NUMBERS = [f"{p}{n:03d}" for p in "ABC" for n in range(1, 4)]
REFS = ["HQ-1", "HQ-2", "HQ-3", "HQ-4", "SEEF-1"]

counters = st.sampled_from(COUNTERS)
numbers = st.sampled_from(NUMBERS)


def replay_subset(log: list[Event]) -> list[Event]:
    """What the journal hands back for a rebuild: imports before the last day start, then that day on."""
    start = max((i for i, e in enumerate(log) if isinstance(e, DayStarted)), default=0)
    return [e for i, e in enumerate(log) if i >= start or isinstance(e, AppointmentsImported)]


class HallMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.engine = HallEngine(CONFIG, SECRET)
        self.now = datetime(2026, 11, 22, 7, 30, tzinfo=BAHRAIN)
        self.log: list[Event] = []
        self.refused = 0

    def do(self, command: Command) -> None:
        self.log.extend(self.engine.advance(self.now))
        before = self.engine.fingerprint()
        try:
            result = self.engine.execute(command, self.now)
        except DomainError:
            self.refused += 1
            assert self.engine.fingerprint() == before, f"refused {command} changed the state"
            return
        self.log.extend(result.events)

    @rule(minutes=st.integers(0, 45), seconds=st.integers(0, 59))
    def time_passes(self, minutes: int, seconds: int) -> None:
        self.now += timedelta(minutes=minutes, seconds=seconds)
        self.log.extend(self.engine.advance(self.now))

    @rule(jump=st.integers(0, 9))
    def maybe_next_day(self, jump: int) -> None:
        if jump == 9:  # one time in ten: past midnight, so most runs stay within one day
            self.now += timedelta(hours=20)
            self.log.extend(self.engine.advance(self.now))

    @rule(minutes=st.integers(1, 120))
    def clock_steps_back(self, minutes: int) -> None:
        self.now -= timedelta(minutes=minutes)

    @rule(
        service=st.sampled_from(["mazaya", "housing", "inquiry", "inquiry", "supervisor", "nope"]),
        priority=st.booleans(),
        key=st.one_of(st.none(), st.sampled_from(["k1", "k2", "k3"])),
    )
    def issue(self, service: str, priority: bool, key: str | None) -> None:
        self.do(IssueTicket(service, priority=priority, idempotency_key=key, token="t"))

    @rule(
        slots=st.lists(
            st.tuples(
                st.sampled_from(REFS), st.integers(-60, 240), st.sampled_from(["mazaya", "housing", "nope"])
            ),
            max_size=4,
        )
    )
    def import_bookings(self, slots: list[tuple[str, int, str]]) -> None:
        bookings = tuple(
            Booking(
                ref,
                f"ID{ref}",
                "Name",
                "",
                service,
                "seef" if ref.startswith("SEEF") else "hq",
                self.now + timedelta(minutes=offset),
            )
            for ref, offset, service in slots
        )
        self.do(ImportAppointments(bookings))

    @rule(ref=st.sampled_from([*REFS, "NOPE"]), by_id=st.booleans())
    def check_in(self, ref: str, by_id: bool) -> None:
        self.do(CheckIn(national_id=f"ID{ref}") if by_id else CheckIn(reference=ref))

    @rule()
    def open_all(self) -> None:
        for counter in COUNTERS:
            self.do(OpenCounter(counter, f"staff{counter}"))

    @rule(counter=counters)
    def call_next(self, counter: int) -> None:
        self.do(CallNext(counter))

    @rule(service=st.sampled_from(["mazaya", "inquiry", "feedback"]), counter=counters)
    def walk_in_served(self, service: str, counter: int) -> None:
        self.do(IssueTicket(service, token="t"))
        self.do(OpenCounter(counter, f"staff{counter}"))
        self.do(CallNext(counter))
        self.do(StartService(counter))

    @rule(
        ref=st.sampled_from(REFS[:4]),
        offset=st.integers(-10, 20),
        service=st.sampled_from(["mazaya", "housing"]),
    )
    def booked_and_checked_in(self, ref: str, offset: int, service: str) -> None:
        slot = self.now + timedelta(minutes=offset)
        self.do(ImportAppointments((Booking(ref, f"ID{ref}", "Name", "", service, "hq", slot),)))
        self.do(CheckIn(reference=ref, idempotency_key=f"checkin-{ref}"))

    @rule(counter=counters, reinstate=st.booleans())
    def called_recalled_no_show(self, counter: int, reinstate: bool) -> None:
        self.do(CallNext(counter))
        current = self.engine.counters[counter].current
        self.do(Recall(counter))
        self.do(NoShow(counter))
        if reinstate and current is not None:
            self.do(Reinstate(current))

    @rule(counter=counters, minutes=st.integers(0, 10))
    def park_then_resume(self, counter: int, minutes: int) -> None:
        current = self.engine.counters[counter].current
        self.do(Park(counter))
        self.now += timedelta(minutes=minutes)
        if current is not None:
            self.do(ResumeParked(counter, current))

    @rule(counter=counters)
    def call_and_start(self, counter: int) -> None:
        self.do(CallNext(counter))
        self.do(StartService(counter))

    @rule(counter=counters, number=numbers)
    def call_ticket(self, counter: int, number: str) -> None:
        self.do(CallTicket(counter, number))

    @rule(counter=counters, action=st.sampled_from([Recall, StartService, NoShow, Park]))
    def at_counter(self, counter: int, action: type) -> None:
        self.do(action(counter))

    @rule(
        counter=counters,
        outcome=st.sampled_from(["completed", "bogus"]),
        reason=st.one_of(st.none(), st.just("complex_case")),
    )
    def finish(self, counter: int, outcome: str, reason: str | None) -> None:
        self.do(Finish(counter, outcome, reason))

    @rule(
        counter=counters,
        service=st.one_of(st.none(), st.sampled_from(ALL_SERVICES)),
        to_counter=st.one_of(st.none(), counters),
        position=st.sampled_from([None, "keep", "end"]),
    )
    def transfer(
        self, counter: int, service: str | None, to_counter: int | None, position: str | None
    ) -> None:
        self.do(Transfer(counter, service, to_counter, position))  # type: ignore[arg-type]

    @rule(number=numbers)
    def reinstate(self, number: str) -> None:
        self.do(Reinstate(number))

    @rule(number=numbers)
    def cancel(self, number: str) -> None:
        self.do(Cancel(number, "left"))

    @rule(counter=counters, number=numbers)
    def resume_parked(self, counter: int, number: str) -> None:
        self.do(ResumeParked(counter, number))

    @rule(counter=counters, action=st.sampled_from(["open", "pause", "resume", "close"]))
    def counter_state(self, counter: int, action: str) -> None:
        command: Command = {
            "open": OpenCounter(counter, "staff"),
            "pause": PauseCounter(counter, "break"),
            "resume": ResumeCounter(counter),
            "close": CloseCounter(counter),
        }[action]
        self.do(command)

    @rule()
    def rebuild_agrees(self) -> None:
        rebuilt = HallEngine(CONFIG, SECRET)
        rebuilt.replay(replay_subset(self.log))
        assert rebuilt.fingerprint() == self.engine.fingerprint()

    # ------------------------------------------------------------------------------------ invariants
    @invariant()
    def no_ticket_lost_or_duplicated(self) -> None:
        if self.engine.day is None:
            return
        start = max(i for i, e in enumerate(self.log) if isinstance(e, DayStarted))
        issued = [e.ticket_id for e in self.log[start:] if isinstance(e, TicketIssued)]
        assert len(issued) == len(set(issued)), "a ticket id was issued twice"
        assert sorted(issued) == sorted(self.engine.tickets), "tickets lost or invented"

    @invariant()
    def numbers_unique_per_service_per_day(self) -> None:
        numbers = Tally(t.number for t in self.engine.tickets.values())
        assert all(n == 1 for n in numbers.values())
        for ticket in self.engine.tickets.values():
            assert ticket.id == f"{self.engine.day:%Y%m%d}-{ticket.number}"

    @invariant()
    def each_ticket_in_exactly_one_place(self) -> None:
        queued: Tally[str] = Tally()
        for lane in self.engine._lanes.values():
            queued.update(key[2] for key in lane)
        for lane in self.engine._targeted.values():
            queued.update(key[2] for key in lane)
        assert all(n == 1 for n in queued.values()), "a ticket is queued twice"
        for ticket in self.engine.tickets.values():
            assert (ticket.id in queued) == (ticket.state in WAITING_STATES), (
                f"{ticket.number} {ticket.state}"
            )
            at_counter = ticket.state in AT_COUNTER_STATES
            assert (ticket.counter is not None) == at_counter
            if at_counter:
                assert self.engine.counters[ticket.counter].current == ticket.id  # type: ignore[index]

    @invariant()
    def one_ticket_per_counter(self) -> None:
        at = [t.counter for t in self.engine.tickets.values() if t.state in AT_COUNTER_STATES]
        assert len(at) == len(set(at))
        for counter in self.engine.counters.values():
            if counter.current is not None:
                assert self.engine.tickets[counter.current].counter == counter.number
                assert counter.state.value != "closed"


HallMachine.TestCase.settings = settings(
    max_examples=int(__import__("os").environ.get("DAWR_HYPOTHESIS_EXAMPLES", "150")),
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestHallMachine = HallMachine.TestCase
