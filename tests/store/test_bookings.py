"""Bookings held at HQ (migration 0006, server/store/bookings.py): the store on SQLite and PostgreSQL, the
step that turns a branch's rows into the journal's appointment imports (restart-safe, never twice), the
branch server doing it off the command path, and ``dawr admin import-appointments --hq``."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete

from server.core.config import BranchConfig, load_default_config
from server.core.events import AppointmentsImported
from server.store.bookings import BookingFeed, BookingRow, BookingStore, bookings
from server.store.hall import Hall
from server.store.journal import Journal
from server.testing import FakeClock, ServerThread

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_URL = os.environ.get("DAWR_TEST_POSTGRES_URL", "")
NOW = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)  # 09:00 in Bahrain, the test clock's start
SECRET = b"bookings-test-secret"


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hall.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("DAWR_TEST_POSTGRES_URL is not set: PostgreSQL tests skipped")
    yield POSTGRES_URL


@pytest.fixture
def branch() -> str:
    """A branch id of this test alone (the PostgreSQL test database is shared)."""
    return f"bk_{secrets.token_hex(4)}"


def config_of(branch_id: str) -> BranchConfig:
    config = load_default_config()
    return config.model_copy(update={"branch": config.branch.model_copy(update={"id": branch_id})})


def row(branch_id: str, reference: str, *, at: datetime = NOW, **changes: object) -> BookingRow:
    base = BookingRow(
        branch_id=branch_id,
        reference=reference,
        national_id="850101234",
        name="Test Person",
        phone="+97330000000",
        service="housing",
        slot=NOW + timedelta(hours=1),
        cancelled=False,
        updated_at=at,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def imports(journal: Journal, branch_id: str) -> list[AppointmentsImported]:
    return [e for _, e in journal.state_events(branch_id) if isinstance(e, AppointmentsImported)]


def cleanup(journal: Journal, *branch_ids: str) -> None:
    with journal.engine.begin() as db:
        db.execute(delete(bookings).where(bookings.c.branch_id.in_(branch_ids)))


def test_put_and_changed_since(url: str, branch: str) -> None:
    journal = Journal.open(url)
    store = BookingStore(journal.engine)
    other = branch + "_x"
    try:
        assert store.available()
        assert store.put([row(branch, "BK-1"), row(branch, "BK-2", at=NOW + timedelta(seconds=5))]) == 2
        store.put([row(other, "BK-1")])
        found = store.changed_since(branch)
        assert [r.reference for r in found] == ["BK-1", "BK-2"]
        assert found[0] == row(branch, "BK-1") and found[0].slot.tzinfo is not None
        assert [r.reference for r in store.changed_since(branch, NOW + timedelta(seconds=1))] == ["BK-2"]
        # The same data again keeps its updated_at; a change moves it.
        assert store.put([row(branch, "BK-1", at=NOW + timedelta(minutes=1))]) == 0
        assert store.changed_since(branch)[0].updated_at == NOW
        later = NOW + timedelta(minutes=2)
        assert store.put([row(branch, "BK-1", at=later, cancelled=True)]) == 1
        changed = store.changed_since(branch, NOW + timedelta(minutes=1))
        assert [(r.reference, r.cancelled, r.updated_at) for r in changed] == [("BK-1", True, later)]
        assert [r.branch_id for r in store.changed_since(other)] == [other]
    finally:
        cleanup(journal, branch, other)
        journal.close()


def test_rows_become_one_import_never_twice_and_survive_a_restart(url: str, branch: str) -> None:
    journal = Journal.open(url)
    config = config_of(branch)
    store = BookingStore(journal.engine)
    try:
        hall = Hall.open(config, journal, SECRET)
        hall.tick(NOW)
        feed = BookingFeed()
        store.put(
            [
                row(branch, "BK-1"),
                row(branch, "BK-2", national_id="900202345"),
                row(branch, "BK-3", cancelled=True),  # cancelled at HQ before it came: not imported
                row(branch, "BK-OLD", slot=NOW - timedelta(days=2)),  # a past day: not imported
            ]
        )
        assert feed.apply(hall, store.changed_since(branch, feed.since), NOW) == 2
        assert sorted(hall.engine.bookings) == ["BK-1", "BK-2"]
        assert hall.engine.bookings["BK-1"] == row(branch, "BK-1").booking()
        assert len(imports(journal, branch)) == 1

        # Read again (the overlap) and again: nothing new is journaled.
        assert feed.apply(hall, store.changed_since(branch, feed.since), NOW) == 0
        assert feed.apply(hall, store.changed_since(branch), NOW) == 0
        assert len(imports(journal, branch)) == 1

        # A change at HQ is imported once.
        store.put([row(branch, "BK-2", at=NOW + timedelta(minutes=1), slot=NOW + timedelta(hours=3))])
        assert feed.apply(hall, store.changed_since(branch, feed.since), NOW) == 1
        assert hall.engine.bookings["BK-2"].slot == NOW + timedelta(hours=3)

        # A restart: the state rebuilt from the journal tells what was imported.
        again = Hall.open(config, journal, SECRET)
        fresh = BookingFeed()
        assert fresh.apply(again, store.changed_since(branch, fresh.since), NOW) == 0
        assert len(imports(journal, branch)) == 2

        # A row the engine refuses is left out (and not retried while unchanged); the others go in.
        store.put(
            [
                row(branch, "BK-4", at=NOW + timedelta(minutes=2), service="no_such_service"),
                row(branch, "BK-5", at=NOW + timedelta(minutes=2)),
            ]
        )
        assert fresh.apply(again, store.changed_since(branch, fresh.since), NOW) == 1
        assert "BK-5" in again.engine.bookings and "BK-4" not in again.engine.bookings
        assert fresh.apply(again, store.changed_since(branch, fresh.since), NOW) == 0
        assert len(imports(journal, branch)) == 3
    finally:
        cleanup(journal, branch)
        journal.close()


def test_the_branch_server_imports_its_rows_off_the_command_path(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'hall.db'}"
    journal = Journal.open(db_url)
    store = BookingStore(journal.engine)
    runner = ServerThread(db_url=db_url, clock=FakeClock(NOW))
    runner.start()
    try:
        branch_id = runner.server.config.branch.id
        store.put([row(branch_id, "BK-77"), row("elsewhere", "BK-78")])
        deadline = time.monotonic() + 15
        while "BK-77" not in runner.call(lambda s: set(s.engine.bookings)):
            assert time.monotonic() < deadline, "the booking did not reach the engine"
            time.sleep(0.2)
        assert "BK-78" not in runner.call(lambda s: set(s.engine.bookings))
        runner.stop()
        runner.start()  # restart: rebuilt from the journal, nothing imported twice
        time.sleep(4)  # more than one poll
        assert "BK-77" in runner.call(lambda s: set(s.engine.bookings))
        assert len(imports(journal, branch_id)) == 1
    finally:
        runner.close()
        journal.close()


def dawr(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server", *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_import_appointments_at_hq_writes_the_table_or_nothing(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'hq.db'}"
    head = "reference,national_id,name,phone,service,branch,slot\n"
    good = tmp_path / "good.csv"
    good.write_text(
        head + "bk-1,850101234,A,+9731,housing,seef,2026-11-22 10:00\nBK-2,900202345,B,+9732,inquiry,jidali,"
        "2026-11-22 11:00\n",
        encoding="utf-8",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        head
        + "BK-9,850101234,A,+9731,housing,seef,2026-11-22 10:00\nBK 10,1,B,2,housing,seef,2026-11-22 11:00\n",
        encoding="utf-8",
    )
    twice = tmp_path / "twice.csv"
    twice.write_text(
        head
        + "BK-9,850101234,A,+9731,housing,seef,2026-11-22 10:00\nBK-9,1,B,2,housing,seef,2026-11-22 11:00\n",
        encoding="utf-8",
    )
    done = dawr("admin", "import-appointments", str(bad), "--hq", "--db", db_url)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == (
        f"dawr: {bad}: line 3, column reference: 'BK 10' is not a booking reference "
        "(letters, digits and dashes, at most 32)"
    )
    done = dawr("admin", "import-appointments", str(twice), "--hq", "--db", db_url)
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        == f"dawr: {twice}: line 3, column reference: BK-9 of branch seef is already on line 2"
    )
    done = dawr("admin", "import-appointments", str(good), "--hq")
    assert done.returncode == 2 and "--hq needs --db HQ_URL" in done.stderr
    journal = Journal.open(db_url)
    store = BookingStore(journal.engine)
    try:
        assert store.changed_since("seef") == []  # nothing written on error
        done = dawr("admin", "import-appointments", str(good), "--hq", "--db", db_url)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == (
            "stored 2 booking(s) for branch(es) jidali, seef at HQ (2 new or changed); each branch receives its own"
        )
        (seef,) = store.changed_since("seef")
        assert (seef.reference, seef.service, seef.cancelled) == ("BK-1", "housing", False)
        assert seef.slot == datetime(2026, 11, 22, 7, 0, tzinfo=UTC)  # 10:00 in Bahrain
        assert [r.reference for r in store.changed_since("jidali")] == ["BK-2"]
        assert imports(journal, "seef") == []  # HQ's table, not a journal
        again = dawr("admin", "import-appointments", str(good), "--hq", "--db", db_url)
        assert "(0 new or changed)" in again.stdout
    finally:
        journal.close()


def test_a_database_hiccup_in_the_bookings_read_never_stops_the_hall(tmp_path: Path) -> None:
    from server.core.errors import JournalError

    db_url = f"sqlite:///{tmp_path / 'hall.db'}"
    journal = Journal.open(db_url)
    runner = ServerThread(db_url=db_url, clock=FakeClock(NOW))
    runner.start()
    try:
        server = runner.server
        read = server.booking_store.changed_since

        def refuse(branch_id: str, since: datetime | None = None) -> list[BookingRow]:
            raise JournalError("the bookings are unavailable: connection refused")

        runner.call(lambda s: setattr(s.booking_store, "changed_since", refuse))
        BookingStore(journal.engine).put([row(server.config.branch.id, "BK-9")])
        assert runner.run(server.sync_bookings()) == 0  # logged once, nothing raised
        runner.advance(minutes=1)  # the hall ticks on
        assert runner.call(lambda s: s.engine.day) is not None
        runner.call(lambda s: setattr(s.booking_store, "changed_since", read))
        deadline = time.monotonic() + 15
        while "BK-9" not in runner.call(lambda s: set(s.engine.bookings)):
            assert time.monotonic() < deadline, "the booking did not arrive after the hiccup"
            time.sleep(0.2)
    finally:
        runner.close()
        journal.close()
