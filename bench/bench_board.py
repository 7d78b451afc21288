"""Display board latency: a counter's "call next" → the board's widget has painted the call.

    .venv/bin/python bench/bench_board.py --calls 1000 [--size 1920x1080] [--announce]

Starts the real hall server on loopback (``server.testing.ServerThread``, temporary SQLite), a board
(``BoardState`` + ``BoardView`` + the shared ``HallClient`` + ``BoardController``) in this process's Qt
loop, and a counter in a worker thread speaking the protocol over a plain websocket. For each call the
counter finishes its customer, takes the time and sends ``call_next``; the clock stops when the board's
view has finished painting a frame whose top "now calling" row is that ticket (``shown_changed``). The
time includes the server's journal commit (SQLite), the push, JSON decoding, the state update and the
paint at the given size. ``--announce`` adds the hardware announcer with a recording player (the chime is
synthesized for every call, as on a real board; no sound card needed).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from display_board.controller import BoardController
from display_board.model import BoardModel
from display_board.state import BoardState
from display_board.view import BoardView
from hardware.announcer import Announcer, RecordingPlayer
from hardware.fonts import ticket_fonts
from qtkit.client import DeviceLogin, HallClient
from server.testing import ServerThread, SyncClient

SERVICES = ("inquiry", "data_update", "mazaya")


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (or the platform's answer)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


class Done(QObject):
    """Tells the Qt loop (from the counter's thread) that the run is over."""

    finished = Signal()


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile (0..1) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--announce", action="store_true", help="announce every call (recording player)")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))

    app = QApplication.instance() or QApplication(sys.argv[:1])
    runner = ServerThread(server_settings={"rate_per_second": 10_000, "rate_burst": 10_000})
    hall = runner.start()

    state = BoardState()
    view = BoardView(state, ticket_fonts(), lang="ar")
    view.resize(width, height)
    view.show()
    announcer = Announcer(RecordingPlayer(), synthesizer=None) if args.announce else None
    client = HallClient([hall.url], DeviceLogin(hall.device_tokens["board-1"]))
    controller = BoardController(client, state, view, announcer)

    done = Done()
    done.finished.connect(app.quit)
    shown_at: dict[str, float] = {}
    sent_at: dict[str, float] = {}
    replied_at: dict[str, float] = {}
    lock = threading.Condition()
    failure: list[BaseException] = []

    def on_shown(model: BoardModel) -> None:
        if model.now_calling and model.now_calling[0].counter == "3":
            number = model.now_calling[0].ticket
            with lock:
                if number not in shown_at:
                    shown_at[number] = time.perf_counter()
                    lock.notify_all()

    view.shown_changed.connect(on_shown)

    def counter_work() -> None:
        try:
            with SyncClient(hall.url) as kiosk:
                kiosk.login_device(hall.device_tokens["kiosk-1"])
                for i in range(args.calls):
                    reply = kiosk.request(
                        "issue_ticket",
                        service_id=SERVICES[i % len(SERVICES)],
                        idempotency_key=f"bench-board-{i:06d}",
                    )
                    assert reply["type"] == "result", reply
                    kiosk.pushes.clear()
            with SyncClient(hall.url) as desk:
                assert desk.login("alice", hall.passwords["alice"], 3)["type"] == "result"
                assert desk.request("open_counter")["type"] == "result"
                for i in range(args.calls):
                    if i:
                        assert desk.request("start_service")["type"] == "result"
                        assert desk.request("finish", outcome="completed")["type"] == "result"
                    started = time.perf_counter()
                    reply = desk.request("call_next")
                    assert reply["type"] == "result", reply
                    number = reply["data"]["ticket"]["number"]
                    replied = time.perf_counter()
                    desk.pushes.clear()

                    def seen(shown: str = number) -> bool:
                        return shown in shown_at

                    with lock:
                        sent_at[number] = started
                        replied_at[number] = replied
                        if not lock.wait_for(seen, timeout=10):
                            raise TimeoutError(f"the board did not show {number} within 10 s")
        except BaseException as error:
            failure.append(error)
        finally:
            done.finished.emit()

    worker = threading.Thread(target=counter_work, name="bench-counter", daemon=True)
    controller.changed.connect(lambda: None)

    def begin() -> None:
        if state.loaded and not worker.is_alive() and not sent_at:
            worker.start()
        elif not state.loaded:
            QTimer.singleShot(20, begin)

    controller.start()
    QTimer.singleShot(20, begin)
    app.exec()
    worker.join(30)
    controller.stop()
    runner.stop()
    if failure:
        raise failure[0]

    latencies = [(shown_at[n] - sent_at[n]) * 1000 for n in sent_at if n in shown_at]
    print(f"machine: {os.cpu_count()} CPUs (nproc), {cpu_model()}, Python {platform.python_version()}")
    print(
        f"board {width}x{height}, announcer {'on (recording player)' if args.announce else 'off'}, "
        f"{len(latencies)} calls"
    )
    print(
        f"call_next -> board painted: p50 {percentile(latencies, 0.5):.1f} ms, "
        f"p99 {percentile(latencies, 0.99):.1f} ms, mean {statistics.fmean(latencies):.1f} ms, "
        f"max {max(latencies):.1f} ms"
    )
    replies = [(replied_at[n] - sent_at[n]) * 1000 for n in sent_at]
    print(
        f"for comparison, call_next -> the counter has its reply: p50 {percentile(replies, 0.5):.1f} ms, "
        f"p99 {percentile(replies, 0.99):.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
