"""The presenters without Qt: what each part of the counter and supervisor screens says, in both
languages, from typed state — the current customer, why this ticket, the keys, the tables, the devices."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from counter_client import presenters as ps
from counter_client.model import Desk, Hall
from qtkit.server_clock import ServerClock
from server.core.lifecycle import Command
from server.testing import FakeClock

from .builders import (
    START,
    counter_snapshot,
    counter_view,
    current_ticket,
    device,
    supervisor_snapshot,
)

ROOT = Path(__file__).resolve().parents[2]


def _desk(view: object = None, connected: bool = True, **snapshot: object) -> tuple[Desk, FakeClock]:
    local = FakeClock()
    desk = Desk(ServerClock(monotonic=local.monotonic))
    desk.apply_snapshot(counter_snapshot(view, **snapshot))  # type: ignore[arg-type]
    desk.connected = connected
    desk.user_name = "Alice"
    return desk, local


def _serving(**ticket: object) -> Desk:
    view = counter_view("open", waiting=2, current=current_ticket(**ticket).model_dump())
    return _desk(view)[0]


def test_presenters_load_without_qt() -> None:
    code = "import sys, counter_client.presenters; print(any(m.startswith('PySide6') for m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "False"


# ------------------------------------------------------------------------------------- why this ticket
def _why(lang: str = "en", /, **call: object) -> str:
    desk = _serving(call=call)
    assert desk.current is not None
    return ps.why_text(desk.ref, desk.current, lang)  # type: ignore[arg-type]


def test_why_a_weighted_wait_names_the_minutes_and_the_weight() -> None:
    call = {"rule": "weighted_wait", "waited_minutes": 12.345, "weight": 2.0, "scores": [["inquiry", 24.69]]}
    assert _why(**call) == "Longest weighted wait — waited 12.3 min × weight 2"
    assert _why("ar", **call) == "أطول انتظار موزون — انتظر 12.3 دقيقة × الوزن 2"
    assert _why(**call, priority=True).endswith("weight 2 · Priority")


def test_why_lists_the_compared_services_by_letter_highest_first() -> None:
    scores = [["inquiry", 10.0], ["data_update", 30.04], ["unknown_service", 5.0]]
    text = _why(rule="weighted_wait", waited_minutes=15.0, weight=2.0, scores=scores)
    assert text.splitlines()[1] == "Compared: D 30.0 · C 10.0 · unknown_service 5.0"


def test_why_the_other_rules() -> None:
    assert _why(rule="transferred_to_counter") == "Transferred to this counter"
    assert _why(rule="specific") == "Called by hand"
    assert _why("ar", rule="specific") == "نُودي يدويًا"
    # the slot is shown in the branch's time zone (Bahrain, UTC+3)
    assert _why(rule="appointment_due", slot="2026-11-22T06:40:00+00:00") == "Appointment due at 09:40"
    assert _why(rule=None) == "—"


# -------------------------------------------------------------------------------- the current customer
def test_nobody_at_the_counter_says_what_to_press() -> None:
    closed = ps.current_lines(_desk(counter_view("closed"))[0], "en")
    assert (closed.ticket, closed.service, closed.details) == (
        "—",
        "Counter closed — press F10 to open it",
        {},
    )
    paused = ps.current_lines(_desk(counter_view("paused", pause_reason="prayer"))[0], "en")
    assert paused.service == "Paused: Prayer — press F9 to resume"
    free = ps.current_lines(_desk(counter_view("open"))[0], "ar")
    assert free.service == "لا يوجد عميل — اضغط F1 للنداء التالي"


def test_the_current_customer_lines() -> None:
    desk = _serving(
        state="called",
        priority=True,
        transfers=1,
        recalls=2,
        arrival_at=START,
        called_at=(FakeClock().now + timedelta(minutes=14, seconds=50)).isoformat(),
    )
    lines = ps.current_lines(desk, "en")
    assert (lines.ticket, lines.service) == ("C001", "Inquiry")
    assert lines.details == {
        "field.state": "called",
        "field.waited": "14 min",
        "field.kind": "Walk-in · Priority · Transferred (1)",
        "field.recalls": "2",
        "field.why": "Longest weighted wait — waited 3.0 min × weight 1",
    }
    assert list(lines.details) == [k for k in ps.DETAIL_FIELDS if k in lines.details]


def test_a_booked_customer_shows_the_booking_isolated_from_the_arabic_line() -> None:
    desk = _serving(
        kind="appointment",
        appointment_ref="HQ-0412",
        slot="2026-11-22T06:40:00+00:00",
        citizen_name="Fatima Ali",
        late_appointment=True,
    )
    en = ps.current_lines(desk, "en").details["field.appointment"]
    assert en == "\u2068Fatima Ali\u2069 · Booking HQ-0412 — slot 09:40 (arrived late)"
    ar = ps.current_lines(desk, "ar").details["field.appointment"]
    assert ar.startswith("\u200f\u2068Fatima Ali\u2069 · الحجز \u2068HQ-0412\u2069")
    assert ps.current_lines(desk, "en").details["field.kind"] == "Appointment"


# --------------------------------------------------------------------------------- keys and the frame
def test_buttons_say_their_key_and_why_they_are_off() -> None:
    desk = _desk(counter_view("closed", waiting=3))[0]
    states = ps.button_states(ps.SLOTS, desk.availability, ps.desk_hints(desk), "en")
    assert [key for key, _ in ps.SLOTS] == list(states)
    assert states["F10"].action == Command.OPEN_COUNTER and states["F10"].enabled
    assert states["F10"].caption == "Open counter   [F10]"
    assert states["F1"].reason == "The counter is closed — open it first"
    assert states["F9"].action == Command.PAUSE_COUNTER
    assert states["F9"].reason == "The counter is closed; only possible when it is open"
    paused = _desk(counter_view("paused"))[0]
    assert ps.button_states(ps.SLOTS, paused.availability, ps.desk_hints(paused), "ar")["F9"].caption == (
        "استئناف العمل   [F9]"
    )


def test_the_window_header_and_banners() -> None:
    desk = _desk(counter_view("open"))[0]
    header = ps.counter_header(desk, "en")
    assert (header.title, header.heading, header.who) == ("Dawr — Counter 3", "Counter 3", "Alice · open")
    assert header.language == "العربية  [F12]" and header.banner_kind is None
    assert ps.counter_header(desk, "ar").language == "English  [F12]"
    desk.connected = False
    assert ps.counter_header(desk, "en").banner_kind == "offline"
    desk.connected, desk.branch_open = True, False
    closed = ps.counter_header(desk, "en")
    assert (closed.banner, closed.banner_kind) == ("The branch is closed now", "banner")


def test_outcome_lines() -> None:
    assert ps.outcome_text(True, Command.CALL_NEXT, "C012", "", "en") == "Done: Call next — C012"
    assert ps.outcome_text(True, Command.OPEN_COUNTER, None, "", "en") == "Done: Open counter"
    assert ps.outcome_text(False, Command.FINISH, None, "No.", "en") == "Could not do that: No."


def test_timer_lines() -> None:
    desk = _serving()
    lines = ps.timer_lines(desk.timer(), "en")
    assert (lines.clock, lines.note, lines.bar_value, lines.bar_maximum) == (
        "0:00",
        "7:00 left of 7:00",
        0,
        420,
    )
    called = ps.timer_lines(_serving(state="called", segment_start=None).timer(), "en")
    assert called.note == "Waiting for the customer · Cap 7 min" and called.bar_maximum is None


# ----------------------------------------------------------------------------------------- the tables
def test_the_clerks_queue_and_day() -> None:
    queue = [
        {
            "id": "q1",
            "number": "C002",
            "service_id": "inquiry",
            "kind": "walk_in",
            "priority": False,
            "arrival_at": START,
            "slot": None,
            "target_counter": None,
        }
    ]
    desk, local = _desk(counter_view("open", queue_total=1, services=["inquiry", "data_update"]))
    desk.view = counter_view("open", queue_total=1, services=["inquiry", "data_update"], queue=queue)
    desk.statuses = {
        s.id: s.model_copy(update={"waiting": 1 if s.id == "inquiry" else 0}) for s in desk.statuses.values()
    }
    local.advance(minutes=12)
    rows = ps.counter_service_rows(desk, "en")
    assert [r.cells for r in rows] == [("C  Inquiry", "1", "12 min"), ("D  Data update", "0", "—")]
    assert [r.idle for r in rows] == [False, True]
    assert ps.queue_total(desk, "en") == "Total 1 — longest wait 12 min"
    assert ps.day_figures(desk.day, "en")[1] == ("day.average", "Average service time", "—")
    assert ps.parked_lines(desk, "en") == "Nobody"


def test_the_supervisors_counter_rows_and_devices() -> None:
    local = FakeClock()
    hall = Hall(ServerClock(monotonic=local.monotonic))
    views = [
        counter_view("paused", pause_reason="prayer", number=4, name_en="Counter 4", current=None),
        counter_view("open", ticket="serving"),
    ]
    faulty = device(id="kiosk-2", name="kiosk-2", health={"printer": "error"}, detail="paper out")
    hall.apply_snapshot(supervisor_snapshot(views, devices=[device(), faulty]))
    local.advance(minutes=7, seconds=30)
    row = ps.counter_row(hall, 3, "en")
    assert row.cells == (
        "Counter 3",
        "open",
        "alice",
        "C001 · Inquiry",
        "\u20667:30 / 7:00\u2069",
        "over the cap",
    )
    assert row.phase == "over" and row.state == "open"
    assert ps.counter_row(hall, 4, "en").cells[5] == "Paused: Prayer"
    lines = ps.device_lines(hall, "en")
    assert [(d.name, d.state, d.severity) for d in lines] == [
        ("kiosk-1", "ok", "ok"),
        ("kiosk-2", "fault", "fault"),
    ]
    assert lines[1].detail == "printer: error — paper out"
    assert ps.acting_line(hall, None, "en") == "Pick a counter in the table to act for it"


def test_transfer_offers_the_supervisor_first() -> None:
    desk = _serving()
    options = ps.transfer_options(desk.ref, desk.current, desk.number, "en")
    assert [value for value, _ in options] == [
        ("service", "supervisor"),
        ("service", "data_update"),
        ("counter", 4),
    ]
    assert options[0][1] == "To the supervisor — Supervisor"


def test_every_action_state_and_rule_has_its_wording_in_both_languages() -> None:
    from typing import get_args

    from counter_client.model import ACTIONS
    from counter_client.texts import text
    from server.core.lifecycle import CounterState, TicketState
    from server.i18n import LANGUAGES, has
    from server.protocol import payloads as pl

    keys = (
        [f"act.{a}" for a in ACTIONS]
        + [f"ticket_state.{s}" for s in TicketState]
        + [f"counter_state.{s}" for s in CounterState]
        + [f"rule.{r}" for r in get_args(pl.CallRule)]
        + [f"alert.{a}" for a in ("disconnected", "silent", "error", "warning")]
        + [f"health.{h}" for h in get_args(pl.PeripheralState)]
        + [f"part.{p}" for p in pl.Peripherals.model_fields]
        + list(ps.DETAIL_FIELDS)
        + list(ps.COUNTER_COLUMNS)
    )
    for lang in LANGUAGES:
        missing = [key for key in keys if not has("counter", key, lang)]
        assert not missing, f"{lang}: {missing}"
    assert text("rule.appointment_due", "en", slot="09:40") == "Appointment due at 09:40"
