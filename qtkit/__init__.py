"""Shared Qt pieces of the kiosk, display board and counter apps: the hall-server client."""

from .client import DeviceLogin, HallClient, PendingReply, SessionLogin, StaffLogin, on_reply

__all__ = ["DeviceLogin", "HallClient", "PendingReply", "SessionLogin", "StaffLogin", "on_reply"]
