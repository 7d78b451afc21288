"""Which server may serve a branch: the one holding the branch lock.

A hall can run a standby server next to the active one, on the same PostgreSQL database. Both start with
``BranchLock(engine, branch_id)``; the first ``acquire()`` wins and serves, the other waits in
``acquire(wait=True)``. The lock is a PostgreSQL session advisory lock held on a connection of its own, so
when the active server dies (even ``kill -9``) its session ends, PostgreSQL releases the lock, and the standby
gets it within one poll interval — then it rebuilds the state from the journal and starts serving. On SQLite
the lock is an OS file lock next to the database file (released by the kernel when the process dies), which
keeps a second server on the same file from writing at the same time.

``still_held()`` tells the active server whether it still owns the lock (false after the database restarted
and another server took over); it must then stop serving. ``HallServer`` checks it before every journal
write and on every tick (``server/net/app.py``); ``run_branch`` in ``server/net/ws.py`` waits for the lock, serves,
and goes back to waiting if the lock is lost (``LockLost``). See docs/operations.md, "Standby and fail-over".
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
import time
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from server.core.errors import JournalError


class LockLost(JournalError):
    """Another server holds this branch's lock now: this one must not write and must stop serving."""


def lock_key(branch_id: str) -> int:
    """The signed 64-bit advisory-lock key of a branch (stable across servers and restarts)."""
    digest = hashlib.sha256(f"dawr-branch:{branch_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class BranchLock:
    """The exclusive right to serve one branch. Not thread-safe; one per server process."""

    def __init__(self, engine: Engine, branch_id: str) -> None:
        self.engine = engine
        self.branch_id = branch_id
        self.key = lock_key(branch_id)
        self._connection: Connection | None = None
        self._file: IO[str] | None = None

    @property
    def kind(self) -> str:
        """ "postgresql" (advisory lock) or "file" (SQLite)."""
        return "postgresql" if self.engine.dialect.name == "postgresql" else "file"

    def acquire(
        self,
        *,
        wait: bool = False,
        poll_seconds: float = 0.5,
        timeout: float | None = None,
        stop: threading.Event | None = None,
    ) -> bool:
        """Take the lock. With ``wait``, poll until it is free (or ``timeout`` / ``stop``). Returns True
        once held; False if it was not free. Database trouble while waiting is retried, not raised."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                if self._try():
                    return True
            except JournalError:
                if not wait:
                    raise
            if (
                not wait
                or (deadline is not None and time.monotonic() >= deadline)
                or (stop and stop.is_set())
            ):
                return False
            if stop is not None:
                stop.wait(poll_seconds)
            else:
                time.sleep(poll_seconds)

    def _try(self) -> bool:
        if self.kind == "file":
            return self._try_file()
        try:
            connection = self.engine.connect()
        except SQLAlchemyError as error:
            raise JournalError(f"cannot reach the database for the branch lock: {error}") from None
        try:
            got = bool(
                connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}).scalar()
            )
            connection.commit()
        except SQLAlchemyError as error:
            connection.close()
            raise JournalError(f"cannot take the branch lock: {error}") from None
        if not got:
            connection.close()
            return False
        self._connection = connection
        return True

    def _lock_path(self) -> Path:
        database = self.engine.url.database
        if not database or database == ":memory:":
            return Path(os.environ.get("TMPDIR", "/tmp")) / f"dawr-{self.branch_id}-memory.lock"
        return Path(f"{database}.{self.branch_id}.lock")

    def _try_file(self) -> bool:
        handle = open(self._lock_path(), "a+", encoding="utf-8")  # noqa: SIM115  (held open with the lock)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return True

    def still_held(self) -> bool:
        """True while this server holds the lock (its lock session is alive and owns the key)."""
        if self.kind == "file":
            return self._file is not None
        if self._connection is None:
            return False
        try:
            owned = self._connection.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
                    "AND granted AND ((classid::bigint << 32) | objid::bigint) = (:key & x'FFFFFFFFFFFFFFFF'::bigint)"
                ),
                {"key": self.key},
            ).scalar()
            self._connection.commit()
        except SQLAlchemyError:
            self._drop_connection()
            return False
        return bool(owned)

    def release(self) -> None:
        """Give the lock up (on a clean stop); the standby takes over."""
        if self._file is not None:
            try:
                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            finally:
                self._file.close()
                self._file = None
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
                self._connection.commit()
            except SQLAlchemyError:
                pass
            self._drop_connection()

    def _drop_connection(self) -> None:
        if self._connection is not None:
            try:
                self._connection.invalidate()
                self._connection.close()
            except SQLAlchemyError:
                pass
            self._connection = None
