"""A discrete-event simulation of whole hall days that drives the real engine with a simulated clock.

``load_scenario(name_or_path)`` gives a validated ``Scenario`` (TOML; ``docs/simulator.md`` documents every
key) and its branch configuration. ``simulate(scenario, config, policy=..., days=..., seed=...)`` runs the
days and gives a ``SimResult`` whose ``metrics`` are the figures ``dawr simulate`` prints. The simulator only
plays the people: citizens arrive (Poisson, at a rate that varies by hour), take a ticket or check in a
booking at the kiosk, walk to the counter when called (or do not come: recall, then no-show); staff open
counters, call next, serve for a drawn time, transfer to the supervisor, finish (with an overrun reason past
the cap) and take their pauses. Every queue decision is the engine's own ``CallNext`` — the same code the
server runs. Policies (``policy_config``) are branch configurations, never separate queueing code.

Common random numbers: every customer of a day (arrival, service, service times, transfer, no-show,
recall, walk time, overrun reason) is drawn from a generator seeded by (seed, day index) before the day
runs, so all policies see exactly the same people.
"""

from __future__ import annotations

import heapq
import math
import random
import re
import time as _time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from server.core.config import (
    BranchConfig,
    _format_validation_error,
    load_branch_config,
    load_default_config,
    parse_branch_config,
)
from server.core.engine import (
    CallNext,
    CheckIn,
    CloseCounter,
    EngineCommand,
    Finish,
    HallEngine,
    ImportAppointments,
    IssueTicket,
    NoShow,
    OpenCounter,
    PauseCounter,
    Recall,
    ResumeCounter,
    StartService,
    Transfer,
)
from server.core.errors import ConfigError, DomainError
from server.core.events import Booking, Event
from server.core.lifecycle import CounterState, TicketState
from server.reports.figures import Figures, analyze, summary

POLICIES = ("dedicated-fifo", "pooled-fifo", "dawr")
"""Policy names, in the order ``--compare`` prints them."""

DEFAULT_START = date(2025, 1, 5)
"""A Sunday: simulated days are real calendar days from here on (days the branch is closed skipped)."""

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

# ------------------------------------------------------------------------------------------ scenario


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _clock(value: str) -> str:
    if not _HHMM.match(value):
        raise ValueError(f"{value!r} is not a time like '08:15'")
    return value


def _parse_clock(value: str) -> time:
    return time(int(value[:2]), int(value[3:5]))


class Duration(_Strict):
    """A distribution of minutes: exponential (mean), lognormal or gamma (mean and coefficient of
    variation ``cv``), or fixed (mean); draws below ``minimum`` are raised to it."""

    distribution: Literal["exponential", "lognormal", "gamma", "fixed"] = "lognormal"
    mean: Annotated[float, Field(gt=0, le=600)]
    cv: Annotated[float, Field(ge=0, le=5)] = 0.5
    minimum: Annotated[float, Field(ge=0, le=600)] = 0.0

    def draw(self, rng: random.Random) -> float:
        """One draw in minutes."""
        if self.distribution == "exponential":
            value = rng.expovariate(1.0 / self.mean)
        elif self.distribution == "fixed" or self.cv == 0:
            value = self.mean
        elif self.distribution == "lognormal":
            sigma2 = math.log(1.0 + self.cv**2)
            value = rng.lognormvariate(math.log(self.mean) - sigma2 / 2.0, math.sqrt(sigma2))
        else:
            shape = 1.0 / self.cv**2
            value = rng.gammavariate(shape, self.mean / shape)
        return max(self.minimum, value)


class ScenarioInfo(_Strict):
    """Name and defaults of the run."""

    name: Annotated[str, Field(min_length=1, max_length=80)]
    description: str = ""
    branch_config: str = "default"
    days: Annotated[int, Field(ge=1, le=3650)] = 20
    start: date = DEFAULT_START
    seed: int = 1


class Arrivals(_Strict):
    """Walk-ins: how many a day, how the rate varies by clock hour, and how they behave when called."""

    walk_ins_per_day: Annotated[float, Field(ge=0, le=100_000)]
    hourly: dict[str, Annotated[float, Field(ge=0)]] = {}
    priority_pct: Annotated[float, Field(ge=0, le=100)] = 0.0
    no_show_pct: Annotated[float, Field(ge=0, le=100)] = 0.0
    recall_pct: Annotated[float, Field(ge=0, le=100)] = 0.0
    walk_seconds: tuple[Annotated[float, Field(ge=0, le=600)], Annotated[float, Field(ge=0, le=600)]] = (
        0.0,
        0.0,
    )
    recall_after_seconds: Annotated[float, Field(gt=0, le=600)] = 60.0
    no_show_after_seconds: Annotated[float, Field(gt=0, le=600)] = 60.0

    @field_validator("hourly")
    @classmethod
    def _hours(cls, value: dict[str, float]) -> dict[str, float]:
        for key in value:
            if not re.match(r"^([01]\d|2[0-3])$", key):
                raise ValueError(f'{key!r} is not an hour of the day (use "00" … "23")')
        if value and not any(value.values()):
            raise ValueError("at least one hour needs a rate above 0")
        return value

    @field_validator("walk_seconds")
    @classmethod
    def _span(cls, value: tuple[float, float]) -> tuple[float, float]:
        if value[1] < value[0]:
            raise ValueError("give [shortest, longest]")
        return value


class ServiceMix(_Strict):
    """One walk-in service: its share of walk-ins (any positive number; shares are normalised) and its
    service time."""

    share: Annotated[float, Field(gt=0)]
    minutes: Duration


class Transfers(_Strict):
    """Customers sent on to another service after their first service."""

    to_service: str = "supervisor"
    pct: Annotated[float, Field(ge=0, le=100)] = 0.0
    minutes: Duration | None = None

    @model_validator(mode="after")
    def _needs_minutes(self) -> Transfers:
        if self.pct > 0 and self.minutes is None:
            raise ValueError("minutes: required when pct is above 0 (the second service's time)")
        return self


class Offset(_Strict):
    """Normal distribution of minutes relative to the slot (negative: early)."""

    mean: Annotated[float, Field(ge=-240, le=240)] = -10.0
    sd: Annotated[float, Field(ge=0, le=240)] = 8.0


class AppointmentPlan(_Strict):
    """Booked appointments: how many a day, for which services, in which slots, and who comes when."""

    per_day: Annotated[int, Field(ge=0, le=10_000)] = 0
    services: dict[str, Annotated[float, Field(gt=0)]] = {}
    first_slot: str = "08:00"
    last_slot: str = "14:00"
    slot_minutes: Annotated[int, Field(ge=1, le=240)] = 15
    per_slot: Annotated[int, Field(ge=1, le=100)] = 2
    no_show_pct: Annotated[float, Field(ge=0, le=100)] = 0.0
    arrival_offset_minutes: Offset = Offset()

    @field_validator("first_slot", "last_slot")
    @classmethod
    def _clocks(cls, value: str) -> str:
        return _clock(value)

    @model_validator(mode="after")
    def _fits(self) -> AppointmentPlan:
        first, last = _parse_clock(self.first_slot), _parse_clock(self.last_slot)
        if last < first:
            raise ValueError("last_slot must not be before first_slot")
        slots = ((last.hour * 60 + last.minute) - (first.hour * 60 + first.minute)) // self.slot_minutes + 1
        if self.per_day > slots * self.per_slot:
            raise ValueError(
                f"per_day: {self.per_day} bookings do not fit {slots} slots × {self.per_slot} per slot"
            )
        return self


class Pause(_Strict):
    """A pause a counter takes at ``at`` (after finishing its customer) for ``minutes``."""

    at: str
    minutes: Annotated[float, Field(gt=0, le=480)]
    reason: str

    @field_validator("at")
    @classmethod
    def _at(cls, value: str) -> str:
        return _clock(value)


class Staffing(_Strict):
    """Who staffs one counter, from when, and the pauses they take."""

    counter: int
    staff: str | None = None
    opens: str | None = None
    pauses: tuple[Pause, ...] = ()

    @field_validator("opens")
    @classmethod
    def _opens(cls, value: str | None) -> str | None:
        return None if value is None else _clock(value)


class Scenario(_Strict):
    """A whole simulation scenario (see ``docs/simulator.md``)."""

    scenario: ScenarioInfo
    arrivals: Arrivals
    services: dict[str, ServiceMix]
    transfers: Transfers = Transfers()
    appointments: AppointmentPlan = AppointmentPlan()
    staffing: tuple[Staffing, ...] = ()
    overrun_reasons: dict[str, Annotated[float, Field(gt=0)]] = {}

    @field_validator("services")
    @classmethod
    def _some(cls, value: dict[str, ServiceMix]) -> dict[str, ServiceMix]:
        if not value:
            raise ValueError("at least one service is needed")
        return value

    def check_against(self, config: BranchConfig, source: str) -> None:
        """Raise ConfigError (naming ``source`` and the key) if the scenario does not fit the branch."""
        problems: list[str] = []
        known = ", ".join(s.id for s in config.services)
        for sid in self.services:
            cfg = config.service(sid)
            if cfg is None:
                problems.append(
                    f"services.{sid}: unknown service of branch {config.branch.id} (known: {known})"
                )
            elif not cfg.walk_in or cfg.transfer_only:
                problems.append(f"services.{sid}: not a walk-in service (it is reached by transfer only)")
        if self.transfers.pct > 0 and config.service(self.transfers.to_service) is None:
            problems.append(
                f"transfers.to_service: unknown service {self.transfers.to_service!r} (known: {known})"
            )
        for sid in self.appointments.services:
            if config.service(sid) is None:
                problems.append(f"appointments.services.{sid}: unknown service (known: {known})")
        if self.appointments.per_day and not self.appointments.services:
            problems.append("appointments.services: say which services the bookings are for")
        seen: set[int] = set()
        reasons = config.labels("pause_reasons")
        for i, staff in enumerate(self.staffing):
            if config.counter(staff.counter) is None:
                problems.append(
                    f"staffing[{i}].counter: branch {config.branch.id} has no counter {staff.counter}"
                )
            if staff.counter in seen:
                problems.append(f"staffing[{i}].counter: counter {staff.counter} is staffed twice")
            seen.add(staff.counter)
            for j, pause in enumerate(staff.pauses):
                if pause.reason not in reasons:
                    problems.append(
                        f"staffing[{i}].pauses[{j}].reason: unknown pause reason {pause.reason!r} "
                        f"(known: {', '.join(reasons)})"
                    )
        overrun = config.labels("overrun_reasons")
        for code in self.overrun_reasons:
            if code not in overrun:
                problems.append(
                    f"overrun_reasons.{code}: unknown overrun reason (known: {', '.join(overrun)})"
                )
        if not config.branch.hours:
            problems.append("the branch is never open (branch.hours is empty)")
        if problems:
            raise ConfigError(f"{source}: scenario does not fit the branch:\n  " + "\n  ".join(problems))


def parse_scenario(data: dict[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate parsed TOML; raises ConfigError naming ``source`` and the key path."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as error:
        raise ConfigError(f"{source}: invalid scenario:\n  {_format_validation_error(error)}") from None


def scenario_names() -> list[str]:
    """Names of the scenarios shipped in ``server/sim/scenarios``."""
    folder = resources.files("server.sim").joinpath("scenarios")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_scenario(name_or_path: str) -> tuple[Scenario, BranchConfig]:
    """A shipped scenario by name (``seed-day``) or a TOML file, validated, with its branch configuration.
    Raises ConfigError with a message a person can act on."""
    shipped = resources.files("server.sim").joinpath("scenarios", f"{name_or_path}.toml")
    path = Path(str(shipped)) if shipped.is_file() else Path(name_or_path)
    if not path.is_file():
        raise ConfigError(
            f"{name_or_path}: no such scenario file or shipped scenario "
            f"(shipped: {', '.join(scenario_names())})"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read: {error}") from None
    scenario = parse_scenario(data, str(path))
    ref = scenario.scenario.branch_config
    if ref == "default":
        config = load_default_config()
    else:
        branch_path = Path(ref) if Path(ref).is_absolute() else path.parent / ref
        config = load_branch_config(branch_path)
    scenario.check_against(config, str(path))
    return scenario, config


# ------------------------------------------------------------------------------------------ policies


def policy_config(config: BranchConfig, policy: str) -> BranchConfig:
    """The branch configuration that *is* ``policy`` (the engine runs it unchanged):

    * ``dawr`` — the branch's own configuration;
    * ``pooled-fifo`` — every counter serves every service with weight 1, no appointment counters
      (rollout ``all``), appointments and walk-ins in one arrival order, no priority lane;
    * ``dedicated-fifo`` — counters keep their services, all weights 1 (so the oldest head goes first),
      appointment counters serve appointments only (no spill-over) in check-in order, no priority lane.
    """
    if policy == "dawr":
        return config
    data = config.model_dump(mode="python")
    data["priority"]["enabled"] = False
    rules = data["appointments"]
    rules["order"] = "arrival"
    if policy == "pooled-fifo":
        every = {s.id: 1.0 for s in config.services}
        for counter in data["counters"]:
            counter["services"] = dict(every)
            counter["appointments"] = False
        rules.update(rollout="all", spillover=True)
    elif policy == "dedicated-fifo":
        for counter in data["counters"]:
            counter["services"] = {sid: 1.0 for sid in counter["services"]}
        rules.update(rollout="dedicated", spillover=False)
    else:
        raise ConfigError(f"unknown policy {policy!r} (use {', '.join(POLICIES)})")
    return parse_branch_config(data, f"policy {policy}")


# ------------------------------------------------------------------------------------------ the people


@dataclass
class Customer:
    """One simulated citizen of one day, every random choice already drawn."""

    arrive: datetime
    service: str
    minutes: float
    priority: bool = False
    transfer: bool = False
    transfer_minutes: float = 0.0
    absent: bool = False
    needs_recall: bool = False
    walk_s: float = 0.0
    overrun_reason: str = "complex_case"
    booking: Booking | None = None


@dataclass
class DayPlan:
    """The people and bookings of one simulated day."""

    day: date
    opens: datetime
    closes: datetime
    customers: list[Customer]
    bookings: tuple[Booking, ...]


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _open_days(config: BranchConfig, start: date, days: int) -> list[date]:
    found: list[date] = []
    day = start
    while len(found) < days:
        noon = datetime.combine(day, time(12), config.zone)
        if config.opening_span(noon) is not None:
            found.append(day)
        day += timedelta(days=1)
    return found


def plan_day(scenario: Scenario, config: BranchConfig, day: date, rng: random.Random) -> DayPlan:
    """Draw one day's customers and bookings (everything random about the day happens here)."""
    zone = config.zone
    span = config.opening_span(datetime.combine(day, time(12), zone))
    assert span is not None
    opens = datetime.combine(day, span[0], zone)
    closes = datetime.combine(day, span[1], zone)
    arrivals = scenario.arrivals
    mix = {sid: s.share for sid, s in scenario.services.items()}
    labels = list(config.labels("overrun_reasons"))
    overrun_weights = dict(scenario.overrun_reasons) or {code: 1.0 for code in labels}
    transfers = scenario.transfers

    def person(moment: datetime, service: str, booking: Booking | None = None) -> Customer:
        mix_entry = scenario.services.get(service)
        if mix_entry is not None:
            minutes = mix_entry.minutes.draw(rng)
        else:  # an appointment for a service with no walk-in mix: its configured expectation
            cfg = config.service(service)
            minutes = Duration(mean=cfg.expected_service_minutes if cfg else 5.0).draw(rng)
        customer = Customer(moment, service, minutes)
        customer.priority = booking is None and rng.random() * 100 < arrivals.priority_pct
        customer.transfer = rng.random() * 100 < transfers.pct
        customer.transfer_minutes = transfers.minutes.draw(rng) if transfers.minutes else 0.0
        customer.absent = booking is None and rng.random() * 100 < arrivals.no_show_pct
        customer.needs_recall = rng.random() * 100 < arrivals.recall_pct
        customer.walk_s = rng.uniform(*arrivals.walk_seconds)
        customer.overrun_reason = _weighted(rng, overrun_weights)
        customer.booking = booking
        return customer

    # walk-ins: a Poisson process, piecewise constant rate per clock hour
    customers: list[Customer] = []
    pieces: list[tuple[datetime, datetime, float]] = []
    cursor = opens
    while cursor < closes:
        hour_end = min(closes, cursor.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1))
        weight = arrivals.hourly.get(f"{cursor.hour:02d}", 0.0) if arrivals.hourly else 1.0
        pieces.append((cursor, hour_end, weight))
        cursor = hour_end
    mass = sum(w * (b - a).total_seconds() / 60 for a, b, w in pieces)
    if mass > 0 and arrivals.walk_ins_per_day > 0:
        for a, b, weight in pieces:
            rate = arrivals.walk_ins_per_day * weight / mass  # per minute
            if rate <= 0:
                continue
            t = a
            while True:
                t = t + timedelta(minutes=rng.expovariate(rate))
                if t >= b:
                    break
                customers.append(person(t, _weighted(rng, mix)))

    # appointments: slots, then who comes and when
    plan = scenario.appointments
    bookings: list[Booking] = []
    if plan.per_day:
        first, last = _parse_clock(plan.first_slot), _parse_clock(plan.last_slot)
        slot = datetime.combine(day, first, zone)
        end = datetime.combine(day, last, zone)
        places: list[datetime] = []
        while slot <= end:
            places.extend([slot] * plan.per_slot)
            slot += timedelta(minutes=plan.slot_minutes)
        chosen = sorted(rng.sample(places, plan.per_day))
        early = config.appointments.early_minutes
        for i, slot_time in enumerate(chosen):
            booking = Booking(
                reference=f"SIM{day:%Y%m%d}-{i + 1:03d}",
                national_id=f"{rng.randrange(10**8, 10**9)}",
                name=f"Citizen {i + 1}",
                phone="",
                service_id=_weighted(rng, plan.services),
                branch_id=config.branch.id,
                slot=slot_time.astimezone(UTC),
            )
            bookings.append(booking)
            offset = rng.gauss(plan.arrival_offset_minutes.mean, plan.arrival_offset_minutes.sd)
            comes = rng.random() * 100 >= plan.no_show_pct
            moment = slot_time + timedelta(minutes=max(offset, -early + 0.5))
            moment = max(moment, opens)
            customer = person(moment, booking.service_id, booking)
            if comes:
                customers.append(customer)
    customers.sort(key=lambda c: c.arrive)
    return DayPlan(day, opens, closes, customers, tuple(bookings))


# ------------------------------------------------------------------------------------------ drivers


class EngineDriver:
    """Runs commands on a bare ``HallEngine`` (no database)."""

    def __init__(self, config: BranchConfig) -> None:
        self.engine = HallEngine(config, b"simulator")

    def tick(self, now: datetime) -> list[Event]:
        """Let time pass; the events it caused."""
        return self.engine.advance(now)

    def run(self, command: EngineCommand, now: datetime) -> tuple[str | None, list[Event]]:
        """Advance, then execute; (ticket id, events). Raises DomainError if refused."""
        timed = self.engine.advance(now)
        result = self.engine.execute(command, now)
        return result.ticket_id, timed + result.events


class HallDriver:
    """Runs commands through ``Hall`` so every event is journaled (for ``--journal``)."""

    def __init__(self, hall: Any) -> None:
        self.hall = hall
        self.engine = hall.engine

    def tick(self, now: datetime) -> list[Event]:
        """Let time pass (journaled); the events it caused."""
        return [e for _, e in self.hall.tick(now)]

    def run(self, command: EngineCommand, now: datetime) -> tuple[str | None, list[Event]]:
        """Run and journal ``command``; (ticket id, events)."""
        committed = self.hall.handle(command, now)
        self.engine = self.hall.engine
        return committed.ticket_id, [e for _, e in committed.events]


Driver = EngineDriver | HallDriver


# ------------------------------------------------------------------------------------------ one day


class _Day:
    """The event loop of one simulated day."""

    def __init__(self, scenario: Scenario, config: BranchConfig, plan: DayPlan, driver: Driver) -> None:
        self.scenario = scenario
        self.config = config
        self.plan = plan
        self.driver = driver
        self.events: list[Event] = []
        self.heap: list[tuple[datetime, int, str, Any]] = []
        self.order = 0
        self.free: dict[int, datetime] = {}
        self.pending_pause: dict[int, Pause] = {}
        self.who: dict[str, Customer] = {}
        self.stage: dict[str, int] = {}
        self.turned_away = 0
        self.lookahead = timedelta(minutes=config.appointments.spillover_lookahead_minutes)
        self.staffing = {s.counter: s for s in scenario.staffing} or {
            c.number: Staffing(counter=c.number) for c in config.counters
        }

    def at(self, moment: datetime, kind: str, data: Any = None) -> None:
        self.order += 1
        heapq.heappush(self.heap, (moment, self.order, kind, data))

    def cmd(self, command: EngineCommand, now: datetime) -> str | None:
        ticket_id, events = self.driver.run(command, now)
        self.events.extend(events)
        return ticket_id

    def run(self) -> list[Event]:
        plan, zone = self.plan, self.config.zone
        start = plan.opens - timedelta(hours=1)
        self.events.extend(self.driver.tick(start))
        if plan.bookings:
            self.cmd(ImportAppointments(plan.bookings), start)
        for number, staffing in self.staffing.items():
            opens = (
                datetime.combine(plan.day, _parse_clock(staffing.opens), zone)
                if staffing.opens
                else plan.opens
            )
            self.at(opens, "open", number)
            for pause in staffing.pauses:
                self.at(datetime.combine(plan.day, _parse_clock(pause.at), zone), "pause", (number, pause))
        for customer in plan.customers:
            self.at(customer.arrive, "arrive", customer)
        now = start
        while self.heap:
            now, _, kind, data = heapq.heappop(self.heap)
            getattr(self, "_" + kind)(now, data)
        end = now + timedelta(minutes=1)
        for number in sorted(self.staffing):
            counter = self.driver.engine.counters[number]
            if counter.state is not CounterState.CLOSED and counter.current is None:
                self.cmd(CloseCounter(number), end)
        return self.events

    # -------------------------------------------------------------------------------- counters
    def dispatch(self, now: datetime) -> None:
        for number in sorted(self.free, key=lambda n: (self.free[n], n)):
            try:
                ticket_id = self.cmd(CallNext(number), now)
            except DomainError as error:
                if error.code == "queue_empty":
                    continue
                raise
            assert ticket_id is not None
            del self.free[number]
            customer = self.who[ticket_id]
            first = self.stage[ticket_id] == 0
            args = self.scenario.arrivals
            if first and (customer.absent or customer.needs_recall):
                self.at(now + timedelta(seconds=args.recall_after_seconds), "recall", (number, ticket_id))
            else:
                self.at(now + timedelta(seconds=customer.walk_s), "respond", (number, ticket_id))

    def _became_free(self, number: int, now: datetime) -> None:
        pause = self.pending_pause.pop(number, None)
        if pause is not None and now < self.plan.closes:
            self.cmd(PauseCounter(number, pause.reason), now)
            self.at(now + timedelta(minutes=pause.minutes), "resume", number)
        else:
            self.free[number] = now
        self.dispatch(now)

    def _open(self, now: datetime, number: int) -> None:
        staffing = self.staffing[number]
        self.cmd(OpenCounter(number, staffing.staff or f"staff-{number:02d}"), now)
        self._became_free(number, now)

    def _pause(self, now: datetime, data: tuple[int, Pause]) -> None:
        number, pause = data
        if now >= self.plan.closes:
            return
        if number in self.free:
            del self.free[number]
            self.cmd(PauseCounter(number, pause.reason), now)
            self.at(now + timedelta(minutes=pause.minutes), "resume", number)
        else:
            self.pending_pause[number] = pause

    def _resume(self, now: datetime, number: int) -> None:
        self.cmd(ResumeCounter(number), now)
        self._became_free(number, now)

    # -------------------------------------------------------------------------------- customers
    def _arrive(self, now: datetime, customer: Customer) -> None:
        command: EngineCommand
        if customer.booking is not None:
            command = CheckIn(reference=customer.booking.reference)
        else:
            command = IssueTicket(
                customer.service, priority=customer.priority and self._priority(customer.service)
            )
        try:
            ticket_id = self.cmd(command, now)
        except DomainError as error:
            if error.code == "appointment_too_early":
                self.at(datetime.fromisoformat(error.details["come_back_at"]), "arrive", customer)
                return
            if error.code == "branch_closed":
                self.turned_away += 1
                return
            raise
        assert ticket_id is not None
        self.who[ticket_id] = customer
        self.stage[ticket_id] = 0
        ticket = self.driver.engine.tickets[ticket_id]
        if ticket.kind == "appointment" and ticket.slot is not None and ticket.slot - self.lookahead > now:
            self.at(ticket.slot - self.lookahead, "wake", None)
        self.dispatch(now)

    def _priority(self, service: str) -> bool:
        cfg = self.config.service(service)
        return bool(cfg and cfg.priority and self.config.priority.enabled)

    def _wake(self, now: datetime, _: Any) -> None:
        self.dispatch(now)

    def _recall(self, now: datetime, data: tuple[int, str]) -> None:
        number, ticket_id = data
        self.cmd(Recall(number), now)
        customer = self.who[ticket_id]
        if customer.absent:
            self.at(now + timedelta(seconds=self.scenario.arrivals.no_show_after_seconds), "no_show", data)
        else:
            self.at(now + timedelta(seconds=customer.walk_s), "respond", data)

    def _no_show(self, now: datetime, data: tuple[int, str]) -> None:
        number, _ = data
        self.cmd(NoShow(number), now)
        self._became_free(number, now)

    def _respond(self, now: datetime, data: tuple[int, str]) -> None:
        number, ticket_id = data
        self.cmd(StartService(number), now)
        customer = self.who[ticket_id]
        minutes = customer.minutes if self.stage[ticket_id] == 0 else customer.transfer_minutes
        service = self.config.service(self.driver.engine.tickets[ticket_id].service_id)
        if service is not None:
            for lead in (service.warning_lead_minutes, 0.0):
                if service.cap_minutes - lead < minutes:
                    self.at(now + timedelta(minutes=service.cap_minutes - lead), "tick", None)
        self.at(now + timedelta(minutes=minutes), "end", data)

    def _tick(self, now: datetime, _: Any) -> None:
        self.events.extend(self.driver.tick(now))

    def _end(self, now: datetime, data: tuple[int, str]) -> None:
        number, ticket_id = data
        customer = self.who[ticket_id]
        transfers = self.scenario.transfers
        if self.stage[ticket_id] == 0 and customer.transfer and transfers.pct > 0:
            self.cmd(Transfer(number, to_service=transfers.to_service), now)
            self.stage[ticket_id] = 1
        else:
            ticket = self.driver.engine.tickets[ticket_id]
            service = self.config.service(ticket.service_id)
            over = service is not None and ticket.service_seconds(now) > service.cap_minutes * 60
            self.cmd(Finish(number, "completed", customer.overrun_reason if over else None), now)
        self._became_free(number, now)


# ------------------------------------------------------------------------------------------ runs


@dataclass
class SimResult:
    """One policy's run: its metrics (the ``--json`` object), the analysed figures and the raw events."""

    policy: str
    metrics: dict[str, Any]
    figures: Figures
    events: list[Event] = field(repr=False)
    seconds: float = 0.0


def metrics(policy: str, days: int, figures: Figures, booked: int, turned_away: int) -> dict[str, Any]:
    """The figures ``dawr simulate`` prints for one policy (keys in ``docs/simulator.md``)."""
    waits = summary(figures.customer_waits())
    on_time, appt = figures.appointment_on_time()
    served = figures.served_visits()
    over = sum(
        1
        for v in served
        if v.service_seconds is not None and v.service_seconds > figures.cap_seconds(v.service) + 1e-6
    )
    tickets = list(figures.tickets.values())
    no_shows = sum(1 for t in tickets if t.state is TicketState.NO_SHOW)
    checked_in = sum(1 for t in tickets if t.appointment_ref)
    transfer_waits = [
        w for v in figures.visits() if v.kind == "transfer" and (w := v.wait_minutes) is not None
    ]
    return {
        "policy": policy,
        "days": days,
        "customers": len(tickets),
        "avg_wait_min": waits["mean"],
        "p90_wait_min": waits["p90"],
        "max_wait_min": waits["max"],
        "appt_on_time_pct": round(100.0 * on_time / appt, 1) if appt else 100.0,
        "cap_overrun_pct": round(100.0 * over / len(served), 1) if served else 0.0,
        "utilization_pct": round(100.0 * figures.utilization(), 1),
        "no_show_pct": round(100.0 * no_shows / len(tickets), 1) if tickets else 0.0,
        "walk_ins": sum(1 for t in tickets if t.visits[0].kind != "appointment"),
        "appointments": appt,
        "appt_no_show_pct": round(100.0 * (booked - checked_in) / booked, 1) if booked else 0.0,
        "transfers": sum(1 for v in figures.visits() if v.kind == "transfer"),
        "transfer_wait_min": summary(transfer_waits)["mean"],
        "cancelled": sum(1 for t in tickets if t.state is TicketState.CANCELLED),
        "turned_away": turned_away,
    }


def simulate(
    scenario: Scenario,
    config: BranchConfig,
    *,
    policy: str = "dawr",
    days: int | None = None,
    seed: int | None = None,
    start: date | None = None,
    driver_factory: Callable[[BranchConfig], Driver] | None = None,
) -> SimResult:
    """Run ``days`` hall days of ``scenario`` under ``policy`` on the real engine; ``driver_factory`` may
    give a ``HallDriver`` to journal the run. Same seed → same customers for every policy."""
    started = _time.perf_counter()
    days = days or scenario.scenario.days
    seed = scenario.scenario.seed if seed is None else seed
    run_config = policy_config(config, policy)
    driver = driver_factory(run_config) if driver_factory else EngineDriver(run_config)
    events: list[Event] = []
    booked = turned_away = 0
    for index, day in enumerate(_open_days(config, start or scenario.scenario.start, days)):
        rng = random.Random(seed * 1_000_003 + index)
        plan = plan_day(scenario, config, day, rng)
        runner = _Day(scenario, run_config, plan, driver)
        events.extend(runner.run())
        booked += len(plan.bookings)
        turned_away += runner.turned_away
    # let the last day end so anything left open is cancelled, as in a real journal
    figures = analyze(events, run_config)
    result = SimResult(policy, metrics(policy, days, figures, booked, turned_away), figures, events)
    result.seconds = _time.perf_counter() - started
    return result
