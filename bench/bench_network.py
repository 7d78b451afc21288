"""Benchmark of the ministry network (not a test): 5 branches x 400 customers of a compressed day, each
branch on its own private PostgreSQL cluster publishing its journal to one HQ cluster by logical
replication (the real ``dawr network`` set-up), every link through a relay that can be cut.

    .venv/bin/python bench/bench_network.py [--branches 5] [--customers 400] [--pace 0.02]

The first half of each branch's customers are served with the links up: replication lag (branch commit ->
row at HQ) p50/p99 over every commit. Then every link is cut and the second half is served (several hours
of a real hall's traffic, more than the one-hour cut of the goal): WAL retained by each branch's slot at the
end of the cut. Then the links return: catch-up time until HQ's copy of every branch equals the branch's
journal (count, last seq, SHA-256). Refused commands at the branches are counted (must be 0). The HQ live
view is not built yet, so its update latency is not measured. Uses the private clusters of tests/network.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from server.network import replication
from tests.network.clusters import PG_BIN, PgCluster, available, drop_template, wait_until
from tests.network.proxy import LinkProxy
from tests.network.workload import BranchDriver, LagProbe, percentile, run_branches

BRANCH_IDS = ["seef", "jidali", "danat", "moayyed", "muharraq", "riffa", "isa_town", "hidd"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=5)
    parser.add_argument("--customers", type=int, default=400, help="customers per branch in the day")
    parser.add_argument("--pace", type=float, default=0.02, help="seconds between a branch's commands")
    parser.add_argument(
        "--durable", action="store_true", help="fsync=on in every cluster (the test clusters run fsync=off)"
    )
    args = parser.parse_args()
    reason = available()
    if reason:
        print(f"cannot run: {reason}")
        return 2
    ids = BRANCH_IDS[: args.branches]
    clusters: list[PgCluster] = []
    proxies: list[LinkProxy] = []
    drivers: list[BranchDriver] = []
    try:
        started = time.monotonic()
        settings = {"fsync": "on"} if args.durable else {}
        print(f"clusters: PostgreSQL from {PG_BIN}, fsync={'on' if args.durable else 'off'}")
        hq = PgCluster("hq", settings)
        clusters.append(hq)
        hq.start()
        replication.init_hq(hq.url)
        branch_urls = {}
        links = {}
        for branch_id in ids:
            cluster = PgCluster(branch_id, settings)
            clusters.append(cluster)
            cluster.start()
            to_branch, to_hq = LinkProxy(cluster.port), LinkProxy(hq.port)
            proxies += [to_branch, to_hq]
            links[branch_id] = (to_branch, to_hq)
            replication.init_branch(cluster.url, branch_id)
            replication.add_branch(hq.url, branch_id, to_branch.url())
            replication.follow_hq(cluster.url, branch_id, to_hq.url())
            branch_urls[branch_id] = cluster.url
        wait_until(
            lambda: sum(link.connected for link in replication.journal_links(hq.url).values()) == len(ids),
            120,
            "links",
            0.5,
        )
        print(f"set-up of {len(ids)} branches + HQ: {time.monotonic() - started:.1f} s")
        drivers = [BranchDriver(branch_urls[b], b, issue_every=4) for b in ids]
        steps_half = args.customers * 4 // 2

        with LagProbe(hq.url, ids) as probe:
            t0 = time.monotonic()
            run_branches(drivers, steps_half, args.pace)
            live_seconds = time.monotonic() - t0
            for branch_id in ids:
                wait_until(
                    lambda b=branch_id: _same(hq.url, branch_urls[b], b), 60, f"{branch_id} live", 0.05
                )
        lags = [lag for d in drivers for lag in probe.lags(d)]
        commits = sum(len(d.commits) for d in drivers)
        print(
            f"links up: {commits} commits in {live_seconds:.1f} s ({commits / live_seconds:.0f}/s over "
            f"{len(ids)} branches); replication lag p50 {percentile(lags, 50) * 1000:.0f} ms, "
            f"p99 {percentile(lags, 99) * 1000:.0f} ms, max {max(lags) * 1000:.0f} ms"
        )

        for to_branch, to_hq in links.values():
            to_branch.cut()
            to_hq.cut()
        before = {d.branch_id: len(d.commits) for d in drivers}
        t0 = time.monotonic()
        run_branches(drivers, args.customers * 4 - steps_half, args.pace)
        cut_seconds = time.monotonic() - t0
        missed = {d.branch_id: len(d.commits) - before[d.branch_id] for d in drivers}
        retained = {}
        for branch_id in ids:
            with psycopg.connect(branch_urls[branch_id], autocommit=True) as db:
                row = db.execute(
                    "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) FROM pg_replication_slots "
                    "WHERE slot_name = %s",
                    (replication.journal_name(branch_id),),
                ).fetchone()
            retained[branch_id] = int(row[0]) if row and row[0] is not None else -1
        print(
            f"links cut for {cut_seconds:.1f} s: {sum(missed.values())} commits made meanwhile "
            f"({', '.join(f'{b} {n}' for b, n in missed.items())}); refused commands: "
            f"{sum(d.refused for d in drivers)} (engine refusals {sum(d.domain_refused for d in drivers)})"
        )
        print(
            "WAL retained per branch slot at the end of the cut: "
            + ", ".join(f"{b} {replication.size_text(n)}" for b, n in retained.items())
            + f" (per missed commit about {sum(retained.values()) / max(1, sum(missed.values())) / 1024:.1f} kB)"
        )
        t0 = time.monotonic()
        for to_branch, to_hq in links.values():
            to_branch.restore()
            to_hq.restore()
        caught = {}
        for branch_id in ids:
            wait_until(
                lambda b=branch_id: _same(hq.url, branch_urls[b], b), 120, f"{branch_id} catch-up", 0.05
            )
            caught[branch_id] = time.monotonic() - t0
        print(
            f"catch-up after the cut (links restored -> HQ identical to every branch): "
            f"{max(caught.values()):.1f} s ({', '.join(f'{b} {s:.1f} s' for b, s in caught.items())})"
        )
        total = sum(replication.journal_digest(hq.url, b).count for b in ids)
        print(f"HQ holds {total} events of {len(ids)} branches, identical (count, last seq, sha256) to each")
        for link in replication.status(hq.url):
            print("  " + replication.describe(link))
        print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}")
        return 0
    finally:
        for driver in drivers:
            driver.close()
        for proxy in proxies:
            proxy.close()
        for cluster in clusters:
            cluster.destroy()
        drop_template()


def _same(hq_url: str, branch_url: str, branch_id: str) -> bool:
    return replication.journal_digest(hq_url, branch_id) == replication.journal_digest(branch_url, branch_id)


if __name__ == "__main__":
    sys.exit(main())
