"""Kiosk test fixtures: the real hall server on loopback (stoppable and restartable on the same port and
database), and a kiosk wired to it with a recording printer and a fake scanner."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hardware.printing import PrinterStatus, PrintService, RecordingPrinter
from hardware.scanner import FakeScanner
from kiosk.app import Kiosk, build_kiosk
from kiosk.settings import KioskSettings
from kiosk.state import Screen
from qtkit.client import DeviceLogin, HallClient
from server.core.appointments import sign_booking_qr
from server.core.config import BranchConfig, load_default_config
from server.net.app import HallServer
from server.net.ws import HallEndpoint, serve_hall
from server.store.journal import Journal
from server.store.staff import StaffStore
from server.testing import DEFAULT_DEVICES, TEST_QR_SECRET, FakeClock, SyncClient, with_devices

ADMIN_PASSWORD = "adam-test-password"


class Hall:
    """The real server in a background thread. ``stop()`` and ``start()`` again keep the port, the
    database (so the journal survives, as after a real restart), the config and the device tokens."""

    def __init__(self, folder: Path, config: BranchConfig | None = None) -> None:
        self.config, self.tokens = with_devices(config or load_default_config(), DEFAULT_DEVICES)
        self.clock = FakeClock()
        self.db_url = f"sqlite:///{folder / 'hall.db'}"
        self.port = 0
        self.server: HallServer | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def start(self) -> Hall:
        """Start serving (on the same port as before, if it ran before); returns once it listens."""
        self._ready.clear()
        self._error = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._main, daemon=True, name="kiosk-test-hall")
        self._thread.start()
        if not self._ready.wait(20) or self._error is not None:
            raise RuntimeError(f"the hall server did not start: {self._error!r}")
        return self

    def _main(self) -> None:
        assert self._loop is not None
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        except BaseException as error:
            self._error = error
            self._ready.set()
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        journal = await asyncio.to_thread(Journal.open, self.db_url)
        store = StaffStore(journal.engine, scrypt_n=2**12)
        if store.account("adam") is None:
            await asyncio.to_thread(store.add, "adam", ADMIN_PASSWORD, "admin", "Adam")
        self.server = HallServer(self.config, journal, store, TEST_QR_SECRET, self.clock)
        endpoint: HallEndpoint = await serve_hall(self.server, "127.0.0.1", self.port, tick_seconds=0.05)
        self.port = endpoint.port
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await endpoint.stop()
            journal.close()

    def stop(self) -> None:
        """Stop the server (every connection is closed) and wait until it is down."""
        if (
            self._loop is not None
            and self._stop is not None
            and self._thread is not None
            and self._thread.is_alive()
        ):
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(20)

    def run(self, work: Callable[[HallServer], Any]) -> Any:
        """Run ``work(server)`` on the server's loop (so it reads the engine between commands)."""
        assert self._loop is not None and self.server is not None
        server = self.server

        async def call() -> Any:
            async with server.lock:
                return work(server)

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(10)

    def tickets(self) -> list[Any]:
        """Today's tickets in the server, in issue order."""
        return self.run(lambda s: sorted(s.engine.tickets.values(), key=lambda t: t.seq))

    def device(self, device_id: str = "kiosk-1") -> dict[str, Any]:
        """What supervisors see of a device (connected, health, detail)."""
        return self.run(lambda s: dict(s.devices[device_id]))

    def import_bookings(self, rows: list[tuple[str, str, str, str, datetime]]) -> None:
        """Import bookings (reference, national id, service, branch, slot) through the admin protocol."""
        zone = self.config.zone
        lines = ["reference,national_id,name,phone,service,branch,slot"]
        for reference, national_id, service, branch, slot in rows:
            lines.append(
                f"{reference},{national_id},Citizen,36000000,{service},{branch},"
                f"{slot.astimezone(zone):%Y-%m-%d %H:%M}"
            )
        with SyncClient(self.url) as admin:
            assert admin.login("adam", ADMIN_PASSWORD)["type"] == "result"
            reply = admin.request("import_appointments", csv="\n".join(lines) + "\n")
            assert reply["type"] == "result", reply

    def qr(self, reference: str, slot: datetime, branch: str | None = None) -> str:
        """The booking QR payload a citizen would scan."""
        day = slot.astimezone(self.config.zone).date()
        return sign_booking_qr(TEST_QR_SECRET, branch or self.config.branch.id, reference, day)

    def local(self, hours: int, minutes: int = 0, days: int = 0) -> datetime:
        """A time on the fake clock's local day (Bahrain)."""
        now = self.clock().astimezone(self.config.zone)
        return now.replace(hour=hours, minute=minutes, second=0, microsecond=0) + timedelta(days=days)


@pytest.fixture
def hall_factory(tmp_path: Path) -> Iterator[Callable[..., Hall]]:
    """Start a hall server (``hall_factory(config=None)``); all are stopped after the test."""
    made: list[Hall] = []

    def make(config: BranchConfig | None = None) -> Hall:
        hall = Hall(tmp_path / f"hall{len(made)}", config)
        (tmp_path / f"hall{len(made)}").mkdir()
        made.append(hall)
        return hall.start()

    yield make
    for hall in made:
        hall.stop()


@pytest.fixture
def hall(hall_factory: Callable[..., Hall]) -> Hall:
    """The shipped ministry hall, open (Sunday 09:00 on the fake clock)."""
    return hall_factory()


class KioskRig:
    """A kiosk under test: ``kiosk`` (state, controller, window), ``printer`` (RecordingPrinter),
    ``scanner`` (FakeScanner), ``client``; ``tap(name)`` clicks a button of the current screen."""

    def __init__(
        self, kiosk: Kiosk, printer: RecordingPrinter, scanner: FakeScanner, client: HallClient
    ) -> None:
        self.kiosk, self.printer, self.scanner, self.client = kiosk, printer, scanner, client
        self.state = kiosk.state
        self.controller = kiosk.controller
        self.window = kiosk.window

    def tap(self, name: str) -> None:
        from PySide6.QtWidgets import QAbstractButton

        widget = self.window.find(name)
        assert isinstance(widget, QAbstractButton), f"no button {name!r} on {self.state.screen.value}"
        assert widget.isEnabled(), f"button {name!r} is disabled"
        widget.click()

    def text(self, name: str) -> str:
        from PySide6.QtWidgets import QLabel

        widget = self.window.find(name)
        assert isinstance(widget, QLabel), f"no label {name!r} on {self.state.screen.value}"
        return widget.text()

    def type(self, text: str) -> None:
        for char in text:
            self.tap(f"key:{char}")


@pytest.fixture
def kiosk_factory(qtbot: Any) -> Iterator[Callable[..., KioskRig]]:
    """Build kiosks connected to a hall (``kiosk_factory(hall, statuses=None, **settings)``); each waits
    until it shows its resting screen. All are stopped after the test."""
    rigs: list[KioskRig] = []

    def make(
        hall: Hall, statuses: list[PrinterStatus] | None = None, device: str = "kiosk-1", **overrides: Any
    ) -> KioskRig:
        settings = KioskSettings(
            server=hall.url, token=hall.tokens[device], request_timeout_seconds=3.0, admin_pin="2468"
        ).merged(**overrides)
        printer = RecordingPrinter(statuses=statuses)
        scanner = FakeScanner()
        client = HallClient(
            [hall.url], DeviceLogin(settings.token), backoff_start=0.05, backoff_max=0.2, ping_seconds=30
        )
        kiosk = build_kiosk(
            settings, client=client, printer=PrintService(printer, timeout=5), scanner=scanner
        )
        qtbot.addWidget(kiosk.window)
        kiosk.window.setFixedSize(1920, 1080)
        kiosk.start()
        rig = KioskRig(kiosk, printer, scanner, client)
        rigs.append(rig)
        qtbot.waitUntil(lambda: rig.state.screen in (Screen.HOME, Screen.CLOSED), timeout=10_000)
        return rig

    yield make
    for rig in rigs:
        rig.client.drop_connection()  # abort: no close handshake to wait for without an event loop
        rig.kiosk.stop()
