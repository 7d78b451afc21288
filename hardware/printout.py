"""What goes on a printed ticket: :class:`TicketPrintout`, the renderer's only input.

The kiosk maps a server ticket to a ``TicketPrintout`` and hands it to
:func:`hardware.render.render_ticket` (for a preview) or :class:`hardware.printing.PrintService` (to print).
This module imports nothing from the server, Qt or python-escpos, so the mapping can be tested anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hardware.errors import TicketDataError
from server.i18n import both, text

Language = Literal["ar", "en"]
Digits = Literal["western", "arabic-indic"]

LANGUAGES: tuple[Language, ...] = ("ar", "en")
DIGIT_STYLES: tuple[Digits, ...] = ("western", "arabic-indic")


@dataclass(frozen=True, slots=True)
class AppointmentDetails:
    """The booked appointment a ticket was issued for (printed in its own box on the ticket).

    ``booking_reference`` is printed exactly as given (never digit-converted: the citizen may have to read it
    out to staff). ``slot_time`` must be timezone-aware; it is shown in the ticket's branch time zone.
    """

    booking_reference: str
    slot_time: datetime
    citizen_name: str | None = None

    def __post_init__(self) -> None:
        if not self.booking_reference.strip():
            raise TicketDataError("appointment booking_reference must not be empty")
        if self.slot_time.tzinfo is None or self.slot_time.utcoffset() is None:
            raise TicketDataError("appointment slot_time must be timezone-aware")


@dataclass(frozen=True, slots=True)
class TicketPrintout:
    """Everything printed on one ticket. Build it, then render or print it; it never changes afterwards.

    - ``ticket_number``: as called on the boards, e.g. ``"A012"`` (a letter or two and digits).
    - ``branch_name_ar`` / ``branch_name_en``, ``service_name_ar`` / ``service_name_en``: shown in both
      languages, ``primary_language`` first and larger.
    - ``people_ahead``: tickets waiting before this one (0 = "you are next").
    - ``estimated_wait_minutes``: ``None`` when the server cannot estimate yet ("not available" is printed).
    - ``issued_at``: timezone-aware; printed in ``time_zone`` (an IANA name, e.g. ``"Asia/Bahrain"``).
    - ``appointment``: set for appointment check-ins, ``None`` for walk-ins.
    - ``header_lines`` / ``footer_lines``: free text, Arabic or English (e.g. the hotline number).
    - ``status_url``: what the QR code opens, ``http://HOST:PORT/t/<token>``.
    - ``digits``: ``"western"`` (0-9) or ``"arabic-indic"`` (U+0660..U+0669) for numbers in Arabic text and the big
      ticket number; English text always uses Western digits, and with Arabic-Indic digits the Western form
      of the ticket number is printed under the big one so it can be matched with the boards either way.

    Raises :class:`hardware.errors.TicketDataError` (a ``ValueError``) on impossible values.
    """

    ticket_number: str
    branch_name_ar: str
    branch_name_en: str
    service_name_ar: str
    service_name_en: str
    people_ahead: int
    estimated_wait_minutes: int | None
    issued_at: datetime
    status_url: str
    time_zone: str = "Asia/Bahrain"
    appointment: AppointmentDetails | None = None
    header_lines: tuple[str, ...] = ()
    footer_lines: tuple[str, ...] = field(default=())
    primary_language: Language = "ar"
    digits: Digits = "western"

    def __post_init__(self) -> None:
        if not self.ticket_number.strip():
            raise TicketDataError("ticket_number must not be empty")
        if self.people_ahead < 0:
            raise TicketDataError(f"people_ahead must be >= 0, got {self.people_ahead}")
        if self.estimated_wait_minutes is not None and self.estimated_wait_minutes < 0:
            raise TicketDataError(
                f"estimated_wait_minutes must be >= 0 or None, got {self.estimated_wait_minutes}"
            )
        if self.issued_at.tzinfo is None or self.issued_at.utcoffset() is None:
            raise TicketDataError("issued_at must be timezone-aware")
        if self.primary_language not in LANGUAGES:
            raise TicketDataError(f"primary_language must be 'ar' or 'en', got {self.primary_language!r}")
        if self.digits not in DIGIT_STYLES:
            raise TicketDataError(f"digits must be 'western' or 'arabic-indic', got {self.digits!r}")
        if not self.status_url.strip():
            raise TicketDataError("status_url must not be empty (it is encoded in the QR code)")
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise TicketDataError(f"unknown time zone {self.time_zone!r}") from exc
        # Accept lists from callers but keep the dataclass hashable and immutable.
        object.__setattr__(self, "header_lines", tuple(self.header_lines))
        object.__setattr__(self, "footer_lines", tuple(self.footer_lines))

    @property
    def local_issued_at(self) -> datetime:
        """``issued_at`` converted to the branch time zone (what is printed)."""
        return self.issued_at.astimezone(ZoneInfo(self.time_zone))


def sample_printout(
    primary_language: Language = "ar",
    digits: Digits = "western",
    *,
    appointment: bool = True,
    ticket_number: str = "A012",
) -> TicketPrintout:
    """A realistic ticket for the Ministry of Housing headquarters hall (used by ``dawr ticket sample``,
    the docs screenshots and the benchmark). Returns a new printout; nothing is printed."""
    issued = datetime(2025, 3, 4, 6, 15, tzinfo=UTC)  # 09:15 in Bahrain
    branch_ar, branch_en = both("ticket", "ticket.sample.branch")
    service_ar, service_en = both("ticket", "ticket.sample.service")
    return TicketPrintout(
        ticket_number=ticket_number,
        branch_name_ar=branch_ar,
        branch_name_en=branch_en,
        service_name_ar=service_ar,
        service_name_en=service_en,
        people_ahead=7,
        estimated_wait_minutes=25,
        issued_at=issued,
        status_url="http://192.168.10.5:8080/t/q7Xk2mP9aZ",
        time_zone="Asia/Bahrain",
        appointment=(
            AppointmentDetails(
                booking_reference="BK-2025-0412",
                slot_time=issued + timedelta(minutes=15),
                citizen_name=text("ticket", "ticket.sample.citizen", "ar"),
            )
            if appointment
            else None
        ),
        header_lines=both("common", "country.name"),
        footer_lines=both("common", "ticket.hotline_line", hotline="80008001"),
        primary_language=primary_language,
        digits=digits,
    )
