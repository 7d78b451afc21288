"""Secrets of the hall server's edge: staff password hashes, device tokens and session tokens.

* ``hash_password(password)`` gives a salted scrypt hash string (stdlib ``hashlib.scrypt``);
  ``verify_password(password, stored)`` checks one in constant time and never raises on a bad string.
* Device tokens (kiosks, boards) and session tokens are long random strings; only their SHA-256 is stored
  (a slow hash adds nothing to 256 random bits). ``mint_token()`` makes one, ``token_digest()`` hashes it,
  ``match_device(config, token)`` finds the configured device it belongs to.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from server.core.config import BranchConfig, DeviceConfig

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
_DKLEN = 32
_MAX_PASSWORD = 256


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, *, n: int = SCRYPT_N, salt: bytes | None = None) -> str:
    """``scrypt$n$r$p$salt$hash`` for ``password`` (a fresh 16-byte salt unless given)."""
    if not password or len(password) > _MAX_PASSWORD:
        raise ValueError(f"a password must have 1 to {_MAX_PASSWORD} characters")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=SCRYPT_R, p=SCRYPT_P, dklen=_DKLEN,
                            maxmem=256 * 2**20)
    return f"scrypt${n}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


_DUMMY = hash_password("not a real password", salt=b"0123456789abcdef")


def verify_password(password: str, stored: str | None) -> bool:
    """True if ``password`` matches ``stored``; a missing or malformed ``stored`` costs the same time and
    gives False (so an unknown user name is not revealed by timing)."""
    candidate = stored if stored else _DUMMY
    try:
        scheme, n, r, p, salt, digest = candidate.split("$")
        if scheme != "scrypt":
            raise ValueError(scheme)
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode("utf-8", "surrogatepass")[: _MAX_PASSWORD * 4],
                             salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected),
                             maxmem=256 * 2**20)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected) and bool(stored)


def mint_token() -> str:
    """A new unguessable token (256 bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Hex SHA-256 of a token: what the config and the database store."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def match_device(config: BranchConfig, token: str) -> DeviceConfig | None:
    """The configured device whose token this is, or None. Compares every entry in constant time."""
    digest = token_digest(token)
    found: DeviceConfig | None = None
    for device in config.devices:
        if hmac.compare_digest(device.token_sha256, digest):
            found = device
    return found


@dataclass(frozen=True)
class Principal:
    """Who is behind a connection: role, name (device id or username) and, for staff, the counter bound
    at login and the session's token digest and expiry (UTC ISO text)."""

    role: str
    name: str
    display_name: str = ""
    counter: int | None = None
    session_digest: str | None = None
    expires_at: str | None = None

    @property
    def who(self) -> str:
        """Short text for logs: ``kiosk:kiosk-1`` or ``counter:alice@3``."""
        at = f"@{self.counter}" if self.counter is not None else ""
        return f"{self.role}:{self.name}{at}"
