"""The server's own wording, from the ``server`` catalogue (``server/i18n/locale/<lang>/server.po``)."""

from __future__ import annotations

from server.i18n import text
from server.protocol.messages import ERROR_CODES

_WORDED = frozenset(ERROR_CODES)


def arabic(code: str) -> str:
    """The Arabic message for an error code (a generic one for codes without their own)."""
    return text("server", f"error.{code}" if code in _WORDED else "error.generic", "ar")
