"""The journal: every accepted event of every branch, in order, in one SQL table.

``Journal.open(url)`` connects (SQLite file or PostgreSQL URL), brings the schema to the newest Alembic
revision and gives a journal. ``append`` stores a command's events in one transaction and returns their
sequence numbers — only after it returns may anyone be told. ``state_events`` gives what rebuilds the
current day; ``events`` reads any range for reports and replays. Database trouble raises JournalError.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from platformdirs import user_data_dir
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Index,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from server.core.errors import JournalError
from server.core.events import AppointmentsImported, DayStarted, Event
from server.store.records import from_record, to_record

metadata = MetaData()

journal_events = Table(
    "journal_events",
    metadata,
    Column("branch_id", String(40), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("day", Date, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("type", String(40), nullable=False),
    Column("ticket_id", String(40), nullable=True),
    Column("payload", Text, nullable=False),
    Index("ix_journal_events_branch_day", "branch_id", "day"),
    Index("ix_journal_events_branch_type", "branch_id", "type"),
)

MIGRATIONS = Path(__file__).with_name("migrations")


def default_database_url() -> str:
    """SQLite file in the user's data directory (created if missing)."""
    folder = Path(user_data_dir("dawr", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'dawr.db'}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """A SQLAlchemy engine for ``url``; SQLite gets WAL and durable (FULL) commits."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    try:
        engine = create_engine(url, pool_pre_ping=True, future=True)
    except (SQLAlchemyError, ImportError, ValueError) as error:
        raise JournalError(f"cannot use database {url!r}: {error}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def upgrade_schema(connection: Connection) -> None:
    """Bring the schema on ``connection`` to the newest Alembic revision."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    alembic_command.upgrade(config, "head")


class Journal:
    """The event store of one database (any number of branches). Thread-compatible, not thread-safe."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str | None = None) -> Journal:
        """Connect to ``url`` (default: SQLite in the user's data directory) and migrate the schema."""
        engine = make_engine(url or default_database_url())
        try:
            with engine.begin() as connection:
                upgrade_schema(connection)
        except SQLAlchemyError as error:
            engine.dispose()
            raise JournalError(f"cannot open the journal database: {_short(error)}") from None
        return cls(engine)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def append(self, branch_id: str, events: Sequence[Event], day: date) -> list[int]:
        """Store ``events`` of ``branch_id`` (local ``day``) in one transaction; returns their sequence
        numbers. Raises JournalError (nothing stored) if the database refuses or another server wrote
        the same sequence numbers first."""
        if not events:
            return []
        try:
            with self.engine.begin() as connection:
                last = connection.execute(
                    select(func.max(journal_events.c.seq)).where(journal_events.c.branch_id == branch_id)
                ).scalar()
                first = (last or 0) + 1
                rows = [
                    {
                        "branch_id": branch_id,
                        "seq": first + i,
                        "day": day,
                        "at": e.at,
                        "type": e.type,
                        "ticket_id": getattr(e, "ticket_id", None),
                        "payload": json.dumps(to_record(e), ensure_ascii=False, separators=(",", ":")),
                    }
                    for i, e in enumerate(events)
                ]
                connection.execute(insert(journal_events), rows)
        except IntegrityError:
            raise JournalError("another server wrote to this branch's journal at the same time") from None
        except SQLAlchemyError as error:
            raise JournalError(f"the journal database is unavailable: {_short(error)}") from None
        return [first + i for i in range(len(events))]

    def last_seq(self, branch_id: str) -> int:
        """The newest sequence number of the branch (0 for an empty journal)."""
        try:
            with self.engine.connect() as connection:
                value = connection.execute(
                    select(func.max(journal_events.c.seq)).where(journal_events.c.branch_id == branch_id)
                ).scalar()
        except SQLAlchemyError as error:
            raise JournalError(f"the journal database is unavailable: {_short(error)}") from None
        return int(value or 0)

    def state_events(self, branch_id: str) -> list[tuple[int, Event]]:
        """What rebuilds the branch's current state, in order: every appointment import made before the
        latest day started, then every event from that day's start on."""
        try:
            with self.engine.connect() as connection:
                start = (
                    connection.execute(
                        select(func.max(journal_events.c.seq)).where(
                            journal_events.c.branch_id == branch_id, journal_events.c.type == DayStarted.type
                        )
                    ).scalar()
                    or 0
                )
                query = (
                    select(journal_events.c.seq, journal_events.c.payload)
                    .where(journal_events.c.branch_id == branch_id)
                    .where(
                        (journal_events.c.seq >= start) | (journal_events.c.type == AppointmentsImported.type)
                    )
                    .order_by(journal_events.c.seq)
                )
                rows = connection.execute(query).all()
        except SQLAlchemyError as error:
            raise JournalError(f"the journal database is unavailable: {_short(error)}") from None
        return [(seq, from_record(json.loads(payload))) for seq, payload in rows]

    def events(
        self,
        branch_id: str | None = None,
        *,
        from_day: date | None = None,
        to_day: date | None = None,
        after_seq: int = 0,
    ) -> Iterator[tuple[str, int, Event]]:
        """(branch, seq, event) in journal order, optionally for one branch and local days
        ``from_day``..``to_day`` inclusive."""
        query = select(journal_events.c.branch_id, journal_events.c.seq, journal_events.c.payload).where(
            journal_events.c.seq > after_seq
        )
        if branch_id is not None:
            query = query.where(journal_events.c.branch_id == branch_id)
        if from_day is not None:
            query = query.where(journal_events.c.day >= from_day)
        if to_day is not None:
            query = query.where(journal_events.c.day <= to_day)
        query = query.order_by(journal_events.c.branch_id, journal_events.c.seq)
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(query).all()
        except SQLAlchemyError as error:
            raise JournalError(f"the journal database is unavailable: {_short(error)}") from None
        for branch, seq, payload in rows:
            yield branch, seq, from_record(json.loads(payload))

    def branches(self) -> list[str]:
        """Ids of the branches that have events."""
        try:
            with self.engine.connect() as connection:
                return [r[0] for r in connection.execute(select(journal_events.c.branch_id).distinct()).all()]
        except SQLAlchemyError as error:
            raise JournalError(f"the journal database is unavailable: {_short(error)}") from None


def _short(error: Exception) -> str:
    text = str(getattr(error, "orig", None) or error).strip().splitlines()
    return text[0] if text else type(error).__name__


def utc_now() -> datetime:
    """The real clock, for the edges (the engine never reads it)."""
    return datetime.now(UTC)
