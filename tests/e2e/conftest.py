"""A real hall for end-to-end tests: the server as its own process on 127.0.0.1, prepared like the demo."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from server.cli.demo import DemoHall, Processes, prepare_hall, start_server
from server.store.journal import utc_now


@pytest.fixture
def hall_process(tmp_path: Path) -> Iterator[tuple[DemoHall, Processes]]:
    """A prepared hall (devices, staff, today's bookings with signed QR codes) served by a server process."""
    hall = prepare_hall(tmp_path / "hall", utc_now())
    processes = Processes()
    try:
        start_server(hall, processes)
        yield hall, processes
    finally:
        processes.stop()
