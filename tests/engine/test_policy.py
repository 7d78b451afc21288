"""The call-next policy on its own: driven through ``policy.HallView`` by a fake hall, no engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from server.core.config import BranchConfig, CounterConfig
from server.core.policy import CallReason, CallRule, HallView, QueuedTicket, choose_next

from .conftest import config_with

NOON = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class FakeTicket:
    """Just what the policy reads of a ticket (``QueuedTicket``)."""

    id: str
    service_id: str
    arrival_at: datetime
    seq: int
    priority: bool = False
    slot: datetime | None = None


@dataclass
class FakeHall:
    """A hall that is nothing but queue heads: implements ``HallView`` without the engine."""

    config: BranchConfig
    heads: dict[tuple[str, str], FakeTicket] = field(default_factory=dict)
    targeted: dict[int, FakeTicket] = field(default_factory=dict)
    normals: dict[str, int] = field(default_factory=dict)

    def lane_head(self, service_id: str, kind: str) -> QueuedTicket | None:
        return self.heads.get((service_id, kind))

    def targeted_head(self, counter: int) -> QueuedTicket | None:
        return self.targeted.get(counter)

    def normals_since_priority(self, service_id: str) -> int:
        return self.normals.get(service_id, 0)


def waited(
    minutes: float, seq: int, service: str, priority: bool = False, slot: datetime | None = None
) -> FakeTicket:
    return FakeTicket(f"t{seq}", service, NOON - timedelta(minutes=minutes), seq, priority, slot)


def counter(services: dict[str, float], appointments: bool = False) -> CounterConfig:
    return CounterConfig(number=5, name_ar="٥", name_en="5", services=services, appointments=appointments)


@pytest.fixture
def hall() -> FakeHall:
    return FakeHall(config_with())


def test_nobody_waiting_means_no_choice(hall: FakeHall) -> None:
    view: HallView = hall
    assert choose_next(view, counter({"inquiry": 1}), NOON) is None


def test_a_ticket_sent_to_this_counter_comes_first_whatever_else_waits(hall: FakeHall) -> None:
    hall.heads[("inquiry", "normal")] = waited(60, 1, "inquiry")
    hall.targeted[5] = waited(1, 2, "legal")
    choice = choose_next(hall, counter({"inquiry": 1}), NOON)
    assert choice is not None and choice.ticket_id == "t2"
    assert choice.reason == CallReason(CallRule.TRANSFERRED_TO_COUNTER)


def test_the_longest_weighted_wait_wins_and_the_reason_carries_its_figures(hall: FakeHall) -> None:
    hall.heads[("inquiry", "normal")] = waited(10, 1, "inquiry")  # 1 × 10 min
    hall.heads[("legal", "priority")] = waited(4, 2, "legal", priority=True)  # 3 × 4 min
    choice = choose_next(hall, counter({"legal": 3, "inquiry": 1}), NOON)
    assert choice is not None and choice.ticket_id == "t2"
    reason = choice.reason
    assert reason.rule is CallRule.WEIGHTED_WAIT
    assert reason.waited_minutes == pytest.approx(4.0) and reason.weight == 3 and reason.priority
    assert reason.slot is None
    assert reason.scores == (("legal", round(3 * (4 + 1 / 60), 3)), ("inquiry", round(10 + 1 / 60, 3)))


def test_equal_scores_go_to_the_earlier_arrival(hall: FakeHall) -> None:
    hall.heads[("inquiry", "normal")] = waited(6, 2, "inquiry")
    hall.heads[("legal", "normal")] = waited(6, 1, "legal")
    choice = choose_next(hall, counter({"inquiry": 1, "legal": 1}), NOON)
    assert choice is not None and choice.ticket_id == "t1"


def test_after_enough_normal_calls_the_priority_ticket_goes_next(hall: FakeHall) -> None:
    ratio = hall.config.priority.normal_per_priority
    hall.heads[("inquiry", "normal")] = waited(9, 1, "inquiry")
    hall.heads[("inquiry", "priority")] = waited(1, 2, "inquiry", priority=True)
    hall.normals["inquiry"] = ratio - 1
    first = choose_next(hall, counter({"inquiry": 1}), NOON)
    assert first is not None and first.ticket_id == "t1"
    hall.normals["inquiry"] = ratio
    second = choose_next(hall, counter({"inquiry": 1}), NOON)
    assert second is not None and second.ticket_id == "t2" and second.reason.priority


def test_an_appointment_due_within_the_look_ahead_beats_longer_walk_ins(hall: FakeHall) -> None:
    lookahead = hall.config.appointments.spillover_lookahead_minutes
    due = NOON + timedelta(minutes=lookahead)
    hall.heads[("mazaya", "normal")] = waited(30, 1, "mazaya")
    hall.heads[("mazaya", "appointment")] = waited(0, 2, "mazaya", slot=due + timedelta(minutes=1))
    appointment_counter = counter({"mazaya": 1}, appointments=True)
    not_yet = choose_next(hall, appointment_counter, NOON)
    assert not_yet is not None and not_yet.ticket_id == "t1"  # spill-over: the walk-in meanwhile
    hall.heads[("mazaya", "appointment")] = waited(0, 2, "mazaya", slot=due)
    now_due = choose_next(hall, appointment_counter, NOON)
    assert now_due is not None and now_due.ticket_id == "t2"
    assert now_due.reason == CallReason(CallRule.APPOINTMENT_DUE, slot=due)
    # a general counter does not call appointments in the dedicated phase
    general = choose_next(hall, counter({"mazaya": 1}), NOON)
    assert general is not None and general.ticket_id == "t1"
