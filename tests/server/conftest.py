"""Fixtures for the hall server tests: a real server on a loopback port (fresh per test or per module)."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import pytest

from server.testing import ServerThread, SyncClient, TestHall

POSTGRES_URL = os.environ.get("DAWR_TEST_POSTGRES_URL", "")


@pytest.fixture
def runner() -> Iterator[ServerThread]:
    """A fresh server (temp SQLite, fake clock at an open hour) for one test."""
    thread = ServerThread()
    thread.start()
    yield thread
    thread.stop()


@pytest.fixture
def hall(runner: ServerThread) -> TestHall:
    assert runner.hall is not None
    return runner.hall


@pytest.fixture
def connect(hall: TestHall) -> Iterator[object]:
    """``connect()`` opens a SyncClient to the test's server; all are closed afterwards."""
    opened: list[SyncClient] = []

    def open_client() -> SyncClient:
        client = SyncClient(hall.url)
        opened.append(client)
        return client

    yield open_client
    for client in opened:
        with contextlib.suppress(Exception):
            client.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a schema of its own, dropped afterwards."""
    if not POSTGRES_URL:
        pytest.skip("DAWR_TEST_POSTGRES_URL is not set: PostgreSQL tests skipped")
    from sqlalchemy import create_engine, text

    schema = f"dawr_srv_{uuid.uuid4().hex[:12]}"
    admin_url = POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(admin_url)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()
