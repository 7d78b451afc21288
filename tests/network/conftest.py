"""Fixtures of the network tests: private PostgreSQL clusters (branch A, branch B, HQ) on free loopback
ports, started per test and always destroyed, and the network between them set up by the real
``server.network`` commands, each link running through a ``LinkProxy`` that a test may cut."""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field

import pytest

from server.network import replication
from tests.network.clusters import PgCluster, available, drop_template, wait_until
from tests.network.proxy import LinkProxy


@pytest.fixture(scope="session")
def _clusters_possible() -> Iterator[None]:
    reason = available()
    if reason:
        if os.environ.get("DAWR_REQUIRE_NETWORK_TESTS"):
            pytest.fail(f"network tests required but impossible here: {reason}")
        pytest.skip(f"network tests need private PostgreSQL clusters: {reason}")
    yield
    drop_template()


@pytest.fixture
def make_cluster(_clusters_possible: None) -> Iterator[Callable[..., PgCluster]]:
    """make_cluster(name, **settings) -> a started private cluster, destroyed after the test."""
    made: list[PgCluster] = []

    def make(name: str, **settings: str) -> PgCluster:
        cluster = PgCluster(name, settings)
        made.append(cluster)
        cluster.start()
        return cluster

    yield make
    for cluster in made:
        cluster.destroy()


@dataclass
class Branch:
    branch_id: str
    cluster: PgCluster
    to_branch: LinkProxy  # HQ -> branch (HQ's journal subscription)
    to_hq: LinkProxy  # branch -> HQ (the branch's staff subscription)

    @property
    def url(self) -> str:
        return self.cluster.url

    def cut(self) -> None:
        self.to_branch.cut()
        self.to_hq.cut()

    def restore(self) -> None:
        self.to_branch.restore()
        self.to_hq.restore()


@dataclass
class Network:
    hq: PgCluster
    branches: dict[str, Branch] = field(default_factory=dict)

    def converged(self, branch_id: str) -> bool:
        branch = self.branches[branch_id]
        return replication.journal_digest(self.hq.url, branch_id) == replication.journal_digest(
            branch.url, branch_id
        )

    def converged_urls(self, branch_url: str, branch_id: str) -> bool:
        return replication.journal_digest(self.hq.url, branch_id) == replication.journal_digest(
            branch_url, branch_id
        )

    def wait_converged(self, branch_id: str, timeout: float) -> float:
        """Seconds until HQ's copy of the branch's journal equals the branch's (count, last seq, sha256)."""
        import time

        started = time.monotonic()
        wait_until(lambda: self.converged(branch_id), timeout, f"HQ's copy of branch {branch_id} converges")
        return time.monotonic() - started


def build_network(
    make_cluster: Callable[..., PgCluster],
    branch_ids: list[str],
    settings: dict[str, dict[str, str]] | None = None,
) -> Generator[Network, None, None]:
    hq = make_cluster("hq", **(settings or {}).get("hq", {}))
    network = Network(hq)
    proxies: list[LinkProxy] = []
    try:
        replication.init_hq(hq.url)
        hq_proxy_ports = {}
        for branch_id in branch_ids:
            cluster = make_cluster(branch_id, **(settings or {}).get(branch_id, {}))
            to_branch, to_hq = LinkProxy(cluster.port), LinkProxy(hq.port)
            proxies += [to_branch, to_hq]
            hq_proxy_ports[branch_id] = to_hq
            network.branches[branch_id] = Branch(branch_id, cluster, to_branch, to_hq)
            replication.init_branch(cluster.url, branch_id)
            replication.add_branch(hq.url, branch_id, to_branch.url())
            replication.follow_hq(cluster.url, branch_id, to_hq.url())
        for branch_id in branch_ids:
            wait_until(
                lambda b=branch_id: (
                    all(link.connected for link in replication.status(network.branches[b].url))
                    and replication.journal_links(hq.url)[b].connected
                ),
                60,
                f"links of branch {branch_id} up",
                interval=0.2,
            )
        yield network
    finally:
        for proxy in proxies:
            proxy.close()


@pytest.fixture
def network(make_cluster: Callable[..., PgCluster]) -> Iterator[Network]:
    """HQ with branches "a" and "b", each publishing its journal to HQ and following HQ's staff."""
    yield from build_network(make_cluster, ["a", "b"])
