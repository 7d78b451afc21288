"""``dawr network``: every mistake gives one clear line on stderr, exit code 2, no traceback, and changes
nothing in any database; the happy paths and ``status`` output."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from tests.network.clusters import PgCluster, free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(240)


def dawr(*args: str) -> tuple[int, str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "server.network", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    return done.returncode, done.stdout, done.stderr


def refused(*args: str) -> str:
    """Run a command that must fail cleanly; returns its one line."""
    code, out, err = dawr(*args)
    assert code == 2, (code, out, err)
    assert "Traceback" not in err and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dawr: "), err
    return lines[0]


def state(url: str) -> dict[str, list[str]]:
    """Everything a network command could have changed in a cluster."""
    with psycopg.connect(url, autocommit=True) as db:

        def names(query: str) -> list[str]:
            return sorted(str(r[0]) for r in db.execute(query).fetchall())

        return {
            "publications": names("SELECT pubname FROM pg_publication"),
            "subscriptions": names("SELECT subname FROM pg_subscription"),
            "slots": names("SELECT slot_name FROM pg_replication_slots"),
            "tables": names("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"),
            "roles": names("SELECT rolname FROM pg_roles WHERE rolname NOT LIKE 'pg_%'"),
        }


def synced(hq_url: str) -> bool:
    """Every table of HQ's subscriptions past its initial copy (whose table-sync slots are temporary:
    a ``state`` taken meanwhile would list one that vanishes by itself)."""
    with psycopg.connect(hq_url, autocommit=True) as db:
        row = db.execute("SELECT count(*) FROM pg_subscription_rel WHERE srsubstate <> 'r'").fetchone()
    return row is not None and row[0] == 0


def test_setup_commands_and_status(make_cluster: Callable[..., PgCluster]) -> None:
    hq, a = make_cluster("hq"), make_cluster("a")
    code, out, err = dawr("init-hq", "--db", hq.url)
    assert code == 0 and "revision" in out, err
    code, out, err = dawr("init-branch", "--db", a.url, "--branch", "a")
    assert code == 0 and "publication dawr_journal_a created" in out, err
    code, out, _ = dawr("init-branch", "--db", a.url, "--branch", "a")  # again: nothing to do
    assert code == 0 and "already exists" in out
    code, out, err = dawr("add-branch", "--db", hq.url, "--branch", "a", "--branch-url", a.url)
    assert code == 0 and "HQ subscribes to branch a" in out, err
    code, out, err = dawr("follow-hq", "--db", a.url, "--branch", "a", "--hq-url", hq.url)
    assert code == 0 and "follows HQ" in out, err

    def up() -> bool:
        code, out, _ = dawr("status", "--db", hq.url, "--json")
        return code == 0 and json.loads(out)[0]["connected"]

    wait_until(up, 60, "HQ's link to branch a", interval=0.5)
    code, out, _ = dawr("status", "--db", hq.url)
    assert code == 0
    assert (
        out.startswith("branch a: connected, lag 0.0 s / 0 events, 0 events at HQ") and "WAL retained" in out
    )
    code, out, _ = dawr("status", "--db", a.url, "--check")
    assert out.startswith("staff from HQ to branch a:")
    code, out, _ = dawr("verify", "--db", hq.url, "--branch", "a", "--branch-url", a.url)
    assert code == 0 and "identical" in out

    # A link that is down shows as such, and --check makes monitoring notice.
    a.stop()
    code, out, _ = dawr("status", "--db", hq.url, "--check")
    assert code == 1 and "publisher unreachable" in out and "WARNING: branch a is not connected" in out
    a.start()
    code, out, _ = dawr("remove-branch", "--db", hq.url, "--branch", "a")
    assert code == 0 and "no longer subscribes" in out
    assert state(hq.url)["subscriptions"] == [] and "dawr_journal_a" not in state(a.url)["slots"]


def test_wrong_urls(make_cluster: Callable[..., PgCluster]) -> None:
    hq, a = make_cluster("hq"), make_cluster("a")
    assert dawr("init-branch", "--db", a.url, "--branch", "a")[0] == 0
    before = state(hq.url), state(a.url)
    nowhere = f"postgresql://postgres@127.0.0.1:{free_port()}/postgres"
    line = refused("add-branch", "--db", hq.url, "--branch", "a", "--branch-url", nowhere)
    assert line.startswith(f"dawr: cannot connect to the branch database {nowhere}:")
    line = refused("add-branch", "--db", nowhere, "--branch", "a", "--branch-url", a.url)
    assert line.startswith("dawr: cannot connect to the HQ database")
    line = refused("init-branch", "--db", "sqlite:///tmp/x.db", "--branch", "a")
    assert "is not a PostgreSQL URL" in line
    line = refused(
        "add-branch", "--db", hq.url, "--branch", "a", "--branch-url", a.url.rsplit("/", 1)[0] + "/nodb"
    )
    assert 'database "nodb" does not exist' in line
    password_url = f"postgresql://postgres:secret@127.0.0.1:{free_port()}/postgres"
    line = refused("status", "--db", password_url)
    assert "secret" not in line and "***" in line
    line = refused("init-branch", "--db", a.url, "--branch", "A-1")
    assert "invalid branch id 'A-1'" in line
    assert (state(hq.url), state(a.url)) == before


def test_wal_level_not_logical(make_cluster: Callable[..., PgCluster]) -> None:
    plain = make_cluster("plain", wal_level="replica")
    hq = make_cluster("hq")
    before = state(plain.url)
    line = refused("init-branch", "--db", plain.url, "--branch", "a")
    assert line == (
        "dawr: the branch database has wal_level = replica; set wal_level = logical in postgresql.conf "
        "and restart PostgreSQL"
    )
    line = refused("init-hq", "--db", plain.url)
    assert "the HQ database has wal_level = replica" in line
    assert state(plain.url) == before  # not even the schema was created
    assert refused("add-branch", "--db", hq.url, "--branch", "a", "--branch-url", plain.url).endswith(
        "restart PostgreSQL"
    )
    assert state(hq.url)["subscriptions"] == []


def test_missing_privileges(make_cluster: Callable[..., PgCluster]) -> None:
    hq, a = make_cluster("hq"), make_cluster("a")
    for cluster in (hq, a):
        with psycopg.connect(cluster.url, autocommit=True) as db:
            db.execute("CREATE ROLE clerk LOGIN")
    before = state(a.url)
    clerk_a = a.url.replace("postgres@", "clerk@")
    line = refused("init-branch", "--db", clerk_a, "--branch", "a")
    assert line == "dawr: user 'clerk' of the branch database lacks REPLICATION, CREATE on the database"
    assert state(a.url) == before
    assert dawr("init-branch", "--db", a.url, "--branch", "a")[0] == 0
    line = refused(
        "add-branch", "--db", hq.url.replace("postgres@", "clerk@"), "--branch", "a", "--branch-url", a.url
    )
    assert (
        line == "dawr: user 'clerk' of the HQ database is not a superuser, which creating subscriptions needs"
    )
    line = refused("add-branch", "--db", hq.url, "--branch", "a", "--branch-url", clerk_a)
    assert "user 'clerk' of the branch database lacks REPLICATION" in line
    assert state(hq.url)["subscriptions"] == [] and state(a.url)["slots"] == []


def test_branch_id_mismatch(make_cluster: Callable[..., PgCluster], tmp_path: Path) -> None:
    hq, a = make_cluster("hq"), make_cluster("a")
    assert dawr("init-branch", "--db", a.url, "--branch", "a")[0] == 0
    before = state(hq.url), state(a.url)
    line = refused("add-branch", "--db", hq.url, "--branch", "b", "--branch-url", a.url)
    assert line == f"dawr: branch id mismatch: the database at {a.url} publishes branch 'a', not 'b'"
    line = refused("init-branch", "--db", a.url, "--branch", "b")
    assert line == "dawr: branch id mismatch: this database already publishes branch 'a', not 'b'"
    config = tmp_path / "seef.toml"
    text = (ROOT / "server" / "core" / "default_branch.toml").read_text(encoding="utf-8")
    config.write_text(text.replace('id = "hq"', 'id = "seef"', 1), encoding="utf-8")
    line = refused("init-branch", "--db", a.url, "--branch", "a", "--config", str(config))
    assert line == f"dawr: branch id mismatch: --branch a but {config} is branch seef"
    assert (state(hq.url), state(a.url)) == before
    # A database whose journal belongs to another branch.
    other = make_cluster("other")
    from tests.network.workload import BranchDriver

    driver = BranchDriver(other.url, "jidali")
    driver.run(4)
    driver.close()
    line = refused("init-branch", "--db", other.url, "--branch", "seef")
    assert line == "dawr: branch id mismatch: this database's journal holds branch jidali, not 'seef'"
    assert state(other.url)["publications"] == []
    line = refused("add-branch", "--db", hq.url, "--branch", "jidali", "--branch-url", other.url)
    assert "publishes no branch journal: run `dawr network init-branch --branch jidali`" in line


def test_slot_already_in_use_and_branch_already_added(make_cluster: Callable[..., PgCluster]) -> None:
    hq, hq2, a = make_cluster("hq"), make_cluster("hq2"), make_cluster("a")
    assert dawr("init-branch", "--db", a.url, "--branch", "a")[0] == 0
    assert dawr("add-branch", "--db", hq.url, "--branch", "a", "--branch-url", a.url)[0] == 0
    wait_until(lambda: state(a.url)["slots"] == ["dawr_journal_a"], 30, "slot")
    before = state(hq.url), state(hq2.url), state(a.url)
    line = refused("add-branch", "--db", hq2.url, "--branch", "a", "--branch-url", a.url)
    assert line.startswith("dawr: replication slot dawr_journal_a already exists on the branch, in use")
    line = refused("add-branch", "--db", hq.url, "--branch", "a", "--branch-url", a.url)
    assert line == "dawr: branch 'a' is already added at HQ (subscription dawr_journal_a)"
    line = refused("follow-hq", "--db", a.url, "--branch", "a", "--hq-url", hq2.url)
    assert "HQ publishes no staff accounts for branch 'a'" in line
    assert (state(hq.url), state(hq2.url), state(a.url)) == before


def test_hq_already_holding_a_copy_needs_replace_copy(make_cluster: Callable[..., PgCluster]) -> None:
    from server.network import replication
    from tests.network.workload import BranchDriver

    hq, a = make_cluster("hq"), make_cluster("a")
    driver = BranchDriver(a.url, "a")
    driver.run(20)
    assert dawr("init-branch", "--db", a.url, "--branch", "a")[0] == 0
    assert dawr("add-branch", "--db", hq.url, "--branch", "a", "--branch-url", a.url)[0] == 0
    wait_until(
        lambda: replication.journal_digest(hq.url, "a") == replication.journal_digest(a.url, "a"), 30, "copy"
    )
    assert dawr("remove-branch", "--db", hq.url, "--branch", "a")[0] == 0
    driver.run(20)
    driver.close()
    before = state(hq.url), state(a.url)
    line = refused("add-branch", "--db", hq.url, "--branch", "a", "--branch-url", a.url)
    held = replication.journal_digest(hq.url, "a").count
    assert line == (
        f"dawr: HQ already holds {held} events of branch 'a'; add --replace-copy to replace them by a fresh "
        "copy of the branch's journal"
    )
    assert (state(hq.url), state(a.url)) == before
    code, out, _ = dawr(
        "add-branch", "--db", hq.url, "--branch", "a", "--branch-url", a.url, "--replace-copy"
    )
    assert code == 0 and f"previous copy ({held} events) was replaced" in out
    wait_until(
        lambda: replication.journal_digest(hq.url, "a") == replication.journal_digest(a.url, "a"),
        30,
        "recopy",
    )


def test_restore_branch_refusals(make_cluster: Callable[..., PgCluster]) -> None:
    from tests.network.workload import BranchDriver

    hq, a, fresh = make_cluster("hq"), make_cluster("a"), make_cluster("fresh")
    driver = BranchDriver(a.url, "a")
    driver.run(10)
    driver.close()
    assert dawr("init-branch", "--db", a.url, "--branch", "a")[0] == 0
    assert dawr("add-branch", "--db", hq.url, "--branch", "a", "--branch-url", a.url)[0] == 0
    wait_until(lambda: synced(hq.url) and state(a.url)["slots"] == ["dawr_journal_a"], 30, "initial copy")
    before = state(hq.url), state(a.url), state(fresh.url)
    line = refused("restore-branch", "--db", fresh.url, "--branch", "a", "--hq-url", hq.url)
    assert line == (
        "dawr: HQ still subscribes to branch 'a': run `dawr network remove-branch --branch a` at HQ first"
    )
    line = refused("restore-branch", "--db", a.url, "--branch", "a", "--hq-url", hq.url)
    assert line.startswith("dawr: this database already holds ") and "restore only into an empty" in line
    line = refused("restore-branch", "--db", fresh.url, "--branch", "zz", "--hq-url", hq.url)
    assert line == "dawr: HQ holds no events of branch 'zz'"
    assert (state(hq.url), state(a.url), state(fresh.url)) == before
