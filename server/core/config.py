"""The branch (hall) configuration: one TOML file, validated on load.

``load_branch_config(path)`` gives a frozen ``BranchConfig`` or raises ``ConfigError`` whose message names
the file, the key path (``counters[2].services.mazaya``) and what is wrong. ``default_config_path()`` is the
shipped configuration of the ministry's main hall.
"""

from __future__ import annotations

import re
import tomllib
from datetime import datetime, time
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from server.core.errors import ConfigError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")

PositiveMinutes = Annotated[float, Field(gt=0, le=24 * 60)]
NonNegativeMinutes = Annotated[float, Field(ge=0, le=24 * 60)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


LabelKind = Literal["finish_outcomes", "overrun_reasons", "pause_reasons"]

CATALOGUE_LABELS: dict[str, tuple[str, ...]] = {
    "finish_outcomes": ("completed", "documents_missing", "referred_elsewhere"),
    "overrun_reasons": ("complex_case", "system_slow", "missing_documents", "language"),
    "pause_reasons": ("break", "prayer", "back_office", "meeting"),
}
"""The ministry's labels of each kind, the defaults of every branch. Their wording is in the wording
catalogue (domain ``common``, key ``label_key(kind, code)``), so a branch may list them by code alone."""


def label_key(kind: str, code: str) -> str:
    """The catalogue key of a label's wording: ``label.pause_reasons.prayer``."""
    return f"label.{kind}.{code}"


class Label(_Strict):
    """A code (an outcome, a pause or overrun reason) and, for a branch's own labels, its Arabic and English
    wording. Without wording (``name_ar`` / ``name_en`` None) the label is one of ``CATALOGUE_LABELS`` and
    the screens show the catalogue's wording of ``label_key(kind, code)``."""

    code: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    name_ar: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    name_en: Annotated[str, Field(min_length=1, max_length=120)] | None = None

    @model_validator(mode="after")
    def _both_or_neither(self) -> Label:
        if (self.name_ar is None) != (self.name_en is None):
            raise ValueError(f"label {self.code!r}: give both name_ar and name_en, or neither")
        return self


class ServiceConfig(_Strict):
    """One service the hall offers; tickets are numbered ``prefix`` + 3 digits per service per day."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    prefix: Annotated[str, Field(pattern=r"^[A-Z]$")]
    name_ar: Annotated[str, Field(min_length=1, max_length=120)]
    name_en: Annotated[str, Field(min_length=1, max_length=120)]
    cap_minutes: PositiveMinutes = 7
    warning_lead_minutes: NonNegativeMinutes = 2
    walk_in: bool = True
    transfer_only: bool = False
    priority: bool = True
    expected_service_minutes: PositiveMinutes = 5

    @model_validator(mode="after")
    def _consistent(self) -> ServiceConfig:
        if self.transfer_only and self.walk_in:
            raise ValueError(
                "a transfer-only service cannot also be taken as a walk-in (set walk_in = false)"
            )
        if self.warning_lead_minutes >= self.cap_minutes:
            raise ValueError("warning_lead_minutes must be less than cap_minutes")
        return self


class CounterConfig(_Strict):
    """One counter: which services it serves, with a weight each, and whether it is an appointment counter."""

    number: Annotated[int, Field(ge=1, le=999)]
    name_ar: Annotated[str, Field(min_length=1, max_length=80)]
    name_en: Annotated[str, Field(min_length=1, max_length=80)]
    services: dict[str, Annotated[float, Field(gt=0, le=100)]]
    appointments: bool = False

    @field_validator("services")
    @classmethod
    def _not_empty(cls, value: dict[str, float]) -> dict[str, float]:
        if not value:
            raise ValueError("a counter must serve at least one service")
        return value


class AppointmentRules(_Strict):
    """Check-in window, late arrivals, spill-over and the rollout phase of booked appointments."""

    early_minutes: NonNegativeMinutes = 30
    late_minutes: NonNegativeMinutes = 15
    late_arrival: Literal["walk_in", "refuse"] = "walk_in"
    spillover: bool = True
    spillover_lookahead_minutes: NonNegativeMinutes = 5
    rollout: Literal["dedicated", "all"] = "dedicated"
    order: Literal["slot", "arrival"] = "slot"


class PriorityRules(_Strict):
    """Priority tickets (elderly, special needs): ``normal_per_priority`` normal calls per priority call,
    and a priority ticket that has waited ``max_wait_minutes`` (and longer than the normal one) goes next."""

    enabled: bool = True
    normal_per_priority: Annotated[int, Field(ge=0, le=20)] = 2
    max_wait_minutes: PositiveMinutes = 15


class CallingRules(_Strict):
    """Recalls, no-shows and transfers."""

    recalls_before_no_show: Annotated[int, Field(ge=0, le=10)] = 1
    reinstate_minutes: NonNegativeMinutes = 10
    transfer_position: Literal["keep", "end"] = "keep"
    transfer_position_choice: bool = True


class DeviceConfig(_Strict):
    """A kiosk or display board allowed to connect: its id, role and the SHA-256 (hex) of its token.
    Mint one with ``dawr admin add-device``; the token itself is never stored."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
    role: Literal["kiosk", "board"]
    name: Annotated[str, Field(max_length=120)] = ""
    token_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class ServerSettings(_Strict):
    """Limits of the hall server's websocket edge (``[server]``); the defaults suit one hall."""

    max_message_bytes: Annotated[int, Field(ge=1024, le=16 * 2**20)] = 2**20
    rate_per_second: Annotated[float, Field(gt=0, le=10_000)] = 20
    rate_burst: Annotated[int, Field(ge=1, le=100_000)] = 60
    rate_violations_before_close: Annotated[int, Field(ge=1, le=1000)] = 20
    idle_timeout_seconds: Annotated[float, Field(gt=0, le=86_400)] = 120
    login_timeout_seconds: Annotated[float, Field(gt=0, le=3600)] = 20
    ping_interval_seconds: Annotated[float, Field(gt=0, le=3600)] = 20
    ping_timeout_seconds: Annotated[float, Field(gt=0, le=3600)] = 20
    max_login_failures: Annotated[int, Field(ge=1, le=100)] = 5
    session_hours: Annotated[float, Field(gt=0, le=24 * 31)] = 12
    max_pending_messages: Annotated[int, Field(ge=10, le=1_000_000)] = 1000
    public_url: Annotated[str, Field(max_length=200)] = ""


def _catalogue_labels(kind: LabelKind) -> tuple[Label, ...]:
    return tuple(Label(code=code) for code in CATALOGUE_LABELS[kind])


class Notice(_Strict):
    """A standing message for the hall boards' ticker, in both languages."""

    ar: Annotated[str, Field(min_length=1, max_length=200)]
    en: Annotated[str, Field(min_length=1, max_length=200)]


class BranchInfo(_Strict):
    """Who the branch is and when it is open."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]
    name_ar: Annotated[str, Field(min_length=1, max_length=120)]
    name_en: Annotated[str, Field(min_length=1, max_length=120)]
    timezone: str = "Asia/Bahrain"
    digits: Literal["western", "arabic-indic"] = "western"
    hotline: Annotated[str, Field(max_length=40)] = "80008001"
    hours: dict[str, str]
    notices: tuple[Notice, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name such as 'Asia/Bahrain')"
            ) from None
        return value

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: dict[str, str]) -> dict[str, str]:
        for day, span in value.items():
            if day not in WEEKDAYS:
                raise ValueError(f"unknown weekday {day!r} (use {', '.join(WEEKDAYS)})")
            match = _HOURS.match(span)
            if not match:
                raise ValueError(f"{day}: {span!r} is not a time range like '07:30-14:30'")
            start = int(match[1]) * 60 + int(match[2])
            end = int(match[3]) * 60 + int(match[4])
            if end <= start or end > 24 * 60:
                raise ValueError(f"{day}: {span!r} must end after it starts, at 24:00 at the latest")
        return value


class BranchConfig(_Strict):
    """A whole branch: services, counters and the rules the engine applies."""

    branch: BranchInfo
    services: tuple[ServiceConfig, ...]
    counters: tuple[CounterConfig, ...]
    appointments: AppointmentRules = AppointmentRules()
    priority: PriorityRules = PriorityRules()
    calling: CallingRules = CallingRules()
    server: ServerSettings = ServerSettings()
    devices: tuple[DeviceConfig, ...] = ()
    finish_outcomes: tuple[Label, ...] = _catalogue_labels("finish_outcomes")
    overrun_reasons: tuple[Label, ...] = _catalogue_labels("overrun_reasons")
    pause_reasons: tuple[Label, ...] = _catalogue_labels("pause_reasons")

    _by_id: dict[str, ServiceConfig] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _references(self) -> BranchConfig:
        if not self.services:
            raise ValueError("services: at least one service is needed")
        if not self.counters:
            raise ValueError("counters: at least one counter is needed")
        seen: dict[str, int] = {}
        prefixes: dict[str, str] = {}
        for i, service in enumerate(self.services):
            if service.id in seen:
                raise ValueError(
                    f"services[{i}].id: {service.id!r} is already used by services[{seen[service.id]}]"
                )
            seen[service.id] = i
            if service.prefix in prefixes:
                raise ValueError(
                    f"services[{i}].prefix: {service.prefix!r} is already the prefix of {prefixes[service.prefix]!r}"
                )
            prefixes[service.prefix] = service.id
        numbers: set[int] = set()
        for i, counter in enumerate(self.counters):
            if counter.number in numbers:
                raise ValueError(f"counters[{i}].number: counter {counter.number} is listed twice")
            numbers.add(counter.number)
            for service_id in counter.services:
                if service_id not in seen:
                    raise ValueError(
                        f"counters[{i}].services.{service_id}: unknown service (known: {', '.join(seen)})"
                    )
        if self.appointments.rollout == "dedicated" and not any(c.appointments for c in self.counters):
            raise ValueError(
                "appointments.rollout: 'dedicated' needs at least one counter with appointments = true"
            )
        device_ids = [device.id for device in self.devices]
        if len(set(device_ids)) != len(device_ids):
            raise ValueError("devices: ids must be unique")
        for name in ("finish_outcomes", "overrun_reasons", "pause_reasons"):
            codes = [label.code for label in getattr(self, name)]
            if not codes:
                raise ValueError(f"{name}: at least one entry is needed")
            if len(set(codes)) != len(codes):
                raise ValueError(f"{name}: codes must be unique")
            for i, label in enumerate(getattr(self, name)):
                if label.name_ar is None and label.code not in CATALOGUE_LABELS[name]:
                    raise ValueError(
                        f"{name}[{i}]: {label.code!r} needs name_ar and name_en (only "
                        f"{', '.join(CATALOGUE_LABELS[name])} may be given by code alone)"
                    )
        return self

    # --- lookups -------------------------------------------------------------------------------------
    def service(self, service_id: str) -> ServiceConfig | None:
        """The service with this id, or None."""
        return self._services_by_id().get(service_id)

    def counter(self, number: int) -> CounterConfig | None:
        """The counter with this number, or None."""
        for counter in self.counters:
            if counter.number == number:
                return counter
        return None

    def _services_by_id(self) -> dict[str, ServiceConfig]:
        if not self._by_id:
            self._by_id.update({s.id: s for s in self.services})
        return self._by_id

    @property
    def zone(self) -> ZoneInfo:
        """The branch's time zone."""
        return ZoneInfo(self.branch.timezone)

    def opening_span(self, moment: datetime) -> tuple[time, time] | None:
        """Opening and closing time on the local day of ``moment``, or None if closed all that day."""
        local = moment.astimezone(self.zone)
        span = self.branch.hours.get(WEEKDAYS[local.weekday()])
        if span is None:
            return None
        match = _HOURS.match(span)
        assert match is not None
        start = time(int(match[1]), int(match[2]))
        end_h, end_m = int(match[3]), int(match[4])
        end = time(23, 59, 59, 999999) if end_h == 24 else time(end_h, end_m)
        return start, end

    def is_open(self, moment: datetime) -> bool:
        """True if the branch is open at ``moment`` (any tz-aware datetime)."""
        span = self.opening_span(moment)
        if span is None:
            return False
        local = moment.astimezone(self.zone).time()
        return span[0] <= local < span[1]

    def labels(self, kind: LabelKind) -> dict[str, Label]:
        """The labels of one kind by code."""
        return {label.code: label for label in getattr(self, kind)}


def _format_location(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += ("." if path else "") + str(part)
    return path


def _format_validation_error(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        where = _format_location(tuple(p for p in item["loc"] if p not in ("function-after",)))
        message = item["msg"]
        message = message.removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown key (check the spelling)"
        elif item["type"] == "missing":
            message = "required key is missing"
        lines.append(f"{where}: {message}" if where else message)
    return "\n  ".join(lines)


def parse_branch_config(data: dict[str, Any], source: str = "<config>") -> BranchConfig:
    """Validate already-parsed TOML data; raises ConfigError naming ``source`` and the key path."""
    try:
        return BranchConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError(
            f"{source}: invalid branch configuration:\n  {_format_validation_error(error)}"
        ) from None


def load_branch_config(path: str | Path) -> BranchConfig:
    """Read and validate a branch TOML file; raises ConfigError with a message a person can act on."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot be read: {error}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    return parse_branch_config(data, str(path))


def default_config_path() -> Path:
    """Path of the shipped configuration: the ministry's main customer-service hall."""
    return Path(str(resources.files("server.core").joinpath("default_branch.toml")))


def load_default_config() -> BranchConfig:
    """The shipped ministry hall configuration, validated."""
    return load_branch_config(default_config_path())
