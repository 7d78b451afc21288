"""Kiosk test fixtures: the real hall server on loopback (``server.testing.ServerThread``: stoppable and
restartable on the same port and database), and a kiosk wired to it with a recording printer and a fake
scanner."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any, TypeVar

import pytest

from hardware.printing import PrinterStatus, PrintService, RecordingPrinter
from hardware.scanner import FakeScanner
from kiosk.app import Kiosk, build_kiosk
from kiosk.settings import KioskSettings
from kiosk.state import Screen
from qtkit.client import DeviceLogin, HallClient
from server.core.appointments import sign_booking_qr
from server.core.config import BranchConfig, load_default_config
from server.core.engine import Ticket
from server.net.app import HallServer
from server.protocol.payloads import DeviceInfo
from server.testing import TEST_QR_SECRET, ServerThread, SyncClient

ADMIN_PASSWORD = "adam-test-password"
T = TypeVar("T")


class Hall(ServerThread):
    """The real server in a background thread (``ServerThread``): ``stop()`` and ``start()`` again keep
    the port, the database (so the journal survives, as after a real restart), the config, the device
    tokens and the fake clock. Adds what the kiosk tests ask of the hall."""

    def __init__(self, config: BranchConfig | None = None) -> None:
        super().__init__(config=config or load_default_config(), passwords={"adam": ADMIN_PASSWORD})

    @property
    def config(self) -> BranchConfig:
        """The branch configuration the server runs (with the test devices)."""
        config: BranchConfig = self.kwargs["config"]
        return config

    @property
    def tokens(self) -> dict[str, str]:
        """Device id -> its token (``kiosk-1``, ``kiosk-2``, ``board-1``)."""
        tokens: dict[str, str] = self.kwargs["device_tokens"]
        return tokens

    def read(self, work: Callable[[HallServer], T]) -> T:
        """``work(server)`` between commands (the hall lock held); returns its result."""
        return self.call(work, timeout=10)

    def tickets(self) -> list[Ticket]:
        """Today's tickets in the server, in issue order."""
        return self.read(lambda s: sorted(s.engine.tickets.values(), key=lambda t: t.seq))

    def device(self, device_id: str = "kiosk-1") -> DeviceInfo:
        """What supervisors see of a device (connected, health, detail)."""
        return self.read(lambda s: s.devices[device_id])

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
def hall_factory() -> Iterator[Callable[..., Hall]]:
    """Start a hall server (``hall_factory(config=None)``); all are stopped after the test."""
    made: list[Hall] = []

    def make(config: BranchConfig | None = None) -> Hall:
        hall = Hall(config)
        made.append(hall)
        hall.start()
        return hall

    yield make
    for hall in made:
        hall.close()


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

        widget = self.window.named(name)
        assert isinstance(widget, QAbstractButton), f"no button {name!r} on {self.state.screen.value}"
        assert widget.isEnabled(), f"button {name!r} is disabled"
        widget.click()

    def text(self, name: str) -> str:
        from PySide6.QtWidgets import QLabel

        widget = self.window.named(name)
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
