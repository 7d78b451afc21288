"""Putting a kiosk together from its settings: the devices, the client, the controller and the window.

``build_kiosk(settings)`` opens the printer and scanner named by URL and returns a ``Kiosk`` (controller,
window, devices) ready for ``start()``; ``run_kiosk(settings)`` does that inside a ``QApplication`` and
runs the event loop until the administrator closes the program. Device URLs:

* printer: any ``hardware.printing`` URL (``virtual:DIR``, ``usb:VID:PID``, ``network:HOST``, ``serial:…``,
  ``file:…``); none means "no printer" (every ticket is shown on screen only).
* scanner: ``serial:/dev/ttyACM0?baud=9600``, ``keyboard`` (a keyboard-wedge scanner), ``camera`` or
  ``none``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import parse_qs, urlparse

from PySide6.QtCore import QObject

from hardware.printing import PrintService, open_printer
from hardware.scanner import CameraScanner, KeyboardWedgeScanner, Scanner, SerialScanner
from qtkit.client import DeviceLogin, HallClient

from .controller import KioskController
from .settings import KioskConfigError, KioskSettings
from .state import KioskState
from .widgets import KioskWindow

log = logging.getLogger("dawr.kiosk")


@dataclass
class Kiosk:
    """A built kiosk: ``start()`` connects and shows the window."""

    settings: KioskSettings
    state: KioskState
    controller: KioskController
    window: KioskWindow

    def start(self) -> None:
        """Show the window (fullscreen in lockdown) and connect."""
        if self.settings.fullscreen:
            from PySide6.QtCore import Qt

            self.window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
            self.window.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, True)
            self.window.showFullScreen()
        else:
            self.window.show()
        self.controller.start()

    def stop(self) -> None:
        """Disconnect and release the devices."""
        self.controller.stop()


def branch_hours(settings: KioskSettings) -> dict[str, dict[str, str]]:
    """Opening hours per branch id for the closed screen (the server's snapshot does not carry them):
    from ``branch_config`` if set, else the shipped default hall."""
    from server.core.config import default_config_path, load_branch_config

    path = settings.branch_config or default_config_path()
    try:
        config = load_branch_config(path)
    except Exception as error:
        if settings.branch_config:
            raise KioskConfigError(str(error).splitlines()[0]) from None
        return {}
    return {config.branch.id: dict(config.branch.hours)}


def open_scanner(url: str | None, target: QObject) -> Scanner | None:
    """The scanner for a URL (see the module docstring); raises KioskConfigError on a bad one."""
    if not url or url == "none":
        return None
    if url == "keyboard":
        return KeyboardWedgeScanner(target)
    if url == "camera":
        return CameraScanner()
    parsed = urlparse(url)
    if parsed.scheme == "serial" and (parsed.path or parsed.netloc):
        query = parse_qs(parsed.query)
        try:
            baud = int(query.get("baud", ["9600"])[0])
        except ValueError:
            raise KioskConfigError(f"scanner: {url!r}: baud must be a number") from None
        port = (parsed.netloc + parsed.path) if parsed.netloc else parsed.path
        prefix = query.get("prefix", [None])[0]
        return SerialScanner(port, baud, prefix=prefix)
    raise KioskConfigError(
        f"scanner: {url!r} is not one of serial:/dev/ttyACM0?baud=9600, keyboard, camera, none"
    )


def build_kiosk(
    settings: KioskSettings,
    *,
    client: HallClient | None = None,
    printer: PrintService | None = None,
    scanner: Scanner | None = None,
) -> Kiosk:
    """Build a kiosk; devices not passed in are opened from the settings' URLs (needs a QApplication)."""
    if printer is None and settings.printer:
        try:
            printer = PrintService(open_printer(settings.printer, settings.printer_profile))
        except ValueError as error:
            raise KioskConfigError(f"printer: {error}") from None
    state = KioskState(settings)
    state.hours_fallback = branch_hours(settings)
    if client is None:
        client = HallClient([settings.server], DeviceLogin(settings.token), ping_seconds=10.0)
    controller = KioskController(settings, state, client, printer, None)
    window = KioskWindow(controller)
    if scanner is None:
        scanner = open_scanner(settings.scanner, window)
    if scanner is not None:
        controller.attach_scanner(scanner)
    return Kiosk(settings, state, controller, window)


def run_kiosk(settings: KioskSettings) -> int:
    """Run the kiosk until the administrator closes it; returns the exit code."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(["dawr-kiosk"])
    kiosk = build_kiosk(settings)

    def quit_now() -> None:
        kiosk.window.allow_close = True
        kiosk.stop()
        app.quit()

    kiosk.controller.quitRequested.connect(quit_now)
    kiosk.start()
    code = app.exec()
    kiosk.stop()
    return int(code)
