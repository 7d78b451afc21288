"""Time faults on the real server (in-process, on its ``FakeClock``): a board away for an hour, the midnight
reset with tickets still open, and the clock stepping backwards and forwards."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta

import pytest

from server.core.events import CapOverrun, CapWarning, DayStarted, TicketFinished, TicketIssued
from server.store.journal import Journal
from server.testing import ServerThread, SyncClient


@pytest.fixture
def runner():
    thread = ServerThread(server_settings={"rate_per_second": 1000.0, "rate_burst": 2000})
    thread.start()
    yield thread
    thread.stop()


def _issue(kiosk: SyncClient, key: str, service: str = "inquiry") -> dict:
    reply = kiosk.request("issue_ticket", service_id=service, idempotency_key=key)
    assert reply["type"] == "result", reply
    return reply["data"]["ticket"]


def _journal(runner: ServerThread) -> list:
    assert runner.hall is not None
    journal = Journal(runner.hall.server.journal.engine)
    return [event for _, _, event in journal.events("hq")]


def _clients(runner: ServerThread):
    hall = runner.hall
    assert hall is not None
    kiosk = SyncClient(hall.url)
    kiosk.login_device(hall.device_tokens["kiosk-1"])
    counter = SyncClient(hall.url)
    counter.login("alice", hall.passwords["alice"], 3)
    assert counter.request("open_counter")["type"] == "result"
    board = SyncClient(hall.url)
    board.login_device(hall.device_tokens["board-1"])
    return kiosk, counter, board


def test_board_away_for_an_hour_resyncs_to_the_present(runner):
    hall = runner.hall
    kiosk, counter, board = _clients(runner)
    numbers = [_issue(kiosk, f"hour-{n:05d}")["number"] for n in range(4)]
    assert counter.request("call_next")["data"]["ticket"]["number"] == numbers[0]
    board.next_push(lambda m: m.get("type") == "event" and m["event"]["type"] == "ticket_called")
    board.close()  # the board's cable is pulled

    for _ in range(3):  # an hour of work without it
        assert counter.request("start_service")["type"] == "result"
        runner.advance(minutes=10)
        finish = counter.request("finish", outcome="completed", overrun_reason="complex_case")
        assert finish["type"] == "result", finish
        runner.advance(minutes=10)
        assert counter.request("call_next")["type"] == "result"
    current = numbers[3]

    back = SyncClient(hall.url)  # plugged in again an hour later
    assert back.login_device(hall.device_tokens["board-1"])["type"] == "result"
    snapshot = back.snapshot
    assert snapshot is not None
    calling = snapshot["data"]["now_calling"]
    assert [(row["number"], row["counter"]) for row in calling] == [(current, 3)]  # nothing stale
    assert snapshot["data"]["now"] == hall.clock().isoformat()
    assert snapshot["seq"] == hall.journal_seq()
    waiting = {s["id"]: s["waiting"] for s in snapshot["data"]["services"]}
    assert waiting["inquiry"] == 0
    # and it goes on receiving live pushes in order from there
    assert counter.request("recall")["type"] == "result"
    push = back.next_push(lambda m: m.get("type") == "event" and m["event"]["type"] == "ticket_recalled")
    assert push["event"]["ticket"]["number"] == current and back.gaps == 0
    for client in (kiosk, counter, back):
        client.close()


def test_midnight_reset_with_open_tickets(runner):
    hall = runner.hall
    kiosk, counter, board = _clients(runner)
    supervisor = SyncClient(hall.url)
    supervisor.login("sara", hall.passwords["sara"])
    first = [_issue(kiosk, f"day1-{n:05d}")["number"] for n in range(3)]
    assert counter.request("call_next")["data"]["ticket"]["number"] == first[0]
    assert counter.request("start_service")["type"] == "result"

    local = hall.clock().astimezone(hall.config.zone)
    next_morning = (local + timedelta(days=1)).replace(hour=7, minute=31, second=0, microsecond=0)
    hall.clock.set(next_morning)  # the server was left running overnight
    runner.run(hall.server.tick())

    for client in (kiosk, counter, board, supervisor):
        event = client.next_push(lambda m: m.get("type") == "event" and m["event"]["type"] == "day_started")
        fresh = client.next_push(lambda m: m.get("type") == "snapshot")
        assert fresh["seq"] >= event["seq"] and client.gaps == 0
        assert fresh["data"]["now"] == next_morning.astimezone(hall.clock().tzinfo).isoformat()
    assert board.snapshot["data"]["now_calling"] == []
    assert counter.snapshot["data"]["counter"]["current"] is None
    assert counter.snapshot["data"]["counter"]["state"] == "closed"
    assert all(s["waiting"] == 0 for s in kiosk.snapshot["data"]["services"])
    assert supervisor.snapshot["data"]["overruns"] == [] and supervisor.snapshot["data"]["parked"] == []

    started = [e for e in _journal(runner) if isinstance(e, DayStarted)]
    assert len(started) == 2 and len(started[-1].expired_tickets) == 3
    assert started[-1].closed_counters == (3,)
    ticket = _issue(kiosk, "day2-00000")
    assert ticket["number"] == first[0] and ticket["id"].startswith(next_morning.strftime("%Y%m%d"))
    assert counter.request("call_next")["code"] == "counter_closed"  # closed at midnight: open again
    assert counter.request("open_counter")["type"] == "result"
    assert counter.request("call_next")["data"]["ticket"]["id"] == ticket["id"]
    for client in (kiosk, counter, board, supervisor):
        client.close()


def test_clock_stepping_backwards_and_forwards(runner):
    hall = runner.hall
    kiosk, counter, board = _clients(runner)
    supervisor = SyncClient(hall.url)
    supervisor.login("sara", hall.passwords["sara"])
    _issue(kiosk, "step-00000")
    _issue(kiosk, "step-00001")
    assert counter.request("call_next")["type"] == "result"
    assert counter.request("start_service")["type"] == "result"
    start = hall.clock()

    hall.clock.set(start - timedelta(minutes=30))  # NTP steps the clock back
    runner.run(hall.server.tick())
    late = _issue(kiosk, "step-00002")
    assert late["number"] == "C003" and late["issued_at"] >= start.isoformat()
    for service in kiosk.request("list_services")["data"]["services"]:
        assert service["wait_minutes"] is None or service["wait_minutes"] >= 0
    hall.clock.set(start - timedelta(hours=20))  # back into yesterday: no new day
    runner.run(hall.server.tick())
    assert _issue(kiosk, "step-00003")["number"] == "C004"

    hall.clock.set(start + timedelta(hours=2))  # and far forward, past the cap
    runner.run(hall.server.tick())
    runner.run(hall.server.tick())
    hall.clock.set(start - timedelta(minutes=5))  # back again, then forward again
    runner.run(hall.server.tick())
    hall.clock.set(start + timedelta(hours=3))
    runner.run(hall.server.tick())
    finish = counter.request("finish", outcome="completed", overrun_reason="complex_case")
    assert finish["type"] == "result", finish
    assert counter.request("call_next")["type"] == "result"
    supervisor.request("resync")
    snapshot = supervisor.next_push(lambda m: m.get("type") == "snapshot")
    current = next(v for v in snapshot["data"]["counter_views"] if v["number"] == 3)["current"]
    assert current["served_seconds"] >= 0
    for service in kiosk.request("list_services")["data"]["services"]:
        assert service["wait_minutes"] is None or service["wait_minutes"] >= 0
    page = runner.run(hall.server.ticket_page(late["token"]))
    assert page is not None and (page.wait_minutes is None or page.wait_minutes >= 0)
    assert page.people_ahead >= 0

    events = _journal(runner)
    issued = [e for e in events if isinstance(e, TicketIssued)]
    assert max(Counter(e.number for e in issued).values()) == 1
    assert [e.number for e in issued] == ["C001", "C002", "C003", "C004"]
    assert sum(isinstance(e, DayStarted) for e in events) == 1
    warnings = [e for e in events if isinstance(e, CapWarning)]
    overruns = [e for e in events if isinstance(e, CapOverrun)]
    assert len(warnings) == 1 and len(overruns) == 1  # once each, not once per step
    assert warnings[0].remaining_seconds >= 0
    assert all(e.service_seconds >= 0 for e in events if isinstance(e, TicketFinished))
    assert all(a.at <= b.at for a, b in itertools.pairwise(events))  # journal time never runs backwards
    for client in (kiosk, counter, board, supervisor):
        client.close()
