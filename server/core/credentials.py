"""Credentials, pure computation shared by the store and the network edge.

* ``hash_password(password)`` gives a salted scrypt hash string (stdlib ``hashlib.scrypt``);
  ``verify_password(password, stored)`` checks one in constant time and never raises on a bad string.
* Device tokens (kiosks, boards) and session tokens are long random strings; only their SHA-256 is stored
  (a slow hash adds nothing to 256 random bits). ``mint_token()`` makes one, ``token_digest()`` hashes it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

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
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=SCRYPT_R, p=SCRYPT_P, dklen=_DKLEN, maxmem=256 * 2**20
    )
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
        got = hashlib.scrypt(
            password.encode("utf-8", "surrogatepass")[: _MAX_PASSWORD * 4],
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=256 * 2**20,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected) and bool(stored)


def mint_token() -> str:
    """A new unguessable token (256 bits, URL-safe text)."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Hex SHA-256 of a token: what the config and the database store."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
