"""Run the real hall server in tests (and in the Qt apps' tests): loopback, port 0, temporary SQLite.

    async with running_server() as hall:          # inside an asyncio test
        async with websockets.connect(hall.url, proxy=None) as ws: ...

    runner = ServerThread(); hall = runner.start() # from synchronous code, e.g. pytest-qt tests
        client = HallClient([hall.url], ...)
        runner.advance(minutes=6)                  # move the fake clock and tick now
        runner.stop(); runner.start()              # a restart on the same port and database

Both give a ``TestHall`` with ``url`` (``ws://127.0.0.1:PORT/``), ``http_url``, ``clock`` (a ``FakeClock``,
by default Sunday 2026-11-22 09:00 in Bahrain, when the ministry hall is open), ``device_tokens``
(``{"kiosk-1": token, "board-1": token}``), ``passwords`` (``{"alice": ...}``: counter staff ``alice`` and
``bob``, supervisor ``sara``, admin ``adam``), ``db_url`` and the ``server`` (``HallServer``).
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from server.core.config import BranchConfig, DeviceConfig, load_default_config
from server.net.app import HallServer
from server.net.auth import mint_token, token_digest
from server.net.ws import HallEndpoint, serve_hall
from server.store.journal import Journal
from server.store.staff import StaffStore

T = TypeVar("T")
DEFAULT_START = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
"""Sunday 22 November 2026, 09:00 in Bahrain: the ministry hall is open."""
DEFAULT_STAFF = (("alice", "counter"), ("bob", "counter"), ("sara", "supervisor"), ("adam", "admin"))
DEFAULT_DEVICES = (("kiosk-1", "kiosk"), ("kiosk-2", "kiosk"), ("board-1", "board"))
TEST_QR_SECRET = b"test-qr-secret-not-for-production"


class FakeClock:
    """The one hand-moved clock of the tests: ``clock()`` is "now" (tz-aware UTC, by default Sunday
    2026-11-22 09:00 in Bahrain); ``clock.monotonic()`` is the same moment as monotonic seconds (for
    code that takes a ``time.monotonic``-like clock: the board's timers, the scanner).

        clock = FakeClock()                      # or FakeClock(start), FakeClock(step=0.004)
        clock.advance(minutes=6)                 # also: clock.tick(minutes=6), clock.set(moment)
        clock.now = moment                       # clock.now += timedelta(...) works too
        scanner = KeyboardWedgeScanner(field, clock=FakeClock(step=0.25).monotonic)

    ``step`` (seconds) moves the clock forward by itself after every read (``clock()``, ``now`` or
    ``monotonic()``): a person typing a key every 0.25 s. Thread-safe (the server reads it from its
    thread while the test moves it)."""

    def __init__(
        self, start: datetime = DEFAULT_START, *, step: float = 0.0, monotonic_start: float = 1000.0
    ) -> None:
        self._now = start.astimezone(UTC)
        self._start = self._now
        self.step = step
        self.monotonic_start = monotonic_start
        self._lock = threading.Lock()

    def _read(self) -> datetime:
        with self._lock:
            moment = self._now
            if self.step:
                self._now += timedelta(seconds=self.step)
            return moment

    def __call__(self) -> datetime:
        return self._read()

    @property
    def now(self) -> datetime:
        """The current time (UTC); assigning any tz-aware time moves the clock there."""
        return self._read()

    @now.setter
    def now(self, moment: datetime) -> None:
        self.set(moment)

    def monotonic(self) -> float:
        """The current time as monotonic seconds (``monotonic_start`` at the clock's start)."""
        moment = self._read()
        return self.monotonic_start + (moment - self._start).total_seconds()

    def advance(self, **delta: float) -> datetime:
        """Move forward by ``timedelta(**delta)``; returns the new time."""
        with self._lock:
            self._now += timedelta(**delta)
            return self._now

    def tick(self, minutes: float = 0, seconds: float = 0) -> datetime:
        """``advance(minutes=..., seconds=...)``."""
        return self.advance(minutes=minutes, seconds=seconds)

    def set(self, moment: datetime) -> None:
        """Jump to ``moment`` (tz-aware)."""
        if moment.tzinfo is None:
            raise ValueError("FakeClock needs a tz-aware time")
        with self._lock:
            self._now = moment.astimezone(UTC)


@dataclass
class TestHall:
    """A running server as tests see it (see the module docstring)."""

    __test__ = False

    url: str
    http_url: str
    port: int
    clock: FakeClock
    server: HallServer
    db_url: str
    config: BranchConfig
    device_tokens: dict[str, str] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)
    qr_secret: bytes = TEST_QR_SECRET

    def journal_seq(self) -> int:
        """The branch's newest journal sequence number, read from the database."""
        journal = Journal(self.server.journal.engine)
        return journal.last_seq(self.config.branch.id)


def with_devices(
    config: BranchConfig, devices: tuple[tuple[str, str], ...]
) -> tuple[BranchConfig, dict[str, str]]:
    """``config`` with fresh tokens for ``devices`` ((id, role) pairs) added; returns it and the tokens."""
    tokens = {device_id: mint_token() for device_id, _ in devices}
    entries = tuple(
        DeviceConfig(id=d, role=role, name=d, token_sha256=token_digest(tokens[d])) for d, role in devices
    )
    return config.model_copy(update={"devices": config.devices + entries}), tokens


@contextlib.asynccontextmanager
async def running_server(
    config: BranchConfig | None = None,
    *,
    db_url: str | None = None,
    clock: FakeClock | None = None,
    tick_seconds: float = 0.05,
    staff: tuple[tuple[str, str], ...] = DEFAULT_STAFF,
    devices: tuple[tuple[str, str], ...] = DEFAULT_DEVICES,
    server_settings: dict[str, Any] | None = None,
    qr_secret: bytes = TEST_QR_SECRET,
    port: int = 0,
    passwords: dict[str, str] | None = None,
    device_tokens: dict[str, str] | None = None,
) -> AsyncIterator[TestHall]:
    """Start the real server on 127.0.0.1 (``port`` 0: any free port); stop it (and remove the temp
    database, when no ``db_url`` was given) on exit. ``devices`` get fresh tokens added to the config;
    ``device_tokens`` are tokens of devices ``config`` has already (both end up in ``device_tokens``).
    Staff get a fresh password each start unless ``passwords`` names theirs."""
    config = config or load_default_config()
    if server_settings:
        config = config.model_copy(update={"server": config.server.model_copy(update=server_settings)})
    config, tokens = with_devices(config, devices)
    tokens = {**(device_tokens or {}), **tokens}
    clock = clock or FakeClock()
    with tempfile.TemporaryDirectory(prefix="dawr-test-") as folder:
        url = db_url or f"sqlite:///{Path(folder) / 'hall.db'}"
        journal = await asyncio.to_thread(Journal.open, url)
        store = StaffStore(journal.engine, scrypt_n=2**12, branch_id=config.branch.id)
        chosen: dict[str, str] = {}
        for username, role in staff:
            chosen[username] = (passwords or {}).get(username) or f"{username}-pw-{mint_token()[:8]}"
            if store.account(username) is None:
                await asyncio.to_thread(store.add, username, chosen[username], role, username.title())
            else:
                await asyncio.to_thread(store.set_password, username, chosen[username])
        hall_server = HallServer(config, journal, store, qr_secret, clock)
        endpoint: HallEndpoint = await serve_hall(hall_server, "127.0.0.1", port, tick_seconds=tick_seconds)
        try:
            yield TestHall(
                f"ws://127.0.0.1:{endpoint.port}/",
                f"http://127.0.0.1:{endpoint.port}",
                endpoint.port,
                clock,
                hall_server,
                url,
                config,
                tokens,
                chosen,
                qr_secret,
            )
        finally:
            await endpoint.stop()
            journal.close()


class ServerThread:
    """The one test harness: ``running_server`` in a background thread with its own event loop, for
    synchronous tests (pytest-qt included).

        with ServerThread() as hall: ...                      # a TestHall; or runner = ServerThread(); runner.start()
        runner.run(coroutine)                                 # run on the server's loop, get the result
        runner.call(lambda server: server.engine.tickets)     # read the server between commands (hall lock held)
        runner.advance(minutes=6)                             # move the fake clock and tick now
        runner.stop(); runner.start()                         # a restart: same port, database, device
                                                              # tokens, passwords and clock
        runner.stop(wait=qtbot.waitUntil)                     # let Qt clients answer the closing handshake

    Keyword arguments are those of ``running_server``; the database is a temporary SQLite file that
    lives as long as this object (or ``db_url``)."""

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self._folder = tempfile.TemporaryDirectory(prefix="dawr-test-")
        config = kwargs.pop("config", None) or load_default_config()
        config, tokens = with_devices(config, kwargs.pop("devices", DEFAULT_DEVICES))
        self.kwargs.update(
            config=config,
            devices=(),
            device_tokens={**kwargs.pop("device_tokens", {}), **tokens},
            db_url=kwargs.get("db_url") or f"sqlite:///{Path(self._folder.name) / 'hall.db'}",
        )
        self.kwargs.setdefault("clock", FakeClock())
        self.clock: FakeClock = self.kwargs["clock"]
        self.port = 0
        self.hall: TestHall | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``ws://127.0.0.1:PORT/`` (the same across restarts)."""
        return f"ws://127.0.0.1:{self.port}/"

    @property
    def server(self) -> HallServer:
        """The running ``HallServer``."""
        assert self.hall is not None, "the test server is not running"
        return self.hall.server

    @property
    def running(self) -> bool:
        """True while the server thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def _main(self) -> None:
        assert self.loop is not None
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._serve())
        except BaseException as error:
            self._error = error
            self._ready.set()
        finally:
            self.loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        async with running_server(port=self.port, **self.kwargs) as hall:
            self.hall = hall
            self.port = hall.port
            self.kwargs["passwords"] = hall.passwords  # a restart keeps them
            self._ready.set()
            await self._stop.wait()

    def start(self) -> TestHall:
        """Start the server (on the same port as before, after a ``stop``); returns once it listens."""
        if self.running:
            raise RuntimeError("the test server is running already")
        self._ready.clear()
        self._error = None
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._main, name="dawr-test-server", daemon=True)
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None or self.hall is None:
            raise RuntimeError(f"the test server did not start: {self._error!r}")
        return self.hall

    def stop(self, wait: Callable[..., Any] | None = None) -> None:
        """Stop the server (connections are closed with 1001) and wait for its thread. ``wait``: a
        ``qtbot.waitUntil``-like function to wait with instead (so Qt clients are served meanwhile)."""
        if self.loop is not None and self._stop is not None and self.running:
            self.loop.call_soon_threadsafe(self._stop.set)
            if wait is not None:
                wait(lambda: not self.running, timeout=30_000)
        if self._thread is not None:
            self._thread.join(30)

    def close(self) -> None:
        """Stop the server and remove its temporary database."""
        self.stop()
        self._folder.cleanup()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run ``coroutine`` on the server's loop; returns its result."""
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def call(self, work: Callable[[HallServer], T], timeout: float = 30) -> T:
        """``work(server)`` on the server's loop with the hall lock held (reads the engine between
        commands); returns its result."""
        server = self.server

        async def locked() -> T:
            async with server.lock:
                return work(server)

        return self.run(locked(), timeout)

    def advance(self, **delta: float) -> None:
        """Move the fake clock forward and let the server tick now (cap warnings, overruns)."""
        self.clock.advance(**delta)
        self.run(self.server.tick())

    def __enter__(self) -> TestHall:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def server_thread(**kwargs: Any) -> Iterator[ServerThread]:
    """``ServerThread`` as a context manager that yields the runner itself (``runner.hall``, ``advance``)."""
    runner = ServerThread(**kwargs)
    runner.start()
    try:
        yield runner
    finally:
        runner.close()


class SyncClient:
    """A blocking protocol client for tests and scripts (``websockets.sync``, no proxy).

    ``request(type, **fields)`` sends a request and returns its reply (a dict), keeping every push that
    arrived meanwhile in ``pushes`` (and tracking ``last_seq`` by the ``prev_seq`` rule; ``gaps`` counts
    pushes whose ``prev_seq`` did not match). ``next_push(predicate)`` waits for a matching push."""

    __test__ = False

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        from websockets.sync.client import connect

        self.timeout = timeout
        self._context = connect(url, proxy=None, open_timeout=timeout, close_timeout=2)
        self.ws = self._context.__enter__()
        self.hello = self._recv_json()
        self.pushes: list[dict[str, Any]] = []
        self.last_seq = -1
        self.gaps = 0
        self.snapshot: dict[str, Any] | None = None
        self._ids = 0

    def _recv_json(self, timeout: float | None = None) -> dict[str, Any]:
        import json

        frame = self.ws.recv(timeout=self.timeout if timeout is None else timeout)
        data: dict[str, Any] = json.loads(frame)
        return data

    def _note(self, message: dict[str, Any]) -> None:
        if message.get("type") == "snapshot":
            self.snapshot = message
            self.last_seq = message["seq"]
        elif "prev_seq" in message:
            if message["prev_seq"] != self.last_seq:
                self.gaps += 1
            self.last_seq = message["seq"]
        self.pushes.append(message)

    def send_raw(self, frame: str | bytes) -> None:
        """Send any frame as is."""
        self.ws.send(frame)

    def reply_to(self, request_id: Any) -> dict[str, Any]:
        """Read frames until the reply with ``request_id`` (pushes and id-less errors are kept)."""
        while True:
            message = self._recv_json()
            if message.get("type") in ("result", "error") and message.get("id") == request_id:
                return message
            self._note(message)

    def request(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Send a request; returns its reply."""
        import json

        self._ids += 1
        self.ws.send(json.dumps({"id": self._ids, "type": kind, **fields}))
        return self.reply_to(self._ids)

    def next_push(self, predicate: Any = None, timeout: float | None = None) -> dict[str, Any]:
        """The first stored or newly arriving push that ``predicate`` accepts (any push if None); raises
        TimeoutError if none comes in time."""
        import time as _time

        for i, message in enumerate(self.pushes):
            if predicate is None or predicate(message):
                return self.pushes.pop(i)
        deadline = _time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            left = deadline - _time.monotonic()
            if left <= 0:
                raise TimeoutError("no matching push")
            message = self._recv_json(left)
            self._note(message)
            if predicate is None or predicate(message):
                self.pushes.remove(message)
                return message

    def login_device(self, token: str) -> dict[str, Any]:
        """Log in as a device; returns the reply (the snapshot lands in ``snapshot``)."""
        reply = self.request("login_device", token=token)
        if reply["type"] == "result":
            self.next_push(lambda m: m.get("type") == "snapshot")
        return reply

    def login(self, username: str, password: str, counter: int | None = None) -> dict[str, Any]:
        """Log in as staff; returns the reply (the snapshot lands in ``snapshot``)."""
        fields: dict[str, Any] = {"username": username, "password": password}
        if counter is not None:
            fields["counter"] = counter
        reply = self.request("login", **fields)
        if reply["type"] == "result":
            self.next_push(lambda m: m.get("type") == "snapshot")
        return reply

    def close(self) -> None:
        """Close the connection."""
        self._context.__exit__(None, None, None)

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
