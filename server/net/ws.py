"""The websocket edge: moves frames between ``websockets.asyncio.server`` and ``HallServer``, nothing more.

``await serve_hall(hall_server, host, port, ssl=None)`` starts listening (HTTP GETs for ``/healthz``,
``/metrics`` and ``/t/<token>`` are answered on the same port) and returns a ``HallEndpoint`` with the
bound ``port``; ``await endpoint.stop()`` closes every connection (1001) and the ticker. ``run_server(...)``
serves one ``HallServer`` until SIGINT/SIGTERM and stops cleanly. ``run_branch(...)`` is what ``dawr server``
runs: it waits for the branch lock (a standby does not listen at all), builds a fresh ``HallServer`` (state
rebuilt from the journal), serves until a signal or until the lock is lost, and in the latter case goes back
to waiting (see docs/operations.md, "Standby and fail-over").
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import ssl as ssl_module
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from server.core.errors import JournalError
from server.net import http
from server.net.app import CLOSE_POLICY, Clock, Connection, HallServer
from server.store.leadership import BranchLock

log = logging.getLogger("dawr.server")
_CLOSE = object()
HARD_SIZE_FACTOR = 4
"""Frames larger than this many times ``max_message_bytes`` are cut off by websockets (close 1009);
smaller oversized ones get a ``message_too_large`` error reply."""

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}


@dataclass
class HallEndpoint:
    """A listening hall server: ``port`` is the bound port; ``stop()`` shuts it down."""

    server: Server
    hall_server: HallServer
    ticker: asyncio.Task[None]
    port: int

    async def stop(self) -> None:
        """Stop ticking, close every connection with 1001 (going away) and wait until done."""
        self.ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.ticker
        self.server.close(close_connections=True)
        await self.server.wait_closed()
        await self.hall_server.close()


async def _ticker(hall_server: HallServer, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await hall_server.tick()
        except Exception:
            log.exception("tick failed")


async def serve_hall(
    hall_server: HallServer,
    host: str = "127.0.0.1",
    port: int = 8765,
    ssl: ssl_module.SSLContext | None = None,
    tick_seconds: float = 1.0,
) -> HallEndpoint:
    """Start serving ``hall_server`` (already ``start()``-ed or not: it is started here)."""
    await hall_server.start()
    settings = hall_server.settings

    async def process_request(connection: ServerConnection, request: Request) -> Response | None:
        answer = await http.respond(hall_server, request.path)
        if answer is None:
            return None
        status, content_type, body = answer
        headers = Headers(
            {"Content-Type": content_type, "Content-Length": str(len(body)), **SECURITY_HEADERS}
        )
        return Response(status, HTTPStatus(status).phrase, headers, body)

    async def handler(websocket: ServerConnection) -> None:
        await _serve_connection(hall_server, websocket)

    server = await serve(
        handler,
        host,
        port,
        ssl=ssl,
        process_request=process_request,
        max_size=settings.max_message_bytes * HARD_SIZE_FACTOR,
        ping_interval=settings.ping_interval_seconds,
        ping_timeout=settings.ping_timeout_seconds,
        close_timeout=5,
        server_header="Dawr",
        compression=None,
    )
    bound = server.sockets[0].getsockname()[1] if server.sockets else port
    ticker = asyncio.create_task(_ticker(hall_server, tick_seconds), name="dawr-ticker")
    return HallEndpoint(server, hall_server, ticker, bound)


async def _serve_connection(hall_server: HallServer, websocket: ServerConnection) -> None:
    settings = hall_server.settings
    outbox: asyncio.Queue[Any] = asyncio.Queue()
    peer = websocket.remote_address
    conn: Connection

    def send(text: str) -> None:
        if conn.closing:
            return
        if outbox.qsize() >= settings.max_pending_messages:
            close(CLOSE_POLICY, "client too slow")
            return
        outbox.put_nowait(text)

    def close(code: int, reason: str) -> None:
        conn.closing = True
        outbox.put_nowait((_CLOSE, code, reason))

    conn = Connection(send=send, close=close, peer=f"{peer[0]}:{peer[1]}" if peer else "")

    async def writer() -> None:
        while True:
            item = await outbox.get()
            if isinstance(item, tuple):
                await websocket.close(item[1], item[2])
                return
            await websocket.send(item)

    writing = asyncio.create_task(writer())
    hall_server.connect(conn)
    try:
        while not conn.closing:
            limit = settings.idle_timeout_seconds if conn.principal else settings.login_timeout_seconds
            try:
                async with asyncio.timeout(limit):
                    frame = await websocket.recv()
            except TimeoutError:
                close(
                    CLOSE_POLICY if conn.principal is None else 1000,
                    "login timeout" if conn.principal is None else "idle timeout",
                )
                break
            await hall_server.receive(conn, frame)
        with contextlib.suppress(ConnectionClosed, asyncio.TimeoutError):
            async with asyncio.timeout(5):
                await writing
    except ConnectionClosed:
        pass
    finally:
        hall_server.disconnect(conn)
        if not writing.done():
            writing.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await writing


def tls_context(cert: str, key: str) -> ssl_module.SSLContext:
    """A server TLS context from PEM files."""
    context = ssl_module.SSLContext(ssl_module.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl_module.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context


class JsonLogFormatter(logging.Formatter):
    """One line per record: the message as is when it is JSON, else wrapped as ``{"message": ...}``,
    with the time and level added."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        try:
            data = json.loads(message)
            if not isinstance(data, dict):
                raise ValueError
        except ValueError:
            data = {"message": message}
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            **data,
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


async def run_server(
    hall_server: HallServer, host: str, port: int, ssl: ssl_module.SSLContext | None
) -> None:
    """Serve until SIGINT or SIGTERM, then stop cleanly (connections closed with 1001)."""
    endpoint = await serve_hall(hall_server, host, port, ssl)
    scheme = "wss" if ssl else "ws"
    log.info(
        json.dumps(
            {
                "event": "listening",
                "url": f"{scheme}://{host}:{endpoint.port}/",
                "branch": hall_server.config.branch.id,
                "seq": hall_server.hall.last_seq,
            }
        )
    )
    loop = asyncio.get_running_loop()
    stop: asyncio.Future[int] = loop.create_future()

    def on_signal(signum: int) -> None:
        if not stop.done():
            stop.set_result(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal, signum)
    try:
        received = await stop
        log.info(json.dumps({"event": "stopping", "signal": signal.Signals(received).name}))
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await endpoint.stop()
    log.info(json.dumps({"event": "stopped"}))


STANDBY_LOG_SECONDS = 60.0
"""A waiting standby logs ``{"event": "standby"}`` this often (and once at the start)."""


async def run_branch(
    make_hall_server: Callable[[], HallServer],
    lock: BranchLock | None,
    host: str,
    port: int,
    ssl: ssl_module.SSLContext | None,
    *,
    poll_seconds: float = 0.2,
) -> None:
    """Serve a branch for as long as this process holds its lock, until SIGINT or SIGTERM.

    1. Wait for ``lock`` (``None``: no lock). While waiting this server is the *standby*: it does not
       listen, so clients that know both addresses get "connection refused" at once and use the active one.
    2. Build a ``HallServer`` with ``make_hall_server()`` (its state is rebuilt from the journal on start),
       listen, log ``listening``.
    3. On a signal: close every connection (1001), release the lock, return. If the lock is lost (another
       server took over after a database restart), close every connection and go back to 1.
    """
    loop = asyncio.get_running_loop()
    stop: asyncio.Future[int] = loop.create_future()
    halt = threading.Event()

    def on_signal(signum: int) -> None:
        halt.set()
        if not stop.done():
            stop.set_result(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal, signum)
    scheme = "wss" if ssl else "ws"
    try:
        while not stop.done():
            if lock is not None:
                waited = time.monotonic()
                first = True
                while not stop.done():
                    got = await asyncio.to_thread(
                        lock.acquire,
                        wait=True,
                        poll_seconds=poll_seconds,
                        timeout=0 if first else STANDBY_LOG_SECONDS,
                        stop=halt,
                    )
                    if got:
                        break
                    log.info(
                        json.dumps(
                            {
                                "event": "standby",
                                "branch": lock.branch_id,
                                "lock": lock.kind,
                                "waiting_seconds": round(time.monotonic() - waited, 1),
                                "detail": "another server holds the branch lock; not listening",
                            }
                        )
                    )
                    first = False
                if stop.done():
                    break
                if not first:
                    log.warning(
                        json.dumps(
                            {
                                "event": "takeover",
                                "branch": lock.branch_id,
                                "waited_seconds": round(time.monotonic() - waited, 3),
                            }
                        )
                    )
            hall_server = make_hall_server()
            hall_server.branch_lock = lock
            try:
                endpoint = await serve_hall(hall_server, host, port, ssl)
            except JournalError as problem:
                log.error(
                    json.dumps({"event": "start", "result": "database_unavailable", "detail": str(problem)})
                )
                await hall_server.close()
                if lock is not None:
                    lock.release()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(asyncio.shield(stop), 1.0)
                continue
            except BaseException:
                await hall_server.close()
                raise
            log.info(
                json.dumps(
                    {
                        "event": "listening",
                        "url": f"{scheme}://{host}:{endpoint.port}/",
                        "branch": hall_server.config.branch.id,
                        "seq": hall_server.hall.last_seq,
                    }
                )
            )
            lost: asyncio.Future[Any] = asyncio.ensure_future(hall_server.lock_lost.wait())
            waiters: set[asyncio.Future[Any]] = {stop, lost}
            try:
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            finally:
                lost.cancel()
            if stop.done():
                log.info(json.dumps({"event": "stopping", "signal": signal.Signals(stop.result()).name}))
            else:
                log.error(json.dumps({"event": "stopping", "reason": "branch lock lost; back to standby"}))
            await endpoint.stop()
            if lock is not None:
                lock.release()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        if lock is not None:
            lock.release()
    log.info(json.dumps({"event": "stopped"}))


__all__ = [
    "Clock",
    "HallEndpoint",
    "JsonLogFormatter",
    "run_branch",
    "run_server",
    "serve_hall",
    "tls_context",
]
