"""One branch's engine and its journal, kept in step: the single writer of the branch's queue.

``Hall.open(config, journal, qr_secret)`` rebuilds today's state from the journal. ``hall.handle(cmd, now)``
lets time pass, runs the command, commits all resulting events in one transaction and only then returns
them with their sequence numbers (so a caller may tell clients). ``hall.tick(now)`` does the same for
time alone (day start, cap warnings). If the database refuses a write, nothing is acknowledged, the
in-memory state is rebuilt from the journal, and JournalError is raised; the next call tries again.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

from server.core.config import BranchConfig
from server.core.engine import EngineCommand, HallEngine, Result
from server.core.errors import DomainError, JournalError
from server.core.events import Event
from server.store.journal import Journal


@dataclass(frozen=True)
class Committed:
    """A command's outcome after the commit: the ticket it concerns and the stored (seq, event) pairs,
    time-driven events first."""

    ticket_id: str | None
    events: list[tuple[int, Event]]


class Hall:
    """A branch engine whose every change is journaled before it is acknowledged."""

    def __init__(self, config: BranchConfig, journal: Journal, qr_secret: bytes) -> None:
        self.config = config
        self.journal = journal
        self.qr_secret = qr_secret
        self.engine = HallEngine(config, qr_secret)
        self.last_seq = 0
        self._stale = True

    @classmethod
    def open(cls, config: BranchConfig, journal: Journal, qr_secret: bytes) -> Hall:
        """A hall with today's state rebuilt from the journal."""
        hall = cls(config, journal, qr_secret)
        hall.rebuild()
        return hall

    @property
    def branch_id(self) -> str:
        return self.config.branch.id

    def rebuild(self) -> None:
        """Replace the in-memory state by a replay of the journal (raises JournalError if unreachable)."""
        stored = self.journal.state_events(self.branch_id)
        engine = HallEngine(self.config, self.qr_secret)
        engine.replay(event for _, event in stored)
        self.engine = engine
        self.last_seq = self.journal.last_seq(self.branch_id)
        self._stale = False

    def tick(self, now: datetime) -> list[tuple[int, Event]]:
        """Let time pass; returns the committed time-driven events (day start, cap warning/overrun)."""
        self._ensure_fresh()
        return self._commit(self.engine.advance(now))

    def handle(self, command: EngineCommand, now: datetime) -> Committed:
        """Run ``command`` at ``now`` and commit its events. Raises DomainError if refused (time-driven
        events that fell due are still committed) or JournalError if the database refused."""
        self._ensure_fresh()
        timed = self.engine.advance(now)
        try:
            result: Result = self.engine.execute(command, now)
        except DomainError:
            self._commit(timed)
            raise
        stored = self._commit(timed + result.events)
        return Committed(result.ticket_id, stored)

    def _ensure_fresh(self) -> None:
        if self._stale:
            self.rebuild()

    def _commit(self, events: list[Event]) -> list[tuple[int, Event]]:
        if not events:
            return []
        assert self.engine.day is not None
        try:
            seqs = self.journal.append(self.branch_id, events, self.engine.day)
        except JournalError:
            self._stale = True
            with contextlib.suppress(JournalError):
                self.rebuild()
            raise
        self.last_seq = seqs[-1]
        return list(zip(seqs, events, strict=True))
