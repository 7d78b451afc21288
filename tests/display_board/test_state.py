"""The board's state object and screen model, without Qt or a server; 10,000 calls in bounded memory."""

from __future__ import annotations

import gc
import tracemalloc
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from display_board.model import board_model, ticker_messages
from display_board.state import (
    BLINK_PERIOD,
    FLASH_SECONDS,
    HIGHLIGHT_SECONDS,
    HISTORY_LIMIT,
    BoardState,
    Highlight,
)
from display_board.zone import ZoneError, describe, parse_counters
from qtkit.server_clock import ServerClock
from server.protocol.payloads import BoardSnapshotData, EventInfo
from server.testing import FakeClock

START = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)


def ticket(n: int, prefix: str = "C") -> dict[str, Any]:
    number = f"{prefix}{n % 1000:03d}"
    return {
        "id": f"20261122-{number}-{n}",
        "number": number,
        "service_id": "inquiry",
        "service_ar": "استفسار عام ومتابعة الطلب",
        "service_en": "General inquiry and application follow-up",
    }


def event(fields: dict[str, Any]) -> EventInfo:
    """A board's event push payload, as the client hands it over (validated)."""
    return EventInfo.model_validate(fields)


def called(n: int, counter: int, at: datetime = START) -> EventInfo:
    return event({"type": "ticket_called", "at": at.isoformat(), "counter": counter, "ticket": ticket(n)})


def snapshot(
    now_calling: list[dict[str, Any]], now: datetime = START, day: str = "2026-11-22"
) -> BoardSnapshotData:
    """A board snapshot's data (the rows of ``now_calling`` are a ticket plus its call)."""
    rows = [{"state": "called", **row} for row in now_calling]
    return BoardSnapshotData.model_validate(
        {
            "now": now.isoformat(),
            "branch": {
                "id": "hq",
                "name_ar": "مركز خدمة العملاء",
                "name_en": "Customer Service Centre",
                "timezone": "Asia/Bahrain",
                "digits": "western",
                "hotline": "80008001",
                "open": True,
                "hours": {},
                "notices": [],
                "day": day,
            },
            "services": [
                {
                    "id": "inquiry",
                    "prefix": "C",
                    "name_ar": "استفسار",
                    "name_en": "Inquiry",
                    "available": True,
                    "priority_allowed": True,
                    "waiting": 4,
                    "wait_minutes": 9.6,
                },
                {
                    "id": "supervisor",
                    "prefix": "S",
                    "name_ar": "المشرف",
                    "name_en": "Supervisor",
                    "available": False,
                    "priority_allowed": False,
                    "waiting": 0,
                    "wait_minutes": None,
                },
            ],
            "counters": [
                {
                    "number": n,
                    "name_ar": f"شباك {n}",
                    "name_en": f"Counter {n}",
                    "services": ["inquiry"],
                    "state": "open",
                    "ticket": None,
                }
                for n in range(1, 9)
            ],
            "now_calling": rows,
        }
    )


@pytest.fixture
def clock() -> FakeClock:
    """The server's and the board's clock: START, which is 100.0 s on the board's monotonic clock."""
    return FakeClock(START, monotonic_start=100.0)


@pytest.fixture
def state(clock: FakeClock) -> BoardState:
    board = BoardState(monotonic=clock.monotonic, clock=ServerClock(clock.monotonic))
    board.set_connected(True)
    board.apply_snapshot(snapshot([]))
    return board


def test_a_call_flashes_then_stays_highlighted_then_is_plain(state: BoardState, clock: FakeClock) -> None:
    [call] = state.apply_event(called(1, 3))
    assert (call.number, call.counter, call.recall) == ("C001", 3, False)
    assert state.highlight(call) is Highlight.FLASH_ON
    clock.advance(seconds=BLINK_PERIOD * 0.8)
    assert state.highlight(call) is Highlight.FLASH_OFF
    clock.set(START + timedelta(seconds=FLASH_SECONDS + 0.1))
    assert state.highlight(call) is Highlight.STEADY and state.animating()
    clock.set(START + timedelta(seconds=HIGHLIGHT_SECONDS + 0.1))
    assert state.highlight(call) is Highlight.NONE and not state.animating()


def test_recall_moves_the_ticket_to_the_top_and_flashes_again(state: BoardState, clock: FakeClock) -> None:
    state.apply_event(called(1, 3))
    state.apply_event(called(2, 4))
    clock.advance(seconds=60)
    [recall] = state.apply_event(
        event(
            {
                "type": "ticket_recalled",
                "at": START.isoformat(),
                "counter": 3,
                "recalls": 1,
                "ticket": ticket(1),
            }
        )
    )
    assert recall.recall and recall.recalls == 1
    assert [(c.number, c.counter) for c in state.now_calling()] == [("C001", 3), ("C002", 4)]
    assert state.highlight(recall) is Highlight.FLASH_ON
    assert len(state.calls) == 2  # one entry per ticket


def test_finished_tickets_leave_now_calling_for_recent(state: BoardState) -> None:
    state.apply_event(called(1, 3))
    state.apply_event(called(2, 4))
    assert (
        state.apply_event(
            event({"type": "ticket_finished", "at": START.isoformat(), "counter": 3, "ticket": ticket(1)})
        )
        == []
    )
    assert [c.number for c in state.now_calling()] == ["C002"]
    assert [c.number for c in state.recent()] == ["C001"]
    cancelled = event({"type": "ticket_cancelled", "at": START.isoformat(), "ticket": ticket(2)})
    state.apply_event(cancelled)
    assert state.now_calling() == [] and [c.number for c in state.recent()] == ["C002", "C001"]


def test_losing_the_connection_drops_every_highlight(state: BoardState) -> None:
    [call] = state.apply_event(called(1, 3))
    state.set_connected(False)
    assert all(state.highlight(c) is Highlight.NONE for c in state.calls.values())
    model = board_model(state, "en")
    assert model.connection is not None and model.connection.primary == "Reconnecting" and model.stale
    state.set_connected(True)
    assert state.highlight(state.calls[call.ticket_id]) is Highlight.NONE  # not re-lit by the reconnect


def test_resync_snapshot_replaces_stale_calls_and_announces_missed_ones(
    state: BoardState, clock: FakeClock
) -> None:
    state.apply_event(called(1, 3))
    state.set_connected(False)
    clock.advance(seconds=30)
    state.set_connected(True)
    later = START + timedelta(seconds=30)
    missed = state.apply_snapshot(
        snapshot(
            [
                {
                    **ticket(2),
                    "counter": 3,
                    "called_at": (START + timedelta(seconds=20)).isoformat(),
                    "recalls": 0,
                    "state": "called",
                },
                {
                    **ticket(7),
                    "counter": 5,
                    "called_at": (START - timedelta(minutes=30)).isoformat(),
                    "recalls": 0,
                    "state": "serving",
                },
            ],
            now=later,
        )
    )
    assert [c.number for c in missed] == ["C002"]  # recent and unseen: announced; the old one is not
    assert [(c.number, c.counter) for c in state.now_calling()] == [("C002", 3), ("C007", 5)]
    assert [c.number for c in state.recent()] == ["C001"]  # the stale call is no longer "now calling"


def test_first_snapshot_announces_nothing(clock: FakeClock) -> None:
    board = BoardState(monotonic=clock.monotonic, clock=ServerClock(clock.monotonic))
    board.set_connected(True)
    rows = [{**ticket(1), "counter": 3, "called_at": START.isoformat(), "recalls": 0, "state": "called"}]
    assert board.apply_snapshot(snapshot(rows)) == []
    assert [c.number for c in board.now_calling()] == ["C001"]
    assert board.highlight(board.now_calling()[0]) is Highlight.NONE


def test_zone_keeps_only_its_counters(clock: FakeClock) -> None:
    board = BoardState(
        frozenset({1, 2, 3, 4, 7}), monotonic=clock.monotonic, clock=ServerClock(clock.monotonic)
    )
    board.set_connected(True)
    board.apply_snapshot(
        snapshot([{**ticket(9), "counter": 8, "called_at": START.isoformat(), "recalls": 0}])
    )
    assert board.now_calling() == []
    assert board.apply_event(called(1, 5)) == []
    assert [c.counter for c in board.apply_event(called(2, 7))] == [7]
    # a ticket of ours called again at a counter outside the zone is no longer ours to show
    board.apply_event(called(2, 8))
    assert board.now_calling() == []


def test_a_new_day_clears_the_calls(state: BoardState) -> None:
    state.apply_event(called(1, 3))
    state.apply_event(event({"type": "day_started", "at": START.isoformat(), "day": "2026-11-23"}))
    assert state.now_calling() == [] and state.recent() == []


def test_model_wording_and_waiting_rows(state: BoardState) -> None:
    state.apply_event(called(12, 3))
    model = board_model(state, "ar", ticker=ticker_messages(state))
    assert model.rtl and model.calling_tickets() == [("C012", "3")]
    assert model.headings["now_calling"].primary == "النداء الحالي"
    assert model.headings["now_calling"].secondary == "Now calling"
    [row] = model.waiting  # the supervisor service takes no walk-ins and nobody waits: not listed
    assert (row.count, row.estimate.primary, row.estimate.secondary) == ("4", "10 دقائق", "10 min")
    assert any("80008001" in text for text in model.ticker)
    english = board_model(state, "en")
    assert english.date.primary == "Sunday 22 November 2026" and english.time == "9:00 AM"
    assert english.date.secondary == "الأحد 22 نوفمبر 2026"


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("1-4,7", {1, 2, 3, 4, 7}),
        ("3", {3}),
        (" 2 - 3 , 8 ", {2, 3, 8}),
        ("5,5,4-5", {4, 5}),
    ],
)
def test_zone_spec(spec: str, expected: set[int]) -> None:
    assert parse_counters(spec) == frozenset(expected)


@pytest.mark.parametrize("spec", ["", "a", "1-", "4-1", "0", "1,,2", "1-1000", "1;2", "-3"])
def test_bad_zone_spec(spec: str) -> None:
    with pytest.raises(ZoneError, match="--counters"):
        parse_counters(spec)


def test_describe_zone() -> None:
    assert describe(frozenset({1, 2, 3, 4, 7})) == "1-4,7" and describe(None) == "all"


def test_ten_thousand_calls_leave_memory_flat(clock: FakeClock) -> None:
    board = BoardState(monotonic=clock.monotonic, clock=ServerClock(clock.monotonic))
    board.set_connected(True)
    board.apply_snapshot(snapshot([]))
    at = START

    def feed(first: int, count: int) -> None:
        nonlocal at
        for n in range(first, first + count):
            at += timedelta(seconds=3)
            clock.advance(seconds=3)
            counter = n % 8 + 1
            board.apply_event(called(n, counter, at))
            if n % 5 == 0:
                board.apply_event(
                    event(
                        {
                            "type": "ticket_recalled",
                            "at": at.isoformat(),
                            "counter": counter,
                            "recalls": 1,
                            "ticket": ticket(n),
                        }
                    )
                )
            board.apply_event(
                event(
                    {
                        "type": "ticket_finished",
                        "at": at.isoformat(),
                        "counter": counter,
                        "ticket": ticket(n - 4),
                    }
                )
            )
            board.apply_queue_status(True, snapshot([]).services)
            if n % 50 == 0:
                board_model(board, "ar" if n % 100 else "en", ticker=ticker_messages(board))

    feed(0, 1_000)  # warm up: the history fills to its limit
    gc.collect()
    tracemalloc.start()
    try:
        feed(1_000, 10_000)
        gc.collect()
        first, _ = tracemalloc.get_traced_memory()
        feed(11_000, 10_000)
        gc.collect()
        second, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(board.calls) == HISTORY_LIMIT
    # what the first 10,000 calls left behind is the (bounded) history itself, replaced not grown …
    assert first < 64_000, f"10,000 calls retained {first} bytes"
    # … and 10,000 more calls add nothing to it
    assert second - first < 8_000, f"the second 10,000 calls retained {second - first} more bytes"
    assert [c.counter for c in board.now_calling()][:1] == [(21_000 - 1) % 8 + 1]


def test_a_zoned_board_lists_its_counters_services_and_the_branch_notices() -> None:
    """Fed the real server's board snapshot: counter 8's zone serves supervisor, inquiry and feedback only;
    the branch's configured notices run in the ticker."""
    from server.core.config import load_default_config, parse_branch_config
    from server.core.engine import HallEngine, IssueTicket
    from server.net import views

    data = load_default_config().model_dump()
    data["branch"]["notices"] = [{"ar": "يرجى إحضار البطاقة الذكية", "en": "Please bring your smart card"}]
    engine = HallEngine(parse_branch_config(data), b"secret")
    engine.advance(START)
    engine.execute(IssueTicket("legal"), START)
    snap = views.snapshot(engine, "board", START)
    assert isinstance(snap, BoardSnapshotData)

    everyone = BoardState()
    everyone.apply_snapshot(snap)
    assert {s.id for s in everyone.visible_services()} >= {"mazaya", "legal", "inquiry"}
    zoned = BoardState(zone=frozenset({8}))
    zoned.apply_snapshot(snap)
    assert {s.id for s in zoned.visible_services()} == {"inquiry", "feedback"}  # supervisor is transfer-only
    ticker = ticker_messages(zoned)
    assert "Please bring your smart card" in ticker and "يرجى إحضار البطاقة الذكية" in ticker


def test_the_short_estimate_agrees_with_the_number_in_arabic() -> None:
    """The catalogue's six Arabic forms of ``wait.minutes`` say what the Arabic grammar helper says (one,
    the dual, 3-10 plural, 11-99 accusative singular, 100+ singular), with the branch's digits."""
    from display_board.model import _minutes
    from hardware.arabic import arabic_minutes
    from qtkit.i18n import localize_digits

    for n in range(1, 1_000):
        assert _minutes(n, "ar", "western") == arabic_minutes(n)
        assert _minutes(n, "ar", "arabic-indic") == localize_digits(arabic_minutes(n), "arabic-indic")
        assert _minutes(n, "en", "arabic-indic") == f"{n} min"


def test_every_wording_comes_from_the_catalogues(state: BoardState) -> None:
    from server.i18n import both

    state.apply_event(called(1, 3))
    state.apply_event(
        event(
            {
                "type": "ticket_recalled",
                "at": START.isoformat(),
                "counter": 3,
                "recalls": 1,
                "ticket": ticket(1),
            }
        )
    )
    model = board_model(state, "ar", ticker=ticker_messages(state))
    assert model.now_calling[0].recall is not None
    assert (model.now_calling[0].recall.primary, model.now_calling[0].recall.secondary) == both(
        "board", "call.recall"
    )
    assert model.ticker[-2:] == both("board", "ticker.keep_ticket")
    assert model.ticker[:2] == both("board", "ticker.hotline", hotline="80008001")
    state.apply_queue_status(False, snapshot([]).services)
    state.apply_event(
        event({"type": "ticket_finished", "at": START.isoformat(), "counter": 3, "ticket": ticket(1)})
    )
    closed = board_model(state, "en").empty
    assert closed is not None and (closed.secondary, closed.primary) == both("common", "branch.closed_now")
    assert closed.primary == "The branch is closed now"


@pytest.mark.parametrize("module", ["display_board.state", "display_board.model", "display_board.zone"])
def test_state_and_model_load_without_qt(module: str) -> None:
    import subprocess
    import sys
    from pathlib import Path

    code = f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0] == 'PySide6'))"
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]", f"{module} loaded {done.stdout.strip()}"
