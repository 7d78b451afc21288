"""Fixtures of the fault tests: a private PostgreSQL cluster (never the machine's shared one on 5432)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.helpers import PG_BIN, PrivatePostgres


@pytest.fixture(scope="session")
def private_postgres() -> Iterator[PrivatePostgres]:
    """A throw-away PostgreSQL 15 cluster on a free loopback port, for tests that stop and restart it."""
    if not (PG_BIN / "initdb").exists() or shutil.which("runuser") is None:
        pytest.skip("needs PostgreSQL 15 binaries in /usr/lib/postgresql/15/bin and runuser")
    folder = Path(tempfile.mkdtemp(prefix="dawr-pg-"))
    cluster = PrivatePostgres(folder)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop("fast")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def live_postgres(private_postgres: PrivatePostgres) -> PrivatePostgres:
    """The private cluster, started if an earlier test left it stopped."""
    if not private_postgres.running():
        private_postgres.start()
    return private_postgres
