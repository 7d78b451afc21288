"""The counter screen against a real hall server on loopback: a ticket's whole life, driven by keys."""

from __future__ import annotations

from typing import Any

from counter_client.model import Desk
from server.core.lifecycle import Command

from .conftest import Sessions, issue


def test_full_ticket_lifecycle_from_the_counter(sessions: Sessions, kiosk: Any) -> None:
    session = sessions.login("alice", counter=3)
    window = sessions.window(session)
    desk = session.model
    assert isinstance(desk, Desk)
    assert desk.view is not None and desk.view.state == "closed"

    # F10 opens the closed counter
    outcome = sessions.act(session, lambda: window.trigger("F10"), lambda: desk.view.state == "open")
    assert outcome.ok
    first, second = issue(kiosk, "inquiry", 2)
    sessions.qtbot.waitUntil(lambda: desk.view.queue_total == 2, timeout=5000)

    # F1 calls the next ticket: the oldest, and the screen says why
    sessions.act(session, lambda: window.trigger("F1"), lambda: desk.current is not None)
    assert desk.current.number == first and desk.current.state == "called"
    assert window.ticket.text() == first
    assert "Longest weighted wait" in window.detail_labels["field.why"][1].text()

    sessions.act(session, lambda: window.trigger("F2"), lambda: desk.current.recalls == 1)
    sessions.act(session, lambda: window.trigger("F3"), lambda: desk.current.state == "serving")
    assert window.timer_view.phase == "running"

    # F7 parks (the counter is free), F7 again resumes the parked customer
    sessions.act(session, lambda: window.trigger("F7"), lambda: desk.current is None)
    assert [t.number for t in desk.view.parked] == [first]
    assert window.pad.current["F7"] == Command.RESUME_PARKED
    sessions.act(session, lambda: window.trigger("F7"), lambda: desk.current is not None)
    assert desk.current.state == "serving"

    # F5 asks for the outcome, then finishes
    window.trigger("F5")
    dialog = window.dialog
    assert dialog is not None and "overrun_reason" not in dialog.lists
    dialog.choose("outcome", "completed")
    outcome = sessions.act(session, dialog.accept, lambda: desk.current is None and desk.day.served == 1)
    assert outcome.ok
    assert window.day_labels["day.served"][1].text() == "1"

    # the second ticket: call it by number (F8), recall, no-show (F4)
    window.trigger("F8")
    dialog = window.dialog
    dialog.lines["ticket"].setText(second.lower())
    sessions.act(session, dialog.accept, lambda: desk.current is not None)
    assert desk.current.number == second and desk.current.call.rule == "specific"
    sessions.act(session, lambda: window.trigger("F2"), lambda: desk.current.recalls == 1)
    sessions.act(session, lambda: window.trigger("F4"), lambda: desk.current is None)
    assert desk.day.no_shows == 1

    # F9 pauses with a reason, F9 resumes, F10 closes
    window.trigger("F9")
    window.dialog.choose("reason", "prayer")
    sessions.act(session, window.dialog.accept, lambda: desk.view.state == "paused")
    assert "Prayer" in window.service.text()
    sessions.act(session, lambda: window.trigger("F9"), lambda: desk.view.state == "open")
    sessions.act(session, lambda: window.trigger("F10"), lambda: desk.view.state == "closed")


def _serving(
    sessions: Sessions, kiosk: Any, username: str = "alice", counter: int = 3
) -> tuple[Any, Any, str]:
    """A counter window whose clerk is serving a fresh inquiry ticket; returns (session, window, number)."""
    session = sessions.login(username, counter=counter)
    window = sessions.window(session)
    desk = session.model
    sessions.act(session, lambda: window.trigger("F10"), lambda: desk.view.state == "open")
    (number,) = issue(kiosk, "inquiry")
    sessions.qtbot.waitUntil(lambda: desk.view.queue_total >= 1, timeout=5000)
    sessions.act(session, lambda: window.trigger("F1"), lambda: desk.current is not None)
    sessions.act(session, lambda: window.trigger("F3"), lambda: desk.current.state == "serving")
    return session, window, number


def test_cap_goes_amber_then_red_and_an_overrun_needs_a_reason(sessions: Sessions, kiosk: Any) -> None:
    session, window, _ = _serving(sessions, kiosk)
    desk = session.model
    qtbot = sessions.qtbot
    assert window.timer_view.phase == "running"
    assert window.timer_view.clock.text() == "0:00"

    # the server's clock moves 5 minutes: 2 minutes before the 7-minute cap the timer turns amber
    sessions.runner.advance(minutes=5, seconds=5)
    qtbot.waitUntil(lambda: window.timer_view.phase == "warning", timeout=5000)
    assert desk.current.warned and not desk.current.overrun
    assert "#ffb300" in window.timer_view.styleSheet()
    assert window.timer_view.clock.text().startswith("5:")
    assert not window.timer_view.pulse.isActive()

    # past the cap: red and pulsing
    sessions.runner.advance(minutes=2)
    qtbot.waitUntil(lambda: window.timer_view.phase == "over", timeout=5000)
    assert desk.current.overrun
    assert window.timer_view.pulse.isActive()
    assert "#c62828" in window.timer_view.styleSheet() or "#ff5252" in window.timer_view.styleSheet()
    qtbot.waitUntil(lambda: window.timer_view.pulse_on, timeout=2000)
    qtbot.waitUntil(lambda: not window.timer_view.pulse_on, timeout=2000)
    assert window.timer_view.note.text().startswith("Over the cap by")

    # finishing asks for an overrun reason from the branch's short list; OK stays off until one is chosen
    window.trigger("F5")
    dialog = window.dialog
    assert dialog is not None
    assert dialog.options("overrun_reason") == [
        "complex_case",
        "system_slow",
        "missing_documents",
        "language",
    ]
    dialog.choose("outcome", "completed")
    assert not dialog.ok.isEnabled()
    dialog.choose("overrun_reason", "complex_case")
    assert dialog.ok.isEnabled()
    outcome = sessions.act(session, dialog.accept, lambda: desk.current is None)
    assert outcome.ok
    qtbot.waitUntil(lambda: desk.day.overruns == 1, timeout=5000)
    assert window.day_labels["day.overruns"][1].text() == "1"
    assert window.timer_view.phase == "none" and not window.timer_view.pulse.isActive()


def test_a_finish_refused_for_want_of_a_reason_asks_for_it(sessions: Sessions, kiosk: Any) -> None:
    session, window, _ = _serving(sessions, kiosk)
    sessions.runner.advance(minutes=8)
    # sent straight to the server (as a stale screen would), the finish is refused and the dialog comes back
    outcome = sessions.act(session, lambda: session.act(Command.FINISH, outcome="completed"))
    assert not outcome.ok and outcome.code == "overrun_reason_required"
    assert window.dialog is not None and "overrun_reason" in window.dialog.lists
    assert session.model.current is not None


def test_a_counter_cannot_act_on_another_counter(sessions: Sessions, kiosk: Any) -> None:
    alice = sessions.login("alice", counter=3)
    bob = sessions.login("bob", counter=4)
    issue(kiosk, "inquiry")
    outcome = sessions.act(alice, lambda: alice.act(Command.OPEN_COUNTER, counter=4))
    assert not outcome.ok and outcome.code == "forbidden_counter"
    outcome = sessions.act(alice, lambda: alice.act(Command.CALL_NEXT, counter=4))
    assert not outcome.ok and outcome.code == "forbidden_counter"
    assert bob.model.view.state == "closed" and bob.model.current is None
    # and alice's own screen only ever shows and acts on counter 3
    assert alice.model.number == 3
    window = sessions.window(alice)
    sessions.act(alice, lambda: window.trigger("F10"), lambda: alice.model.view.state == "open")
    assert bob.model.view.state == "closed"


def test_reconnect_keeps_the_current_customer_and_the_timer(sessions: Sessions, kiosk: Any) -> None:
    session, window, number = _serving(sessions, kiosk)
    desk = session.model
    qtbot = sessions.qtbot
    sessions.runner.advance(minutes=3)
    session.ping()  # what the session does every 10 s: read the server's clock
    qtbot.waitUntil(lambda: desk.timer().elapsed >= 180, timeout=5000)

    with qtbot.waitSignal(session.client.stateChanged, timeout=5000):
        session.client.drop_connection()
    qtbot.waitUntil(lambda: not desk.connected, timeout=5000)
    window.refresh()
    assert not window.banner.isHidden() and window.banner.text().startswith("Connection lost")
    assert not window.pad.buttons["F5"].isEnabled()
    assert window.pad.reasons["F5"] == "Not connected to the server"

    qtbot.waitUntil(lambda: desk.connected, timeout=5000)
    assert desk.current is not None and desk.current.number == number
    assert desk.current.state == "serving"
    assert desk.timer().elapsed >= 180
    assert window.ticket.text() == number and window.pad.buttons["F5"].isEnabled()

    # a client restart (a new client and session, same clerk) shows the same customer, timer not reset
    session.client.stop()
    again = sessions.login("alice", counter=3)
    assert again.model.current.number == number
    assert again.model.timer().elapsed >= 180
    assert again.model.timer().phase == "running"


def test_my_day_survives_a_client_restart(sessions: Sessions, kiosk: Any) -> None:
    """The day's figures come from the server, so a restarted client shows the same served count."""
    session, window, _ = _serving(sessions, kiosk)
    desk = session.model
    sessions.runner.advance(minutes=4)
    window.trigger("F5")
    window.dialog.choose("outcome", "completed")
    sessions.act(session, window.dialog.accept, lambda: desk.current is None and desk.day.served == 1)
    assert desk.day.average_seconds == 240 and desk.day.overruns == 0
    session.client.stop()
    again = sessions.login("alice", counter=3)
    assert again.model.day.served == 1 and again.model.day.average_seconds == 240
    again_window = sessions.window(again)
    assert again_window.day_labels["day.served"][1].text() == "1"
