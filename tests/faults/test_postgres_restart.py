"""PostgreSQL stopped and restarted under a running server (a private cluster of our own).

While the database is down, commands get the error code ``database_unavailable`` (nothing changed) and the
connection stays open; ``/healthz`` says 503. When it is back, the same server process (no restart) takes
its branch lock again, rebuilds from the journal and accepts commands; every acknowledged ticket is there.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid

from server.testing import SyncClient
from tests.faults.helpers import BranchFiles, ServerProcess, journal_issued


def _healthz(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_database_down_and_back_under_a_running_server(tmp_path, live_postgres):
    branch = f"p{uuid.uuid4().hex[:8]}"
    files = BranchFiles.make(tmp_path, branch_id=branch)
    files.add_staff(live_postgres.url)
    server = ServerProcess(files, live_postgres.url, log_path=tmp_path / "server.log").start()
    server.wait_listening()
    kiosk = SyncClient(server.url)
    counter = SyncClient(server.url)
    try:
        assert kiosk.login_device(files.tokens["kiosk-1"])["type"] == "result"
        assert counter.login("alice", files.passwords["alice"], 3)["type"] == "result"
        assert counter.request("open_counter")["type"] == "result"
        told = {}
        for n in range(5):
            reply = kiosk.request("issue_ticket", service_id="inquiry", idempotency_key=f"before-{n:04d}")
            told[f"before-{n:04d}"] = reply["data"]["ticket"]["number"]
        assert counter.request("call_next")["data"]["ticket"]["number"] == told["before-0000"]

        live_postgres.stop()  # like a crash: no shutdown checkpoint
        reply = kiosk.request("issue_ticket", service_id="inquiry", idempotency_key="during-0001")
        assert reply["type"] == "error" and reply["code"] == "database_unavailable", reply
        assert reply["message"] and reply["message_ar"]
        assert counter.request("start_service")["code"] == "database_unavailable"
        assert kiosk.request("ping")["type"] == "result"  # the connection stays
        status, health = _healthz(server.port)
        assert status == 503 and health["status"] == "degraded" and health["database"] is False

        live_postgres.start()
        deadline = time.monotonic() + 15
        while True:  # the kiosk retries the same press
            reply = kiosk.request("issue_ticket", service_id="inquiry", idempotency_key="during-0001")
            if reply["type"] == "result" or time.monotonic() > deadline:
                break
            assert reply["code"] == "database_unavailable"
            time.sleep(0.2)
        assert reply["type"] == "result", reply
        told["during-0001"] = reply["data"]["ticket"]["number"]
        assert reply["data"]["ticket"]["number"] == "C006"  # numbering went on where it stopped
        assert counter.request("start_service")["type"] == "result"
        assert counter.request("finish", outcome="completed")["type"] == "result"
        again = kiosk.request("issue_ticket", service_id="inquiry", idempotency_key="during-0001")
        assert again["data"]["duplicate"] is True and again["data"]["ticket"]["number"] == "C006"
        assert _healthz(server.port)[0] == 200
        assert kiosk.hello and kiosk.request("ping")["type"] == "result"
    finally:
        kiosk.close()
        counter.close()
        assert server.stop() == 0
    events = server.log_events()
    assert sum(1 for e in events if e.get("event") == "listening") == 1  # never restarted
    assert any(e.get("event") == "database" and e.get("result") == "database_unavailable" for e in events)
    assert any(e.get("event") == "branch_lock" and e.get("result") == "retaken" for e in events)
    issued = journal_issued(live_postgres.url, branch)
    assert {e.idempotency_key.split(":", 1)[1]: e.number for e in issued} == told
