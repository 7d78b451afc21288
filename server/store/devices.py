"""Device status: each kiosk's and board's last known state, one row per device (migration 0005).

The branch server keeps its devices in memory for the supervisors and writes a device's row here when its
state changes (``DeviceStatusStore.put``: one short transaction, run off the command path). The branch's
journal publication carries the table to HQ with the branch's row filter, so that HQ's live view shows
each branch's device alerts (docs/network.md). Nothing personal: device ids and roles, peripheral states
("ok", "warning", "error", "unknown" or None when the device lacks it) and the device's own status text.

``DeviceStatusStore(engine)`` (the engine of an opened ``Journal``): ``put`` upserts a row, ``rows`` reads
them (one branch or all). Database trouble raises ``JournalError``; ``available`` tells whether this
database has the table yet (an HQ not yet migrated to 0005).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, Column, DateTime, String, Table, inspect, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.expression import Executable

from server.core.errors import JournalError
from server.store.journal import metadata

PERIPHERALS = ("printer", "scanner", "display", "announcer")
DETAIL_LENGTH = 200

device_status = Table(
    "device_status",
    metadata,
    Column("branch_id", String(40), primary_key=True),
    Column("device_id", String(40), primary_key=True),
    Column("role", String(20), nullable=False),
    Column("connected", Boolean, nullable=False),
    Column("silent", Boolean, nullable=False),
    Column("printer", String(20), nullable=True),
    Column("scanner", String(20), nullable=True),
    Column("display", String(20), nullable=True),
    Column("announcer", String(20), nullable=True),
    Column("detail", String(DETAIL_LENGTH), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class DeviceRow:
    """One device's last known state at its branch."""

    branch_id: str
    device_id: str
    role: str
    connected: bool
    silent: bool
    printer: str | None
    scanner: str | None
    display: str | None
    announcer: str | None
    detail: str
    updated_at: datetime


def _short(error: Exception) -> str:
    text = str(getattr(error, "orig", None) or error).strip().splitlines()
    return text[0] if text else type(error).__name__


class DeviceStatusStore:
    """The device rows on ``engine``. Thread-compatible; every call is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def put(self, row: DeviceRow) -> None:
        """Insert or replace the row of ``(row.branch_id, row.device_id)``."""
        values = {
            "branch_id": row.branch_id,
            "device_id": row.device_id,
            "role": row.role,
            "connected": row.connected,
            "silent": row.silent,
            "printer": row.printer,
            "scanner": row.scanner,
            "display": row.display,
            "announcer": row.announcer,
            "detail": row.detail[:DETAIL_LENGTH],
            "updated_at": row.updated_at,
        }
        dialect = self.engine.dialect.name
        statement: Executable
        if dialect == "postgresql":
            pg = postgresql.insert(device_status).values(values)
            statement = pg.on_conflict_do_update(
                index_elements=["branch_id", "device_id"],
                set_={k: pg.excluded[k] for k in values if k not in ("branch_id", "device_id")},
            )
        elif dialect == "sqlite":
            lite = sqlite.insert(device_status).values(values)
            statement = lite.on_conflict_do_update(
                index_elements=["branch_id", "device_id"],
                set_={k: lite.excluded[k] for k in values if k not in ("branch_id", "device_id")},
            )
        else:  # pragma: no cover - Dawr runs on SQLite and PostgreSQL only
            raise JournalError(f"device status is not supported on {dialect}")
        try:
            with self.engine.begin() as connection:
                connection.execute(statement)
        except SQLAlchemyError as error:
            raise JournalError(f"the device status could not be stored: {_short(error)}") from None

    def rows(self, branch_id: str | None = None) -> list[DeviceRow]:
        """The stored rows (of ``branch_id``, or of every branch), by branch and device id."""
        query = select(device_status).order_by(device_status.c.branch_id, device_status.c.device_id)
        if branch_id is not None:
            query = query.where(device_status.c.branch_id == branch_id)
        try:
            with self.engine.connect() as connection:
                found = connection.execute(query).mappings().all()
        except SQLAlchemyError as error:
            raise JournalError(f"the device status is unavailable: {_short(error)}") from None
        return [DeviceRow(**dict(r)) for r in found]

    def available(self) -> bool:
        """Whether this database has the ``device_status`` table (migration 0005) and, on PostgreSQL, this
        user may read it (HQ's view user is granted the tables it reads one by one)."""
        try:
            if not inspect(self.engine).has_table("device_status"):
                return False
            if self.engine.dialect.name != "postgresql":
                return True
            with self.engine.connect() as connection:
                query = text("SELECT has_table_privilege('device_status', 'SELECT')")
                return bool(connection.execute(query).scalar())
        except SQLAlchemyError as error:
            raise JournalError(f"the database is unavailable: {_short(error)}") from None
