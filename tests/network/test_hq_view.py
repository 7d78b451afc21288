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
            (request(base, "POST", "/login", body=b'{"username":"sup"}', headers={"Content-Type": "application/json"}), 415),
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
