"""The hall's queue as a pure core: commands in, events out.

``HallEngine(config, qr_secret)`` holds one branch's state for its current local day. Two calls drive it:

* ``advance(now)`` — time passed: starts a new day at the branch's local midnight (cancelling what the old
  day left open) and emits cap warnings and overruns. Call it before every command and about once a second.
* ``execute(command, now)`` — a command; returns a ``Result`` with the events it caused (already applied)
  or raises ``DomainError`` with a stable code and changes nothing.

Every state change goes through ``apply(event)``, so replaying the journal's events rebuilds exactly the
same state. No I/O, no clock of its own: ``now`` is always given (tz-aware); time never runs backwards
inside the engine (an earlier ``now`` is treated as the latest time already seen).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import ClassVar, Literal

from sortedcontainers import SortedList

from server.core.appointments import read_booking_qr, valid_reference
from server.core.config import BranchConfig, CounterConfig
from server.core.errors import DomainError
from server.core.events import (
    AppointmentsImported,
    Booking,
    CapOverrun,
    CapWarning,
    CounterClosed,
    CounterOpened,
    CounterPaused,
    CounterResumed,
    DayStarted,
    Event,
    ServiceStarted,
    TicketCalled,
    TicketCancelled,
    TicketFinished,
    TicketIssued,
    TicketNoShow,
    TicketParked,
    TicketRecalled,
    TicketReinstated,
    TicketResumed,
    TicketTransferred,
)
from server.core.lifecycle import (
    COUNTER_DAY_END,
    COUNTER_TRANSITIONS,
    DAY_END,
    NEEDS_FREE_COUNTER,
    TICKET_TRANSITIONS,
    WAITING_STATES,
    Command,
    CounterState,
    TicketState,
    counter_target,
    ticket_target,
)
from server.core.policy import CallReason, CallRule, choose_next

MAX_NUMBER = 999
RECENT_SERVICE_TIMES = 20

# --------------------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssueTicket:
    """A walk-in ticket for ``service_id`` (priority: elderly, special needs, where the service allows)."""

    command: ClassVar[Command] = Command.ISSUE_TICKET
    service_id: str
    priority: bool = False
    idempotency_key: str | None = None
    token: str = ""


@dataclass(frozen=True)
class CheckIn:
    """Check in a booked appointment by exactly one of: QR payload, booking reference, national ID."""

    command: ClassVar[Command] = Command.CHECK_IN
    qr_payload: str | None = None
    reference: str | None = None
    national_id: str | None = None
    idempotency_key: str | None = None
    token: str = ""


@dataclass(frozen=True)
class CallNext:
    command: ClassVar[Command] = Command.CALL_NEXT
    counter: int


@dataclass(frozen=True)
class CallTicket:
    """Call one ticket (by id ``20261122-A012`` or by today's number ``A012``)."""

    command: ClassVar[Command] = Command.CALL_TICKET
    counter: int
    ticket: str


@dataclass(frozen=True)
class Recall:
    command: ClassVar[Command] = Command.RECALL
    counter: int


@dataclass(frozen=True)
class StartService:
    command: ClassVar[Command] = Command.START_SERVICE
    counter: int


@dataclass(frozen=True)
class NoShow:
    command: ClassVar[Command] = Command.NO_SHOW
    counter: int


@dataclass(frozen=True)
class Reinstate:
    command: ClassVar[Command] = Command.REINSTATE
    ticket: str


@dataclass(frozen=True)
class Park:
    command: ClassVar[Command] = Command.PARK
    counter: int


@dataclass(frozen=True)
class ResumeParked:
    command: ClassVar[Command] = Command.RESUME_PARKED
    counter: int
    ticket: str


@dataclass(frozen=True)
class Transfer:
    """Send the customer at ``counter`` to another service and/or one counter; ``position`` "keep"
    (their place by arrival time) or "end"; None means the branch's default."""

    command: ClassVar[Command] = Command.TRANSFER
    counter: int
    to_service: str | None = None
    to_counter: int | None = None
    position: Literal["keep", "end"] | None = None


@dataclass(frozen=True)
class Finish:
    command: ClassVar[Command] = Command.FINISH
    counter: int
    outcome: str
    overrun_reason: str | None = None


@dataclass(frozen=True)
class Cancel:
    command: ClassVar[Command] = Command.CANCEL
    ticket: str
    reason: str = "cancelled"


@dataclass(frozen=True)
class OpenCounter:
    command: ClassVar[Command] = Command.OPEN_COUNTER
    counter: int
    staff: str | None = None


@dataclass(frozen=True)
class PauseCounter:
    command: ClassVar[Command] = Command.PAUSE_COUNTER
    counter: int
    reason: str


@dataclass(frozen=True)
class ResumeCounter:
    command: ClassVar[Command] = Command.RESUME_COUNTER
    counter: int


@dataclass(frozen=True)
class CloseCounter:
    command: ClassVar[Command] = Command.CLOSE_COUNTER
    counter: int


@dataclass(frozen=True)
class ImportAppointments:
    command: ClassVar[Command] = Command.IMPORT_APPOINTMENTS
    bookings: tuple[Booking, ...]


EngineCommand = (
    IssueTicket
    | CheckIn
    | CallNext
    | CallTicket
    | Recall
    | StartService
    | NoShow
    | Reinstate
    | Park
    | ResumeParked
    | Transfer
    | Finish
    | Cancel
    | OpenCounter
    | PauseCounter
    | ResumeCounter
    | CloseCounter
    | ImportAppointments
)
"""A command object for ``HallEngine.execute``; its class attribute ``command`` is its ``Command`` name."""

# --------------------------------------------------------------------------------------------------------
# State
# --------------------------------------------------------------------------------------------------------

Lane = tuple[str, str]
"""(service id, "normal" | "priority" | "appointment")."""
QueueKey = tuple[datetime, int, str]
"""(ordering time, issue sequence, ticket id): how a lane is sorted."""


@dataclass
class Ticket:
    """One customer's ticket for the day. Read it; only the engine changes it."""

    id: str
    number: str
    service_id: str
    kind: str
    priority: bool
    issued_at: datetime
    token: str
    seq: int
    state: TicketState = TicketState.WAITING
    arrival_at: datetime = field(default=datetime.min.replace(tzinfo=UTC))
    idempotency_key: str | None = None
    appointment_ref: str | None = None
    slot: datetime | None = None
    late_appointment: bool = False
    counter: int | None = None
    target_counter: int | None = None
    staff: str | None = None
    called_at: datetime | None = None
    call_reason: CallReason | None = None
    recalls: int = 0
    started_at: datetime | None = None
    segment_start: datetime | None = None
    served_seconds: float = 0.0
    warned: bool = False
    overrun: bool = False
    no_show_at: datetime | None = None
    no_show_by: int | None = None
    parked_by: int | None = None
    transfers: int = 0
    transferred_by: int | None = None
    transferred_from_service: str | None = None
    finished_at: datetime | None = None
    outcome: str | None = None
    overrun_reason: str | None = None
    cancel_reason: str | None = None

    def service_seconds(self, now: datetime) -> float:
        """Seconds this customer has been served so far (all service segments, parked time excluded)."""
        running = (now - self.segment_start).total_seconds() if self.segment_start else 0.0
        return self.served_seconds + max(0.0, running)


@dataclass
class Counter:
    """One counter now, and its day so far (customers finished, transferred on, no-shows; service time)."""

    number: int
    state: CounterState = CounterState.CLOSED
    staff: str | None = None
    current: str | None = None
    pause_reason: str | None = None
    served: int = 0
    transferred: int = 0
    no_shows: int = 0
    overruns: int = 0
    service_seconds: float = 0.0


@dataclass(frozen=True)
class Estimate:
    """People ahead and estimated wait in minutes (None when no open counter serves the service)."""

    people_ahead: int
    wait_minutes: float | None


@dataclass(frozen=True)
class Result:
    """What a command did: its events (already applied) and the ticket it concerns, if any."""

    events: list[Event]
    ticket_id: str | None = None


def _ticket_after(command: Command) -> TicketState:
    """The state a ticket is in after ``command`` (``TICKET_TRANSITIONS``)."""
    return TICKET_TRANSITIONS[command].target


def _counter_after(command: Command) -> CounterState:
    """The state a counter is in after ``command`` (``COUNTER_TRANSITIONS``)."""
    return COUNTER_TRANSITIONS[command].target


_VERBS: dict[Command, str] = {
    Command.CALL_NEXT: "call",
    Command.CALL_TICKET: "call",
    Command.START_SERVICE: "start",
    Command.RESUME_PARKED: "resume",
    Command.OPEN_COUNTER: "open",
    Command.PAUSE_COUNTER: "pause",
    Command.RESUME_COUNTER: "resume",
    Command.CLOSE_COUNTER: "close",
}
"""The word an English refusal uses for a command ("cannot start"), where it is not the command's name."""


def _verb(command: Command) -> str:
    return _VERBS.get(command, command.value.replace("_", " "))


def _called(
    now: datetime, ticket_id: str, counter: int, staff: str | None, reason: CallReason
) -> TicketCalled:
    return TicketCalled(
        now,
        ticket_id,
        counter,
        staff,
        reason.rule.value,
        reason.scores,
        reason.waited_minutes,
        reason.weight,
        reason.priority,
        reason.slot,
    )


class HallEngine:
    """One branch's queue. See the module docstring for how to drive it."""

    def __init__(self, config: BranchConfig, qr_secret: bytes = b"") -> None:
        self.config = config
        self.qr_secret = qr_secret
        self.day: date | None = None
        self.latest: datetime | None = None
        self.tickets: dict[str, Ticket] = {}
        self.counters: dict[int, Counter] = {c.number: Counter(c.number) for c in config.counters}
        self.bookings: dict[str, Booking] = {}
        self.checked_in: dict[str, str] = {}
        self._by_national_id: dict[str, list[str]] = {}
        self._by_number: dict[str, str] = {}
        self._idempotency: dict[str, str] = {}
        self._next_number: dict[str, int] = {}
        self._lanes: dict[Lane, SortedList] = {}
        self._targeted: dict[int, SortedList] = {}
        self._normals_since_priority: dict[str, int] = {}
        self._recent_service: dict[str, deque[float]] = {}
        self._serving: set[str] = set()
        self._seq = 0

    # ----------------------------------------------------------------------------------------- reading
    def local(self, moment: datetime) -> datetime:
        """``moment`` in the branch's time zone."""
        return moment.astimezone(self.config.zone)

    def local_day(self, moment: datetime) -> date:
        """The branch's calendar day at ``moment``."""
        return self.local(moment).date()

    def ticket(self, ref: str) -> Ticket | None:
        """A ticket of the current day by id (``20261122-A012``) or number (``A012``), or None."""
        ticket = self.tickets.get(ref)
        if ticket is None and ref.upper() in self._by_number:
            ticket = self.tickets[self._by_number[ref.upper()]]
        return ticket

    def lane_tickets(self, service_id: str) -> list[Ticket]:
        """Tickets waiting for ``service_id`` (all lanes, not the ones sent to one counter), oldest first."""
        keys: list[QueueKey] = []
        for kind in ("normal", "priority", "appointment"):
            keys.extend(self._lanes.get((service_id, kind), ()))
        keys.sort()
        return [self.tickets[k[2]] for k in keys]

    def waiting_count(self, service_id: str) -> int:
        """How many tickets wait for ``service_id`` (appointment tickets included)."""
        return sum(
            len(self._lanes.get((service_id, kind), ())) for kind in ("normal", "priority", "appointment")
        )

    def waiting_for_counter(self, counter: int) -> list[Ticket]:
        """Tickets transferred to this one counter, oldest first."""
        return [self.tickets[k[2]] for k in self._targeted.get(counter, ())]

    def mean_service_minutes(self, service_id: str) -> float:
        """Mean of today's recent service times for this service, or its configured expectation."""
        recent = self._recent_service.get(service_id)
        if recent:
            return sum(recent) / len(recent) / 60.0
        service = self.config.service(service_id)
        return service.expected_service_minutes if service else 5.0

    def service_capacity(self, service_id: str, busy: frozenset[str] | None = None) -> float:
        """Counters' worth of capacity serving this service now. An open counter gives its weight for the
        service divided by the sum of its weights over this service and the other services that have
        someone waiting (so a counter with nothing else to do counts whole). Paused and closed give 0.
        ``busy`` (services with someone waiting) may be passed in when estimating many services at once."""
        if busy is None:
            busy = self._busy_services()
        capacity = 0.0
        for counter_cfg in self.config.counters:
            weight = counter_cfg.services.get(service_id)
            if not weight or self.counters[counter_cfg.number].state is not CounterState.OPEN:
                continue
            busy_elsewhere = sum(w for s, w in counter_cfg.services.items() if s != service_id and s in busy)
            capacity += weight / (weight + busy_elsewhere)
        return capacity

    def _busy_services(self) -> frozenset[str]:
        return frozenset(service for (service, _kind), lane in self._lanes.items() if lane)

    def estimate(
        self, service_id: str, people_ahead: int | None = None, busy: frozenset[str] | None = None
    ) -> Estimate:
        """People ahead and estimated wait for a new ticket of ``service_id`` (or for one with
        ``people_ahead`` in front of it)."""
        ahead = self.waiting_count(service_id) if people_ahead is None else people_ahead
        capacity = self.service_capacity(service_id, busy)
        if capacity <= 0:
            return Estimate(ahead, None)
        return Estimate(ahead, round(ahead * self.mean_service_minutes(service_id) / capacity, 1))

    def estimates(self) -> dict[str, Estimate]:
        """``estimate`` of every service, computed together (what a board or kiosk shows)."""
        busy = self._busy_services()
        return {service.id: self.estimate(service.id, busy=busy) for service in self.config.services}

    def ticket_estimate(self, ticket: Ticket) -> Estimate:
        """People ahead of a waiting ticket in its own queue, and its estimated wait."""
        if ticket.state not in WAITING_STATES:
            return Estimate(0, 0.0)
        if ticket.target_counter is not None:
            lane = self._targeted.get(ticket.target_counter, SortedList())
            ahead = lane.bisect_left(self._key(ticket))
            return Estimate(ahead, round(ahead * self.mean_service_minutes(ticket.service_id), 1))
        ahead = 0
        key = self._key(ticket)
        for kind in ("normal", "priority", "appointment"):
            lane = self._lanes.get((ticket.service_id, kind))
            if lane:
                ahead += lane.bisect_left(key)
        return self.estimate(ticket.service_id, ahead)

    def open_for_walk_ins(self, now: datetime) -> list[str]:
        """Ids of the services a citizen can take a walk-in ticket for right now."""
        if not self.config.is_open(now):
            return []
        return [s.id for s in self.config.services if s.walk_in and not s.transfer_only]

    def fingerprint(self) -> tuple[object, ...]:
        """A comparable summary of the whole state: equal fingerprints mean equal engines (replay checks)."""
        return (
            self.day,
            self.latest,
            tuple(sorted((t.id, tuple(sorted(vars(t).items()))) for t in self.tickets.values())),
            tuple(sorted((n, tuple(sorted(vars(c).items()))) for n, c in self.counters.items())),
            tuple(sorted(self.bookings.items())),
            tuple(sorted(self.checked_in.items())),
            tuple(sorted((k, tuple(v)) for k, v in self._by_national_id.items())),
            tuple(sorted(self._by_number.items())),
            tuple(sorted(self._idempotency.items())),
            tuple(sorted(self._next_number.items())),
            tuple(sorted((k, tuple(v)) for k, v in self._lanes.items() if v)),
            tuple(sorted((k, tuple(v)) for k, v in self._targeted.items() if v)),
            tuple(sorted(self._normals_since_priority.items())),
            tuple(sorted((k, tuple(v)) for k, v in self._recent_service.items())),
            tuple(sorted(self._serving)),
            self._seq,
        )

    # --------------------------------------------------------------------------------------- driving
    def advance(self, now: datetime) -> list[Event]:
        """Let time pass up to ``now``: a new local day starts (old day's open tickets cancelled, counters
        closed) and cap warnings / overruns fall due. Returns the events (already applied)."""
        now = self._effective(now)
        events: list[Event] = []
        today = self.local_day(now)
        if self.day is None or today > self.day:
            expired = tuple(
                t.id for t in sorted(self.tickets.values(), key=lambda t: t.seq) if DAY_END.allows(t.state)
            )
            closed = tuple(n for n, c in sorted(self.counters.items()) if COUNTER_DAY_END.allows(c.state))
            events.append(self._apply(DayStarted(now, today, self.day, expired, closed)))
        for ticket_id in sorted(self._serving, key=lambda i: self.tickets[i].seq):
            ticket = self.tickets[ticket_id]
            service = self.config.service(ticket.service_id)
            assert service is not None and ticket.counter is not None
            cap = service.cap_minutes * 60
            elapsed = ticket.service_seconds(now)
            if not ticket.warned and elapsed >= cap - service.warning_lead_minutes * 60:
                events.append(
                    self._apply(CapWarning(now, ticket.id, ticket.counter, max(0.0, cap - elapsed)))
                )
            if not ticket.overrun and elapsed >= cap:
                events.append(self._apply(CapOverrun(now, ticket.id, ticket.counter, service.cap_minutes)))
        return events

    def execute(self, command: EngineCommand, now: datetime) -> Result:
        """Carry out ``command`` at ``now``. Call ``advance(now)`` first. Returns the events (applied) and
        the ticket concerned; raises DomainError (state unchanged) if refused."""
        now = self._effective(now)
        if self.day is None or self.local_day(now) != self.day:
            raise DomainError("day_not_started", "Call advance(now) before execute(command, now).")
        handler: Callable[[EngineCommand, datetime], Result] = getattr(self, "_do_" + command.command)
        return handler(command, now)

    def apply(self, event: Event) -> None:
        """Change state by one event: used live (through ``execute``/``advance``) and by journal replay."""
        getattr(self, "_on_" + event.type)(event)
        if self.latest is None or event.at > self.latest:
            self.latest = event.at

    def replay(self, events: Iterable[Event]) -> None:
        """Apply journal events in order (rebuild on start)."""
        for event in events:
            self.apply(event)

    # ------------------------------------------------------------------------------------ helpers
    def _effective(self, now: datetime) -> datetime:
        if now.tzinfo is None:
            raise DomainError("naive_time", "Times given to the engine must carry a time zone.")
        now = now.astimezone(UTC)
        return self.latest if self.latest is not None and now < self.latest else now

    def _apply(self, event: Event) -> Event:
        self.apply(event)
        return event

    def _key(self, ticket: Ticket) -> QueueKey:
        when = (
            ticket.slot
            if self._lane_kind(ticket) == "appointment"
            and self.config.appointments.order == "slot"
            and ticket.slot is not None
            else ticket.arrival_at
        )
        return (when, ticket.seq, ticket.id)

    def _lane_kind(self, ticket: Ticket) -> str:
        if ticket.kind == "appointment" and ticket.transfers == 0:
            return "appointment"
        return "priority" if ticket.priority else "normal"

    def _enqueue(self, ticket: Ticket) -> None:
        if ticket.target_counter is not None:
            self._targeted.setdefault(ticket.target_counter, SortedList()).add(self._key(ticket))
        else:
            self._lanes.setdefault((ticket.service_id, self._lane_kind(ticket)), SortedList()).add(
                self._key(ticket)
            )

    def _dequeue(self, ticket: Ticket) -> None:
        key = self._key(ticket)
        if ticket.target_counter is not None:
            self._targeted[ticket.target_counter].remove(key)
        else:
            self._lanes[(ticket.service_id, self._lane_kind(ticket))].remove(key)

    def _counter_cfg(self, number: int) -> CounterConfig:
        cfg = self.config.counter(number)
        if cfg is None:
            raise DomainError("unknown_counter", f"There is no counter {number}.", counter=number)
        return cfg

    def _ready_counter(self, number: int) -> Counter:
        """The counter, which must be open with nobody at it."""
        self._counter_cfg(number)
        counter = self.counters[number]
        if counter.state is CounterState.PAUSED:
            raise DomainError(
                "counter_paused", f"Counter {number} is paused; resume it first.", counter=number
            )
        if counter.state is not CounterState.OPEN:
            raise DomainError("counter_closed", f"Counter {number} is closed; open it first.", counter=number)
        if counter.current is not None:
            raise DomainError(
                "counter_busy",
                f"Counter {number} already has a customer ({self.tickets[counter.current].number}).",
                counter=number,
                ticket=counter.current,
            )
        return counter

    def _current(self, number: int, command: Command) -> Ticket:
        """The ticket at the counter, which ``command`` must be allowed for."""
        self._counter_cfg(number)
        counter = self.counters[number]
        if counter.current is None:
            raise DomainError("no_current_ticket", f"Counter {number} has no customer.", counter=number)
        ticket = self.tickets[counter.current]
        self._check_transition(ticket, command)
        return ticket

    def _find(self, ref: str) -> Ticket:
        ticket = self.ticket(ref)
        if ticket is None:
            raise DomainError("unknown_ticket", f"No ticket {ref} today.", ticket=ref)
        return ticket

    @staticmethod
    def _check_transition(ticket: Ticket, command: Command) -> None:
        if ticket_target(command, ticket.state) is None:
            raise DomainError(
                "invalid_transition",
                f"Ticket {ticket.number} is {ticket.state.value}; cannot {_verb(command)}.",
                ticket=ticket.id,
                state=ticket.state.value,
                command=command.value,
            )

    def _new_ticket_fields(self, service_id: str) -> tuple[str, str]:
        service = self.config.service(service_id)
        assert service is not None and self.day is not None
        n = self._next_number.get(service_id, 1)
        if n > MAX_NUMBER:
            raise DomainError(
                "numbers_exhausted",
                f"All {MAX_NUMBER} numbers of {service.name_en} are used today.",
                service=service_id,
            )
        number = f"{service.prefix}{n:03d}"
        return f"{self.day:%Y%m%d}-{number}", number

    # ----------------------------------------------------------------------------------- commands
    def _do_issue_ticket(self, cmd: IssueTicket, now: datetime) -> Result:
        if cmd.idempotency_key and cmd.idempotency_key in self._idempotency:
            return Result([], self._idempotency[cmd.idempotency_key])
        service = self.config.service(cmd.service_id)
        if service is None:
            raise DomainError("unknown_service", f"No service {cmd.service_id!r}.", service=cmd.service_id)
        if not service.walk_in or service.transfer_only:
            raise DomainError(
                "service_not_walk_in", f"{service.name_en} is reached by transfer only.", service=service.id
            )
        if cmd.priority and not (service.priority and self.config.priority.enabled):
            raise DomainError(
                "priority_not_allowed", f"{service.name_en} has no priority tickets.", service=service.id
            )
        if not self.config.is_open(now):
            raise DomainError("branch_closed", "The branch is closed now.")
        ticket_id, number = self._new_ticket_fields(service.id)
        event = TicketIssued(
            now,
            ticket_id,
            number,
            service.id,
            "walk_in",
            cmd.priority,
            cmd.token,
            cmd.idempotency_key,
            None,
            None,
            False,
        )
        return Result([self._apply(event)], ticket_id)

    def _do_check_in(self, cmd: CheckIn, now: datetime) -> Result:
        if cmd.idempotency_key and cmd.idempotency_key in self._idempotency:
            return Result([], self._idempotency[cmd.idempotency_key])
        given = [x for x in (cmd.qr_payload, cmd.reference, cmd.national_id) if x]
        if len(given) != 1:
            raise DomainError(
                "checkin_needs_one_key", "Give exactly one of: QR code, booking reference, ID number."
            )
        branch_id = self.config.branch.id
        booking = self._resolve_booking(cmd, now)
        if booking.branch_id != branch_id:
            raise DomainError(
                "appointment_wrong_branch",
                "This appointment is booked at another branch.",
                branch_id=booking.branch_id,
                reference=booking.reference,
            )
        if booking.reference in self.checked_in:
            existing = self.tickets.get(self.checked_in[booking.reference])
            raise DomainError(
                "appointment_already_checked_in",
                "This appointment is already checked in.",
                ticket=existing.id if existing else None,
                number=existing.number if existing else None,
            )
        rules = self.config.appointments
        assert self.day is not None
        slot_day = self.local_day(booking.slot)
        opens = booking.slot - timedelta(minutes=rules.early_minutes)
        if slot_day > self.day or now < opens:
            raise DomainError(
                "appointment_too_early",
                "It is too early to check in for this appointment.",
                come_back_at=opens.isoformat(),
                slot=booking.slot.isoformat(),
            )
        if slot_day < self.day:
            raise DomainError(
                "appointment_expired",
                "This appointment was for an earlier day.",
                slot=booking.slot.isoformat(),
            )
        late = now > booking.slot + timedelta(minutes=rules.late_minutes)
        if late and rules.late_arrival == "refuse":
            raise DomainError(
                "appointment_too_late",
                "The check-in time for this appointment has passed.",
                slot=booking.slot.isoformat(),
                offer=None,
            )
        if not self.config.is_open(now):
            raise DomainError("branch_closed", "The branch is closed now.")
        service = self.config.service(booking.service_id)
        if service is None:
            raise DomainError(
                "unknown_service", f"No service {booking.service_id!r}.", service=booking.service_id
            )
        ticket_id, number = self._new_ticket_fields(service.id)
        event = TicketIssued(
            now,
            ticket_id,
            number,
            service.id,
            "walk_in" if late else "appointment",
            False,
            cmd.token,
            cmd.idempotency_key,
            booking.reference,
            booking.slot,
            late,
        )
        return Result([self._apply(event)], ticket_id)

    def _resolve_booking(self, cmd: CheckIn, now: datetime) -> Booking:
        branch_id = self.config.branch.id
        if cmd.qr_payload:
            code = read_booking_qr(self.qr_secret, branch_id, cmd.qr_payload)
            assert self.day is not None
            if code.day < self.day:
                raise DomainError(
                    "appointment_expired",
                    "This appointment was for an earlier day.",
                    day=code.day.isoformat(),
                )
            booking = self.bookings.get(code.reference)
            if booking is None:
                raise DomainError(
                    "appointment_not_found", "No appointment with this code.", reference=code.reference
                )
            if self.local_day(booking.slot) != code.day or booking.branch_id != code.branch_id:
                raise DomainError("appointment_forged", "This code does not match the booking.")
            return booking
        if cmd.reference:
            booking = self.bookings.get(cmd.reference.strip().upper())
            if booking is None:
                raise DomainError(
                    "appointment_not_found", "No appointment with this reference.", reference=cmd.reference
                )
            return booking
        assert cmd.national_id is not None
        refs = self._by_national_id.get(cmd.national_id.strip(), [])
        if not refs:
            raise DomainError("appointment_not_found", "No appointment for this ID number.")
        candidates = [self.bookings[r] for r in refs]
        here = [b for b in candidates if b.branch_id == branch_id]
        if not here:
            return candidates[0]
        today = [b for b in here if self.local_day(b.slot) == self.day]
        open_today = [b for b in today if b.reference not in self.checked_in]
        pool = open_today or today or here
        return min(pool, key=lambda b: abs((b.slot - now).total_seconds()))

    def _do_call_next(self, cmd: CallNext, now: datetime) -> Result:
        counter = self._ready_counter(cmd.counter)
        choice = choose_next(self, self._counter_cfg(cmd.counter), now)
        if choice is None:
            raise DomainError(
                "queue_empty", f"Nobody is waiting for counter {cmd.counter}.", counter=cmd.counter
            )
        event = _called(now, choice.ticket_id, cmd.counter, counter.staff, choice.reason)
        return Result([self._apply(event)], choice.ticket_id)

    def _do_call_ticket(self, cmd: CallTicket, now: datetime) -> Result:
        counter = self._ready_counter(cmd.counter)
        ticket = self._find(cmd.ticket)
        self._check_transition(ticket, cmd.command)
        event = _called(now, ticket.id, cmd.counter, counter.staff, CallReason(CallRule.SPECIFIC))
        return Result([self._apply(event)], ticket.id)

    def _do_recall(self, cmd: Recall, now: datetime) -> Result:
        ticket = self._current(cmd.counter, cmd.command)
        return Result(
            [self._apply(TicketRecalled(now, ticket.id, cmd.counter, ticket.recalls + 1))], ticket.id
        )

    def _do_start_service(self, cmd: StartService, now: datetime) -> Result:
        ticket = self._current(cmd.counter, cmd.command)
        staff = self.counters[cmd.counter].staff
        return Result([self._apply(ServiceStarted(now, ticket.id, cmd.counter, staff))], ticket.id)

    def _do_no_show(self, cmd: NoShow, now: datetime) -> Result:
        ticket = self._current(cmd.counter, cmd.command)
        needed = self.config.calling.recalls_before_no_show
        if ticket.recalls < needed:
            raise DomainError(
                "recall_first",
                f"Recall ticket {ticket.number} {needed} time(s) before a no-show.",
                recalls=ticket.recalls,
                needed=needed,
            )
        return Result([self._apply(TicketNoShow(now, ticket.id, cmd.counter))], ticket.id)

    def _do_reinstate(self, cmd: Reinstate, now: datetime) -> Result:
        ticket = self._find(cmd.ticket)
        self._check_transition(ticket, cmd.command)
        assert ticket.no_show_at is not None
        window = timedelta(minutes=self.config.calling.reinstate_minutes)
        if now > ticket.no_show_at + window:
            raise DomainError(
                "reinstate_window_passed",
                f"Ticket {ticket.number} can no longer be reinstated (more than "
                f"{self.config.calling.reinstate_minutes:g} minutes since its no-show).",
            )
        return Result([self._apply(TicketReinstated(now, ticket.id))], ticket.id)

    def _do_park(self, cmd: Park, now: datetime) -> Result:
        ticket = self._current(cmd.counter, cmd.command)
        return Result([self._apply(TicketParked(now, ticket.id, cmd.counter))], ticket.id)

    def _do_resume_parked(self, cmd: ResumeParked, now: datetime) -> Result:
        counter = self._ready_counter(cmd.counter)
        ticket = self._find(cmd.ticket)
        self._check_transition(ticket, cmd.command)
        return Result([self._apply(TicketResumed(now, ticket.id, cmd.counter, counter.staff))], ticket.id)

    def _do_transfer(self, cmd: Transfer, now: datetime) -> Result:
        ticket = self._current(cmd.counter, cmd.command)
        if cmd.to_service is None and cmd.to_counter is None:
            raise DomainError("transfer_needs_target", "Choose a service or a counter to transfer to.")
        to_service = cmd.to_service or ticket.service_id
        if self.config.service(to_service) is None:
            raise DomainError("unknown_service", f"No service {to_service!r}.", service=to_service)
        if cmd.to_counter is not None:
            self._counter_cfg(cmd.to_counter)
            if cmd.to_counter == cmd.counter:
                raise DomainError("transfer_to_self", "A customer cannot be transferred to the same counter.")
        elif to_service == ticket.service_id:
            raise DomainError("transfer_to_self", "The customer is already in this service.")
        calling = self.config.calling
        position = cmd.position or calling.transfer_position
        if position != calling.transfer_position and not calling.transfer_position_choice:
            raise DomainError(
                "transfer_position_not_allowed",
                f"This branch transfers with position {calling.transfer_position!r} only.",
            )
        event = TicketTransferred(
            now,
            ticket.id,
            cmd.counter,
            self.counters[cmd.counter].staff,
            ticket.service_id,
            to_service,
            cmd.to_counter,
            position,
            ticket.service_seconds(now),
        )
        return Result([self._apply(event)], ticket.id)

    def _do_finish(self, cmd: Finish, now: datetime) -> Result:
        ticket = self._current(cmd.counter, cmd.command)
        if cmd.outcome not in self.config.labels("finish_outcomes"):
            raise DomainError(
                "unknown_outcome",
                f"Unknown outcome {cmd.outcome!r}.",
                known=list(self.config.labels("finish_outcomes")),
            )
        service = self.config.service(ticket.service_id)
        assert service is not None
        seconds = ticket.service_seconds(now)
        over = seconds > service.cap_minutes * 60
        reason = cmd.overrun_reason
        if over and reason is None:
            raise DomainError(
                "overrun_reason_required",
                f"Service took longer than {service.cap_minutes:g} minutes: give a reason.",
                known=list(self.config.labels("overrun_reasons")),
            )
        if reason is not None and reason not in self.config.labels("overrun_reasons"):
            raise DomainError(
                "unknown_overrun_reason",
                f"Unknown overrun reason {reason!r}.",
                known=list(self.config.labels("overrun_reasons")),
            )
        event = TicketFinished(
            now,
            ticket.id,
            cmd.counter,
            self.counters[cmd.counter].staff,
            cmd.outcome,
            reason if over else None,
            seconds,
            over,
        )
        return Result([self._apply(event)], ticket.id)

    def _do_cancel(self, cmd: Cancel, now: datetime) -> Result:
        ticket = self._find(cmd.ticket)
        self._check_transition(ticket, cmd.command)
        return Result(
            [self._apply(TicketCancelled(now, ticket.id, cmd.reason[:40] or "cancelled"))], ticket.id
        )

    def _counter_command(self, number: int, command: Command) -> Counter:
        self._counter_cfg(number)
        counter = self.counters[number]
        if counter_target(command, counter.state) is None:
            raise DomainError(
                "invalid_counter_transition",
                f"Counter {number} is {counter.state.value}; cannot {_verb(command)}.",
                counter=number,
                state=counter.state.value,
            )
        if command in NEEDS_FREE_COUNTER and counter.current is not None:
            raise DomainError(
                "counter_busy",
                f"Counter {number} still has a customer; finish first.",
                counter=number,
                ticket=counter.current,
            )
        return counter

    def _do_open_counter(self, cmd: OpenCounter, now: datetime) -> Result:
        self._counter_command(cmd.counter, cmd.command)
        return Result([self._apply(CounterOpened(now, cmd.counter, cmd.staff))])

    def _do_pause_counter(self, cmd: PauseCounter, now: datetime) -> Result:
        self._counter_command(cmd.counter, cmd.command)
        if cmd.reason not in self.config.labels("pause_reasons"):
            raise DomainError(
                "unknown_pause_reason",
                f"Unknown pause reason {cmd.reason!r}.",
                known=list(self.config.labels("pause_reasons")),
            )
        return Result([self._apply(CounterPaused(now, cmd.counter, cmd.reason))])

    def _do_resume_counter(self, cmd: ResumeCounter, now: datetime) -> Result:
        self._counter_command(cmd.counter, cmd.command)
        return Result([self._apply(CounterResumed(now, cmd.counter))])

    def _do_close_counter(self, cmd: CloseCounter, now: datetime) -> Result:
        self._counter_command(cmd.counter, cmd.command)
        return Result([self._apply(CounterClosed(now, cmd.counter))])

    def _do_import_appointments(self, cmd: ImportAppointments, now: datetime) -> Result:
        own = self.config.branch.id
        seen: set[str] = set()
        for i, booking in enumerate(cmd.bookings):
            problem = None
            if not valid_reference(booking.reference) or booking.reference != booking.reference.upper():
                problem = f"reference {booking.reference!r} must be upper-case letters, digits and dashes"
            elif booking.reference in seen:
                problem = f"reference {booking.reference} appears twice"
            elif booking.slot.tzinfo is None:
                problem = "slot time has no time zone"
            elif booking.branch_id == own and self.config.service(booking.service_id) is None:
                problem = f"unknown service {booking.service_id!r}"
            elif not booking.national_id.strip():
                problem = "national ID number is empty"
            elif booking.reference in self.checked_in and self.bookings.get(booking.reference) != booking:
                problem = f"booking {booking.reference} is already checked in and cannot change"
            if problem:
                raise DomainError("invalid_booking", f"Booking {i + 1}: {problem}.", row=i + 1)
            seen.add(booking.reference)
        if not cmd.bookings:
            raise DomainError("invalid_booking", "No bookings to import.")
        return Result([self._apply(AppointmentsImported(now, cmd.bookings))])

    # --------------------------------------------------------------------------------- event appliers
    def _on_day_started(self, e: DayStarted) -> None:
        for ticket_id in e.expired_tickets:
            ticket = self.tickets.get(ticket_id)
            if ticket is None:  # a rebuild starts at this event: the old day is not loaded
                continue
            if ticket.state in WAITING_STATES:
                self._dequeue(ticket)
            ticket.state = DAY_END.target
            ticket.cancel_reason = "day_end"
        for number in e.closed_counters:
            counter = self.counters[number]
            counter.state, counter.staff, counter.current, counter.pause_reason = (
                COUNTER_DAY_END.target,
                None,
                None,
                None,
            )
        for counter in self.counters.values():
            counter.served = counter.transferred = counter.no_shows = counter.overruns = 0
            counter.service_seconds = 0.0
        self.day = e.day
        self._seq = 0
        self.tickets.clear()
        self._by_number.clear()
        self._idempotency.clear()
        self._next_number.clear()
        self._lanes.clear()
        self._targeted.clear()
        self._normals_since_priority.clear()
        self._recent_service.clear()
        self._serving.clear()
        self.checked_in.clear()
        for ref in [r for r, b in self.bookings.items() if self.local_day(b.slot) < e.day]:
            self._forget_booking(ref)

    def _forget_booking(self, ref: str) -> None:
        booking = self.bookings.pop(ref)
        refs = self._by_national_id.get(booking.national_id, [])
        if ref in refs:
            refs.remove(ref)
        if not refs:
            self._by_national_id.pop(booking.national_id, None)

    def _on_appointments_imported(self, e: AppointmentsImported) -> None:
        for booking in e.bookings:
            if self.day is not None and self.local_day(booking.slot) < self.day:
                continue
            if booking.reference in self.bookings:
                self._forget_booking(booking.reference)
            self.bookings[booking.reference] = booking
            self._by_national_id.setdefault(booking.national_id, []).append(booking.reference)

    def _on_ticket_issued(self, e: TicketIssued) -> None:
        self._seq += 1
        ticket = Ticket(
            id=e.ticket_id,
            number=e.number,
            service_id=e.service_id,
            kind=e.kind,
            priority=e.priority,
            issued_at=e.at,
            token=e.token,
            seq=self._seq,
            state=_ticket_after(Command.ISSUE_TICKET),
            arrival_at=e.at,
            idempotency_key=e.idempotency_key,
            appointment_ref=e.appointment_ref,
            slot=e.slot,
            late_appointment=e.late_appointment,
        )
        self.tickets[ticket.id] = ticket
        self._by_number[ticket.number] = ticket.id
        self._next_number[e.service_id] = int(e.number[1:]) + 1
        if e.idempotency_key:
            self._idempotency[e.idempotency_key] = ticket.id
        if e.appointment_ref:
            self.checked_in[e.appointment_ref] = ticket.id
        self._enqueue(ticket)

    def _on_ticket_called(self, e: TicketCalled) -> None:
        ticket = self.tickets[e.ticket_id]
        self._dequeue(ticket)
        ticket.state, ticket.counter, ticket.staff = _ticket_after(Command.CALL_NEXT), e.counter, e.staff
        ticket.target_counter = None
        ticket.called_at = e.at
        ticket.call_reason = CallReason(
            CallRule(e.rule), e.waited_minutes, e.weight, e.priority, e.slot, e.scores
        )
        ticket.recalls = 0
        self.counters[e.counter].current = ticket.id
        if self._lane_kind(ticket) == "priority":
            self._normals_since_priority[ticket.service_id] = 0
        elif self._lane_kind(ticket) == "normal":
            self._normals_since_priority[ticket.service_id] = (
                self._normals_since_priority.get(ticket.service_id, 0) + 1
            )

    def _on_ticket_recalled(self, e: TicketRecalled) -> None:
        self.tickets[e.ticket_id].recalls = e.recalls

    def _on_service_started(self, e: ServiceStarted) -> None:
        ticket = self.tickets[e.ticket_id]
        ticket.state, ticket.staff = _ticket_after(Command.START_SERVICE), e.staff
        ticket.started_at = ticket.started_at or e.at
        ticket.segment_start = e.at
        self._serving.add(ticket.id)

    def _leave_counter(self, ticket: Ticket, now: datetime) -> None:
        if ticket.segment_start is not None:
            ticket.served_seconds += max(0.0, (now - ticket.segment_start).total_seconds())
            ticket.segment_start = None
        self._serving.discard(ticket.id)
        if ticket.counter is not None and self.counters[ticket.counter].current == ticket.id:
            self.counters[ticket.counter].current = None
        ticket.counter = None

    def _on_ticket_no_show(self, e: TicketNoShow) -> None:
        ticket = self.tickets[e.ticket_id]
        self._leave_counter(ticket, e.at)
        ticket.state, ticket.no_show_at, ticket.no_show_by = _ticket_after(Command.NO_SHOW), e.at, e.counter
        self.counters[e.counter].no_shows += 1

    def _on_ticket_reinstated(self, e: TicketReinstated) -> None:
        ticket = self.tickets[e.ticket_id]
        ticket.state, ticket.no_show_at, ticket.no_show_by = _ticket_after(Command.REINSTATE), None, None
        self._enqueue(ticket)

    def _on_ticket_parked(self, e: TicketParked) -> None:
        ticket = self.tickets[e.ticket_id]
        self._leave_counter(ticket, e.at)
        ticket.state, ticket.parked_by = _ticket_after(Command.PARK), e.counter

    def _on_ticket_resumed(self, e: TicketResumed) -> None:
        ticket = self.tickets[e.ticket_id]
        ticket.state, ticket.counter, ticket.staff, ticket.parked_by = (
            _ticket_after(Command.RESUME_PARKED),
            e.counter,
            e.staff,
            None,
        )
        ticket.segment_start = e.at
        self.counters[e.counter].current = ticket.id
        self._serving.add(ticket.id)

    def _on_ticket_transferred(self, e: TicketTransferred) -> None:
        ticket = self.tickets[e.ticket_id]
        self._leave_counter(ticket, e.at)
        ticket.state, ticket.service_id, ticket.target_counter = (
            _ticket_after(Command.TRANSFER),
            e.to_service,
            e.to_counter,
        )
        ticket.transfers += 1
        ticket.transferred_by, ticket.transferred_from_service = e.counter, e.from_service
        ticket.served_seconds, ticket.warned, ticket.overrun, ticket.started_at = 0.0, False, False, None
        target_service = self.config.service(e.to_service)
        ticket.priority = ticket.priority and target_service is not None and target_service.priority
        if e.position == "end":
            ticket.arrival_at = e.at
        self._recent(e.from_service, e.service_seconds)
        self._enqueue(ticket)
        counter = self.counters[e.counter]
        counter.transferred += 1
        counter.service_seconds += e.service_seconds

    def _recent(self, service_id: str, seconds: float) -> None:
        self._recent_service.setdefault(service_id, deque(maxlen=RECENT_SERVICE_TIMES)).append(seconds)

    def _on_ticket_finished(self, e: TicketFinished) -> None:
        ticket = self.tickets[e.ticket_id]
        self._leave_counter(ticket, e.at)
        ticket.state, ticket.finished_at, ticket.outcome, ticket.overrun_reason = (
            _ticket_after(Command.FINISH),
            e.at,
            e.outcome,
            e.overrun_reason,
        )
        self._recent(ticket.service_id, e.service_seconds)
        counter = self.counters[e.counter]
        counter.served += 1
        counter.overruns += int(e.over_cap)
        counter.service_seconds += e.service_seconds

    def _on_ticket_cancelled(self, e: TicketCancelled) -> None:
        ticket = self.tickets[e.ticket_id]
        if ticket.state in WAITING_STATES:
            self._dequeue(ticket)
        self._leave_counter(ticket, e.at)
        ticket.state, ticket.cancel_reason, ticket.parked_by = _ticket_after(Command.CANCEL), e.reason, None

    def _on_cap_warning(self, e: CapWarning) -> None:
        self.tickets[e.ticket_id].warned = True

    def _on_cap_overrun(self, e: CapOverrun) -> None:
        ticket = self.tickets[e.ticket_id]
        ticket.warned = ticket.overrun = True

    def _on_counter_opened(self, e: CounterOpened) -> None:
        counter = self.counters[e.counter]
        counter.state, counter.staff, counter.pause_reason = (
            _counter_after(Command.OPEN_COUNTER),
            e.staff,
            None,
        )

    def _on_counter_paused(self, e: CounterPaused) -> None:
        counter = self.counters[e.counter]
        counter.state, counter.pause_reason = _counter_after(Command.PAUSE_COUNTER), e.reason

    def _on_counter_resumed(self, e: CounterResumed) -> None:
        counter = self.counters[e.counter]
        counter.state, counter.pause_reason = _counter_after(Command.RESUME_COUNTER), None

    def _on_counter_closed(self, e: CounterClosed) -> None:
        counter = self.counters[e.counter]
        counter.state, counter.staff, counter.pause_reason = _counter_after(Command.CLOSE_COUNTER), None, None

    # ------------------------------------------------------- for the policy (``policy.HallView``)
    def lane_head(self, service_id: str, kind: str) -> Ticket | None:
        """The first ticket of one lane, or None."""
        lane = self._lanes.get((service_id, kind))
        return self.tickets[lane[0][2]] if lane else None

    def targeted_head(self, counter: int) -> Ticket | None:
        """The oldest ticket transferred to this one counter, or None."""
        lane = self._targeted.get(counter)
        return self.tickets[lane[0][2]] if lane else None

    def normals_since_priority(self, service_id: str) -> int:
        """Normal tickets of this service called since its last priority ticket."""
        return self._normals_since_priority.get(service_id, 0)
