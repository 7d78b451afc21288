"""What the counter and supervisor screens show, as plain strings (no Qt): the widgets only put these on
screen. Each function takes the state (``counter_client.model``) and a language and returns the lines,
cells and captions of one part of a screen, so all of it is tested without a window.

The function keys (``SLOTS``, ``SUPERVISOR_SLOTS``) and which action a key stands for now
(``slot_action``) are here too, with the text and tooltip of each button (``button_states``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from qtkit.i18n import Language
from qtkit.server_clock import parse_time
from server.core.lifecycle import Command
from server.protocol import payloads as pl

from .model import (
    Action,
    Availability,
    Desk,
    Hall,
    LabelKind,
    MyDay,
    Reference,
    TimerReading,
    device_alert,
    device_health,
)
from .texts import clock_text, common, has, language_switch, minutes_text, reason_text, state_name, text

# ------------------------------------------------------------------------------------------ the keys
Slots = tuple[tuple[str, tuple[Action, ...]], ...]

C = Command
SLOTS: Slots = (
    ("F1", (C.CALL_NEXT,)),
    ("F2", (C.RECALL,)),
    ("F3", (C.START_SERVICE,)),
    ("F4", (C.NO_SHOW,)),
    ("F5", (C.FINISH,)),
    ("F6", (C.TRANSFER,)),
    ("F7", (C.PARK, C.RESUME_PARKED)),
    ("F8", (C.CALL_TICKET,)),
    ("F9", (C.PAUSE_COUNTER, C.RESUME_COUNTER)),
    ("F10", (C.CLOSE_COUNTER, C.OPEN_COUNTER)),
)
"""The clerk's keys -> the actions each stands for (the first that applies is shown). Function keys work
under an Arabic keyboard layout too, where letter shortcuts do not."""

SUPERVISOR_SLOTS: Slots = (
    ("F1", (C.CALL_NEXT,)),
    ("F8", (C.CALL_TICKET,)),
    ("F6", (C.TRANSFER,)),
    ("F10", (C.CLOSE_COUNTER,)),
)
"""The supervisor's keys, acting for the selected counter."""

LANGUAGE_KEY = "F12"


def slot_action(
    slot: tuple[Action, ...], availability: Callable[[Action], Availability], hints: Mapping[str, bool]
) -> Action:
    """Which of a key's actions the key stands for now: the first enabled one, else the one the
    situation points to (``hints``: ``paused``, ``closed``, ``free_with_parked``)."""
    for action in slot:
        if availability(action).enabled:
            return action
    if C.RESUME_COUNTER in slot and hints.get("paused"):
        return C.RESUME_COUNTER
    if C.OPEN_COUNTER in slot and hints.get("closed"):
        return C.OPEN_COUNTER
    if C.RESUME_PARKED in slot and hints.get("free_with_parked"):
        return C.RESUME_PARKED
    return slot[0]


@dataclass(frozen=True)
class ButtonState:
    """One action button: the action its key stands for now, its caption, and the reason it is off."""

    action: Action
    caption: str
    enabled: bool
    reason: str


def button_states(
    slots: Slots, availability: Callable[[Action], Availability], hints: Mapping[str, bool], lang: Language
) -> dict[str, ButtonState]:
    """Every key's button: caption "Action   [Fn]", enabled or not, and the reason as a sentence."""
    states = {}
    for key, slot in slots:
        action = slot_action(slot, availability, hints)
        state = availability(action)
        states[key] = ButtonState(
            action,
            f"{text('act.' + action, lang)}   [{key}]",
            state.enabled,
            "" if state.enabled else reason_text(state.reason, state.values, lang),
        )
    return states


def desk_hints(desk: Desk) -> dict[str, bool]:
    """What a two-action key falls back to when neither of its actions is possible (see ``slot_action``)."""
    view = desk.view
    return {
        "paused": view is not None and view.state == "paused",
        "closed": view is not None and view.state == "closed",
        "free_with_parked": view is not None and view.current is None and bool(view.parked),
    }


# ---------------------------------------------------------------------------------------- the frame
BannerKind = Literal["offline", "banner"]


@dataclass(frozen=True)
class Header:
    """The top of a staff window: window title, heading, who is logged in, the language button, and the
    banner under them (``banner_kind`` "offline" or "banner"; None hides it)."""

    title: str
    heading: str
    who: str
    language: str
    banner: str
    banner_kind: BannerKind | None


def counter_header(desk: Desk, lang: Language) -> Header:
    """The clerk's window top: the counter's name, the clerk and the counter's state, the banners."""
    number = desk.number
    name = desk.ref.counter_name(number, lang) if number else ""
    state = state_name(desk.view.state if desk.view is not None else "closed", lang, "counter")
    kind: BannerKind | None = None
    banner = ""
    if not desk.connected:
        banner, kind = text("conn.offline", lang), "offline"
    elif not desk.branch_open:
        banner, kind = common("branch.closed_now", lang), "banner"
    return Header(
        title=text("title.counter", lang, counter=name),
        heading=name or text("title.counter", lang, counter=""),
        who=f"{desk.user_name} · {state}" if desk.user_name else state,
        language=f"{language_switch(lang)}  [{LANGUAGE_KEY}]",
        banner=banner,
        banner_kind=kind,
    )


def supervisor_header(hall: Hall, lang: Language) -> Header:
    """The supervisor's window top."""
    title = text("title.supervisor", lang)
    return Header(
        title=title,
        heading=title,
        who=hall.user_name,
        language=f"{language_switch(lang)}  [{LANGUAGE_KEY}]",
        banner=text("conn.offline", lang),
        banner_kind=None if hall.connected else "offline",
    )


def outcome_text(ok: bool, action: Action, number: str | None, message: str, lang: Language) -> str:
    """The status line after an action: "Done: Call next — C012" (``number``: the ticket the reply
    named), or why the server refused it (``message``: the server's, in ``lang``)."""
    if ok:
        what = text("act." + action, lang) + (f" — {number}" if number else "")
        return text("outcome.done", lang, what=what)
    return text("outcome.failed", lang, message=message)


# ------------------------------------------------------------------------------------------ the timer
@dataclass(frozen=True)
class TimerLines:
    """The cap timer's texts and bar (``bar_maximum`` None leaves the bar's scale as it is)."""

    title: str
    clock: str
    note: str
    bar_value: int
    bar_maximum: int | None = None


def timer_lines(reading: TimerReading, lang: Language) -> TimerLines:
    """The cap timer at ``reading``: elapsed m:ss, the time left or over, the bar towards the cap."""
    title = text("timer.title", lang)
    if reading.phase == "none":
        return TimerLines(title, text("timer.none", lang), "", 0)
    if reading.phase == "called":
        note = text("timer.called", lang) + " · " + text("timer.cap", lang, cap=f"{reading.cap / 60:g}")
        return TimerLines(title, clock_text(0), note, 0)
    if reading.remaining >= 0:
        note = text("timer.left", lang, time=clock_text(reading.remaining), cap=clock_text(reading.cap))
    else:
        note = text("timer.over", lang, time=clock_text(-reading.remaining))
    return TimerLines(
        title,
        clock_text(reading.elapsed),
        note,
        min(int(reading.elapsed), int(reading.cap)),
        max(1, int(reading.cap)),
    )


# ------------------------------------------------------------------------------- the current customer
DETAIL_FIELDS = (
    "field.state",
    "field.waited",
    "field.kind",
    "field.recalls",
    "field.appointment",
    "field.why",
)
"""The current customer's detail lines, in the order the panel lays them out."""


@dataclass(frozen=True)
class CurrentLines:
    """The current customer panel: the big ticket number, the line under it, and the detail lines shown
    (``details``: field key -> value; a field missing from it is hidden, all are when nobody is there)."""

    ticket: str
    service: str
    details: dict[str, str]


def local_time(moment: str | None, timezone: str | None) -> str:
    """HH:MM of a server time in the branch's time zone (a dash when there is none)."""
    parsed = parse_time(moment)
    if parsed is None:
        return "—"
    if timezone:
        from zoneinfo import ZoneInfo

        parsed = parsed.astimezone(ZoneInfo(timezone))
    return parsed.strftime("%H:%M")


def current_lines(desk: Desk, lang: Language) -> CurrentLines:
    """What the current customer panel shows for ``desk``."""
    view = desk.view
    current = view.current if view is not None else None
    ref = desk.ref
    if current is None:
        if view is None or view.state == "closed":
            line = text("current.none_closed", lang)
        elif view.state == "paused":
            reason = ref.label("pause_reasons", view.pause_reason, lang)
            line = text("current.none_paused", lang, reason=reason)
        else:
            line = text("current.none", lang)
        return CurrentLines("—", line, {})
    kind = text("kind.appointment" if current.kind == "appointment" else "kind.walk_in", lang)
    if current.priority:
        kind += " · " + text("kind.priority", lang)
    if current.transfers:
        kind += " · " + text("kind.transferred", lang, count=current.transfers)
    details = {
        "field.state": state_name(current.state, lang),
        "field.waited": minutes_text(desk.waited_seconds(), lang),
        "field.kind": kind,
        "field.recalls": str(current.recalls),
    }
    if current.appointment_ref:
        details["field.appointment"] = appointment_line(ref, current, lang)
    details["field.why"] = why_text(ref, current, lang)
    return CurrentLines(
        current.number,
        ref.service_name(current.service_id, lang),
        {key: details[key] for key in DETAIL_FIELDS if key in details},
    )


def appointment_line(ref: Reference, current: pl.CurrentTicket, lang: Language) -> str:
    """A booked customer's line: their name, the booking reference and slot, and "arrived late"."""
    slot = local_time(current.slot, ref.timezone)
    line = text("appointment.line", lang, ref=current.appointment_ref, slot=slot)
    if current.citizen_name:  # isolated, so a Latin name cannot reorder an Arabic line
        line = f"\u2068{current.citizen_name}\u2069 · {line}"
    if lang == "ar":
        line = "\u200f" + line  # the line reads right to left whatever script the name is in
    if current.late_appointment:
        line += text("appointment.late", lang)
    return line


def why_text(ref: Reference, current: pl.CurrentTicket, lang: Language) -> str:
    """Why the server called this ticket, in ``lang``, worded from the call reason's fields: the rule,
    its figures (minutes waited × the counter's weight for the service), and the weighted waits it
    compared (service letter and score, highest first)."""
    call = current.call
    if call.rule is None:
        line = "—"
    elif call.rule == "appointment_due":
        line = text("rule.appointment_due", lang, slot=local_time(call.slot or current.slot, ref.timezone))
    else:
        line = text(f"rule.{call.rule}", lang)
        if call.rule == "weighted_wait" and call.waited_minutes is not None and call.weight is not None:
            minutes, weight = f"{call.waited_minutes:.1f}", f"{call.weight:g}"
            line += " — " + text("rule.weighted_detail", lang, minutes=minutes, weight=weight)
            if call.priority:
                line += " · " + text("kind.priority", lang)
    scores = sorted(call.scores, key=lambda pair: -pair[1])
    if len(scores) > 1:
        compared = " · ".join(f"{ref.prefix(service, service)} {score:.1f}" for service, score in scores[:5])
        line += "\n" + text("rule.scores", lang, scores=compared)
    return line


# ----------------------------------------------------------------------------- the side of the counter
def day_figures(day: MyDay, lang: Language) -> list[tuple[str, str, str]]:
    """ "My day": (key, label, figure) for served, average service time, overruns, transferred."""
    figures = {
        "day.served": str(day.served),
        "day.average": clock_text(day.average_seconds) if day.average_seconds is not None else "—",
        "day.overruns": str(day.overruns),
        "day.transferred": str(day.transferred),
    }
    return [(key, text(key, lang), value) for key, value in figures.items()]


def parked_options(desk: Desk, lang: Language) -> list[tuple[str, str]]:
    """The parked customers as (ticket id, caption) to pick one to resume."""
    parked = desk.view.parked if desk.view is not None else []
    return [(t.id, f"{t.number} — {desk.ref.service_name(t.service_id, lang)}") for t in parked]


def parked_lines(desk: Desk, lang: Language) -> str:
    """The parked customers, one a line ("Nobody" when there are none)."""
    return "\n".join(caption for _, caption in parked_options(desk, lang)) or text("sv.none", lang)


# ---------------------------------------------------------------------------------- service tables
@dataclass(frozen=True)
class ServiceRow:
    """One line of a "service / waiting / longest wait" table; ``idle`` when nobody waits (greyed)."""

    cells: tuple[str, str, str]
    idle: bool


def service_headers(lang: Language) -> list[str]:
    """The column titles of both screens' service tables."""
    return [text("queue.service", lang), text("queue.waiting", lang), text("queue.longest", lang)]


def counter_service_rows(desk: Desk, lang: Language) -> list[ServiceRow]:
    """The clerk's queue: every service the counter serves, with its letter, even when nobody waits."""
    ref = desk.ref
    return [
        ServiceRow(
            (
                f"{ref.prefix(row.service_id)}  {ref.service_name(row.service_id, lang)}",
                str(row.waiting),
                minutes_text(row.longest, lang),
            ),
            not row.waiting,
        )
        for row in desk.queue()
    ]


def hall_service_rows(hall: Hall, lang: Language) -> list[ServiceRow]:
    """The supervisor's waiting per service: the services someone waits for."""
    return [
        ServiceRow(
            (hall.ref.service_name(row.service_id, lang), str(row.waiting), minutes_text(row.longest, lang)),
            not row.waiting,
        )
        for row in hall.queue()
        if row.waiting or row.longest is not None
    ]


def queue_total(desk: Desk, lang: Language) -> str:
    """The line under the clerk's queue: how many wait in all and the longest wait."""
    total = desk.view.queue_total if desk.view is not None else 0
    return text("queue.total", lang, count=total, wait=minutes_text(desk.longest_wait(), lang))


# --------------------------------------------------------------------------------- the supervisor
COUNTER_COLUMNS = ("sv.counter", "sv.state", "sv.staff", "sv.ticket", "sv.timer", "sv.note")
STATE_COLUMN = 1
TIMER_COLUMN = 4


def counter_headers(lang: Language) -> list[str]:
    """The column titles of the supervisor's counter table."""
    return [text(key, lang) for key in COUNTER_COLUMNS]


@dataclass(frozen=True)
class CounterRow:
    """One counter in the supervisor's table: its cells, the timer's phase (colours the timer cell) and
    the counter's state (colours the state cell)."""

    cells: tuple[str, str, str, str, str, str]
    phase: str
    state: str


def counter_row(hall: Hall, number: int, lang: Language) -> CounterRow:
    """Counter ``number``'s row: name, state, staff, ticket and service, service time / cap, note."""
    view = hall.views[number]
    current = view.current
    reading = hall.timer(number)
    timer = ""
    if reading.phase in ("running", "warning", "over"):
        timer = f"\u2066{clock_text(reading.elapsed)} / {clock_text(reading.cap)}\u2069"  # LTR isolate
    elif reading.phase == "called":
        timer = state_name("called", lang)
    note = ""
    if view.state == "paused":
        note = text("sv.paused", lang, reason=hall.ref.label("pause_reasons", view.pause_reason, lang))
    elif reading.phase == "over":
        note = text("sv.over", lang)
    ticket = ""
    if current is not None:
        prefix_free = hall.ref.service_name(current.service_id, lang).split(" — ")[-1]
        ticket = f"{current.number} · {prefix_free}" if len(prefix_free) <= 18 else current.number
    return CounterRow(
        (
            hall.ref.counter_name(number, lang),
            state_name(view.state, lang, "counter"),
            view.staff or "—",
            ticket or "—",
            timer or "—",
            note,
        ),
        reading.phase,
        view.state,
    )


def acting_line(hall: Hall, selected: int | None, lang: Language) -> str:
    """Which counter the supervisor acts for (or how to pick one)."""
    if selected is None:
        return text("sv.pick", lang)
    return text("sv.act_for", lang, counter=hall.ref.counter_name(selected, lang))


def referred_lines(hall: Hall, lang: Language) -> list[tuple[str, str]]:
    """The tickets sent to the supervisor as (ticket id, caption): number, where from, how long waiting."""
    arrivals = {t.id: t.arrival_at for view in hall.views.values() for t in view.queue}
    now = hall.clock.now()
    lines = []
    for ticket in hall.referred.values():
        source = ticket.from_counter
        caption = ticket.number
        if source:
            counter = hall.ref.counter_name(source, lang)
            caption = text("sv.referred_from", lang, number=ticket.number, counter=counter)
        arrival = parse_time(arrivals.get(ticket.id) or ticket.arrival_at)
        if arrival is not None:
            wait = minutes_text((now - arrival).total_seconds(), lang)
            caption += " — " + text("sv.waited", lang, wait=wait)
        lines.append((ticket.id, caption))
    return lines


Severity = Literal["ok", "warning", "fault"]


@dataclass(frozen=True)
class DeviceLine:
    """One kiosk or board: its name, its state in words, the details, and how bad it is (``alert``:
    something is wrong)."""

    name: str
    state: str
    detail: str
    severity: Severity
    alert: bool


def _part(kind: str, code: str, lang: Language) -> str:
    key = f"{kind}.{code}"
    return text(key, lang) if has(key) else code


def device_lines(hall: Hall, lang: Language) -> list[DeviceLine]:
    """Every device, by id: fine ones "ok", faults and silence "fault", warnings "warning"."""
    lines = []
    for device in sorted(hall.devices.values(), key=lambda d: d.id):
        alert = device_alert(device)
        parts = ", ".join(
            f"{_part('part', part, lang)}: {_part('health', state, lang)}"
            for part, state in sorted(device_health(device).items())
        )
        severity: Severity = "ok"
        if alert in ("alert.error", "alert.disconnected", "alert.silent"):
            severity = "fault"
        elif alert:
            severity = "warning"
        lines.append(
            DeviceLine(
                device.name or device.id,
                text(alert, lang) if alert else text("device.ok", lang),
                " — ".join(x for x in (parts, device.detail) if x),
                severity,
                alert is not None,
            )
        )
    return lines


# --------------------------------------------------------------------------------------- dialogs
def label_options(ref: Reference, kind: LabelKind, lang: Language) -> list[tuple[Any, str]]:
    """The branch's outcomes, pause or overrun reasons as (code, wording) to pick from."""
    return [(item.code, ref.label(kind, item.code, lang)) for item in ref.label_list(kind)]


def transfer_options(
    ref: Reference, current: pl.CurrentTicket | None, own_counter: int | None, lang: Language
) -> list[tuple[Any, str]]:
    """Where the current customer can be sent: the supervisor first, then other services, then the
    other counters, as ((kind, target), caption)."""
    options: list[tuple[Any, str]] = []
    for service_id in ref.transfer_only():
        caption = f"{text('dlg.to_supervisor', lang)} — {ref.service_name(service_id, lang)}"
        options.append((("service", service_id), caption))
    own_service = current.service_id if current is not None else None
    for service_id, service in ref.services.items():
        if service_id != own_service and not service.transfer_only:
            caption = f"{text('dlg.to_service', lang)}: {ref.service_name(service_id, lang)}"
            options.append((("service", service_id), caption))
    for number in sorted(ref.counters):
        if number != own_counter:
            caption = f"{text('dlg.to_counter', lang)}: {ref.counter_name(number, lang)}"
            options.append((("counter", number), caption))
    return options


def position_options(lang: Language) -> Sequence[tuple[str, str]]:
    """The place in the new line after a transfer."""
    return [("keep", text("dlg.keep", lang)), ("end", text("dlg.end", lang))]
