"""The counter screen's and the supervisor screen's state, in plain Python (no Qt, no sockets).

``Desk`` is one counter as its clerk sees it: built from the server's ``snapshot`` and kept current by its
pushes (``counter_view``, ``queue_status``, ``event``). It answers the questions the widgets ask:
which actions are enabled and, if not, why (``availability``) — derived from the transition tables in
``server/core/lifecycle.py``, never restated; where the cap timer stands (``timer``), driven by the server's
times through ``ServerClock`` so a client restart does not reset it; the queue and "my day".

``Hall`` is the supervisor's view of every counter, the waiting lines, referred tickets and devices.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from qtkit.server_clock import ServerClock, parse_time
from server.core.lifecycle import (
    AT_COUNTER_STATES,
    COUNTER_TRANSITIONS,
    TICKET_TRANSITIONS,
    CounterState,
    TicketState,
    counter_target,
    ticket_target,
)

Action = Literal[
    "call_next",
    "call_ticket",
    "recall",
    "start",
    "no_show",
    "transfer",
    "park",
    "resume_parked",
    "finish",
    "pause",
    "resume_counter",
    "open",
    "close",
]
ACTIONS: tuple[Action, ...] = (
    "call_next",
    "call_ticket",
    "recall",
    "start",
    "no_show",
    "transfer",
    "park",
    "resume_parked",
    "finish",
    "pause",
    "resume_counter",
    "open",
    "close",
)

TICKET_COMMAND: dict[str, str] = {
    "recall": "recall",
    "start": "start",
    "no_show": "no_show",
    "transfer": "transfer",
    "park": "park",
    "finish": "finish",
    "call_next": "call",
    "call_ticket": "call",
    "resume_parked": "resume",
}
"""Action -> the command of ``TICKET_TRANSITIONS`` it performs on a ticket."""

COUNTER_COMMAND: dict[str, str] = {
    "pause": "pause",
    "resume_counter": "resume",
    "open": "open",
    "close": "close",
}
"""Action -> the command of ``COUNTER_TRANSITIONS`` it performs on the counter."""

REQUEST_TYPE: dict[str, str] = {
    "call_next": "call_next",
    "call_ticket": "call_ticket",
    "recall": "recall",
    "start": "start_service",
    "no_show": "no_show",
    "transfer": "transfer",
    "park": "park",
    "resume_parked": "resume_parked",
    "finish": "finish",
    "pause": "pause_counter",
    "resume_counter": "resume_counter",
    "open": "open_counter",
    "close": "close_counter",
}
"""Action -> protocol request type (``server/protocol/messages.py``)."""


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


def read_timer(current: Mapping[str, Any] | None, now: datetime) -> TimerReading:
    """Where the cap timer of the ticket at a counter stands at server time ``now``. Elapsed service time
    is ``served_seconds`` + (now − ``segment_start``) while a segment runs (``server/net/views.py``); the
    server's own ``warned``/``overrun`` flags win over the local arithmetic."""
    if not current:
        return TimerReading("none")
    cap = float(current.get("cap_minutes") or 0) * 60
    lead = float(current.get("warning_lead_minutes") or 0) * 60
    elapsed = float(current.get("served_seconds") or 0.0)
    start = parse_time(current.get("segment_start"))
    if start is not None:
        elapsed += max(0.0, (now - start).total_seconds())
    state = current.get("state")
    if state == TicketState.CALLED:
        return TimerReading("called", elapsed, cap, lead)
    if state == TicketState.PARKED:
        return TimerReading("parked", elapsed, cap, lead)
    if current.get("overrun") or elapsed >= cap:
        return TimerReading("over", elapsed, cap, lead)
    if current.get("warned") or elapsed >= cap - lead:
        return TimerReading("warning", elapsed, cap, lead)
    return TimerReading("running", elapsed, cap, lead)


# ------------------------------------------------------------------------------------ enabled actions
@dataclass(frozen=True)
class Availability:
    """Whether an action can be taken now; if not, ``reason`` (a text key of ``counter_client.texts``)
    and ``values`` for its placeholders."""

    enabled: bool
    reason: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)


OK = Availability(True)


def _counter_ready(view: Mapping[str, Any]) -> Availability:
    """A counter can take a customer: open (the engine's ``_ready_counter``) with nobody at it."""
    state = view.get("state")
    if state == CounterState.PAUSED:
        return Availability(False, "why_paused")
    if state != CounterState.OPEN:
        return Availability(False, "why_closed")
    current = view.get("current")
    if current:
        return Availability(False, "why_busy", {"number": current.get("number", "")})
    return OK


def availability(view: Mapping[str, Any] | None, action: Action) -> Availability:
    """Can ``action`` be taken at the counter ``view`` (a ``counter_view`` dict) now, and if not, why.
    Ticket actions follow ``TICKET_TRANSITIONS``, counter actions ``COUNTER_TRANSITIONS``."""
    if not view:
        return Availability(False, "why_offline")
    current = view.get("current")
    if action in COUNTER_COMMAND:
        state = CounterState(view.get("state", "closed"))
        command = COUNTER_COMMAND[action]
        if counter_target(command, state) is None:
            sources = COUNTER_TRANSITIONS[command][0]
            return Availability(
                False,
                "why_counter_state",
                {"state": state.value, "allowed": sorted(s.value for s in sources)},
            )
        if command in ("pause", "close") and current:
            return Availability(False, "why_busy", {"number": current.get("number", "")})
        return OK
    command = TICKET_COMMAND[action]
    if action in ("call_next", "call_ticket", "resume_parked"):
        ready = _counter_ready(view)
        if not ready.enabled:
            return ready
        if action == "call_next" and not view.get("queue_total"):
            return Availability(False, "why_queue_empty")
        if action == "resume_parked":
            parked = [t for t in view.get("parked") or [] if ticket_target(command, TicketState(t["state"]))]
            if not parked:
                return Availability(False, "why_none_parked")
        return OK
    if not current:
        return Availability(False, "why_no_customer")
    ticket_state = TicketState(current["state"])
    if ticket_target(command, ticket_state) is None:
        allowed = TICKET_TRANSITIONS[command][0] & AT_COUNTER_STATES
        return Availability(
            False,
            "why_ticket_state",
            {
                "number": current.get("number", ""),
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
    statuses: Mapping[str, Mapping[str, Any]],
    tickets: Iterable[Mapping[str, Any]],
    now: datetime,
) -> list[QueueRow]:
    """Waiting per service (from ``queue_status``) and the longest wait (oldest arrival among ``tickets``,
    the waiting tickets the server listed) for ``service_ids``, in that order."""
    oldest: dict[str, datetime] = {}
    for ticket in tickets:
        if ticket.get("state", TicketState.WAITING) not in (TicketState.WAITING, TicketState.TRANSFERRED):
            continue  # queue entries carry no state (all wait); other lists do
        arrival = parse_time(ticket.get("arrival_at")) or parse_time(ticket.get("issued_at"))
        service = ticket.get("service_id", "")
        if arrival is not None and (service not in oldest or arrival < oldest[service]):
            oldest[service] = arrival
    rows = []
    for service_id in service_ids:
        status = statuses.get(service_id, {})
        waiting = int(status.get("waiting") or 0)
        longest = (now - oldest[service_id]).total_seconds() if service_id in oldest else None
        rows.append(
            QueueRow(
                service_id,
                waiting,
                max(0.0, longest) if longest is not None else None,
                status.get("wait_minutes"),
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

    def load(self, day: Mapping[str, Any]) -> None:
        """Take the server's figures for the day (a counter view's ``day``)."""
        self.served = int(day.get("served") or 0)
        self.transferred = int(day.get("transferred") or 0)
        self.no_shows = int(day.get("no_shows") or 0)
        self.overruns = int(day.get("overruns") or 0)
        self.service_seconds = float(day.get("service_seconds") or 0.0)
        self.from_server = True

    @property
    def average_seconds(self) -> float | None:
        """Mean service time of the customers finished or transferred, or None before the first."""
        count = self.served + self.transferred
        return self.service_seconds / count if count else None

    def apply(self, event: Mapping[str, Any]) -> bool:
        """Count one event (each ticket once per kind); True if the figures changed. Once the server's
        figures are in, the next counter view brings the new ones and events are not counted again."""
        if self.from_server:
            return False
        kind = event.get("type")
        key = f"{kind}:{event.get('ticket_id')}:{event.get('at')}"
        if key in self.seen:
            return False
        if kind == "ticket_finished":
            self.served += 1
            self.service_seconds += float(event.get("service_seconds") or 0)
            self.overruns += 1 if event.get("over_cap") else 0
        elif kind == "ticket_transferred":
            self.transferred += 1
            self.service_seconds += float(event.get("service_seconds") or 0)
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
class Reference:
    """The branch's wording and lists from a snapshot: services, outcomes and reasons, counters."""

    def __init__(self) -> None:
        self.branch: dict[str, Any] = {}
        self.services: dict[str, dict[str, Any]] = {}
        self.labels: dict[str, list[dict[str, Any]]] = {
            "finish_outcomes": [],
            "overrun_reasons": [],
            "pause_reasons": [],
        }
        self.counters: dict[int, dict[str, Any]] = {}

    def load(self, data: Mapping[str, Any]) -> None:
        """Read the reference parts of a ``snapshot``'s data."""
        self.branch = dict(data.get("branch") or {})
        self.services = {s["id"]: dict(s) for s in data.get("service_list") or []}
        for s in data.get("services") or []:
            self.services.setdefault(s["id"], {}).update(
                {k: s[k] for k in ("id", "prefix", "name_ar", "name_en")}
            )
        labels = data.get("labels") or {}
        for kind in self.labels:
            self.labels[kind] = list(labels.get(kind) or [])
        self.counters = {c["number"]: dict(c) for c in data.get("counters") or []}

    def service_name(self, service_id: str | None, lang: str) -> str:
        """A service's name in ``lang`` (its id if unknown)."""
        service = self.services.get(service_id or "")
        if not service:
            return service_id or ""
        return str(service.get("name_ar") if lang == "ar" else service.get("name_en"))

    def label(self, kind: str, code: str | None, lang: str) -> str:
        """The wording of an outcome / pause reason / overrun reason code (the code if unknown)."""
        for item in self.labels.get(kind, []):
            if item["code"] == code:
                return str(item["name_ar"] if lang == "ar" else item["name_en"])
        return code or ""

    def counter_name(self, number: int | None, lang: str) -> str:
        """A counter's name in ``lang``."""
        counter = self.counters.get(number or 0)
        if not counter:
            return str(number or "")
        return str(counter.get("name_ar") if lang == "ar" else counter.get("name_en"))

    def transfer_only(self) -> list[str]:
        """Services reached by transfer only (the supervisor's desk)."""
        return [sid for sid, s in self.services.items() if s.get("transfer_only")]


# --------------------------------------------------------------------------------------------- Desk
class Desk:
    """One counter's state as its clerk sees it (see the module docstring)."""

    def __init__(self, clock: ServerClock | None = None) -> None:
        self.clock = clock or ServerClock()
        self.ref = Reference()
        self.view: dict[str, Any] | None = None
        self.statuses: dict[str, dict[str, Any]] = {}
        self.branch_open = True
        self.day = MyDay()
        self.user: dict[str, Any] = {}
        self.connected = False

    # --- feeding ----------------------------------------------------------------------------------
    def apply_snapshot(self, data: Mapping[str, Any]) -> None:
        """Replace everything with a fresh ``snapshot``'s data (after login, resync or reconnect)."""
        self.clock.observe(data.get("now"))
        self.ref.load(data)
        self.view = dict(data["counter"]) if data.get("counter") else None
        if self.view and isinstance(self.view.get("day"), Mapping):
            self.day.load(self.view["day"])
        self.statuses = {s["id"]: dict(s) for s in data.get("services") or []}
        self.branch_open = bool((data.get("branch") or {}).get("open", True))

    def apply_push(self, message: Mapping[str, Any]) -> bool:
        """Apply one push (``counter_view``, ``queue_status``, ``event``); True if something shown changed."""
        kind = message.get("type")
        if kind == "counter_view":
            view = dict(message["counter"])
            if self.view is not None and view.get("number") != self.view.get("number"):
                return False
            self.view = view
            if isinstance(view.get("day"), Mapping):
                self.day.load(view["day"])
            return True
        if kind == "queue_status":
            self.statuses = {s["id"]: dict(s) for s in message.get("services") or []}
            self.branch_open = bool(message.get("open", True))
            return True
        if kind == "event":
            event = message.get("event") or {}
            self.clock.observe(event.get("at"), forward_only=True)
            return self.day.apply(event)
        return False

    # --- questions --------------------------------------------------------------------------------
    @property
    def number(self) -> int | None:
        """This counter's number."""
        return self.view.get("number") if self.view else None

    @property
    def current(self) -> dict[str, Any] | None:
        """The ticket at the counter (called or serving), or None."""
        return self.view.get("current") if self.view else None

    def availability(self, action: Action) -> Availability:
        """See ``availability``; every action is off while the connection is down."""
        if not self.connected:
            return Availability(False, "why_offline")
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
        if not current:
            return None
        arrival, called = parse_time(current.get("arrival_at")), parse_time(current.get("called_at"))
        if arrival is None or called is None:
            return None
        return max(0.0, (called - arrival).total_seconds())

    def queue(self) -> list[QueueRow]:
        """Waiting per service this counter serves, with the longest wait."""
        if not self.view:
            return []
        return queue_rows(
            self.view.get("services") or [], self.statuses, self.view.get("queue") or [], self.clock.now()
        )

    def longest_wait(self) -> float | None:
        """The longest wait (seconds) among the services this counter serves."""
        waits = [row.longest for row in self.queue() if row.longest is not None]
        return max(waits) if waits else None


# --------------------------------------------------------------------------------------------- Hall
def device_alert(device: Mapping[str, Any]) -> str | None:
    """What is wrong with a kiosk or board (a text key), or None when it is fine."""
    if not device.get("connected"):
        return "alert_disconnected"
    if device.get("silent"):
        return "alert_silent"
    health = device.get("health") or {}
    if any(v == "error" for v in health.values()):
        return "alert_error"
    if any(v == "warning" for v in health.values()):
        return "alert_warning"
    return None


class Hall:
    """The supervisor's view: every counter live, waiting per service, referred tickets, devices."""

    def __init__(self, clock: ServerClock | None = None) -> None:
        self.clock = clock or ServerClock()
        self.ref = Reference()
        self.views: dict[int, dict[str, Any]] = {}
        self.statuses: dict[str, dict[str, Any]] = {}
        self.referred: dict[str, dict[str, Any]] = {}
        self.devices: dict[str, dict[str, Any]] = {}
        self.branch_open = True
        self.user: dict[str, Any] = {}
        self.connected = False

    def apply_snapshot(self, data: Mapping[str, Any]) -> None:
        """Replace everything with a supervisor ``snapshot``."""
        self.clock.observe(data.get("now"))
        self.ref.load(data)
        self.views = {v["number"]: dict(v) for v in data.get("counter_views") or []}
        self.statuses = {s["id"]: dict(s) for s in data.get("services") or []}
        self.referred = {t["id"]: dict(t) for t in data.get("referred") or []}
        self.devices = {d["id"]: dict(d) for d in data.get("devices") or []}
        self.branch_open = bool((data.get("branch") or {}).get("open", True))

    def apply_push(self, message: Mapping[str, Any]) -> bool:
        """Apply one push; True if something shown changed."""
        kind = message.get("type")
        if kind == "counter_view":
            view = dict(message["counter"])
            self.views[view["number"]] = view
            return True
        if kind == "queue_status":
            self.statuses = {s["id"]: dict(s) for s in message.get("services") or []}
            self.branch_open = bool(message.get("open", True))
            return True
        if kind == "device_status":
            device = dict(message["device"])
            self.devices[device["id"]] = device
            return True
        if kind == "event":
            return self._event(message.get("event") or {})
        return False

    def _event(self, event: Mapping[str, Any]) -> bool:
        self.clock.observe(event.get("at"), forward_only=True)
        kind, ticket_id = event.get("type"), event.get("ticket_id")
        if kind == "ticket_transferred" and event.get("to_service") in self.ref.transfer_only():
            public = event.get("ticket") or {}
            self.referred[str(ticket_id)] = {
                "id": ticket_id,
                "number": public.get("number", ""),
                "service_id": event.get("to_service"),
                "state": "transferred",
                "arrival_at": None,
                "transferred_at": event.get("at"),
                "from_counter": event.get("counter"),
                "from_service": event.get("from_service"),
                "target_counter": event.get("to_counter"),
            }
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
        view = self.views.get(number) or {}
        return read_timer(view.get("current"), self.clock.now())

    def queue(self) -> list[QueueRow]:
        """Waiting per service for the whole hall, with the longest wait (from every counter's queue)."""
        tickets: dict[str, Mapping[str, Any]] = {}
        for view in self.views.values():
            for ticket in view.get("queue") or []:
                tickets[ticket["id"]] = ticket
        return queue_rows(list(self.ref.services), self.statuses, tickets.values(), self.clock.now())

    def alerts(self) -> list[tuple[dict[str, Any], str]]:
        """Devices with a problem and the problem's text key."""
        found = []
        for device in self.devices.values():
            alert = device_alert(device)
            if alert:
                found.append((device, alert))
        return found

    def availability(self, number: int | None, action: Action) -> Availability:
        """Can the supervisor take ``action`` for counter ``number``."""
        if not self.connected:
            return Availability(False, "why_offline")
        if number is None:
            return Availability(False, "why_pick_counter")
        return availability(self.views.get(number), action)
