"""What the hall display board knows, as plain Python (no Qt, no sockets): the board's state object.

The controller feeds it the server's pushes, as the typed payloads of ``server.protocol.payloads`` the shared
client validated them into — ``apply_snapshot(BoardSnapshotData)``, ``apply_event(EventInfo)``,
``apply_queue_status(open, [ServiceStatus])`` — and ``set_connected(flag)`` when the link drops or returns.
``apply_event`` and ``apply_snapshot`` return the calls to announce (a new call, a recall, or a call missed
while the board was offline), oldest first; the controller hands them to the announcer.

The view reads ``now_calling()``, ``recent()``, ``services``, ``branch``, ``connected`` and asks
``highlight(call)`` whether a row flashes, stays highlighted or is plain. Time comes in through an
injected ``monotonic`` clock (highlights) and a ``qtkit.server_clock.ServerClock`` (the date and clock shown
are the hall server's, not the PC's), so tests drive both by hand.

Memory is bounded: at most ``history`` calls are kept (an ``OrderedDict`` keyed by ticket id, oldest
dropped first), the service and counter tables are replaced, never appended to. A board that runs for
weeks holds the same few kilobytes on day 40 as on day 1.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING

from qtkit.server_clock import ServerClock

from .zone import in_zone

if TYPE_CHECKING:  # the payloads are only read here (attributes), never built: pydantic stays unloaded
    from server.protocol.payloads import BoardSnapshotData, EventInfo, ServiceStatus

log = logging.getLogger(__name__)

HISTORY_LIMIT = 48
"""Calls kept (each ticket once, its latest call): enough to refill "now calling" and "recent calls"."""
NOW_CALLING_LIMIT = 4
"""Rows under "Now calling"."""
RECENT_LIMIT = 8
"""Entries under "Recent calls"."""
FLASH_SECONDS = 4.0
"""A new call or recall blinks this long …"""
HIGHLIGHT_SECONDS = 10.0
"""… and stays highlighted until this many seconds after it arrived."""
BLINK_PERIOD = 0.5
"""One on/off cycle of the blink, in seconds."""
MISSED_CALL_SECONDS = 120.0
"""On a resync, a call made this recently that the board never saw is announced (it was missed offline)."""

INACTIVE_EVENTS = frozenset(
    {
        "ticket_no_show",
        "ticket_parked",
        "ticket_transferred",
        "ticket_finished",
        "ticket_cancelled",
    }
)
"""Events after which the ticket is no longer waited for at its counter."""


class Highlight(Enum):
    """How a row is drawn right now."""

    NONE = "none"
    FLASH_ON = "flash_on"
    FLASH_OFF = "flash_off"
    STEADY = "steady"


@dataclass(frozen=True, slots=True)
class Call:
    """A ticket called to a counter: the latest call or recall of that ticket."""

    ticket_id: str
    number: str
    counter: int
    service_id: str | None
    service_ar: str
    service_en: str
    last_at: datetime
    """Server time of the latest call or recall (UTC); orders the rows."""
    recalls: int = 0
    active: bool = True
    """False once the ticket is finished, transferred, parked, a no-show or cancelled."""
    flashed_at: float | None = None
    """Local monotonic time the call or recall arrived live; ``None``: never highlighted."""

    @property
    def recall(self) -> bool:
        """True when the latest call was a recall."""
        return self.recalls > 0


@dataclass(frozen=True, slots=True)
class ServiceWait:
    """One service's line in the "Waiting" panel."""

    id: str
    prefix: str
    name_ar: str
    name_en: str
    waiting: int
    wait_minutes: int | None
    available: bool


@dataclass(frozen=True, slots=True)
class BranchFacts:
    """Who the branch is (from the snapshot)."""

    id: str
    name_ar: str
    name_en: str
    timezone: str = "Asia/Bahrain"
    digits: str = "western"
    hotline: str = ""
    day: str | None = None
    notices: tuple[tuple[str, str], ...] = ()
    """Standing ticker messages from the branch configuration, (Arabic, English)."""


def _parse_time(text: str | None) -> datetime:
    if text:
        try:
            moment = datetime.fromisoformat(text)
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        except ValueError:
            pass
    return datetime.now(UTC)


def _minutes(value: float | None) -> int | None:
    return None if value is None else round(value)


class BoardState:
    """The board's state (see the module docstring)."""

    def __init__(
        self,
        zone: frozenset[int] | None = None,
        *,
        history: int = HISTORY_LIMIT,
        now_calling_limit: int = NOW_CALLING_LIMIT,
        recent_limit: int = RECENT_LIMIT,
        monotonic: Callable[[], float] = time.monotonic,
        clock: ServerClock | None = None,
    ) -> None:
        self.zone = zone
        self.history = max(history, now_calling_limit + recent_limit)
        self.now_calling_limit = now_calling_limit
        self.recent_limit = recent_limit
        self.monotonic = monotonic
        self.clock = clock or ServerClock(monotonic)
        self.calls: OrderedDict[str, Call] = OrderedDict()
        """Ticket id -> its latest call, oldest first (newest at the end)."""
        self.services: tuple[ServiceWait, ...] = ()
        self.counters: dict[int, tuple[str, str]] = {}
        """Counter number -> (name_ar, name_en), from the snapshot."""
        self.zone_services: frozenset[str] | None = None
        """Services served by the counters of this board's zone (None: every service)."""
        self.branch: BranchFacts | None = None
        self.open = True
        self.connected = False
        self.loaded = False
        """True once a snapshot arrived (the board has something true to show)."""
        self.version = 0
        """Bumped on every change, so a view can tell whether it must repaint."""

    # ----------------------------------------------------------------------------------- reading
    def ordered(self) -> list[Call]:
        """Every kept call, newest first."""
        return list(reversed(self.calls.values()))

    def now_calling(self) -> list[Call]:
        """The newest calls still waited for at their counters (at most ``now_calling_limit``)."""
        return [c for c in self.ordered() if c.active][: self.now_calling_limit]

    def recent(self) -> list[Call]:
        """The calls before those: newest first, at most ``recent_limit``."""
        shown = {c.ticket_id for c in self.now_calling()}
        return [c for c in self.ordered() if c.ticket_id not in shown][: self.recent_limit]

    def visible_services(self) -> list[ServiceWait]:
        """Services a citizen can wait for now, or that have people waiting; on a board of a zone, only the
        services its counters serve."""
        return [
            s
            for s in self.services
            if (s.available or s.waiting > 0) and (self.zone_services is None or s.id in self.zone_services)
        ]

    def highlight(self, call: Call, now: float | None = None) -> Highlight:
        """How ``call``'s row is drawn at local monotonic time ``now``."""
        if call.flashed_at is None or not self.connected:
            return Highlight.NONE
        now = self.monotonic() if now is None else now
        age = now - call.flashed_at
        if age < 0 or age >= HIGHLIGHT_SECONDS:
            return Highlight.NONE
        if age < FLASH_SECONDS:
            return Highlight.FLASH_ON if (age % BLINK_PERIOD) < BLINK_PERIOD * 0.6 else Highlight.FLASH_OFF
        return Highlight.STEADY

    def animating(self, now: float | None = None) -> bool:
        """True while any shown row is flashing or highlighted (the view keeps repainting)."""
        now = self.monotonic() if now is None else now
        return any(self.highlight(c, now) is not Highlight.NONE for c in self.now_calling())

    def server_now(self) -> datetime:
        """The hall server's time now (the last time it told, plus the local monotonic time since)."""
        return self.clock.now()

    # ----------------------------------------------------------------------------------- changing
    def set_connected(self, connected: bool) -> None:
        """The link to the server went up or down. Going down drops every highlight at once: nothing
        keeps flashing on a board that may be showing an old state."""
        if connected == self.connected:
            return
        self.connected = connected
        if not connected:
            for ticket_id, call in self.calls.items():
                if call.flashed_at is not None:
                    self.calls[ticket_id] = replace(call, flashed_at=None)
        self.version += 1

    def note_server_time(self, iso_time: str) -> None:
        """Remember the server's clock (from a snapshot, ``hello`` or heartbeat reply)."""
        try:
            self.clock.observe(iso_time)
        except ValueError:
            log.warning("the server sent an unreadable time %r", iso_time)

    def apply_snapshot(self, data: BoardSnapshotData) -> list[Call]:
        """Replace what the board shows with the server's snapshot. Returns calls the board missed while
        offline (made in the last ``MISSED_CALL_SECONDS``, never seen here), oldest first, to announce;
        on the first snapshot after start nothing is announced."""
        self.note_server_time(data.now)
        server_now = _parse_time(data.now)
        branch = data.branch
        facts = BranchFacts(
            id=branch.id,
            name_ar=branch.name_ar,
            name_en=branch.name_en,
            timezone=branch.timezone or "Asia/Bahrain",
            digits=branch.digits or "western",
            hotline=branch.hotline,
            day=branch.day,
            notices=tuple((n.ar, n.en) for n in branch.notices if n.ar and n.en),
        )
        if self.branch is not None and facts.day != self.branch.day:
            self.calls.clear()  # a new day: yesterday's calls are gone
        self.branch = facts
        self.open = branch.open
        self.counters = {c.number: (c.name_ar, c.name_en) for c in data.counters}
        zone_services: set[str] = set()
        for public in data.counters:
            if in_zone(self.zone, public.number):
                zone_services.update(public.services)
        self.zone_services = frozenset(zone_services) if self.zone is not None and zone_services else None
        self._set_services(data.services)

        live = {r.id: r for r in data.now_calling if in_zone(self.zone, r.counter)}
        missed: list[Call] = []
        for ticket_id, call in list(self.calls.items()):
            if call.active and ticket_id not in live:
                self.calls[ticket_id] = replace(call, active=False)
        for ticket_id, row in live.items():
            known = self.calls.get(ticket_id)
            counter = row.counter or 0
            recalls = row.recalls
            called_at = _parse_time(row.called_at)
            if known is not None:
                changed = known.counter != counter or recalls > known.recalls
                fresh = changed and (server_now - called_at).total_seconds() <= MISSED_CALL_SECONDS
                updated = replace(
                    known,
                    counter=counter,
                    recalls=recalls,
                    active=True,
                    last_at=max(known.last_at, called_at),
                    flashed_at=self.monotonic() if fresh else known.flashed_at,
                )
                self.calls[ticket_id] = updated
                if fresh:
                    missed.append(updated)
                continue
            call = Call(
                ticket_id=ticket_id,
                number=row.number,
                counter=counter,
                service_id=row.service_id,
                service_ar=row.service_ar,
                service_en=row.service_en,
                last_at=called_at,
                recalls=recalls,
            )
            if self.loaded and (server_now - called_at).total_seconds() <= MISSED_CALL_SECONDS:
                call = replace(call, flashed_at=self.monotonic())
                missed.append(call)
            self.calls[ticket_id] = call
        self._reorder()
        self._trim()
        self.loaded = True
        self.version += 1
        missed.sort(key=lambda c: c.last_at)
        return [c for c in missed if c.ticket_id in self.calls]

    def apply_queue_status(self, is_open: bool, services: Iterable[ServiceStatus]) -> None:
        """New waiting counts and estimated waits."""
        self.open = is_open
        self._set_services(services)
        self.version += 1

    def apply_event(self, event: EventInfo) -> list[Call]:
        """One public journal event. Returns ``[call]`` for a call or recall in this board's zone (to
        announce), else ``[]``."""
        kind = event.type
        if kind == "day_started":
            self.calls.clear()
            if self.branch is not None:
                self.branch = replace(self.branch, day=event.day)
            self.version += 1
            return []
        ticket = event.ticket
        if ticket is None:
            return []
        ticket_id = ticket.id
        counter = event.counter
        if kind in ("ticket_called", "ticket_recalled"):
            if counter is None or not in_zone(self.zone, counter):
                known = self.calls.get(ticket_id)
                if known is not None and known.active:  # called again, elsewhere: no longer ours
                    self.calls[ticket_id] = replace(known, active=False)
                    self.version += 1
                return []
            known = self.calls.pop(ticket_id, None)
            recalls = 0
            if kind == "ticket_recalled":
                recalls = event.recalls or ((known.recalls + 1) if known else 1)
            call = Call(
                ticket_id=ticket_id,
                number=ticket.number,
                counter=counter,
                service_id=ticket.service_id,
                service_ar=ticket.service_ar,
                service_en=ticket.service_en,
                last_at=_parse_time(event.at),
                recalls=recalls,
                active=True,
                flashed_at=self.monotonic(),
            )
            self.calls[ticket_id] = call  # newest at the end
            self._trim()
            self.version += 1
            return [call]
        known = self.calls.get(ticket_id)
        if known is None:
            return []
        if kind in INACTIVE_EVENTS and known.active:
            self.calls[ticket_id] = replace(known, active=False, flashed_at=None)
            self.version += 1
        elif kind == "service_started" and not known.active:
            self.calls[ticket_id] = replace(known, active=True)
            self.version += 1
        return []

    # ----------------------------------------------------------------------------------- helpers
    def _set_services(self, rows: Iterable[ServiceStatus]) -> None:
        self.services = tuple(
            ServiceWait(
                id=row.id,
                prefix=row.prefix,
                name_ar=row.name_ar,
                name_en=row.name_en,
                waiting=row.waiting,
                wait_minutes=_minutes(row.wait_minutes),
                available=row.available,
            )
            for row in rows
        )

    def _reorder(self) -> None:
        ordered = sorted(self.calls.values(), key=lambda c: c.last_at)
        self.calls = OrderedDict((c.ticket_id, c) for c in ordered)

    def _trim(self) -> None:
        while len(self.calls) > self.history:
            self.calls.popitem(last=False)
