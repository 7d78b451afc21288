"""Staff accounts and login sessions, in the journal's database (tables added by migrations 0002, 0003).

``StaffStore(engine)`` (the engine of an opened ``Journal``) manages accounts — ``add``, ``set_password``,
``disable``, ``set_branches`` — and sessions: ``login`` checks a password and returns a new ``Session``
whose token is shown once (only its SHA-256 is stored); ``resume`` checks a token; ``revoke`` ends one;
``still_valid`` tells which of many sessions are still good. Database trouble raises JournalError; wrong
credentials give None.

Staff per branch: an account may work at every branch (the default, as before) or at the branches it is
granted. A store made with ``branch_id`` (the branch this server runs) refuses a login at a branch the
account is not granted with ``NotGrantedHere`` — raised only after the password proved right, so it tells
nothing to someone guessing — and its sessions stop resuming once the grant is withdrawn. In the ministry
network HQ is the source of accounts (docs/network.md); each branch receives its own rows by replication,
and a password change or a disabling made at HQ ends the branch's sessions through ``session_epoch``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, Column, DateTime, Integer, String, Table, insert, select, text, update
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from server.core.credentials import hash_password, mint_token, token_digest, verify_password
from server.core.errors import JournalError
from server.store.journal import metadata

STAFF_ROLES = ("counter", "supervisor", "admin")
USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{1,39}$")
BRANCH_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
EVERY_BRANCH = "*"

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
    Column("branches", String(800), nullable=False, server_default=EVERY_BRANCH),
    Column("session_epoch", Integer, nullable=False, server_default="0"),
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
    Column("account_epoch", Integer, nullable=False, server_default="0"),
)


class StaffError(ValueError):
    """A staff-management request that cannot be done (unknown user, duplicate, bad role)."""


class NotGrantedHere(StaffError):
    """The password was right but the account may not work at this branch (the login handler answers
    with the protocol error ``branch_not_granted``)."""

    def __init__(self, username: str, branch_id: str) -> None:
        super().__init__(f"user {username!r} may not work at branch {branch_id!r}")
        self.username = username
        self.branch_id = branch_id


@dataclass(frozen=True)
class StaffAccount:
    username: str
    display_name: str
    role: str
    disabled: bool
    branches: frozenset[str] | None = None
    """The branches the account may work at; None means every branch."""

    def may_work_at(self, branch_id: str) -> bool:
        return self.branches is None or branch_id in self.branches


def encode_branches(branches: Iterable[str] | None) -> str:
    """The stored form: '*' for every branch, else ',a,b,' (sorted; what HQ's row filter looks for)."""
    if branches is None:
        return EVERY_BRANCH
    chosen = sorted(set(branches))
    for branch in chosen:
        if not BRANCH_ID.match(branch):
            raise StaffError(f"invalid branch id {branch!r}: lower-case letters, digits and '_', 1-40 chars")
    return "," + ",".join(chosen) + "," if chosen else ","


def decode_branches(stored: str | None) -> frozenset[str] | None:
    if stored is None or stored == EVERY_BRANCH:
        return None
    return frozenset(part for part in stored.split(",") if part)


def _granted(stored: str | None, branch_id: str | None) -> bool:
    branches = decode_branches(stored)
    return branch_id is None or branches is None or branch_id in branches


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


def _refuse_on_a_replica(connection: Connection) -> None:
    """Accounts of a branch that follows HQ (a ``dawr_staff_*`` subscription, docs/network.md) are
    changed at HQ only: a local change would be overwritten, and a local account HQ also sends would
    stop the replication with a key conflict."""
    if connection.dialect.name != "postgresql":
        return
    following = connection.execute(
        text(
            "SELECT count(*) FROM pg_subscription WHERE subname LIKE 'dawr_staff_%' "
            "AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
    ).scalar()
    if following:
        raise StaffError("this branch receives its staff accounts from HQ: change them at HQ")


def _next_epoch() -> Any:
    """The SQL expression ``session_epoch + 1`` (so that a concurrent change is never lost)."""
    return staff_accounts.c.session_epoch + 1


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class StaffStore:
    """Accounts and sessions on ``engine``. Thread-compatible; every call is one short transaction."""

    def __init__(self, engine: Engine, *, scrypt_n: int | None = None, branch_id: str | None = None) -> None:
        self.engine = engine
        self.scrypt_n = scrypt_n
        self.branch_id = branch_id
        """The branch this store's server runs; None checks no grants (a standalone hall, HQ tools)."""

    def _hash(self, password: str) -> str:
        return hash_password(password, n=self.scrypt_n) if self.scrypt_n else hash_password(password)

    # ------------------------------------------------------------------------------------ accounts
    def add(
        self,
        username: str,
        password: str,
        role: str,
        display_name: str = "",
        now: datetime | None = None,
        *,
        branches: Iterable[str] | None = None,
    ) -> None:
        """Create an account that may work at ``branches`` (None: every branch); raises StaffError if the
        name is taken or invalid."""
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
            "branches": encode_branches(branches),
            "session_epoch": 0,
        }
        try:
            with self.engine.begin() as connection:
                _refuse_on_a_replica(connection)
                connection.execute(insert(staff_accounts), [row])
        except IntegrityError:
            raise StaffError(f"user {username!r} already exists") from None
        except SQLAlchemyError as problem:
            raise JournalError(f"the staff database is unavailable: {problem}") from None

    def set_password(self, username: str, password: str, now: datetime | None = None) -> None:
        """Replace a password (and end the user's sessions, here and — once replicated — at every
        branch); raises StaffError for an unknown user."""
        self._update(username, {"password_hash": self._hash(password), "session_epoch": _next_epoch()}, now)

    def disable(self, username: str, now: datetime | None = None) -> None:
        """Disable an account and end its sessions; raises StaffError for an unknown user."""
        self._update(username, {"disabled": True, "session_epoch": _next_epoch()}, now)

    def set_branches(
        self, username: str, branches: Iterable[str] | None, now: datetime | None = None
    ) -> None:
        """Let the account work at ``branches`` only (None: every branch). Its sessions at a branch no
        longer granted stop resuming; raises StaffError for an unknown user or a bad branch id."""
        self._update(username, {"branches": encode_branches(branches)}, now, revoke=False)

    def enable(self, username: str, now: datetime | None = None) -> None:
        """Enable a disabled account again."""
        self._update(username, {"disabled": False}, now, revoke=False)

    def _update(
        self, username: str, values: dict[str, object], now: datetime | None, revoke: bool = True
    ) -> None:
        now = now or datetime.now(UTC)
        try:
            with self.engine.begin() as connection:
                _refuse_on_a_replica(connection)
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
        if row is None:
            return None
        return StaffAccount(
            row.username, row.display_name, row.role, row.disabled, decode_branches(row.branches)
        )

    def _account_row(self, username: str) -> Row[Any] | None:
        try:
            with self.engine.connect() as connection:
                return connection.execute(
                    select(staff_accounts).where(staff_accounts.c.username == username)
                ).first()
        except SQLAlchemyError as problem:
            raise JournalError(f"the staff database is unavailable: {problem}") from None

    # ------------------------------------------------------------------------------------ sessions
    def login(
        self,
        username: str,
        password: str,
        counter: int | None,
        lifetime: timedelta,
        now: datetime,
        *,
        branch_id: str | None = None,
    ) -> Session | None:
        """A new session if the password is right and the account enabled, else None (same time either
        way). The returned ``token`` is the only copy. Raises NotGrantedHere when the password is right
        but the account may not work at ``branch_id`` (default: the store's branch)."""
        row = self._account_row(username)
        ok = verify_password(password, row.password_hash if row else None)
        if not ok or row is None or row.disabled:
            return None
        here = branch_id if branch_id is not None else self.branch_id
        if not _granted(row.branches, here):
            assert here is not None
            raise NotGrantedHere(username, here)
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
                            "account_epoch": row.session_epoch,
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
                staff_sessions.c.account_epoch,
                staff_accounts.c.display_name,
                staff_accounts.c.role,
                staff_accounts.c.disabled,
                staff_accounts.c.branches,
                staff_accounts.c.session_epoch,
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
        if row.account_epoch != row.session_epoch or not _granted(row.branches, self.branch_id):
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
            select(staff_sessions.c.token_sha256, staff_sessions.c.expires_at, staff_accounts.c.branches)
            .join(staff_accounts, staff_accounts.c.username == staff_sessions.c.username)
            .where(staff_sessions.c.token_sha256.in_(wanted))
            .where(staff_sessions.c.revoked.is_(False))
            .where(staff_accounts.c.disabled.is_(False))
            .where(staff_sessions.c.account_epoch == staff_accounts.c.session_epoch)
        )
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(query).all()
        except SQLAlchemyError as problem:
            raise JournalError(f"the staff database is unavailable: {problem}") from None
        return {
            digest
            for digest, expires, branches in rows
            if _utc(expires) > now and _granted(branches, self.branch_id)
        }
