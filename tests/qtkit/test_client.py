"""The shared Qt client against the real server (pytest-qt, offscreen, no sleeps)."""

from __future__ import annotations

import pytest

from qtkit import DeviceLogin, HallClient, SessionLogin, StaffLogin
from server.protocol import messages as p
from server.protocol import payloads as pl
from server.testing import ServerThread, SyncClient

WAIT = 10_000


@pytest.fixture
def runner(qtbot):
    thread = ServerThread()
    thread.start()
    yield thread
    # let Qt finish the clients' closing handshakes before the server shuts down
    qtbot.waitUntil(lambda: len(thread.hall.server.connections) == 0, timeout=WAIT)
    thread.stop()


def _client(qtbot, urls, credentials, **kwargs) -> HallClient:
    client = HallClient(urls, credentials, backoff_start=0.05, backoff_max=0.2, **kwargs)
    with qtbot.waitSignal(client.snapshotReceived, timeout=WAIT) as snap:
        client.start()
    client.first_snapshot = snap.args[0]
    return client


def _reply(qtbot, pending):
    if not pending.done:
        with qtbot.waitSignal(pending.finished, timeout=WAIT):
            pass
    return pending


def test_board_receives_call_event(qtbot, runner):
    hall = runner.hall
    board = _client(qtbot, [hall.url], DeviceLogin(hall.device_tokens["board-1"]))
    assert board.state == "ready" and isinstance(board.first_snapshot, p.BoardSnapshot)
    kiosk = _client(qtbot, [hall.url], DeviceLogin(hall.device_tokens["kiosk-1"]))
    issued = _reply(
        qtbot,
        kiosk.request("issue_ticket", retry=True, service_id="inquiry", idempotency_key="qt-press-0001"),
    )
    assert issued.ok and issued.payload(pl.TicketReply).ticket.number == "C001"
    counter = _client(qtbot, [hall.url], StaffLogin("alice", hall.passwords["alice"], 3))
    assert isinstance(counter.credentials, SessionLogin)  # the password is not kept
    assert _reply(qtbot, counter.request("open_counter")).ok

    def is_call(message):
        return isinstance(message, p.EventPush) and message.event.type == "ticket_called"

    with qtbot.waitSignal(board.pushReceived, timeout=WAIT, check_params_cb=is_call) as pushed:
        counter.request("call_next")
    assert pushed.args[0].event.ticket.number == "C001"
    refused = _reply(qtbot, counter.request("call_next", counter=4))
    assert not refused.ok and refused.code == "forbidden_counter" and refused.message_ar
    for client in (board, kiosk, counter):
        client.stop()


def test_reconnect_resumes_session_and_resyncs(qtbot, runner):
    hall = runner.hall
    counter = _client(qtbot, [hall.url], StaffLogin("alice", hall.passwords["alice"], 3))
    assert _reply(qtbot, counter.request("open_counter")).ok
    with SyncClient(hall.url) as kiosk:
        kiosk.login_device(hall.device_tokens["kiosk-1"])
        kiosk.request("issue_ticket", service_id="inquiry", idempotency_key="qt-press-0100")
    with qtbot.waitSignal(counter.snapshotReceived, timeout=WAIT) as snap:
        counter.drop_connection()
    assert isinstance(snap.args[0], p.CounterSnapshot)
    view = snap.args[0].data.counter
    assert view is not None and view.number == 3 and view.state == "open"
    assert [t.number for t in view.queue] == ["C001"]
    assert isinstance(counter.login_result, pl.LoginReply)
    assert counter.login_result.counter == 3 and counter.state == "ready"
    counter.stop()


def test_gap_triggers_resync(qtbot, runner):
    hall = runner.hall
    board = _client(qtbot, [hall.url], DeviceLogin(hall.device_tokens["board-1"]))
    board.last_seq -= 1  # as if a push had been lost
    with (
        qtbot.waitSignal(board.resyncing, timeout=WAIT),
        qtbot.waitSignal(board.snapshotReceived, timeout=WAIT) as snap,
        SyncClient(hall.url) as kiosk,
    ):
        kiosk.login_device(hall.device_tokens["kiosk-1"])
        kiosk.request("issue_ticket", service_id="inquiry", idempotency_key="qt-press-0200")
    assert snap.args[0].seq == hall.journal_seq() == board.last_seq
    waiting = {s.id: s.waiting for s in snap.args[0].data.services}
    assert waiting["inquiry"] == 1
    board.stop()


def test_second_url_is_used_when_first_is_down(qtbot, runner):
    hall = runner.hall
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"ws://127.0.0.1:{s.getsockname()[1]}/"
    board = _client(qtbot, [dead, hall.url], DeviceLogin(hall.device_tokens["board-1"]))
    assert board.url == hall.url and board.state == "ready"
    board.stop()


def test_wrong_token_reports_login_failure(qtbot, runner):
    hall = runner.hall
    client = HallClient([hall.url], DeviceLogin("not-a-device-token-at-all"), backoff_start=0.05)
    with qtbot.waitSignal(client.loginFailed, timeout=WAIT) as failed:
        client.start()
    assert failed.args[0] == "login_failed" and client.state == "stopped"


def test_cap_warning_with_fake_clock(qtbot, runner):
    hall = runner.hall
    with SyncClient(hall.url) as kiosk:
        kiosk.login_device(hall.device_tokens["kiosk-1"])
        kiosk.request("issue_ticket", service_id="inquiry", idempotency_key="qt-press-0300")
    counter = _client(qtbot, [hall.url], StaffLogin("alice", hall.passwords["alice"], 3))
    for kind in ("open_counter", "call_next", "start_service"):
        assert _reply(qtbot, counter.request(kind)).ok

    def is_warning(message):
        return isinstance(message, p.EventPush) and message.event.type == "cap_warning"

    with qtbot.waitSignal(counter.pushReceived, timeout=WAIT, check_params_cb=is_warning):
        runner.advance(minutes=5, seconds=30)
    counter.stop()


def test_finished_replies_are_freed(qtbot, runner):
    import gc
    import weakref

    hall = runner.hall
    board = _client(qtbot, [hall.url], DeviceLogin(hall.device_tokens["board-1"]))
    refs = []
    for _ in range(20):
        pending = _reply(qtbot, board.request("ping"))
        assert pending.ok
        refs.append(weakref.ref(pending))
    del pending
    gc.collect()
    assert all(ref() is None for ref in refs)  # a board running for weeks keeps no old replies
    board.stop()


def test_a_silent_server_is_noticed_and_the_client_reconnects(qtbot):
    """A server that accepted the connection but never answers (a frozen process, a half-open link)."""
    import asyncio
    import threading

    from websockets.asyncio.server import serve

    ready = threading.Event()
    stop = threading.Event()
    port: list[int] = []

    async def silent(ws):
        async for _ in ws:  # read everything, answer nothing
            pass

    async def main():
        async with serve(silent, "127.0.0.1", 0) as server:
            port.append(server.sockets[0].getsockname()[1])
            ready.set()
            while not stop.is_set():
                await asyncio.sleep(0.05)

    thread = threading.Thread(target=lambda: asyncio.run(main()), daemon=True)
    thread.start()
    assert ready.wait(10)
    client = HallClient(
        [f"ws://127.0.0.1:{port[0]}/"],
        DeviceLogin("x" * 20),
        backoff_start=5,
        backoff_max=5,
        request_timeout=0.5,
    )
    try:
        with qtbot.waitSignal(
            client.stateChanged, timeout=WAIT, check_params_cb=lambda state: state == "authenticating"
        ):
            client.start()
        with qtbot.waitSignal(
            client.stateChanged, timeout=WAIT, check_params_cb=lambda state: state == "disconnected"
        ):
            pass
    finally:
        client.stop()
        stop.set()
        thread.join(10)
