"""The journal on SQLite and PostgreSQL: commit before acknowledge, rebuild after a crash, schema, errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect, text

from server.core.config import load_default_config, parse_branch_config
from server.core.engine import (
    CallNext,
    CheckIn,
    Finish,
    HallEngine,
    ImportAppointments,
    IssueTicket,
    OpenCounter,
    StartService,
    Transfer,
)
from server.core.errors import JournalError
from server.core.events import Booking, TicketCalled, TicketIssued
from server.core.policy import CallReason, CallRule
from server.store.hall import Hall
from server.store.journal import Journal
from server.store.records import from_record, to_record

SECRET = b"journal-test-secret"
NINE = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
BAHRAIN = timezone(timedelta(hours=3))


def all_day_config():  # type: ignore[no-untyped-def]
    data = load_default_config().model_dump()
    data["branch"]["hours"] = {d: "00:00-24:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    return parse_branch_config(data)


def busy_morning(hall: Hall, start: datetime) -> datetime:
    now = start
    hall.handle(
        ImportAppointments(
            (
                Booking("HQ-1", "850101234", "Fatima", "", "mazaya", "hq", now + timedelta(minutes=10)),
                Booking("HQ-2", "900202345", "Ahmed", "", "housing", "hq", now + timedelta(days=1)),
            )
        ),
        now,
    )
    for counter in (1, 3, 8):
        hall.handle(OpenCounter(counter, f"staff{counter}"), now)
    for i in range(6):
        now += timedelta(minutes=1)
        hall.handle(
            IssueTicket(["inquiry", "mazaya", "data_update"][i % 3], token=f"t{i}", idempotency_key=f"k{i}"),
            now,
        )
    hall.handle(CheckIn(reference="HQ-1", token="appt"), now)
    now += timedelta(minutes=2)
    hall.handle(CallNext(3), now)
    hall.handle(StartService(3), now)
    now += timedelta(minutes=3)
    hall.handle(Transfer(3, to_service="supervisor"), now)
    hall.handle(CallNext(8), now)
    hall.handle(StartService(8), now)
    hall.handle(CallNext(1), now)
    now += timedelta(minutes=8)
    hall.tick(now)  # the customer at counter 8 passes the cap
    return now


def test_every_acknowledged_event_is_stored_in_order_and_rebuild_gives_the_same_state(
    database_url: str,
) -> None:
    journal = Journal.open(database_url)
    try:
        hall = Hall.open(all_day_config(), journal, SECRET)
        busy_morning(hall, NINE)
        stored = journal.state_events("hq")
        assert (
            [seq for seq, _ in stored] == list(range(1, len(stored) + 1)) == list(range(1, hall.last_seq + 1))
        )
        types = [e.type for _, e in stored]
        assert types[0] == "day_started" and "cap_overrun" in types and types.count("ticket_issued") == 7
        rebuilt = Hall.open(all_day_config(), journal, SECRET)
        assert rebuilt.engine.fingerprint() == hall.engine.fingerprint()
    finally:
        journal.close()


def test_rebuild_after_a_day_change_keeps_future_bookings_and_drops_the_old_day(database_url: str) -> None:
    journal = Journal.open(database_url)
    try:
        hall = Hall.open(all_day_config(), journal, SECRET)
        now = busy_morning(hall, NINE)
        next_day = now + timedelta(days=1)
        hall.tick(next_day)
        hall.handle(IssueTicket("inquiry", token="x"), next_day)
        rebuilt = Hall.open(all_day_config(), journal, SECRET)
        assert rebuilt.engine.fingerprint() == hall.engine.fingerprint()
        assert set(rebuilt.engine.bookings) == {"HQ-2"}
        assert list(rebuilt.engine.tickets) == ["20261123-C001"]
        days = {e.at.date() for _, _, e in journal.events("hq")}
        assert len(days) == 2
        assert sum(1 for _ in journal.events("hq", from_day=next_day.date())) == 2  # day start + ticket
    finally:
        journal.close()


def test_a_failed_commit_acknowledges_nothing_and_a_retry_gives_one_ticket(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = Journal.open(database_url)
    try:
        hall = Hall.open(all_day_config(), journal, SECRET)
        hall.handle(IssueTicket("inquiry", token="a", idempotency_key="kiosk1-1"), NINE)
        real_append = journal.append

        def database_down(*args: object, **kwargs: object) -> list[int]:
            raise JournalError("the journal database is unavailable: connection refused")

        monkeypatch.setattr(journal, "append", database_down)
        with pytest.raises(JournalError):
            hall.handle(
                IssueTicket("inquiry", token="b", idempotency_key="kiosk1-2"), NINE + timedelta(seconds=5)
            )
        # Nothing of the refused write is left in memory either.
        assert list(hall.engine.tickets) == ["20261122-C001"]
        monkeypatch.setattr(journal, "append", real_append)
        first = hall.handle(
            IssueTicket("inquiry", token="b", idempotency_key="kiosk1-2"), NINE + timedelta(seconds=6)
        )
        again = hall.handle(
            IssueTicket("inquiry", token="b", idempotency_key="kiosk1-2"), NINE + timedelta(seconds=7)
        )
        assert first.ticket_id == again.ticket_id == "20261122-C002" and again.events == []
        # A server that crashed now and restarted sees exactly the acknowledged tickets.
        restarted = Hall.open(all_day_config(), journal, SECRET)
        assert sorted(restarted.engine.tickets) == ["20261122-C001", "20261122-C002"]
        issued = [e for _, _, e in journal.events("hq") if isinstance(e, TicketIssued)]
        assert len(issued) == 2
    finally:
        journal.close()


def test_branches_share_a_database_without_mixing(database_url: str) -> None:
    journal = Journal.open(database_url)
    try:
        hq = Hall.open(all_day_config(), journal, SECRET)
        data = all_day_config().model_dump()
        data["branch"]["id"] = "seef"
        seef = Hall.open(parse_branch_config(data), journal, SECRET)
        hq.handle(IssueTicket("inquiry"), NINE)
        seef.handle(IssueTicket("inquiry"), NINE)
        seef.handle(IssueTicket("inquiry"), NINE)
        assert hq.last_seq == 2 and seef.last_seq == 3
        assert sorted(journal.branches()) == ["hq", "seef"]
        assert len(Hall.open(all_day_config(), journal, SECRET).engine.tickets) == 1
    finally:
        journal.close()


def test_schema_is_made_by_alembic_and_opening_twice_is_harmless(database_url: str) -> None:
    Journal.open(database_url).close()
    journal = Journal.open(database_url)
    try:
        with journal.engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert {"journal_events", "alembic_version"} <= tables
        assert version is not None
    finally:
        journal.close()


def test_unreachable_databases_give_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(JournalError, match="cannot open the journal database"):
        Journal.open(f"sqlite:///{tmp_path}/missing-folder/dawr.db")
    with pytest.raises(JournalError, match="cannot open the journal database"):
        Journal.open("postgresql://postgres@127.0.0.1:1/test?connect_timeout=2")
    with pytest.raises(JournalError, match="cannot use database"):
        Journal.open("nosuchdb://x")


def test_every_event_type_survives_the_record_round_trip() -> None:
    engine = HallEngine(all_day_config(), SECRET)
    journal_events = []
    now = NINE
    events = engine.advance(now)
    for command in (
        ImportAppointments((Booking("HQ-1", "1", "n", "p", "mazaya", "hq", now + timedelta(minutes=5)),)),
        OpenCounter(1, "noor"),
        IssueTicket("inquiry", priority=True, token="t", idempotency_key="k"),
        CheckIn(reference="HQ-1", token="u"),
        CallNext(1),
        StartService(1),
    ):
        events += engine.execute(command, now).events
    now += timedelta(minutes=9)
    events += engine.advance(now)
    events += engine.execute(Finish(1, "completed", "complex_case"), now).events
    journal_events.extend(events)
    for event in journal_events:
        assert from_record(to_record(event)) == event
    assert {e.type for e in journal_events} >= {
        "day_started",
        "appointments_imported",
        "ticket_issued",
        "ticket_called",
        "service_started",
        "cap_warning",
        "cap_overrun",
        "ticket_finished",
        "counter_opened",
    }


def test_malformed_records_are_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="unknown event type"):
        from_record({"type": "nope"})
    with pytest.raises(ValueError, match="missing"):
        from_record({"type": "counter_closed", "at": NINE.isoformat()})
    with pytest.raises(ValueError, match="time zone"):
        from_record({"type": "counter_closed", "at": "2026-11-22T06:00:00", "counter": 1})
    with pytest.raises(ValueError, match="expected int"):
        from_record({"type": "counter_closed", "at": NINE.isoformat(), "counter": "1"})


def test_a_call_journaled_with_the_old_english_detail_still_reads_and_replays() -> None:
    # the first journals stored the call reason as an English line; the figures now are fields
    engine = HallEngine(all_day_config(), SECRET)
    events = engine.advance(NINE)
    events += engine.execute(OpenCounter(1, "noor"), NINE).events
    events += engine.execute(IssueTicket("inquiry"), NINE).events
    old_call = {
        "type": "ticket_called",
        "at": (NINE + timedelta(minutes=3)).isoformat(),
        "ticket_id": events[-1].ticket_id,  # type: ignore[attr-defined]
        "counter": 1,
        "staff": "noor",
        "rule": "weighted_wait",
        "detail": "C001: longest weighted wait — 3.0 min × weight 1",
        "scores": [["inquiry", 3.017]],
    }
    called = from_record(old_call)
    assert called == TicketCalled(
        NINE + timedelta(minutes=3),
        old_call["ticket_id"],
        1,
        "noor",
        "weighted_wait",
        (("inquiry", 3.017),),
        None,
        None,
        False,
        None,
    )
    replayed = HallEngine(all_day_config(), SECRET)
    replayed.replay([*(from_record(to_record(e)) for e in events), called])
    ticket = replayed.tickets[called.ticket_id]
    assert ticket.state == "called" and ticket.counter == 1
    assert ticket.call_reason == CallReason(CallRule.WEIGHTED_WAIT, scores=(("inquiry", 3.017),))
    # a new record has the figures and no prose
    record = to_record(called)
    assert "detail" not in record and record["waited_minutes"] is None and from_record(record) == called
