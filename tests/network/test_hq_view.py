"""The HQ live view over HTTP, against real replication: who may log in, bad requests, the pushed feed
(an event at a branch reaches it; nothing personal in it; a cut-off branch is marked stale)."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from server.core.engine import CallNext, CheckIn, ImportAppointments, IssueTicket, OpenCounter
from server.core.events import Booking
from server.network.hq import PERSONAL_FIELDS
from tests.network.clusters import wait_until
from tests.network.conftest import Network
from tests.network.hq_client import (
    PASSWORD,
    Feed,
    add_hq_staff,
    branch_of,
    login,
    request,
    running_view,
    session_cookie,
)
from tests.network.workload import BranchDriver

pytestmark = pytest.mark.timeout(300)

PERSONAL = {
    "national_id": "880512345",
    "name": "Fatima Yusuf Al-Haddad",
    "phone": "+97339998877",
}


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _no_traceback(text: str) -> None:
    assert "Traceback" not in text and 'File "' not in text, text[:500]


def test_login_refuses_clerks_and_wrong_passwords_and_keeps_sessions_hashed(network: Network) -> None:
    add_hq_staff(network.hq.url)
    with running_view(network.hq.url, ["a", "b"]) as view:
        base = view.url
        first = request(base, "GET", "/")
        assert first.status == 303 and first.headers["location"] == "/login?lang=ar"
        assert request(base, "GET", "/feed").status == 401
        page = request(base, "GET", "/login")
        assert page.status == 200 and 'dir="rtl"' in page.text and 'lang="ar"' in page.text
        assert request(base, "GET", "/login?lang=en").text.count('dir="ltr"') >= 1

        wrong = login(base, "sup", "not-the-password")
        assert wrong.status == 401 and "set-cookie" not in wrong.headers
        unknown = login(base, "nobody", PASSWORD)
        assert unknown.status == 401 and "set-cookie" not in unknown.headers
        clerk = login(base, "clerk", PASSWORD)
        assert clerk.status == 403 and "set-cookie" not in clerk.headers
        with psycopg.connect(network.hq.url, autocommit=True) as db:
            live = db.execute(
                "SELECT count(*) FROM staff_sessions WHERE username = 'clerk' AND NOT revoked"
            ).fetchone()
        assert live == (0,), "a refused clerk keeps no session"

        for user in ("sup", "boss"):
            ok = login(base, user, PASSWORD, lang="en")
            assert ok.status == 303 and ok.headers["location"] == "/?lang=en", ok.text
            cookie_header = ok.headers["set-cookie"]
            assert "HttpOnly" in cookie_header and "SameSite=Strict" in cookie_header
            token = session_cookie(ok)
            with psycopg.connect(network.hq.url, autocommit=True) as db:
                stored = [row[0] for row in db.execute("SELECT token_sha256 FROM staff_sessions")]
            assert hashlib.sha256(token.encode()).hexdigest() in stored and token not in stored
            view_page = request(base, "GET", "/?lang=en", cookie=token)
            assert view_page.status == 200 and 'dir="ltr"' in view_page.text
            assert request(base, "GET", "/", cookie=token).text.startswith("<!doctype html>")
            assert "content-security-policy" in view_page.headers

        token = session_cookie(login(base, "sup"))
        out = request(
            base,
            "POST",
            "/logout",
            body=b"lang=ar",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            cookie=token,
        )
        assert out.status == 303 and "Max-Age=0" in out.headers["set-cookie"]
        assert request(base, "GET", "/", cookie=token).status == 303
        assert request(base, "GET", "/feed", cookie=token).status == 401


def test_bad_requests_get_a_status_code_not_a_traceback(network: Network) -> None:
    add_hq_staff(network.hq.url)
    with running_view(network.hq.url, ["a"]) as view:
        base = view.url
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        cases = [
            (request(base, "GET", "/nowhere"), 404),
            (request(base, "PUT", "/"), 405),
            (request(base, "DELETE", "/login"), 405),
            (request(base, "GET", "/?lang=fr"), 400),
            (request(base, "POST", "/login", body=b"x" * 10_000, headers=form), 413),
            (
                request(
                    base,
                    "POST",
                    "/login",
                    body=b'{"username":"sup"}',
                    headers={"Content-Type": "application/json"},
                ),
                415,
            ),
            (request(base, "POST", "/login", body=b"username=\xff\xfe&password=x", headers=form), 400),
            (request(base, "POST", "/login", body=b"username=sup&lang=xx&password=p", headers=form), 400),
            (request(base, "POST", "/login", body=b"username=sup", headers=form), 400),
            (request(base, "GET", "/", cookie="not a token; with junk"), 303),
            (request(base, "GET", "/feed", cookie="A" * 40), 401),
        ]
        for answer, status in cases:
            assert answer.status == status, (status, answer.status, answer.text[:300])
            _no_traceback(answer.text)
        no_length = request(base, "POST", "/login", headers=form)
        assert no_length.status in (400, 411)
        assert request(base, "GET", "/healthz").status == 200

        # A password guesser: after 10 failures for one account, even the right password waits (429);
        # another account is not locked out by it.
        for _ in range(10):
            assert login(base, "sup", "guess").status == 401
        throttled = login(base, "sup", PASSWORD)
        assert throttled.status == 429 and int(throttled.headers["retry-after"]) > 0
        assert "set-cookie" not in throttled.headers
        assert login(base, "boss", PASSWORD).status == 303


def test_feed_pushes_branch_events_with_nothing_personal(network: Network) -> None:
    add_hq_staff(network.hq.url)
    halls = {b: BranchDriver(branch.url, b) for b, branch in network.branches.items()}
    try:
        for hall in halls.values():
            hall.run(40)
        now = datetime.now(UTC)
        booking = Booking(
            reference="REF-HQ-1",
            national_id=PERSONAL["national_id"],
            name=PERSONAL["name"],
            phone=PERSONAL["phone"],
            service_id="mazaya",
            branch_id="a",
            slot=now.replace(microsecond=0),
        )
        hall_a = halls["a"].hall
        hall_a.handle(ImportAppointments((booking,)), now)
        hall_a.handle(CheckIn(reference="REF-HQ-1", token="appointment-token"), now)
        hall_a.handle(OpenCounter(1, "clerk1"), now)
        hall_a.handle(CallNext(1), now)
        for branch_id in halls:
            network.wait_converged(branch_id, 30)

        with running_view(network.hq.url, ["a", "b"]) as view:
            cookie = session_cookie(login(view.url, "sup"))
            feed = Feed(view.url, cookie)
            assert feed.status == 200
            assert feed.response.getheader("Content-Type", "").startswith("text/event-stream")
            first = feed.until(lambda d: branch_of(d, "a")["last_seq"] == halls["a"].hall.last_seq, 30)
            a = branch_of(first, "a")
            engine = halls["a"].hall.engine
            assert a["connected"] and not a["stale"]
            assert a["counters_open"] == sum(1 for c in engine.counters.values() if c.state == "open") == 5
            assert a["waiting_total"] == sum(1 for t in engine.tickets.values() if t.state == "waiting")
            assert a["served"] == sum(1 for t in engine.tickets.values() if t.state == "done") > 0
            assert a["appointments_called"] == 1 and a["appointments_on_time_pct"] == 100.0
            assert a["within_cap_pct"] == 100.0 and a["over_cap"] == 0
            assert a["data_age_s"] is not None and a["data_age_s"] < 60
            assert {w["service"] for w in a["waiting"]} <= {"inquiry", "mazaya", "data_update", "housing"}

            # A ticket issued at branch a reaches the open feed by itself.
            before = a["waiting_total"]
            halls["a"].hall.handle(IssueTicket("inquiry", token="feed-walk-in"), datetime.now(UTC))
            assert halls["a"].hall.last_seq > a["last_seq"]
            pushed = feed.until(lambda d: branch_of(d, "a")["last_seq"] == halls["a"].hall.last_seq, 30)
            assert branch_of(pushed, "a")["waiting_total"] == before + 1

            # Nothing personal: not the booking's person, not the staff names, not ticket tokens.
            everything = b"\n".join(feed.raw).decode()
            for value in PERSONAL.values():
                assert value not in everything
            for secret in ("REF-HQ-1", "appointment-token", "feed-walk-in", "clerk1", "clerk3", "a-0"):
                assert secret not in everything, secret
            assert not _keys(pushed) & set(PERSONAL_FIELDS)
            assert not re.search(r"\b[A-D]\d{3}\b", everything), "no ticket numbers either"

            # Branch b cut off: marked stale, a not disturbed.
            network.branches["b"].cut()
            stale = feed.until(lambda d: branch_of(d, "b")["stale"], 90)
            assert not branch_of(stale, "a")["stale"]
            network.branches["b"].restore()
            feed.until(lambda d: not branch_of(d, "b")["stale"], 90)
            feed.close()
            wait_until(lambda: True, 1, "nothing")
    finally:
        for hall in halls.values():
            hall.close()


def test_the_view_needs_no_superuser_and_names_come_from_the_registry(network: Network) -> None:
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    add_hq_staff(network.hq.url)
    with psycopg.connect(network.hq.url, autocommit=True) as db:
        db.execute("CREATE ROLE dawr_view LOGIN")
        db.execute("GRANT SELECT ON journal_events, staff_accounts, branches, device_status TO dawr_view")
        db.execute("GRANT SELECT, INSERT, UPDATE ON staff_sessions TO dawr_view")
    # add-branch records the names (checked before anything changes: one name alone is refused).
    command = [sys.executable, "-m", "server.network", "add-branch", "--db", network.hq.url, "--branch", "c"]
    refused = subprocess.run(
        [*command, "--branch-url", network.branches["a"].url, "--name-en", "Seef"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2 and refused.stderr.strip() == (
        "dawr: give both names: --name-ar and --name-en (or --config)"
    )
    from server.store.branches import BranchRegistry
    from server.store.journal import Journal
    from server.store.staff import StaffStore

    journal = Journal.open(network.hq.url)
    try:
        BranchRegistry(journal.engine).put("a", "Seef (ar)", "Seef branch")
        # a supervisor granted branch a only sees branch a; an admin sees every branch
        StaffStore(journal.engine, scrypt_n=2**12).add("seefsup", PASSWORD, "supervisor", branches=["a"])
    finally:
        journal.close()
    hall = BranchDriver(network.branches["a"].url, "a")
    try:
        hall.run(9)
        network.wait_converged("a", 30)
        with running_view(network.hq.url.replace("postgres@", "dawr_view@"), ["a", "b"]) as view:
            feed = Feed(view.url, session_cookie(login(view.url, "boss")))
            data = feed.until(lambda d: branch_of(d, "a")["last_seq"] == hall.hall.last_seq, 30)
            a = branch_of(data, "a")
            assert a["connected"] and not a["stale"] and data["healthy"]
            assert (a["name_ar"], a["name_en"]) == ("Seef (ar)", "Seef branch")
            assert a["device_alerts"] == [], "the view's user reads the device status (no alerts at a)"
            assert {b["id"] for b in data["branches"]} == {"a", "b"}
            feed.close()
            seef = Feed(view.url, session_cookie(login(view.url, "seefsup")))
            assert [b["id"] for b in seef.next()["branches"]] == ["a"]
            seef.close()
    finally:
        hall.close()
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = subprocess.run(
            [sys.executable, "-m", "server.network.hq_view", "--db", network.hq.url, "--port", str(port)],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert busy.returncode == 2, busy.stderr
    assert busy.stderr.startswith(f"dawr: cannot listen on 127.0.0.1:{port}"), busy.stderr
    assert "Traceback" not in busy.stderr
    nowhere = network.hq.url.rsplit(":", 1)[0] + f":{port}/postgres"  # nothing listens there now
    unreadable = subprocess.run(
        [sys.executable, "-m", "server.network.hq_view", "--db", nowhere, "--port", "0"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert unreadable.returncode == 2, unreadable.stderr
    assert unreadable.stderr.startswith(f"dawr: the HQ database at {nowhere} cannot be read: "), (
        unreadable.stderr
    )
    assert len(unreadable.stderr.strip().splitlines()) == 1 and "Traceback" not in unreadable.stderr


def test_dawr_hq_runs_and_rides_out_an_hq_database_outage(network: Network, tmp_path: Any) -> None:
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    add_hq_staff(network.hq.url)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "server.network.hq_view", "--db", network.hq.url, "--port", str(port)],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith(f"HQ live view on {base}/"), line
        assert request(base, "GET", "/healthz").status == 200
        cookie = session_cookie(login(base, "sup", lang="en"))
        feed = Feed(base, cookie)
        data = feed.until(lambda d: {b["id"] for b in d["branches"]} == {"a", "b"}, 30)
        assert data["healthy"]
        # Without --config a branch is named by its id (no registry entry) and rebuilt with the shipped hall.
        assert branch_of(data, "a")["name_en"] == "a"

        network.hq.stop("immediate")
        down = feed.until(lambda d: not d["healthy"], 30)
        assert all(b["stale"] for b in down["branches"])
        assert request(base, "GET", "/healthz").status == 503
        page = request(base, "GET", "/?lang=en", cookie=cookie)
        assert page.status == 503 and "The HQ database does not answer" in page.text
        _no_traceback(page.text)
        network.hq.start()
        back = feed.until(lambda d: d["healthy"], 60)
        assert not branch_of(back, "a")["problem"]
        feed.close()
        deadline = time.monotonic() + 60
        while request(base, "GET", "/healthz").status != 200:
            assert time.monotonic() < deadline, "healthz never came back"
            time.sleep(0.5)
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=30)
    assert "Traceback" not in errors, errors[-2000:]
