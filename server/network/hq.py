"""The HQ live view's data: every branch rebuilt at HQ from HQ's replicated copy of its journal.

``HqLive(engine, configs)`` keeps one ``BranchMirror`` per branch (the branch's own pure engine fed from
HQ's ``journal_events``, server/network/mirror.py) and the state of each branch's journal subscription
(``pg_stat_subscription``: connected, last message from the branch). ``refresh()`` applies what arrived
since the last call and ``feed(now)`` gives the JSON-ready picture the page shows: counters open / paused
/ closed, people waiting per service, the day's longest and mean wait, the share of services within their
cap, appointments called on time, how old HQ's data is and whether the branch is cut off (STALE), and the
branch's device alerts (``device_alerts``) from HQ's replicated copy of its ``device_status`` rows
(server/store/devices.py; None while HQ's schema has no such table).

The feed holds aggregates and configuration names only (branch and service names): no ticket numbers,
no customer names, national ids or phones, no staff names — ``PERSONAL_FIELDS`` never appear in it
(tested). It only reads the HQ database; HQ's database user needs no superuser (``pg_subscription``'s
public columns and ``pg_stat_subscription`` are readable by every user).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text as sql_text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from server.core.config import BranchConfig, load_default_config, parse_branch_config
from server.core.errors import JournalError
from server.core.events import DayStarted, Event
from server.network.mirror import BranchMirror
from server.reports.figures import analyze, summary
from server.store.devices import PERIPHERALS, DeviceRow, DeviceStatusStore
from server.store.journal import Journal

log = logging.getLogger("dawr.hq")

JOURNAL_PREFIX = "dawr_journal_"
STALE_AFTER_SECONDS = 45.0
"""A link that is up but silent this long counts as cut off: an idle link still hears from the branch
about every 10 s (keepalives; measured with PostgreSQL 15's defaults), a black-holed WAN link is only
dropped by PostgreSQL after ``wal_receiver_timeout`` (60 s)."""
FIGURES_EVERY = 1.0
"""Seconds between two computations of a busy branch's day figures (longest / mean wait, cap, on time)."""
DEVICES_EVERY = 1.0
"""Seconds between two readings of HQ's copy of the branches' device status."""
PERSONAL_FIELDS = ("national_id", "customer_name", "name", "phone", "mobile", "staff", "username", "token")
"""Words no key of the feed may be (checked by the tests on the real feed)."""


@dataclass
class LinkState:
    """HQ's journal subscription of one branch, from HQ's side only (no WAN round trip)."""

    branch_id: str
    enabled: bool = False
    connected: bool = False
    last_contact: datetime | None = None


def subscription_states(engine: Engine) -> dict[str, LinkState]:
    """Each ``dawr_journal_<id>`` subscription of this database: enabled, worker running, last message."""
    if engine.dialect.name != "postgresql":
        return {}
    query = sql_text(
        "SELECT s.subname, s.subenabled, st.pid, st.last_msg_receipt_time "
        "FROM pg_subscription s LEFT JOIN pg_stat_subscription st ON st.subid = s.oid AND st.relid IS NULL "
        "WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND s.subname LIKE 'dawr\\_journal\\_%'"
    )
    try:
        with engine.connect() as connection:
            rows = connection.execute(query).all()
    except SQLAlchemyError as problem:
        raise JournalError(f"the HQ database is unavailable: {str(problem).splitlines()[0]}") from None
    out: dict[str, LinkState] = {}
    for name, enabled, pid, contact in rows:
        branch_id = str(name)[len(JOURNAL_PREFIX) :]
        moment = contact if contact is None or contact.tzinfo else contact.replace(tzinfo=UTC)
        out[branch_id] = LinkState(branch_id, bool(enabled), pid is not None and bool(enabled), moment)
    return out


def default_branch_config(branch_id: str) -> BranchConfig:
    """The shipped hall configuration as branch ``branch_id``, named by its id (for a branch HQ has no
    configuration file of: its services and counters are then the shipped ones)."""
    data = load_default_config().model_dump()
    data["branch"]["id"] = branch_id
    data["branch"]["name_ar"] = branch_id
    data["branch"]["name_en"] = branch_id
    return parse_branch_config(data)


def registry_names(engine: Engine) -> dict[str, tuple[str, str]]:
    """branch id -> (Arabic, English) name from HQ's branch registry (server/store/branches.py), or {}
    when this database has none yet."""
    try:
        from server.store.branches import BranchRegistry
    except ImportError:  # pragma: no cover - the registry arrives with migration 0004
        return {}
    try:
        return {b: (n.name_ar, n.name_en) for b, n in BranchRegistry(engine).names().items()}
    except (JournalError, SQLAlchemyError):
        return {}


def device_alerts(rows: Iterable[DeviceRow]) -> list[dict[str, Any]]:
    """The alerts of a branch's devices, as the feed gives them: a device not connected, a board not
    responding (``silent``), a peripheral in "error" or "warning" (with the device's own status text).
    Each alert: ``device`` (its id), ``role``, ``part`` ("connection" or the peripheral), ``state``
    ("disconnected", "silent", "error", "warning") and ``detail``."""
    alerts: list[dict[str, Any]] = []
    for row in rows:
        base = {"device": row.device_id, "role": row.role}
        if not row.connected:
            alerts.append(base | {"part": "connection", "state": "disconnected", "detail": ""})
            continue
        if row.silent:
            alerts.append(base | {"part": "connection", "state": "silent", "detail": ""})
        for part in PERIPHERALS:
            state = getattr(row, part)
            if state in ("error", "warning"):
                alerts.append(base | {"part": part, "state": state, "detail": row.detail})
    return alerts


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@dataclass
class _Branch:
    mirror: BranchMirror
    events: list[Event] = field(default_factory=list)
    """The day's events (since the latest DayStarted), for the report figures."""
    figures: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None
    dirty: bool = True
    figures_at: float = 0.0


class HqLive:
    """Every branch's picture at HQ; ``refresh()`` from one thread, ``feed()`` from any (a lock guards)."""

    def __init__(
        self,
        engine: Engine,
        configs: Iterable[BranchConfig] = (),
        *,
        names: Mapping[str, tuple[str, str]] | None = None,
    ) -> None:
        self.engine = engine
        self.journal = Journal(engine)  # no migration: the view only reads (HQ is migrated by init-hq)
        self.configs = {config.branch.id: config for config in configs}
        self.fixed_names = dict(names or {})
        self.names: dict[str, tuple[str, str]] = {}
        self.branches: dict[str, _Branch] = {}
        self.links: dict[str, LinkState] = {}
        self.device_store = DeviceStatusStore(engine)
        self.devices: dict[str, list[DeviceRow]] | None = None
        """branch id -> its device rows at HQ; None while HQ has no ``device_status`` table."""
        self._devices_at = 0.0
        self.version = 0
        self._lock = threading.Lock()

    # ------------------------------------------------------------------------------------ reading
    def _config(self, branch_id: str) -> BranchConfig:
        return self.configs.get(branch_id) or default_branch_config(branch_id)

    def discover(self) -> bool:
        """Find the branches (HQ's subscriptions, the configurations given) and their names; True if
        anything changed."""
        links = subscription_states(self.engine)
        names = registry_names(self.engine) | self.fixed_names
        changed = False
        with self._lock:
            for branch_id, link in links.items():  # a stopped worker forgets its last message: keep it
                before = self.links.get(branch_id)
                if link.last_contact is None and before is not None:
                    link.last_contact = before.last_contact
            if {b: vars(s) for b, s in links.items()} != {b: vars(s) for b, s in self.links.items()}:
                self.links = links
                changed = True
            if names != self.names:
                self.names = names
                changed = True
            for branch_id in sorted(set(links) | set(self.configs)):
                if branch_id not in self.branches:
                    self.branches[branch_id] = _Branch(BranchMirror(self._config(branch_id), self.journal))
                    changed = True
            if changed:
                self.version += 1
        return changed

    def refresh(self) -> bool:
        """Apply what HQ received since the last call to every branch; True if anything arrived."""
        arrived = False
        for branch_id, branch in list(self.branches.items()):
            try:
                applied = branch.mirror.catch_up()
            except JournalError:
                raise
            except Exception as problem:  # a journal this configuration cannot replay: show it, go on
                if branch.problem is None:
                    log.warning("HQ view: branch %s cannot be rebuilt: %s", branch_id, problem)
                    with self._lock:
                        branch.problem = type(problem).__name__
                        self.version += 1
                continue
            if not applied:
                continue
            arrived = True
            with self._lock:
                for _, event in applied:
                    if isinstance(event, DayStarted):
                        branch.events = []
                    branch.events.append(event)
                branch.dirty = True
                self.version += 1
        return arrived

    def refresh_devices(self, *, force: bool = False) -> bool:
        """Read HQ's copy of every branch's device status (at most every ``DEVICES_EVERY`` seconds);
        True if it changed."""
        if not force and time.monotonic() - self._devices_at < DEVICES_EVERY:
            return False
        self._devices_at = time.monotonic()
        devices: dict[str, list[DeviceRow]] | None = None
        if self.devices is not None or self.device_store.available():  # the table never goes away
            devices = {}
            for row in self.device_store.rows():
                devices.setdefault(row.branch_id, []).append(row)
        with self._lock:
            if devices == self.devices:
                return False
            self.devices = devices
            self.version += 1
        return True

    # ------------------------------------------------------------------------------------ figures
    def _day_figures(self, branch: _Branch) -> dict[str, Any]:
        """The day's report figures of the branch (``dawr report``'s definitions), recomputed from the
        day's events at most every ``FIGURES_EVERY`` seconds: the counters, queues and seq of the feed
        are current at every frame, the day's averages may lag them by that much."""
        if branch.dirty and (not branch.figures or time.monotonic() - branch.figures_at >= FIGURES_EVERY):
            branch.figures_at = time.monotonic()
            figures = analyze(branch.events, branch.mirror.config, branch=branch.mirror.branch_id)
            waits = figures.customer_waits()
            served = figures.served_visits()
            within = sum(
                1
                for v in served
                if v.service_seconds is not None
                and v.service_seconds <= figures.cap_seconds(v.service) + 1e-6
            )
            on_time, called = figures.appointment_on_time()
            branch.figures = {
                "called_waits_max_min": max(waits, default=0.0),
                "mean_wait_min": summary(waits)["mean"] if waits else None,
                "services_given": len(served),
                "within_cap_pct": round(100.0 * within / len(served), 1) if served else None,
                "over_cap": len(served) - within,
                "appointments_called": called,
                "appointments_on_time_pct": round(100.0 * on_time / called, 1) if called else None,
            }
            branch.dirty = False
        return branch.figures

    def _branch_feed(self, branch_id: str, branch: _Branch, now: datetime) -> dict[str, Any]:
        link = self.links.get(branch_id, LinkState(branch_id))
        config = branch.mirror.config
        name_ar, name_en = self.names.get(branch_id) or (config.branch.name_ar, config.branch.name_en)
        picture = branch.mirror.picture(now, connected=link.connected)
        figures = self._day_figures(branch)
        heard = [moment for moment in (picture.last_event_at, link.last_contact) if moment is not None]
        newest = max(heard) if heard else None
        age = max(0.0, (now - newest).total_seconds()) if newest is not None else None
        stale = not link.connected or (age is not None and age > STALE_AFTER_SECONDS and link.connected)
        services = {service.id: service for service in config.services}
        order = {service_id: index for index, service_id in enumerate(services)}
        waiting = []
        for service_id, count in sorted(
            picture.waiting.items(), key=lambda kv: (order.get(kv[0], 99), kv[0])
        ):
            service = services.get(service_id)
            waiting.append(
                {
                    "service": service_id,
                    "name_ar": service.name_ar if service else service_id,
                    "name_en": service.name_en if service else service_id,
                    "count": count,
                }
            )
        longest_now = picture.longest_wait_seconds / 60.0
        return {
            "id": branch_id,
            "name_ar": name_ar,
            "name_en": name_en,
            "connected": link.connected,
            "stale": bool(stale),
            "data_age_s": _round(age),
            "last_seq": picture.last_seq,
            "last_event_at": picture.last_event_at.isoformat() if picture.last_event_at else None,
            "counters_open": picture.counters_open,
            "counters_paused": picture.counters_paused,
            "counters_closed": picture.counters_closed,
            "waiting": waiting,
            "waiting_total": sum(picture.waiting.values()),
            "longest_wait_min": _round(max(longest_now, figures["called_waits_max_min"])),
            "mean_wait_min": _round(figures["mean_wait_min"]),
            "served": picture.served_today,
            "within_cap_pct": figures["within_cap_pct"],
            "over_cap": figures["over_cap"],
            "appointments_called": figures["appointments_called"],
            "appointments_on_time_pct": figures["appointments_on_time_pct"],
            "device_alerts": None if self.devices is None else device_alerts(self.devices.get(branch_id, ())),
            "problem": branch.problem,
        }

    def feed(self, now: datetime | None = None) -> dict[str, Any]:
        """The picture of every branch, as the page's feed sends it (JSON-ready, nothing personal)."""
        now = now or datetime.now(UTC)
        with self._lock:
            branches = [self._branch_feed(b, branch, now) for b, branch in sorted(self.branches.items())]
            version = self.version
        return {"as_of": now.isoformat(), "version": version, "branches": branches}


class Refresher:
    """A daemon thread that keeps an ``HqLive`` current: new events every ``interval`` seconds, the
    subscriptions and names every ``discover_every`` seconds. It builds the feed once per change (and at
    least every ``tick`` seconds, so that the data ages move on) into ``snapshot`` (JSON bytes) and
    notifies ``changed``; the page connections only read it."""

    def __init__(
        self, live: HqLive, *, interval: float = 0.2, discover_every: float = 2.0, tick: float = 1.0
    ) -> None:
        self.live = live
        self.interval = interval
        self.discover_every = discover_every
        self.tick = tick
        self.changed = threading.Condition()
        self.healthy = True
        self.snapshot = b""
        self.data: dict[str, Any] = {"branches": []}
        self.serial = 0
        """Grows with every new snapshot."""
        self._built_at = 0.0
        self._last_discovery = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hq-refresh", daemon=True)

    def start(self) -> None:
        self._step()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        with self.changed:
            self.changed.notify_all()
        self.live.journal.close()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def _step(self) -> None:
        moment = time.monotonic()
        changed = False
        try:
            if moment - self._last_discovery >= self.discover_every:
                self._last_discovery = moment
                changed = self.live.discover()
            changed = self.live.refresh() or changed
            changed = self.live.refresh_devices() or changed
            if not self.healthy:
                self.healthy, changed = True, True
        except JournalError as problem:
            if self.healthy:
                log.warning("HQ view: %s", problem)
                changed = True
            self.healthy = False
        if changed or moment - self._built_at >= self.tick:
            data = self.live.feed()
            data["healthy"] = self.healthy
            if not self.healthy:  # HQ's own database does not answer: nothing shown is current
                for branch in data["branches"]:
                    branch["stale"] = True
            snapshot = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
            with self.changed:
                self.snapshot = snapshot
                self.data = data
                self.serial += 1
                self._built_at = moment
                self.changed.notify_all()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._step()

    def wait(self, after: int, timeout: float) -> tuple[int, bytes, dict[str, Any]]:
        """The newest snapshot once its serial is past ``after`` (or at ``timeout``): (serial, JSON, the
        same as a dict — not to be modified)."""
        with self.changed:
            self.changed.wait_for(lambda: self.serial > after or self._stop.is_set(), timeout)
            return self.serial, self.snapshot, self.data
