"""Benchmark of the ministry network (not a test): 5 branches x 400 customers of a compressed day, each
branch on its own private PostgreSQL cluster publishing its journal to one HQ cluster by logical
replication (the real ``dawr network`` set-up), every link through a relay that can be cut.

    .venv/bin/python bench/bench_network.py [--branches 5] [--customers 400] [--pace 0.02]

The first half of each branch's customers are served with the links up: replication lag (branch commit ->
row at HQ) p50/p99 over every commit. Then every link is cut and the second half is served (several hours
of a real hall's traffic, more than the one-hour cut of the goal): WAL retained by each branch's slot at the
end of the cut. Then the links return: catch-up time until HQ's copy of every branch equals the branch's
journal (count, last seq, SHA-256). Refused commands at the branches are counted (must be 0).
HQ view update latency: the HQ live view (``dawr hq``, server/network/hq_view.py, its default 0.2 s poll of
HQ's journal) runs at HQ with a supervisor's feed open (``GET /feed``, server-sent events) during the
links-up half; for every commit at a branch, the time until a feed frame carrying that branch's seq was
received (event at a branch -> replication -> HQ's mirror -> feed delivered). Uses the private clusters
of tests/network.
"""

from __future__ import annotations

import argparse
import platform
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from server.network import replication
from tests.network.clusters import PG_BIN, PgCluster, available, drop_template, wait_until
from tests.network.hq_client import Feed, add_hq_staff, login, running_view, session_cookie
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

        add_hq_staff(hq.url)
        with running_view(hq.url, ids, interval=0.2) as view, FeedProbe(view.url, ids) as feed:
            with LagProbe(hq.url, ids) as probe:
                t0 = time.monotonic()
                run_branches(drivers, steps_half, args.pace)
                live_seconds = time.monotonic() - t0
                for branch_id in ids:
                    wait_until(
                        lambda b=branch_id: _same(hq.url, branch_urls[b], b), 60, f"{branch_id} live", 0.05
                    )
            wait_until(
                lambda: all(feed.newest(d.branch_id) >= d.hall.last_seq for d in drivers), 30, "feed", 0.05
            )
        lags = [lag for d in drivers for lag in probe.lags(d)]
        view_lags = [lag for d in drivers for lag in feed.lags(d)]
        commits = sum(len(d.commits) for d in drivers)
        print(
            f"links up: {commits} commits in {live_seconds:.1f} s ({commits / live_seconds:.0f}/s over "
            f"{len(ids)} branches); replication lag p50 {percentile(lags, 50) * 1000:.0f} ms, "
            f"p99 {percentile(lags, 99) * 1000:.0f} ms, max {max(lags) * 1000:.0f} ms"
        )
        print(
            f"HQ view update latency (event at a branch -> feed delivered, {len(view_lags)} commits, "
            f"{feed.frames} frames): p50 {percentile(view_lags, 50) * 1000:.0f} ms, "
            f"p99 {percentile(view_lags, 99) * 1000:.0f} ms, max {max(view_lags) * 1000:.0f} ms"
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


class FeedProbe:
    """A supervisor's ``GET /feed`` of the HQ view read in a thread: when each branch's seq first arrived."""

    def __init__(self, base: str, branches: list[str]) -> None:
        self.base = base
        self.seen: dict[str, list[tuple[int, float]]] = {b: [] for b in branches}
        self.frames = 0
        self.feed = Feed(base, session_cookie(login(base, "sup")))
        self.feed.next()  # the view is up and this feed is live
        self.started = time.monotonic()
        self._thread = threading.Thread(target=self._read, daemon=True)

    def __enter__(self) -> FeedProbe:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.feed.close()
        self._thread.join(timeout=10)

    def _read(self) -> None:
        try:
            while True:
                data = self.feed.next()
                self.frames += 1
                for branch in data["branches"]:
                    marks = self.seen.get(branch["id"])
                    if marks is not None and (not marks or branch["last_seq"] > marks[-1][0]):
                        marks.append((branch["last_seq"], self.feed.received_at))
        except (EOFError, OSError, ValueError):
            return

    def newest(self, branch_id: str) -> int:
        marks = self.seen[branch_id]
        return marks[-1][0] if marks else 0

    def lags(self, driver: BranchDriver) -> list[float]:
        marks = self.seen[driver.branch_id]
        out = []
        for seq, committed in driver.commits:
            if committed < self.started:
                continue  # committed before the feed was open
            arrived = next((t for s, t in marks if s >= seq), None)
            if arrived is not None:
                out.append(max(0.0, arrived - committed))
        return out


def _same(hq_url: str, branch_url: str, branch_id: str) -> bool:
    return replication.journal_digest(hq_url, branch_id) == replication.journal_digest(branch_url, branch_id)


if __name__ == "__main__":
    sys.exit(main())
