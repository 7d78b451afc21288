"""The branch server writes each device's state to ``device_status`` (migration 0005), off the command
path: what HQ's view reads for device alerts (docs/network.md). A database that refuses the write never
fails a command or a client."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pytest

from server.store.devices import DeviceRow, DeviceStatusStore
from server.store.journal import make_engine
from server.testing import ServerThread, SyncClient, TestHall


def _rows(hall: TestHall) -> dict[str, DeviceRow]:
    store = DeviceStatusStore(hall.server.journal.engine)
    return {row.device_id: row for row in store.rows("hq")}


def _until(
    hall: TestHall, check: Callable[[dict[str, DeviceRow]], bool], timeout: float = 10.0
) -> dict[str, DeviceRow]:
    deadline = time.monotonic() + timeout
    while True:
        rows = _rows(hall)
        try:
            if check(rows):
                return rows
        except KeyError:  # the device's row is not written yet
            pass
        assert time.monotonic() < deadline, f"device_status never became as expected: {rows}"
        time.sleep(0.05)


def _device(connect: Callable[[], SyncClient], hall: TestHall, device: str) -> SyncClient:
    client = connect()
    assert client.login_device(hall.device_tokens[device])["type"] == "result"
    return client


def test_every_device_change_reaches_the_device_status_table(
    runner: ServerThread, hall: TestHall, connect: Callable[[], SyncClient]
) -> None:
    assert hall.config.branch.id == "hq"
    rows = _until(hall, lambda r: set(r) == {"kiosk-1", "kiosk-2", "board-1"})
    assert not any(row.connected for row in rows.values())  # after a start: nobody connected yet
    assert rows["kiosk-1"].role == "kiosk" and rows["board-1"].role == "board"

    kiosk = _device(connect, hall, "kiosk-1")
    _until(hall, lambda r: r["kiosk-1"].connected)
    reply = kiosk.request("device_health", printer="error", scanner="ok", detail="printer paper_out")
    assert reply["type"] == "result"
    row = _until(hall, lambda r: r["kiosk-1"].printer == "error")["kiosk-1"]
    assert (row.scanner, row.display, row.announcer, row.detail) == ("ok", None, None, "printer paper_out")
    assert row.connected and not row.silent and row.updated_at is not None

    board = _device(connect, hall, "board-1")
    _until(hall, lambda r: r["board-1"].connected)
    runner.advance(seconds=100)  # three missed heartbeats: the board is not responding
    _until(hall, lambda r: r["board-1"].silent)
    assert board.request("heartbeat")["type"] == "result"
    _until(hall, lambda r: not r["board-1"].silent and r["board-1"].connected)

    kiosk.close()
    _until(hall, lambda r: not r["kiosk-1"].connected)
    assert _rows(hall)["kiosk-1"].printer == "error"  # the last report stays with the row


def test_a_database_refusing_the_device_status_never_fails_a_command(
    hall: TestHall, connect: Callable[[], SyncClient], caplog: pytest.LogCaptureFixture
) -> None:
    working = hall.server.device_store
    dead = make_engine("postgresql://nobody@127.0.0.1:9/none?connect_timeout=2")  # nothing listens there
    hall.server.device_store = DeviceStatusStore(dead)
    try:
        with caplog.at_level(logging.WARNING, logger="dawr.server"):
            kiosk = _device(connect, hall, "kiosk-2")
            for state in ("error", "warning", "ok"):
                assert (
                    kiosk.request("device_health", printer=state, detail=f"printer {state}")["type"]
                    == "result"
                )
            issued = kiosk.request("issue_ticket", service_id="inquiry", idempotency_key="press-0001")
            assert issued["type"] == "result" and issued["data"]["ticket"]["number"]
            assert kiosk.request("ping")["type"] == "result"
            deadline = time.monotonic() + 15
            while not any("not_stored" in r.getMessage() for r in caplog.records):
                assert time.monotonic() < deadline, "the failed write was not logged"
                time.sleep(0.05)
            hall.server.device_store = working
            assert (
                kiosk.request("device_health", printer="error", detail="printer cover_open")["type"]
                == "result"
            )
            _until(hall, lambda r: r["kiosk-2"].detail == "printer cover_open")
        refused = [
            r for r in caplog.records if "device_status" in r.getMessage() and "not_stored" in r.getMessage()
        ]
        assert len(refused) == 1, "a database outage is logged once, not once per device change"
        assert any("stored again" in r.getMessage() for r in caplog.records)
    finally:
        hall.server.device_store = working
        dead.dispose()


def test_the_device_status_upsert_on_postgresql(pg_url: str) -> None:
    runner = ServerThread(db_url=pg_url)
    hall = runner.start()
    try:
        client = SyncClient(hall.url)
        try:
            assert client.login_device(hall.device_tokens["kiosk-1"])["type"] == "result"
            assert client.request("device_health", printer="warning", detail="printer paper_near_end")[
                "type"
            ] == ("result")
            row = _until(hall, lambda r: "kiosk-1" in r and r["kiosk-1"].printer == "warning")["kiosk-1"]
            assert row.connected and row.detail == "printer paper_near_end"
            assert client.request("device_health", printer="ok", detail="printer ready")["type"] == "result"
            _until(hall, lambda r: r["kiosk-1"].printer == "ok")  # the same row, updated
            assert len(_rows(hall)) == 3
        finally:
            client.close()
    finally:
        runner.close()
