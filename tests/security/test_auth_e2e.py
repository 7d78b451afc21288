"""Authentication end to end on a real server process (extends ``tests/server/test_matrix.py``, which checks
every type x role in-process): a logged-out or never-logged-in connection can do nothing but log in and
ping; a revoked or forged session token and a wrong device token are refused; nothing is journaled."""

from __future__ import annotations

from server.net.auth import mint_token
from server.protocol.messages import ALLOWED_ROLES, EXAMPLE_REQUESTS, NO_LOGIN
from server.testing import SyncClient

OPEN = {name for name, roles in ALLOWED_ROLES.items() if NO_LOGIN in roles}  # login kinds and ping


def _every_closed_type_refused(client: SyncClient, target) -> None:
    before = target.seq()
    for name, example in EXAMPLE_REQUESTS.items():
        if name in OPEN:
            continue
        fields = {k: v for k, v in example.items() if k not in ("id", "type")}
        reply = client.request(name, **fields)
        assert reply["type"] == "error" and reply["code"] == "not_authenticated", (name, reply)
    assert target.seq() == before


def test_nothing_without_login_and_nothing_after_logout(target):
    files = target.files
    with SyncClient(target.server.url) as anonymous:
        _every_closed_type_refused(anonymous, target)
    with SyncClient(target.server.url) as kiosk:
        kiosk.login_device(files.tokens["kiosk-2"])
        assert kiosk.request("logout")["type"] == "result"
        _every_closed_type_refused(kiosk, target)
    with SyncClient(target.server.url) as staff:
        reply = staff.login("bob", files.passwords["bob"], 6)
        token = reply["data"]["session_token"]
        assert staff.request("logout")["type"] == "result"
        _every_closed_type_refused(staff, target)
        assert staff.request("resume_session", session_token=token)["code"] == "session_expired"  # revoked


def test_wrong_credentials_are_refused(target):
    files = target.files
    with SyncClient(target.server.url) as client:
        assert client.request("login_device", token=mint_token())["code"] == "login_failed"
        token = files.tokens["kiosk-1"]
        altered = token[:-1] + ("B" if token.endswith("A") else "A")  # one character different, always
        assert client.request("login_device", token=altered)["code"] == "login_failed"
        assert client.request("login", username="bob", password="not-the-password")["code"] == "login_failed"
        assert (
            client.request("login", username="nobody", password=files.passwords["bob"])["code"]
            == "login_failed"
        )
        assert client.request("resume_session", session_token=mint_token())["code"] == "session_expired"
        _every_closed_type_refused(client, target)
