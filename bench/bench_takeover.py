"""Standby takeover time (a benchmark, not a test).

    .venv/bin/python bench/bench_takeover.py [--rounds 5] [--postgres URL] [--lock-poll 0.2]

Two real servers for one branch (``python -m server server``, two ports) on one PostgreSQL database: the
first serves, the second waits on the branch lock as the standby. Each round does ``kill -9`` of the active
one and measures until the other answers a request (a kiosk connects, logs in and gets a ``ping`` reply);
then the killed one is started again (it becomes the standby) and the next round kills the new active one.
Without ``--postgres`` a private throw-away cluster is used (needs the PostgreSQL 15 binaries); with
``--sqlite`` the file lock is measured instead (two servers on one machine).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def answered_at(url: str, token: str, timeout: float = 30.0) -> float:
    from server.testing import SyncClient

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with SyncClient(url, timeout=2) as client:
                if (
                    client.login_device(token)["type"] == "result"
                    and client.request("ping")["type"] == "result"
                ):
                    return time.monotonic()
        except Exception:
            time.sleep(0.005)
    raise TimeoutError(url)


def measure(db_url: str, rounds: int, poll: float, folder: Path) -> list[float]:
    from tests.faults.helpers import BranchFiles, ServerProcess

    files = BranchFiles.make(folder, branch_id=f"t{uuid.uuid4().hex[:8]}")
    files.add_staff(db_url)
    extra = ("--lock-poll", f"{poll:g}")
    servers = [ServerProcess(files, db_url, log_path=folder / f"server{n}.log", extra=extra) for n in (1, 2)]
    servers[0].start().wait_listening()
    servers[1].start()
    time.sleep(1.0)  # the standby is waiting on the lock
    figures = []
    active, standby = servers
    try:
        for _ in range(rounds):
            answered_at(active.url, files.tokens["kiosk-1"])
            active.kill()
            killed = time.monotonic()
            figures.append(answered_at(standby.url, files.tokens["kiosk-1"]) - killed)
            print(f"takeover {figures[-1] * 1000:.0f} ms", flush=True)
            active.start()
            time.sleep(1.0)
            active, standby = standby, active
    finally:
        for server in servers:
            server.stop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--lock-poll", type=float, default=0.2)
    parser.add_argument("--postgres", default="")
    parser.add_argument("--sqlite", action="store_true")
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
        f"machine: nproc {os.cpu_count()}, {cpu}, Python {platform.python_version()}; lock poll {args.lock_poll} s"
    )
    with tempfile.TemporaryDirectory() as folder:
        cluster = None
        if args.sqlite:
            db_url, label = f"sqlite:///{folder}/takeover.db", "SQLite file lock"
        elif args.postgres:
            db_url, label = args.postgres, "PostgreSQL advisory lock"
        else:
            from tests.faults.helpers import PrivatePostgres

            pg_folder = Path(tempfile.mkdtemp(prefix="dawr-pg-"))
            cluster = PrivatePostgres(pg_folder)
            cluster.start()
            db_url, label = cluster.url, "PostgreSQL advisory lock (private cluster)"
        try:
            figures = measure(db_url, args.rounds, args.lock_poll, Path(folder))
        finally:
            if cluster is not None:
                cluster.stop("fast")
                shutil.rmtree(cluster.folder, ignore_errors=True)
    ms = sorted(f * 1000 for f in figures)
    print(
        f"{label}: kill -9 -> standby answers: median {statistics.median(ms):.0f} ms, "
        f"min {ms[0]:.0f} ms, max {ms[-1]:.0f} ms over {len(ms)} rounds"
    )


if __name__ == "__main__":
    main()
