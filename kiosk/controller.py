"""The Qt glue of the kiosk: feeds ``KioskState`` from the server client, the printer, the scanner and the
timers, and carries out the effects it returns.

``KioskController(settings, state, client, printer, scanner)`` takes every dependency through its
constructor (tests pass a real ``HallClient`` to a loopback server, a ``PrintService`` over a
``RecordingPrinter`` and a ``FakeScanner``). ``start()`` connects. Widgets call ``perform(name, *args)``
for every tap; ``changed`` fires after every state change and ``screenChanged(str)`` when the screen
differs, so tests wait with ``qtbot.waitSignal(controller.screenChanged, check_params_cb=...)``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from hardware.printing import PrintResult, PrintService
from hardware.printout import AppointmentDetails, TicketPrintout
from hardware.scanner import Scanner
from qtkit.client import DISCONNECTED, READY, HallClient, PendingReply, Push
from qtkit.server_clock import ServerClock, parse_time
from server.i18n import both
from server.protocol import messages as p
from server.protocol import payloads as pl

from .settings import KioskSettings
from .state import Effect, KioskState, Print, Quit, ReportHealth, Screen, Send

log = logging.getLogger("dawr.kiosk")

NOW_METHODS = frozenset({"tap_service", "submit_keypad", "scan", "admin_tap", "submit_pin"})
"""State methods that take the monotonic time as their ``now`` argument (given by the controller)."""
PRINTER_POLL_MS = 60_000


class KioskController(QObject):
    """Runs one kiosk (see the module docstring)."""

    changed = Signal()
    screenChanged = Signal(str)
    quitRequested = Signal()
    healthReported = Signal(dict)

    def __init__(
        self,
        settings: KioskSettings,
        state: KioskState,
        client: HallClient | None,
        printer: PrintService | None = None,
        scanner: Scanner | None = None,
        clock: ServerClock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.state = state
        self.client = client
        self.printer = printer
        self.scanner = scanner
        self.clock = clock or ServerClock(monotonic)
        self.monotonic = monotonic
        self.state.has_printer = printer is not None
        self._last_screen = state.screen
        self._inflight: dict[str, PendingReply] = {}
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(self._on_idle)
        self._request_timer = QTimer(self)
        self._request_timer.setSingleShot(True)
        self._request_timer.timeout.connect(self._on_request_timeout)
        self._printer_poll = QTimer(self)
        self._printer_poll.timeout.connect(self._poll_printer)
        if client is not None:
            client.loggedIn.connect(self._on_logged_in)
            client.stateChanged.connect(self._on_client_state)
            client.snapshotReceived.connect(self._on_snapshot)
            client.pushReceived.connect(self._on_push)
            client.loginFailed.connect(self._on_login_failed)
        if printer is not None:
            printer.finished.connect(self._on_printed)
            printer.statusChanged.connect(lambda status: self._apply(self.state.printer_changed(status)))
        if scanner is not None:
            self.attach_scanner(scanner)

    def attach_scanner(self, scanner: Scanner) -> None:
        """Use ``scanner``: each scanned code goes to ``state.scan``, its state changes are reported."""
        self.scanner = scanner
        scanner.scanned.connect(lambda text: self.perform("scan", text))
        scanner.stateChanged.connect(lambda status: self._apply(self.state.scanner_changed(status)))

    # ------------------------------------------------------------------------------------- control
    def start(self) -> None:
        """Connect to the server, start the scanner and poll the printer; returns at once."""
        if self.scanner is not None:
            self.scanner.start()
        if self.printer is not None:
            self.printer.refresh_status()
        self._printer_poll.start(PRINTER_POLL_MS)
        if self.client is not None:
            self.client.start()

    def stop(self) -> None:
        """Disconnect and release the devices."""
        self._idle.stop()
        self._request_timer.stop()
        self._printer_poll.stop()
        if self.client is not None:
            self.client.stop()
        if self.scanner is not None:
            self.scanner.stop()
        if self.printer is not None:
            self.printer.close()

    def server_now(self) -> datetime:
        """The server's time now (UTC), as learnt from its messages."""
        return self.clock.now()

    def status_url(self, ticket: pl.TicketInfo) -> str:
        """The citizen's status page for ``ticket`` (what its QR code opens)."""
        if ticket.status_url:
            return ticket.status_url
        path = ticket.status_path
        base = self.settings.http_base()
        return f"{base}{path}" if path else (base + "/" if base else "")

    # ---------------------------------------------------------------------------------------- input
    def perform(self, name: str, *args: Any) -> None:
        """A tap (or scan): call ``state.<name>(*args)``, carry out its effects, re-arm the idle timer."""
        method = getattr(self.state, name)
        effects = method(*args, now=self.monotonic()) if name in NOW_METHODS else method(*args)
        self._apply(effects, touched=True)

    def touched(self) -> None:
        """Someone touched the screen: the idle countdown starts again."""
        self._arm_idle()

    # ------------------------------------------------------------------------------------- effects
    def _apply(self, effects: list[Effect], touched: bool = False) -> None:
        for effect in effects:
            if isinstance(effect, Send):
                self._send(effect)
            elif isinstance(effect, Print):
                self._print(effect)
            elif isinstance(effect, ReportHealth):
                self._report(effect)
            elif isinstance(effect, Quit):
                self.quitRequested.emit()
        screen_changed = self.state.screen is not self._last_screen
        self._last_screen = self.state.screen
        if screen_changed or touched:
            self._arm_idle()
        self.changed.emit()
        if screen_changed:
            self.screenChanged.emit(self.state.screen.value)

    def _send(self, effect: Send) -> None:
        if self.client is None:
            return
        message = dict(effect.message)
        kind = message.pop("type")
        reply = self.client.request(kind, **message)
        self._inflight[effect.key] = reply
        reply.finished.connect(lambda r, key=effect.key: self._on_reply(key, r))
        self._request_timer.start(int(self.settings.request_timeout_seconds * 1000))

    def _on_reply(self, key: str, reply: PendingReply) -> None:
        if self._inflight.get(key) is reply:
            del self._inflight[key]
        if self.state.pending is None or self.state.pending.key != key:
            return
        self._request_timer.stop()
        if reply.ok:
            self._apply(self.state.reply(key, reply.payload(pl.TicketReply)))
            return
        if self.state.should_retry(reply.code):
            QTimer.singleShot(1000, lambda: self._apply(self.state.retry_pending()))
        self._apply(self.state.refused(key, reply.code, reply.details, reply.message_en, reply.message_ar))

    def _on_request_timeout(self) -> None:
        if self.client is not None and self.client.state == READY and self.state.pending is not None:
            log.warning(
                "request %s had no reply in %.1f s; sending it again with the same key",
                self.state.pending.key,
                self.settings.request_timeout_seconds,
            )
            self._apply(self.state.retry_pending())

    def _print(self, effect: Print) -> None:
        if self.printer is None:
            return
        self.printer.submit(self.printout(effect.ticket, effect.lang))

    def printout(self, ticket: pl.TicketInfo, lang: str) -> TicketPrintout:
        """The printed ticket for a server ``TicketInfo`` (both languages, ``lang`` first)."""
        branch = self.state.branch
        wait = ticket.wait_minutes
        issued = parse_time(ticket.issued_at) or self.server_now()
        appointment = None
        reference = self._booking_reference()
        slot = parse_time(ticket.slot)
        if reference and slot is not None and ticket.kind == "appointment":
            appointment = AppointmentDetails(reference, slot)
        hotline = branch.hotline or "80008001"
        return TicketPrintout(
            ticket_number=ticket.number,
            branch_name_ar=branch.name_ar,
            branch_name_en=branch.name_en,
            service_name_ar=ticket.service_ar,
            service_name_en=ticket.service_en,
            people_ahead=max(0, ticket.people_ahead),
            estimated_wait_minutes=None if wait is None else max(0, round(wait)),
            issued_at=issued,
            status_url=self.status_url(ticket) or f"tel:{hotline}",
            time_zone=branch.timezone,
            appointment=appointment,
            header_lines=both("common", "country.name"),
            footer_lines=both("common", "ticket.hotline_line", hotline=hotline),
            primary_language="en" if lang == "en" else "ar",
            digits="arabic-indic" if branch.digits == "arabic-indic" else "western",
        )

    def _booking_reference(self) -> str:
        request = self.state.ticket_request
        if request.get("reference"):
            return str(request["reference"]).upper()
        payload = str(request.get("qr_payload") or "")
        parts = payload.split(":")
        return parts[2] if len(parts) == 5 and parts[0] == "DAWR1" else ""

    def _on_printed(self, result: PrintResult) -> None:
        if not result.ok:
            log.warning("ticket %s not printed: %s", result.ticket_number, result.error)
        self._apply(self.state.print_finished(result.ok, result.status_after.value, result.error or ""))

    def _report(self, effect: ReportHealth) -> None:
        fields: dict[str, Any] = {"detail": effect.detail[:200]}
        if effect.printer is not None:
            fields["printer"] = effect.printer
        if effect.scanner is not None:
            fields["scanner"] = effect.scanner
        self.healthReported.emit(dict(fields))
        if self.client is not None and self.client.state == READY:
            self.client.request("device_health", **fields)

    def _poll_printer(self) -> None:
        if self.printer is not None:
            self.printer.refresh_status()
        self.refresh_services()

    # -------------------------------------------------------------------------------------- server
    def _on_logged_in(self, login: pl.LoginDeviceReply | pl.LoginReply) -> None:
        log.info(
            "logged in as %s", login.device_id if isinstance(login, pl.LoginDeviceReply) else login.username
        )

    def _on_snapshot(self, snapshot: p.Snapshot) -> None:
        if not isinstance(snapshot, p.KioskSnapshot):
            log.error("the server sent a %s snapshot to this kiosk; ignored", snapshot.role)
            return
        self.clock.observe(snapshot.data.now)
        effects = self.state.snapshot(snapshot.data)
        if not self.state.connected:
            effects += self.state.connection_up()
        self._apply(effects)

    def _on_push(self, push: Push) -> None:
        if isinstance(push, p.QueueStatus):
            self._apply(self.state.queue_status(push.open, push.services))
        elif isinstance(push, p.EventPush):
            self.clock.observe(push.event.at, forward_only=True)
            if push.event.type == "day_started":
                self.refresh_services()

    def refresh_services(self) -> None:
        """Ask the server for the services and whether the branch is open now (``list_services``). Done on
        a new day and every minute, so opening and closing never depend on one push alone."""
        if self.client is None or self.client.state != READY:
            return
        reply = self.client.request("list_services")

        def done(r: PendingReply) -> None:
            if r.ok:
                status = r.payload(pl.ServicesReply)
                self._apply(self.state.queue_status(status.open, status.services))

        reply.finished.connect(done)

    def _on_client_state(self, status: str) -> None:
        down = status in (DISCONNECTED, "stopped") or (status == "connecting" and self.state.connected)
        if down and (self.state.connected or self.state.screen is Screen.STARTING):
            self._request_timer.stop()
            self._apply(self.state.connection_down(self.monotonic()))

    def _on_login_failed(self, code: str, message: str) -> None:
        log.error("the server refused this kiosk's device token (%s): %s", code, message)
        self._apply(self.state.connection_down(self.monotonic()))

    # --------------------------------------------------------------------------------------- idle
    def _arm_idle(self) -> None:
        timeout = self.state.idle_timeout()
        if timeout is None:
            self._idle.stop()
        else:
            self._idle.start(int(timeout * 1000))

    def _on_idle(self) -> None:
        self._apply(self.state.idle())
