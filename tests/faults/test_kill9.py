"""``kill -9`` of the server in the middle of a load run, then a restart: nothing acknowledged is lost.

Three kiosks issue tickets (one idempotency key per press, retried with the same key after any error or
disconnect), two counters call/start/finish, and a display board runs the real Qt client
(``qtkit.HallClient``). The server is a real ``python -m server server`` process; it is killed with SIGKILL
while all of them are busy and started again. Then: every ticket number a kiosk was told is in the journal
under its key, no key was issued twice, every call a counter was told about is journaled, and every client
reconnected and received a fresh snapshot within 5 s of the server being back.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter

from qtkit import DeviceLogin, HallClient
from server.core.events import TicketCalled
from server.store.journal import Journal
from tests.faults.helpers import BranchFiles, ServerProcess, journal_issued
from tests.faults.workers import CounterWorker, KioskWorker

RESYNC_BOUND = 5.0


def test_kill9_mid_load_loses_nothing_acknowledged(qtbot, tmp_path, database_url):
    branch = f"k{uuid.uuid4().hex[:8]}"  # advisory locks are per database: never collide with other tests
    files = BranchFiles.make(tmp_path, branch_id=branch)
    files.add_staff(database_url)
    server = ServerProcess(files, database_url, log_path=tmp_path / "server.log").start()
    server.wait_listening()
    urls = [server.url]

    board_snapshots: list[float] = []
    board = HallClient(urls, DeviceLogin(files.tokens["board-1"]))  # default back-off, as in a hall
    board.snapshotReceived.connect(lambda _m: board_snapshots.append(time.monotonic()))
    with qtbot.waitSignal(board.snapshotReceived, timeout=10_000):
        board.start()

    kiosks = [
        KioskWorker(urls, f"kiosk-{n}", files.tokens[f"kiosk-{n}"], ("inquiry", "data_update", "mazaya"))
        for n in (1, 2, 3)
    ]
    counters = [
        CounterWorker(urls, "alice", files.passwords["alice"], 3),
        CounterWorker(urls, "bob", files.passwords["bob"], 4),
    ]
    workers = [*kiosks, *counters]
    for worker in workers:
        worker.start()
    try:
        qtbot.waitUntil(
            lambda: sum(len(k.told) for k in kiosks) >= 30 and sum(len(c.calls) for c in counters) >= 5,
            timeout=15_000,
        )
        qtbot.wait(300)
        server.kill()  # kill -9 while requests are in flight
        killed = time.monotonic()
        told_at_kill = sum(len(k.told) for k in kiosks)
        qtbot.wait(400)  # clients see refused connections meanwhile
        server.start()
        back = server.wait_listening()

        # a resync after the kill counts (a client retrying every 50 ms can be back before the test's own
        # poll notices the new server listening, i.e. before ``back``)
        def everyone_resynced() -> bool:
            return (
                all(w.resynced_at and w.resynced_at[-1] > killed for w in workers)
                and bool(board_snapshots)
                and board_snapshots[-1] > killed
            )

        try:
            qtbot.waitUntil(everyone_resynced, timeout=int(RESYNC_BOUND * 1000) + 2000)
        except Exception:
            late = [
                f"{w.name} (failure: {w.failure!r})"
                for w in workers
                if not (w.resynced_at and w.resynced_at[-1] > killed)
            ]
            if not (board_snapshots and board_snapshots[-1] > killed):
                late.append(f"board (qtkit, state {board.state})")
            raise AssertionError(f"not resynced {RESYNC_BOUND + 2:g} s after the restart: {late}") from None
        delays = {w.name: w.resynced_at[-1] - back for w in workers}
        delays["board (qtkit)"] = board_snapshots[-1] - back
        assert max(delays.values()) < RESYNC_BOUND, delays
        qtbot.waitUntil(lambda: sum(len(k.told) for k in kiosks) >= told_at_kill + 20, timeout=10_000)
    finally:
        for worker in workers:
            worker.stop.set()
        for worker in workers:
            worker.join(10)
        board.stop()
        qtbot.waitUntil(lambda: board._socket is None, timeout=5000)
        qtbot.wait(100)  # let Qt finish its closing handshake
        assert server.stop() == 0

    for worker in workers:
        assert worker.failure is None, (worker.name, worker.failure)
        assert worker.connects >= 2, worker.name  # each one really lost its connection and came back

    issued = journal_issued(database_url, branch)
    per_key = Counter(e.idempotency_key for e in issued)
    assert per_key and max(per_key.values()) == 1, [k for k, n in per_key.items() if n > 1]
    numbers = Counter(e.number for e in issued)
    assert max(numbers.values()) == 1  # no ticket number handed out twice either
    by_key = {e.idempotency_key: e.number for e in issued}
    for kiosk in kiosks:
        for key, number in kiosk.told.items():
            assert by_key.get(f"{kiosk.device}:{key}") == number, (kiosk.device, key, number)

    journal = Journal.open(database_url)
    try:
        called = {
            e.ticket_id.rsplit("-", 1)[-1]
            for _, _, e in journal.events(branch)
            if isinstance(e, TicketCalled)
        }
    finally:
        journal.close()
    for counter in counters:
        assert set(counter.calls) <= called, counter.name
