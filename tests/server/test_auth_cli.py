"""Passwords, device tokens, staff sessions (SQLite and PostgreSQL), the QR secret and the admin CLI."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import tomllib
import urllib.request
from datetime import UTC, date, datetime, timedelta

import pytest

from server.cli.main import main
from server.core.appointments import read_booking_qr
from server.core.config import default_config_path, load_default_config, parse_branch_config
from server.core.errors import ConfigError
from server.net.auth import hash_password, match_device, mint_token, token_digest, verify_password
from server.store.branch_secret import load_qr_secret
from server.store.journal import Journal
from server.store.staff import NotGrantedHere, StaffError, StaffStore
from server.testing import with_devices

NOW = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
DAWR = [sys.executable, "-m", "server"]


def test_password_hash_is_salted_and_checked():
    one, two = hash_password("s3cret-pass", n=2**12), hash_password("s3cret-pass", n=2**12)
    assert one != two and one.startswith("scrypt$4096$")
    assert verify_password("s3cret-pass", one) and not verify_password("s3cret-pasS", one)
    assert not verify_password("anything", None) and not verify_password("not a real password", "")
    assert not verify_password("x", "scrypt$garbage")


def test_device_tokens_match_by_hash_only():
    config, tokens = with_devices(load_default_config(), (("kiosk-9", "kiosk"), ("board-9", "board")))
    assert match_device(config, tokens["kiosk-9"]).id == "kiosk-9"
    assert match_device(config, tokens["board-9"]).role == "board"
    assert match_device(config, mint_token()) is None
    assert tokens["kiosk-9"] not in config.model_dump_json()


def _store_checks(store: StaffStore) -> None:
    store.add("alice", "pw-alice-1", "counter", "Alice")
    with pytest.raises(StaffError):
        store.add("alice", "pw", "counter")
    with pytest.raises(StaffError):
        store.add("Bad Name", "pw", "counter")
    assert store.login("alice", "wrong", 3, timedelta(hours=1), NOW) is None
    session = store.login("alice", "pw-alice-1", 3, timedelta(hours=1), NOW)
    assert session is not None and session.token and session.counter == 3
    assert store.resume(session.token, NOW + timedelta(minutes=59)).username == "alice"
    assert store.resume(session.token, NOW + timedelta(minutes=61)) is None
    assert store.still_valid([session.digest, "0" * 64], NOW) == {session.digest}
    store.set_password("alice", "pw-alice-2")
    assert store.resume(session.token, NOW) is None
    assert store.login("alice", "pw-alice-1", 3, timedelta(hours=1), NOW) is None
    fresh = store.login("alice", "pw-alice-2", None, timedelta(hours=1), NOW)
    store.disable("alice")
    assert store.resume(fresh.token, NOW) is None
    assert store.login("alice", "pw-alice-2", None, timedelta(hours=1), NOW) is None
    with pytest.raises(StaffError):
        store.disable("nobody")


def test_staff_store_sqlite(tmp_path):
    journal = Journal.open(f"sqlite:///{tmp_path / 'staff.db'}")
    try:
        _store_checks(StaffStore(journal.engine, scrypt_n=2**12))
    finally:
        journal.close()


def test_staff_store_and_journal_postgresql(pg_url):
    from server.core.events import DayStarted

    journal = Journal.open(pg_url)
    try:
        _store_checks(StaffStore(journal.engine, scrypt_n=2**12))
        seqs = journal.append("hq", [DayStarted(NOW, date(2026, 11, 22), None, (), ())], date(2026, 11, 22))
        assert seqs == [1] and journal.last_seq("hq") == 1
    finally:
        journal.close()


def test_qr_secret_file_and_env(tmp_path, monkeypatch):
    monkeypatch.delenv("DAWR_QR_SECRET", raising=False)
    path = tmp_path / "secret"
    first = load_qr_secret("hq", path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(first) >= 32
    assert load_qr_secret("hq", path) == first
    path.chmod(0o644)
    with pytest.raises(ConfigError):
        load_qr_secret("hq", path)
    monkeypatch.setenv("DAWR_QR_SECRET", "an-environment-secret-value")
    assert load_qr_secret("hq", path) == b"an-environment-secret-value"


def test_admin_staff_commands(tmp_path, monkeypatch, capsys):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("a-long-password\n"))
    assert (
        main(
            [
                "admin",
                "add-staff",
                "nour",
                "--role",
                "supervisor",
                "--name",
                "Nour",
                "--password-stdin",
                "--db",
                db,
            ]
        )
        == 0
    )
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("short\n"))
    assert main(["admin", "set-password", "nour", "--password-stdin", "--db", db]) == 2
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("another-password\n"))
    assert main(["admin", "set-password", "nour", "--password-stdin", "--db", db]) == 0
    assert main(["admin", "disable-staff", "ghost", "--db", db]) == 2
    assert main(["admin", "disable-staff", "nour", "--db", db]) == 0
    journal = Journal.open(db)
    store = StaffStore(journal.engine)
    assert store.account("nour").disabled and store.account("nour").role == "supervisor"
    journal.close()
    out = capsys.readouterr()
    assert "a-long-password" not in out.out + out.err and "another-password" not in out.out + out.err


def test_add_device_prints_token_once_and_a_valid_config_entry(capsys):
    assert main(["admin", "add-device", "kiosk-7", "--role", "kiosk", "--name", "Entrance kiosk"]) == 0
    out = capsys.readouterr()
    token = next(line for line in out.err.splitlines() if not line.startswith("#"))
    entry = tomllib.loads(out.out)["devices"][0]
    assert entry["token_sha256"] == token_digest(token) and token not in out.out
    data = tomllib.loads(default_config_path().read_text(encoding="utf-8"))
    data["devices"] = [entry]
    config = parse_branch_config(data)
    assert match_device(config, token).id == "kiosk-7"


def test_appointment_qr_command(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DAWR_QR_SECRET", "qr-secret-for-this-test-only")
    png = tmp_path / "bk.png"
    assert main(["admin", "appointment-qr", "bk-2001", "--day", "2026-11-22", "--png", str(png)]) == 0
    payload = capsys.readouterr().out.strip()
    code = read_booking_qr(b"qr-secret-for-this-test-only", "hq", payload)
    assert code.reference == "BK-2001" and code.day == date(2026, 11, 22)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dawr_server_runs_and_stops_on_sigint(tmp_path):
    port = _free_port()
    env = {**os.environ, "DAWR_QR_SECRET": "server-test-secret-0123456789"}
    process = subprocess.Popen(
        [*DAWR, "server", "--db", f"sqlite:///{tmp_path / 'srv.db'}", "--port", str(port)],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + 20
        while True:
            try:
                with opener.open(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    health = json.loads(response.read())
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        assert health["status"] == "ok"
        from server.testing import SyncClient

        with SyncClient(f"ws://127.0.0.1:{port}/") as client:
            assert client.request("ping")["type"] == "result"
        process.send_signal(signal.SIGINT)
        assert process.wait(20) == 0
    finally:
        if process.poll() is None:
            process.kill()
    lines = [json.loads(line) for line in process.stderr.read().splitlines() if line.startswith("{")]
    events = [line.get("event") for line in lines]
    assert "listening" in events and events[-1] == "stopped"
    ping = next(line for line in lines if line.get("what") == "ping")
    assert ping["result"] == "ok" and "ms" in ping and ping["who"].startswith("anonymous")


def test_add_staff_grants_the_named_branches_only(tmp_path, monkeypatch, capsys):
    db = f"sqlite:///{tmp_path / 'grants.db'}"
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("a-long-password\n"))
    args = [
        "admin",
        "add-staff",
        "huda",
        "--role",
        "counter",
        "--branches",
        "seef,jidali",
        "--password-stdin",
    ]
    assert main([*args, "--db", db]) == 0
    assert "seef, jidali" in capsys.readouterr().out
    journal = Journal.open(db)
    try:
        assert sorted(StaffStore(journal.engine).account("huda").branches or []) == ["jidali", "seef"]
        at_hq = StaffStore(journal.engine, branch_id="hq")
        with pytest.raises(NotGrantedHere):
            at_hq.login(
                "huda", "a-long-password", 3, timedelta(hours=1), datetime(2026, 12, 1, 8, tzinfo=UTC)
            )
        at_seef = StaffStore(journal.engine, branch_id="seef")
        assert at_seef.login(
            "huda", "a-long-password", 3, timedelta(hours=1), datetime(2026, 12, 1, 8, tzinfo=UTC)
        )
    finally:
        journal.close()
    with pytest.raises(SystemExit) as empty:
        main(["admin", "add-staff", "rana", "--role", "counter", "--branches", ",", "--db", db])
    assert empty.value.code == 2
    assert "name at least one branch id" in capsys.readouterr().err
