"""The supervisor view against a real hall server: every counter live, referred tickets, devices, acting."""

from __future__ import annotations

from typing import Any

from counter_client.model import Hall
from server.core.lifecycle import Command
from server.protocol import messages as p

from .conftest import Sessions, issue


def _open_and_serve(sessions: Sessions, kiosk: Any) -> tuple[Any, Any, str]:
    clerk = sessions.login("alice", counter=3)
    window = sessions.window(clerk)
    desk = clerk.model
    sessions.act(clerk, lambda: window.trigger("F10"), lambda: desk.view.state == "open")
    (number,) = issue(kiosk, "data_update")
    sessions.qtbot.waitUntil(lambda: desk.view.queue_total >= 1, timeout=5000)
    sessions.act(clerk, lambda: window.trigger("F1"), lambda: desk.current is not None)
    sessions.act(clerk, lambda: window.trigger("F3"), lambda: desk.current.state == "serving")
    return clerk, window, number


def test_transfer_to_the_supervisor_appears_in_the_supervisor_view(sessions: Sessions, kiosk: Any) -> None:
    qtbot = sessions.qtbot
    supervisor = sessions.login("sara")
    board = sessions.window(supervisor)
    hall = supervisor.model
    assert isinstance(hall, Hall)
    assert board.referred_numbers() == []
    clerk, window, number = _open_and_serve(sessions, kiosk)

    # the clerk presses F6 and picks the supervisor, the first destination offered
    window.trigger("F6")
    dialog = window.dialog
    assert dialog.options("to")[0] == ("service", "supervisor")
    dialog.choose("to", ("service", "supervisor"))
    outcome = sessions.act(clerk, dialog.accept, lambda: clerk.model.current is None)
    assert outcome.ok
    qtbot.waitUntil(
        lambda: [r.split(" — ")[0] for r in board.referred_numbers()] == [f"{number} from Counter 3"],
        timeout=5000,
    )
    assert clerk.model.day.transferred == 1
    # a supervisor who logs in later (a snapshot, not the live event) also sees who sent it
    late = sessions.login("sara")
    late_view = sessions.window(late)
    assert [r.split(" — ")[0] for r in late_view.referred_numbers()] == [f"{number} from Counter 3"]

    # the supervisor's desk (counter 8) opens; the supervisor calls the referred customer to it
    bob = sessions.login("bob", counter=8)
    sessions.act(bob, lambda: bob.act(Command.OPEN_COUNTER), lambda: bob.model.view.state == "open")
    qtbot.waitUntil(lambda: hall.views[8].state == "open", timeout=5000)
    board.select_counter(8)
    board.referred_list.setCurrentRow(0)
    assert board.call_referred.isEnabled()
    outcome = sessions.act(
        supervisor,
        board.call_referred.click,
        lambda: hall.views[8].current is not None and hall.views[8].current.number == number,
    )
    assert outcome.ok
    qtbot.waitUntil(lambda: board.referred_numbers() == [], timeout=5000)
    qtbot.waitUntil(lambda: bob.model.current is not None, timeout=5000)  # bob's own push may come later
    assert bob.model.current.number == number and bob.model.current.call.rule == "specific"


def test_all_counters_live_with_timer_and_pause_reason(sessions: Sessions, kiosk: Any) -> None:
    qtbot = sessions.qtbot
    supervisor = sessions.login("sara")
    board = sessions.window(supervisor)
    hall = supervisor.model
    _, _, number = _open_and_serve(sessions, kiosk)
    bob = sessions.login("bob", counter=4)
    sessions.act(bob, lambda: bob.act(Command.OPEN_COUNTER), lambda: bob.model.view.state == "open")
    sessions.act(
        bob, lambda: bob.act(Command.PAUSE_COUNTER, reason="prayer"), lambda: bob.model.view.state == "paused"
    )

    row = {n: i for i, n in enumerate(sorted(hall.views))}
    qtbot.waitUntil(lambda: board.table.item(row[4], 5).text() == "Paused: Prayer", timeout=5000)
    assert board.table.item(row[3], 2).text() == "alice"
    assert board.table.item(row[3], 3).text().startswith(number)
    assert board.table.item(row[1], 1).text() == "closed"

    sessions.runner.advance(minutes=7, seconds=30)
    qtbot.waitUntil(lambda: board.table.item(row[3], 5).text() == "over the cap", timeout=5000)
    timer = board.table.item(row[3], 4)
    assert (
        timer.text().strip("\u2066\u2069").startswith("7:") and timer.background().color().name() == "#c62828"
    )


def test_device_faults_are_alerts(sessions: Sessions, kiosk: Any) -> None:
    supervisor = sessions.login("sara")
    board = sessions.window(supervisor)
    assert "kiosk-1</b>: ok" in board.devices_list.text()
    assert "board-1</b>: disconnected" in board.devices_list.text()
    reply = kiosk.request("device_health", printer="error", scanner="ok", detail="paper out")
    assert isinstance(p.parse_server_frame(reply), p.Result)
    sessions.qtbot.waitUntil(lambda: "kiosk-1</b>: fault" in board.devices_list.text(), timeout=5000)
    assert "paper out" in board.devices_list.text()
    assert [d.id for d, alert in supervisor.model.alerts() if alert == "alert.error"] == ["kiosk-1"]


def test_supervisor_acts_for_a_counter(sessions: Sessions, kiosk: Any) -> None:
    qtbot = sessions.qtbot
    supervisor = sessions.login("sara")
    board = sessions.window(supervisor)
    hall = supervisor.model
    bob = sessions.login("bob", counter=5)
    sessions.act(bob, lambda: bob.act(Command.OPEN_COUNTER), lambda: bob.model.view.state == "open")
    first, second = issue(kiosk, "inquiry", 2)
    qtbot.waitUntil(lambda: hall.views[5].queue_total == 2, timeout=5000)

    assert not board.pad.buttons["F1"].isEnabled()
    assert board.pad.reasons["F1"] == "Pick a counter in the table"
    board.select_counter(5)
    assert board.acting.text() == "Acting for: Counter 5"
    # call a specific ticket (reordering the line) for counter 5
    board.trigger("F8")
    board.dialog.lines["ticket"].setText(second)
    sessions.act(supervisor, board.dialog.accept, lambda: bob.model.current is not None)
    assert bob.model.current.number == second
    # start is the clerk's; then the supervisor transfers the customer to counter 7
    sessions.act(bob, lambda: bob.act(Command.START_SERVICE), lambda: bob.model.current.state == "serving")
    qtbot.waitUntil(lambda: board.pad.buttons["F6"].isEnabled(), timeout=5000)
    board.trigger("F6")
    board.dialog.choose("to", ("counter", 7))
    board.dialog.choose("position", "end")
    outcome = sessions.act(supervisor, board.dialog.accept, lambda: bob.model.current is None)
    assert outcome.ok
    # the supervisor closes counter 5
    qtbot.waitUntil(lambda: board.pad.buttons["F10"].isEnabled(), timeout=5000)
    sessions.act(supervisor, lambda: board.trigger("F10"), lambda: bob.model.view.state == "closed")
    assert first in [t.number for t in hall.views[3].queue]
