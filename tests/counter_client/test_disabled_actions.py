"""Which actions are enabled in which state, and the reason shown on the disabled ones.

The rules come from ``server/core/lifecycle.py``'s tables (``counter_client.model.availability``); the first
tests check them on plain state, the last against the real server through the window's buttons."""

from __future__ import annotations

from typing import Any

import pytest

from counter_client.model import ACTIONS, TICKET_COMMAND, availability
from server.core.lifecycle import AT_COUNTER_STATES, TICKET_TRANSITIONS

from .conftest import Sessions, issue


def _view(state: str = "open", ticket: str | None = None, queue: int = 0, parked: int = 0) -> dict[str, Any]:
    current = {"number": "C001", "state": ticket, "service_id": "inquiry"} if ticket else None
    return {
        "number": 3,
        "state": state,
        "current": current,
        "queue_total": queue,
        "parked": [
            {"id": f"x-C{i:03d}", "number": f"C{i:03d}", "state": "parked", "service_id": "inquiry"}
            for i in range(parked)
        ],
    }


def enabled(view: dict[str, Any]) -> set[str]:
    return {a for a in ACTIONS if availability(view, a).enabled}


def test_closed_counter_can_only_open() -> None:
    assert enabled(_view("closed", queue=3)) == {"open"}
    assert availability(_view("closed"), "call_next").reason == "why_closed"


def test_paused_counter_can_resume_or_close() -> None:
    assert enabled(_view("paused", queue=3, parked=1)) == {"resume_counter", "close"}
    assert availability(_view("paused", queue=3), "call_next").reason == "why_paused"


def test_open_idle_counter() -> None:
    assert enabled(_view("open", queue=0)) == {"call_ticket", "pause", "close"}
    assert availability(_view("open"), "call_next").reason == "why_queue_empty"
    assert availability(_view("open"), "resume_parked").reason == "why_none_parked"
    assert enabled(_view("open", queue=2, parked=1)) == {
        "call_next",
        "call_ticket",
        "resume_parked",
        "pause",
        "close",
    }


@pytest.mark.parametrize("ticket_state", sorted(AT_COUNTER_STATES))
def test_customer_actions_follow_the_lifecycle_table(ticket_state: str) -> None:
    view = _view("open", ticket=ticket_state, queue=5, parked=1)
    expected = {
        a
        for a, command in TICKET_COMMAND.items()
        if a not in ("call_next", "call_ticket", "resume_parked")
        and ticket_state in TICKET_TRANSITIONS[command][0]
    }
    assert enabled(view) == expected
    # with a customer at the counter nothing else can start, and the counter cannot pause or close
    for action in ("call_next", "call_ticket", "resume_parked", "pause", "close"):
        state = availability(view, action)
        assert state.reason == "why_busy" and state.values["number"] == "C001"
    blocked = next(a for a in ("finish", "recall") if a not in expected)
    state = availability(view, blocked)
    assert state.reason == "why_ticket_state" and state.values["state"] == ticket_state


def test_disabled_buttons_carry_the_reason_as_tooltip(sessions: Sessions, kiosk: Any) -> None:
    session = sessions.login("alice", counter=3)
    window = sessions.window(session)
    desk = session.model

    def tips() -> dict[str, str]:
        return {key: button.toolTip() for key, button in window.pad.buttons.items() if not button.isEnabled()}

    # closed: only F10 (open) works
    assert set(tips()) == {"F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9"}
    assert tips()["F1"] == "The counter is closed — open it first"
    assert window.pad.current["F10"] == "open" and window.pad.buttons["F10"].text().startswith("Open counter")
    assert tips()["F9"] == "The counter is closed; only possible when it is open"

    sessions.act(session, lambda: window.trigger("F10"), lambda: desk.view["state"] == "open")
    assert tips()["F1"] == "Nobody is waiting for this counter"
    assert tips()["F5"] == "No customer at the counter"
    # pressing a disabled key says why in the status line instead of doing anything
    window.trigger("F5")
    assert window.status_text == "No customer at the counter"

    issue(kiosk, "inquiry")
    sessions.qtbot.waitUntil(lambda: "F1" not in tips(), timeout=5000)
    sessions.act(session, lambda: window.trigger("F1"), lambda: desk.current is not None)
    number = desk.current["number"]
    assert set(tips()) == {"F1", "F5", "F6", "F7", "F8", "F9", "F10"}
    assert tips()["F5"] == f"Ticket {number} is called; only possible when it is being served"
    assert tips()["F10"] == f"Customer {number} is at the counter — finish, park or transfer first"

    sessions.act(session, lambda: window.trigger("F3"), lambda: desk.current["state"] == "serving")
    assert set(tips()) == {"F1", "F2", "F3", "F4", "F8", "F9", "F10"}
    assert tips()["F2"] == f"Ticket {number} is being served; only possible when it is called"

    # Arabic: the same reasons, in Arabic, and the window mirrors
    window.set_language("ar")
    assert window.layoutDirection().name == "RightToLeft"
    assert tips()["F2"].startswith(f"التذكرة {number}")
