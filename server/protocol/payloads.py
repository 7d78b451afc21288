"""What the server sends, defined once: every reply result and push payload of protocol version 1.

``server/net/views.py`` builds these models (the server serialises each frame once, with
``model_dump_json``) and ``qtkit/client.py`` validates each incoming frame once into them, so the kiosk,
the board and the counter read attributes, never dict keys. The JSON on the wire is the one
``docs/protocol.md`` describes: field names, order and types are those of the models below.

Conventions:

* times are ISO 8601 text in UTC with an offset (``"2026-11-22T06:00:00+00:00"``), as on the wire;
  ``at_time(text)`` reads one back into a ``datetime``;
* a ``Sparse`` payload sends only the keys that were given (a counter command's reply has ``ticket`` only
  when there is a ticket; an event has only its own fields) — exactly as the protocol always has;
* why a ticket was called is a ``CallReason``: the rule and its numbers (minutes waited, weight, scores),
  never English prose — the screens word it in their own language.

Models are strict (no ``"1"`` for ``1``), frozen and refuse unknown fields.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from server.core.lifecycle import Command

Role = Literal["kiosk", "board", "counter", "supervisor", "admin"]
TicketStateName = Literal[
    "waiting", "called", "serving", "parked", "transferred", "done", "no_show", "cancelled"
]
CounterStateName = Literal["open", "paused", "closed"]
TicketKind = Literal["walk_in", "appointment"]
CallRule = Literal["transferred_to_counter", "appointment_due", "weighted_wait", "specific"]
PeripheralState = Literal["ok", "warning", "error", "unknown"]
Figure = int | float
"""A configured number (a cap in minutes, a weight): sent as written in the branch config (``7`` or ``7.5``)."""
ScorePair = Annotated[tuple[str, float], Field(strict=False)]
"""``[service_id, score]``: a JSON array (a list in Python is accepted too)."""


def at_time(text: str | None) -> datetime | None:
    """A wire time (ISO 8601 text) as a tz-aware ``datetime``, or None."""
    return datetime.fromisoformat(text) if text else None


class Payload(BaseModel):
    """Base of every payload: strict types, unknown fields refused, immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    def __eq__(self, other: object) -> bool:
        # pydantic's answer (same type, same values) without its general-purpose checks: apps and tests
        # compare payloads often
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Payload)
        return self.__dict__ == other.__dict__ and self.__pydantic_extra__ == other.__pydantic_extra__


class Sparse(Payload):
    """A payload whose optional fields are on the wire only when they were given."""

    @model_serializer(mode="wrap")
    def _given_only(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        given = self.model_fields_set
        return {key: value for key, value in data.items() if key in given}

    def __eq__(self, other: object) -> bool:
        # equal when they are the same on the wire: which fields were given counts
        same = super().__eq__(other)
        if same is not True:
            return same
        assert isinstance(other, Sparse)
        return self.model_fields_set == other.model_fields_set


# ================================================================================================ branch
class Notice(Payload):
    """A standing ticker message in both languages."""

    ar: str
    en: str


class BranchInfo(Payload):
    """The branch's names, time zone, digits, hotline, opening hours, notices; ``open`` at ``now``; the
    journal's day (``YYYY-MM-DD``, None before the first day start)."""

    id: str
    name_ar: str
    name_en: str
    timezone: str
    digits: Literal["western", "arabic-indic"]
    hotline: str
    open: bool
    hours: dict[str, str]
    notices: list[Notice]
    day: str | None


class ServiceStatus(Payload):
    """A service as kiosks, boards and counters list it: whether a walk-in ticket can be taken now,
    people waiting and the estimated wait for a new ticket (None when no open counter serves it)."""

    id: str
    prefix: str
    name_ar: str
    name_en: str
    available: bool
    priority_allowed: bool
    waiting: int
    wait_minutes: float | None


class ServiceName(Payload):
    """A service in the staff screens' lists (transfer targets, caps)."""

    id: str
    prefix: str
    name_ar: str
    name_en: str
    cap_minutes: Figure
    transfer_only: bool


class Label(Payload):
    """A code with its wording: a finish outcome, an overrun or a pause reason."""

    code: str
    name_ar: str
    name_en: str


class Labels(Payload):
    """The branch's finish outcomes, overrun reasons and pause reasons."""

    finish_outcomes: list[Label]
    overrun_reasons: list[Label]
    pause_reasons: list[Label]


# =============================================================================================== tickets
class PublicTicket(Payload):
    """Number and service of a ticket: what a hall display may show."""

    id: str
    number: str
    service_id: str | None
    service_ar: str
    service_en: str


class TicketInfo(PublicTicket):
    """What a kiosk prints for a new ticket: number, service, people ahead, estimated wait and the status
    page (``status_path`` ``/t/<token>``; ``status_url`` when the branch has a public URL, else "")."""

    kind: TicketKind
    priority: bool
    issued_at: str | None
    slot: str | None
    late_appointment: bool
    people_ahead: int
    wait_minutes: float | None
    token: str
    status_path: str
    status_url: str


class StaffTicket(Payload):
    """A ticket as counter screens list it (no token, no citizen data beyond the booking reference)."""

    id: str
    number: str
    service_id: str
    kind: TicketKind
    priority: bool
    state: TicketStateName
    issued_at: str | None
    arrival_at: str | None
    slot: str | None
    appointment_ref: str | None
    late_appointment: bool
    transfers: int
    target_counter: int | None
    counter: int | None
    parked_by: int | None
    from_counter: int | None
    from_service: str | None


class CallReason(Payload):
    """Why a ticket was called, as the rule and its figures (the screens word it), as the policy
    decided it (``server/core/policy.py``):

    * ``transferred_to_counter`` — it was sent to this one counter;
    * ``appointment_due`` — a checked-in appointment whose ``slot`` (ISO UTC) is due;
    * ``weighted_wait`` — the longest weighted wait: it had waited ``waited_minutes`` and the counter's
      weight for its service is ``weight`` (``priority``: it was a priority ticket);
    * ``specific`` — called by number at the counter.

    ``scores`` are the ``[service_id, weight × minutes waited]`` pairs the policy compared. Figures a
    rule does not use are null / false / empty. ``rule`` is null only for a ticket never called."""

    rule: CallRule | None
    waited_minutes: float | None = None
    weight: Figure | None = None
    priority: bool = False
    slot: str | None = None
    scores: list[ScorePair] = []


class CurrentTicket(StaffTicket):
    """The ticket at a counter: its staff fields, the cap timer and why it was called. Elapsed service
    time at a moment *t* is ``served_seconds`` + (*t* − ``segment_start``) while ``segment_start`` is set.
    ``citizen_name`` is the booked citizen's name (appointments), sent only to the staff serving them."""

    called_at: str | None
    started_at: str | None
    segment_start: str | None
    served_seconds: float
    cap_minutes: Figure
    warning_lead_minutes: Figure
    warned: bool
    overrun: bool
    recalls: int
    call: CallReason
    citizen_name: str | None


class QueueEntry(Payload):
    """A waiting ticket in a counter's queue list (compact: this goes to every counter often)."""

    id: str
    number: str
    service_id: str
    kind: TicketKind
    priority: bool
    arrival_at: str | None
    slot: str | None
    target_counter: int | None


# ============================================================================================== counters
class CounterDay(Payload):
    """A counter's day so far."""

    served: int
    transferred: int
    no_shows: int
    overruns: int
    service_seconds: float


class CounterViewData(Payload):
    """One counter as its staff and supervisors see it: state, staff, current ticket (with the call
    reason), its queue (first 15 and the total) and the customers it parked."""

    number: int
    name_ar: str
    name_en: str
    appointments: bool
    services: list[str]
    state: CounterStateName
    staff: str | None
    pause_reason: str | None
    day: CounterDay
    current: CurrentTicket | None
    queue: list[QueueEntry]
    queue_total: int
    parked: list[StaffTicket]


class PublicCounter(Payload):
    """A counter as the hall display shows it: names, services, state, the number at it."""

    number: int
    name_ar: str
    name_en: str
    services: list[str]
    state: CounterStateName
    ticket: PublicTicket | None


class NowCalling(PublicTicket):
    """A ticket called to a counter and not yet gone (the board's "now calling" list)."""

    counter: int | None
    called_at: str | None
    recalls: int
    state: TicketStateName


# =============================================================================================== devices
class Peripherals(Sparse):
    """What a device reported of its peripherals (only those it has)."""

    printer: PeripheralState | None = None
    scanner: PeripheralState | None = None
    display: PeripheralState | None = None
    announcer: PeripheralState | None = None


class DeviceInfo(Sparse):
    """A kiosk or board as supervisors see it. ``silent`` appears once a connected board missed its
    heartbeats (true) and stays (false) after its next heartbeat."""

    id: str
    role: Literal["kiosk", "board"]
    name: str
    connected: bool
    last_seen: str | None
    health: Peripherals
    detail: str
    silent: bool = False


# ================================================================================================ events
class EventInfo(Sparse):
    """One journal event as a role may see it: ``type``, ``at`` and the fields of that event type in
    ``server/core/events.py`` the role receives (boards get public fields only), plus ``ticket`` (number
    and service) for ticket events and ``count`` for ``appointments_imported``. Fields an event does not
    have are not on the wire (None here)."""

    type: str
    at: str
    day: str | None = None
    previous_day: str | None = None
    expired_tickets: list[str] | None = None
    closed_counters: list[int] | None = None
    count: int | None = None
    ticket_id: str | None = None
    number: str | None = None
    service_id: str | None = None
    kind: str | None = None
    priority: bool | None = None
    appointment_ref: str | None = None
    slot: str | None = None
    late_appointment: bool | None = None
    counter: int | None = None
    staff: str | None = None
    rule: CallRule | None = None
    scores: list[ScorePair] | None = None
    waited_minutes: float | None = None
    weight: Figure | None = None
    recalls: int | None = None
    from_service: str | None = None
    to_service: str | None = None
    to_counter: int | None = None
    position: str | None = None
    service_seconds: float | None = None
    outcome: str | None = None
    overrun_reason: str | None = None
    over_cap: bool | None = None
    reason: str | None = None
    remaining_seconds: float | None = None
    cap_minutes: Figure | None = None
    ticket: PublicTicket | None = None


# ============================================================================================= snapshots
class SnapshotData(Payload):
    """What every role's snapshot has: the server time and the branch."""

    now: str
    branch: BranchInfo


class KioskSnapshotData(SnapshotData):
    services: list[ServiceStatus]


class BoardSnapshotData(SnapshotData):
    services: list[ServiceStatus]
    counters: list[PublicCounter]
    now_calling: list[NowCalling]


class CounterSnapshotData(SnapshotData):
    """A counter session's snapshot: ``counter`` is its own counter's view (None when not at one)."""

    services: list[ServiceStatus]
    labels: Labels
    service_list: list[ServiceName]
    counters: list[PublicCounter]
    counter: CounterViewData | None


class SupervisorSnapshotData(CounterSnapshotData):
    """A supervisor's snapshot: everything a counter has, for every counter, and the hall's exceptions."""

    counter_views: list[CounterViewData]
    overruns: list[CurrentTicket]
    no_shows: list[StaffTicket]
    parked: list[StaffTicket]
    referred: list[StaffTicket]
    devices: list[DeviceInfo]


class AdminSnapshotData(SnapshotData):
    bookings: int
    checked_in: int


AnySnapshotData = (
    KioskSnapshotData | BoardSnapshotData | CounterSnapshotData | SupervisorSnapshotData | AdminSnapshotData
)


# =============================================================================================== replies
class EmptyReply(Payload):
    """``logout``, ``device_health``: nothing to say."""


class LoginDeviceReply(Payload):
    role: Role
    device_id: str
    branch: str


class LoginReply(Payload):
    """``login`` and ``resume_session``."""

    role: Role
    username: str
    display_name: str
    counter: int | None
    session_token: str
    expires_at: str
    branch: str


class ResyncReply(Payload):
    seq: int


class PingReply(Payload):
    now: str
    seq: int


class HeartbeatReply(Payload):
    now: str


class ServicesReply(Payload):
    """``list_services``."""

    open: bool
    services: list[ServiceStatus]


class TicketReply(Payload):
    """``issue_ticket`` and ``check_in``: the ticket to print; ``duplicate`` when the idempotency key was
    used already today (the same ticket again, nothing written)."""

    ticket: TicketInfo
    duplicate: bool


class CounterReply(Sparse):
    """A counter command: ``counter`` it acted on (absent for ``reinstate`` and ``cancel``) and the
    ``ticket`` concerned (absent when there is none)."""

    counter: int | None = None
    ticket: StaffTicket | None = None


class ImportReply(Payload):
    """``import_appointments``: bookings read, for this branch, for other branches."""

    imported: int
    own: int
    others: int


ReplyData = (
    EmptyReply
    | LoginDeviceReply
    | LoginReply
    | ResyncReply
    | PingReply
    | HeartbeatReply
    | ServicesReply
    | TicketReply
    | CounterReply
    | ImportReply
)

_OWN_REPLIES = (Command.ISSUE_TICKET, Command.CHECK_IN, Command.IMPORT_APPOINTMENTS)
_COUNTER_COMMANDS = tuple(command.value for command in Command if command not in _OWN_REPLIES)
"""The ticket and counter commands: each replies with a ``CounterReply``."""

REPLY_MODELS: dict[str, type[Payload]] = {
    "login_device": LoginDeviceReply,
    "login": LoginReply,
    "resume_session": LoginReply,
    "logout": EmptyReply,
    "resync": ResyncReply,
    "ping": PingReply,
    "list_services": ServicesReply,
    Command.ISSUE_TICKET.value: TicketReply,
    Command.CHECK_IN.value: TicketReply,
    "device_health": EmptyReply,
    "heartbeat": HeartbeatReply,
    **dict.fromkeys(_COUNTER_COMMANDS, CounterReply),
    Command.IMPORT_APPOINTMENTS.value: ImportReply,
}
"""Request type -> the model of its result's ``data``."""


# ================================================================================================ errors
class FieldProblem(Payload):
    field: str
    problem: str


class ErrorDetails(Sparse):
    """An error's ``details``: only what the error carries. Known keys are typed; an engine error may add
    others (kept, as plain JSON values)."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)

    fields: list[FieldProblem] | None = None
    """``invalid_message``: up to 5 problems."""
    counter: int | None = None
    ticket: str | None = None
    """The ticket concerned (``appointment_already_checked_in``: its id)."""
    ticket_info: TicketInfo | None = None
    """``appointment_already_checked_in``: the ticket to print again."""
    number: str | None = None
    """``appointment_already_checked_in``: that ticket's number."""
    come_back_at: str | None = None
    """``appointment_too_early``: when check-in opens (ISO 8601)."""
    slot: str | None = None
    """``appointment_too_early`` / ``_too_late`` / ``_expired``: the booked slot (ISO 8601)."""
    reference: str | None = None
    """``appointment_wrong_branch`` / ``appointment_not_found``: the booking reference."""
    branch_id: str | None = None
    """``appointment_wrong_branch``: the branch the appointment is booked at."""
    known: list[str] | None = None
    """``unknown_outcome`` and the like: the codes that exist."""

    @model_serializer(mode="wrap")
    def _given_only(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        given = self.model_fields_set | set(self.model_extra or ())
        return {key: value for key, value in data.items() if key in given}


# ========================================================================================= the ticket page
class TicketPage(Payload):
    """What the citizen's phone shows for one ticket (``GET /t/<token>``; not a websocket payload)."""

    branch_ar: str
    branch_en: str
    number: str
    service_ar: str
    service_en: str
    state: TicketStateName
    people_ahead: int
    wait_minutes: float | None
    counter: int | None
    counter_ar: str | None
    counter_en: str | None
    now: str | None
