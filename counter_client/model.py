"""The counter screen's and the supervisor screen's state, in plain Python (no Qt, no sockets).

``Desk`` is one counter as its clerk sees it: built from the server's ``snapshot`` and kept current by its
pushes (``counter_view``, ``queue_status``, ``event``), all typed payloads of ``server.protocol``. It
answers the questions the widgets ask: which actions are enabled and, if not, why (``availability``) —
derived from the transition tables in ``server/core/lifecycle.py``, never restated; where the cap timer
stands (``timer``), driven by the server's times through ``ServerClock`` so a client restart does not
reset it; the queue and "my day".

The actions are the hall's operations themselves (``server.core.lifecycle.Command``): the action a key
stands for is the request it sends, and the lifecycle table that allows it is keyed by the same name.

``Hall`` is the supervisor's view of every counter, the waiting lines, referred tickets and devices.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from qtkit.server_clock import ServerClock, parse_time
from server.core.lifecycle import (
    AT_COUNTER_STATES,
    COUNTER_TRANSITIONS,
    NEEDS_FREE_COUNTER,
    TICKET_TRANSITIONS,
    Command,
    CounterState,
    TicketState,
    counter_target,
    ticket_target,
)
from server.protocol import messages as p
from server.protocol import payloads as pl

Action = Command
"""What a clerk or supervisor does: one of the hall's commands (its value is the request type)."""

ACTIONS: tuple[Action, ...] = (
    Command.CALL_NEXT,
    Command.CALL_TICKET,
    Command.RECALL,
    Command.START_SERVICE,
    Command.NO_SHOW,
    Command.TRANSFER,
    Command.PARK,
    Command.RESUME_PARKED,
    Command.FINISH,
    Command.PAUSE_COUNTER,
    Command.RESUME_COUNTER,
    Command.OPEN_COUNTER,
    Command.CLOSE_COUNTER,
)
"""The commands the counter screen offers (each has a function key); which one is possible when comes
from the lifecycle tables."""

BRINGS_CUSTOMER: frozenset[Command] = frozenset(
    command
    for command, transition in TICKET_TRANSITIONS.items()
    if transition.target in AT_COUNTER_STATES
    and transition.sources
    and not transition.sources & AT_COUNTER_STATES
)
"""Ticket commands that bring a customer to the counter (call next, call a ticket, resume a parked one):
the counter must be open and free for them (the engine's ``_ready_counter``)."""


# ------------------------------------------------------------------------------------------- the timer
Phase = Literal["none", "called", "running", "warning", "over", "parked"]


@dataclass(frozen=True)
class TimerReading:
    """The cap timer at one moment: ``phase`` "none" (no customer), "called" (not started), "running",
    "warning" (within the warning lead), "over" (past the cap); seconds served, cap and warning lead."""

    phase: Phase
    elapsed: float = 0.0
    cap: float = 0.0
    lead: float = 0.0

    @property
    def remaining(self) -> float:
        """Seconds left until the cap (negative once over)."""
        return self.cap - self.elapsed


def read_timer(current: pl.CurrentTicket | None, now: datetime) -> TimerReading:
    """Where the cap timer of the ticket at a counter stands at server time ``now``. Elapsed service time
    is ``served_seconds`` + (now − ``segment_start``) while a segment runs (``server/net/views.py``); the
    server's own ``warned``/``overrun`` flags win over the local arithmetic."""
    if current is None:
        return TimerReading("none")
    cap = float(current.cap_minutes or 0) * 60
    lead = float(current.warning_lead_minutes or 0) * 60
    elapsed = float(current.served_seconds or 0.0)
    start = parse_time(current.segment_start)
    if start is not None:
        elapsed += max(0.0, (now - start).total_seconds())
    if current.state == "called":
        return TimerReading("called", elapsed, cap, lead)
    if current.state == "parked":
        return TimerReading("parked", elapsed, cap, lead)
    if current.overrun or elapsed >= cap:
        return TimerReading("over", elapsed, cap, lead)
    if current.warned or elapsed >= cap - lead:
        return TimerReading("warning", elapsed, cap, lead)
    return TimerReading("running", elapsed, cap, lead)


# ------------------------------------------------------------------------------------ enabled actions
@dataclass(frozen=True)
class Availability:
    """Whether an action can be taken now; if not, ``reason`` (a key of the ``counter`` catalogue) and
    ``values`` for its placeholders."""

    enabled: bool
    reason: str = ""
    values: Mapping[str, object] = field(default_factory=dict)


OK = Availability(True)


def _counter_ready(view: pl.CounterViewData) -> Availability:
    """A counter can take a customer: open (the engine's ``_ready_counter``) with nobody at it."""
    if view.state == "paused":
        return Availability(False, "why.paused")
    if view.state != "open":
        return Availability(False, "why.closed")
    if view.current is not None:
        return Availability(False, "why.busy", {"number": view.current.number})
    return OK


def availability(view: pl.CounterViewData | None, action: Action) -> Availability:
    """Can ``action`` be taken at the counter ``view`` now, and if not, why. Counter commands follow
    ``COUNTER_TRANSITIONS``, ticket commands ``TICKET_TRANSITIONS``."""
    if view is None:
        return Availability(False, "why.offline")
    current = view.current
    if action in COUNTER_TRANSITIONS:
        state = CounterState(view.state)
        if counter_target(action, state) is None:
            sources = COUNTER_TRANSITIONS[action].sources
            return Availability(
                False,
                "why.counter_state",
                {"state": state.value, "allowed": sorted(s.value for s in sources)},
            )
        if action in NEEDS_FREE_COUNTER and current is not None:
            return Availability(False, "why.busy", {"number": current.number})
        return OK
    if action in BRINGS_CUSTOMER:
        ready = _counter_ready(view)
        if not ready.enabled:
            return ready
        if action == Command.CALL_NEXT and not view.queue_total:
            return Availability(False, "why.queue_empty")
        if action == Command.RESUME_PARKED and not any(
            ticket_target(action, TicketState(t.state)) for t in view.parked
        ):
            return Availability(False, "why.none_parked")
        return OK
    if current is None:
        return Availability(False, "why.no_customer")
    ticket_state = TicketState(current.state)
    if ticket_target(action, ticket_state) is None:
        allowed = TICKET_TRANSITIONS[action].sources & AT_COUNTER_STATES
        return Availability(
            False,
            "why.ticket_state",
            {
                "number": current.number,
                "state": ticket_state.value,
                "allowed": sorted(s.value for s in allowed),
            },
        )
    return OK


# -------------------------------------------------------------------------------------- the queue
@dataclass(frozen=True)
class QueueRow:
    """One service in a counter's (or the hall's) queue: people waiting and the longest wait in seconds
    (None when nobody waits or the wait is not known)."""

    service_id: str
    waiting: int
    longest: float | None
    estimate_minutes: float | None = None


def queue_rows(
    service_ids: Iterable[str],
    statuses: Mapping[str, pl.ServiceStatus],
    tickets: Iterable[pl.QueueEntry],
    now: datetime,
) -> list[QueueRow]:
    """Waiting per service (from ``queue_status``) and the longest wait (oldest arrival among ``tickets``,
    the waiting tickets the server listed) for ``service_ids``, in that order."""
    oldest: dict[str, datetime] = {}
    for ticket in tickets:
        arrival = parse_time(ticket.arrival_at)
        service = ticket.service_id
        if arrival is not None and (service not in oldest or arrival < oldest[service]):
            oldest[service] = arrival
    rows = []
    for service_id in service_ids:
        status = statuses.get(service_id)
        longest = (now - oldest[service_id]).total_seconds() if service_id in oldest else None
        rows.append(
            QueueRow(
                service_id,
                status.waiting if status is not None else 0,
                max(0.0, longest) if longest is not None else None,
                status.wait_minutes if status is not None else None,
            )
        )
    return rows


# ------------------------------------------------------------------------------------------ my day
@dataclass
class MyDay:
    """The clerk's day at this counter: the server's figures for the counter (``load``, from every counter
    view, so a client restart keeps them); from a server that sends none, counted from the events pushed
    to this session."""

    served: int = 0
    service_seconds: float = 0.0
    overruns: int = 0
    transferred: int = 0
    no_shows: int = 0
    seen: set[str] = field(default_factory=set)
    from_server: bool = False

    def load(self, day: pl.CounterDay) -> None:
        """Take the server's figures for the day (a counter view's ``day``)."""
        self.served = day.served
        self.transferred = day.transferred
        self.no_shows = day.no_shows
        self.overruns = day.overruns
        self.service_seconds = day.service_seconds
        self.from_server = True

    @property
    def average_seconds(self) -> float | None:
        """Mean service time of the customers finished or transferred, or None before the first."""
        count = self.served + self.transferred
        return self.service_seconds / count if count else None

    def apply(self, event: pl.EventInfo) -> bool:
        """Count one event (each ticket once per kind); True if the figures changed. Once the server's
        figures are in, the next counter view brings the new ones and events are not counted again."""
        if self.from_server:
            return False
        kind = event.type
        key = f"{kind}:{event.ticket_id}:{event.at}"
        if key in self.seen:
            return False
        if kind == "ticket_finished":
            self.served += 1
            self.service_seconds += float(event.service_seconds or 0)
            self.overruns += 1 if event.over_cap else 0
        elif kind == "ticket_transferred":
            self.transferred += 1
            self.service_seconds += float(event.service_seconds or 0)
        elif kind == "ticket_no_show":
            self.no_shows += 1
        elif kind == "day_started":
            self.served = self.transferred = self.overruns = self.no_shows = 0
            self.service_seconds = 0.0
            self.seen.clear()
            return True
        else:
            return False
        self.seen.add(key)
        return True


# ------------------------------------------------------------------------------------------- shared
@dataclass(frozen=True)
class ServiceEntry:
    """A service as the screens name it: its letter, both names, and whether only transfers reach it."""

    id: str
    prefix: str
    name_ar: str
    name_en: str
    transfer_only: bool = False


LabelKind = Literal["finish_outcomes", "overrun_reasons", "pause_reasons"]

NO_LABELS = pl.Labels(finish_outcomes=[], overrun_reasons=[], pause_reasons=[])


class Reference:
    """The branch's wording and lists from a snapshot: services, outcomes and reasons, counters."""

    def __init__(self) -> None:
        self.branch: pl.BranchInfo | None = None
        self.services: dict[str, ServiceEntry] = {}
        self.labels: pl.Labels = NO_LABELS
        self.counters: dict[int, pl.PublicCounter] = {}

    def load(self, data: pl.CounterSnapshotData) -> None:
        """Read the reference parts of a counter or supervisor ``snapshot``'s data."""
        self.branch = data.branch
        self.services = {
            s.id: ServiceEntry(s.id, s.prefix, s.name_ar, s.name_en, s.transfer_only)
            for s in data.service_list
        }
        for status in data.services:
            known = self.services.get(status.id)
            self.services[status.id] = ServiceEntry(
                status.id,
                status.prefix,
                status.name_ar,
                status.name_en,
                known.transfer_only if known is not None else False,
            )
        self.labels = data.labels
        self.counters = {c.number: c for c in data.counters}

    @property
    def timezone(self) -> str | None:
        """The branch's time zone (IANA name), once a snapshot came."""
        return self.branch.timezone if self.branch is not None else None

    def service_name(self, service_id: str | None, lang: str) -> str:
        """A service's name in ``lang`` (its id if unknown)."""
        service = self.services.get(service_id or "")
        if service is None:
            return service_id or ""
        return service.name_ar if lang == "ar" else service.name_en

    def prefix(self, service_id: str, unknown: str = "") -> str:
        """A service's ticket letter (``unknown`` if the service is not known)."""
        service = self.services.get(service_id)
        return service.prefix if service is not None else unknown

    def label_list(self, kind: LabelKind) -> list[pl.Label]:
        """The branch's finish outcomes, overrun reasons or pause reasons."""
        labels: list[pl.Label] = getattr(self.labels, kind)
        return labels

    def label(self, kind: LabelKind, code: str | None, lang: str) -> str:
        """The wording of an outcome / pause reason / overrun reason code (the code if unknown)."""
        for item in self.label_list(kind):
            if item.code == code:
                return item.name_ar if lang == "ar" else item.name_en
        return code or ""

    def counter_name(self, number: int | None, lang: str) -> str:
        """A counter's name in ``lang``."""
        counter = self.counters.get(number or 0)
        if counter is None:
            return str(number or "")
        return counter.name_ar if lang == "ar" else counter.name_en

    def transfer_only(self) -> list[str]:
        """Services reached by transfer only (the supervisor's desk)."""
        return [sid for sid, s in self.services.items() if s.transfer_only]


Push = p.EventPush | p.QueueStatus | p.CounterView | p.DeviceStatus


# --------------------------------------------------------------------------------------------- Desk
class Desk:
    """One counter's state as its clerk sees it (see the module docstring)."""

    def __init__(self, clock: ServerClock | None = None) -> None:
        self.clock = clock or ServerClock()
        self.ref = Reference()
        self.view: pl.CounterViewData | None = None
        self.statuses: dict[str, pl.ServiceStatus] = {}
        self.branch_open = True
        self.day = MyDay()
        self.user_name = ""
        self.connected = False

    # --- feeding ----------------------------------------------------------------------------------
    def apply_snapshot(self, data: pl.CounterSnapshotData) -> None:
        """Replace everything with a fresh ``snapshot``'s data (after login, resync or reconnect)."""
        self.clock.observe(data.now)
        self.ref.load(data)
        self.view = data.counter
        if self.view is not None:
            self.day.load(self.view.day)
        self.statuses = {s.id: s for s in data.services}
        self.branch_open = data.branch.open

    def apply_push(self, message: Push) -> bool:
        """Apply one push (``counter_view``, ``queue_status``, ``event``); True if something shown changed."""
        if isinstance(message, p.CounterView):
            view = message.counter
            if self.view is not None and view.number != self.view.number:
                return False
            self.view = view
            self.day.load(view.day)
            return True
        if isinstance(message, p.QueueStatus):
            self.statuses = {s.id: s for s in message.services}
            self.branch_open = message.open
            return True
        if isinstance(message, p.EventPush):
            self.clock.observe(message.event.at, forward_only=True)
            return self.day.apply(message.event)
        return False

    # --- questions --------------------------------------------------------------------------------
    @property
    def number(self) -> int | None:
        """This counter's number."""
        return self.view.number if self.view is not None else None

    @property
    def current(self) -> pl.CurrentTicket | None:
        """The ticket at the counter (called or serving), or None."""
        return self.view.current if self.view is not None else None

    def availability(self, action: Action) -> Availability:
        """See ``availability``; every action is off while the connection is down."""
        if not self.connected:
            return Availability(False, "why.offline")
        return availability(self.view, action)

    def timer(self) -> TimerReading:
        """The cap timer now (server time)."""
        return read_timer(self.current, self.clock.now())

    def needs_overrun_reason(self) -> bool:
        """True if finishing now would need an overrun reason (the customer is past the cap)."""
        return self.timer().phase == "over"

    def waited_seconds(self) -> float | None:
        """How long the current customer waited before being called."""
        current = self.current
        if current is None:
            return None
        arrival, called = parse_time(current.arrival_at), parse_time(current.called_at)
        if arrival is None or called is None:
            return None
        return max(0.0, (called - arrival).total_seconds())

    def queue(self) -> list[QueueRow]:
        """Waiting per service this counter serves, with the longest wait."""
        if self.view is None:
            return []
        return queue_rows(self.view.services, self.statuses, self.view.queue, self.clock.now())

    def longest_wait(self) -> float | None:
        """The longest wait (seconds) among the services this counter serves."""
        waits = [row.longest for row in self.queue() if row.longest is not None]
        return max(waits) if waits else None


# --------------------------------------------------------------------------------------------- Hall
def device_alert(device: pl.DeviceInfo) -> str | None:
    """What is wrong with a kiosk or board (a catalogue key), or None when it is fine."""
    if not device.connected:
        return "alert.disconnected"
    if device.silent:
        return "alert.silent"
    states = device_health(device).values()
    if "error" in states:
        return "alert.error"
    if "warning" in states:
        return "alert.warning"
    return None


def device_health(device: pl.DeviceInfo) -> dict[str, str]:
    """The peripherals a device reported, part -> "ok" / "warning" / "error" / "unknown"."""
    found = {}
    for part in sorted(device.health.model_fields_set):
        state = getattr(device.health, part)
        if state is not None:
            found[part] = str(state)
    return found


@dataclass(frozen=True)
class Referred:
    """A ticket sent to the supervisor's desk (a transfer-only service): where from, since when."""

    id: str
    number: str
    service_id: str | None
    from_counter: int | None
    arrival_at: str | None = None


class Hall:
    """The supervisor's view: every counter live, waiting per service, referred tickets, devices."""

    def __init__(self, clock: ServerClock | None = None) -> None:
        self.clock = clock or ServerClock()
        self.ref = Reference()
        self.views: dict[int, pl.CounterViewData] = {}
        self.statuses: dict[str, pl.ServiceStatus] = {}
        self.referred: dict[str, Referred] = {}
        self.devices: dict[str, pl.DeviceInfo] = {}
        self.branch_open = True
        self.user_name = ""
        self.connected = False

    def apply_snapshot(self, data: pl.SupervisorSnapshotData) -> None:
        """Replace everything with a supervisor ``snapshot``."""
        self.clock.observe(data.now)
        self.ref.load(data)
        self.views = {v.number: v for v in data.counter_views}
        self.statuses = {s.id: s for s in data.services}
        self.referred = {
            t.id: Referred(t.id, t.number, t.service_id, t.from_counter, t.arrival_at) for t in data.referred
        }
        self.devices = {d.id: d for d in data.devices}
        self.branch_open = data.branch.open

    def apply_push(self, message: Push) -> bool:
        """Apply one push; True if something shown changed."""
        if isinstance(message, p.CounterView):
            self.views[message.counter.number] = message.counter
            return True
        if isinstance(message, p.QueueStatus):
            self.statuses = {s.id: s for s in message.services}
            self.branch_open = message.open
            return True
        if isinstance(message, p.DeviceStatus):
            self.devices[message.device.id] = message.device
            return True
        if isinstance(message, p.EventPush):
            return self._event(message.event)
        return False

    def _event(self, event: pl.EventInfo) -> bool:
        self.clock.observe(event.at, forward_only=True)
        kind, ticket_id = event.type, event.ticket_id
        if kind == "ticket_transferred" and ticket_id and event.to_service in self.ref.transfer_only():
            number = event.ticket.number if event.ticket is not None else ""
            self.referred[ticket_id] = Referred(ticket_id, number, event.to_service, event.counter)
            return True
        if kind in ("ticket_called", "ticket_cancelled") and ticket_id in self.referred:
            del self.referred[str(ticket_id)]
            return True
        if kind == "day_started":
            self.referred.clear()
            return True
        return False

    def timer(self, number: int) -> TimerReading:
        """The cap timer of counter ``number`` now."""
        view = self.views.get(number)
        return read_timer(view.current if view is not None else None, self.clock.now())

    def queue(self) -> list[QueueRow]:
        """Waiting per service for the whole hall, with the longest wait (from every counter's queue)."""
        tickets: dict[str, pl.QueueEntry] = {}
        for view in self.views.values():
            for ticket in view.queue:
                tickets[ticket.id] = ticket
        return queue_rows(list(self.ref.services), self.statuses, tickets.values(), self.clock.now())

    def alerts(self) -> list[tuple[pl.DeviceInfo, str]]:
        """Devices with a problem and the problem's catalogue key."""
        found = []
        for device in self.devices.values():
            alert = device_alert(device)
            if alert:
                found.append((device, alert))
        return found

    def availability(self, number: int | None, action: Action) -> Availability:
        """Can the supervisor take ``action`` for counter ``number``."""
        if not self.connected:
            return Availability(False, "why.offline")
        if number is None:
            return Availability(False, "why.pick_counter")
        return availability(self.views.get(number), action)
