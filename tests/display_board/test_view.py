"""The board's widget at the three hall resolutions, the language cycle and the ``dawr board`` command line."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QColor

from display_board.controller import BoardController
from display_board.screenshots import MORNING, build_state, screenshot_clock
from display_board.view import AMBER, BoardView
from hardware.fonts import ticket_fonts
from qtkit.client import DeviceLogin, HallClient
from server.cli.main import main as dawr
from server.core.config import load_default_config
from server.testing import FakeClock


@pytest.fixture(scope="module")
def morning() -> tuple[Any, FakeClock]:
    clock = screenshot_clock()
    state = build_state(load_default_config(), clock)
    clock.advance(seconds=0.1)  # the newest call arrived 0.1 s ago: lit
    return state, clock


def _close(a: QColor, b: QColor) -> bool:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue()) < 30


@pytest.mark.parametrize("lang", ["ar", "en"])
@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080), (3840, 2160)])
def test_layout_scales_with_the_window(qtbot: Any, morning: Any, lang: str, size: tuple[int, int]) -> None:
    state, clock = morning
    view = BoardView(state, ticket_fonts(), lang=lang, animate=False, monotonic=clock.monotonic)  # type: ignore[arg-type]
    qtbot.addWidget(view)
    view.resize(*size)
    image = view.grab().toImage()
    assert (image.width(), image.height()) == size
    shown = view.shown
    assert shown is not None and len(shown.now_calling) == 4 and len(shown.recent) == 8
    assert shown.time == ("9:40 ص" if lang == "ar" else "9:40 AM") and MORNING.minute == 40
    # the lit first row sits at the same share of the screen at every size, mirrored in Arabic
    width, height = size
    x = int(width * (0.08 if lang == "en" else 0.92))
    assert _close(image.pixelColor(x, int(height * 0.23)), AMBER)
    assert not _close(image.pixelColor(width - x, int(height * 0.23)), AMBER)


def test_language_cycle_mirrors_the_layout(qtbot: Any, morning: Any) -> None:
    state, clock = morning
    view = BoardView(state, ticket_fonts(), lang="ar", animate=False, monotonic=clock.monotonic)
    qtbot.addWidget(view)
    client = HallClient(["ws://127.0.0.1:9/"], DeviceLogin("unused"))  # never started
    controller = BoardController(client, state, view, None, lang_cycle_seconds=0.05)
    qtbot.waitUntil(lambda: view.lang == "en", timeout=5_000)
    assert view.layoutDirection().name == "LeftToRight"
    qtbot.waitUntil(lambda: view.lang == "ar", timeout=5_000)
    controller.stop()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--counters", "4-1"], "--counters: '4-1' runs backwards"),
        (["--counters", "1-3,x"], "--counters: 'x' is not a counter number"),
        (["--counters", ""], "--counters is empty"),
        (["--lang-cycle-seconds", "-1"], "--lang-cycle-seconds"),
        (["--size", "big"], "--size"),
    ],
)
def test_bad_arguments_exit_2_with_one_clear_line(capsys: Any, args: list[str], message: str) -> None:
    assert dawr(["board", "--server", "ws://127.0.0.1:9/", "--token", "t", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_bad_server_url_and_missing_token(capsys: Any, monkeypatch: Any) -> None:
    monkeypatch.delenv("DAWR_BOARD_TOKEN", raising=False)
    assert dawr(["board", "--server", "http://hall:8765/", "--token", "t"]) == 2
    assert "not a websocket URL" in capsys.readouterr().err
    assert dawr(["board", "--server", "ws://hall:8765/"]) == 2
    assert "no device token" in capsys.readouterr().err
