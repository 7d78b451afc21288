"""The branch lock that lets a standby server take over: one holder at a time, freed when the holder dies."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from server.store.journal import make_engine
from server.store.leadership import BranchLock, lock_key

HOLDER = """
import sys, time
from server.store.journal import make_engine
from server.store.leadership import BranchLock
lock = BranchLock(make_engine(sys.argv[1]), "hq")
assert lock.acquire()
print("held", flush=True)
time.sleep(120)
"""


def hold_in_another_process(url: str) -> subprocess.Popen[str]:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, url], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_keys_are_stable_and_distinct() -> None:
    assert lock_key("hq") == lock_key("hq") and lock_key("hq") != lock_key("seef")
    assert -(2**63) <= lock_key("hq") < 2**63


def test_only_one_holder_and_the_standby_takes_over_when_the_holder_is_killed(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        Path(database_url[len("sqlite:///") :]).touch()
    holder = hold_in_another_process(database_url)
    standby = BranchLock(make_engine(database_url), "hq")
    try:
        assert not standby.acquire()  # the active server has it
        assert not standby.acquire(wait=True, timeout=0.6, poll_seconds=0.1)
        other_branch = BranchLock(make_engine(database_url), "seef")
        assert other_branch.acquire()  # other branches are not blocked
        other_branch.release()
        holder.kill()  # kill -9 of the active server
        holder.wait()
        started = time.monotonic()
        assert standby.acquire(wait=True, timeout=10, poll_seconds=0.1)
        assert time.monotonic() - started < 5
        assert standby.still_held()
    finally:
        holder.kill()
        standby.release()
    assert not standby.still_held()


def test_release_hands_over_at_once(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        Path(database_url[len("sqlite:///") :]).touch()
    first = BranchLock(make_engine(database_url), "hq")
    second = BranchLock(make_engine(database_url), "hq")
    assert first.acquire()
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


@pytest.mark.postgres
def test_a_lost_lock_session_is_noticed(postgres_url: str) -> None:
    from sqlalchemy import text

    engine = make_engine(postgres_url)
    lock = BranchLock(engine, "hq")
    assert lock.acquire() and lock.still_held()
    backend = lock._connection.execute(text("SELECT pg_backend_pid()")).scalar()  # type: ignore[union-attr]
    lock._connection.commit()  # type: ignore[union-attr]
    with engine.connect() as admin:  # what a database restart does to the session
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    assert not lock.still_held()
    assert os.environ.get("DAWR_TEST_POSTGRES_URL")
