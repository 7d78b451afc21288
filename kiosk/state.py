"""The kiosk's screen state: a plain-Python object with no Qt, no sockets and no clock of its own.

``KioskState`` holds which screen is up, the language, the branch and its services, the request in flight
and the last ticket. Every input is a method — a tap (``tap_service``), a scan (``scan``), a server
message (``snapshot``, ``reply``, ``refused``: the protocol's typed models from
``server/protocol/payloads.py``, read by attribute), a device event (``print_finished``), a timer
(``idle``) — and each returns the **effects** the caller must carry out (send a request, print, report
health, quit). The Qt controller (``kiosk/controller.py``) executes them; tests call the methods and read
the fields. Importing this module loads no Qt.

Retried requests keep their idempotency key: a request is created once per citizen press
(``Pending``) and re-sent with the same key after a lost connection or a timeout, so the server returns
the same ticket instead of a second one.
"""

from __future__ import annotations

import enum
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from qtkit.i18n import Language
from server.protocol.payloads import ErrorDetails, KioskSnapshotData, ServiceStatus, TicketInfo, TicketReply

from .settings import KioskSettings


class Screen(enum.StrEnum):
    """Every screen of the kiosk (one decision per screen)."""

    STARTING = "starting"
    HOME = "home"
    PRIORITY = "priority"
    CHECKIN = "checkin"
    KEYPAD = "keypad"
    WORKING = "working"
    TICKET = "ticket"
    TOO_EARLY = "too_early"
    TOO_LATE = "too_late"
    EXPIRED = "expired"
    WRONG_BRANCH = "wrong_branch"
    NOT_FOUND = "not_found"
    ALREADY_CHECKED_IN = "already_checked_in"
    UNREADABLE = "unreadable"
    REFUSED = "refused"
    BUSY = "busy"
    CLOSED = "closed"
    OUT_OF_SERVICE = "out_of_service"
    ADMIN_PIN = "admin_pin"
    ADMIN = "admin"


RESULT_SCREENS = frozenset(
    {
        Screen.TOO_EARLY,
        Screen.TOO_LATE,
        Screen.EXPIRED,
        Screen.WRONG_BRANCH,
        Screen.NOT_FOUND,
        Screen.ALREADY_CHECKED_IN,
        Screen.UNREADABLE,
        Screen.REFUSED,
        Screen.BUSY,
    }
)
"""Screens that answer a check-in or ticket request (each returns home after the idle time)."""

SCAN_SCREENS = frozenset(
    {
        Screen.HOME,
        Screen.PRIORITY,
        Screen.CHECKIN,
        Screen.KEYPAD,
        Screen.TICKET,
        Screen.CLOSED,
        *RESULT_SCREENS,
    }
)
"""Screens on which a scanned code starts a check-in (not while busy, out of service or in admin)."""

CHECKIN_ERRORS: dict[str, Screen] = {
    "appointment_too_early": Screen.TOO_EARLY,
    "appointment_too_late": Screen.TOO_LATE,
    "appointment_expired": Screen.EXPIRED,
    "appointment_wrong_branch": Screen.WRONG_BRANCH,
    "appointment_not_found": Screen.NOT_FOUND,
    "appointment_already_checked_in": Screen.ALREADY_CHECKED_IN,
    "appointment_forged": Screen.UNREADABLE,
    "checkin_needs_one_key": Screen.UNREADABLE,
    "invalid_message": Screen.UNREADABLE,
}
"""Server error code of a refused check-in -> the screen that explains it."""

TRANSIENT_ERRORS = frozenset(
    {
        "rate_limited",
        "server_busy",
        "database_unavailable",
        "internal_error",
        "day_not_started",
        "not_authenticated",
        "session_expired",
    }
)
"""Codes after which the same request (same key) is tried again."""

MAX_ATTEMPTS = 4
PRINTER_FAULTS = frozenset({"paper_out", "cover_open", "offline"})
_QR_TEXT = re.compile(r"^[\x20-\x7e]{1,200}$")
KeypadMode = Literal["national_id", "reference"]
KEYPAD_LIMITS: dict[str, int] = {"national_id": 20, "reference": 32}
REFERENCE_KEYS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"


# ------------------------------------------------------------------------------------------------ effects
@dataclass(frozen=True)
class Send:
    """Send this request (``type`` and fields, without ``id``) to the server; answer with ``reply`` or
    ``refused`` passing ``key`` back."""

    key: str
    message: dict[str, Any]


@dataclass(frozen=True)
class Print:
    """Print this ticket (the server's ``TicketInfo``) in ``lang``; answer with ``print_finished``."""

    ticket: TicketInfo
    lang: Language


@dataclass(frozen=True)
class ReportHealth:
    """Tell the server how the printer and scanner are (``device_health``)."""

    printer: str | None
    scanner: str | None
    detail: str


@dataclass(frozen=True)
class Quit:
    """The administrator closed the kiosk program."""


Effect = Send | Print | ReportHealth | Quit


# ------------------------------------------------------------------------------------------- data pieces
@dataclass
class Branch:
    """The branch as the kiosk shows it (from the server's snapshot; ``hours`` may come from config)."""

    id: str = ""
    name_ar: str = ""
    name_en: str = ""
    timezone: str = "Asia/Bahrain"
    digits: str = "western"
    hotline: str = "80008001"
    hours: dict[str, str] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


Service = ServiceStatus
"""One service button (the server's ``ServiceStatus``): names, whether it can be taken now, people waiting
and the estimated wait."""


@dataclass
class Pending:
    """A request made by a citizen press, kept until it is answered (re-sent with the same key)."""

    key: str
    message: dict[str, Any]
    kind: Literal["issue", "checkin"]
    since: float
    attempts: int = 0
    via: str = ""

    def send(self) -> Send:
        self.attempts += 1
        return Send(self.key, dict(self.message, idempotency_key=self.key))


@dataclass
class Outcome:
    """What a result screen needs: the server's code and details, and how the citizen identified."""

    code: str = ""
    details: ErrorDetails = field(default_factory=ErrorDetails)
    message: str = ""
    message_ar: str = ""
    via: str = ""


def new_key() -> str:
    """A fresh idempotency key (one per citizen press)."""
    return "k-" + secrets.token_hex(12)


# --------------------------------------------------------------------------------------------- the state
class KioskState:
    """The kiosk as a plain object (see the module docstring). ``now`` arguments are monotonic seconds."""

    def __init__(self, settings: KioskSettings | None = None, default_lang: Language = "ar") -> None:
        self.settings = settings or KioskSettings()
        self.default_lang: Language = default_lang
        self.lang: Language = default_lang
        self.screen = Screen.STARTING
        self.connected = False
        self.ever_connected = False
        self.branch = Branch()
        self.open = True
        self.services: list[Service] = []
        self.pending: Pending | None = None
        self.ticket: TicketInfo | None = None
        self.ticket_via: str = ""
        self.ticket_request: dict[str, Any] = {}
        self.print_state: Literal["none", "printing", "printed", "failed"] = "none"
        self.print_error = ""
        self.outcome = Outcome()
        self.keypad_mode: KeypadMode = "national_id"
        self.keypad_text = ""
        self.printer_status = "unknown"
        self.has_printer = True
        self.scanner_status = "unknown"
        self.admin_taps: list[float] = []
        self.pin_text = ""
        self.pin_wrong = False
        self.pin_failures = 0
        self.admin_locked_until = 0.0
        self.issued: dict[str, TicketInfo] = {}
        self.reported_health: tuple[str | None, str | None, str] | None = None
        self.hours_fallback: dict[str, dict[str, str]] = {}
        self.version = 0

    # ------------------------------------------------------------------------------------ helpers
    def _go(self, screen: Screen) -> None:
        self.screen = screen
        self.version += 1

    def _rest_screen(self) -> Screen:
        """Where the kiosk rests: out of service without a server, closed outside hours, else home."""
        if not self.connected:
            return Screen.OUT_OF_SERVICE
        return Screen.HOME if self.open else Screen.CLOSED

    def _reset_citizen(self) -> None:
        self.lang = self.default_lang
        self.keypad_text = ""
        self.pin_text = ""
        self.pin_wrong = False

    def branch_time(self, moment: datetime) -> datetime:
        """``moment`` in the branch's time zone."""
        return moment.astimezone(self.branch.zone)

    def walk_in_services(self) -> list[Service]:
        """The service buttons on the home screen (available for walk-ins now, at most 8 fit)."""
        return [s for s in self.services if s.available]

    def priority_services(self) -> list[Service]:
        """Services with a priority ticket now."""
        return [s for s in self.services if s.available and s.priority_allowed]

    def service(self, service_id: str) -> Service | None:
        return next((s for s in self.services if s.id == service_id), None)

    @property
    def printer_trouble(self) -> bool:
        """True when a ticket would not print now (the home screen warns; the number shows on screen)."""
        return self.has_printer and self.printer_status in PRINTER_FAULTS

    def idle_timeout(self) -> float | None:
        """Seconds without a touch after which ``idle()`` should be called on this screen, or None."""
        if self.screen in (Screen.HOME, Screen.CLOSED, Screen.OUT_OF_SERVICE, Screen.STARTING):
            return None
        if self.screen is Screen.WORKING:
            return None
        if self.screen is Screen.TICKET and self.print_state != "failed":
            return min(self.settings.ticket_seconds, self.settings.idle_seconds)
        return self.settings.idle_seconds

    # ----------------------------------------------------------------------------- server events
    def connection_up(self) -> list[Effect]:
        """Logged in again (a snapshot follows): re-send the request in flight with its same key."""
        self.connected = True
        self.ever_connected = True
        effects: list[Effect] = []
        if self.reported_health is not None:
            printer, scanner, detail = self.reported_health
            effects.append(ReportHealth(printer, scanner, detail))
        if self.pending is not None:
            self.pending.attempts = 0
            effects.append(self.pending.send())
            if self.screen in (Screen.OUT_OF_SERVICE, Screen.STARTING):
                self._go(Screen.WORKING)
        elif self.screen in (Screen.OUT_OF_SERVICE, Screen.STARTING):
            self._go(self._rest_screen())
        return effects

    def connection_down(self, now: float = 0.0) -> list[Effect]:
        """The server is unreachable: idle screens and a waiting citizen see the out-of-service screen."""
        self.connected = False
        if self.pending is not None and now - self.pending.since > self.settings.pending_max_age_seconds:
            self.pending = None
        if self.screen in (
            Screen.HOME,
            Screen.PRIORITY,
            Screen.CHECKIN,
            Screen.KEYPAD,
            Screen.CLOSED,
            Screen.WORKING,
            Screen.STARTING,
        ):
            self._go(Screen.OUT_OF_SERVICE)
        return []

    def snapshot(self, data: KioskSnapshotData) -> list[Effect]:
        """A fresh snapshot from the server: branch, services, open/closed."""
        branch = data.branch
        self.branch = Branch(
            id=branch.id,
            name_ar=branch.name_ar,
            name_en=branch.name_en,
            timezone=branch.timezone,
            digits=branch.digits,
            hotline=branch.hotline or self.branch.hotline,
            hours=dict(branch.hours or self.hours_fallback.get(branch.id, self.branch.hours)),
        )
        return self.queue_status(branch.open, data.services)

    def queue_status(self, is_open: bool, services: Sequence[ServiceStatus]) -> list[Effect]:
        """Waiting counts changed, or the branch opened or closed."""
        self.services = list(services)
        was_open, self.open = self.open, is_open
        if self.screen is Screen.CLOSED and is_open:
            self._go(Screen.HOME)
        elif self.screen in (Screen.HOME, Screen.PRIORITY) and not is_open:
            self._go(Screen.CLOSED)
        elif was_open != is_open or self.screen is Screen.HOME:
            self.version += 1
        return []

    # ------------------------------------------------------------------------------------- taps
    def tap_language(self) -> list[Effect]:
        """Switch Arabic <-> English (the whole layout mirrors)."""
        self.lang = "en" if self.lang == "ar" else "ar"
        self.version += 1
        return []

    def tap_service(self, service_id: str, priority: bool = False, now: float = 0.0) -> list[Effect]:
        """A walk-in ticket for ``service_id``: sends ``issue_ticket`` with a fresh idempotency key."""
        if self.screen not in (Screen.HOME, Screen.PRIORITY) or self.pending is not None:
            return []
        service = self.service(service_id)
        if service is None or not service.available:
            return []
        self.pending = Pending(
            new_key(),
            {
                "type": "issue_ticket",
                "service_id": service_id,
                "priority": bool(priority and service.priority_allowed),
            },
            "issue",
            now,
        )
        self._go(Screen.WORKING)
        return [self.pending.send()]

    def tap_priority(self) -> list[Effect]:
        """Open the priority-ticket service choice."""
        if self.screen is Screen.HOME and self.priority_services():
            self._go(Screen.PRIORITY)
        return []

    def tap_appointment(self) -> list[Effect]:
        """Open the check-in screen (scan, or choose to type a number)."""
        if self.screen in (Screen.HOME, Screen.CLOSED) or self.screen in RESULT_SCREENS:
            self.keypad_text = ""
            self._go(Screen.CHECKIN)
        return []

    def tap_keypad(self, mode: KeypadMode) -> list[Effect]:
        """Open the on-screen keypad for an ID number or a booking reference."""
        if self.screen in (Screen.CHECKIN, Screen.NOT_FOUND, Screen.UNREADABLE):
            self.keypad_mode = mode
            self.keypad_text = ""
            self._go(Screen.KEYPAD)
        return []

    def key(self, char: str) -> list[Effect]:
        """One key of the on-screen keypad (only the keys the mode allows are accepted)."""
        if self.screen is Screen.ADMIN_PIN:
            if char.isdigit() and len(self.pin_text) < 12:
                self.pin_text += char
                self.pin_wrong = False
                self.version += 1
            return []
        if self.screen is not Screen.KEYPAD:
            return []
        allowed = "0123456789" if self.keypad_mode == "national_id" else REFERENCE_KEYS
        if (
            len(char) == 1
            and char.upper() in allowed
            and len(self.keypad_text) < KEYPAD_LIMITS[self.keypad_mode]
        ):
            self.keypad_text += char.upper()
            self.version += 1
        return []

    def backspace(self) -> list[Effect]:
        """Delete the last character typed."""
        if self.screen is Screen.ADMIN_PIN:
            self.pin_text = self.pin_text[:-1]
        elif self.screen is Screen.KEYPAD:
            self.keypad_text = self.keypad_text[:-1]
        self.version += 1
        return []

    def clear(self) -> list[Effect]:
        """Clear the keypad."""
        if self.screen is Screen.ADMIN_PIN:
            self.pin_text = ""
        elif self.screen is Screen.KEYPAD:
            self.keypad_text = ""
        self.version += 1
        return []

    def submit_keypad(self, now: float = 0.0) -> list[Effect]:
        """Check in with the typed ID number or booking reference."""
        if self.screen is not Screen.KEYPAD or not self.keypad_text.strip("-") or self.pending is not None:
            return []
        field_name = "national_id" if self.keypad_mode == "national_id" else "reference"
        return self._check_in({field_name: self.keypad_text}, field_name, now)

    def scan(self, text: str, now: float = 0.0) -> list[Effect]:
        """A code was scanned (on any screen): check it in, or explain at once that it is unreadable."""
        if self.screen not in SCAN_SCREENS or self.pending is not None:
            return []
        payload = text.strip()
        if self.screen is Screen.TICKET or self.screen in RESULT_SCREENS:
            self._reset_citizen() if self.screen is Screen.TICKET else None
        if not _QR_TEXT.match(payload):
            self.outcome = Outcome(code="unreadable", via="qr")
            self._go(Screen.UNREADABLE)
            return []
        return self._check_in({"qr_payload": payload}, "qr", now)

    def _check_in(self, fields: dict[str, str], via: str, now: float) -> list[Effect]:
        self.pending = Pending(new_key(), {"type": "check_in", **fields}, "checkin", now, via=via)
        self._go(Screen.WORKING)
        return [self.pending.send()]

    def tap_back(self) -> list[Effect]:
        """Back one step (keypad -> check-in), otherwise home."""
        if self.screen is Screen.KEYPAD:
            self._go(Screen.CHECKIN)
        elif self.screen in (Screen.ADMIN_PIN, Screen.ADMIN):
            self.pin_text = ""
            self._go(self._rest_screen())
        elif self.screen is not Screen.WORKING:
            return self.tap_done()
        return []

    def tap_done(self) -> list[Effect]:
        """Finished with this screen: back home for the next citizen (language back to the default)."""
        if self.screen is Screen.WORKING:
            return []
        self._reset_citizen()
        self._go(self._rest_screen())
        return []

    def tap_reprint(self) -> list[Effect]:
        """Already checked in: print the same ticket again (full ticket if this kiosk issued it)."""
        if self.screen is not Screen.ALREADY_CHECKED_IN:
            return []
        ticket = self.already_ticket()
        if ticket is None:
            return []
        self.ticket = ticket
        self.ticket_via = "reprint"
        self.print_state = "printing" if self.has_printer else "failed"
        self._go(Screen.TICKET)
        return [Print(ticket, self.lang)] if self.has_printer else []

    def already_ticket(self) -> TicketInfo | None:
        """The ticket of an already-checked-in appointment: the whole ticket the server sends with the
        refusal (``ticket_info``), or the one this kiosk issued; None when neither is known."""
        details = self.outcome.details
        if details.ticket_info is not None:
            return details.ticket_info
        return self.issued.get(details.ticket) if details.ticket else None

    # ---------------------------------------------------------------------------------- replies
    def reply(self, key: str, data: TicketReply) -> list[Effect]:
        """The server answered our request with a ticket: show it and print it."""
        if self.pending is None or self.pending.key != key:
            return []
        via = self.pending.via
        self.ticket_request = dict(self.pending.message)
        self.pending = None
        ticket = data.ticket
        self.issued[ticket.id] = ticket
        self.ticket = ticket
        self.ticket_via = via
        self._go(Screen.TICKET)
        if not self.has_printer:
            self.print_state = "failed"
            self.print_error = "no printer"
            return []
        self.print_state = "printing"
        return [Print(ticket, self.lang)]

    def refused(
        self,
        key: str,
        code: str,
        details: ErrorDetails | None = None,
        message: str = "",
        message_ar: str = "",
    ) -> list[Effect]:
        """The server refused our request: the screen that explains ``code`` (or a retry, if transient)."""
        if self.pending is None or self.pending.key != key:
            return []
        pending = self.pending
        if code == "disconnected":
            return []  # kept: re-sent with the same key when the connection is back (``connection_up``)
        if code in TRANSIENT_ERRORS and pending.attempts < MAX_ATTEMPTS:
            return []  # the controller re-sends after a short pause (``retry_pending``)
        self.pending = None
        self.ticket_request = dict(pending.message)
        self.outcome = Outcome(code, details or ErrorDetails(), message, message_ar, pending.via)
        if code == "branch_closed":
            self.open = False
            self._go(Screen.CLOSED)
        elif pending.kind == "checkin" and code in CHECKIN_ERRORS:
            self._go(CHECKIN_ERRORS[code])
        elif code in TRANSIENT_ERRORS:
            self._go(Screen.BUSY)
        else:
            self._go(Screen.REFUSED)
        return []

    def should_retry(self, code: str) -> bool:
        """True if a refusal with ``code`` leaves the request pending for a retry."""
        return (
            self.pending is not None
            and code in TRANSIENT_ERRORS
            and code != "disconnected"
            and self.pending.attempts < MAX_ATTEMPTS
        )

    def retry_pending(self) -> list[Effect]:
        """Re-send the request in flight (same idempotency key) after a timeout or a transient error."""
        if self.pending is None or not self.connected:
            return []
        if self.pending.attempts >= MAX_ATTEMPTS:
            self.outcome = Outcome("timeout", via=self.pending.via)
            self.pending = None
            self._go(Screen.BUSY)
            return []
        return [self.pending.send()]

    # --------------------------------------------------------------------------------- devices
    def print_finished(self, ok: bool, status: str, error: str = "") -> list[Effect]:
        """A print job ended: on failure the screen says "show this at the counter" and the server is told."""
        self.print_state = "printed" if ok else "failed"
        self.print_error = error
        self.version += 1
        effects = self.printer_changed(status)
        if not ok and not effects:
            effects = self._health(detail=f"print failed: {error}"[:200], force=True)
        return effects

    def printer_changed(self, status: str) -> list[Effect]:
        """The printer's status changed (ready, paper_near_end, paper_out, cover_open, offline, unknown)."""
        if status == self.printer_status and self.reported_health is not None:
            return []
        self.printer_status = status
        self.version += 1
        return self._health(detail=f"printer {status}")

    def scanner_changed(self, status: str) -> list[Effect]:
        """The scanner's state changed (connected, disconnected, unavailable, stopped)."""
        if status == self.scanner_status:
            return []
        self.scanner_status = status
        return self._health(detail=f"scanner {status}")

    def _health(self, detail: str, force: bool = False) -> list[Effect]:
        printer = None
        if self.has_printer:
            printer = (
                "error"
                if self.printer_status in PRINTER_FAULTS
                else "warning"
                if self.printer_status == "paper_near_end"
                else "ok"
                if self.printer_status == "ready"
                else "unknown"
            )
        if force and printer is not None and printer == "ok":
            printer = "error"
        scanner = {"connected": "ok", "disconnected": "error", "unavailable": "error"}.get(
            self.scanner_status, "unknown"
        )
        report = (printer, scanner, detail)
        if not force and self.reported_health is not None and self.reported_health[:2] == report[:2]:
            return []
        self.reported_health = report
        return [ReportHealth(printer, scanner, detail)] if self.connected else []

    # ------------------------------------------------------------------------------------- timers
    def idle(self) -> list[Effect]:
        """Nobody touched the screen for ``idle_timeout()`` seconds: home, in the default language."""
        if self.idle_timeout() is None:
            return []
        self._reset_citizen()
        self._go(self._rest_screen())
        return []

    # -------------------------------------------------------------------------------------- admin
    def admin_tap(self, now: float) -> list[Effect]:
        """One tap on the hidden admin corner; ``admin_taps`` taps within the window open the PIN screen."""
        if now < self.admin_locked_until or not self.settings.admin_pin:
            return []
        window = self.settings.admin_tap_window_seconds
        self.admin_taps = [t for t in self.admin_taps if now - t <= window] + [now]
        if len(self.admin_taps) >= self.settings.admin_taps and self.screen is not Screen.WORKING:
            self.admin_taps = []
            self.pin_text = ""
            self.pin_wrong = False
            self._go(Screen.ADMIN_PIN)
        return []

    def submit_pin(self, now: float = 0.0) -> list[Effect]:
        """Check the PIN; right opens the admin screen, three wrong ones lock the gesture for a minute."""
        if self.screen is not Screen.ADMIN_PIN:
            return []
        if self.settings.admin_pin and hmac.compare_digest(
            self.pin_text.encode(), self.settings.admin_pin.encode()
        ):
            self.pin_failures = 0
            self.pin_text = ""
            self._go(Screen.ADMIN)
            return []
        self.pin_failures += 1
        self.pin_text = ""
        self.pin_wrong = True
        if self.pin_failures >= 3:
            self.pin_failures = 0
            self.admin_locked_until = now + 60
            self._reset_citizen()
            self._go(self._rest_screen())
        else:
            self.version += 1
        return []

    def tap_exit(self) -> list[Effect]:
        """Close the program (only from the admin screen)."""
        return [Quit()] if self.screen is Screen.ADMIN else []
