"""Upgrades with replication running, in the order docs/network.md gives (HQ first, then each branch):
the upgrade check refuses a branch ahead of its HQ, and an additive schema change applied in that order
loses nothing — the staff link pauses until the branch has the new column, then catches up."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from server.network.replication import head_revision
from tests.network.clusters import wait_until
from tests.network.conftest import Network
from tests.network.test_staff import accounts, store
from tests.network.workload import BranchDriver

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(240)


def upgrade_check(url: str) -> tuple[int, str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "server.network", "upgrade-check", "--db", url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode, done.stdout, done.stderr


def sql(url: str, statement: str) -> None:
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(statement)


def test_upgrade_check_wants_hq_first(network: Network) -> None:
    head = head_revision()
    a = network.branches["a"].url
    code, out, _ = upgrade_check(network.hq.url)
    assert code == 0 and out.startswith("this is HQ for branch(es) a, b: upgrade HQ first")
    code, out, _ = upgrade_check(a)
    assert code == 0 and out.strip() == f"this is branch a: HQ is already at revision {head}"
    sql(network.hq.url, "UPDATE alembic_version SET version_num = '0002'")  # as if HQ ran the old release
    code, out, err = upgrade_check(a)
    assert code == 2 and out == ""
    assert err.strip() == (
        f"dawr: upgrade HQ first: HQ's schema is at revision 0002, this Dawr's is {head} "
        "(DDL is not replicated; subscribers first, see docs/network.md)"
    )
    sql(network.hq.url, f"UPDATE alembic_version SET version_num = '{head}'")
    network.branches["a"].cut()
    code, out, _ = upgrade_check(a)
    assert code == 0 and "HQ is unreachable" in out


def test_an_additive_migration_in_the_documented_order_loses_nothing(network: Network) -> None:
    """A future migration adding a column to both directions' tables, applied as raw DDL here."""
    a_url = network.branches["a"].url
    hall = BranchDriver(a_url, "a")
    hq = store(network.hq.url)
    try:
        hall.run(50)
        # 1. HQ first.
        sql(network.hq.url, "ALTER TABLE journal_events ADD COLUMN note text")
        sql(network.hq.url, "ALTER TABLE staff_accounts ADD COLUMN phone_ext text")
        hall.run(50)  # the branch, not yet upgraded, keeps publishing into HQ's wider table
        network.wait_converged("a", 30)
        hq.add("layla", "password-1", "counter", branches=["a"])  # a row HQ sends with the new column
        time.sleep(3)
        assert "layla" not in accounts(a_url), "the branch cannot apply a column it does not have yet"
        # 2. Then the branch: the paused staff link resumes by itself, nothing lost.
        sql(a_url, "ALTER TABLE journal_events ADD COLUMN note text")
        sql(a_url, "ALTER TABLE staff_accounts ADD COLUMN phone_ext text")
        wait_until(lambda: "layla" in accounts(a_url), 60, "the staff link resumes after the branch upgrade")
        hall.run(50)
        network.wait_converged("a", 30)
        assert hall.refused == 0
    finally:
        hall.close()
