"""Signed booking QR codes: ``DAWR1:<branch>:<reference>:<YYYYMMDD>:<signature>``.

The signature is HMAC-SHA256 over everything before it, keyed with the branch secret, truncated to
128 bits and written as hex. ``sign_booking_qr`` makes a payload; ``read_booking_qr`` checks one and gives
the branch, reference and day it names, or raises ``DomainError`` ("appointment_forged" for anything
unreadable or altered, "appointment_wrong_branch" for a well-formed code of another branch).
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import date
from hashlib import sha256

from server.core.errors import DomainError

PREFIX = "DAWR1"
_REFERENCE = re.compile(r"^[A-Za-z0-9-]{1,32}$")
_PAYLOAD = re.compile(r"^DAWR1:([a-z][a-z0-9_-]{0,39}):([A-Za-z0-9-]{1,32}):(\d{8}):([0-9a-f]{32})$")


@dataclass(frozen=True)
class BookingCode:
    """What a verified booking QR names."""

    branch_id: str
    reference: str
    day: date


def valid_reference(reference: str) -> bool:
    """True if ``reference`` has the shape of a booking reference (letters, digits, dashes; ≤ 32)."""
    return bool(_REFERENCE.match(reference))


def _signature(secret: bytes, body: str) -> str:
    return hmac.new(secret, body.encode("ascii"), sha256).hexdigest()[:32]


def sign_booking_qr(secret: bytes, branch_id: str, reference: str, day: date) -> str:
    """The QR payload for a booking; print it on the confirmation or send it by SMS."""
    if not valid_reference(reference):
        raise ValueError(f"invalid booking reference {reference!r}")
    body = f"{PREFIX}:{branch_id}:{reference}:{day:%Y%m%d}"
    return f"{body}:{_signature(secret, body)}"


def read_booking_qr(secret: bytes, branch_id: str, payload: str) -> BookingCode:
    """Verify a scanned payload for this branch; raises DomainError if forged, altered or foreign."""
    match = _PAYLOAD.match(payload.strip())
    if not match:
        raise DomainError("appointment_forged", "This code is not a valid appointment code.")
    code_branch, reference, day_text, signature = match.groups()
    try:
        day = date(int(day_text[:4]), int(day_text[4:6]), int(day_text[6:]))
    except ValueError:
        raise DomainError("appointment_forged", "This code is not a valid appointment code.") from None
    if code_branch != branch_id:
        raise DomainError(
            "appointment_wrong_branch", "This appointment is booked at another branch.", branch_id=code_branch
        )
    body = payload.strip()[: -len(signature) - 1]
    if not hmac.compare_digest(_signature(secret, body), signature):
        raise DomainError("appointment_forged", "This code is not a valid appointment code.")
    return BookingCode(branch_id=code_branch, reference=reference, day=day)
