"""Staff per branch: grants in the store (SQLite and replicated PostgreSQL), HQ as the source of accounts,
and a change made at HQ during a WAN cut reaching the branch after the link returns, not before."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from sqlalchemy import text

from server.store.journal import MIGRATIONS, Journal, make_engine
from server.store.staff import NotGrantedHere, StaffError, StaffStore
from tests.network.clusters import wait_until
from tests.network.conftest import Network

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
FAST = 2**12  # scrypt cost for tests


def store(url: str, branch_id: str | None = None) -> StaffStore:
    return StaffStore(Journal.open(url).engine, scrypt_n=FAST, branch_id=branch_id)


def test_grants_decide_where_a_clerk_may_log_in(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    admin = store(url)
    admin.add("nour", "password-1", "counter", "Nour", branches=["seef", "jidali"])
    admin.add("boss", "password-2", "supervisor")  # no grants named: every branch, as before
    seef, danat = store(url, "seef"), store(url, "danat")

    assert admin.account("nour").branches == frozenset({"seef", "jidali"})  # type: ignore[union-attr]
    assert admin.account("boss").branches is None  # type: ignore[union-attr]
    assert seef.login("nour", "password-1", 3, HOUR, NOW) is not None
    with pytest.raises(NotGrantedHere) as refused:
        danat.login("nour", "password-1", 3, HOUR, NOW)
    assert str(refused.value) == "user 'nour' may not work at branch 'danat'"
    assert (refused.value.username, refused.value.branch_id) == ("nour", "danat")
    assert danat.login("nour", "wrong-password", 3, HOUR, NOW) is None  # a guess learns nothing
    assert danat.login("boss", "password-2", None, HOUR, NOW) is not None
    assert admin.login("nour", "password-1", 3, HOUR, NOW) is not None  # a store of no branch checks none

    session = seef.login("nour", "password-1", 3, HOUR, NOW)
    assert session is not None
    assert seef.resume(session.token, NOW) is not None
    admin.set_branches("nour", ["jidali"])  # withdrawn from seef: the session there ends
    assert seef.resume(session.token, NOW) is None
    assert seef.still_valid([session.digest], NOW) == set()
    admin.set_branches("nour", None)
    assert seef.resume(session.token, NOW) is not None
    with pytest.raises(StaffError, match="invalid branch id 'Seef'"):
        admin.set_branches("nour", ["Seef"])
    with pytest.raises(StaffError, match="no user 'ghost'"):
        admin.set_branches("ghost", ["seef"])


def test_login_with_an_explicit_branch_refuses_an_ungranted_one(tmp_path: Path) -> None:
    admin = store(f"sqlite:///{tmp_path / 'hall.db'}")
    admin.add("nour", "password-1", "counter", branches=["seef"])
    with pytest.raises(NotGrantedHere):
        admin.login("nour", "password-1", 3, HOUR, NOW, branch_id="danat")


def test_password_change_ends_sessions_through_the_epoch(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    admin, seef = store(url), store(url, "seef")
    admin.add("nour", "password-1", "counter")
    session = seef.login("nour", "password-1", 3, HOUR, NOW)
    assert session is not None
    # As replication does at a branch: the account row changes, the branch's own session rows do not.
    with admin.engine.begin() as db:
        db.execute(
            text("UPDATE staff_accounts SET session_epoch = session_epoch + 1 WHERE username = 'nour'")
        )
    assert seef.resume(session.token, NOW) is None
    assert seef.still_valid([session.digest], NOW) == set()
    again = seef.login("nour", "password-1", 3, HOUR, NOW)
    assert again is not None and seef.resume(again.token, NOW) is not None


def test_migration_0003_keeps_existing_accounts_working_everywhere(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        alembic_command.upgrade(config, "0002")
    from server.core.credentials import hash_password

    with engine.begin() as connection:  # a row as the previous release wrote it
        connection.execute(
            text("INSERT INTO staff_accounts VALUES ('nour', 'Nour', 'counter', :h, false, :t, :t)"),
            {"h": hash_password("password-1", n=FAST), "t": NOW},
        )
    engine.dispose()
    upgraded = store(url, "seef")  # Journal.open migrates to head
    account = upgraded.account("nour")
    assert account is not None and account.branches is None and account.may_work_at("anywhere")
    assert upgraded.login("nour", "password-1", 3, HOUR, NOW) is not None


def accounts(url: str) -> set[str]:
    with make_engine(url).connect() as db:
        return {r[0] for r in db.execute(text("SELECT username FROM staff_accounts")).all()}


@pytest.mark.timeout(240)
def test_hq_is_the_source_of_staff_and_each_branch_gets_its_own(network: Network) -> None:
    hq = store(network.hq.url)
    a_url, b_url = network.branches["a"].url, network.branches["b"].url
    hq.add("nour", "password-1", "counter", branches=["a"])
    hq.add("omar", "password-2", "counter", branches=["b"])
    hq.add("boss", "password-3", "supervisor")
    wait_until(
        lambda: accounts(a_url) == {"nour", "boss"} and accounts(b_url) == {"omar", "boss"}, 30, "staff"
    )
    at_a, at_b = store(a_url, "a"), store(b_url, "b")
    # A following branch cannot change accounts itself (it would conflict with HQ's rows).
    with pytest.raises(
        StaffError, match="this branch receives its staff accounts from HQ: change them at HQ"
    ):
        at_a.add("local", "password-0", "counter")
    with pytest.raises(StaffError, match="change them at HQ"):
        at_a.set_password("nour", "password-x")
    session = at_a.login("nour", "password-1", 3, HOUR, NOW)
    assert session is not None
    assert at_b.login("nour", "password-1", 3, HOUR, NOW) is None  # not even known at b

    # A password changed at HQ ends nour's session at a (the epoch replicates; sessions do not).
    hq.set_password("nour", "password-9")
    wait_until(lambda: at_a.resume(session.token, NOW) is None, 30, "session ended at a")
    assert at_a.login("nour", "password-9", 3, HOUR, NOW) is not None

    # Moving nour from a to b at HQ moves the account.
    hq.set_branches("nour", ["b"])
    wait_until(lambda: accounts(a_url) == {"boss"} and "nour" in accounts(b_url), 30, "grant moved")
    assert at_b.login("nour", "password-9", 3, HOUR, NOW) is not None

    # The grant command at HQ, for the operators.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "server.network",
            "grant",
            "--db",
            network.hq.url,
            "omar",
            "--branches",
            "a,b",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout.strip() == "omar may work at a, b", done.stderr
    wait_until(lambda: "omar" in accounts(a_url), 30, "omar granted at a")
    done = subprocess.run(
        [sys.executable, "-m", "server.network", "grant", "--db", network.hq.url, "ghost", "--every-branch"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and done.stderr.strip() == "dawr: no user 'ghost'"


@pytest.mark.timeout(240)
def test_a_staff_change_at_hq_during_a_cut_reaches_the_branch_after_it_not_before(network: Network) -> None:
    from tests.network.workload import BranchDriver

    hq = store(network.hq.url)
    a_url, b_url = network.branches["a"].url, network.branches["b"].url
    hq.add("nour", "password-1", "counter", branches=["a", "b"])
    wait_until(lambda: "nour" in accounts(a_url) and "nour" in accounts(b_url), 30, "staff")
    at_a = store(a_url, "a")
    session = at_a.login("nour", "password-1", 3, HOUR, NOW)
    assert session is not None

    network.branches["a"].cut()
    hall = BranchDriver(a_url, "a")
    try:
        hq.add("layla", "password-2", "counter", branches=["a", "b"])
        hq.disable("nour")
        # b, whose link is up, gets both changes within seconds ...
        wait_until(lambda: "layla" in accounts(b_url), 30, "layla at b")
        # ... while a, cut off, keeps its old staff and keeps serving.
        hall.run(200)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            assert "layla" not in accounts(a_url), "HQ's change reached a through a cut link"
            assert at_a.resume(session.token, NOW) is not None
            time.sleep(0.2)
        assert hall.refused == 0
        network.branches["a"].restore()
        started = time.monotonic()
        wait_until(lambda: "layla" in accounts(a_url), 60, "layla at a after the cut")
        wait_until(lambda: at_a.resume(session.token, NOW) is None, 30, "nour disabled at a")
        print(f"\nstaff change reached branch a {time.monotonic() - started:.1f} s after the link returned")
        assert at_a.login("layla", "password-2", 4, HOUR, NOW) is not None
        network.wait_converged("a", 60)
    finally:
        hall.close()
