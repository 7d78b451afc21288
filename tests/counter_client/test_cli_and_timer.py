"""``dawr counter`` argument checks, and the cap timer's arithmetic on the server's times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from counter_client.model import read_timer
from qtkit.server_clock import ServerClock
from server.cli.main import main


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


def _serving(**extra: object) -> dict[str, object]:
    ticket: dict[str, object] = {
        "state": "serving",
        "served_seconds": 0.0,
        "segment_start": START.isoformat(),
        "cap_minutes": 7,
        "warning_lead_minutes": 2,
        "warned": False,
        "overrun": False,
    }
    ticket.update(extra)
    return ticket


def test_timer_phases_follow_the_server_times() -> None:
    assert read_timer(None, START).phase == "none"
    assert read_timer({"state": "called", "cap_minutes": 7}, START).phase == "called"
    assert read_timer(_serving(), START + timedelta(minutes=4)).phase == "running"
    assert read_timer(_serving(), START + timedelta(minutes=5)).phase == "warning"
    assert read_timer(_serving(), START + timedelta(minutes=7, seconds=1)).phase == "over"
    # time already served before a park counts; the server's flags win over local arithmetic
    resumed = _serving(served_seconds=300.0)
    assert read_timer(resumed, START + timedelta(minutes=1)).elapsed == 360.0
    assert read_timer(_serving(overrun=True), START).phase == "over"
    assert read_timer(_serving(warned=True), START).phase == "warning"


def test_server_clock_uses_monotonic_time_since_the_last_server_time() -> None:
    ticks = [100.0]
    clock = ServerClock(monotonic=lambda: ticks[0])
    clock.observe(START.isoformat())
    ticks[0] += 90
    assert clock.now() == START + timedelta(seconds=90)
    clock.observe(START + timedelta(seconds=30), forward_only=True)  # an older event time is ignored
    assert clock.now() == START + timedelta(seconds=90)
    clock.observe(START + timedelta(minutes=10), forward_only=True)
    assert clock.now() == START + timedelta(minutes=10)


def test_device_alerts_name_a_board_that_stopped_responding() -> None:
    from counter_client.model import device_alert

    assert device_alert({"connected": False}) == "alert_disconnected"
    assert device_alert({"connected": True, "silent": True, "health": {"display": "ok"}}) == "alert_silent"
    assert device_alert({"connected": True, "silent": False, "health": {"display": "ok"}}) is None
    assert device_alert({"connected": True, "health": {"printer": "error"}}) == "alert_error"
