"""The hall server's core: one branch's ``Hall`` behind the protocol, independent of any socket.

``HallServer(config, journal, staff, qr_secret, clock)`` is driven by the edge (``server/net/ws.py``) or by a
test: ``connect(conn)`` registers a ``Connection`` (whose ``send`` is any callable taking a text frame —
a test may pass ``list.append``), ``await receive(conn, text)`` handles one frame and sends exactly one
reply, ``disconnect(conn)`` forgets it, ``await tick()`` lets the clock move the queue (cap warnings,
day start). Every accepted command is committed to the journal (``Hall.handle``) before its reply and
before any push; pushes follow the rules in ``server/protocol/messages.py``. ``authorize`` is the one place where
roles and counter bindings are checked.
A kiosk's or board's state change is also written to ``device_status`` (``server/store/devices.py``, what HQ
shows as device alerts) by a thread of its own: never awaited by a command, a failure logged once.
The bookings HQ sends (the branch's ``bookings`` table, ``server/store/bookings.py``) are read every
``BOOKING_POLL_SECONDS`` by a task of its own and journaled as an appointment import (``sync_bookings``).

With a ``branch_lock`` (``server/store/leadership.py``; ``dawr server`` always passes one), every journal write
and every tick first makes sure this server still holds the branch lock: if its lock session died (the
database restarted) it takes the lock again and rebuilds from the journal before writing; if another server
holds it now, nothing is written, the request gets ``database_unavailable`` and ``lock_lost`` is set so the
edge stops serving (clients fail over to the server that holds the lock).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from pydantic import TypeAdapter

from server.core import engine as cmds
from server.core.config import BranchConfig
from server.core.errors import ConfigError, DomainError, JournalError
from server.core.events import CapOverrun, DayStarted, Event, TicketCalled, TicketIssued, TicketRecalled
from server.core.lifecycle import Command
from server.net import views
from server.net.auth import Principal, match_device
from server.net.metrics import Metrics
from server.net.wording import arabic
from server.protocol import messages as p
from server.protocol import payloads as pl
from server.store.appointment_import import read_bookings
from server.store.bookings import BookingFeed, BookingStore
from server.store.devices import DeviceRow, DeviceStatusStore
from server.store.hall import Committed, Hall
from server.store.journal import Journal
from server.store.leadership import BranchLock, LockLost
from server.store.staff import NotGrantedHere, Session, StaffStore

log = logging.getLogger("dawr.server")

Clock = Callable[[], datetime]
CLOSE_POLICY = 1008
SESSION_CHECK_SECONDS = 30.0
BOARD_SILENT_SECONDS = 90.0
"""A connected board without a heartbeat for this long (three missed 30 s beats) is shown as not responding."""
VERSION = "dawr-server/0.1"
DEVICE_FLUSH_SECONDS = 5.0
"""How long ``close`` waits for the device status rows still to be written."""
BOOKING_POLL_SECONDS = 3.0
"""How often a tick starts a read of the branch's ``bookings`` rows (those HQ sends; ``sync_bookings``)."""


class Refused(Exception):
    """A request refused at the edge (not by the engine): stable ``code``, English ``message``."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code, self.message, self.details = code, message, details


@dataclass(frozen=True)
class Reply:
    """What a handler gives back: the result's ``data``, ``after`` to run once the reply is sent (the
    broadcast or the snapshot, with the hall lock released there) and the ticket number for the log."""

    data: pl.Payload
    after: Callable[[], None] | None = None
    ticket: str | None = None


def error(request_id: Any, code: str, message: str, **details: Any) -> p.Error:
    """An error reply with the Arabic wording of ``code`` (the ``server`` catalogue) filled in."""
    return p.error(request_id, code, message, arabic(code), **details)


class TokenBucket:
    """``rate`` requests per second with bursts of ``burst`` (real monotonic time, never the fake clock)."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, float(burst)
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def take(self) -> bool:
        """True if a request may go now (and counts it)."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass(eq=False)
class Connection:
    """One client as the core sees it. ``send`` queues a text frame; ``close(code, reason)`` asks the edge
    to close after what is queued. ``last_seq`` is the ``seq`` of the last push sent (``prev_seq`` of the
    next one)."""

    send: Callable[[str], None]
    close: Callable[[int, str], None] = lambda code, reason: None
    peer: str = ""
    id: int = field(default_factory=lambda: secrets.randbits(31))
    principal: Principal | None = None
    last_seq: int = -1
    login_failures: int = 0
    rate_violations: int = 0
    bucket: TokenBucket | None = None
    views_sent: dict[int, pl.CounterViewData] = field(default_factory=dict)
    """Counter number -> the last view of it this client got."""
    status_version: int = -1
    """Which queue status (``HallServer._status_version``) this client has; -1 after a snapshot."""
    closing: bool = False

    @property
    def role(self) -> str:
        return self.principal.role if self.principal else p.NO_LOGIN

    def push(self, message: p.Message) -> None:
        """Send a push; remembers its seq."""
        self.send(p.dump(message))
        seq = getattr(message, "seq", None)
        if isinstance(seq, int):
            self.last_seq = seq

    def push_body(self, kind: str, seq: int, body: str) -> None:
        """Send a push whose payload is already serialised (``p.push_text``); remembers its seq."""
        self.send(p.push_text(kind, seq, self.last_seq, body))
        self.last_seq = seq


def authorize(principal: Principal | None, request: p.Request, engine: cmds.HallEngine) -> int | None:
    """The one authorization check: may ``principal`` send ``request``? Returns the counter the request
    acts on (for counter commands), or raises Refused ("not_authenticated", "already_authenticated",
    "forbidden", "forbidden_counter", "counter_required")."""
    role = principal.role if principal else p.NO_LOGIN
    allowed = p.ALLOWED_ROLES[request.type]  # type: ignore[attr-defined]
    if role not in allowed:
        if principal is None:
            raise Refused("not_authenticated", "Log in first.")
        if allowed == {p.NO_LOGIN}:
            raise Refused("already_authenticated", "This connection is already logged in; log out first.")
        raise Refused("forbidden", f"A {role} may not send {request.type}.")  # type: ignore[attr-defined]
    assert principal is not None or role == p.NO_LOGIN
    if isinstance(request, p.CounterRequest):
        assert principal is not None
        if role == "counter":
            if request.counter is not None and request.counter != principal.counter:
                raise Refused(
                    "forbidden_counter",
                    f"You are logged in at counter {principal.counter}; "
                    f"you cannot act on counter {request.counter}.",
                    counter=request.counter,
                )
            return principal.counter
        number = request.counter if request.counter is not None else principal.counter
        if number is None:
            raise Refused("counter_required", 'Name the counter ("counter": N).')
        return number
    if isinstance(request, p.Reinstate) and role == "counter":
        assert principal is not None
        ticket = engine.ticket(request.ticket)
        if ticket is not None and ticket.no_show_by not in (None, principal.counter):
            raise Refused("forbidden_counter", "A counter may reinstate only the no-shows it marked.")
    if isinstance(request, p.Cancel) and role == "counter":
        assert principal is not None
        ticket = engine.ticket(request.ticket)
        if ticket is not None and principal.counter not in (ticket.counter, ticket.parked_by):
            raise Refused("forbidden_counter", "A counter may cancel only the ticket at or parked by it.")
    return None


Handler = Callable[["HallServer", Connection, Any], Awaitable[Reply]]
_HANDLERS: dict[str, Handler] = {}


def handles(*types: str) -> Callable[[Handler], Handler]:
    """Register a coroutine method as the handler of request ``types``."""

    def register(function: Handler) -> Handler:
        for name in types:
            _HANDLERS[name] = function
        return function

    return register


def _at(counter: int | None) -> int:
    assert counter is not None, "authorize resolves the counter of every counter request"
    return counter


_ENGINE_COMMANDS: dict[Command, Callable[[Any, int | None], cmds.EngineCommand]] = {
    Command.OPEN_COUNTER: lambda r, c: cmds.OpenCounter(_at(c)),  # staff filled in by the handler
    Command.PAUSE_COUNTER: lambda r, c: cmds.PauseCounter(_at(c), r.reason),
    Command.RESUME_COUNTER: lambda r, c: cmds.ResumeCounter(_at(c)),
    Command.CLOSE_COUNTER: lambda r, c: cmds.CloseCounter(_at(c)),
    Command.CALL_NEXT: lambda r, c: cmds.CallNext(_at(c)),
    Command.CALL_TICKET: lambda r, c: cmds.CallTicket(_at(c), r.ticket),
    Command.RECALL: lambda r, c: cmds.Recall(_at(c)),
    Command.START_SERVICE: lambda r, c: cmds.StartService(_at(c)),
    Command.NO_SHOW: lambda r, c: cmds.NoShow(_at(c)),
    Command.REINSTATE: lambda r, c: cmds.Reinstate(r.ticket),
    Command.PARK: lambda r, c: cmds.Park(_at(c)),
    Command.RESUME_PARKED: lambda r, c: cmds.ResumeParked(_at(c), r.ticket),
    Command.TRANSFER: lambda r, c: cmds.Transfer(_at(c), r.to_service, r.to_counter, r.position),
    Command.FINISH: lambda r, c: cmds.Finish(_at(c), r.outcome, r.overrun_reason),
    Command.CANCEL: lambda r, c: cmds.Cancel(r.ticket, r.reason),
}
"""The counter commands: ``Command`` (= the request type) -> the engine command built from the request
and the counter ``authorize`` resolved."""


class HallServer:
    """One branch's queue served over the protocol (see the module docstring)."""

    def __init__(
        self,
        config: BranchConfig,
        journal: Journal,
        staff: StaffStore,
        qr_secret: bytes,
        clock: Clock,
        *,
        branch_lock: BranchLock | None = None,
    ) -> None:
        self.config = config
        self.branch_lock = branch_lock
        self.lock_lost = asyncio.Event()
        self._database_down = False
        self.settings = config.server
        self.journal = journal
        self.staff = staff
        self.clock = clock
        self.hall = Hall(config, journal, qr_secret)
        self.lock = asyncio.Lock()
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dawr-journal")
        self.device_store = DeviceStatusStore(journal.engine)
        self._device_writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dawr-devices")
        """Writes the ``device_status`` rows, in order, off the command path (``_store_device``)."""
        self._device_store_down = False
        self.booking_store = BookingStore(journal.engine)
        self.booking_feed = BookingFeed()
        self._bookings_task: asyncio.Task[int] | None = None
        self._last_booking_poll = -BOOKING_POLL_SECONDS
        self._bookings_down = False
        self.connections: set[Connection] = set()
        self.bound: dict[int, Connection] = {}
        self.devices: dict[str, pl.DeviceInfo] = {
            d.id: pl.DeviceInfo(
                id=d.id,
                role=d.role,
                name=d.name,
                connected=False,
                last_seen=None,
                health=pl.Peripherals(),
                detail="",
            )
            for d in config.devices
        }
        self.metrics = Metrics()
        self.started = time.monotonic()
        self._statuses: str | None = None
        """The last queue status's services, as JSON text."""
        self._open: bool | None = None
        self._status_version = 0
        self._last_session_check = time.monotonic()
        self._pushed_seq = 0
        self._dirty = True
        self._last_views: dict[int, pl.CounterViewData] = {}
        """The counter views built last (``_Views``), by counter."""

    @property
    def engine(self) -> cmds.HallEngine:
        return self.hall.engine

    # ------------------------------------------------------------------------------------- life cycle
    async def start(self) -> None:
        """Rebuild the state from the journal and let the clock catch up (day start)."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self.executor, self._guarded, self.hall.rebuild)
        self._pushed_seq = self.hall.last_seq
        for device_id in self.devices:  # what HQ sees after a restart: nobody connected yet
            self._store_device(device_id)
        await self.tick()

    async def close(self) -> None:
        """Release the journal thread (the journal itself belongs to the caller); the device rows still
        queued are written first (for at most ``DEVICE_FLUSH_SECONDS``)."""
        task = self._bookings_task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.executor.shutdown(wait=True)
        try:
            await asyncio.wait_for(
                asyncio.to_thread(self._device_writer.shutdown, True), DEVICE_FLUSH_SECONDS
            )
        except TimeoutError:
            log.warning(json.dumps({"event": "device_status", "result": "not_flushed"}))

    async def tick(self) -> None:
        """Let time pass (``Hall.tick``), push the resulting events, re-check staff sessions now and then,
        and every ``BOOKING_POLL_SECONDS`` start a read of the bookings HQ sent (``sync_bookings``, a task
        of its own: a tick never waits for it)."""
        loop = asyncio.get_running_loop()
        if (
            (self._bookings_task is None or self._bookings_task.done())
            and time.monotonic() - self._last_booking_poll >= BOOKING_POLL_SECONDS
            and not self.lock_lost.is_set()
        ):
            self._last_booking_poll = time.monotonic()
            self._bookings_task = asyncio.create_task(self.sync_bookings(), name="dawr-bookings")
        async with self.lock:
            try:
                stored = await loop.run_in_executor(
                    self.executor, self._guarded, self.hall.tick, self.clock()
                )
            except JournalError as problem:
                self._database_trouble(problem)
                return
            self._database_back()
            self._broadcast(stored)
            self._flush()
            self._check_silent_boards()
        if time.monotonic() - self._last_session_check >= SESSION_CHECK_SECONDS:
            self._last_session_check = time.monotonic()
            await self.check_sessions()

    async def sync_bookings(self) -> int:
        """Journal the new or changed rows of this branch's ``bookings`` table (what HQ sends it,
        docs/network.md) as one appointment import, exactly as a CSV import; returns how many bookings
        were imported. The rows are read outside the hall lock; a database that does not answer is
        logged once and tried again at a later tick — the hall goes on serving."""
        try:
            rows = await asyncio.to_thread(
                self.booking_store.changed_since, self.config.branch.id, self.booking_feed.since
            )
        except JournalError as problem:
            if not self._bookings_down:
                self._bookings_down = True
                log.warning(json.dumps({"event": "bookings", "result": "not_read", "detail": str(problem)}))
            return 0
        if self._bookings_down:
            self._bookings_down = False
            log.warning(json.dumps({"event": "bookings", "result": "ok", "detail": "read again"}))
        if not rows:
            return 0
        loop = asyncio.get_running_loop()
        async with self.lock:
            try:
                imported: int = await loop.run_in_executor(
                    self.executor, self._guarded, self.booking_feed.apply, self.hall, rows, self.clock()
                )
            except JournalError as problem:
                self._database_trouble(problem)
                imported = 0
            except DomainError as problem:  # not a single booking's fault: logged, tried again later
                log.warning(
                    json.dumps({"event": "bookings", "result": problem.code, "detail": problem.message})
                )
                imported = 0
            try:
                if self.hall.last_seq > self._pushed_seq:
                    stored = await loop.run_in_executor(self.executor, self._stored_since, self._pushed_seq)
                    self._broadcast(stored)
            except JournalError:
                pass
        if imported:
            log.info(json.dumps({"event": "bookings", "result": "imported", "count": imported}))
        return imported

    def _guarded(self, function: Callable[..., Any], *args: Any) -> Any:
        """Run ``function(*args)`` (a journal read or write, in the journal thread) only while this server
        holds the branch lock; re-takes a lock whose session died and rebuilds before going on."""
        lock = self.branch_lock
        if lock is not None and not lock.still_held():
            if self.lock_lost.is_set():
                raise LockLost("this server no longer holds the branch lock")
            lock.release()  # drop the dead session (its lock is gone with it)
            if not lock.acquire():  # raises JournalError while the database is unreachable
                raise LockLost("another server holds the branch lock now")
            log.warning(
                json.dumps(
                    {
                        "event": "branch_lock",
                        "result": "retaken",
                        "detail": "the lock session had ended; state rebuilt from the journal",
                    }
                )
            )
            self.hall.rebuild()
        return function(*args)

    def _database_trouble(self, problem: JournalError) -> None:
        """Note a failed journal access: lock lost → stop serving; database down → log once."""
        if isinstance(problem, LockLost):
            if not self.lock_lost.is_set():
                log.error(json.dumps({"event": "branch_lock", "result": "lost", "detail": str(problem)}))
                self.lock_lost.set()
            return
        if not self._database_down:
            self._database_down = True
            log.error(
                json.dumps({"event": "database", "result": "database_unavailable", "detail": str(problem)})
            )

    def _database_back(self) -> None:
        if self._database_down:
            self._database_down = False
            log.warning(
                json.dumps({"event": "database", "result": "ok", "detail": "the database answers again"})
            )

    async def check_sessions(self) -> None:
        """Log out connections whose staff session expired, was revoked or whose account was disabled."""
        staff = {
            c: c.principal.session_digest
            for c in self.connections
            if c.principal is not None and c.principal.session_digest
        }
        if not staff:
            return
        try:
            live = await asyncio.to_thread(self.staff.still_valid, staff.values(), self.clock())
        except JournalError:
            return
        for conn, digest in staff.items():
            if digest not in live and conn.principal is not None:
                self._logout(conn)
                conn.send(p.dump(error(None, "session_expired", "Your session ended; log in again.")))

    # ---------------------------------------------------------------------------------- connections
    def connect(self, conn: Connection) -> None:
        """Register a new connection and greet it with ``hello``."""
        conn.bucket = TokenBucket(self.settings.rate_per_second, self.settings.rate_burst)
        self.connections.add(conn)
        conn.send(p.dump(p.Hello(server=VERSION, branch=self.config.branch.id, now=self.clock().isoformat())))

    def disconnect(self, conn: Connection) -> None:
        """Forget a closed connection (its counter becomes free, its device shows as disconnected)."""
        self.connections.discard(conn)
        self._release(conn)

    def _release(self, conn: Connection) -> None:
        principal = conn.principal
        if principal is None:
            return
        if principal.counter is not None and self.bound.get(principal.counter) is conn:
            del self.bound[principal.counter]
        if (
            principal.role in ("kiosk", "board")
            and principal.name in self.devices
            and not any(
                c.principal
                and c.principal.name == principal.name
                and c is not conn
                and c.principal.role == principal.role
                for c in self.connections
            )
        ):
            self._device_changed(principal.name, connected=False)

    def clients_by_role(self) -> dict[str, int]:
        """Open connections per role (``none`` for not logged in)."""
        counts = {role: 0 for role in (*p.ROLES, p.NO_LOGIN)}
        for conn in self.connections:
            counts[conn.role] += 1
        return counts

    # ------------------------------------------------------------------------------------- requests
    async def receive(self, conn: Connection, text: str | bytes) -> None:
        """Handle one frame from ``conn``: exactly one reply is sent (result or error); abusive clients are
        asked to close with 1008."""
        started = time.perf_counter()
        size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
        assert conn.bucket is not None
        if not conn.bucket.take():
            conn.rate_violations += 1
            self.metrics.refused_frames += 1
            conn.send(p.dump(error(None, "rate_limited", "Too many requests; slow down.")))
            if conn.rate_violations >= self.settings.rate_violations_before_close:
                self._policy_close(conn, "rate limit")
            return
        if size > self.settings.max_message_bytes:
            self.metrics.refused_frames += 1
            conn.send(
                p.dump(
                    error(
                        None,
                        "message_too_large",
                        f"Messages are limited to {self.settings.max_message_bytes} bytes.",
                    )
                )
            )
            return
        try:
            request = p.parse_request(text)
        except p.ProtocolError as problem:
            self.metrics.refused_frames += 1
            conn.send(p.dump(error(problem.request_id, problem.code, problem.message, **problem.details)))
            self._log(conn, "?", problem.code, started, None)
            return
        kind: str = request.type  # type: ignore[attr-defined]
        result, ticket = "ok", None
        after: Callable[[], None] | None = None
        try:
            counter = authorize(conn.principal, request, self.engine)
            reply = await _HANDLERS[kind](self, conn, (request, counter))
            after, ticket = reply.after, reply.ticket
            conn.send(p.dump(p.Result(id=request.id, data=reply.data)))
        except Refused as problem:
            result = problem.code
            conn.send(p.dump(error(request.id, problem.code, problem.message, **problem.details)))
            if (
                problem.code in ("login_failed", "branch_not_granted")
                and conn.login_failures >= self.settings.max_login_failures
            ):
                self._policy_close(conn, "too many failed logins")
        except DomainError as problem:
            result = problem.code
            conn.send(p.dump(error(request.id, problem.code, problem.message, **_plain(problem.details))))
        except JournalError as problem:
            result = "database_unavailable"
            log.error(json.dumps({"event": "journal", "detail": str(problem)}))
            self._database_trouble(problem)
            conn.send(
                p.dump(
                    error(
                        request.id,
                        "database_unavailable",
                        "The database is unavailable; nothing was changed. Try again.",
                    )
                )
            )
        except Exception:
            result = "internal_error"
            log.exception("request %s failed", kind)
            conn.send(p.dump(error(request.id, "internal_error", "Internal error; nothing was changed.")))
        finally:
            if after is not None:
                after()
        seconds = time.perf_counter() - started
        self.metrics.command(kind, result, seconds)
        self._log(conn, kind, result, started, ticket)

    def _policy_close(self, conn: Connection, reason: str) -> None:
        if not conn.closing:
            conn.closing = True
            self.metrics.policy_closes += 1
            log.warning(
                json.dumps({"event": "close", "conn": conn.id, "who": self._who(conn), "reason": reason})
            )
            conn.close(CLOSE_POLICY, reason)

    def _who(self, conn: Connection) -> str:
        return conn.principal.who if conn.principal else f"anonymous:{conn.peer}"

    def _log(self, conn: Connection, kind: str, result: str, started: float, ticket: str | None) -> None:
        if not log.isEnabledFor(logging.INFO):
            return
        line: dict[str, Any] = {
            "event": "command",
            "conn": conn.id,
            "who": self._who(conn),
            "what": kind,
            "result": result,
            "ms": round((time.perf_counter() - started) * 1000, 2),
        }
        if ticket:
            line["ticket"] = ticket
        log.info(json.dumps(line, ensure_ascii=False))

    # --------------------------------------------------------------------------------- committing
    async def _commit(self, command: cmds.EngineCommand) -> tuple[Committed, Callable[[], None]]:
        """Run ``command`` through the hall (journal committed on return) and give the broadcast to run
        after the reply. Holds the hall lock until that runs, so pushes go out in journal order."""
        loop = asyncio.get_running_loop()
        await self.lock.acquire()
        try:
            committed: Committed = await loop.run_in_executor(
                self.executor, self._guarded, self.hall.handle, command, self.clock()
            )
        except BaseException:
            try:
                if self.hall.last_seq > self._pushed_seq:  # a refused command still committed timed events
                    stored = await loop.run_in_executor(self.executor, self._stored_since, self._pushed_seq)
                    self._broadcast(stored)
            except JournalError:
                pass
            finally:
                self.lock.release()
            raise

        self._database_back()

        def after() -> None:
            try:
                self._broadcast(committed.events)
            finally:
                self.lock.release()

        return committed, after

    def _stored_since(self, seq: int) -> list[tuple[int, Event]]:
        return [(s, event) for _, s, event in self.journal.events(self.config.branch.id, after_seq=seq)]

    async def _snapshot_after(self, conn: Connection) -> Callable[[], None]:
        """Take the hall lock; the returned callable sends ``conn`` a snapshot and releases it."""
        await self.lock.acquire()

        def after() -> None:
            try:
                self._send_snapshot(conn)
            finally:
                self.lock.release()

        return after

    # --------------------------------------------------------------------------------- broadcasting
    def _broadcast(self, stored: list[tuple[int, Event]]) -> None:
        """Push committed events at once, with the views of the counters they touched; queue status and
        the other counters' queue lists are refreshed by ``_flush`` (at the next tick, coalesced)."""
        if not stored:
            return
        engine = self.engine
        touched: set[int] = set()
        for seq, event in stored:
            self._count(event)
            self._pushed_seq = max(self._pushed_seq, seq)
            for name in ("counter", "to_counter"):
                number = getattr(event, name, None)
                if isinstance(number, int):
                    touched.add(number)
        self._dirty = True
        last = stored[-1][0]
        new_day = any(isinstance(event, DayStarted) for _, event in stored)
        live = [c for c in self.connections if c.principal is not None and c.last_seq >= 0]
        live.sort(key=lambda c: c.role not in ("board", "kiosk"))
        wanted = {n for n in touched if any(self._watches(c, n) for c in live)}
        fresh = _Views(views.counter_views(engine, sorted(wanted)) if wanted else {}, self._last_views)
        projected: dict[tuple[int, str, int | None], str | None] = {}
        for conn in live:
            principal = conn.principal
            assert principal is not None
            # a counter session sees its own counter's events; every other role sees the same as its peers
            audience = principal.counter if principal.role == "counter" else None
            for index, (seq, event) in enumerate(stored):
                key = (index, principal.role, audience)
                if key not in projected:
                    record = views.project_event(engine, event, principal.role, principal.counter)
                    projected[key] = None if record is None else p.body("event", record)
                body = projected[key]
                if body is not None:
                    conn.push_body("event", seq, body)
            if new_day:  # midnight: everything open was cancelled; give everyone the new day whole
                self._send_snapshot(conn)
                continue
            self._push_views(conn, fresh, last)

    def _watches(self, conn: Connection, number: int) -> bool:
        principal = conn.principal
        return principal is not None and (
            principal.role == "supervisor" or (principal.role == "counter" and principal.counter == number)
        )

    def _push_views(self, conn: Connection, fresh: _Views, seq: int) -> None:
        for number, current in fresh.views.items():
            if self._watches(conn, number):
                if fresh.same(number, conn.views_sent.get(number)):
                    conn.views_sent[number] = current
                else:
                    conn.views_sent[number] = current
                    conn.push_body("counter_view", seq, fresh.body(number))

    def _flush(self) -> None:
        """Push changed queue status (waiting, estimates, open/closed) and counter queue lists; called
        with the hall lock held after every tick."""
        engine = self.engine
        now = self.clock()
        statuses = _SERVICE_LIST.dump_json(views.service_statuses(engine, now)).decode()
        is_open = engine.config.is_open(now)
        if statuses != self._statuses or is_open != self._open:
            self._status_version += 1
        self._statuses, self._open = statuses, is_open
        live = [c for c in self.connections if c.principal is not None and c.last_seq >= 0]
        behind = [c for c in live if c.status_version != self._status_version]
        if not behind and not self._dirty:
            return
        self._dirty = False
        last = self.hall.last_seq
        live.sort(key=lambda c: c.role not in ("board", "kiosk"))
        wanted: set[int] = set()
        for conn in live:
            principal = conn.principal
            assert principal is not None
            if principal.role == "supervisor":
                wanted.update(cfg.number for cfg in self.config.counters)
            elif principal.role == "counter" and principal.counter is not None:
                wanted.add(principal.counter)
        fresh = _Views(views.counter_views(engine, sorted(wanted)) if wanted else {}, self._last_views)
        status_body = f'"open":{"true" if is_open else "false"},"services":{statuses}'
        for conn in live:
            # every client gets the current status once, also one whose snapshot was built just before
            # a change (so nobody stays on "closed" after opening time, whatever the interleaving)
            if conn.status_version != self._status_version and conn.role in (
                "kiosk",
                "board",
                "counter",
                "supervisor",
            ):
                conn.push_body("queue_status", last, status_body)
                conn.status_version = self._status_version
            self._push_views(conn, fresh, last)

    def _count(self, event: Event) -> None:
        if isinstance(event, TicketIssued):
            self.metrics.tickets_issued[event.service_id] += 1
        elif isinstance(event, TicketCalled):
            self.metrics.calls += 1
        elif isinstance(event, TicketRecalled):
            self.metrics.recalls += 1
        elif isinstance(event, CapOverrun):
            self.metrics.overruns += 1

    def _send_snapshot(self, conn: Connection) -> None:
        """Send ``conn`` a fresh snapshot (call with the hall lock held or from the loop between commits)."""
        principal = conn.principal
        assert principal is not None
        data = views.snapshot(
            self.engine, principal.role, self.clock(), principal.counter, list(self.devices.values())
        )
        role = cast(p.Role, principal.role)
        conn.push(p.SNAPSHOTS[role](seq=self.hall.last_seq, role=role, data=data))
        conn.status_version = -1
        conn.views_sent = {}
        if isinstance(data, pl.SupervisorSnapshotData):
            conn.views_sent = {v.number: v for v in data.counter_views}
        elif isinstance(data, pl.CounterSnapshotData) and data.counter is not None:
            conn.views_sent[data.counter.number] = data.counter

    def _device_changed(self, device_id: str, **changes: Any) -> None:
        changes["last_seen"] = self.clock().isoformat()
        self.devices[device_id] = self.devices[device_id].model_copy(update=changes)
        self._push_device(device_id)
        self._store_device(device_id)

    def _store_device(self, device_id: str) -> None:
        """Queue the device's row for ``device_status`` (HQ's device alerts, docs/network.md): written by
        the device thread in order, never awaited by a command; a failure is logged once and forgotten.
        A server that lost the branch lock writes nothing more (the server holding it now owns the rows)."""
        if self.lock_lost.is_set():
            return
        device = self.devices[device_id]
        row = DeviceRow(
            branch_id=self.config.branch.id,
            device_id=device.id,
            role=device.role,
            connected=device.connected,
            silent=device.silent,
            printer=device.health.printer,
            scanner=device.health.scanner,
            display=device.health.display,
            announcer=device.health.announcer,
            detail=device.detail,
            updated_at=self.clock(),
        )
        with contextlib.suppress(RuntimeError):  # closing: the writer takes no more rows
            self._device_writer.submit(self._write_device, row)

    def _write_device(self, row: DeviceRow) -> None:
        if self.lock_lost.is_set():
            return
        try:
            self.device_store.put(row)
        except Exception as problem:  # a database outage must not stop the hall
            if not self._device_store_down:
                self._device_store_down = True
                log.warning(
                    json.dumps({"event": "device_status", "result": "not_stored", "detail": str(problem)})
                )
            return
        if self._device_store_down:
            self._device_store_down = False
            log.warning(json.dumps({"event": "device_status", "result": "ok", "detail": "stored again"}))

    def _push_device(self, device_id: str) -> None:
        device = self.devices[device_id]
        body: str | None = None
        for conn in self.connections:
            if conn.role == "supervisor" and conn.last_seq >= 0:
                body = body or p.body("device", device)
                conn.push_body("device_status", conn.last_seq, body)

    # ------------------------------------------------------------------------------------ sessions
    async def _logged_in(self, conn: Connection, principal: Principal) -> Callable[[], None]:
        conn.principal = principal
        conn.last_seq = -1
        if principal.counter is not None and principal.role in ("counter", "supervisor"):
            old = self.bound.get(principal.counter)
            if old is not None and old is not conn and old.principal is not None:
                old.principal = Principal(
                    old.principal.role,
                    old.principal.name,
                    old.principal.display_name,
                    None,
                    old.principal.session_digest,
                    old.principal.expires_at,
                )
                if old.principal.role == "counter":
                    self._logout(old)
                    old.send(
                        p.dump(error(None, "session_expired", "You logged in at this counter elsewhere."))
                    )
            self.bound[principal.counter] = conn
        return await self._snapshot_after(conn)

    def _logout(self, conn: Connection) -> None:
        self._release(conn)
        conn.principal = None
        conn.last_seq = -1
        conn.views_sent = {}

    def _check_counter(self, role: str, username: str, counter: int | None) -> None:
        if role == "counter" and counter is None:
            raise Refused("counter_required", 'Counter staff must name their counter ("counter": N).')
        if counter is not None and self.config.counter(counter) is None:
            raise Refused("unknown_counter", f"There is no counter {counter}.", counter=counter)
        if counter is not None and role == "admin":
            raise Refused("invalid_message", "An admin does not sit at a counter.")
        holder = self.bound.get(counter) if counter is not None else None
        if holder is not None and holder.principal is not None and holder.principal.name != username:
            raise Refused("counter_taken", f"Counter {counter} is in use by someone else.", counter=counter)

    def _staff_principal(self, session: Session, counter: int | None) -> Principal:
        return Principal(
            session.role,
            session.username,
            session.display_name,
            counter,
            session.digest,
            session.expires_at.isoformat(),
        )

    @handles("login_device")
    async def _login_device(self, conn: Connection, args: tuple[p.LoginDevice, None]) -> Reply:
        request = args[0]
        if request.protocol != p.PROTOCOL_VERSION:
            raise Refused("unsupported_protocol", f"This server speaks protocol {p.PROTOCOL_VERSION}.")
        device = match_device(self.config, request.token)
        if device is None:
            conn.login_failures += 1
            raise Refused("login_failed", "Unknown device token.")
        after = await self._logged_in(conn, Principal(device.role, device.id, device.name or device.id))
        self._device_changed(device.id, connected=True)
        data = pl.LoginDeviceReply(role=device.role, device_id=device.id, branch=self.config.branch.id)
        return Reply(data, after)

    def _login_reply(self, session: Session, counter: int | None, token: str) -> pl.LoginReply:
        return pl.LoginReply(
            role=session.role,  # type: ignore[arg-type]
            username=session.username,
            display_name=session.display_name,
            counter=counter,
            session_token=token,
            expires_at=session.expires_at.isoformat(),
            branch=self.config.branch.id,
        )

    @handles("login")
    async def _login(self, conn: Connection, args: tuple[p.Login, None]) -> Reply:
        request = args[0]
        if request.protocol != p.PROTOCOL_VERSION:
            raise Refused("unsupported_protocol", f"This server speaks protocol {p.PROTOCOL_VERSION}.")
        lifetime = timedelta(hours=self.settings.session_hours)
        try:
            session = await asyncio.to_thread(
                self.staff.login, request.username, request.password, request.counter, lifetime, self.clock()
            )
        except NotGrantedHere:  # raised only once the password proved right: tells a guesser nothing
            conn.login_failures += 1
            raise Refused(
                "branch_not_granted", "This account may not work at this branch; ask HQ to grant it."
            ) from None
        if session is None:
            conn.login_failures += 1
            raise Refused("login_failed", "Wrong user name or password, or the account is disabled.")
        try:
            self._check_counter(session.role, session.username, request.counter)
        except Refused:
            await asyncio.to_thread(self.staff.revoke, session.digest)
            raise
        after = await self._logged_in(conn, self._staff_principal(session, request.counter))
        return Reply(self._login_reply(session, request.counter, session.token), after)

    @handles("resume_session")
    async def _resume(self, conn: Connection, args: tuple[p.ResumeSession, None]) -> Reply:
        request = args[0]
        if request.protocol != p.PROTOCOL_VERSION:
            raise Refused("unsupported_protocol", f"This server speaks protocol {p.PROTOCOL_VERSION}.")
        session = await asyncio.to_thread(self.staff.resume, request.session_token, self.clock())
        if session is None:
            conn.login_failures += 1
            raise Refused("session_expired", "The session has ended; log in again.")
        counter = request.counter if request.counter is not None else session.counter
        self._check_counter(session.role, session.username, counter)
        after = await self._logged_in(conn, self._staff_principal(session, counter))
        if counter != session.counter:
            try:
                await asyncio.to_thread(self.staff.rebind, session.digest, counter)
            except JournalError:
                after()
                raise
        return Reply(self._login_reply(session, counter, request.session_token), after)

    @handles("logout")
    async def _logout_request(self, conn: Connection, args: tuple[p.Logout, None]) -> Reply:
        principal = conn.principal
        if principal is not None and principal.session_digest:
            await asyncio.to_thread(self.staff.revoke, principal.session_digest)
        self._logout(conn)
        return Reply(pl.EmptyReply())

    @handles("resync")
    async def _resync(self, conn: Connection, args: tuple[p.Resync, None]) -> Reply:
        after = await self._snapshot_after(conn)
        return Reply(pl.ResyncReply(seq=self.hall.last_seq), after)

    @handles("ping")
    async def _ping(self, conn: Connection, args: tuple[p.Ping, None]) -> Reply:
        return Reply(pl.PingReply(now=self.clock().isoformat(), seq=self.hall.last_seq))

    # ------------------------------------------------------------------------------- kiosk, board
    @handles("list_services")
    async def _list_services(self, conn: Connection, args: tuple[p.ListServices, None]) -> Reply:
        async with self.lock:
            now = self.clock()
            services = views.service_statuses(self.engine, now)
            return Reply(pl.ServicesReply(open=self.config.is_open(now), services=services))

    @handles("heartbeat")
    async def _heartbeat(self, conn: Connection, args: tuple[p.Heartbeat, None]) -> Reply:
        assert conn.principal is not None
        name = conn.principal.name
        if name in self.devices:
            if self.devices[name].silent:
                self._device_changed(name, silent=False)
            else:
                self.devices[name] = self.devices[name].model_copy(
                    update={"last_seen": self.clock().isoformat()}
                )
        return Reply(pl.HeartbeatReply(now=self.clock().isoformat()))

    def _check_silent_boards(self) -> None:
        """A board still connected but without a heartbeat for ``BOARD_SILENT_SECONDS`` (a frozen app, a
        dead screen process) is marked ``silent`` for the supervisors; its next heartbeat clears it."""
        now = self.clock()
        for device_id, device in self.devices.items():
            if device.role != "board" or not device.connected or device.silent:
                continue
            seen = device.last_seen
            if seen and (now - datetime.fromisoformat(seen)).total_seconds() > BOARD_SILENT_SECONDS:
                self.devices[device_id] = device.model_copy(update={"silent": True})
                self._push_device(device_id)
                self._store_device(device_id)

    @handles("device_health")
    async def _device_health(self, conn: Connection, args: tuple[p.DeviceHealth, None]) -> Reply:
        request = args[0]
        assert conn.principal is not None
        health = pl.Peripherals(
            **{
                k: getattr(request, k)
                for k in ("printer", "scanner", "display", "announcer")
                if getattr(request, k) is not None
            }
        )
        if conn.principal.name in self.devices:
            self._device_changed(conn.principal.name, health=health, detail=request.detail, connected=True)
        return Reply(pl.EmptyReply())

    def _device_key(self, conn: Connection, key: str) -> str:
        assert conn.principal is not None
        return f"{conn.principal.name}:{key}"

    async def _issue(self, conn: Connection, command: cmds.EngineCommand) -> Reply:
        committed, after = await self._commit(command)
        try:
            ticket = self.engine.tickets[committed.ticket_id] if committed.ticket_id else None
            assert ticket is not None
            info = views.ticket_info(self.engine, ticket, self.settings.public_url)
            duplicate = not any(isinstance(e, TicketIssued) for _, e in committed.events)
        except BaseException:
            after()
            raise
        return Reply(pl.TicketReply(ticket=info, duplicate=duplicate), after, ticket.number)

    @handles("issue_ticket")
    async def _issue_ticket(self, conn: Connection, args: tuple[p.IssueTicket, None]) -> Reply:
        request = args[0]
        command = cmds.IssueTicket(
            request.service_id,
            request.priority,
            self._device_key(conn, request.idempotency_key),
            secrets.token_urlsafe(16),
        )
        return await self._issue(conn, command)

    @handles("check_in")
    async def _check_in(self, conn: Connection, args: tuple[p.CheckIn, None]) -> Reply:
        request = args[0]
        command = cmds.CheckIn(
            request.qr_payload,
            request.reference,
            request.national_id,
            self._device_key(conn, request.idempotency_key),
            secrets.token_urlsafe(16),
        )
        try:
            return await self._issue(conn, command)
        except DomainError as problem:
            existing = self.engine.tickets.get(problem.details.get("ticket") or "")
            if problem.code == "appointment_already_checked_in" and existing is not None:
                # the kiosk reprints the same ticket: give it everything a printout needs
                problem.details["ticket_info"] = views.ticket_info(
                    self.engine, existing, self.settings.public_url
                ).model_dump()
            raise

    # ------------------------------------------------------------------------------------- counter
    @handles(*_ENGINE_COMMANDS)
    async def _counter_command(self, conn: Connection, args: tuple[Any, int | None]) -> Reply:
        request, counter = args
        assert conn.principal is not None
        command = _ENGINE_COMMANDS[Command(request.type)](request, counter)
        if isinstance(command, cmds.OpenCounter):
            command = cmds.OpenCounter(command.counter, conn.principal.name)
        committed, after = await self._commit(command)
        fields: dict[str, Any] = {}
        if counter is not None:
            fields["counter"] = counter
        number = None
        if committed.ticket_id and committed.ticket_id in self.engine.tickets:
            ticket = self.engine.tickets[committed.ticket_id]
            fields["ticket"] = views.staff_ticket(self.engine, ticket)
            number = ticket.number
        return Reply(pl.CounterReply(**fields), after, number)

    # --------------------------------------------------------------------------------------- admin
    @handles("import_appointments")
    async def _import(self, conn: Connection, args: tuple[p.ImportAppointments, None]) -> Reply:
        request = args[0]
        try:
            bookings = read_bookings(io.StringIO(request.csv, newline=""), self.config.zone)
        except ConfigError as problem:
            raise Refused("invalid_csv", str(problem).replace("<input>: ", "")) from None
        _, after = await self._commit(cmds.ImportAppointments(bookings))
        own = sum(1 for b in bookings if b.branch_id == self.config.branch.id)
        return Reply(pl.ImportReply(imported=len(bookings), own=own, others=len(bookings) - own), after)

    # ------------------------------------------------------------------------------------- reading
    async def ticket_page(self, token: str) -> pl.TicketPage | None:
        """The status page data of the ticket with ``token`` (see ``views.ticket_page``), or None."""
        async with self.lock:
            return views.ticket_page(self.engine, token, self.clock())

    async def waiting_by_service(self) -> dict[str, int]:
        """Tickets waiting per service now."""
        async with self.lock:
            return {s.id: self.engine.waiting_count(s.id) for s in self.config.services}

    async def database_ok(self) -> bool:
        """True if the journal database answers within 2 seconds."""
        try:
            await asyncio.wait_for(asyncio.to_thread(self.journal.last_seq, self.config.branch.id), 2.0)
        except (JournalError, TimeoutError):
            return False
        return True


_SERVICE_LIST: TypeAdapter[list[pl.ServiceStatus]] = TypeAdapter(list[pl.ServiceStatus])


class _Views:
    """Counter views built for one broadcast or tick. Each is compared once with the one built last time
    (most are unchanged) and serialised once, when first sent; ``same`` tells whether a client's last
    view of a counter is the current one without comparing it again for every client."""

    def __init__(self, built: dict[int, pl.CounterViewData], last: dict[int, pl.CounterViewData]) -> None:
        self.views = built
        self._last = dict(last)
        self._unchanged: dict[int, bool] = {}
        self._bodies: dict[int, str] = {}
        last.update(built)

    def same(self, number: int, sent: pl.CounterViewData | None) -> bool:
        """Whether ``sent`` (what a client has of counter ``number``) equals the current view."""
        if sent is None:
            return False
        current = self.views[number]
        if sent is current:
            return True
        previous = self._last.get(number)
        if sent is previous:
            unchanged = self._unchanged.get(number)
            if unchanged is None:
                unchanged = self._unchanged[number] = previous == current
            return unchanged
        return sent == current

    def body(self, number: int) -> str:
        """The ``"counter": {...}`` part of the ``counter_view`` push of counter ``number``."""
        text = self._bodies.get(number)
        if text is None:
            text = self._bodies[number] = p.body("counter", self.views[number])
        return text


def _plain(details: dict[str, Any]) -> dict[str, Any]:
    """Error details made JSON-safe."""
    plain: dict[str, Any] = json.loads(json.dumps(details, default=str))
    return plain
