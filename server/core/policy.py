"""Which ticket a counter calls next. Plain words in ``docs/call-next.md``; the rules, in order:

1. **Sent to this counter** — tickets transferred to this one counter, oldest first.
2. **Appointments due** — at a counter that serves appointments (an appointment counter, or any counter
   once the rollout is ``all``) and when appointments are ordered by slot: checked-in appointments of the
   counter's services whose slot is within the spill-over look-ahead, earliest slot first.
3. **Weighted waiting time** — for each service the counter serves, the head of its queue (priority and
   normal tickets alternate by the configured ratio, and a priority ticket that waited past the limit and
   longer than the normal one goes first); score = the counter's weight for that service × minutes the
   head has waited (+ a small constant so an empty wait still counts the weight). Highest score wins;
   ties go to the earlier arrival. An appointment counter without spill-over never reaches this rule
   except for appointment tickets ordered by arrival.

The choice records its rule, a one-line detail and the scores it compared, for the counter screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from server.core.config import CounterConfig

if TYPE_CHECKING:
    from server.core.engine import HallEngine, Ticket

EMPTY_WAIT_MINUTES = 1 / 60


@dataclass(frozen=True)
class Choice:
    """The ticket to call and why."""

    ticket_id: str
    rule: str
    detail: str
    scores: tuple[tuple[str, float], ...]


def serves_appointments(engine: HallEngine, counter: CounterConfig) -> bool:
    """True if this counter may call appointment tickets under the current rollout phase."""
    return counter.appointments or engine.config.appointments.rollout == "all"


def serves_walk_ins(engine: HallEngine, counter: CounterConfig) -> bool:
    """True if this counter may call walk-in tickets (an appointment counter only with spill-over)."""
    return not counter.appointments or engine.config.appointments.spillover


def _wait_minutes(ticket: Ticket, now: datetime) -> float:
    return max(0.0, (now - ticket.arrival_at).total_seconds() / 60.0)


def service_head(engine: HallEngine, service_id: str, now: datetime) -> Ticket | None:
    """The walk-in ticket this service would call next: the ratio of normal to priority calls, with
    a priority ticket that waited past ``max_wait_minutes`` (and longer than the normal one) going first."""
    normal = engine.lane_head(service_id, "normal")
    priority = engine.lane_head(service_id, "priority")
    if normal is None or priority is None:
        return normal or priority
    rules = engine.config.priority
    if engine.normals_since_priority(service_id) >= rules.normal_per_priority:
        return priority
    priority_wait = _wait_minutes(priority, now)
    if priority_wait >= rules.max_wait_minutes and priority_wait > _wait_minutes(normal, now):
        return priority
    return normal


def choose_next(engine: HallEngine, counter: CounterConfig, now: datetime) -> Choice | None:
    """The ticket ``counter`` should call at ``now``, or None if nobody waits for it."""
    targeted = engine.targeted_head(counter.number)
    if targeted is not None:
        return Choice(
            targeted.id, "transferred_to_counter", f"{targeted.number} was transferred to this counter", ()
        )

    appointments = serves_appointments(engine, counter)
    rules = engine.config.appointments
    if appointments and rules.order == "slot":
        horizon = now + timedelta(minutes=rules.spillover_lookahead_minutes)
        best: Ticket | None = None
        for service_id in counter.services:
            lane = engine.lane(service_id, "appointment")
            if lane and lane[0][0] <= horizon:
                head = engine.tickets[lane[0][2]]
                if best is None or lane[0] < engine.lane(best.service_id, "appointment")[0]:
                    best = head
        if best is not None:
            assert best.slot is not None
            slot = engine.local(best.slot)
            return Choice(best.id, "appointment_due", f"{best.number}: appointment due at {slot:%H:%M}", ())

    walk_ins = serves_walk_ins(engine, counter)
    scores: list[tuple[str, float]] = []
    winner: tuple[float, datetime, int, Ticket] | None = None
    for service_id, weight in counter.services.items():
        candidates: list[Ticket] = []
        if walk_ins:
            walk_in_head = service_head(engine, service_id, now)
            if walk_in_head is not None:
                candidates.append(walk_in_head)
        if appointments and rules.order == "arrival":
            appointment_head = engine.lane_head(service_id, "appointment")
            if appointment_head is not None:
                candidates.append(appointment_head)
        for ticket in candidates:
            score = weight * (_wait_minutes(ticket, now) + EMPTY_WAIT_MINUTES)
            scores.append((service_id, round(score, 3)))
            key = (score, ticket.arrival_at, ticket.seq, ticket)
            if (
                winner is None
                or score > winner[0]
                or (score == winner[0] and (ticket.arrival_at, ticket.seq) < (winner[1], winner[2]))
            ):
                winner = key
    if winner is None:
        return None
    ticket = winner[3]
    weight = counter.services[ticket.service_id]
    detail = (
        f"{ticket.number}: longest weighted wait — {_wait_minutes(ticket, now):.1f} min × weight {weight:g}"
        + (" (priority)" if ticket.priority else "")
    )
    return Choice(ticket.id, "weighted_wait", detail, tuple(scores))
