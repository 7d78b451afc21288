"""Staff accounts and login sessions, in the journal's database (tables added by migration 0002).

``StaffStore(engine)`` (the engine of an opened ``Journal``) manages accounts — ``add``, ``set_password``,
``disable`` — and sessions: ``login`` checks a password and returns a new ``Session`` whose token is shown
once (only its SHA-256 is stored); ``resume`` checks a token; ``revoke`` ends one; ``still_valid`` tells
which of many sessions are still good. Database trouble raises JournalError; wrong credentials give None.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Boolean, Column, DateTime, Integer, String, Table, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from server.core.credentials import hash_password, mint_token, token_digest, verify_password
from server.core.errors import JournalError
from server.store.journal import metadata

STAFF_ROLES = ("counter", "supervisor", "admin")
USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{1,39}$")

staff_accounts = Table(
    "staff_accounts",
    metadata,
    Column("username", String(40), primary_key=True),
    Column("display_name", String(120), nullable=False),
    Column("role", String(20), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("disabled", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

staff_sessions = Table(
    "staff_sessions",
    metadata,
    Column("token_sha256", String(64), primary_key=True),
    Column("username", String(40), nullable=False, index=True),
    Column("counter", Integer, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked", Boolean, nullable=False),
)


class StaffError(ValueError):
    """A staff-management request that cannot be done (unknown user, duplicate, bad role)."""


@dataclass(frozen=True)
class StaffAccount:
    username: str
    display_name: str
    role: str
    disabled: bool


@dataclass(frozen=True)
class Session:
    """A login: ``token`` is only set right after ``login`` (it is never stored); ``digest`` identifies it."""

    username: str
    display_name: str
    role: str
    counter: int | None
    expires_at: datetime
    digest: str
    token: str = ""


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class StaffStore:
    """Accounts and sessions on ``engine``. Thread-compatible; every call is one short transaction."""

    def __init__(self, engine: Engine, *, scrypt_n: int | None = None) -> None:
        self.engine = engine
        self.scrypt_n = scrypt_n

    def _hash(self, password: str) -> str:
        return hash_password(password, n=self.scrypt_n) if self.scrypt_n else hash_password(password)

    # ------------------------------------------------------------------------------------ accounts
    def add(
        self, username: str, password: str, role: str, display_name: str = "", now: datetime | None = None
    ) -> None:
        """Create an account; raises StaffError if the name is taken or invalid."""
        if not USERNAME.match(username):
            raise StaffError(f"invalid user name {username!r}: lower-case letters, digits, '_.-', 2-40 chars")
        if role not in STAFF_ROLES:
            raise StaffError(f"unknown role {role!r} (use {', '.join(STAFF_ROLES)})")
        now = now or datetime.now(UTC)
        row = {
            "username": username,
            "display_name": display_name or username,
            "role": role,
            "password_hash": self._hash(password),
            "disabled": False,
            "created_at": now,
            "updated_at": now,
        }
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(staff_accounts), [row])
        except IntegrityError:
            raise StaffError(f"user {username!r} already exists") from None
        except SQLAlchemyError as problem:
            raise JournalError(f"the staff database is unavailable: {problem}") from None

    def set_password(self, username: str, password: str, now: datetime | None = None) -> None:
        """Replace a password (and end the user's sessions); raises StaffError for an unknown user."""
        self._update(username, {"password_hash": self._hash(password)}, now)

    def disable(self, username: str, now: datetime | None = None) -> None:
        """Disable an account and end its sessions; raises StaffError for an unknown user."""
        self._update(username, {"disabled": True}, now)

    def enable(self, username: str, now: datetime | None = None) -> None:
        """Enable a disabled account again."""
        self._update(username, {"disabled": False}, now, revoke=False)

    def _update(
        self, username: str, values: dict[str, object], now: datetime | None, revoke: bool = True
    ) -> None:
        now = now or datetime.now(UTC)
        try:
            with self.engine.begin() as connection:
                done = connection.execute(
                    update(staff_accounts)
                    .where(staff_accounts.c.username == username)
                    .values(updated_at=now, **values)
                ).rowcount
                if done and revoke:
                    connection.execute(
                        update(staff_sessions)
                        .where(staff_sessions.c.username == username)
                        .values(revoked=True)
                    )
        except SQLAlchemyError as problem:
            raise JournalError(f"the staff database is unavailable: {problem}") from None
        if not done:
            raise StaffError(f"no user {username!r}")

    def account(self, username: str) -> StaffAccount | None:
        """The account, or None."""
        row = self._account_row(username)
        return StaffAccount(row.username, row.display_name, row.role, row.disabled) if row else None

    def _account_row(self, username: str):  # type: ignore[no-untyped-def]
        try:
            with self.engine.connect() as connection:
                return connection.execute(
                    select(staff_accounts).where(staff_accounts.c.username == username)
                ).first()
        except SQLAlchemyError as problem:
            raise JournalError(f"the staff database is unavailable: {problem}") from None

    # ------------------------------------------------------------------------------------ sessions
    def login(
        self, username: str, password: str, counter: int | None, lifetime: timedelta, now: datetime
    ) -> Session | None:
        """A new session if the password is right and the account enabled, else None (same time either
        way). The returned ``token`` is the only copy."""
        row = self._account_row(username)
        ok = verify_password(password, row.password_hash if row else None)
        if not ok or row is None or row.disabled:
            return None
        token = mint_token()
        digest = token_digest(token)
        expires = now + lifetime
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    insert(staff_sessions),
                    [
                        {
                            "token_sha256": digest,
                            "username": username,
                            "counter": counter,
                            "created_at": now,
                            "expires_at": expires,
                            "revoked": False,
                        }
                    ],
                )
        except SQLAlchemyError as problem:
            raise JournalError(f"the staff database is unavailable: {problem}") from None
        return Session(username, row.display_name, row.role, counter, _utc(expires), digest, token)

    def resume(self, token: str, now: datetime) -> Session | None:
        """The live session of ``token`` (not expired, not revoked, account enabled), or None."""
        digest = token_digest(token)
        query = (
            select(
                staff_sessions.c.username,
                staff_sessions.c.counter,
                staff_sessions.c.expires_at,
                staff_sessions.c.revoked,
                staff_accounts.c.display_name,
                staff_accounts.c.role,
                staff_accounts.c.disabled,
            )
            .join(staff_accounts, staff_accounts.c.username == staff_sessions.c.username)
            .where(staff_sessions.c.token_sha256 == digest)
        )
        try:
            with self.engine.connect() as connection:
                row = connection.execute(query).first()
        except SQLAlchemyError as problem:
            raise JournalError(f"the staff database is unavailable: {problem}") from None
        if row is None or row.revoked or row.disabled or _utc(row.expires_at) <= now:
            return None
        return Session(row.username, row.display_name, row.role, row.counter, _utc(row.expires_at), digest)

    def rebind(self, digest: str, counter: int | None) -> None:
        """Remember the counter a session is now bound to (used when it resumes)."""
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    update(staff_sessions)
                    .where(staff_sessions.c.token_sha256 == digest)
                    .values(counter=counter)
                )
        except SQLAlchemyError as problem:
            raise JournalError(f"the staff database is unavailable: {problem}") from None

    def revoke(self, digest: str) -> None:
        """End one session."""
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    update(staff_sessions).where(staff_sessions.c.token_sha256 == digest).values(revoked=True)
                )
        except SQLAlchemyError as problem:
            raise JournalError(f"the staff database is unavailable: {problem}") from None

    def still_valid(self, digests: Iterable[str], now: datetime) -> set[str]:
        """Which of these session digests are still live (one query)."""
        wanted = list(digests)
        if not wanted:
            return set()
        query = (
            select(staff_sessions.c.token_sha256, staff_sessions.c.expires_at)
            .join(staff_accounts, staff_accounts.c.username == staff_sessions.c.username)
            .where(staff_sessions.c.token_sha256.in_(wanted))
            .where(staff_sessions.c.revoked.is_(False))
            .where(staff_accounts.c.disabled.is_(False))
        )
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(query).all()
        except SQLAlchemyError as problem:
            raise JournalError(f"the staff database is unavailable: {problem}") from None
        return {digest for digest, expires in rows if _utc(expires) > now}
