"""Shared pieces of the kiosk, display board and counter apps: the hall-server client (``qtkit.client``,
Qt), wording helpers (``qtkit.i18n``, no Qt), the server clock, QR codes and text fitting.

Importing ``qtkit`` (or ``qtkit.i18n``) does not load PySide6: the client's names below are imported
from ``qtkit.client`` on first use, so the apps' state modules stay Qt-free."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import DeviceLogin, HallClient, PendingReply, SessionLogin, StaffLogin, on_reply

__all__ = ["DeviceLogin", "HallClient", "PendingReply", "SessionLogin", "StaffLogin", "on_reply"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(import_module(".client", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
