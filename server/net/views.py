"""What each role sees: the engine's state and events as the protocol's payload models (no I/O, no asyncio).

The server builds its ``snapshot``, ``event``, ``queue_status`` and ``counter_view`` pushes and the
ticket status page from these functions only, so what a role may see is decided here and nowhere else:

* kiosks and boards get public facts (ticket numbers, services, counters, counts, estimates) — never a
  ticket token, a staff name, a booking reference or a citizen's personal data;
* counters and supervisors get staff facts (still no tokens, idempotency keys or booking personal data);
* admins get import summaries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from server.core.config import label_key
from server.core.engine import HallEngine, Ticket
from server.core.events import AppointmentsImported, DayStarted, Event, TicketTransferred
from server.core.lifecycle import TicketState
from server.core.policy import serves_appointments, serves_walk_ins
from server.i18n import both
from server.protocol import payloads as pl
from server.store.records import to_record

QUEUE_LIMIT = 15
NOW_CALLING_LIMIT = 12
_SECRET_KEYS = frozenset({"token", "idempotency_key"})
_PUBLIC_EVENT_TYPES = frozenset(
    {
        "day_started",
        "ticket_called",
        "ticket_recalled",
        "service_started",
        "ticket_no_show",
        "ticket_parked",
        "ticket_transferred",
        "ticket_finished",
        "ticket_cancelled",
        "counter_opened",
        "counter_paused",
        "counter_resumed",
        "counter_closed",
    }
)
_PUBLIC_KEYS = frozenset({"type", "at", "counter", "recalls"})


def iso(moment: datetime | None) -> str | None:
    """UTC ISO 8601 text of a time, or None."""
    return moment.isoformat() if moment is not None else None


# ---------------------------------------------------------------------------------------- small pieces
def branch_info(engine: HallEngine, now: datetime) -> pl.BranchInfo:
    """The branch's names, time zone, hotline and whether it is open at ``now``."""
    branch = engine.config.branch
    return pl.BranchInfo(
        id=branch.id,
        name_ar=branch.name_ar,
        name_en=branch.name_en,
        timezone=branch.timezone,
        digits=branch.digits,
        hotline=branch.hotline,
        open=engine.config.is_open(now),
        hours=dict(branch.hours),
        notices=[pl.Notice(ar=n.ar, en=n.en) for n in branch.notices],
        day=engine.day.isoformat() if engine.day else None,
    )


def service_statuses(engine: HallEngine, now: datetime) -> list[pl.ServiceStatus]:
    """Every service with its names, whether a walk-in ticket can be taken now, people waiting and the
    estimated wait in minutes for a new ticket (None when no open counter serves it)."""
    walk_ins = set(engine.open_for_walk_ins(now))
    estimates = engine.estimates()
    priority = engine.config.priority.enabled
    rows = []
    for service in engine.config.services:
        estimate = estimates[service.id]
        rows.append(
            pl.ServiceStatus(
                id=service.id,
                prefix=service.prefix,
                name_ar=service.name_ar,
                name_en=service.name_en,
                available=service.id in walk_ins,
                priority_allowed=service.priority and priority,
                waiting=estimate.people_ahead,
                wait_minutes=estimate.wait_minutes,
            )
        )
    return rows


def _number_of(ticket_id: str) -> str:
    return ticket_id.rsplit("-", 1)[-1]


def _public_fields(engine: HallEngine, ticket_id: str) -> dict[str, Any]:
    ticket = engine.tickets.get(ticket_id)
    number = ticket.number if ticket else _number_of(ticket_id)
    service_id = (
        ticket.service_id
        if ticket
        else next((s.id for s in engine.config.services if s.prefix == number[:1]), None)
    )
    service = engine.config.service(service_id) if service_id else None
    return {
        "id": ticket_id,
        "number": number,
        "service_id": service_id,
        "service_ar": service.name_ar if service else "",
        "service_en": service.name_en if service else "",
    }


def public_ticket(engine: HallEngine, ticket_id: str) -> pl.PublicTicket:
    """Number and service of a ticket: what a hall display may show."""
    return pl.PublicTicket(**_public_fields(engine, ticket_id))


def _staff_fields(ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "number": ticket.number,
        "service_id": ticket.service_id,
        "kind": ticket.kind,
        "priority": ticket.priority,
        "state": ticket.state.value,
        "issued_at": iso(ticket.issued_at),
        "arrival_at": iso(ticket.arrival_at),
        "slot": iso(ticket.slot),
        "appointment_ref": ticket.appointment_ref,
        "late_appointment": ticket.late_appointment,
        "transfers": ticket.transfers,
        "target_counter": ticket.target_counter,
        "counter": ticket.counter,
        "parked_by": ticket.parked_by,
        "from_counter": ticket.transferred_by,
        "from_service": ticket.transferred_from_service,
    }


def staff_ticket(engine: HallEngine, ticket: Ticket) -> pl.StaffTicket:
    """A ticket as counter screens list it (no token, no citizen data beyond the booking reference)."""
    return pl.StaffTicket(**_staff_fields(ticket))


def call_reason(ticket: Ticket) -> pl.CallReason:
    """Why ``ticket`` was called, as the rule and its figures (``policy.CallReason`` on the wire)."""
    reason = ticket.call_reason
    if reason is None:
        return pl.CallReason(rule=None)
    return pl.CallReason(
        rule=reason.rule.value,
        waited_minutes=reason.waited_minutes,
        weight=reason.weight,
        priority=reason.priority,
        slot=iso(reason.slot),
        scores=list(reason.scores),
    )


def current_ticket(engine: HallEngine, ticket: Ticket) -> pl.CurrentTicket:
    """The ticket at a counter with its cap timer and why it was called. Elapsed service time at any
    moment is ``served_seconds`` + (that moment − ``segment_start``) while ``segment_start`` is set."""
    service = engine.config.service(ticket.service_id)
    assert service is not None
    booking = engine.bookings.get(ticket.appointment_ref) if ticket.appointment_ref else None
    return pl.CurrentTicket(
        **_staff_fields(ticket),
        called_at=iso(ticket.called_at),
        started_at=iso(ticket.started_at),
        segment_start=iso(ticket.segment_start),
        served_seconds=round(ticket.served_seconds, 3),
        cap_minutes=service.cap_minutes,
        warning_lead_minutes=service.warning_lead_minutes,
        warned=ticket.warned,
        overrun=ticket.overrun,
        recalls=ticket.recalls,
        call=call_reason(ticket),
        # the citizen's name goes only to the staff serving them (the ticket at their counter), never to
        # queue lists, boards or kiosks
        citizen_name=booking.name if booking is not None else None,
    )


def ticket_info(engine: HallEngine, ticket: Ticket, public_url: str = "") -> pl.TicketInfo:
    """What a kiosk prints for a new ticket: number, service, people ahead, estimated wait and the status
    page (``status_path`` ``/t/<token>``, and ``status_url`` when the branch has a public URL)."""
    estimate = engine.ticket_estimate(ticket)
    path = f"/t/{ticket.token}"
    return pl.TicketInfo(
        **_public_fields(engine, ticket.id),
        kind=ticket.kind,  # type: ignore[arg-type]
        priority=ticket.priority,
        issued_at=iso(ticket.issued_at),
        slot=iso(ticket.slot),
        late_appointment=ticket.late_appointment,
        people_ahead=estimate.people_ahead,
        wait_minutes=estimate.wait_minutes,
        token=ticket.token,
        status_path=path,
        status_url=public_url.rstrip("/") + path if public_url else "",
    )


# ------------------------------------------------------------------------------------------- counters
QueueKey = tuple[tuple[str, ...], bool, bool]
"""What a counter's queue depends on besides tickets sent to it: its services and whether it may call
appointments and walk-ins. Counters with the same key have the same queue."""


def _queue_key(engine: HallEngine, number: int) -> QueueKey:
    cfg = engine.config.counter(number)
    assert cfg is not None
    return tuple(cfg.services), serves_appointments(engine, cfg), serves_walk_ins(engine, cfg)


def _services_queue(engine: HallEngine, key: QueueKey, lanes: dict[str, list[Ticket]] | None) -> list[Ticket]:
    services, appointments, walk_ins = key
    found: list[Ticket] = []
    for service_id in services:
        waiting = lanes[service_id] if lanes is not None else engine.lane_tickets(service_id)
        for ticket in waiting:
            lane = "appointment" if ticket.kind == "appointment" and ticket.transfers == 0 else "walk_in"
            if (lane == "appointment" and appointments) or (lane == "walk_in" and walk_ins):
                found.append(ticket)
    found.sort(key=lambda t: (t.arrival_at, t.seq))
    return found


def counter_queue(
    engine: HallEngine,
    number: int,
    lanes: dict[str, list[Ticket]] | None = None,
    shared: dict[QueueKey, list[Ticket]] | None = None,
    key: QueueKey | None = None,
) -> list[Ticket]:
    """Tickets counter ``number`` may call, oldest arrival first: those sent to it, then its services'.
    ``lanes`` (service id -> ``engine.lane_tickets``) and ``shared`` (queues already built, by
    ``QueueKey``) may be given to share the work between counters; ``key``: the counter's ``QueueKey``."""
    key = key or _queue_key(engine, number)
    if shared is None:
        found = _services_queue(engine, key, lanes)
    elif key in shared:
        found = shared[key]
    else:
        found = shared[key] = _services_queue(engine, key, lanes)
    targeted = engine.waiting_for_counter(number)
    return targeted + found if targeted else found


def queue_entry(ticket: Ticket) -> pl.QueueEntry:
    """A waiting ticket in a counter's queue list (compact: this goes to every counter often)."""
    return pl.QueueEntry(
        id=ticket.id,
        number=ticket.number,
        service_id=ticket.service_id,
        kind=ticket.kind,  # type: ignore[arg-type]
        priority=ticket.priority,
        arrival_at=iso(ticket.arrival_at),
        slot=iso(ticket.slot),
        target_counter=ticket.target_counter,
    )


def counter_views(engine: HallEngine, numbers: list[int]) -> dict[int, pl.CounterViewData]:
    """``counter_view`` of several counters, sharing the queue and parked-ticket work."""
    lanes = {s.id: engine.lane_tickets(s.id) for s in engine.config.services}
    parked: dict[int, list[Ticket]] = {}
    for ticket in engine.tickets.values():
        if ticket.state is TicketState.PARKED and ticket.parked_by is not None:
            parked.setdefault(ticket.parked_by, []).append(ticket)
    shared: dict[QueueKey, list[Ticket]] = {}
    entries: dict[QueueKey, list[pl.QueueEntry]] = {}
    return {
        n: counter_view(engine, n, lanes, sorted(parked.get(n, []), key=lambda t: t.seq), shared, entries)
        for n in numbers
    }


def counter_view(
    engine: HallEngine,
    number: int,
    lanes: dict[str, list[Ticket]] | None = None,
    parked: list[Ticket] | None = None,
    shared: dict[QueueKey, list[Ticket]] | None = None,
    entries: dict[QueueKey, list[pl.QueueEntry]] | None = None,
) -> pl.CounterViewData:
    """One counter: state, staff, current ticket (with the "why"), its queue (first 15 and the total)
    and the customers it parked. ``shared``/``entries`` let ``counter_views`` build each distinct queue
    (and its list entries) once for all counters that have it."""
    cfg = engine.config.counter(number)
    assert cfg is not None
    counter = engine.counters[number]
    key = _queue_key(engine, number)
    queue = counter_queue(engine, number, lanes, shared, key)
    shareable = entries is not None and not engine.waiting_for_counter(number)
    listed = entries.get(key) if entries is not None and shareable else None
    if listed is None:
        listed = [queue_entry(t) for t in queue[:QUEUE_LIMIT]]
        if entries is not None and shareable:
            entries[key] = listed
    current = engine.tickets.get(counter.current) if counter.current else None
    if parked is None:
        parked = sorted(
            (t for t in engine.tickets.values() if t.state is TicketState.PARKED and t.parked_by == number),
            key=lambda t: t.seq,
        )
    return pl.CounterViewData(
        number=number,
        name_ar=cfg.name_ar,
        name_en=cfg.name_en,
        appointments=cfg.appointments,
        services=list(cfg.services),
        state=counter.state.value,
        staff=counter.staff,
        pause_reason=counter.pause_reason,
        day=pl.CounterDay(
            served=counter.served,
            transferred=counter.transferred,
            no_shows=counter.no_shows,
            overruns=counter.overruns,
            service_seconds=round(counter.service_seconds, 1),
        ),
        current=current_ticket(engine, current) if current else None,
        queue=listed,
        queue_total=len(queue),
        parked=[staff_ticket(engine, t) for t in parked],
    )


def public_counters(engine: HallEngine) -> list[pl.PublicCounter]:
    """Counters as the hall display shows them: names, open/paused/closed, the number at each."""
    rows = []
    for cfg in engine.config.counters:
        counter = engine.counters[cfg.number]
        current = engine.tickets.get(counter.current) if counter.current else None
        rows.append(
            pl.PublicCounter(
                number=cfg.number,
                name_ar=cfg.name_ar,
                name_en=cfg.name_en,
                services=list(cfg.services),
                state=counter.state.value,
                ticket=public_ticket(engine, current.id) if current else None,
            )
        )
    return rows


def now_calling(engine: HallEngine) -> list[pl.NowCalling]:
    """Tickets called to a counter and not yet gone, latest call first (at most 12)."""
    called = [
        t
        for t in engine.tickets.values()
        if t.state in (TicketState.CALLED, TicketState.SERVING) and t.counter is not None
    ]
    called.sort(key=lambda t: (t.called_at or t.issued_at, t.seq), reverse=True)
    return [
        pl.NowCalling(
            **_public_fields(engine, ticket.id),
            counter=ticket.counter,
            called_at=iso(ticket.called_at),
            recalls=ticket.recalls,
            state=ticket.state.value,
        )
        for ticket in called[:NOW_CALLING_LIMIT]
    ]


def _labels(engine: HallEngine) -> pl.Labels:
    config = engine.config

    def listed(kind: str) -> list[pl.Label]:
        labels = []
        for label in getattr(config, kind):
            if label.name_ar is not None and label.name_en is not None:
                name_ar, name_en = label.name_ar, label.name_en
            else:  # one of the ministry's labels, listed by code: its wording is in the catalogue
                name_ar, name_en = both("common", label_key(kind, label.code))
            labels.append(pl.Label(code=label.code, name_ar=name_ar, name_en=name_en))
        return labels

    return pl.Labels(
        finish_outcomes=listed("finish_outcomes"),
        overrun_reasons=listed("overrun_reasons"),
        pause_reasons=listed("pause_reasons"),
    )


def _service_names(engine: HallEngine) -> list[pl.ServiceName]:
    return [
        pl.ServiceName(
            id=s.id,
            prefix=s.prefix,
            name_ar=s.name_ar,
            name_en=s.name_en,
            cap_minutes=s.cap_minutes,
            transfer_only=s.transfer_only,
        )
        for s in engine.config.services
    ]


# ------------------------------------------------------------------------------------------ snapshots
def snapshot(
    engine: HallEngine,
    role: str,
    now: datetime,
    counter: int | None = None,
    devices: list[pl.DeviceInfo] | None = None,
) -> pl.AnySnapshotData:
    """Everything ``role`` may see at ``now`` (``counter``: the counter a staff session is bound to)."""
    head: dict[str, Any] = {"now": iso(now), "branch": branch_info(engine, now)}
    if role == "kiosk":
        return pl.KioskSnapshotData(**head, services=service_statuses(engine, now))
    if role == "board":
        return pl.BoardSnapshotData(
            **head,
            services=service_statuses(engine, now),
            counters=public_counters(engine),
            now_calling=now_calling(engine),
        )
    if role == "admin":
        return pl.AdminSnapshotData(**head, bookings=len(engine.bookings), checked_in=len(engine.checked_in))
    staff = {
        **head,
        "services": service_statuses(engine, now),
        "labels": _labels(engine),
        "service_list": _service_names(engine),
        "counters": public_counters(engine),
        "counter": counter_view(engine, counter) if counter is not None else None,
    }
    if role == "counter":
        return pl.CounterSnapshotData(**staff)
    if role != "supervisor":
        raise ValueError(f"no snapshot for role {role!r}")
    tickets = sorted(engine.tickets.values(), key=lambda t: t.seq)
    transfer_only = {s.id for s in engine.config.services if s.transfer_only}
    return pl.SupervisorSnapshotData(
        **staff,
        counter_views=list(counter_views(engine, [c.number for c in engine.config.counters]).values()),
        overruns=[current_ticket(engine, t) for t in tickets if t.overrun and t.state is TicketState.SERVING],
        no_shows=[staff_ticket(engine, t) for t in tickets if t.state is TicketState.NO_SHOW],
        parked=[staff_ticket(engine, t) for t in tickets if t.state is TicketState.PARKED],
        referred=[
            staff_ticket(engine, t)
            for t in tickets
            if t.state is TicketState.TRANSFERRED and t.service_id in transfer_only
        ],
        devices=devices or [],
    )


# --------------------------------------------------------------------------------------------- events
def project_event(
    engine: HallEngine, event: Event, role: str, counter: int | None = None
) -> pl.EventInfo | None:
    """The event as ``role`` may see it, or None if the role does not receive it. A ``counter`` session
    receives the events of its own counter (and day starts)."""
    if role in ("kiosk", "admin"):
        if isinstance(event, DayStarted):
            return pl.EventInfo(type=event.type, at=iso(event.at) or "", day=event.day.isoformat())
        if role == "admin" and isinstance(event, AppointmentsImported):
            return pl.EventInfo(type=event.type, at=iso(event.at) or "", count=len(event.bookings))
        return None
    if role == "board":
        if event.type not in _PUBLIC_EVENT_TYPES:
            return None
        record = {k: v for k, v in to_record(event).items() if k in _PUBLIC_KEYS}
        if isinstance(event, DayStarted):
            record["day"] = event.day.isoformat()
        ticket_id = getattr(event, "ticket_id", None)
        if ticket_id:
            record["ticket"] = public_ticket(engine, ticket_id)
        if isinstance(event, TicketTransferred):
            record["to_service"] = event.to_service
        return pl.EventInfo(**record)
    if role == "counter":
        own = getattr(event, "counter", None)
        if event.type != "day_started" and own != counter:
            return None
    if isinstance(event, AppointmentsImported):
        return pl.EventInfo(type=event.type, at=iso(event.at) or "", count=len(event.bookings))
    record = {k: v for k, v in to_record(event).items() if k not in _SECRET_KEYS}
    ticket_id = getattr(event, "ticket_id", None)
    if ticket_id:
        record["ticket"] = public_ticket(engine, ticket_id)
    return pl.EventInfo(**record)


# ------------------------------------------------------------------------------------ the ticket page
def ticket_page(engine: HallEngine, token: str, now: datetime) -> pl.TicketPage | None:
    """What the citizen's phone shows for the ticket with this status token, or None if there is none
    today: number, service, state, people ahead, estimated wait and the counter when called. Nothing
    about any other ticket."""
    ticket = next((t for t in engine.tickets.values() if t.token and t.token == token), None)
    if ticket is None:
        return None
    estimate = engine.ticket_estimate(ticket)
    service = engine.config.service(ticket.service_id)
    assert service is not None
    counter_cfg = engine.config.counter(ticket.counter) if ticket.counter is not None else None
    return pl.TicketPage(
        branch_ar=engine.config.branch.name_ar,
        branch_en=engine.config.branch.name_en,
        number=ticket.number,
        service_ar=service.name_ar,
        service_en=service.name_en,
        state=ticket.state.value,
        people_ahead=estimate.people_ahead,
        wait_minutes=estimate.wait_minutes,
        counter=ticket.counter,
        counter_ar=counter_cfg.name_ar if counter_cfg else None,
        counter_en=counter_cfg.name_en if counter_cfg else None,
        now=iso(now),
    )
