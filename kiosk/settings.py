"""The kiosk's own settings: which server, which printer and scanner, lockdown and timing.

``load_settings(path)`` reads a ``kiosk.toml`` (keys at the top level or under ``[kiosk]``) and gives a
frozen ``KioskSettings``; ``settings.merged(**overrides)`` applies command-line values on top. A mistake
raises ``KioskConfigError`` with one line naming the file and the key (English, for the person installing
the kiosk, like the command line's messages). Nothing here imports Qt.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from server.i18n import both

MINISTRY_BRANCHES = ("hq", "seef", "juffair", "danat", "moayyed")
"""The ministry's branches (from the press releases) whose names the kiosk catalogue has."""

DEFAULT_BRANCH_NAMES: dict[str, tuple[str, str]] = {
    branch_id: both("kiosk", f"branch_name.{branch_id}") for branch_id in MINISTRY_BRANCHES
}
"""``(Arabic, English)`` names of the ministry's branches (catalogue ``branch_name.<id>``), for the "wrong
branch" screen. The server only sends the other branch's id; ``[branches]`` in kiosk.toml adds or
overrides entries."""

_PIN = re.compile(r"^\d{4,12}$")


class KioskConfigError(ValueError):
    """A kiosk setting that cannot be used; ``str()`` is one line for the person starting the kiosk."""


@dataclass(frozen=True)
class KioskSettings:
    """Everything the kiosk needs to start. Times are in seconds."""

    server: str = ""
    token: str = ""
    printer: str | None = None
    printer_profile: str | None = None
    scanner: str | None = None
    fullscreen: bool = False
    idle_seconds: float = 30.0
    ticket_seconds: float = 15.0
    request_timeout_seconds: float = 8.0
    pending_max_age_seconds: float = 120.0
    admin_pin: str = ""
    admin_taps: int = 5
    admin_tap_window_seconds: float = 4.0
    public_url: str = ""
    branch_config: str | None = None
    branch_names: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(DEFAULT_BRANCH_NAMES))

    def merged(self, **overrides: Any) -> KioskSettings:
        """These settings with every non-None override applied, then validated."""
        changes = {k: v for k, v in overrides.items() if v is not None}
        return replace(self, **changes).validated()

    def validated(self) -> KioskSettings:
        """Self, or raises KioskConfigError naming the first bad setting."""
        if self.server:
            url = urlparse(self.server)
            if url.scheme not in ("ws", "wss") or not url.hostname:
                raise KioskConfigError(
                    f"server: {self.server!r} is not a websocket URL like ws://192.0.2.5:8765"
                )
        if not 1 <= self.idle_seconds <= 3600:
            raise KioskConfigError(f"idle_seconds: {self.idle_seconds:g} must be between 1 and 3600")
        if not 1 <= self.ticket_seconds <= 3600:
            raise KioskConfigError(f"ticket_seconds: {self.ticket_seconds:g} must be between 1 and 3600")
        if not 0.5 <= self.request_timeout_seconds <= 120:
            raise KioskConfigError("request_timeout_seconds must be between 0.5 and 120")
        if self.admin_pin and not _PIN.match(self.admin_pin):
            raise KioskConfigError("admin_pin: use 4 to 12 digits")
        if self.fullscreen and not self.admin_pin:
            raise KioskConfigError("fullscreen needs an admin_pin in the kiosk config (the only way out)")
        if self.admin_taps < 3:
            raise KioskConfigError("admin_taps: at least 3")
        return self

    def http_base(self) -> str:
        """Where the citizen's phone opens the status page: ``public_url`` or the server's own http URL."""
        if self.public_url:
            return self.public_url.rstrip("/")
        url = urlparse(self.server)
        scheme = "https" if url.scheme == "wss" else "http"
        return f"{scheme}://{url.netloc}" if url.netloc else ""


_SIMPLE = {f.name for f in fields(KioskSettings)} - {"branch_names"}


def load_settings(path: str | Path) -> KioskSettings:
    """Read ``kiosk.toml``; raises KioskConfigError (file missing, bad TOML, unknown key, bad value)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KioskConfigError(f"{path}: no such kiosk configuration file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise KioskConfigError(f"{path}: cannot be read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise KioskConfigError(f"{path}: not valid TOML: {error}") from None
    section = data.get("kiosk", data)
    if not isinstance(section, dict):
        raise KioskConfigError(f"{path}: [kiosk] must be a table")
    values: dict[str, Any] = {}
    names = dict(DEFAULT_BRANCH_NAMES)
    for key, value in section.items():
        if key == "branches":
            if not isinstance(value, dict):
                raise KioskConfigError(f"{path}: branches must be a table of id = {{ name_ar, name_en }}")
            for branch_id, entry in value.items():
                if not isinstance(entry, dict) or not {"name_ar", "name_en"} <= set(entry):
                    raise KioskConfigError(f"{path}: branches.{branch_id}: needs name_ar and name_en")
                names[str(branch_id)] = (str(entry["name_ar"]), str(entry["name_en"]))
            continue
        if key not in _SIMPLE:
            raise KioskConfigError(f"{path}: {key}: unknown key (check the spelling)")
        expected = type(getattr(KioskSettings(), key))
        if key in ("printer", "printer_profile", "scanner", "branch_config"):
            expected = str
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise KioskConfigError(f"{path}: {key}: expected {expected.__name__}, got {value!r}")
        values[key] = value
    try:
        return replace(KioskSettings(), branch_names=names, **values).validated()
    except KioskConfigError as error:
        raise KioskConfigError(f"{path}: {error}") from None
