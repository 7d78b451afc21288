"""Reading the National Contact Centre's booking export (CSV, UTF-8) into ``Booking`` records.

Columns (header row required, any order): ``reference, national_id, name, phone, service, branch, slot``;
``slot`` is ``YYYY-MM-DD HH:MM`` in the branch's local time (or ISO 8601 with an offset). ``read_bookings``
gives the bookings or raises ConfigError naming the row and column of the first problem.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from server.core.errors import ConfigError
from server.core.events import Booking

COLUMNS = ("reference", "national_id", "name", "phone", "service", "branch", "slot")


def parse_slot(text: str, zone: ZoneInfo) -> datetime:
    """A slot time: local ``YYYY-MM-DD HH:MM`` in ``zone`` or ISO 8601 with an offset; ValueError if not."""
    moment = datetime.fromisoformat(text.strip())
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def read_bookings(source: str | Path | io.TextIOBase, zone: ZoneInfo) -> tuple[Booking, ...]:
    """Bookings from a CSV file path or open text stream; raises ConfigError on the first bad row."""
    name = str(source) if isinstance(source, str | Path) else "<input>"
    try:
        handle = (
            open(source, encoding="utf-8-sig", newline="")  # noqa: SIM115  (closed by the with block below)
            if isinstance(source, str | Path)
            else source
        )
    except OSError as error:
        raise ConfigError(f"{name}: cannot be read: {error.strerror}") from None
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ConfigError(f"{name}: missing column(s): {', '.join(missing)} (need {', '.join(COLUMNS)})")
        bookings = []
        try:
            for row in reader:
                line = reader.line_num
                values = {c: (row.get(c) or "").strip() for c in COLUMNS}
                for column in ("reference", "national_id", "service", "branch", "slot"):
                    if not values[column]:
                        raise ConfigError(f"{name}: line {line}, column {column}: empty")
                try:
                    slot = parse_slot(values["slot"], zone)
                except ValueError:
                    raise ConfigError(
                        f"{name}: line {line}, column slot: {values['slot']!r} is not a time like 2026-11-22 09:30"
                    ) from None
                bookings.append(
                    Booking(
                        values["reference"].upper(),
                        values["national_id"],
                        values["name"],
                        values["phone"],
                        values["service"],
                        values["branch"],
                        slot,
                    )
                )
        except UnicodeDecodeError:
            raise ConfigError(f"{name}: is not UTF-8 text") from None
        except csv.Error as error:
            raise ConfigError(f"{name}: not a readable CSV file: {error}") from None
    if not bookings:
        raise ConfigError(f"{name}: no bookings in the file")
    return tuple(bookings)
