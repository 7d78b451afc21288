"""The hall server's "now" on a client, from times the server sent (no Qt, no sockets).

Screens that count time (the counter's cap timer, a board's clock, a kiosk's "come back at") should not
trust the PC's wall clock: it may be wrong, and a test server runs on a fake clock. ``ServerClock`` takes
each server time it is shown (``hello``/``snapshot`` ``now``, a ``ping`` reply, an event's ``at``) and
adds the local *monotonic* time elapsed since::

    clock = ServerClock()
    clock.observe(snapshot["now"])
    clock.observe(event["at"], forward_only=True)   # event times may lag the server's now
    clock.now()                                      # tz-aware UTC datetime
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


def parse_time(text: str | None) -> datetime | None:
    """A server ISO 8601 time as a tz-aware datetime (UTC assumed if it has no zone), or None."""
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class ServerClock:
    """The server's estimated "now" (see the module docstring)."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._base: datetime | None = None
        self._at = 0.0

    def observe(self, server_time: datetime | str | None, forward_only: bool = False) -> None:
        """Take ``server_time`` as "now". With ``forward_only`` it is used only when later than the current
        estimate. None or an empty string is ignored."""
        moment = server_time if isinstance(server_time, datetime) else parse_time(server_time)
        if moment is None:
            return
        if forward_only and self._base is not None and moment <= self.now():
            return
        self._base, self._at = moment, self._monotonic()

    @property
    def known(self) -> bool:
        """True once the server has told a time."""
        return self._base is not None

    def now(self) -> datetime:
        """The estimated server time (UTC); the local clock until the server has told one."""
        if self._base is None:
            return datetime.now(UTC)
        return self._base + timedelta(seconds=self._monotonic() - self._at)
