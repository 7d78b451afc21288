"""What the engine says happened. Each accepted command yields one or more of these, the journal stores
them, and replaying them in order rebuilds the engine's state exactly (``HallEngine.apply``).

Every event is a frozen dataclass with a class-level ``type`` (the stable name stored in the journal) and
``at`` (a tz-aware UTC datetime). Field types are limited to str, int, float, bool, datetime, None-able
forms of these, tuples of them and the ``Booking`` record, so the journal can store them as plain records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar


@dataclass(frozen=True)
class Booking:
    """An appointment booked through the National Contact Centre, as imported."""

    reference: str
    national_id: str
    name: str
    phone: str
    service_id: str
    branch_id: str
    slot: datetime


@dataclass(frozen=True)
class Event:
    type: ClassVar[str] = "event"
    at: datetime


@dataclass(frozen=True)
class DayStarted(Event):
    """The branch's local day changed: open tickets of the old day are cancelled, counters closed."""

    type: ClassVar[str] = "day_started"
    day: date
    previous_day: date | None
    expired_tickets: tuple[str, ...]
    closed_counters: tuple[int, ...]


@dataclass(frozen=True)
class AppointmentsImported(Event):
    type: ClassVar[str] = "appointments_imported"
    bookings: tuple[Booking, ...]


@dataclass(frozen=True)
class TicketIssued(Event):
    """A ticket exists. ``kind`` is "walk_in" or "appointment"; a late appointment converted to a walk-in
    has kind "walk_in" and keeps its ``appointment_ref``."""

    type: ClassVar[str] = "ticket_issued"
    ticket_id: str
    number: str
    service_id: str
    kind: str
    priority: bool
    token: str
    idempotency_key: str | None
    appointment_ref: str | None
    slot: datetime | None
    late_appointment: bool


@dataclass(frozen=True)
class TicketCalled(Event):
    """A counter called a ticket; the rest is its ``policy.CallReason``. ``rule`` says why this one:
    "transferred_to_counter", "appointment_due", "weighted_wait" or "specific"; ``scores`` the weighted
    waits it compared; ``waited_minutes``, ``weight`` and ``priority`` the winner's figures under
    "weighted_wait", ``slot`` the appointment's time under "appointment_due" (None / False otherwise).
    Journals written before these figures stored an English ``detail`` line instead: they read with the
    figures empty (``server/store/records.py``)."""

    type: ClassVar[str] = "ticket_called"
    ticket_id: str
    counter: int
    staff: str | None
    rule: str
    scores: tuple[tuple[str, float], ...]
    waited_minutes: float | None
    weight: float | None
    priority: bool
    slot: datetime | None


@dataclass(frozen=True)
class TicketRecalled(Event):
    type: ClassVar[str] = "ticket_recalled"
    ticket_id: str
    counter: int
    recalls: int


@dataclass(frozen=True)
class ServiceStarted(Event):
    type: ClassVar[str] = "service_started"
    ticket_id: str
    counter: int
    staff: str | None


@dataclass(frozen=True)
class TicketNoShow(Event):
    type: ClassVar[str] = "ticket_no_show"
    ticket_id: str
    counter: int


@dataclass(frozen=True)
class TicketReinstated(Event):
    type: ClassVar[str] = "ticket_reinstated"
    ticket_id: str


@dataclass(frozen=True)
class TicketParked(Event):
    type: ClassVar[str] = "ticket_parked"
    ticket_id: str
    counter: int


@dataclass(frozen=True)
class TicketResumed(Event):
    type: ClassVar[str] = "ticket_resumed"
    ticket_id: str
    counter: int
    staff: str | None


@dataclass(frozen=True)
class TicketTransferred(Event):
    """Served at ``counter``, sent on to ``to_service`` (maybe the same) and/or one ``to_counter``."""

    type: ClassVar[str] = "ticket_transferred"
    ticket_id: str
    counter: int
    staff: str | None
    from_service: str
    to_service: str
    to_counter: int | None
    position: str
    service_seconds: float


@dataclass(frozen=True)
class TicketFinished(Event):
    type: ClassVar[str] = "ticket_finished"
    ticket_id: str
    counter: int
    staff: str | None
    outcome: str
    overrun_reason: str | None
    service_seconds: float
    over_cap: bool


@dataclass(frozen=True)
class TicketCancelled(Event):
    type: ClassVar[str] = "ticket_cancelled"
    ticket_id: str
    reason: str


@dataclass(frozen=True)
class CapWarning(Event):
    """The customer at ``counter`` reaches the service cap in ``remaining_seconds``."""

    type: ClassVar[str] = "cap_warning"
    ticket_id: str
    counter: int
    remaining_seconds: float


@dataclass(frozen=True)
class CapOverrun(Event):
    type: ClassVar[str] = "cap_overrun"
    ticket_id: str
    counter: int
    cap_minutes: float


@dataclass(frozen=True)
class CounterOpened(Event):
    type: ClassVar[str] = "counter_opened"
    counter: int
    staff: str | None


@dataclass(frozen=True)
class CounterPaused(Event):
    type: ClassVar[str] = "counter_paused"
    counter: int
    reason: str


@dataclass(frozen=True)
class CounterResumed(Event):
    type: ClassVar[str] = "counter_resumed"
    counter: int


@dataclass(frozen=True)
class CounterClosed(Event):
    type: ClassVar[str] = "counter_closed"
    counter: int


EVENT_TYPES: dict[str, type[Event]] = {
    cls.type: cls
    for cls in (
        DayStarted,
        AppointmentsImported,
        TicketIssued,
        TicketCalled,
        TicketRecalled,
        ServiceStarted,
        TicketNoShow,
        TicketReinstated,
        TicketParked,
        TicketResumed,
        TicketTransferred,
        TicketFinished,
        TicketCancelled,
        CapWarning,
        CapOverrun,
        CounterOpened,
        CounterPaused,
        CounterResumed,
        CounterClosed,
    )
}
"""Stable journal name -> event class."""
