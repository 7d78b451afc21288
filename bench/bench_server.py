"""Load benchmark of the hall server (not a test): a busy day compressed in time, on loopback.

    .venv/bin/python bench/bench_server.py [--seconds 40] [--speed 120] [--postgres URL] [--sqlite-only]

The server runs in its own process (``server.testing.running_server``: the real server, durable commits)
with 50 counters, 10 kiosks and 20 boards configured; this process drives 50 counter clients, 20 boards
and 10 kiosks with ``websockets`` (no proxy). The hall clock runs ``--speed`` times faster than real time
from 07:35 on a Sunday, so cap warnings and overruns happen too. Printed per database: call→board latency
(counter sends ``call_next`` → a board receives the ``ticket_called`` event) and ticket-issue round trip
(kiosk request → reply), p50/p99, with counts. Bounded: ``--seconds`` of load and at most ``--max-tickets``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import websockets

from server.core.config import load_default_config

COUNTERS, BOARDS, KIOSKS = 50, 20, 10
START = datetime(2026, 11, 22, 4, 35, tzinfo=UTC)  # 07:35 in Bahrain, a Sunday


class ScaledClock:
    """Hall time running ``speed`` times faster than real time from ``start``."""

    def __init__(self, start: datetime, speed: float) -> None:
        self.start, self.speed, self.t0 = start, speed, time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self.t0) * self.speed)


def bench_config():  # type: ignore[no-untyped-def]
    base = load_default_config()
    general = base.counters[2]
    counters = []
    for n in range(1, COUNTERS + 1):
        template = base.counters[0] if n <= 2 else general
        counters.append(
            template.model_copy(update={"number": n, "name_ar": f"شباك {n}", "name_en": f"Counter {n}"})
        )
    relaxed = base.server.model_copy(update={"rate_per_second": 200.0, "rate_burst": 400})
    return base.model_copy(update={"counters": tuple(counters), "server": relaxed})


def serve(db_url: str, speed: float, out: Any, stop: Any) -> None:
    """Child process: run the real server until told to stop."""
    from server.testing import running_server

    staff = tuple((f"clerk{n}", "counter") for n in range(1, COUNTERS + 1))
    devices = tuple((f"kiosk-{n}", "kiosk") for n in range(1, KIOSKS + 1)) + tuple(
        (f"board-{n}", "board") for n in range(1, BOARDS + 1)
    )

    async def main() -> None:
        async with running_server(
            bench_config(),
            db_url=db_url,
            clock=ScaledClock(START, speed),  # type: ignore[arg-type]
            tick_seconds=1.0,
            staff=staff,
            devices=devices,
        ) as hall:
            out.put({"url": hall.url, "tokens": hall.device_tokens, "passwords": hall.passwords})
            while not stop.is_set():
                await asyncio.sleep(0.1)

    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        cProfile.runctx("asyncio.run(main())", globals(), locals(), os.environ["BENCH_PROFILE"])
    else:
        asyncio.run(main())


class Link:
    """A benchmark client: one websocket, replies matched by id, pushes to a callback."""

    def __init__(self, ws: Any, on_push: Any = None) -> None:
        self.ws, self.on_push, self.next_id = ws, on_push, 0
        self.waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                message = json.loads(frame)
                if message.get("type") in ("result", "error") and message.get("id") in self.waiting:
                    self.waiting.pop(message["id"]).set_result(message)
                elif self.on_push is not None:
                    self.on_push(message)
        except websockets.ConnectionClosed:
            pass

    async def request(
        self, kind: str, latencies: dict[str, list[float]] | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Send one request and wait for its reply (60 s at most); its round trip goes into
        ``latencies[kind]`` when given."""
        self.next_id += 1
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiting[self.next_id] = future
        started = time.perf_counter()
        await self.ws.send(json.dumps({"id": self.next_id, "type": kind, **fields}))
        reply = await asyncio.wait_for(future, 60)
        if latencies is not None:
            latencies.setdefault(kind, []).append(time.perf_counter() - started)
        return reply


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


async def drive(info: dict[str, Any], seconds: float, max_tickets: int) -> dict[str, Any]:
    url = info["url"]
    call_sent: dict[int, float] = {}
    call_latency: list[float] = []
    issue_rtt: list[float] = []
    stats = {"issued": 0, "calls": 0, "finished": 0, "overruns": 0, "errors": 0}
    ready, go = asyncio.Semaphore(0), asyncio.Event()
    end = float("inf")

    def board_push(message: dict[str, Any]) -> None:
        if message.get("type") == "event" and message["event"].get("type") == "ticket_called":
            sent = call_sent.get(message["event"]["counter"])
            if sent is not None:
                call_latency.append(time.perf_counter() - sent)

    async def connect(on_push: Any = None) -> Link:
        ws = await websockets.connect(url, proxy=None, max_size=2**24, compression=None)
        await ws.recv()  # hello
        return Link(ws, on_push)

    boards = []
    for n in range(1, BOARDS + 1):
        link = await connect(board_push)
        assert (await link.request("login_device", token=info["tokens"][f"board-{n}"]))["type"] == "result"
        boards.append(link)

    async def kiosk(n: int) -> None:
        link = await connect()
        await link.request("login_device", token=info["tokens"][f"kiosk-{n}"])
        ready.release()
        await go.wait()
        i = 0
        services = [
            "mazaya",
            "housing",
            "inquiry",
            "inquiry",
            "data_update",
            "data_update",
            "feedback",
            "studies",
            "legal",
        ]
        while time.monotonic() < end and stats["issued"] < max_tickets:
            i += 1
            started = time.perf_counter()
            reply = await link.request(
                "issue_ticket",
                service_id=random.choice(services),
                priority=random.random() < 0.1,
                idempotency_key=f"bench-{n}-{i:06d}",
            )
            issue_rtt.append(time.perf_counter() - started)
            stats["issued" if reply["type"] == "result" else "errors"] += 1
            await asyncio.sleep(random.uniform(0.3, 0.9))
        await link.ws.close()

    async def counter(n: int) -> None:
        link = await connect()
        reply = await link.request(
            "login", username=f"clerk{n}", password=info["passwords"][f"clerk{n}"], counter=n
        )
        assert reply["type"] == "result", reply
        await link.request("open_counter")
        ready.release()
        await go.wait()
        while time.monotonic() < end:
            call_sent[n] = time.perf_counter()
            reply = await link.request("call_next")
            if reply["type"] == "error":
                call_sent.pop(n, None)
                await asyncio.sleep(0.3)
                continue
            stats["calls"] += 1
            await asyncio.sleep(random.uniform(0.1, 0.4))
            await link.request("start_service")
            await asyncio.sleep(random.uniform(1.5, 4.0))
            done = await link.request("finish", outcome="completed")
            if done["type"] == "error" and done["code"] == "overrun_reason_required":
                stats["overruns"] += 1
                done = await link.request("finish", outcome="completed", overrun_reason="complex_case")
            stats["finished" if done["type"] == "result" else "errors"] += 1
        await link.ws.close()

    async def starter() -> None:
        nonlocal end
        for _ in range(KIOSKS + COUNTERS):  # everyone logged in and counters open: the day starts
            await ready.acquire()
        end = time.monotonic() + seconds
        go.set()

    await asyncio.gather(
        starter(), *(kiosk(n) for n in range(1, KIOSKS + 1)), *(counter(n) for n in range(1, COUNTERS + 1))
    )
    for link in boards:
        await link.ws.close()
    return {"call_latency": call_latency, "issue_rtt": issue_rtt, **stats}


def run(label: str, db_url: str, seconds: float, speed: float, max_tickets: int) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    out, stop = context.Queue(), context.Event()
    process = context.Process(target=serve, args=(db_url, speed, out, stop), daemon=True)
    process.start()
    try:
        info = out.get(timeout=60)
        result = asyncio.run(drive(info, seconds, max_tickets))
    finally:
        stop.set()
        process.join(30)
        if process.is_alive():
            process.terminate()
    ms = [x * 1000 for x in result["call_latency"]]
    rtt = [x * 1000 for x in result["issue_rtt"]]
    print(
        f"{label}: call→board p50 {pct(ms, 0.5):.2f} ms p99 {pct(ms, 0.99):.2f} ms (n={len(ms)}); "
        f"issue round trip p50 {pct(rtt, 0.5):.2f} ms p99 {pct(rtt, 0.99):.2f} ms (n={len(rtt)}); "
        f"tickets {result['issued']}, calls {result['calls']}, finished {result['finished']}, "
        f"overruns {result['overruns']}, errors {result['errors']}",
        flush=True,
    )
    return {
        "label": label,
        "call_p50": pct(ms, 0.5),
        "call_p99": pct(ms, 0.99),
        "issue_p50": pct(rtt, 0.5),
        "issue_p99": pct(rtt, 0.99),
        "mean_call": statistics.fmean(ms) if ms else None,
        **{k: v for k, v in result.items() if k not in ("call_latency", "issue_rtt")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--speed", type=float, default=120.0, help="hall minutes per real second × 60")
    parser.add_argument("--max-tickets", type=int, default=3000)
    parser.add_argument("--postgres", default=os.environ.get("DAWR_TEST_POSTGRES_URL", ""))
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        if Path("/proc/cpuinfo").exists()
        else ""
    )
    print(
        f"machine: {os.cpu_count()} CPUs, {cpu}, Python {platform.python_version()}; "
        f"{COUNTERS} counters, {BOARDS} boards, {KIOSKS} kiosks, {args.seconds:g} s at {args.speed:g}× time"
    )
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        run(
            "SQLite (WAL, synchronous=FULL)",
            f"sqlite:///{folder}/bench.db",
            args.seconds,
            args.speed,
            args.max_tickets,
        )
    if args.postgres and not args.sqlite_only:
        from sqlalchemy import create_engine, text

        schema = f"dawr_bench_{uuid.uuid4().hex[:10]}"
        engine = create_engine(args.postgres.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            sep = "&" if "?" in args.postgres else "?"
            run(
                "PostgreSQL (synchronous_commit=on)",
                f"{args.postgres}{sep}options=-csearch_path%3D{schema}",
                args.seconds,
                args.speed,
                args.max_tickets,
            )
        finally:
            with engine.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            engine.dispose()
    elif not args.sqlite_only:
        print("PostgreSQL: skipped (give --postgres URL or set DAWR_TEST_POSTGRES_URL)")


if __name__ == "__main__":
    main()
