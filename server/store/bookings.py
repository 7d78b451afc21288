"""Bookings held at HQ for each branch (migration 0006) and their way into a branch's journal.

HQ is the source of truth for bookings: ``dawr admin import-appointments --hq`` writes a CSV's bookings into
HQ's ``bookings`` table (``BookingStore.put``: one transaction, nothing written when a row is invalid), and
HQ's staff publication of each branch carries that branch's rows to it (docs/network.md). A branch server
reads its rows (``BookingStore.changed_since``) every few seconds off the command path and hands the new or
changed ones to ``BookingFeed.apply``, which journals them as the same ``ImportAppointments`` engine command
a CSV import gives — so the kiosk finds them by QR, reference or ID number exactly as before. What was
imported is known from the engine state rebuilt from the journal: a booking already imported with the same
data is not imported again, also after a restart.

Nothing personal is logged here: at most a booking's reference and the engine's reason.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, Column, DateTime, Index, String, Table, inspect, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from server.core.appointments import valid_reference
from server.core.engine import ImportAppointments
from server.core.errors import ConfigError, DomainError, JournalError
from server.core.events import Booking
from server.store.appointment_import import read_bookings
from server.store.hall import Hall
from server.store.journal import metadata

log = logging.getLogger("dawr.bookings")

OVERLAP = timedelta(minutes=2)
"""How far back ``BookingFeed.since`` reaches before the newest ``updated_at`` seen: rows that HQ committed
out of ``updated_at`` order are read again (and found already imported)."""

bookings = Table(
    "bookings",
    metadata,
    Column("branch_id", String(40), primary_key=True),
    Column("reference", String(40), primary_key=True),
    Column("national_id", String(40), nullable=False),
    Column("name", String(200), nullable=False),
    Column("phone", String(40), nullable=False),
    Column("service", String(40), nullable=False),
    Column("slot", DateTime(timezone=True), nullable=False),
    Column("cancelled", Boolean, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("bookings_changed", "branch_id", "updated_at"),
)
DATA = ("national_id", "name", "phone", "service", "slot", "cancelled")


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes: they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class BookingRow:
    """One booking as HQ holds it."""

    branch_id: str
    reference: str
    national_id: str
    name: str
    phone: str
    service: str
    slot: datetime
    cancelled: bool
    updated_at: datetime

    @classmethod
    def of(cls, booking: Booking, updated_at: datetime, *, cancelled: bool = False) -> BookingRow:
        return cls(
            booking.branch_id,
            booking.reference,
            booking.national_id,
            booking.name,
            booking.phone,
            booking.service_id,
            booking.slot,
            cancelled,
            updated_at,
        )

    def booking(self) -> Booking:
        """The engine's record of this booking."""
        return Booking(
            self.reference,
            self.national_id,
            self.name,
            self.phone,
            self.service,
            self.branch_id,
            _aware(self.slot),
        )


def _short(error: Exception) -> str:
    text = str(getattr(error, "orig", None) or error).strip().splitlines()
    return text[0] if text else type(error).__name__


class BookingStore:
    """The booking rows on ``engine``. Thread-compatible; every call is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def put(self, rows: Sequence[BookingRow]) -> int:
        """Insert or replace ``rows`` in one transaction; a row whose data is unchanged keeps its
        ``updated_at`` (so branches do not read it again). Returns how many rows were written."""
        dialect = self.engine.dialect.name
        written = 0
        try:
            with self.engine.begin() as connection:
                for row in rows:
                    values = {**row.__dict__, "slot": row.slot.astimezone(UTC)}
                    statement: postgresql.Insert | sqlite.Insert
                    if dialect == "postgresql":
                        pg = postgresql.insert(bookings).values(values)
                        statement = pg.on_conflict_do_update(
                            index_elements=["branch_id", "reference"],
                            set_={k: pg.excluded[k] for k in (*DATA, "updated_at")},
                            where=or_(*(bookings.c[k].is_distinct_from(pg.excluded[k]) for k in DATA)),
                        )
                    elif dialect == "sqlite":
                        lite = sqlite.insert(bookings).values(values)
                        statement = lite.on_conflict_do_update(
                            index_elements=["branch_id", "reference"],
                            set_={k: lite.excluded[k] for k in (*DATA, "updated_at")},
                            where=or_(*(bookings.c[k].is_distinct_from(lite.excluded[k]) for k in DATA)),
                        )
                    else:  # pragma: no cover - Dawr runs on SQLite and PostgreSQL only
                        raise JournalError(f"bookings are not supported on {dialect}")
                    written += len(connection.execute(statement.returning(bookings.c.reference)).all())
        except SQLAlchemyError as error:
            raise JournalError(f"the bookings could not be stored: {_short(error)}") from None
        return written

    def changed_since(self, branch_id: str, since: datetime | None = None) -> list[BookingRow]:
        """The branch's rows changed at or after ``since`` (every row when None), oldest change first."""
        query = select(bookings).where(bookings.c.branch_id == branch_id)
        if since is not None:
            query = query.where(bookings.c.updated_at >= since)
        query = query.order_by(bookings.c.updated_at, bookings.c.reference)
        try:
            with self.engine.connect() as connection:
                found = connection.execute(query).mappings().all()
        except SQLAlchemyError as error:
            raise JournalError(f"the bookings are unavailable: {_short(error)}") from None
        return [
            BookingRow(**{**dict(r), "slot": _aware(r["slot"]), "updated_at": _aware(r["updated_at"])})
            for r in found
        ]

    def available(self) -> bool:
        """Whether this database has the ``bookings`` table (migration 0006)."""
        try:
            return inspect(self.engine).has_table("bookings")
        except SQLAlchemyError as error:
            raise JournalError(f"the database is unavailable: {_short(error)}") from None


def read_booking_rows(source: str | Path, zone: ZoneInfo, now: datetime) -> list[BookingRow]:
    """The CSV's bookings as HQ rows, checked as a branch import checks them where HQ can (columns, times,
    references, duplicates); raises ConfigError naming the line and column of the first problem."""
    found = read_bookings(source, zone)
    try:
        with open(source, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            lines = [reader.line_num for _ in reader]
    except OSError as error:  # pragma: no cover - read just above
        raise ConfigError(f"{source}: cannot be read: {error.strerror}") from None
    seen: dict[tuple[str, str], int] = {}
    for line, booking in zip(lines, found, strict=True):
        if not valid_reference(booking.reference):
            raise ConfigError(
                f"{source}: line {line}, column reference: {booking.reference!r} is not a booking reference "
                "(letters, digits and dashes, at most 32)"
            )
        key = (booking.branch_id, booking.reference)
        if key in seen:
            raise ConfigError(
                f"{source}: line {line}, column reference: {booking.reference} of branch {booking.branch_id} "
                f"is already on line {seen[key]}"
            )
        seen[key] = line
    return [BookingRow.of(b, now) for b in found]


class BookingFeed:
    """What a branch server has made of its ``bookings`` rows: the rows the engine refused (by reference
    and data, so that a changed row is tried again) and how far back the next read reaches."""

    def __init__(self) -> None:
        self.refused: dict[str, Booking] = {}
        self.newest: datetime | None = None

    @property
    def since(self) -> datetime | None:
        """Where the next ``BookingStore.changed_since`` read starts (None: every row)."""
        return None if self.newest is None else self.newest - OVERLAP

    def pending(self, hall: Hall, rows: Iterable[BookingRow]) -> list[Booking]:
        """The rows' bookings this branch still has to import: its own, not cancelled, not of a past day,
        not refused before with the same data, and not already in the engine with the same data."""
        engine = hall.engine
        out: dict[str, Booking] = {}
        for row in rows:
            if row.branch_id != hall.branch_id or row.cancelled:
                continue
            booking = row.booking()
            if engine.day is not None and engine.local_day(booking.slot) < engine.day:
                continue
            if (
                self.refused.get(booking.reference) == booking
                or engine.bookings.get(booking.reference) == booking
            ):
                continue
            out[booking.reference] = booking
        return list(out.values())

    def apply(self, hall: Hall, rows: Sequence[BookingRow], now: datetime) -> int:
        """Journal the rows' pending bookings as one ``ImportAppointments`` (run in the journal thread, the
        hall's only writer). A booking the engine refuses is left out (and logged by reference once);
        returns how many were imported. Raises JournalError when the database refused the write."""
        pending = self.pending(hall, rows)
        latest = max((row.updated_at for row in rows), default=None)
        imported = self._import(hall, pending, now)
        if latest is not None and (self.newest is None or latest > self.newest):
            self.newest = latest  # only once written: after a refused write the rows are read again
        return imported

    def _import(self, hall: Hall, pending: list[Booking], now: datetime) -> int:
        while pending:
            try:
                hall.handle(ImportAppointments(tuple(pending)), now)
            except DomainError as problem:
                index = int(problem.details.get("row") or 0) - 1
                if not 0 <= index < len(pending):
                    raise
                refused = pending.pop(index)
                self.refused[refused.reference] = refused
                log.warning(
                    json.dumps(
                        {
                            "event": "bookings",
                            "result": "refused",
                            "reference": refused.reference,
                            "detail": problem.message.split(": ", 1)[-1],
                        }
                    )
                )
                continue
            return len(pending)
        return 0
