"""``dawr counter`` argument checks, and the cap timer's arithmetic on the server's times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from counter_client.model import device_alert, read_timer
from qtkit.server_clock import ServerClock
from server.cli.main import main
from server.protocol import payloads as pl
from server.testing import FakeClock

from .builders import current_ticket, device


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["counter"], "--server URL is required"),
        (["counter", "--server", "http://hall:8765"], "must start with ws://"),
        (["counter", "--server", "ws://:8765"], "has no host"),
        (["counter", "--server", "ws://hall:99999"], "invalid port"),
        (["counter", "--server", "ws://hall:8765", "--counter", "three"], "--counter must be"),
        (["counter", "--server", "ws://hall:8765", "--counter", "0"], "--counter must be"),
        (["counter", "--server", "ws://hall:8765", "--lang", "fr"], "--lang must be"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(
    argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and fragment in err


START = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)


def _serving(**extra: Any) -> pl.CurrentTicket:
    return current_ticket(segment_start=START.isoformat(), **extra)


def test_timer_phases_follow_the_server_times() -> None:
    assert read_timer(None, START).phase == "none"
    assert read_timer(current_ticket(state="called", segment_start=None), START).phase == "called"
    assert read_timer(_serving(), START + timedelta(minutes=4)).phase == "running"
    assert read_timer(_serving(), START + timedelta(minutes=5)).phase == "warning"
    assert read_timer(_serving(), START + timedelta(minutes=7, seconds=1)).phase == "over"
    # time already served before a park counts; the server's flags win over local arithmetic
    resumed = _serving(served_seconds=300.0)
    assert read_timer(resumed, START + timedelta(minutes=1)).elapsed == 360.0
    assert read_timer(_serving(overrun=True), START).phase == "over"
    assert read_timer(_serving(warned=True), START).phase == "warning"


def test_server_clock_uses_monotonic_time_since_the_last_server_time() -> None:
    local = FakeClock()  # the PC: its monotonic seconds; its wall time is never read
    clock = ServerClock(monotonic=local.monotonic)
    clock.observe(START.isoformat())
    local.advance(seconds=90)
    assert clock.now() == START + timedelta(seconds=90)
    clock.observe(START + timedelta(seconds=30), forward_only=True)  # an older event time is ignored
    assert clock.now() == START + timedelta(seconds=90)
    clock.observe(START + timedelta(minutes=10), forward_only=True)
    assert clock.now() == START + timedelta(minutes=10)


def test_device_alerts_name_a_board_that_stopped_responding() -> None:
    assert device_alert(device(connected=False)) == "alert.disconnected"
    assert device_alert(device(role="board", silent=True, health={"display": "ok"})) == "alert.silent"
    assert device_alert(device(role="board", health={"display": "ok"})) is None
    assert device_alert(device(health={"printer": "error"})) == "alert.error"
    assert device_alert(device(health={"printer": "warning", "scanner": "ok"})) == "alert.warning"
