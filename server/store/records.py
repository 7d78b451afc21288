"""Events <-> plain records (dicts of str, int, float, bool, None, lists) for storage and the wire.

``to_record(event)`` gives a JSON-ready dict with a "type" key; ``from_record(record)`` gives the event
back, or raises ValueError naming the problem. Only the field types used in ``events.py`` are supported.

Records written by older versions are read through ``_upgrade``: a ``ticket_called`` record with the English
``detail`` line of the first journals (before the call reason became figures) reads with its figures empty.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from server.core.events import EVENT_TYPES, Booking, Event


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def to_record(event: Event) -> dict[str, Any]:
    """A plain dict of the event, with its stable ``type`` name."""
    record: dict[str, Any] = {"type": event.type}
    record.update(_plain(event))
    return record


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _typed(hint: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        for option in options:
            if option is not type(None):
                return _typed(option, value, where)
    if origin is tuple:
        args = typing.get_args(hint)
        if not isinstance(value, list):
            raise ValueError(f"{where}: expected a list")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_typed(args[0], v, where) for v in value)
        return tuple(_typed(a, v, where) for a, v in zip(args, value, strict=True))
    if hint is datetime:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError(f"{where}: time without a time zone")
        return moment.astimezone(UTC)
    if hint is date:
        return date.fromisoformat(value)
    if hint is Booking:
        return _build(Booking, value, where)
    if hint is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if hint in (str, int, bool) and type(value) is hint:
        return value
    raise ValueError(f"{where}: expected {getattr(hint, '__name__', hint)}, got {type(value).__name__}")


def _build(cls: type, record: dict[str, Any], where: str) -> Any:
    if not isinstance(record, dict):
        raise ValueError(f"{where}: expected an object")
    hints = _hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        if f.name not in record:
            raise ValueError(f"{where}.{f.name}: missing")
        values[f.name] = _typed(hints[f.name], record[f.name], f"{where}.{f.name}")
    return cls(**values)


_CALL_FIGURES_BEFORE_V2: dict[str, Any] = {
    "waited_minutes": None,
    "weight": None,
    "priority": False,
    "slot": None,
}
"""The call-reason figures of a ``ticket_called`` record that has only the old English ``detail``."""


def _upgrade(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` in today's shape (records of older versions are converted; nothing is parsed)."""
    if record.get("type") == "ticket_called" and "detail" in record and "waited_minutes" not in record:
        record = {k: v for k, v in record.items() if k != "detail"} | _CALL_FIGURES_BEFORE_V2
    return record


def from_record(record: dict[str, Any]) -> Event:
    """The event a record describes; raises ValueError on an unknown type or a malformed field."""
    record = _upgrade(record)
    cls = EVENT_TYPES.get(record.get("type", ""))
    if cls is None:
        raise ValueError(f"unknown event type {record.get('type')!r}")
    event: Event = _build(cls, record, cls.type)
    return event
