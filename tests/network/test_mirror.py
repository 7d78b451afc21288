"""HQ rebuilds each branch's state from the replicated journal with the same pure engine the branch runs:
the mirror at HQ equals the branch's engine, incrementally, and says when it is stale."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from server.network import replication
from server.network.mirror import BranchMirror
from server.store.journal import Journal
from tests.network.clusters import wait_until
from tests.network.conftest import Network
from tests.network.workload import SECRET, BranchDriver, branch_config

pytestmark = pytest.mark.timeout(240)


def test_hq_mirror_equals_each_branch_engine(network: Network) -> None:
    hq_journal = Journal.open(network.hq.url)
    halls = {b: BranchDriver(branch.url, b) for b, branch in network.branches.items()}
    mirrors = {b: BranchMirror(branch_config(b), hq_journal, SECRET) for b in halls}
    try:
        for round_ in range(3):
            for hall in halls.values():
                hall.run(120)
            for branch_id, hall in halls.items():
                network.wait_converged(branch_id, 30)
                applied = mirrors[branch_id].catch_up()
                assert applied, f"round {round_}: nothing new for {branch_id}"
                assert mirrors[branch_id].last_seq == hall.hall.last_seq
                assert mirrors[branch_id].engine.fingerprint() == hall.hall.engine.fingerprint()
        now = datetime.now(UTC)
        picture = mirrors["a"].picture(now)
        engine = halls["a"].hall.engine
        assert picture.branch_id == "a" and not picture.stale
        assert picture.counters_open == sum(1 for c in engine.counters.values() if c.state == "open")
        assert sum(picture.waiting.values()) == sum(
            1 for t in engine.tickets.values() if t.state == "waiting"
        )
        assert picture.served_today == sum(1 for t in engine.tickets.values() if t.state == "done") > 0
        assert picture.data_age_seconds is not None and picture.data_age_seconds < 60
        assert not {"national_id", "name", "phone"} & set(vars(picture))

        # Cut off: the mirror keeps the last state it had and is marked stale.
        network.branches["a"].cut()
        halls["a"].run(60)
        assert mirrors["a"].catch_up() == []
        stale = mirrors["a"].picture(datetime.now(UTC), connected=False)
        assert stale.stale and stale.last_seq == picture.last_seq
        network.branches["a"].restore()
        wait_until(
            lambda: bool(mirrors["a"].catch_up()) or mirrors["a"].last_seq == halls["a"].hall.last_seq,
            60,
            "mirror catches up after the cut",
        )
        network.wait_converged("a", 60)
        mirrors["a"].catch_up()
        assert mirrors["a"].engine.fingerprint() == halls["a"].hall.engine.fingerprint()
        # A mirror started late rebuilds the same state in one go.
        late = BranchMirror(branch_config("b"), hq_journal, SECRET)
        late.catch_up()
        assert late.engine.fingerprint() == halls["b"].hall.engine.fingerprint()
        assert replication.journal_digest(network.hq.url, "b").last_seq == late.last_seq
    finally:
        for hall in halls.values():
            hall.close()
        hq_journal.close()


def test_show_command_prints_each_branch_from_hq(network: Network, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    text = (root / "server" / "core" / "default_branch.toml").read_text(encoding="utf-8")
    configs = []
    for branch_id in ("a", "b"):
        path = tmp_path / f"{branch_id}.toml"
        path.write_text(text.replace('id = "hq"', f'id = "{branch_id}"', 1), encoding="utf-8")
        configs += ["--config", str(path)]
    hall = BranchDriver(network.branches["a"].url, "a")
    try:
        hall.run(41)
        network.wait_converged("a", 30)
        network.branches["b"].cut()
        wait_until(
            lambda: not replication.journal_links(network.hq.url)["b"].connected,
            30,
            "b cut",
        )
        done = subprocess.run(
            [sys.executable, "-m", "server.network", "show", "--db", network.hq.url, *configs],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        a_line, b_line = done.stdout.strip().splitlines()
        assert a_line.startswith("a (") and "counters 4 open, 0 paused" in a_line and "STALE" not in a_line
        import re

        age = re.search(r"; data (\d+) s old$", a_line)
        assert "served today" in a_line and age is not None and int(age.group(1)) < 60, a_line
        assert b_line.startswith("b (") and b_line.endswith(
            "no data — STALE (HQ is cut off from this branch)"
        )
    finally:
        hall.close()
