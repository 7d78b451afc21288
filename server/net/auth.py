"""Secrets of the hall server's edge: staff password hashes, device tokens and session tokens.

The hashing itself is ``server.core.credentials`` (re-exported here); ``match_device(config, token)``
finds the configured device a token belongs to; ``Principal`` says who is behind a connection.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from server.core.config import BranchConfig, DeviceConfig
from server.core.credentials import (
    SCRYPT_N,
    hash_password,
    mint_token,
    token_digest,
    verify_password,
)

__all__ = [
    "SCRYPT_N",
    "Principal",
    "hash_password",
    "match_device",
    "mint_token",
    "token_digest",
    "verify_password",
]


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
