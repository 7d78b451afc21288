"""The branch registry: the Arabic and English name of each branch a database knows (migration 0004).

At HQ the ``branches`` table names every branch whose journal HQ receives, so that reports and the HQ
view say the branch's name (e.g. "Seef branch") rather than ``seef``; ``dawr network add-branch`` fills
it from the branch's configuration. It is **not replicated** (no publication carries it): each database keeps its
own. A standalone hall may hold its own row, filled from its configuration (``put_config``).

``BranchRegistry(engine)`` (the engine of an opened ``Journal``): ``put`` adds or renames a branch,
``get`` gives one ``BranchName`` or None, ``names`` gives them all, ``remove`` forgets one. A bad id or
name raises ``BranchError`` (one line); database trouble raises ``JournalError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, String, Table, delete, insert, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from server.core.config import BranchConfig
from server.core.errors import JournalError
from server.store.journal import metadata

BRANCH_ID = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
"""The branch ids a configuration may give (``[branch] id``)."""
NAME_LENGTH = 120
JOURNAL_SUBSCRIPTION = "dawr_journal_"
"""HQ's subscription to a branch's journal is this prefix and the branch id (server/network)."""

branches = Table(
    "branches",
    metadata,
    Column("branch_id", String(40), primary_key=True),
    Column("name_ar", String(NAME_LENGTH), nullable=False),
    Column("name_en", String(NAME_LENGTH), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)


class BranchError(ValueError):
    """A registry request that cannot be done (bad branch id, empty or too long name); one line."""


@dataclass(frozen=True)
class BranchName:
    """A branch's id and its names in both languages."""

    branch_id: str
    name_ar: str
    name_en: str


def check_branch_id(branch_id: str) -> str:
    """``branch_id`` if it is a valid branch id, else BranchError."""
    if not isinstance(branch_id, str) or not BRANCH_ID.match(branch_id):
        raise BranchError(
            f"invalid branch id {branch_id!r}: a lower-case letter, then letters, digits, '_' or '-' "
            "(1-40 characters)"
        )
    return branch_id


def _check_name(value: str, which: str, branch_id: str) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not name:
        raise BranchError(f"branch {branch_id!r}: the {which} name is empty")
    if len(name) > NAME_LENGTH:
        raise BranchError(f"branch {branch_id!r}: the {which} name is longer than {NAME_LENGTH} characters")
    if "\n" in name or "\r" in name:
        raise BranchError(f"branch {branch_id!r}: the {which} name must be one line")
    return name


class BranchRegistry:
    """The branch names on ``engine``. Thread-compatible; every call is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def put(self, branch_id: str, name_ar: str, name_en: str, now: datetime | None = None) -> BranchName:
        """Add the branch or rename it (both names replaced); returns what is stored."""
        check_branch_id(branch_id)
        entry = BranchName(
            branch_id, _check_name(name_ar, "Arabic", branch_id), _check_name(name_en, "English", branch_id)
        )
        values = {"name_ar": entry.name_ar, "name_en": entry.name_en, "updated_at": now or datetime.now(UTC)}
        for _attempt in range(2):
            try:
                with self.engine.begin() as connection:
                    done = connection.execute(
                        update(branches).where(branches.c.branch_id == branch_id).values(**values)
                    ).rowcount
                    if not done:
                        connection.execute(insert(branches), [{"branch_id": branch_id, **values}])
                return entry
            except IntegrityError:
                continue  # someone inserted it meanwhile: update it now
            except SQLAlchemyError as problem:
                raise JournalError(f"the branch registry is unavailable: {_short(problem)}") from None
        raise JournalError(f"could not store the names of branch {branch_id!r}")  # pragma: no cover

    def put_config(self, config: BranchConfig, now: datetime | None = None) -> BranchName:
        """Store the names ``[branch]`` of a branch configuration gives."""
        info = config.branch
        return self.put(info.id, info.name_ar, info.name_en, now)

    def get(self, branch_id: str) -> BranchName | None:
        """The branch's names, or None when the registry does not know it."""
        check_branch_id(branch_id)
        try:
            with self.engine.connect() as connection:
                row = connection.execute(select(branches).where(branches.c.branch_id == branch_id)).first()
        except SQLAlchemyError as problem:
            raise JournalError(f"the branch registry is unavailable: {_short(problem)}") from None
        return None if row is None else BranchName(row.branch_id, row.name_ar, row.name_en)

    def names(self) -> dict[str, BranchName]:
        """Every known branch, by id (in id order)."""
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(select(branches).order_by(branches.c.branch_id)).all()
        except SQLAlchemyError as problem:
            raise JournalError(f"the branch registry is unavailable: {_short(problem)}") from None
        return {row.branch_id: BranchName(row.branch_id, row.name_ar, row.name_en) for row in rows}

    def remove(self, branch_id: str) -> bool:
        """Forget the branch's names; False when it was not known."""
        check_branch_id(branch_id)
        try:
            with self.engine.begin() as connection:
                done = connection.execute(delete(branches).where(branches.c.branch_id == branch_id)).rowcount
        except SQLAlchemyError as problem:
            raise JournalError(f"the branch registry is unavailable: {_short(problem)}") from None
        return bool(done)


def receives_branch_journals(engine: Engine) -> list[str]:
    """The branches whose journal this database receives by subscription (HQ's ``dawr_journal_<id>``,
    docs/network.md), in id order; [] for SQLite, a branch or a database that cannot tell."""
    if engine.dialect.name != "postgresql":
        return []
    try:
        with engine.connect() as connection:
            names = connection.execute(
                text(
                    "SELECT subname FROM pg_subscription WHERE subname LIKE 'dawr_journal_%' "
                    "AND subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
                )
            ).scalars()
            return sorted(str(name)[len(JOURNAL_SUBSCRIPTION) :] for name in names)
    except SQLAlchemyError:
        return []


def _short(error: Exception) -> str:
    text = str(getattr(error, "orig", None) or error).strip().splitlines()
    return text[0] if text else type(error).__name__
