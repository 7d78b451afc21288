"""The ministry's figures, computed from journal events: ``analyze(events, config)`` gives a ``Figures``.

This module only computes; ``report_render`` turns ``Figures.as_dict()`` into HTML, CSV or JSON and
``report_cli`` is ``dawr report``. The simulator (``server/sim/simulator.py``) computes its metrics with the
same code, so a simulated day and a real one are measured the same way.

Definitions (``docs/reports.md`` has them in plain words):

* a **visit** is one stay of a ticket in one service's queue: the first one starts when the ticket is
  issued, a transfer starts another in the service it was sent to, a reinstated no-show starts another;
* **wait** of a visit: from when it started waiting to its first call. A checked-in appointment starts
  waiting at its slot if the customer came early (waiting before one's own slot is not the hall's doing);
* **service time**: the engine's served seconds of the visit (parked time excluded), for finished and
  transferred visits;
* **within cap**: a finished or transferred visit whose service time is at most the service's cap;
* **idle while waiting**: a counter open, not paused, with nobody at it, while at least one ticket of a
  service the counter serves (by the branch configuration), or transferred to that counter, was waiting.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.core.config import BranchConfig, Label, ServiceConfig, label_key
from server.core.events import (
    AppointmentsImported,
    Booking,
    CounterClosed,
    CounterOpened,
    CounterPaused,
    CounterResumed,
    DayStarted,
    Event,
    ServiceStarted,
    TicketCalled,
    TicketCancelled,
    TicketFinished,
    TicketIssued,
    TicketNoShow,
    TicketParked,
    TicketRecalled,
    TicketReinstated,
    TicketResumed,
    TicketTransferred,
)
from server.core.lifecycle import CounterState, TicketState
from server.i18n import both, text

ON_TIME_MINUTES = 5.0
"""An appointment is on time if called within this many minutes of its slot (or of a late check-in)."""


# ------------------------------------------------------------------------------------------ statistics
def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0–100) with linear interpolation between closest ranks (numpy's default);
    0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summary(values: list[float]) -> dict[str, float]:
    """n, mean, median, p90 and max of ``values`` (minutes), rounded to 0.01; zeros when empty."""
    if not values:
        return {"n": 0, "mean": 0.0, "median": 0.0, "p90": 0.0, "max": 0.0}
    return {
        "n": len(values),
        "mean": round(sum(values) / len(values), 2),
        "median": round(percentile(values, 50), 2),
        "p90": round(percentile(values, 90), 2),
        "max": round(max(values), 2),
    }


def label_names(kind: str, label: Label) -> tuple[str, str]:
    """(Arabic, English) of a label: the branch's own wording, else the catalogue's (``label_key``)."""
    if label.name_ar is not None and label.name_en is not None:
        return label.name_ar, label.name_en
    return both("common", label_key(kind, label.code))


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def _minutes(seconds: float) -> float:
    return round(seconds / 60.0, 2)


# ------------------------------------------------------------------------------------------ records
@dataclass
class Visit:
    """One stay of a ticket in one queue and what came of it."""

    branch: str
    ticket_id: str
    service: str
    kind: str  # "walk_in" | "appointment" | "transfer" | "reinstated"
    queued_at: datetime
    to_counter: int | None = None
    called_at: datetime | None = None
    counter: int | None = None
    staff: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    end: str | None = None  # "finished" | "transferred" | "no_show" | "cancelled"
    service_seconds: float | None = None
    over_cap: bool = False
    overrun_reason: str | None = None
    cancel_reason: str | None = None
    recalls: int = 0
    counted_waiting: bool = False

    @property
    def wait_minutes(self) -> float | None:
        """Minutes from starting to wait to the first call, or None if never called."""
        if self.called_at is None:
            return None
        return max(0.0, (self.called_at - self.queued_at).total_seconds() / 60.0)


@dataclass
class TicketRecord:
    """A ticket of one day with all its visits."""

    branch: str
    ticket_id: str
    number: str
    day: date
    kind: str
    priority: bool
    issued_at: datetime
    appointment_ref: str | None
    slot: datetime | None
    late_appointment: bool
    visits: list[Visit] = field(default_factory=list)
    state: TicketState = TicketState.WAITING


@dataclass
class CounterTally:
    """Time and work of one counter (or one staff member) over the period, in seconds."""

    open_s: float = 0.0
    busy_s: float = 0.0
    idle_s: float = 0.0
    idle_waiting_s: float = 0.0
    paused_s: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    served: int = 0
    transferred: int = 0
    no_shows: int = 0
    service_s: list[float] = field(default_factory=list)
    counters: set[str] = field(default_factory=set)


@dataclass
class _CounterNow:
    state: CounterState = CounterState.CLOSED
    staff: str | None = None
    reason: str | None = None
    current: str | None = None


def _hour(moment: datetime, zone: ZoneInfo) -> int:
    return moment.astimezone(zone).hour


# ------------------------------------------------------------------------------------------ analysis
@dataclass
class Figures:
    """Everything the report shows, computed once from the events."""

    config: BranchConfig | None
    zone: ZoneInfo
    tickets: dict[tuple[str, str], TicketRecord]
    bookings: dict[str, Booking]
    counters: dict[tuple[str, int], CounterTally]
    staff: dict[str, CounterTally]
    days: list[date]
    branches: list[str]
    configs: dict[str, BranchConfig] = field(default_factory=dict)
    """Each branch's own configuration, when it has one (else ``config`` applies to it)."""

    def config_for(self, branch: str | None) -> BranchConfig | None:
        """The configuration that applies to ``branch`` (its own, else the report's)."""
        return self.configs.get(branch, self.config) if branch is not None else self.config

    def zone_for(self, branch: str | None) -> ZoneInfo:
        """The time zone of ``branch``'s local days (its own configuration's, else the report's)."""
        own = self.configs.get(branch) if branch is not None else None
        return own.zone if own is not None else self.zone

    def _service_config(self, service: str) -> ServiceConfig | None:
        """The service as the report's configuration, else the first branch configuration that has it,
        describes it."""
        for cfg in (self.config, *self.configs.values()):
            if cfg is not None and (found := cfg.service(service)) is not None:
                return found
        return None

    # ----------------------------------------------------------------------------- simple views
    def visits(self) -> list[Visit]:
        """Every visit, ticket by ticket in issue order."""
        return [v for t in self.tickets.values() for v in t.visits]

    def first_visits(self) -> list[Visit]:
        """The first visit of every ticket (one per customer ticket)."""
        return [t.visits[0] for t in self.tickets.values()]

    def cap_seconds(self, service: str, branch: str | None = None) -> float:
        """The service's cap in seconds at ``branch`` (default: by the report's configuration; 7 minutes
        if the configuration does not know the service)."""
        config = self.config_for(branch)
        cfg = config.service(service) if config else None
        if cfg is None and branch is None:
            cfg = self._service_config(service)
        return (cfg.cap_minutes if cfg else 7.0) * 60.0

    def served_visits(self) -> list[Visit]:
        """Visits that ended in a finish or a transfer (the services actually given)."""
        return [
            v for v in self.visits() if v.end in ("finished", "transferred") and v.service_seconds is not None
        ]

    def customer_waits(self) -> list[float]:
        """Minutes each ticket waited for its first call (tickets never called left out)."""
        return [w for v in self.first_visits() if (w := v.wait_minutes) is not None]

    def appointment_on_time(self) -> tuple[int, int]:
        """(called on time, checked-in appointment tickets called): on time means called within
        ``ON_TIME_MINUTES`` of the slot, or of a check-in after the slot but within the window."""
        on_time = total = 0
        for v in self.first_visits():
            if v.kind == "appointment" and v.called_at is not None:
                total += 1
                on_time += (v.called_at - v.queued_at).total_seconds() <= ON_TIME_MINUTES * 60 + 1e-6
        return on_time, total

    def utilization(self) -> float:
        """Share (0–1) of staffed, unpaused counter time spent with a customer."""
        busy = sum(c.busy_s for c in self.counters.values())
        available = sum(c.open_s for c in self.counters.values())
        return busy / available if available else 0.0

    # ----------------------------------------------------------------------------- the report
    def as_dict(self) -> dict[str, Any]:
        """All figures as plain JSON-ready data (the JSON format; CSV and HTML show the same numbers)."""
        config = self.config
        every_config = [c for c in (config, *self.configs.values()) if c is not None]
        services_order: list[str] = []
        for each in every_config:
            services_order.extend(s.id for s in each.services if s.id not in services_order)
        rows: dict[str, dict[str, Any]] = {}

        def row(service: str) -> dict[str, Any]:
            if service not in rows:
                cfg = self._service_config(service)
                rows[service] = {
                    "service": service,
                    "name_en": cfg.name_en if cfg else service,
                    "name_ar": cfg.name_ar if cfg else service,
                    "customers": 0,
                    "share_pct": 0.0,
                    "walk_ins": 0,
                    "appointments": 0,
                    "transferred_in": 0,
                    "served": 0,
                    "transferred_out": 0,
                    "no_shows": 0,
                    "cancelled": 0,
                    "cap_minutes": self.cap_seconds(service) / 60.0,
                    "within_cap": 0,
                    "over_cap": 0,
                    "within_cap_pct": 0.0,
                    "_waits": [],
                    "_service": [],
                }
            return rows[service]

        for service in services_order:
            if (cfg := self._service_config(service)) and (cfg.walk_in or cfg.transfer_only):
                row(service)
        for ticket in self.tickets.values():
            for i, v in enumerate(ticket.visits):
                r = row(v.service)
                if v.kind == "transfer":
                    r["transferred_in"] += 1
                    r["customers"] += 1
                elif i == 0:
                    r["customers"] += 1
                    r["appointments" if v.kind == "appointment" else "walk_ins"] += 1
                if v.end == "finished":
                    r["served"] += 1
                elif v.end == "transferred":
                    r["transferred_out"] += 1
                if v.wait_minutes is not None:
                    r["_waits"].append(v.wait_minutes)
                if v.end in ("finished", "transferred") and v.service_seconds is not None:
                    r["_service"].append(v.service_seconds / 60.0)
                    over = v.service_seconds > self.cap_seconds(v.service, v.branch) + 1e-6
                    r["over_cap" if over else "within_cap"] += 1
            last = ticket.visits[-1]
            if ticket.state is TicketState.NO_SHOW:
                row(last.service)["no_shows"] += 1
            elif ticket.state is TicketState.CANCELLED:
                row(last.service)["cancelled"] += 1
        total_rows = sum(r["customers"] for r in rows.values())
        services = []
        for r in sorted(
            rows.values(),
            key=lambda r: (
                services_order.index(r["service"]) if r["service"] in services_order else 999,
                r["service"],
            ),
        ):
            r["share_pct"] = _pct(r["customers"], total_rows)
            r["within_cap_pct"] = _pct(r["within_cap"], r["within_cap"] + r["over_cap"])
            r["wait_min"] = summary(r.pop("_waits"))
            r["service_min"] = summary(r.pop("_service"))
            services.append(r)

        transfers: dict[tuple[str, str, str], int] = defaultdict(int)
        for ticket in self.tickets.values():
            for before, after in zip(ticket.visits, ticket.visits[1:], strict=False):
                if after.kind == "transfer":
                    to_counter = str(after.to_counter) if after.to_counter is not None else ""
                    transfers[(before.service, after.service, to_counter)] += 1

        overruns: dict[str, int] = defaultdict(int)
        served = self.served_visits()
        for v in served:
            if (
                v.service_seconds is not None
                and v.service_seconds > self.cap_seconds(v.service, v.branch) + 1e-6
            ):
                overruns[v.overrun_reason or ("transferred" if v.end == "transferred" else "none_given")] += 1
        labels: dict[str, Label] = {}
        for each in reversed(every_config):
            labels.update(each.labels("overrun_reasons"))
        for code in ("transferred", "none_given"):
            name_ar, name_en = both("reports", f"report.overrun.{code}")
            labels.setdefault(code, Label(code=code, name_en=name_en, name_ar=name_ar))
        names = {code: label_names("overrun_reasons", label) for code, label in labels.items()}

        waits = self.customer_waits()
        on_time, appt_called = self.appointment_on_time()
        first = self.first_visits()
        tickets = list(self.tickets.values())
        within = sum(
            1
            for v in served
            if v.service_seconds is not None
            and v.service_seconds <= self.cap_seconds(v.service, v.branch) + 1e-6
        )
        summary_block = {
            "customers": len(tickets),
            "walk_ins": sum(1 for v in first if v.kind != "appointment"),
            "appointments": sum(1 for v in first if v.kind == "appointment"),
            "transfers": sum(1 for v in self.visits() if v.kind == "transfer"),
            "served": sum(1 for t in tickets if t.state is TicketState.DONE),
            "no_shows": sum(1 for t in tickets if t.state is TicketState.NO_SHOW),
            "cancelled": sum(1 for t in tickets if t.state is TicketState.CANCELLED),
            "mean_wait_min": summary(waits)["mean"],
            "median_wait_min": summary(waits)["median"],
            "p90_wait_min": summary(waits)["p90"],
            "max_wait_min": summary(waits)["max"],
            "within_cap_pct": _pct(within, len(served)),
            "over_cap": len(served) - within,
            "appointments_on_time_pct": _pct(on_time, appt_called),
            "utilization_pct": round(100.0 * self.utilization(), 1),
        }

        return {
            "branches": self.branches,
            "from": self.days[0].isoformat() if self.days else None,
            "to": self.days[-1].isoformat() if self.days else None,
            "days": len(self.days),
            "summary": summary_block,
            "services": services,
            "transfers": [
                {"from_service": f, "to_service": t, "to_counter": c, "count": n}
                for (f, t, c), n in sorted(transfers.items(), key=lambda kv: -kv[1])
            ],
            "overruns": [
                {
                    "reason": reason,
                    "name_en": names[reason][1] if reason in names else reason.replace("_", " "),
                    "name_ar": names[reason][0] if reason in names else reason,
                    "count": n,
                    "share_pct": _pct(n, len(served) - within),
                }
                for reason, n in sorted(overruns.items(), key=lambda kv: -kv[1])
            ],
            "appointments": self._appointments(),
            "counters": self._counter_rows(),
            "staff": self._staff_rows(),
            "hours": self._hours(),
            "per_day": self._per_day(),
        }

    def _appointments(self) -> list[dict[str, Any]]:
        by_branch: dict[str, dict[str, Any]] = {}
        period = (self.days[0], self.days[-1]) if self.days else None
        checked = {t.appointment_ref: t for t in self.tickets.values() if t.appointment_ref}
        for ref, booking in self.bookings.items():
            day = booking.slot.astimezone(self.zone_for(booking.branch_id)).date()
            if period is None or not (period[0] <= day <= period[1]):
                continue
            r = by_branch.setdefault(
                booking.branch_id,
                {
                    "branch": booking.branch_id,
                    "booked": 0,
                    "checked_in": 0,
                    "late_walk_in": 0,
                    "not_checked_in": 0,
                    "called_on_time": 0,
                    "on_time_pct": 0.0,
                },
            )
            r["booked"] += 1
            ticket = checked.get(ref)
            if ticket is None:
                if booking.branch_id in self.branches:
                    r["not_checked_in"] += 1
                continue
            if ticket.late_appointment:
                r["late_walk_in"] += 1
            else:
                r["checked_in"] += 1
                v = ticket.visits[0]
                if (
                    v.called_at is not None
                    and (v.called_at - v.queued_at).total_seconds() <= ON_TIME_MINUTES * 60 + 1e-6
                ):
                    r["called_on_time"] += 1
        for r in by_branch.values():
            r["on_time_pct"] = _pct(r["called_on_time"], r["checked_in"])
            if r["branch"] not in self.branches:
                r["checked_in"] = r["late_walk_in"] = r["not_checked_in"] = r["called_on_time"] = None
                r["on_time_pct"] = None
        return sorted(by_branch.values(), key=lambda r: r["branch"])

    def _tally_row(self, tally: CounterTally) -> dict[str, Any]:
        return {
            "served": tally.served,
            "transferred": tally.transferred,
            "no_shows": tally.no_shows,
            "mean_service_min": summary([s / 60 for s in tally.service_s])["mean"],
            "open_min": _minutes(tally.open_s),
            "busy_min": _minutes(tally.busy_s),
            "idle_min": _minutes(tally.idle_s),
            "idle_while_waiting_min": _minutes(tally.idle_waiting_s),
            "paused_min": {reason: _minutes(s) for reason, s in sorted(tally.paused_s.items())},
            "utilization_pct": _pct(tally.busy_s, tally.open_s),
        }

    def _counter_rows(self) -> list[dict[str, Any]]:
        rows = []
        for (branch, number), tally in sorted(self.counters.items()):
            config = self.config_for(branch)
            cfg = config.counter(number) if config else None
            row = {
                "branch": branch,
                "counter": number,
                "name_en": cfg.name_en
                if cfg
                else text("reports", "report.counter_name", "en", number=number),
                "name_ar": cfg.name_ar
                if cfg
                else text("reports", "report.counter_name", "ar", number=number),
                "staff": ", ".join(sorted(tally.counters)),
            }
            row.update(self._tally_row(tally))
            rows.append(row)
        return rows

    def _staff_rows(self) -> list[dict[str, Any]]:
        rows = []
        for staff, tally in sorted(self.staff.items()):
            row: dict[str, Any] = {"staff": staff, "counters": ", ".join(sorted(tally.counters))}
            row.update(self._tally_row(tally))
            rows.append(row)
        return rows

    def _hours(self) -> list[dict[str, Any]]:
        arrivals: dict[int, list[Visit]] = defaultdict(list)
        for ticket in self.tickets.values():
            arrivals[_hour(ticket.issued_at, self.zone_for(ticket.branch))].append(ticket.visits[0])
        days = max(1, len(self.days))
        rows: list[dict[str, Any]] = []
        if not arrivals:
            return rows
        for hour in range(min(arrivals), max(arrivals) + 1):
            visits = arrivals.get(hour, [])
            waits = [w for v in visits if (w := v.wait_minutes) is not None]
            rows.append(
                {
                    "hour": f"{hour:02d}:00",
                    "arrivals": len(visits),
                    "walk_ins": sum(1 for v in visits if v.kind != "appointment"),
                    "appointments": sum(1 for v in visits if v.kind == "appointment"),
                    "arrivals_per_day": round(len(visits) / days, 1),
                    "mean_wait_min": summary(waits)["mean"],
                    "p90_wait_min": summary(waits)["p90"],
                }
            )
        return rows

    def _per_day(self) -> list[dict[str, Any]]:
        rows = []
        for day in self.days:
            tickets = [t for t in self.tickets.values() if t.day == day]
            waits = [w for t in tickets if (w := t.visits[0].wait_minutes) is not None]
            rows.append(
                {
                    "day": day.isoformat(),
                    "customers": len(tickets),
                    "mean_wait_min": summary(waits)["mean"],
                    "p90_wait_min": summary(waits)["p90"],
                }
            )
        return rows


class _BranchSweep:
    """Walks one branch's events in order, building tickets and counter time tallies."""

    def __init__(self, branch: str, figures: Figures) -> None:
        self.branch = branch
        self.fig = figures
        self.counters: dict[int, _CounterNow] = defaultdict(_CounterNow)
        self.open_visits: dict[str, Visit] = {}
        self.waiting_service: dict[tuple[str, bool], int] = defaultdict(int)
        self.waiting_counter: dict[int, int] = defaultdict(int)
        self.pending: list[tuple[datetime, int, Visit]] = []
        self.pending_seq = 0
        self.last: datetime | None = None
        self.day: date | None = None
        self.zone = figures.zone_for(branch)
        config = figures.config_for(branch)
        self.serves: dict[int, tuple[set[str], bool, bool]] = {}
        if config:
            rules = config.appointments
            for c in config.counters:  # (services, may call walk-ins, may call appointments)
                self.serves[c.number] = (
                    set(c.services),
                    not c.appointments or rules.spillover,
                    c.appointments or rules.rollout == "all",
                )

    # ------------------------------------------------------------------------- time accrual
    def _tally(self, number: int) -> CounterTally:
        return self.fig.counters.setdefault((self.branch, number), CounterTally())

    def _accrue(self, until: datetime) -> None:
        if self.last is None or until <= self.last:
            self.last = until if self.last is None or until > self.last else self.last
            return
        start = self.last
        while start < until:
            stop = until
            if self.pending and self.pending[0][0] < until:
                stop = max(start, self.pending[0][0])
            self._accrue_span(start, stop)
            start = stop
            while self.pending and self.pending[0][0] <= start:
                _, _, visit = heapq.heappop(self.pending)
                self._mark_waiting(visit)
            if stop == until:
                break
        self.last = until

    def _accrue_span(self, start: datetime, stop: datetime) -> None:
        seconds = (stop - start).total_seconds()
        if seconds <= 0:
            return
        for number, counter in self.counters.items():
            if counter.state is CounterState.CLOSED:
                continue
            tallies = [self._tally(number)]
            if counter.staff:
                tallies.append(self.fig.staff.setdefault(counter.staff, CounterTally()))
            for tally in tallies:
                tally.open_s += seconds
                if counter.state is CounterState.PAUSED:
                    tally.paused_s[counter.reason or "unknown"] += seconds
                    tally.open_s -= seconds
                elif counter.current is not None:
                    tally.busy_s += seconds
                else:
                    tally.idle_s += seconds
                    if self._someone_waits(number):
                        tally.idle_waiting_s += seconds

    def _someone_waits(self, number: int) -> bool:
        if self.waiting_counter.get(number):
            return True
        serves = self.serves.get(number)
        if serves is None:
            return False
        services, walk_ins, appointments = serves
        return any(
            (walk_ins and self.waiting_service.get((s, False)))
            or (appointments and self.waiting_service.get((s, True)))
            for s in services
        )

    # ------------------------------------------------------------------------- waiting bookkeeping
    def _start_waiting(self, visit: Visit, now: datetime) -> None:
        if visit.queued_at <= now:
            self._mark_waiting(visit)
        else:
            self.pending_seq += 1
            heapq.heappush(self.pending, (visit.queued_at, self.pending_seq, visit))

    def _mark_waiting(self, visit: Visit) -> None:
        if visit.called_at is not None or visit.end is not None or visit.counted_waiting:
            return
        visit.counted_waiting = True
        if visit.to_counter is not None:
            self.waiting_counter[visit.to_counter] += 1
        else:
            self.waiting_service[(visit.service, visit.kind == "appointment")] += 1

    def _stop_waiting(self, visit: Visit) -> None:
        if visit.counted_waiting:
            visit.counted_waiting = False
            if visit.to_counter is not None:
                self.waiting_counter[visit.to_counter] -= 1
            else:
                self.waiting_service[(visit.service, visit.kind == "appointment")] -= 1

    def _free_counter(self, number: int | None, ticket_id: str) -> None:
        if number is not None and self.counters[number].current == ticket_id:
            self.counters[number].current = None

    # ------------------------------------------------------------------------- events
    def feed(self, event: Event) -> None:
        day = event.at.astimezone(self.zone).date()
        if isinstance(event, DayStarted) or (self.day is not None and day != self.day):
            self.last = None  # never count the night
            self.pending.clear()
            if isinstance(event, DayStarted):
                for ticket_id in event.expired_tickets:
                    self._end_ticket(ticket_id, event.at, TicketState.CANCELLED, "day_end")
                for number in event.closed_counters:
                    self.counters[number] = _CounterNow()
        if day != self.day:
            self.day = day
            if day not in self.fig.days:
                self.fig.days.append(day)
        self._accrue(event.at)
        handler = getattr(self, "_on_" + event.type, None)
        if handler is not None:
            handler(event)

    def _key(self, ticket_id: str) -> tuple[str, str]:
        return (self.branch, ticket_id)

    def _on_appointments_imported(self, e: AppointmentsImported) -> None:
        for booking in e.bookings:
            self.fig.bookings[booking.reference] = booking

    def _on_ticket_issued(self, e: TicketIssued) -> None:
        record = TicketRecord(
            self.branch,
            e.ticket_id,
            e.number,
            e.at.astimezone(self.zone).date(),
            e.kind,
            e.priority,
            e.at,
            e.appointment_ref,
            e.slot,
            e.late_appointment,
        )
        queued = e.at
        if e.kind == "appointment" and e.slot is not None and e.slot > e.at:
            queued = e.slot
        visit = Visit(self.branch, e.ticket_id, e.service_id, e.kind, queued)
        record.visits.append(visit)
        self.fig.tickets[self._key(e.ticket_id)] = record
        self.open_visits[e.ticket_id] = visit
        self._start_waiting(visit, e.at)

    def _visit(self, ticket_id: str) -> Visit | None:
        return self.open_visits.get(ticket_id)

    def _on_ticket_called(self, e: TicketCalled) -> None:
        visit = self._visit(e.ticket_id)
        if visit is None:
            return
        self._stop_waiting(visit)
        if visit.called_at is None:
            visit.called_at = e.at
        visit.counter, visit.staff = e.counter, e.staff
        self.counters[e.counter].current = e.ticket_id
        if (record := self.fig.tickets.get(self._key(e.ticket_id))) is not None:
            record.state = TicketState.CALLED

    def _on_ticket_recalled(self, e: TicketRecalled) -> None:
        if (visit := self._visit(e.ticket_id)) is not None:
            visit.recalls = e.recalls

    def _on_service_started(self, e: ServiceStarted) -> None:
        if (visit := self._visit(e.ticket_id)) is not None:
            visit.started_at = visit.started_at or e.at
            visit.staff = e.staff

    def _on_ticket_parked(self, e: TicketParked) -> None:
        self._free_counter(e.counter, e.ticket_id)

    def _on_ticket_resumed(self, e: TicketResumed) -> None:
        self.counters[e.counter].current = e.ticket_id
        if (visit := self._visit(e.ticket_id)) is not None:
            visit.counter, visit.staff = e.counter, e.staff

    def _close_visit(self, ticket_id: str, at: datetime, end: str) -> Visit | None:
        visit = self.open_visits.pop(ticket_id, None)
        if visit is None:
            return None
        self._stop_waiting(visit)
        visit.ended_at, visit.end = at, end
        self._free_counter(visit.counter, ticket_id)
        return visit

    def _work(self, counter: int, staff: str | None) -> list[CounterTally]:
        tallies = [self._tally(counter)]
        if staff:
            tallies.append(self.fig.staff.setdefault(staff, CounterTally()))
        return tallies

    def _on_ticket_transferred(self, e: TicketTransferred) -> None:
        visit = self._close_visit(e.ticket_id, e.at, "transferred")
        if visit is not None:
            visit.service_seconds = e.service_seconds
            visit.over_cap = e.service_seconds > self.fig.cap_seconds(e.from_service, self.branch) + 1e-6
            visit.counter, visit.staff = e.counter, e.staff
        for tally in self._work(e.counter, e.staff):
            tally.transferred += 1
            tally.service_s.append(e.service_seconds)
        record = self.fig.tickets.get(self._key(e.ticket_id))
        if record is None:
            return
        nxt = Visit(self.branch, e.ticket_id, e.to_service, "transfer", e.at, to_counter=e.to_counter)
        record.visits.append(nxt)
        record.state = TicketState.TRANSFERRED
        self.open_visits[e.ticket_id] = nxt
        self._start_waiting(nxt, e.at)

    def _on_ticket_finished(self, e: TicketFinished) -> None:
        visit = self._close_visit(e.ticket_id, e.at, "finished")
        if visit is not None:
            visit.service_seconds, visit.over_cap, visit.overrun_reason = (
                e.service_seconds,
                e.over_cap,
                e.overrun_reason,
            )
            visit.counter, visit.staff = e.counter, e.staff
        self._free_counter(e.counter, e.ticket_id)
        for tally in self._work(e.counter, e.staff):
            tally.served += 1
            tally.service_s.append(e.service_seconds)
        if (record := self.fig.tickets.get(self._key(e.ticket_id))) is not None:
            record.state = TicketState.DONE

    def _on_ticket_no_show(self, e: TicketNoShow) -> None:
        self._close_visit(e.ticket_id, e.at, "no_show")
        self._free_counter(e.counter, e.ticket_id)
        for tally in self._work(e.counter, self.counters[e.counter].staff):
            tally.no_shows += 1
        if (record := self.fig.tickets.get(self._key(e.ticket_id))) is not None:
            record.state = TicketState.NO_SHOW

    def _on_ticket_reinstated(self, e: TicketReinstated) -> None:
        record = self.fig.tickets.get(self._key(e.ticket_id))
        if record is None:
            return
        visit = Visit(self.branch, e.ticket_id, record.visits[-1].service, "reinstated", e.at)
        record.visits.append(visit)
        record.state = TicketState.WAITING
        self.open_visits[e.ticket_id] = visit
        self._start_waiting(visit, e.at)

    def _end_ticket(self, ticket_id: str, at: datetime, state: TicketState, reason: str) -> None:
        visit = self._close_visit(ticket_id, at, "cancelled")
        if visit is not None:
            visit.cancel_reason = reason
        record = self.fig.tickets.get(self._key(ticket_id))
        if (
            record is not None
            and record.state is not TicketState.DONE
            and not (reason == "day_end" and record.state is TicketState.NO_SHOW)
        ):
            record.state = state  # a no-show the day's end cleared stays a no-show
        for counter in self.counters.values():
            if counter.current == ticket_id:
                counter.current = None

    def _on_ticket_cancelled(self, e: TicketCancelled) -> None:
        self._end_ticket(e.ticket_id, e.at, TicketState.CANCELLED, e.reason)

    def _on_counter_opened(self, e: CounterOpened) -> None:
        self.counters[e.counter] = _CounterNow(CounterState.OPEN, e.staff)
        if e.staff:
            self._tally(e.counter).counters.add(e.staff)
            self.fig.staff.setdefault(e.staff, CounterTally()).counters.add(str(e.counter))

    def _on_counter_paused(self, e: CounterPaused) -> None:
        counter = self.counters[e.counter]
        counter.state, counter.reason = CounterState.PAUSED, e.reason

    def _on_counter_resumed(self, e: CounterResumed) -> None:
        counter = self.counters[e.counter]
        counter.state, counter.reason = CounterState.OPEN, None

    def _on_counter_closed(self, e: CounterClosed) -> None:
        self.counters[e.counter] = _CounterNow()


def analyze(
    events: Iterable[tuple[str, int, Event]] | Iterable[Event],
    config: BranchConfig | None = None,
    *,
    branch: str | None = None,
    zone: ZoneInfo | None = None,
    configs: Mapping[str, BranchConfig] | None = None,
) -> Figures:
    """Figures from journal rows ``(branch, seq, event)`` in journal order (or bare events of ``branch``).
    ``config`` (the reported branch's configuration, applied to every branch in ``events`` that has none
    in ``configs``, which gives branches their own) names services and counters and says which tickets
    each counter may call (for idle time); ``zone`` defaults to the configuration's time zone, else
    Asia/Bahrain (a branch with its own configuration counts its days in its own zone)."""
    figures = Figures(
        config,
        zone or (config.zone if config else ZoneInfo("Asia/Bahrain")),
        {},
        {},
        {},
        {},
        [],
        [],
        dict(configs or {}),
    )
    sweeps: dict[str, _BranchSweep] = {}
    for item in events:
        if isinstance(item, tuple):
            branch_id, _, event = item
        else:
            branch_id, event = branch or (config.branch.id if config else "branch"), item
        sweep = sweeps.get(branch_id)
        if sweep is None:
            sweep = sweeps[branch_id] = _BranchSweep(branch_id, figures)
            figures.branches.append(branch_id)
        sweep.feed(event)
    figures.days.sort()
    return figures


def day_range(start: date, end: date) -> list[date]:
    """Every calendar day from ``start`` to ``end`` inclusive."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]
