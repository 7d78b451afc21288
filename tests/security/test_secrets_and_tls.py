"""Staff passwords never reach the log or the database in clear; secrets are compared in constant time;
TLS works when configured (a throw-away self-signed certificate made at test time with ``openssl``)."""

from __future__ import annotations

import hmac
import inspect
import json
import shutil
import ssl
import subprocess
import urllib.request
from pathlib import Path

import pytest
from websockets.exceptions import WebSocketException
from websockets.sync.client import connect

import server.core.appointments
import server.net.auth
import server.store.staff
from server.testing import SyncClient
from tests.faults.helpers import BranchFiles, ServerProcess


def test_passwords_never_in_the_log_or_the_database(target):
    files = target.files
    wrong = "Wrong-Password-Canary-7731"
    with SyncClient(target.server.url) as client:
        assert client.login("alice", files.passwords["alice"], 7)["type"] == "result"
        client.request("logout")
        client.request("login", username="alice", password=wrong)  # failed login
        client.request("login", username="nobody", password=files.passwords["bob"])  # unknown user
        client.request("login", username=files.passwords["bob"], password="x")  # password as user name
        client.request("ping", password=files.passwords["carol"])  # in a field it has no place
        client.request("login", username="carol", password=files.passwords["carol"] + "\u0000")
    secrets_ = [*files.passwords.values(), wrong]
    log = target.server.log_text()
    assert '"what": "login"' in log  # logins were logged...
    for secret in secrets_:
        assert secret not in log  # ...their passwords not
    folder = Path(target.db_url[len("sqlite:///") :]).parent
    for path in folder.glob("hall.db*"):  # database, WAL, shm
        data = path.read_bytes()
        for secret in secrets_:
            assert secret.encode() not in data, (path.name, secret)


def test_secrets_are_compared_in_constant_time(monkeypatch, target):
    calls: list[tuple[object, object]] = []
    real = hmac.compare_digest

    def recording(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(server.net.auth.hmac, "compare_digest", recording)
    from server.core.config import load_branch_config

    config = load_branch_config(target.files.config)
    token = target.files.tokens["kiosk-1"]
    assert server.net.auth.match_device(config, token).id == "kiosk-1"
    assert len(calls) == len(config.devices)  # every configured device compared, no early exit
    calls.clear()
    stored = server.net.auth.hash_password("correct horse battery", n=2**10)
    assert server.net.auth.verify_password("correct horse battery", stored)
    assert not server.net.auth.verify_password("wrong horse battery", stored)
    assert len(calls) == 2
    calls.clear()
    payload = server.core.appointments.sign_booking_qr(
        b"k" * 32, "hq", "BK-1", __import__("datetime").date(2026, 1, 1)
    )
    server.core.appointments.read_booking_qr(b"k" * 32, "hq", payload)
    assert len(calls) == 1
    # session tokens are looked up by their SHA-256 in the database: no comparison of the secret in Python
    assert "token_digest" in inspect.getsource(server.store.staff.StaffStore.resume)


def _self_signed(folder: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def test_tls_when_configured(tmp_path):
    cert, key = _self_signed(tmp_path)
    files = BranchFiles.make(tmp_path)
    server = ServerProcess(
        files,
        f"sqlite:///{tmp_path / 'tls.db'}",
        log_path=tmp_path / "tls.log",
        extra=("--tls-cert", str(cert), "--tls-key", str(key)),
    ).start()
    server.wait_listening()
    try:
        assert server.url.startswith("wss://")
        trusting = ssl.create_default_context(cafile=str(cert))
        with connect(server.url, ssl=trusting, proxy=None, open_timeout=10) as ws:
            assert json.loads(ws.recv(timeout=5))["type"] == "hello"
            ws.send(json.dumps({"id": 1, "type": "login_device", "token": files.tokens["kiosk-1"]}))
            assert json.loads(ws.recv(timeout=5))["type"] == "result"
            assert ws.protocol.state.name == "OPEN" and ws.socket.version() in ("TLSv1.2", "TLSv1.3")
        with urllib.request.urlopen(
            f"https://127.0.0.1:{server.port}/healthz", context=trusting, timeout=5
        ) as answer:
            assert json.loads(answer.read())["status"] == "ok"
        with (
            pytest.raises(ssl.SSLCertVerificationError),  # an untrusted cert is refused
            connect(server.url, ssl=ssl.create_default_context(), proxy=None, open_timeout=5),
        ):
            pass
        with (
            pytest.raises((OSError, WebSocketException)),
            connect(f"ws://127.0.0.1:{server.port}/", proxy=None, open_timeout=3) as ws,
        ):  # no plain text on a TLS port
            ws.recv(timeout=3)
    finally:
        assert server.stop() == 0
    assert "BEGIN" not in server.log_text()  # no key material logged
