"""The display board against the real hall server on loopback (pytest-qt, offscreen, no sleeps)."""

from __future__ import annotations

from typing import Any

from display_board.state import Highlight
from server.core import engine as cmds
from server.store.hall import Hall
from server.store.journal import Journal
from server.testing import ServerThread, TestHall

from .conftest import WAIT, Desk, Kiosk


def test_counter_call_appears_with_its_counter_and_is_announced(
    qtbot: Any, hall: Any, make_board: Any
) -> None:
    board = make_board(hall.url, hall.device_tokens["board-1"])
    kiosk = Kiosk(hall.url, hall.device_tokens["kiosk-1"])
    desk = Desk(hall.url, "alice", hall.passwords["alice"], 3)
    try:
        number = kiosk.issue("inquiry")
        assert desk.do("call_next")["ticket"]["number"] == number
        qtbot.waitUntil(lambda: board.calling()[:1] == [(number, "3")], timeout=WAIT)
        row = board.view.shown.now_calling[0]
        assert row.highlight in (Highlight.FLASH_ON, Highlight.FLASH_OFF)  # a new call flashes
        assert row.recall is None
        qtbot.waitUntil(lambda: len(board.said) == 1, timeout=WAIT)
        said = board.said[0]
        assert (said.ticket_number, said.counter, said.recall) == (number, 3, False)
        assert said.text_en == f"Ticket {number}, counter 3" and "الشباك رقم ثلاثة" in said.text_ar
        assert board.player.overlaps == 0 and len(board.player.played) == 1
    finally:
        kiosk.close()
        desk.close()


def test_recall_is_shown_again_and_announced_again_in_order(qtbot: Any, hall: Any, make_board: Any) -> None:
    board = make_board(hall.url, hall.device_tokens["board-1"])
    kiosk = Kiosk(hall.url, hall.device_tokens["kiosk-1"])
    alice = Desk(hall.url, "alice", hall.passwords["alice"], 3)
    bob = Desk(hall.url, "bob", hall.passwords["bob"], 4)
    try:
        first, second = kiosk.issue("inquiry"), kiosk.issue("data_update")
        alice.do("call_next")
        bob.do("call_next")
        alice.do("recall")
        qtbot.waitUntil(lambda: len(board.said) == 3, timeout=WAIT)
        assert [(s.ticket_number, s.counter, s.recall) for s in board.said] == [
            (first, 3, False),
            (second, 4, False),
            (first, 3, True),
        ]
        assert board.said[2].text_en.startswith("Second call")
        assert board.player.overlaps == 0
        # the recalled ticket is back on top, with the "second call" tag
        qtbot.waitUntil(lambda: board.calling()[:2] == [(first, "3"), (second, "4")], timeout=WAIT)
        top = board.view.shown.now_calling[0]
        assert top.recall is not None and top.recall.secondary == "Second call"
        assert board.state.calls[f"{hall.clock().astimezone(hall.config.zone):%Y%m%d}-{first}"].recalls == 1
    finally:
        kiosk.close()
        alice.close()
        bob.close()


def test_zone_filter_shows_and_announces_only_its_counters(qtbot: Any, hall: Any, make_board: Any) -> None:
    board = make_board(hall.url, hall.device_tokens["board-1"], zone=frozenset({1, 2}))
    kiosk = Kiosk(hall.url, hall.device_tokens["kiosk-1"])
    alice = Desk(hall.url, "alice", hall.passwords["alice"], 3)
    bob = Desk(hall.url, "bob", hall.passwords["bob"], 1)
    try:
        outside, inside = kiosk.issue("inquiry"), kiosk.issue("inquiry")
        assert alice.do("call_next")["ticket"]["number"] == outside  # counter 3: not this board's zone
        bob.do("call_next")  # counter 1: this board's zone; its event comes after counter 3's
        qtbot.waitUntil(lambda: board.calling() == [(inside, "1")], timeout=WAIT)
        assert outside not in [item.ticket for item in board.view.shown.recent]
        qtbot.waitUntil(lambda: len(board.said) == 1, timeout=WAIT)
        assert [(s.ticket_number, s.counter) for s in board.said] == [(inside, 1)]
        assert all(call.counter in (1, 2) for call in board.state.calls.values())
        alice.do("recall")  # a recall outside the zone is not announced either
        bob.do("recall")
        qtbot.waitUntil(lambda: len(board.said) == 2, timeout=WAIT)
        assert [(s.ticket_number, s.counter, s.recall) for s in board.said] == [
            (inside, 1, False),
            (inside, 1, True),
        ]
    finally:
        kiosk.close()
        alice.close()
        bob.close()


def test_waiting_counts_and_estimates_follow_the_queue(qtbot: Any, hall: Any, make_board: Any) -> None:
    board = make_board(hall.url, hall.device_tokens["board-1"])
    desk = Desk(hall.url, "alice", hall.passwords["alice"], 3)  # an open counter: estimates exist
    kiosk = Kiosk(hall.url, hall.device_tokens["kiosk-1"])
    try:
        for _ in range(3):
            kiosk.issue("data_update")

        def data_update_row() -> Any:
            rows = board.view.shown.waiting if board.view.shown else ()
            return next((r for r in rows if r.name.secondary == "Data update"), None)

        qtbot.waitUntil(
            lambda: data_update_row() is not None and data_update_row().count == "3", timeout=WAIT
        )
        row = data_update_row()
        assert row.estimate.secondary.endswith("min") and row.estimate.primary.endswith(
            ("دقيقة", "دقائق", "دقيقتان")
        )
        desk.do("call_next")
        qtbot.waitUntil(lambda: data_update_row().count == "2", timeout=WAIT)
    finally:
        kiosk.close()
        desk.close()


def test_heartbeats_reach_the_server(qtbot: Any, hall: Any, make_board: Any) -> None:
    board = make_board(hall.url, hall.device_tokens["board-1"], heartbeat_seconds=0.1)

    def device() -> Any:  # the server replaces its (frozen) device record on every change
        return hall.server.devices["board-1"]

    assert device().connected is True
    hall.clock.advance(seconds=42)
    later = hall.clock().isoformat()
    qtbot.waitUntil(lambda: device().last_seen == later, timeout=WAIT)
    health = device().health
    assert (health.display, health.announcer, health.printer, health.scanner) == ("ok", "ok", None, None)
    # the board's clock follows the server's (fake) clock, not the PC's (once the reply is in: the server
    # records the heartbeat before the board has read the answer carrying the server's time)
    qtbot.waitUntil(lambda: abs((board.state.server_now() - hall.clock()).total_seconds()) < 5, timeout=WAIT)


def test_silent_board_still_shows_calls(qtbot: Any, hall: Any, make_board: Any) -> None:
    board = make_board(hall.url, hall.device_tokens["board-1"], announce=False)
    kiosk = Kiosk(hall.url, hall.device_tokens["kiosk-1"])
    desk = Desk(hall.url, "alice", hall.passwords["alice"], 3)
    try:
        number = kiosk.issue("inquiry")
        with qtbot.waitSignal(board.controller.announced, timeout=WAIT):
            desk.do("call_next")
        qtbot.waitUntil(lambda: board.calling() == [(number, "3")], timeout=WAIT)
        assert board.player.played == []
        assert hall.server.devices["board-1"].health.announcer == "unknown"
    finally:
        kiosk.close()
        desk.close()


def test_reconnect_after_server_restart_shows_the_current_state(
    qtbot: Any, runner: ServerThread, hall: TestHall, make_board: Any
) -> None:
    board = make_board(hall.url, hall.device_tokens["board-1"])
    kiosk = Kiosk(hall.url, hall.device_tokens["kiosk-1"])
    desk = Desk(hall.url, "alice", hall.passwords["alice"], 3)
    first, second = kiosk.issue("inquiry"), kiosk.issue("inquiry")
    desk.do("call_next")
    kiosk.close()
    desk.close()
    qtbot.waitUntil(lambda: board.calling() == [(first, "3")] and len(board.said) == 1, timeout=WAIT)

    runner.stop(wait=qtbot.waitUntil)
    qtbot.waitUntil(lambda: board.view.shown.connection is not None, timeout=WAIT)
    shown = board.view.shown
    assert shown.connection.secondary == "Reconnecting" and shown.stale
    assert all(row.highlight is Highlight.NONE for row in shown.now_calling)  # no stale highlight

    # while the server is down, counter 3 finishes the first customer and calls the second
    # (the commands go straight into the journal, as the restarted server will find them)
    journal = Journal.open(hall.db_url)
    try:
        offline = Hall.open(hall.config, journal, hall.qr_secret)
        offline.handle(cmds.StartService(3), hall.clock())
        offline.handle(cmds.Finish(3, "completed"), hall.clock())
        offline.handle(cmds.CallNext(3), hall.clock())
    finally:
        journal.close()

    assert runner.start().url == hall.url  # the same port, database, tokens, passwords and clock
    qtbot.waitUntil(
        lambda: board.view.shown.connection is None and board.calling() == [(second, "3")], timeout=WAIT
    )
    assert [item.ticket for item in board.view.shown.recent] == [first]  # finished: moved to recent calls
    # the call made while the board was offline is announced after the resync
    qtbot.waitUntil(lambda: len(board.said) == 2, timeout=WAIT)
    assert (board.said[1].ticket_number, board.said[1].counter) == (second, 3)
    # and the board keeps following live events on the new connection
    desk = Desk(hall.url, "alice", hall.passwords["alice"], 3, open_counter=False)
    try:
        desk.do("recall")
        qtbot.waitUntil(lambda: len(board.said) == 3 and board.said[2].recall, timeout=WAIT)
    finally:
        desk.close()
