"""The zone of a hall a board shows: ``--counters 1-4,7`` → counters {1, 2, 3, 4, 7}.

``parse_counters(spec)`` gives a ``frozenset`` of counter numbers or raises ``ZoneError`` with a message a
person can act on (the CLI prints it and exits with code 2). ``None`` (no ``--counters``) means every
counter: ``in_zone(zone, n)`` is then always true.
"""

from __future__ import annotations

import re

MAX_COUNTER = 999
"""The highest counter number the protocol allows."""

_PART = re.compile(r"^\s*(\d{1,3})\s*(?:-\s*(\d{1,3})\s*)?$")


class ZoneError(ValueError):
    """A ``--counters`` spec that cannot be read."""


def parse_counters(spec: str) -> frozenset[int]:
    """Counter numbers named by ``spec``: comma-separated numbers and ranges, e.g. ``"1-4,7"``."""
    if not spec or not spec.strip():
        raise ZoneError("--counters is empty; give counter numbers and ranges such as 1-4,7")
    found: set[int] = set()
    for part in spec.split(","):
        match = _PART.match(part)
        if match is None:
            raise ZoneError(
                f"--counters: {part.strip()!r} is not a counter number or a range such as 1-4 "
                f"(expected e.g. 1-4,7)"
            )
        first = int(match[1])
        last = int(match[2]) if match[2] is not None else first
        if first < 1 or last > MAX_COUNTER:
            raise ZoneError(f"--counters: {part.strip()!r} is out of range (counters are 1-{MAX_COUNTER})")
        if last < first:
            raise ZoneError(f"--counters: {part.strip()!r} runs backwards (write {last}-{first})")
        found.update(range(first, last + 1))
    return frozenset(found)


def in_zone(zone: frozenset[int] | None, counter: int | None) -> bool:
    """True if a call to ``counter`` belongs on a board showing ``zone`` (``None``: the whole hall)."""
    if counter is None:
        return False
    return zone is None or counter in zone


def describe(zone: frozenset[int] | None) -> str:
    """``"1-4,7"`` for {1, 2, 3, 4, 7}; ``"all"`` for the whole hall."""
    if zone is None:
        return "all"
    numbers = sorted(zone)
    parts: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], -1]:
        if n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        start = prev = n
    return ",".join(parts)
