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

The choice records why as a ``CallReason``: its rule and the figures behind it (minutes waited, the
counter's weight, the appointment slot, the scores it compared) as fields; the screens word it.

The policy reads the hall through ``HallView``, a small read-only ``typing.Protocol`` that ``HallEngine``
satisfies (and a test fake can), so it never imports the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from server.core.config import BranchConfig, CounterConfig

EMPTY_WAIT_MINUTES = 1 / 60


class QueuedTicket(Protocol):
    """What the policy reads of a waiting ticket."""

    @property
    def id(self) -> str: ...
    @property
    def service_id(self) -> str: ...
    @property
    def priority(self) -> bool: ...
    @property
    def arrival_at(self) -> datetime: ...
    @property
    def seq(self) -> int: ...
    @property
    def slot(self) -> datetime | None: ...


class HallView(Protocol):
    """What the policy reads of the hall: the branch's rules and the heads of its queues."""

    @property
    def config(self) -> BranchConfig: ...

    def lane_head(self, service_id: str, kind: str) -> QueuedTicket | None:
        """The first ticket of lane ("normal" | "priority" | "appointment") of a service, or None."""
        ...

    def targeted_head(self, counter: int) -> QueuedTicket | None:
        """The oldest ticket transferred to this one counter, or None."""
        ...

    def normals_since_priority(self, service_id: str) -> int:
        """Normal tickets of this service called since its last priority ticket."""
        ...


class CallRule(StrEnum):
    """Why a ticket was called (the first three are the policy's rules, in order)."""

    TRANSFERRED_TO_COUNTER = "transferred_to_counter"
    APPOINTMENT_DUE = "appointment_due"
    WEIGHTED_WAIT = "weighted_wait"
    SPECIFIC = "specific"
    """Called by hand (``call_ticket``), not by the policy."""


@dataclass(frozen=True)
class CallReason:
    """Why a ticket was called, as figures (the screens word it).

    ``rule``; for ``weighted_wait``: ``waited_minutes`` (how long the ticket had waited), ``weight`` (the
    counter's weight for its service) and ``priority`` (it was a priority ticket); for ``appointment_due``:
    ``slot`` (the appointment's time, UTC); ``scores``: (service id, weight × minutes waited, rounded to
    3 places) of every queue head the policy compared, in the counter's service order. Figures a rule
    does not use are None / False / empty."""

    rule: CallRule
    waited_minutes: float | None = None
    weight: float | None = None
    priority: bool = False
    slot: datetime | None = None
    scores: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Choice:
    """The ticket to call and why."""

    ticket_id: str
    reason: CallReason


def serves_appointments(hall: HallView, counter: CounterConfig) -> bool:
    """True if this counter may call appointment tickets under the current rollout phase."""
    return counter.appointments or hall.config.appointments.rollout == "all"


def serves_walk_ins(hall: HallView, counter: CounterConfig) -> bool:
    """True if this counter may call walk-in tickets (an appointment counter only with spill-over)."""
    return not counter.appointments or hall.config.appointments.spillover


def wait_minutes(ticket: QueuedTicket, now: datetime) -> float:
    """Minutes ``ticket`` has waited at ``now`` (never negative)."""
    return max(0.0, (now - ticket.arrival_at).total_seconds() / 60.0)


def service_head(hall: HallView, service_id: str, now: datetime) -> QueuedTicket | None:
    """The walk-in ticket this service would call next: the ratio of normal to priority calls, with
    a priority ticket that waited past ``max_wait_minutes`` (and longer than the normal one) going first."""
    normal = hall.lane_head(service_id, "normal")
    priority = hall.lane_head(service_id, "priority")
    if normal is None or priority is None:
        return normal or priority
    rules = hall.config.priority
    if hall.normals_since_priority(service_id) >= rules.normal_per_priority:
        return priority
    priority_wait = wait_minutes(priority, now)
    if priority_wait >= rules.max_wait_minutes and priority_wait > wait_minutes(normal, now):
        return priority
    return normal


def _appointment_due(hall: HallView, counter: CounterConfig, now: datetime) -> QueuedTicket | None:
    """The checked-in appointment of the counter's services with the earliest slot within the spill-over
    look-ahead (slot order: the appointment lanes are sorted by slot, then issue order)."""
    horizon = now + timedelta(minutes=hall.config.appointments.spillover_lookahead_minutes)
    best: QueuedTicket | None = None
    for service_id in counter.services:
        head = hall.lane_head(service_id, "appointment")
        if head is None:
            continue
        assert head.slot is not None  # appointment tickets always carry their slot
        if head.slot <= horizon and (best is None or (head.slot, head.seq) < (best.slot, best.seq)):
            best = head
    return best


def choose_next(hall: HallView, counter: CounterConfig, now: datetime) -> Choice | None:
    """The ticket ``counter`` should call at ``now``, or None if nobody waits for it."""
    targeted = hall.targeted_head(counter.number)
    if targeted is not None:
        return Choice(targeted.id, CallReason(CallRule.TRANSFERRED_TO_COUNTER))

    appointments = serves_appointments(hall, counter)
    rules = hall.config.appointments
    if appointments and rules.order == "slot":
        due = _appointment_due(hall, counter, now)
        if due is not None:
            return Choice(due.id, CallReason(CallRule.APPOINTMENT_DUE, slot=due.slot))

    walk_ins = serves_walk_ins(hall, counter)
    scores: list[tuple[str, float]] = []
    winner: tuple[float, datetime, int, QueuedTicket] | None = None
    for service_id, weight in counter.services.items():
        candidates: list[QueuedTicket] = []
        if walk_ins:
            walk_in_head = service_head(hall, service_id, now)
            if walk_in_head is not None:
                candidates.append(walk_in_head)
        if appointments and rules.order == "arrival":
            appointment_head = hall.lane_head(service_id, "appointment")
            if appointment_head is not None:
                candidates.append(appointment_head)
        for ticket in candidates:
            score = weight * (wait_minutes(ticket, now) + EMPTY_WAIT_MINUTES)
            scores.append((service_id, round(score, 3)))
            if (
                winner is None
                or score > winner[0]
                or (score == winner[0] and (ticket.arrival_at, ticket.seq) < (winner[1], winner[2]))
            ):
                winner = (score, ticket.arrival_at, ticket.seq, ticket)
    if winner is None:
        return None
    ticket = winner[3]
    reason = CallReason(
        CallRule.WEIGHTED_WAIT,
        waited_minutes=wait_minutes(ticket, now),
        weight=counter.services[ticket.service_id],
        priority=ticket.priority,
        scores=tuple(scores),
    )
    return Choice(ticket.id, reason)
