"""Regenerate the board screenshots: ``python -m display_board.screenshots [--out docs/screenshots]``.

A morning at the ministry hall is played through the real engine with the shipped default config (tickets
for every service in the published proportions, eight counters open, calls, a recall, finished customers);
the board state is fed the server's own board snapshot and events (``server.net.views``), then painted at
1280×720, 1920×1080 and 3840×2160 in the Arabic and English layouts, the newest call caught mid-flash.
Writes ``board-{ar,en}-{WIDTH}x{HEIGHT}.png``, a ``-25pct`` copy of each ("from across the hall", made
with ``QImage.scaled``), and ``board-ar-1920x1080-offline.png`` (the reconnecting notice).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from hardware.fonts import ticket_fonts
from qtkit.i18n import Language
from qtkit.server_clock import ServerClock
from server.core import engine as cmds
from server.core.config import BranchConfig, load_default_config
from server.core.errors import DomainError
from server.core.events import Event
from server.net import views
from server.protocol.payloads import BoardSnapshotData, EventInfo, ServiceStatus
from server.testing import FakeClock

from .model import ticker_messages
from .state import BoardState
from .view import BoardView

SIZES = ((1280, 720), (1920, 1080), (3840, 2160))
MORNING = datetime(2026, 11, 22, 6, 40, tzinfo=UTC)  # 09:40 in Bahrain, a Sunday
LIVE = 1000.0
"""The board's monotonic clock (seconds) when the morning's last calls arrive."""
SHARES = (
    ("inquiry", 32),
    ("data_update", 23),
    ("mazaya", 16),
    ("studies", 10),
    ("feedback", 8),
    ("housing", 4),
    ("legal", 1),
)


class _Morning:
    """The engine plus the board's view of it: events are recorded (projected for a board) once
    ``recording`` is set."""

    def __init__(self, config: BranchConfig) -> None:
        self.engine = cmds.HallEngine(config)
        self.recording = False
        self.events: list[EventInfo] = []

    def run(self, command: cmds.EngineCommand, now: datetime) -> None:
        try:
            result = self.engine.execute(command, now)
        except DomainError:
            return  # e.g. nobody waiting for this counter's services
        self._record(result.events)

    def advance(self, now: datetime) -> None:
        self._record(self.engine.advance(now))

    def _record(self, events: list[Event]) -> None:
        if self.recording:
            for event in events:
                record = views.project_event(self.engine, event, "board")
                if record is not None:
                    self.events.append(record)


def hall_morning(
    config: BranchConfig,
) -> tuple[BoardSnapshotData, list[EventInfo], tuple[bool, list[ServiceStatus]]]:
    """Play a busy morning through the engine; returns the board snapshot taken 25 minutes before
    ``MORNING``, the events the board received since (newest last: a call to 5, then a recall at 3) and
    the latest ``queue_status`` (open, services)."""
    hall = _Morning(config)
    engine = hall.engine
    now = MORNING - timedelta(hours=2, minutes=10)
    hall.advance(now)
    for n in range(1, 9):
        hall.run(cmds.OpenCounter(n, f"staff{n}"), now)
    weights = [s for s, share in SHARES for _ in range(share)]
    issued = 0
    busy_until: dict[int, int] = {}
    snapshot: BoardSnapshotData | None = None
    for minute in range(130):
        now += timedelta(minutes=1)
        hall.advance(now)
        if minute == 105:
            board = views.snapshot(engine, "board", now)
            assert isinstance(board, BoardSnapshotData)
            snapshot = board
            hall.recording = True
        for _ in range(2 if minute % 3 else 1):
            hall.run(cmds.IssueTicket(weights[(issued * 37) % len(weights)]), now)
            issued += 1
        for counter in range(1, 9):
            current = engine.counters[counter].current
            if current is not None and engine.tickets[current].state.value == "called":
                hall.run(cmds.StartService(counter), now)
                busy_until[counter] = minute + 3 + (counter + minute) % 3
            elif current is not None and minute >= busy_until.get(counter, 0):
                hall.run(cmds.Finish(counter, "completed"), now)
                if minute < 128:
                    hall.run(cmds.CallNext(counter), now)
            elif current is None and minute < 128:
                hall.run(cmds.CallNext(counter), now)
    now = MORNING
    hall.advance(now)
    for counter in (5, 3):
        current = engine.counters[counter].current
        if current is not None:
            if engine.tickets[current].state.value == "called":
                hall.run(cmds.StartService(counter), now)
            hall.run(cmds.Finish(counter, "completed"), now)
        hall.run(cmds.CallNext(counter), now)
    hall.run(cmds.Recall(3), now + timedelta(seconds=20))
    assert snapshot is not None
    return snapshot, hall.events, (True, views.service_statuses(engine, now))


def screenshot_clock() -> FakeClock:
    """The hand-moved clock the screenshots are taken by (``server.testing.FakeClock``), so they catch
    the flash at a known phase: its monotonic reading is ``LIVE`` at ``MORNING``."""
    return FakeClock(MORNING, monotonic_start=LIVE)


def build_state(config: BranchConfig, clock: FakeClock, *, live: bool = True) -> BoardState:
    """A board state after the morning: the snapshot, then the last calls arriving live."""
    snapshot, events, (is_open, services) = hall_morning(config)
    server_clock = ServerClock(clock.monotonic)
    state = BoardState(monotonic=clock.monotonic, clock=server_clock)
    state.set_connected(True)
    clock.advance(seconds=-600)  # the morning's earlier calls flashed long ago …
    state.apply_snapshot(snapshot)
    for event in events:
        if event.at >= MORNING.isoformat() and clock.monotonic() < LIVE:
            # … the last ones (a call to counter 5, a call and a recall at 3) just now
            clock.advance(seconds=600)
        state.apply_event(event)
    state.apply_queue_status(is_open, services)
    server_clock.observe(MORNING + timedelta(seconds=21))
    if not live:
        state.set_connected(False)
    return state


def render(state: BoardState, lang: Language, size: tuple[int, int], clock: FakeClock) -> QImage:
    """The board at ``size`` in layout ``lang`` as a QImage."""
    view = BoardView(
        state,
        ticket_fonts(),
        lang=lang,
        ticker=ticker_messages(state),
        animate=False,
        monotonic=clock.monotonic,
    )
    view.resize(*size)
    image = view.grab().toImage()
    view.deleteLater()
    return image


def main(argv: list[str] | None = None) -> int:
    """Write the screenshots; returns 0."""
    parser = argparse.ArgumentParser(prog="python -m display_board.screenshots", description=__doc__)
    parser.add_argument("--out", default="docs/screenshots", help="folder for the PNG files")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    config = load_default_config()
    clock = screenshot_clock()
    state = build_state(config, clock)
    clock.advance(seconds=0.1)  # the recall arrived 0.1 s ago: its row is lit
    written = []
    for lang in ("ar", "en"):
        for width, height in SIZES:
            image = render(state, lang, (width, height), clock)
            path = out / f"board-{lang}-{width}x{height}.png"
            image.save(str(path))
            small = image.scaled(
                width // 4,
                height // 4,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            small.save(str(out / f"board-{lang}-{width}x{height}-25pct.png"))
            written.append(path)
    offline = build_state(config, clock, live=False)
    image = render(offline, "ar", (1920, 1080), clock)
    image.save(str(out / "board-ar-1920x1080-offline.png"))
    for path in written:
        print(path)
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
