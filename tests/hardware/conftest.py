"""Fixtures for the hardware tests: sample printouts, a fake network printer on loopback (the fake clock is
``server.testing.FakeClock``)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from hardware.printout import TicketPrintout, sample_printout


@pytest.fixture
def printout_ar() -> TicketPrintout:
    return sample_printout("ar")


@pytest.fixture
def printout_en() -> TicketPrintout:
    return sample_printout("en")


class FakeNetworkPrinter:
    """A loopback TCP server that behaves like an ESC/POS LAN printer: records every byte it receives and
    answers ``DLE EOT n`` with ``replies[n]`` (``None`` = stays silent, like a printer that cannot answer)."""

    def __init__(self, replies: dict[int, int | None]) -> None:
        self.replies = replies
        self.received = bytearray()
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(4)
        self.port = self.server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"network:127.0.0.1:{self.port}"

    def _serve(self) -> None:
        self.server.settimeout(0.05)
        while not self._stop.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(0.05)
                tail = b""
                while not self._stop.is_set():
                    try:
                        chunk = conn.recv(65536)
                    except TimeoutError:
                        continue
                    except OSError:
                        break
                    if not chunk:
                        break
                    self.received += chunk
                    data = tail + chunk
                    start = 0
                    while (at := data.find(b"\x10\x04", start)) >= 0 and at + 2 < len(data):
                        reply = self.replies.get(data[at + 2])
                        if reply is not None:
                            conn.sendall(bytes([reply]))
                        start = at + 3
                    tail = data[-2:]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.server.close()


@pytest.fixture
def network_printer() -> Iterator[type[FakeNetworkPrinter]]:
    made: list[FakeNetworkPrinter] = []

    class Factory(FakeNetworkPrinter):
        def __init__(self, replies: dict[int, int | None]) -> None:
            super().__init__(replies)
            made.append(self)

    yield Factory
    for printer in made:
        printer.close()
