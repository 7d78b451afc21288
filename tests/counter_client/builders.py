"""Typed server payloads for the tests that need no server: a counter view, the ticket at a counter, a
device, a counter snapshot — each a ``server.protocol.payloads`` model, built from a few overrides."""

from __future__ import annotations

from typing import Any

from server.protocol import payloads as pl

START = "2026-11-22T06:00:00+00:00"


def current_ticket(**over: Any) -> pl.CurrentTicket:
    """A walk-in inquiry ticket C001 being served since ``START`` (cap 7 min, warning 2 min before)."""
    fields: dict[str, Any] = {
        "id": "t-C001",
        "number": "C001",
        "service_id": "inquiry",
        "kind": "walk_in",
        "priority": False,
        "state": "serving",
        "issued_at": START,
        "arrival_at": START,
        "slot": None,
        "appointment_ref": None,
        "late_appointment": False,
        "transfers": 0,
        "target_counter": None,
        "counter": 3,
        "parked_by": None,
        "from_counter": None,
        "from_service": None,
        "called_at": START,
        "started_at": START,
        "segment_start": START,
        "served_seconds": 0.0,
        "cap_minutes": 7.0,
        "warning_lead_minutes": 2.0,
        "warned": False,
        "overrun": False,
        "recalls": 0,
        "call": {"rule": "weighted_wait", "waited_minutes": 3.0, "weight": 1.0, "scores": [["inquiry", 3.0]]},
        "citizen_name": None,
    }
    fields.update(over)
    return pl.CurrentTicket.model_validate(fields)


def parked_ticket(index: int) -> dict[str, Any]:
    """The fields of a parked staff ticket C00<index>."""
    current = current_ticket(id=f"x-C{index:03d}", number=f"C{index:03d}", state="parked", parked_by=3)
    data = current.model_dump()
    return {key: data[key] for key in pl.StaffTicket.model_fields}


def counter_view(
    state: str = "open",
    ticket: str | None = None,
    waiting: int = 0,
    parked: int = 0,
    **over: Any,
) -> pl.CounterViewData:
    """Counter 3 (inquiry) in ``state``; ``ticket`` the state of its current ticket (C001) or None;
    ``waiting`` people waiting for it; ``parked`` parked tickets."""
    fields: dict[str, Any] = {
        "number": 3,
        "name_ar": "Counter 3 (ar)",
        "name_en": "Counter 3",
        "appointments": False,
        "services": ["inquiry"],
        "state": state,
        "staff": "alice",
        "pause_reason": None,
        "day": {"served": 0, "transferred": 0, "no_shows": 0, "overruns": 0, "service_seconds": 0.0},
        "current": current_ticket(state=ticket).model_dump() if ticket else None,
        "queue": [],
        "queue_total": waiting,
        "parked": [parked_ticket(i) for i in range(parked)],
    }
    fields.update(over)
    return pl.CounterViewData.model_validate(fields)


def device(**over: Any) -> pl.DeviceInfo:
    """Kiosk 1, connected, every peripheral fine unless ``over`` says otherwise."""
    fields: dict[str, Any] = {
        "id": "kiosk-1",
        "role": "kiosk",
        "name": "kiosk-1",
        "connected": True,
        "last_seen": START,
        "health": {"printer": "ok", "scanner": "ok"},
        "detail": "",
    }
    fields.update(over)
    return pl.DeviceInfo.model_validate(fields)


def label(code: str, en: str) -> dict[str, str]:
    """A branch label (outcome or reason) with its English wording (and a marked Arabic one)."""
    return {"code": code, "name_ar": f"{en} (ar)", "name_en": en}


def counter_snapshot(view: pl.CounterViewData | None, **over: Any) -> pl.CounterSnapshotData:
    """A counter session's snapshot data around ``view``: two services (inquiry C, data update D)."""
    services = [
        {"id": "inquiry", "prefix": "C", "name_ar": "Inquiry (ar)", "name_en": "Inquiry"},
        {"id": "data_update", "prefix": "D", "name_ar": "Data update (ar)", "name_en": "Data update"},
        {"id": "supervisor", "prefix": "S", "name_ar": "Supervisor (ar)", "name_en": "Supervisor"},
    ]
    fields: dict[str, Any] = {
        "now": START,
        "branch": {
            "id": "hq",
            "name_ar": "HQ (ar)",
            "name_en": "HQ",
            "timezone": "Asia/Bahrain",
            "digits": "western",
            "hotline": "80008001",
            "open": True,
            "hours": {},
            "notices": [],
            "day": "2026-11-22",
        },
        "services": [
            {**s, "available": True, "priority_allowed": True, "waiting": 0, "wait_minutes": None}
            for s in services
        ],
        "labels": {
            "finish_outcomes": [label("completed", "Completed")],
            "overrun_reasons": [label("complex_case", "Complex case")],
            "pause_reasons": [label("prayer", "Prayer")],
        },
        "service_list": [
            {**s, "cap_minutes": 7.0, "transfer_only": s["id"] == "supervisor"} for s in services
        ],
        "counters": [
            {
                "number": n,
                "name_ar": f"Counter {n} (ar)",
                "name_en": f"Counter {n}",
                "services": ["inquiry"],
                "state": "open",
                "ticket": None,
            }
            for n in (3, 4)
        ],
        "counter": view.model_dump() if view is not None else None,
    }
    fields.update(over)
    return pl.CounterSnapshotData.model_validate(fields)


def supervisor_snapshot(
    views: list[pl.CounterViewData],
    referred: list[dict[str, Any]] | None = None,
    devices: list[pl.DeviceInfo] | None = None,
) -> pl.SupervisorSnapshotData:
    """A supervisor's snapshot data: the counter snapshot's reference parts, every counter's view, the
    tickets referred to the supervisor and the devices."""
    data = counter_snapshot(None).model_dump()
    data.update(
        counter_views=[v.model_dump() for v in views],
        overruns=[],
        no_shows=[],
        parked=[],
        referred=referred or [],
        devices=[d.model_dump() for d in devices or []],
    )
    return pl.SupervisorSnapshotData.model_validate(data)
