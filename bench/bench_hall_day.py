"""Whole-day load of a multi-branch deployment, compressed (a benchmark, not a test).

    .venv/bin/python bench/bench_hall_day.py [--seconds 60] [--postgres URL] [--sqlite-only]

The supported multi-branch deployment is one server per branch against one shared database, so this
starts **5 real server processes** (``python -m server server``, one per branch, all on one SQLite file or
one PostgreSQL schema) with the hall clock compressed (``--time-scale``) so that a whole 8-hour day passes
in ``--seconds``. Five client processes (one per branch) drive **400 customers per branch** through
**10 counters, 4 boards and 2 kiosks per branch** (50 counters, 20 boards, 10 kiosks in all): kiosks issue
the day's tickets spread over the day, counters call / start / finish with 3-8 hall minutes of service,
boards watch. Measured: every request's round trip (p50/p99 per kind and overall), call→board latency
(counter sends ``call_next`` → a board of that branch receives the ``ticket_called`` push) and each server's
RSS sampled every second. Loopback only; bounded by ``--seconds`` plus start-up and drain.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import platform
import random
import re
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_server import Link  # noqa: E402  (after the sys.path lines: one client for both load benchmarks)

BRANCHES = 5
CUSTOMERS = 400
COUNTERS, BOARDS, KIOSKS = 10, 4, 2  # per branch
DAY_HOURS = 8.0
CLERKS = {f"clerk{n}": f"clerk{n}-pw-{uuid.uuid4().hex[:10]}" for n in range(1, COUNTERS + 1)}
SERVICES = [
    "mazaya",
    "housing",
    "inquiry",
    "inquiry",
    "inquiry",
    "data_update",
    "data_update",
    "feedback",
    "studies",
    "legal",
]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


def branch_files(folder: Path, branch: str):  # type: ignore[no-untyped-def]
    from tests.faults.helpers import BranchFiles

    devices = tuple((f"kiosk-{n}", "kiosk") for n in range(1, KIOSKS + 1)) + tuple(
        (f"board-{n}", "board") for n in range(1, BOARDS + 1)
    )
    files = BranchFiles.make(
        folder, devices=devices, branch_id=branch, server={"rate_per_second": 500.0, "rate_burst": 1000}
    )
    text = files.config.read_text(encoding="utf-8")
    general = re.search(r"\[\[counters\]\]\nnumber = 5\n(.*?)\n\n", text, re.DOTALL)
    assert general is not None
    extra = "".join(
        f"[[counters]]\nnumber = {n}\n" + general[1].replace("٥", str(n)).replace("5", str(n)) + "\n\n"
        for n in range(9, COUNTERS + 1)
    )
    text = text.replace("[appointments]", extra + "[appointments]", 1)
    files.config.write_text(text, encoding="utf-8")
    files.passwords.update(CLERKS)  # staff accounts are per database, shared by the branches' servers
    return files


def add_clerks(db_url: str, passwords: dict[str, str]) -> None:
    from server.store.journal import Journal
    from server.store.staff import StaffStore

    journal = Journal.open(db_url)
    try:
        store = StaffStore(journal.engine, scrypt_n=2**12)
        for name, password in passwords.items():
            if name.startswith("clerk") and store.account(name) is None:
                store.add(name, password, "counter", name)
    finally:
        journal.close()


async def drive_branch(
    url: str, tokens: dict[str, str], passwords: dict[str, str], seconds: float, speed: float, seed: int
) -> dict[str, Any]:
    import websockets

    rng = random.Random(seed)
    latencies: dict[str, list[float]] = {}
    call_sent: dict[int, float] = {}
    call_board: list[float] = []
    stats = {"issued": 0, "calls": 0, "finished": 0, "overruns": 0, "errors": 0}

    def board_push(message: dict[str, Any]) -> None:
        if message.get("type") == "event" and message["event"].get("type") == "ticket_called":
            sent = call_sent.pop(message["event"]["counter"], None)
            if sent is not None:
                call_board.append(time.perf_counter() - sent)

    async def connect(on_push: Any = None) -> Link:
        ws = await websockets.connect(url, proxy=None, max_size=2**24, compression=None, open_timeout=30)
        await ws.recv()
        return Link(ws, on_push)

    boards = []
    for n in range(1, BOARDS + 1):  # only the first board measures call→board (all boards get the pushes)
        link = await connect(board_push if n == 1 else None)
        await link.request("login_device", token=tokens[f"board-{n}"])
        boards.append(link)
    start = time.monotonic()
    end = start + seconds

    async def kiosk(n: int) -> None:
        link = await connect()
        await link.request("login_device", token=tokens[f"kiosk-{n}"])
        share = CUSTOMERS // KIOSKS
        # arrivals spread over the day (first 90 % of it, so the queue drains before closing)
        times = sorted(rng.uniform(0, seconds * 0.9) for _ in range(share))
        for i, at in enumerate(times):
            await asyncio.sleep(max(0.0, start + at - time.monotonic()))
            reply = await link.request(
                "issue_ticket",
                latencies,
                service_id=rng.choice(SERVICES),
                priority=rng.random() < 0.05,
                idempotency_key=f"day-{n}-{i:06d}",
            )
            stats["issued" if reply["type"] == "result" else "errors"] += 1
        await link.ws.close()

    async def counter(n: int) -> None:
        link = await connect()
        reply = await link.request("login", username=f"clerk{n}", password=passwords[f"clerk{n}"], counter=n)
        assert reply["type"] == "result", reply
        await link.request("open_counter", latencies)
        while time.monotonic() < end + 5 and (time.monotonic() < end or stats["finished"] < stats["issued"]):
            call_sent[n] = time.perf_counter()
            reply = await link.request("call_next", latencies)
            if reply["type"] == "error":
                call_sent.pop(n, None)
                await asyncio.sleep(0.25)
                continue
            stats["calls"] += 1
            await asyncio.sleep(rng.uniform(0.5, 1.5) * 60 / speed)  # walking to the counter
            await link.request("start_service", latencies)
            await asyncio.sleep(rng.uniform(3, 8) * 60 / speed)  # 3-8 hall minutes of service
            done = await link.request("finish", latencies, outcome="completed")
            if done["type"] == "error" and done["code"] == "overrun_reason_required":
                stats["overruns"] += 1
                done = await link.request(
                    "finish", latencies, outcome="completed", overrun_reason="complex_case"
                )
            stats["finished" if done["type"] == "result" else "errors"] += 1
        await link.ws.close()

    await asyncio.gather(
        *(kiosk(n) for n in range(1, KIOSKS + 1)), *(counter(n) for n in range(1, COUNTERS + 1))
    )
    for link in boards:
        await link.ws.close()
    return {"latencies": latencies, "call_board": call_board, **stats}


def client_process(
    url: str,
    tokens: dict[str, str],
    passwords: dict[str, str],
    seconds: float,
    speed: float,
    seed: int,
    out: Any,
) -> None:
    try:
        out.put(asyncio.run(drive_branch(url, tokens, passwords, seconds, speed, seed)))
    except BaseException as error:
        out.put({"error": repr(error)})


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def run(label: str, db_url: str, seconds: float, folder: Path) -> dict[str, Any]:
    from tests.faults.helpers import ServerProcess

    speed = DAY_HOURS * 3600 / seconds
    servers, files = [], []
    for b in range(1, BRANCHES + 1):
        branch = f"branch{b}"
        sub = folder / branch
        sub.mkdir()
        f = branch_files(sub, branch)
        f.add_staff(db_url) if b == 1 else None
        add_clerks(db_url, f.passwords)
        files.append(f)
        servers.append(
            ServerProcess(
                f, db_url, log_path=sub / "server.log", log_level="info", extra=("--time-scale", f"{speed:g}")
            ).start()
        )
    try:
        for server in servers:
            server.wait_listening(60)
        context = multiprocessing.get_context("spawn")
        out = context.Queue()
        clients = [
            context.Process(
                target=client_process,
                args=(s.url, f.tokens, f.passwords, seconds, speed, i, out),
                daemon=True,
            )
            for i, (s, f) in enumerate(zip(servers, files, strict=True))
        ]
        rss: list[list[float]] = [[] for _ in servers]
        started = time.monotonic()
        for client in clients:
            client.start()
        results = []
        while len(results) < len(clients):
            for i, server in enumerate(servers):
                assert server.process is not None
                rss[i].append(rss_mb(server.process.pid))
            with contextlib.suppress(Exception):
                results.append(out.get(timeout=1.0))
            if time.monotonic() - started > seconds + 120:
                raise TimeoutError("the clients did not finish")
        wall = time.monotonic() - started
        failed = [r["error"] for r in results if "error" in r]
        if failed:
            raise RuntimeError(f"client processes failed: {failed}")
        for client in clients:
            client.join(10)
    finally:
        for server in servers:
            server.stop()
    every: list[float] = []
    by_kind: dict[str, list[float]] = {}
    for result in results:
        for kind, values in result["latencies"].items():
            by_kind.setdefault(kind, []).extend(values)
            every.extend(values)
    call_board = [x for r in results for x in r["call_board"]]
    totals = {k: sum(r[k] for r in results) for k in ("issued", "calls", "finished", "overruns", "errors")}

    def ms(xs: list[float], q: float) -> float:
        return round(pct(xs, q) * 1000, 2)

    summary = {
        "label": label,
        "wall_seconds": round(wall, 1),
        "commands": len(every),
        "command_p50_ms": ms(every, 0.5),
        "command_p99_ms": ms(every, 0.99),
        "call_board_p50_ms": ms(call_board, 0.5),
        "call_board_p99_ms": ms(call_board, 0.99),
        "call_board_n": len(call_board),
        "per_kind": {
            k: {"n": len(v), "p50_ms": ms(v, 0.5), "p99_ms": ms(v, 0.99)} for k, v in sorted(by_kind.items())
        },
        "rss_mb_per_server_start": [round(r[0], 1) for r in rss],
        "rss_mb_per_server_max": [round(max(r), 1) for r in rss],
        "rss_mb_per_server_end": [round(r[-1], 1) for r in rss],
        **totals,
    }
    print(json.dumps(summary, ensure_ascii=False), flush=True)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="real seconds for the 8-hour day")
    parser.add_argument("--postgres", default=os.environ.get("DAWR_TEST_POSTGRES_URL", ""))
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    print(
        f"machine: nproc {os.cpu_count()}, {cpu}, Python {platform.python_version()}; {BRANCHES} branches x "
        f"{CUSTOMERS} customers, {BRANCHES * COUNTERS} counters, {BRANCHES * BOARDS} boards, "
        f"{BRANCHES * KIOSKS} kiosks; 8 h day in {args.seconds:g} s",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as folder:
        run(
            "SQLite (one file, WAL, synchronous=FULL)",
            f"sqlite:///{folder}/central.db",
            args.seconds,
            Path(folder) / "sqlite-run" if (Path(folder) / "sqlite-run").mkdir() is None else Path(folder),
        )
    if args.postgres and not args.sqlite_only:
        from sqlalchemy import create_engine, text

        schema = f"dawr_day_{uuid.uuid4().hex[:10]}"
        engine = create_engine(args.postgres.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            sep = "&" if "?" in args.postgres else "?"
            with tempfile.TemporaryDirectory() as folder:
                run(
                    "PostgreSQL (one schema, synchronous_commit=on)",
                    f"{args.postgres}{sep}options=-csearch_path%3D{schema}",
                    args.seconds,
                    Path(folder),
                )
        finally:
            with engine.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            engine.dispose()


if __name__ == "__main__":
    main()
