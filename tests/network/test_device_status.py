"""Device status to HQ by the same logical replication as the journal (migration 0005): a branch's
``device_status`` rows (inserts and updates) reach HQ through its journal publication and row filter, the
HQ view's feed lists the alerts per branch, and a branch published before 0005 gains the table by
``init-branch`` + ``refresh-branch``. The journal itself is untouched."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import psycopg
import pytest

from server.network import replication
from server.network.hq import PERSONAL_FIELDS
from server.store.devices import DeviceRow, DeviceStatusStore
from server.store.journal import make_engine
from tests.network.clusters import PgCluster, wait_until
from tests.network.conftest import Network
from tests.network.hq_client import Feed, add_hq_staff, branch_of, login, running_view, session_cookie
from tests.network.workload import BranchDriver

pytestmark = pytest.mark.timeout(240)


def _row(branch_id: str, device_id: str, **fields: object) -> DeviceRow:
    values: dict[str, object] = {
        "role": "board" if device_id.startswith("board") else "kiosk",
        "connected": True,
        "silent": False,
        "printer": None,
        "scanner": None,
        "display": None,
        "announcer": None,
        "detail": "",
        "updated_at": datetime.now(UTC),
    }
    values.update(fields)
    return DeviceRow(branch_id=branch_id, device_id=device_id, **values)  # type: ignore[arg-type]


def _put(url: str, *rows: DeviceRow) -> None:
    engine = make_engine(url)
    try:
        store = DeviceStatusStore(engine)
        for row in rows:
            store.put(row)
    finally:
        engine.dispose()


def _at(url: str) -> dict[tuple[str, str], tuple[object, ...]]:
    with psycopg.connect(url, autocommit=True) as db:
        rows = db.execute(
            "SELECT branch_id, device_id, connected, silent, printer, scanner, detail FROM device_status"
        ).fetchall()
    return {(r[0], r[1]): tuple(r[2:]) for r in rows}


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_device_status_reaches_hq_and_the_feed_lists_the_alerts(network: Network) -> None:
    a, b = network.branches["a"].url, network.branches["b"].url
    _put(
        a,
        _row("a", "kiosk-1", printer="error", scanner="ok", detail="printer paper_out"),
        _row("a", "board-1", silent=True, display="ok", announcer="ok"),
        _row("zz", "kiosk-9", connected=False),  # not branch a's: the row filter keeps it at the branch
    )
    _put(b, _row("b", "kiosk-1", printer="ok", scanner="ok"))
    wait_until(lambda: len(_at(network.hq.url)) == 3, 30, "device rows at HQ")
    at_hq = _at(network.hq.url)
    assert at_hq[("a", "kiosk-1")] == (True, False, "error", "ok", "printer paper_out")
    assert at_hq[("a", "board-1")][:2] == (True, True)
    assert ("zz", "kiosk-9") not in at_hq and ("b", "kiosk-1") in at_hq

    hall = BranchDriver(a, "a")
    try:
        hall.run(5)
        network.wait_converged("a", 30)  # the journal goes on as before, beside the device rows
        add_hq_staff(network.hq.url)
        with running_view(network.hq.url, ["a", "b"]) as view:
            feed = Feed(view.url, session_cookie(login(view.url, "sup")))
            data = feed.until(lambda d: len(branch_of(d, "a")["device_alerts"] or []) == 2, 30)
            assert branch_of(data, "a")["device_alerts"] == [
                {"device": "board-1", "role": "board", "part": "connection", "state": "silent", "detail": ""},
                {
                    "device": "kiosk-1",
                    "role": "kiosk",
                    "part": "printer",
                    "state": "error",
                    "detail": "printer paper_out",
                },
            ]
            assert branch_of(data, "b")["device_alerts"] == []
            assert not _keys(data) & set(PERSONAL_FIELDS)

            # An update at the branch (the upsert) replicates too: the printer fixed, the board back,
            # a kiosk gone.
            _put(
                a,
                _row("a", "kiosk-1", printer="ok", scanner="ok", detail="printer ready"),
                _row("a", "board-1", display="ok", announcer="ok"),
            )
            _put(b, _row("b", "kiosk-1", connected=False, printer="ok", scanner="ok"))
            data = feed.until(
                lambda d: branch_of(d, "a")["device_alerts"] == [] and branch_of(d, "b")["device_alerts"], 30
            )
            assert branch_of(data, "b")["device_alerts"] == [
                {
                    "device": "kiosk-1",
                    "role": "kiosk",
                    "part": "connection",
                    "state": "disconnected",
                    "detail": "",
                }
            ]
            feed.close()
    finally:
        hall.close()
    assert _at(network.hq.url)[("a", "kiosk-1")] == (True, False, "ok", "ok", "printer ready")


def test_a_branch_published_before_0005_gains_the_device_status(
    make_cluster: Callable[..., PgCluster],
) -> None:
    hq, branch = make_cluster("hq"), make_cluster("a")
    replication.init_hq(hq.url)
    replication.migrate(branch.url, "branch")
    with psycopg.connect(branch.url, autocommit=True) as db:  # what init-branch created before 0005
        db.execute(
            "CREATE PUBLICATION dawr_journal_a FOR TABLE journal_events WHERE (branch_id = 'a') "
            "WITH (publish = 'insert')"
        )
    replication.add_branch(hq.url, "a", branch.url)
    wait_until(lambda: replication.journal_links(hq.url)["a"].connected, 60, "journal link up", interval=0.2)
    _put(branch.url, _row("a", "kiosk-1", printer="error", detail="printer cover_open"))
    hall = BranchDriver(branch.url, "a")
    try:
        hall.run(3)
        wait_until(
            lambda: replication.journal_digest(hq.url, "a") == replication.journal_digest(branch.url, "a"),
            30,
            "journal copied",
        )
        assert _at(hq.url) == {}, "not published yet: HQ has none of the branch's device rows"

        lines = replication.init_branch(branch.url, "a")
        assert lines[0] == (
            "branch a: publication dawr_journal_a now carries the device status too: at HQ run "
            "`dawr network refresh-branch --branch a`"
        )
        assert replication.init_branch(branch.url, "a")[0] == (
            "branch a: publication dawr_journal_a already exists (nothing to do)"
        )
        assert replication.refresh_branch(hq.url, "a") == [
            "HQ's subscription dawr_journal_a now also receives device_status"
        ]
        wait_until(lambda: ("a", "kiosk-1") in _at(hq.url), 30, "the first copy of the device rows")
        assert _at(hq.url)[("a", "kiosk-1")][2:] == ("error", None, "printer cover_open")
        _put(branch.url, _row("a", "kiosk-1", printer="ok", detail="printer ready"))
        wait_until(lambda: _at(hq.url)[("a", "kiosk-1")][2] == "ok", 30, "the update at HQ")
        hall.run(3)
        wait_until(
            lambda: replication.journal_digest(hq.url, "a") == replication.journal_digest(branch.url, "a"),
            30,
            "journal still replicated",
        )
        assert replication.refresh_branch(hq.url, "a") == [
            "HQ's subscription dawr_journal_a already receives every table the branch publishes (nothing to do)"
        ]
    finally:
        hall.close()
