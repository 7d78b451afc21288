"""Authorization matrix: every request type x every role (and no login) against the real server."""

from __future__ import annotations

import pytest

from server.protocol.messages import ALLOWED_ROLES, EXAMPLE_REQUESTS, NO_LOGIN, REQUESTS, ROLES, parse_request
from server.testing import SyncClient, TestHall

DENIED = {"not_authenticated", "forbidden", "already_authenticated"}

EXPECTED = {
    # written out by hand from the issue, so a change to protocol.py must be made here too
    "login_device": {NO_LOGIN},
    "login": {NO_LOGIN},
    "resume_session": {NO_LOGIN},
    "logout": set(ROLES),
    "resync": set(ROLES),
    "ping": {NO_LOGIN, *ROLES},
    "list_services": {"kiosk", "board", "counter", "supervisor"},
    "issue_ticket": {"kiosk"},
    "check_in": {"kiosk"},
    "device_health": {"kiosk", "board"},
    "heartbeat": {"kiosk", "board"},
    **{
        name: {"counter", "supervisor"}
        for name in (
            "open_counter",
            "pause_counter",
            "resume_counter",
            "close_counter",
            "call_next",
            "call_ticket",
            "recall",
            "start_service",
            "no_show",
            "reinstate",
            "park",
            "resume_parked",
            "transfer",
            "finish",
            "cancel",
        )
    },
    "import_appointments": {"admin"},
}


def test_matrix_table_matches_issue():
    assert set(EXAMPLE_REQUESTS) == set(REQUESTS) == set(EXPECTED)
    for name, roles in EXPECTED.items():
        assert set(ALLOWED_ROLES[name]) == roles, name
        parse_request(__import__("json").dumps(EXAMPLE_REQUESTS[name]))


def _as(role: str, hall: TestHall) -> SyncClient:
    client = SyncClient(hall.url)
    if role in ("kiosk", "board"):
        client.login_device(hall.device_tokens["kiosk-1" if role == "kiosk" else "board-1"])
    elif role == "counter":
        client.login("alice", hall.passwords["alice"], 3)
    elif role == "supervisor":
        client.login("sara", hall.passwords["sara"], 3 + 5)
    elif role == "admin":
        client.login("adam", hall.passwords["adam"])
    return client


@pytest.mark.parametrize("role", [NO_LOGIN, *ROLES])
def test_every_type_for_role(hall, role):
    for name, example in EXAMPLE_REQUESTS.items():
        with _as(role, hall) as client:
            before = hall.journal_seq()
            fields = {k: v for k, v in example.items() if k not in ("id", "type")}
            if role == "supervisor" and "counter" in fields:
                fields["counter"] = 8
            reply = client.request(name, **fields)
            allowed = role in EXPECTED[name]
            if allowed:
                assert reply.get("code") not in DENIED, (role, name, reply)
            else:
                assert reply["type"] == "error" and reply["code"] in DENIED, (role, name, reply)
                assert hall.journal_seq() == before, (role, name)


def test_counter_may_not_name_another_counter(hall):
    with _as("counter", hall) as client:
        for name, example in EXAMPLE_REQUESTS.items():
            if "counter" in example and name not in ("login", "resume_session"):
                before = hall.journal_seq()
                fields = {k: v for k, v in example.items() if k not in ("id", "type")}
                fields["counter"] = 4
                reply = client.request(name, **fields)
                assert reply["code"] == "forbidden_counter", (name, reply)
                assert hall.journal_seq() == before
