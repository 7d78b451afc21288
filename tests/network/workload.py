"""A branch at work for the network tests and benchmark: the real Hall and Journal of server/store,
driven by a simple round of commands (issue a ticket, then call / start / finish at a counter), and a
probe that times when each committed event shows up at HQ."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg

from server.core.config import BranchConfig, load_default_config, parse_branch_config
from server.core.engine import CallNext, Finish, IssueTicket, OpenCounter, StartService
from server.core.errors import DomainError, JournalError
from server.store.hall import Hall
from server.store.journal import Journal

SECRET = b"network-test-qr-secret"
GENERAL_COUNTERS = (3, 4, 5, 6)


def branch_config(branch_id: str) -> BranchConfig:
    """The shipped ministry hall as branch ``branch_id``, open around the clock."""
    data = load_default_config().model_dump()
    data["branch"]["id"] = branch_id
    data["branch"]["hours"] = {d: "00:00-24:00" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    return parse_branch_config(data)


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class BranchDriver:
    """One branch server's hall on its own database; ``step()`` runs one command and commits it."""

    url: str
    branch_id: str
    refused: int = 0
    domain_refused: int = 0
    commands: int = 0
    issued: int = 0
    commits: list[tuple[int, float]] = field(default_factory=list)
    """(last seq after the command, time.monotonic() when the commit returned)."""
    issue_every: int = 2
    """One step in this many issues a ticket, the others move a counter."""

    def __post_init__(self) -> None:
        self.journal = Journal.open(self.url)
        self.config = branch_config(self.branch_id)
        self.hall = Hall.open(self.config, self.journal, SECRET)
        self.outcome = self.config.finish_outcomes[0].code
        self.phase = {counter: 0 for counter in GENERAL_COUNTERS}
        self.waiting = 0
        self.turn = 0
        self.moves = 0
        self.issued = len(self.hall.engine.tickets)
        self._resume_from_the_hall()

    def _resume_from_the_hall(self) -> None:
        """Open the counters the hall has closed and take up each counter's step where the journal left
        it (a branch server restarted, or restored from HQ, goes on with the same day)."""
        engine = self.hall.engine
        self.waiting = sum(1 for ticket in engine.tickets.values() if ticket.state == "waiting")
        for number in GENERAL_COUNTERS:
            counter = engine.counters[number]
            if counter.state == "closed":
                self._run(OpenCounter(number, f"clerk{number}"))
            current = engine.tickets.get(counter.current) if counter.current else None
            self.phase[number] = {"called": 1, "serving": 2}.get(str(current.state), 0) if current else 0

    def close(self) -> None:
        self.journal.close()

    def _run(self, command: object) -> None:
        self.commands += 1
        try:
            self.hall.handle(command, now())  # type: ignore[arg-type]
        except JournalError:
            self.refused += 1
            return
        except DomainError:
            self.domain_refused += 1
            return
        self.commits.append((self.hall.last_seq, time.monotonic()))

    def step(self) -> None:
        """Issue a ticket (one step in ``issue_every``) or move one counter one step (call, start, finish)."""
        self.turn += 1
        if self.turn % self.issue_every == 1 % self.issue_every:
            services = ("inquiry", "mazaya", "data_update", "housing")
            self._run(IssueTicket(services[self.issued % 4], token=f"{self.branch_id}-{self.issued}"))
            self.issued += 1
            self.waiting += 1
            return
        self.moves += 1
        counter = GENERAL_COUNTERS[self.moves % len(GENERAL_COUNTERS)]
        phase = self.phase[counter]
        if phase == 0 and self.waiting:
            self._run(CallNext(counter))
            self.waiting -= 1
        elif phase == 1:
            self._run(StartService(counter))
        elif phase == 2:
            self._run(Finish(counter, self.outcome))
        else:
            return
        self.phase[counter] = (phase + 1) % 3

    def run(self, steps: int, pace: float = 0.0) -> None:
        for _ in range(steps):
            self.step()
            if pace:
                time.sleep(pace)


def run_branches(drivers: list[BranchDriver], steps: int, pace: float = 0.0) -> None:
    """Drive several branches at once (one thread each), as their halls would run."""
    threads = [threading.Thread(target=d.run, args=(steps, pace)) for d in drivers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)


class LagProbe:
    """Watches HQ's newest seq of each branch (every 5 ms) and records when each seq first appears."""

    def __init__(self, hq_url: str, branches: list[str]) -> None:
        self.hq_url = hq_url
        self.branches = branches
        self.seen: dict[str, list[tuple[int, float]]] = {b: [] for b in branches}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> LagProbe:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _watch(self) -> None:
        connection = psycopg.connect(self.hq_url, autocommit=True)
        try:
            while not self._stop.is_set():
                for branch in self.branches:
                    last = connection.execute(
                        "SELECT coalesce(max(seq), 0) FROM journal_events WHERE branch_id = %s", (branch,)
                    ).fetchone()
                    value = int(last[0]) if last else 0
                    marks = self.seen[branch]
                    if not marks or value > marks[-1][0]:
                        marks.append((value, time.monotonic()))
                time.sleep(0.005)
        finally:
            connection.close()

    def lags(self, driver: BranchDriver) -> list[float]:
        """For each commit of ``driver``: seconds from the commit until HQ held that seq."""
        marks = self.seen[driver.branch_id]
        out = []
        for seq, committed in driver.commits:
            arrived = next((t for s, t in marks if s >= seq), None)
            if arrived is not None:
                out.append(max(0.0, arrived - committed))
        return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]
