"""Bookings flow from HQ to the branches over real replication (docs/network.md, "Bookings"): a booking
stored at HQ reaches its branch's engine within seconds, never another branch; made during a WAN cut it
reaches the branch after the cut, not before; a branch that followed HQ before migration 0006 gains the
bookings with ``refresh-branch`` at HQ and ``refresh-hq`` at the branch."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from server.network import replication
from server.store.bookings import BookingRow, BookingStore
from server.store.journal import Journal
from server.testing import FakeClock, ServerThread
from tests.network.clusters import PgCluster, wait_until
from tests.network.conftest import Network
from tests.network.workload import branch_config

pytestmark = pytest.mark.timeout(240)


def booking(branch_id: str, reference: str, now: datetime, **changes: object) -> BookingRow:
    row = BookingRow(
        branch_id=branch_id,
        reference=reference,
        national_id="850101234",
        name="Test Person",
        phone="+97330000000",
        service="housing",
        slot=now + timedelta(hours=1),
        cancelled=False,
        updated_at=now,
    )
    return replace(row, **changes)  # type: ignore[arg-type]


def put(url: str, *rows: BookingRow) -> None:
    journal = Journal.open(url)
    try:
        BookingStore(journal.engine).put(rows)
    finally:
        journal.close()


def references(url: str, branch_id: str) -> set[str]:
    journal = Journal.open(url)
    try:
        return {row.reference for row in BookingStore(journal.engine).changed_since(branch_id)}
    finally:
        journal.close()


@contextmanager
def branch_server(url: str, branch_id: str, now: datetime) -> Iterator[ServerThread]:
    """The real branch server on the branch's database (its staff come from HQ: none added here)."""
    runner = ServerThread(db_url=url, config=branch_config(branch_id), clock=FakeClock(now), staff=())
    runner.start()
    try:
        yield runner
    finally:
        runner.close()


def in_engine(runner: ServerThread) -> set[str]:
    return runner.call(lambda server: set(server.engine.bookings))


def test_a_booking_at_hq_reaches_its_branch_and_only_it_also_after_a_cut(network: Network) -> None:
    now = datetime.now(UTC)
    a, b = network.branches["a"], network.branches["b"]
    with branch_server(a.url, "a", now) as at_a, branch_server(b.url, "b", now) as at_b:
        started = time.monotonic()
        put(network.hq.url, booking("a", "BK-100", now))
        wait_until(lambda: "BK-100" in in_engine(at_a), 30, "the booking in branch a's engine")
        print(f"\nbooking reached branch a's engine {time.monotonic() - started:.1f} s after HQ stored it")
        assert references(b.url, "a") == set() and references(b.url, "b") == set()
        assert in_engine(at_b) == set()

        a.cut()
        try:
            put(network.hq.url, booking("a", "BK-101", now, updated_at=now + timedelta(seconds=1)))
            put(network.hq.url, booking("b", "BK-200", now))  # b's link is up: b gets its own at once
            wait_until(lambda: "BK-200" in in_engine(at_b), 30, "b's booking in b's engine")
            deadline = time.monotonic() + 5  # more than one poll of the branch server
            while time.monotonic() < deadline:
                assert "BK-101" not in in_engine(at_a), "HQ's booking reached a through a cut link"
                time.sleep(0.25)
            assert references(a.url, "a") == {"BK-100"}
            assert at_a.call(lambda server: server.engine.day) is not None  # a keeps serving
        finally:
            a.restore()
        started = time.monotonic()
        wait_until(lambda: "BK-101" in in_engine(at_a), 60, "the booking in branch a's engine after the cut")
        print(
            f"booking made during the cut reached branch a {time.monotonic() - started:.1f} s after the link"
        )
        assert in_engine(at_a) == {"BK-100", "BK-101"}
        assert in_engine(at_b) == {"BK-200"}
        assert references(b.url, "a") == set()


def test_a_branch_that_followed_hq_before_0006_gains_the_bookings(
    make_cluster: Callable[..., PgCluster],
) -> None:
    hq, branch = make_cluster("hq"), make_cluster("a")
    replication.init_hq(hq.url)
    replication.init_branch(branch.url, "a")
    replication.add_branch(hq.url, "a", branch.url)
    with psycopg.connect(hq.url, autocommit=True) as db:  # HQ's staff publication as before 0006
        db.execute("ALTER PUBLICATION dawr_staff_a DROP TABLE bookings")
    replication.follow_hq(branch.url, "a", hq.url)
    wait_until(lambda: all(link.connected for link in replication.status(branch.url)), 60, "staff link up")
    now = datetime.now(UTC)
    put(hq.url, booking("a", "BK-1", now), booking("b", "BK-2", now))
    time.sleep(2)
    assert references(branch.url, "a") == set(), "not published yet"
    assert replication.refresh_hq(branch.url, "a") == [
        "HQ does not publish the bookings of branch a yet: run `dawr network refresh-branch --branch a` at HQ "
        "first"
    ]
    assert replication.refresh_branch(hq.url, "a") == [
        "HQ's subscription dawr_journal_a already receives every table the branch publishes (nothing to do)",
        "HQ's publication dawr_staff_a now carries the bookings of branch a too: at the branch run "
        "`dawr network refresh-hq --branch a`",
    ]
    assert replication.refresh_hq(branch.url, "a") == [
        "the branch's subscription dawr_staff_a now also receives bookings"
    ]
    wait_until(lambda: references(branch.url, "a") == {"BK-1"}, 30, "the first copy of the bookings")
    put(hq.url, booking("a", "BK-3", now, updated_at=now + timedelta(seconds=1)))
    wait_until(lambda: references(branch.url, "a") == {"BK-1", "BK-3"}, 30, "a later booking")
    assert references(branch.url, "b") == set()
    assert replication.refresh_hq(branch.url, "a") == [
        "the branch's subscription dawr_staff_a already receives everything HQ publishes (nothing to do)"
    ]
