"""A long cut against ``max_slot_wal_keep_size``: the branch warns before its slot's WAL reaches the limit,
says so plainly once the slot lost its WAL, and the documented recovery (remove-branch, then add-branch
--replace-copy) brings HQ's copy back to exactly the branch's journal."""

from __future__ import annotations

import time
from collections.abc import Callable

import psycopg
import pytest

from server.network import replication
from tests.network.clusters import PgCluster, wait_until
from tests.network.conftest import build_network
from tests.network.workload import BranchDriver

pytestmark = pytest.mark.timeout(240)
LIMIT_MB = 8


def outgoing(url: str) -> replication.LinkStatus:
    (link,) = [link for link in replication.status(url) if link.kind == "outgoing"]
    return link


def test_wal_limit_is_warned_before_it_is_reached_and_recovery_works(
    make_cluster: Callable[..., PgCluster],
) -> None:
    settings = {
        "a": {"max_slot_wal_keep_size": f"{LIMIT_MB}MB", "max_wal_size": "32MB", "min_wal_size": "2MB"}
    }
    network_iter = build_network(make_cluster, ["a"], settings)
    network = next(network_iter)
    a = network.branches["a"]
    hall = BranchDriver(a.url, "a")
    try:
        hall.run(40)
        network.wait_converged("a", 30)
        a.cut()
        wait_until(lambda: not outgoing(a.url).connected, 30, "HQ stops reading a's slot")
        seen: list[tuple[int | None, str | None, list[str]]] = []
        with psycopg.connect(a.url, autocommit=True) as db:
            db.execute("CREATE TABLE filler (x text)")
            for _ in range(40):  # 40 x ~0.5 MB of WAL, far past the limit
                db.execute("INSERT INTO filler SELECT repeat('x', 500) FROM generate_series(1, 1000)")
                hall.run(4)  # the hall keeps serving throughout
                db.execute("CHECKPOINT")
                link = outgoing(a.url)
                seen.append((link.wal_retained, link.wal_status, list(link.warnings)))
                if link.wal_status == "lost":
                    break
        assert hall.refused == 0
        first_limit_warning = next(
            i for i, (_, _, w) in enumerate(seen) if any("max_slot_wal_keep_size" in x for x in w)
        )
        retained, status, warnings = seen[first_limit_warning]
        assert status in ("reserved", "extended"), seen  # warned while HQ could still catch up
        assert any(
            f"of {LIMIT_MB}.0 MB (max_slot_wal_keep_size): restore the link soon" in x for x in warnings
        )
        assert retained is not None and retained >= 0.8 * LIMIT_MB * 1024 * 1024
        print(f"\nfirst warning after {first_limit_warning + 1} x 0.5 MB, wal_status {status}: {warnings}")
        assert seen[-1][1] == "lost", seen[-5:]
        assert any("lost its WAL" in x and "--replace-copy" in x for x in seen[-1][2])

        a.restore()
        link = replication.journal_links(network.hq.url)["a"]
        assert link.wal_status == "lost" and any("lost its WAL" in x for x in link.warnings)
        assert not network.converged("a")
        replication.remove_branch(network.hq.url, "a")
        replication.add_branch(network.hq.url, "a", a.to_branch.url(), replace_copy=True)
        network.wait_converged("a", 60)
        hall.run(20)
        network.wait_converged("a", 30)
    finally:
        hall.close()
        network_iter.close()


def test_hq_staff_slot_lost_during_a_long_cut_is_recovered(make_cluster: Callable[..., PgCluster]) -> None:
    """HQ's WAL (every branch's journal arriving, staff changes) is retained for a cut-off branch's staff
    slot; past HQ's limit that slot is lost, and unfollow-hq + follow-hq --replace-local recovers."""
    from tests.network.test_staff import accounts, store

    settings = {
        "hq": {"max_slot_wal_keep_size": f"{LIMIT_MB}MB", "max_wal_size": "32MB", "min_wal_size": "2MB"}
    }
    network_iter = build_network(make_cluster, ["a"], settings)
    network = next(network_iter)
    a = network.branches["a"]
    try:
        hq_staff = store(network.hq.url)
        hq_staff.add("nour", "password-1", "counter", branches=["a"])
        wait_until(lambda: "nour" in accounts(a.url), 30, "nour at a")
        a.cut()
        hq_staff.add("layla", "password-2", "counter", branches=["a"])
        wait_until(lambda: not outgoing(network.hq.url).connected, 30, "a stops reading HQ's staff slot")
        with psycopg.connect(network.hq.url, autocommit=True) as db:
            db.execute("CREATE TABLE filler (x text)")
            for _ in range(60):
                db.execute("INSERT INTO filler SELECT repeat('x', 500) FROM generate_series(1, 1000)")
                db.execute("CHECKPOINT")
                if outgoing(network.hq.url).wal_status == "lost":
                    break
        link = outgoing(network.hq.url)
        assert link.wal_status == "lost" and any("lost its WAL" in w for w in link.warnings)
        a.restore()
        time.sleep(2)
        assert "layla" not in accounts(a.url)  # the lost slot cannot deliver her any more
        lines = replication.unfollow_hq(a.url, "a")
        assert lines == ["branch a no longer follows HQ's staff accounts; it keeps the ones it has"]
        assert accounts(a.url) == {"nour"}
        replication.follow_hq(a.url, "a", a.to_hq.url(), replace_local=True)
        wait_until(lambda: accounts(a.url) == {"nour", "layla"}, 60, "a follows HQ again")
    finally:
        network_iter.close()
