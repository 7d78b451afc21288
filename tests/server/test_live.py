"""The real server on a loopback port with real websocket clients."""

from __future__ import annotations

import json
import time

import pytest

from server.testing import ServerThread, SyncClient, TestHall


def _kiosk(connect, hall: TestHall, device: str = "kiosk-1") -> SyncClient:
    client = connect()
    assert client.login_device(hall.device_tokens[device])["type"] == "result"
    return client


def _counter(connect, hall: TestHall, user: str = "alice", number: int = 3) -> SyncClient:
    client = connect()
    reply = client.login(user, hall.passwords[user], number)
    assert reply["type"] == "result", reply
    return client


def _is(kind: str, **match):
    def predicate(message):
        if message.get("type") != kind:
            return False
        event = message.get("event", {})
        return all(event.get(k) == v for k, v in match.items())

    return predicate


def test_issue_call_reaches_board(hall, connect):
    board = connect()
    board.login_device(hall.device_tokens["board-1"])
    assert board.snapshot["role"] == "board" and board.snapshot["data"]["now_calling"] == []
    kiosk = _kiosk(connect, hall)
    issued = kiosk.request("issue_ticket", service_id="inquiry", idempotency_key="press-0001")
    assert issued["type"] == "result"
    number = issued["data"]["ticket"]["number"]
    assert number == "C001" and issued["data"]["ticket"]["status_path"].startswith("/t/")
    counter = _counter(connect, hall)
    assert counter.request("open_counter")["type"] == "result"
    called = counter.request("call_next")
    assert called["type"] == "result" and called["data"]["ticket"]["number"] == number
    push = board.next_push(_is("event", type="ticket_called"))
    assert push["event"]["ticket"]["number"] == number and push["event"]["counter"] == 3
    assert "token" not in json.dumps(push) and "staff" not in push["event"]
    assert board.gaps == 0
    # the counter sees why this ticket was called in its view
    view = counter.next_push(lambda m: m["type"] == "counter_view" and m["counter"]["current"])
    assert view["counter"]["current"]["call"]["rule"] == "weighted_wait"
    assert view["counter"]["current"]["number"] == number
    # the journal holds the call (committed before the board was told)
    assert hall.journal_seq() == push["seq"]


def test_issue_is_idempotent(hall, connect):
    kiosk = _kiosk(connect, hall)
    first = kiosk.request("issue_ticket", service_id="mazaya", idempotency_key="press-0042")
    seq = hall.journal_seq()
    again = kiosk.request("issue_ticket", service_id="mazaya", idempotency_key="press-0042")
    assert again["data"]["ticket"]["id"] == first["data"]["ticket"]["id"]
    assert again["data"]["duplicate"] is True and first["data"]["duplicate"] is False
    assert hall.journal_seq() == seq
    # another kiosk using the same key gets its own ticket
    other = _kiosk(connect, hall, "kiosk-2")
    third = other.request("issue_ticket", service_id="mazaya", idempotency_key="press-0042")
    assert third["data"]["ticket"]["id"] != first["data"]["ticket"]["id"]


def test_snapshot_after_reconnect_shows_current_call(hall, connect):
    kiosk = _kiosk(connect, hall)
    kiosk.request("issue_ticket", service_id="inquiry", idempotency_key="press-0100")
    board = connect()
    board.login_device(hall.device_tokens["board-1"])
    board.close()
    counter = _counter(connect, hall)
    counter.request("open_counter")
    counter.request("call_next")
    again = connect()
    again.login_device(hall.device_tokens["board-1"])
    calling = again.snapshot["data"]["now_calling"]
    assert [(c["number"], c["counter"]) for c in calling] == [("C001", 3)]
    assert again.snapshot["seq"] == hall.journal_seq()


def test_sequence_gap_triggers_resync(hall, connect):
    board = connect()
    board.login_device(hall.device_tokens["board-1"])
    kiosk = _kiosk(connect, hall)
    counter = _counter(connect, hall)
    kiosk.request("issue_ticket", service_id="inquiry", idempotency_key="press-0200")
    kiosk.request("issue_ticket", service_id="inquiry", idempotency_key="press-0201")
    counter.request("open_counter")
    counter.request("call_next")
    # the board loses the call event (as if the frame were dropped) ...
    lost = board.next_push(_is("event", type="ticket_called"))
    board.last_seq, board.gaps = lost["prev_seq"], 0
    counter.request("start_service")
    counter.request("finish", outcome="completed")
    counter.request("call_next")
    # ... and notices at the next push: its prev_seq is not the last seq the board saw
    following = board.next_push(lambda m: "prev_seq" in m and m["seq"] > lost["seq"])
    assert board.gaps == 1 and following["seq"] >= lost["seq"]
    reply = board.request("resync")
    assert reply["type"] == "result"
    snap = board.next_push(lambda m: m["type"] == "snapshot")
    assert snap["seq"] == hall.journal_seq() == reply["data"]["seq"]
    assert [c["number"] for c in snap["data"]["now_calling"]] == ["C002"]


def test_cap_warning_and_overrun_with_fake_clock(runner: ServerThread, connect):
    hall = runner.hall
    kiosk = _kiosk(connect, hall)
    kiosk.request("issue_ticket", service_id="inquiry", idempotency_key="press-0300")
    counter = _counter(connect, hall)
    counter.request("open_counter")
    counter.request("call_next")
    counter.request("start_service")
    runner.advance(minutes=5, seconds=1)
    warning = counter.next_push(_is("event", type="cap_warning"))
    assert warning["event"]["counter"] == 3 and warning["event"]["remaining_seconds"] < 120
    runner.advance(minutes=2)
    counter.next_push(_is("event", type="cap_overrun"))
    refused = counter.request("finish", outcome="completed")
    assert refused["type"] == "error" and refused["code"] == "overrun_reason_required"
    done = counter.request("finish", outcome="completed", overrun_reason="complex_case")
    assert done["type"] == "result"


def test_counter_is_bound_to_its_counter(hall, connect):
    alice = _counter(connect, hall, "alice", 3)
    reply = alice.request("open_counter", counter=4)
    assert reply["type"] == "error" and reply["code"] == "forbidden_counter"
    bob = connect()
    taken = bob.login("bob", hall.passwords["bob"], 3)
    assert taken["type"] == "error" and taken["code"] == "counter_taken"
    needs = connect().request("login", username="bob", password=hall.passwords["bob"])
    assert needs["code"] == "counter_required"
    sara = connect()
    sara.login("sara", hall.passwords["sara"])
    assert sara.request("open_counter", counter=4)["type"] == "result"
    assert sara.request("open_counter")["code"] == "counter_required"
    assert len(sara.snapshot["data"]["counter_views"]) == len(hall.config.counters)


def test_session_resume_logout_and_disable(hall, connect, runner):
    alice = connect()
    token = alice.login("alice", hall.passwords["alice"], 3)["data"]["session_token"]
    alice.close()
    again = connect()
    resumed = again.request("resume_session", session_token=token)
    assert resumed["type"] == "result" and resumed["data"]["counter"] == 3
    again.next_push(lambda m: m["type"] == "snapshot")
    assert again.request("logout")["type"] == "result"
    assert again.request("call_next")["code"] == "not_authenticated"
    assert connect().request("resume_session", session_token=token)["code"] == "session_expired"
    # a disabled account's live session is ended by the periodic check
    bob = connect()
    bob.login("bob", hall.passwords["bob"], 4)
    hall.server.staff.disable("bob")
    runner.run(hall.server.check_sessions())
    ended = bob.next_push(lambda m: m.get("type") == "error" and m.get("code") == "session_expired")
    assert ended["id"] is None
    assert bob.request("open_counter")["code"] == "not_authenticated"
    assert (
        connect().request("login", username="bob", password=hall.passwords["bob"], counter=4)["code"]
        == "login_failed"
    )


def test_failed_logins_close_with_policy_violation(hall, connect):
    from websockets.exceptions import ConnectionClosed

    client = connect()
    for _ in range(hall.config.server.max_login_failures):
        assert client.request("login_device", token="x" * 43)["code"] == "login_failed"
    with pytest.raises(ConnectionClosed) as closed:
        client.request("ping")
    assert closed.value.rcvd.code == 1008


def test_bad_frames_get_errors_and_connection_stays(hall, connect):
    client = connect()
    client.send_raw("{not json")
    assert client.reply_to(None)["code"] == "invalid_json"
    client.send_raw(b"\x00\x01binary")
    assert client.reply_to(None)["code"] == "invalid_message"
    client.send_raw(json.dumps({"id": 5, "type": "teleport"}))
    assert client.reply_to(5)["code"] == "unknown_type"
    big = "x" * (hall.config.server.max_message_bytes + 10)
    client.send_raw(json.dumps({"id": 6, "type": "ping", "pad": big}))
    assert client.reply_to(None)["code"] == "message_too_large"
    client.login_device(hall.device_tokens["kiosk-1"])
    wrong = client.request("issue_ticket", service_id="inquiry", priority="yes", idempotency_key="press-0400")
    assert wrong["code"] == "invalid_message" and wrong["details"]["fields"][0]["field"] == "priority"
    hostile = client.request("check_in", qr_payload="DAWR1\u0000<script>", idempotency_key="press-0401")
    assert hostile["code"] == "invalid_message"
    assert client.request("ping")["type"] == "result"


def test_rate_limit_then_policy_close():
    from websockets.exceptions import ConnectionClosed

    # a refill this slow cannot hand out a fourth token however slowly a loaded machine runs the loop
    settings = {"rate_per_second": 0.001, "rate_burst": 3, "rate_violations_before_close": 3}
    with ServerThread(server_settings=settings) as hall, SyncClient(hall.url) as client:
        for i in range(20):
            try:
                client.send_raw(json.dumps({"id": i, "type": "ping"}))
            except ConnectionClosed:  # the server may close while we are still sending: that is the point
                break
        codes = []
        with pytest.raises(ConnectionClosed) as closed:  # the replies sent before the close, then the close
            for _ in range(20):
                codes.append(client._recv_json().get("code"))
        assert codes[:3] == [None, None, None] and "rate_limited" in codes
        assert closed.value.rcvd.code == 1008


def test_login_timeout_closes_silent_connection():
    from websockets.exceptions import ConnectionClosed

    with ServerThread(server_settings={"login_timeout_seconds": 0.3}) as hall, SyncClient(hall.url) as client:
        started = time.monotonic()
        with pytest.raises(ConnectionClosed) as closed:
            client._recv_json(timeout=5)
        assert closed.value.rcvd.code == 1008 and time.monotonic() - started < 4


def test_admin_imports_and_kiosk_checks_in_by_qr(hall, connect):
    from server.core.appointments import sign_booking_qr

    admin = connect()
    assert admin.login("adam", hall.passwords["adam"])["type"] == "result"
    csv_text = (
        "reference,national_id,name,phone,service,branch,slot\n"
        "BK-1001,850101234,Fatima,33334444,mazaya,hq,2026-11-22 09:10\n"
        "BK-1002,870202345,Ali,33335555,inquiry,seef,2026-11-22 10:00\n"
    )
    reply = admin.request("import_appointments", csv=csv_text)
    assert reply["data"] == {"imported": 2, "own": 1, "others": 1}
    bad = admin.request("import_appointments", csv="reference,name\nX,Y\n")
    assert bad["code"] == "invalid_csv"
    kiosk = _kiosk(connect, hall)
    payload = sign_booking_qr(hall.qr_secret, "hq", "BK-1001", hall.clock().date())
    checked = kiosk.request("check_in", qr_payload=payload, idempotency_key="press-0500")
    assert checked["type"] == "result" and checked["data"]["ticket"]["kind"] == "appointment"
    forged = kiosk.request(
        "check_in",
        qr_payload=payload[:-1] + ("0" if payload[-1] != "0" else "1"),
        idempotency_key="press-0501",
    )
    assert forged["code"] == "appointment_forged" and forged["message_ar"]


def test_device_health_reaches_supervisor_and_transfer_to_supervisor(hall, connect):
    sara = connect()
    sara.login("sara", hall.passwords["sara"], 8)
    kiosk = _kiosk(connect, hall)
    assert (
        kiosk.request("device_health", printer="error", scanner="ok", detail="paper out")["type"] == "result"
    )
    status = sara.next_push(
        lambda m: m["type"] == "device_status" and m["device"]["id"] == "kiosk-1" and m["device"]["health"]
    )
    assert status["device"]["health"] == {"printer": "error", "scanner": "ok"}
    kiosk.request("issue_ticket", service_id="inquiry", idempotency_key="press-0600")
    alice = _counter(connect, hall)
    alice.request("open_counter")
    alice.request("call_next")
    alice.request("start_service")
    assert alice.request("transfer", to_service="supervisor")["type"] == "result"
    sara.request("resync")
    snap = sara.next_push(lambda m: m["type"] == "snapshot")
    assert [t["number"] for t in snap["data"]["referred"]] == ["C001"]
    assert sara.gaps == 0


def test_live_server_on_postgresql(pg_url):
    with ServerThread(db_url=pg_url) as hall, SyncClient(hall.url) as kiosk, SyncClient(hall.url) as board:
        board.login_device(hall.device_tokens["board-1"])
        kiosk.login_device(hall.device_tokens["kiosk-1"])
        assert (
            kiosk.request("issue_ticket", service_id="legal", idempotency_key="press-0700")["type"]
            == "result"
        )
        with SyncClient(hall.url) as counter:
            counter.login("alice", hall.passwords["alice"], 7)
            counter.request("open_counter")
            counter.request("call_next")
        push = board.next_push(_is("event", type="ticket_called"))
        assert push["event"]["ticket"]["number"] == "F001"
        assert hall.journal_seq() >= push["seq"]


def test_a_counter_reinstates_only_the_no_shows_it_marked(hall, connect):
    kiosk = _kiosk(connect, hall)
    number = kiosk.request("issue_ticket", service_id="inquiry", idempotency_key="press-0101")["data"][
        "ticket"
    ]["number"]
    alice = _counter(connect, hall, "alice", 3)
    bob = _counter(connect, hall, "bob", 4)
    alice.request("open_counter")
    assert alice.request("call_next")["data"]["ticket"]["number"] == number
    assert alice.request("recall")["type"] == "result"
    assert alice.request("no_show")["type"] == "result"
    seq = hall.journal_seq()
    refused = bob.request("reinstate", ticket=number)
    assert refused["type"] == "error" and refused["code"] == "forbidden_counter"
    assert hall.journal_seq() == seq
    assert alice.request("reinstate", ticket=number)["type"] == "result"


def test_a_connected_board_that_stops_beating_is_shown_as_not_responding(hall, connect, runner):
    sara = connect()
    sara.login("sara", hall.passwords["sara"], 8)
    board = connect()
    board.login_device(hall.device_tokens["board-1"])
    assert board.request("heartbeat")["type"] == "result"
    runner.advance(seconds=80)  # under three missed beats: nothing yet
    assert not hall.server.devices["board-1"].silent
    runner.advance(seconds=20)  # 100 s without a heartbeat, still connected: a frozen board
    status = sara.next_push(
        lambda m: (
            m["type"] == "device_status" and m["device"]["id"] == "board-1" and m["device"].get("silent")
        )
    )
    assert status["device"]["connected"] is True
    assert board.request("heartbeat")["type"] == "result"  # it comes back
    back = sara.next_push(
        lambda m: (
            m["type"] == "device_status"
            and m["device"]["id"] == "board-1"
            and m["device"].get("silent") is False
        )
    )
    assert back["device"]["connected"] is True


def test_a_clerk_not_granted_this_branch_is_refused_after_the_right_password(runner: ServerThread, connect):
    hall = runner.hall
    assert hall is not None
    runner.call(lambda server: server.staff.set_branches("bob", ["another_branch"]))
    client = connect()
    refused = client.login("bob", hall.passwords["bob"], 4)
    assert refused["type"] == "error" and refused["code"] == "branch_not_granted"
    assert refused["message_ar"] and "HQ" in refused["message"]
    wrong = client.login("bob", "not-the-password", 4)
    assert wrong["code"] == "login_failed"  # a wrong password says nothing about grants
    runner.call(lambda server: server.staff.set_branches("bob", None))
    assert client.login("bob", hall.passwords["bob"], 4)["type"] == "result"
