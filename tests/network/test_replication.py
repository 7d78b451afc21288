"""Real logical replication between private clusters: branch journals reach HQ, a WAN cut or a stopped
HQ costs the branches nothing and HQ converges to exactly each branch's journal afterwards."""

from __future__ import annotations

import pytest

from server.network import replication
from tests.network.clusters import wait_until
from tests.network.conftest import Network
from tests.network.workload import BranchDriver, LagProbe, percentile, run_branches

pytestmark = pytest.mark.timeout(240)


def drivers(network: Network) -> list[BranchDriver]:
    return [BranchDriver(branch.url, branch_id) for branch_id, branch in network.branches.items()]


def test_tickets_issued_at_a_and_b_appear_at_hq_with_bounded_lag(network: Network) -> None:
    halls = drivers(network)
    try:
        with LagProbe(network.hq.url, ["a", "b"]) as probe:
            run_branches(halls, steps=300, pace=0.005)
            for hall in halls:
                network.wait_converged(hall.branch_id, 30)
        lags = [lag for hall in halls for lag in probe.lags(hall)]
        assert all(hall.refused == hall.domain_refused == 0 for hall in halls)
        assert len(lags) == sum(len(hall.commits) for hall in halls) >= 600
        p50, p99 = percentile(lags, 50), percentile(lags, 99)
        print(
            f"\nreplication lag over {len(lags)} commits at 2 branches: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms"
        )
        assert p99 < 5.0, f"p99 lag {p99:.2f} s"
        for hall in halls:
            digest = replication.journal_digest(network.hq.url, hall.branch_id)
            assert digest.last_seq == hall.hall.last_seq and digest.count == hall.hall.last_seq
        # HQ holds each branch's rows only once, and a branch holds no other branch's rows.
        assert replication.journal_digest(network.branches["a"].url, "b").count == 0
    finally:
        for hall in halls:
            hall.close()


def test_hq_stopped_branches_keep_serving_then_hq_converges(network: Network) -> None:
    halls = drivers(network)
    try:
        run_branches(halls, steps=100)
        for hall in halls:
            network.wait_converged(hall.branch_id, 30)
        network.hq.stop("immediate")  # HQ lost mid-flight, not a tidy shutdown
        before = {hall.branch_id: hall.hall.last_seq for hall in halls}
        run_branches(halls, steps=600)
        assert [hall.refused for hall in halls] == [0, 0], "a branch refused commands while HQ was away"
        assert [hall.domain_refused for hall in halls] == [0, 0]
        for hall in halls:
            assert hall.hall.last_seq > before[hall.branch_id] + 400
            link = replication.LinkStatus("journal", hall.branch_id, True, False, None)
            import psycopg

            with psycopg.connect(hall.url, autocommit=True) as db:
                replication._slot_health(db, replication.journal_name(hall.branch_id), link)
            assert link.wal_retained and link.wal_retained > 0, "the slot should keep what HQ missed"
            assert link.wal_status in ("reserved", "extended")
        network.hq.start()
        for hall in halls:
            seconds = network.wait_converged(hall.branch_id, 90)
            print(
                f"\nbranch {hall.branch_id}: HQ caught up {hall.hall.last_seq - before[hall.branch_id]} events in {seconds:.1f} s"
            )
            here = replication.journal_digest(network.hq.url, hall.branch_id)
            there = replication.journal_digest(hall.url, hall.branch_id)
            assert (here.count, here.last_seq, here.sha256) == (there.count, there.last_seq, there.sha256)
    finally:
        for hall in halls:
            hall.close()


def test_wan_cut_of_one_branch_disturbs_neither_the_other_nor_hq(network: Network) -> None:
    halls = drivers(network)
    a, b = halls
    try:
        network.branches["a"].cut()
        with LagProbe(network.hq.url, ["b"]) as probe:
            run_branches(halls, steps=300, pace=0.003)
            network.wait_converged("b", 30)
        assert a.refused == b.refused == 0
        assert not network.converged("a"), "HQ cannot have branch a's events while its link is cut"
        lags = probe.lags(b)
        assert percentile(lags, 99) < 5.0
        links = replication.journal_links(network.hq.url)
        assert links["b"].connected and links["b"].lag_events == 0
        assert not links["a"].connected and not links["a"].publisher_reachable and links["a"].warnings
        network.branches["a"].restore()
        seconds = network.wait_converged("a", 60)
        print(f"\nbranch a: caught up after its WAN cut in {seconds:.1f} s")
        wait_until(
            lambda: replication.journal_links(network.hq.url)["a"].connected,
            30,
            "a reconnects",
        )
    finally:
        for hall in halls:
            hall.close()


def test_branch_server_down_disturbs_neither_the_other_nor_hq(network: Network) -> None:
    halls = drivers(network)
    a, b = halls
    try:
        a.run(50)
        network.wait_converged("a", 30)
        a.close()
        network.branches["a"].cluster.stop("immediate")
        with LagProbe(network.hq.url, ["b"]) as probe:
            b.run(300, pace=0.003)
            network.wait_converged("b", 30)
        assert b.refused == 0 and percentile(probe.lags(b), 99) < 5.0
        links = replication.journal_links(network.hq.url)
        assert links["b"].connected and not links["a"].publisher_reachable
        assert links["a"].local_last_seq == a.hall.last_seq  # HQ keeps what it had of branch a
        network.branches["a"].cluster.start()
        a2 = BranchDriver(network.branches["a"].url, "a")
        try:
            assert a2.hall.last_seq >= a.hall.last_seq  # the branch server restarted from its own journal
            a2.run(50)
            assert a2.refused == a2.domain_refused == 0
            network.wait_converged("a", 60)
        finally:
            a2.close()
    finally:
        b.close()


def test_a_lost_branch_server_is_restored_from_hq(network: Network, make_cluster) -> None:  # type: ignore[no-untyped-def]
    from tests.network.test_staff import accounts, store

    store(network.hq.url).add("nour", "password-1", "counter", branches=["a"])
    old = BranchDriver(network.branches["a"].url, "a")
    old.run(200)
    network.wait_converged("a", 30)
    lost_at = old.hall.last_seq
    old.close()
    network.branches["a"].cluster.destroy()  # the branch server's disk is gone

    lines = replication.remove_branch(network.hq.url, "a")
    assert lines[0] == "HQ no longer subscribes to branch a; its copy of the journal is kept"
    assert "unreachable" in lines[1]
    fresh = make_cluster("a-new")
    lines = replication.restore_branch(fresh.url, "a", network.hq.url)
    assert (
        lines[0]
        == f"restored {lost_at} events of branch a from HQ (last seq {lost_at}); the branch server resumes at seq {lost_at + 1}"
    )
    hall = BranchDriver(fresh.url, "a")  # the branch server starts on the restored journal
    try:
        assert hall.hall.last_seq == lost_at
        hall.run(100)
        assert hall.refused == hall.domain_refused == 0
        replication.init_branch(fresh.url, "a")
        replication.add_branch(network.hq.url, "a", fresh.url, replace_copy=True)
        replication.follow_hq(fresh.url, "a", network.hq.url)
        wait_until(lambda: network.converged_urls(fresh.url, "a"), 60, "HQ follows the restored branch")
        wait_until(lambda: "nour" in accounts(fresh.url), 60, "staff reach the restored branch")
        assert replication.journal_digest(network.hq.url, "a").last_seq == hall.hall.last_seq > lost_at
    finally:
        hall.close()
