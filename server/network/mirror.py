"""HQ's live picture of a branch: the branch's own pure engine, fed from HQ's replicated journal.

``BranchMirror(config, journal)`` rebuilds the branch's current day from HQ's copy of its journal (the same
``state_events`` the branch server starts from) and ``catch_up()`` then applies only the rows that arrived
since, in sequence order; it never applies past a gap. Since the engine is the one the branch runs, the
mirror's state equals the branch's as of the last replicated event (``engine.fingerprint()``: tested).
``picture(now)`` summarises it for the HQ live view — counters, waiting per service, longest and mean wait,
how old the data is — with nothing personal in it (no names, national ids or phones).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from server.core.config import BranchConfig
from server.core.engine import HallEngine
from server.core.events import Event
from server.store.journal import Journal


@dataclass(frozen=True)
class BranchPicture:
    """What the HQ view shows of one branch (aggregates only)."""

    branch_id: str
    name_ar: str
    name_en: str
    last_seq: int
    last_event_at: datetime | None
    counters_open: int
    counters_paused: int
    counters_closed: int
    waiting: dict[str, int] = field(default_factory=dict)
    """service id -> tickets waiting now."""
    longest_wait_seconds: float = 0.0
    mean_wait_seconds: float = 0.0
    served_today: int = 0
    data_age_seconds: float | None = None
    """Seconds since the newest event HQ has of the branch ("data 3 s old")."""
    stale: bool = False
    """HQ is cut off from the branch: the picture is as of ``last_event_at``."""


class BranchMirror:
    """The branch's state at HQ, rebuilt and kept current from HQ's copy of its journal."""

    def __init__(self, config: BranchConfig, journal: Journal, qr_secret: bytes = b"") -> None:
        self.config = config
        self.journal = journal
        self.qr_secret = qr_secret
        self.engine = HallEngine(config, qr_secret)
        self.last_seq = 0
        self._loaded = False

    @property
    def branch_id(self) -> str:
        return self.config.branch.id

    def catch_up(self) -> list[tuple[int, Event]]:
        """Apply what arrived since the last call (the current day on the first); returns it."""
        if not self._loaded:
            stored = self.journal.state_events(self.branch_id)
            engine = HallEngine(self.config, self.qr_secret)
            engine.replay(event for _, event in stored)
            self.engine = engine
            self.last_seq = stored[-1][0] if stored else 0
            self._loaded = True
            return stored
        applied: list[tuple[int, Event]] = []
        for _, seq, event in self.journal.events(self.branch_id, after_seq=self.last_seq):
            if seq != self.last_seq + 1:
                break  # not yet complete here: wait for the missing rows
            self.engine.apply(event)
            self.last_seq = seq
            applied.append((seq, event))
        return applied

    def picture(self, now: datetime, *, connected: bool = True) -> BranchPicture:
        """The summary of the mirrored state at ``now`` (``connected``: HQ's link to the branch is up)."""
        engine = self.engine
        counts = {"open": 0, "paused": 0, "closed": 0}
        for counter in engine.counters.values():
            counts[str(counter.state)] = counts.get(str(counter.state), 0) + 1
        waiting: dict[str, int] = {}
        waits: list[float] = []
        served = 0
        for ticket in engine.tickets.values():
            if ticket.state == "waiting":
                waiting[ticket.service_id] = waiting.get(ticket.service_id, 0) + 1
                waits.append(max(0.0, (now - ticket.arrival_at).total_seconds()))
            elif ticket.state == "done":
                served += 1
        latest = engine.latest
        age = max(0.0, (now - latest).total_seconds()) if latest is not None else None
        return BranchPicture(
            branch_id=self.branch_id,
            name_ar=self.config.branch.name_ar,
            name_en=self.config.branch.name_en,
            last_seq=self.last_seq,
            last_event_at=latest,
            counters_open=counts["open"],
            counters_paused=counts["paused"],
            counters_closed=counts["closed"],
            waiting=dict(sorted(waiting.items())),
            longest_wait_seconds=max(waits, default=0.0),
            mean_wait_seconds=sum(waits) / len(waits) if waits else 0.0,
            served_today=served,
            data_age_seconds=age,
            stale=not connected,
        )
