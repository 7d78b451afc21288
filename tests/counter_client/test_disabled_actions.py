"""Which actions are enabled in which state, and the reason shown on the disabled ones.

The rules come from ``server/core/lifecycle.py``'s tables (``counter_client.model.availability``); the first
tests check them on plain state, the last against the real server through the window's buttons."""

from __future__ import annotations

from typing import Any

import pytest

from counter_client.model import ACTIONS, BRINGS_CUSTOMER, availability
from server.core.lifecycle import AT_COUNTER_STATES, COUNTER_TRANSITIONS, TICKET_TRANSITIONS, Command
from server.protocol import payloads as pl

from .builders import counter_view as _view
from .conftest import Sessions, issue

C = Command


def enabled(view: pl.CounterViewData) -> set[Command]:
    return {a for a in ACTIONS if availability(view, a).enabled}


def test_the_actions_are_the_lifecycle_commands() -> None:
    # every action of the screen is a row of one of the two lifecycle tables, so it is checked by it
    assert all(a in TICKET_TRANSITIONS or a in COUNTER_TRANSITIONS for a in ACTIONS)
    assert set(COUNTER_TRANSITIONS) <= set(ACTIONS)
    # the ones that bring a customer to the counter are read off the table, not listed by hand
    assert {C.CALL_NEXT, C.CALL_TICKET, C.RESUME_PARKED} == BRINGS_CUSTOMER


def test_closed_counter_can_only_open() -> None:
    assert enabled(_view("closed", waiting=3)) == {C.OPEN_COUNTER}
    assert availability(_view("closed"), C.CALL_NEXT).reason == "why.closed"


def test_paused_counter_can_resume_or_close() -> None:
    assert enabled(_view("paused", waiting=3, parked=1)) == {C.RESUME_COUNTER, C.CLOSE_COUNTER}
    assert availability(_view("paused", waiting=3), C.CALL_NEXT).reason == "why.paused"


def test_open_idle_counter() -> None:
    assert enabled(_view("open", waiting=0)) == {C.CALL_TICKET, C.PAUSE_COUNTER, C.CLOSE_COUNTER}
    assert availability(_view("open"), C.CALL_NEXT).reason == "why.queue_empty"
    assert availability(_view("open"), C.RESUME_PARKED).reason == "why.none_parked"
    assert enabled(_view("open", waiting=2, parked=1)) == {
        C.CALL_NEXT,
        C.CALL_TICKET,
        C.RESUME_PARKED,
        C.PAUSE_COUNTER,
        C.CLOSE_COUNTER,
    }


@pytest.mark.parametrize("ticket_state", sorted(AT_COUNTER_STATES))
def test_customer_actions_follow_the_lifecycle_table(ticket_state: str) -> None:
    view = _view("open", ticket=ticket_state, waiting=5, parked=1)
    expected = {
        a
        for a in ACTIONS
        if a in TICKET_TRANSITIONS and a not in BRINGS_CUSTOMER and TICKET_TRANSITIONS[a].allows(ticket_state)
    }
    assert expected and enabled(view) == expected
    # with a customer at the counter nothing else can start, and the counter cannot pause or close
    for action in (C.CALL_NEXT, C.CALL_TICKET, C.RESUME_PARKED, C.PAUSE_COUNTER, C.CLOSE_COUNTER):
        state = availability(view, action)
        assert state.reason == "why.busy" and state.values["number"] == "C001"
    blocked = next(a for a in (C.FINISH, C.RECALL) if a not in expected)
    state = availability(view, blocked)
    assert state.reason == "why.ticket_state" and state.values["state"] == ticket_state
    assert state.values["allowed"] == sorted(TICKET_TRANSITIONS[blocked].sources & AT_COUNTER_STATES)


def test_disabled_buttons_carry_the_reason_as_tooltip(sessions: Sessions, kiosk: Any) -> None:
    session = sessions.login("alice", counter=3)
    window = sessions.window(session)
    desk = session.model

    def tips() -> dict[str, str]:
        return {key: button.toolTip() for key, button in window.pad.buttons.items() if not button.isEnabled()}

    # closed: only F10 (open) works
    assert set(tips()) == {"F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9"}
    assert tips()["F1"] == "The counter is closed — open it first"
    assert window.pad.current["F10"] == Command.OPEN_COUNTER and window.pad.buttons["F10"].text().startswith(
        "Open counter"
    )
    assert tips()["F9"] == "The counter is closed; only possible when it is open"

    sessions.act(session, lambda: window.trigger("F10"), lambda: desk.view.state == "open")
    assert tips()["F1"] == "Nobody is waiting for this counter"
    assert tips()["F5"] == "No customer at the counter"
    # pressing a disabled key says why in the status line instead of doing anything
    window.trigger("F5")
    assert window.status_text == "No customer at the counter"

    issue(kiosk, "inquiry")
    sessions.qtbot.waitUntil(lambda: "F1" not in tips(), timeout=5000)
    sessions.act(session, lambda: window.trigger("F1"), lambda: desk.current is not None)
    number = desk.current.number
    assert set(tips()) == {"F1", "F5", "F6", "F7", "F8", "F9", "F10"}
    assert tips()["F5"] == f"Ticket {number} is called; only possible when it is being served"
    assert tips()["F10"] == f"Customer {number} is at the counter — finish, park or transfer first"

    sessions.act(session, lambda: window.trigger("F3"), lambda: desk.current.state == "serving")
    assert set(tips()) == {"F1", "F2", "F3", "F4", "F8", "F9", "F10"}
    assert tips()["F2"] == f"Ticket {number} is being served; only possible when it is called"

    # Arabic: the same reasons, in Arabic, and the window mirrors
    window.set_language("ar")
    assert window.layoutDirection().name == "RightToLeft"
    assert tips()["F2"].startswith(f"التذكرة {number}")
