"""Every frame the real server sends validates into the protocol's models (server/protocol/payloads.py),
once, with the reply model of the request it answers; a model serialises back to the same JSON; the
pushes serialised once for all connections are the same text as the push models' own."""

from __future__ import annotations

import json
from typing import Any

from server.protocol import messages as p
from server.protocol import payloads as pl
from server.testing import ServerThread, SyncClient, TestHall


def _frames(client: SyncClient) -> list[dict[str, Any]]:
    return [*([client.snapshot] if client.snapshot else []), *client.pushes]


def _check(raw: dict[str, Any], request_type: str | None = None) -> p.ServerFrame:
    frame = p.parse_server_frame(raw, request_type)
    assert json.loads(p.dump(frame)) == raw  # same JSON back: nothing lost, nothing added
    return frame


def _request(client: SyncClient, kind: str, **fields: Any) -> p.ServerFrame:
    return _check(client.request(kind, **fields), kind)


def test_every_reply_and_push_of_a_busy_hall_validates(runner: ServerThread, hall: TestHall) -> None:
    with (
        SyncClient(hall.url) as kiosk,
        SyncClient(hall.url) as board,
        SyncClient(hall.url) as alice,
        SyncClient(hall.url) as sara,
        SyncClient(hall.url) as adam,
    ):
        assert isinstance(_request(kiosk, "ping"), p.Result)
        kiosk.login_device(hall.device_tokens["kiosk-1"])
        board.login_device(hall.device_tokens["board-1"])
        alice.login("alice", hall.passwords["alice"], 3)
        sara.login("sara", hall.passwords["sara"])
        adam.login("adam", hall.passwords["adam"])
        issued = _request(kiosk, "issue_ticket", service_id="inquiry", idempotency_key="payload-0001")
        assert isinstance(issued, p.Result) and isinstance(issued.data, pl.TicketReply)
        assert issued.data.ticket.number == "C001" and not issued.data.duplicate
        again = _request(kiosk, "issue_ticket", service_id="inquiry", idempotency_key="payload-0001")
        assert isinstance(again, p.Result) and again.data.duplicate
        _request(kiosk, "issue_ticket", service_id="inquiry", idempotency_key="payload-0002")
        _request(kiosk, "device_health", printer="warning", scanner="ok", detail="paper low")
        _request(kiosk, "heartbeat")
        _request(board, "list_services")
        opened = alice.request("open_counter")
        assert opened["data"] == {"counter": 3}  # no "ticket" key when no ticket is concerned
        _check(opened, "open_counter")
        runner.advance(minutes=3)
        called = _request(alice, "call_next")
        assert isinstance(called, p.Result) and isinstance(called.data, pl.CounterReply)
        assert called.data.ticket is not None and called.data.ticket.state == "called"
        for kind in ("recall", "start_service", "park"):
            _request(alice, kind)
        _request(alice, "resume_parked", ticket="C001")
        runner.advance(minutes=8)  # past the cap: cap_warning and cap_overrun events
        _request(alice, "transfer", to_service="supervisor", position="keep")
        _request(alice, "call_next")
        _request(alice, "no_show")
        _request(sara, "reinstate", ticket="C002")
        _request(sara, "cancel", ticket="C002", reason="cancelled")
        refused = _request(alice, "call_next", counter=4)
        assert isinstance(refused, p.Error) and refused.code == "forbidden_counter"
        assert refused.details.counter == 4 and refused.message_ar
        bad = _request(alice, "finish", outcome="NOT A CODE")
        assert isinstance(bad, p.Error) and bad.details.fields and bad.details.fields[0].field == "outcome"
        csv = "reference,national_id,name,phone,service,branch,slot\nBK-9001,850101234,Fatima,33334444,mazaya,hq,2026-11-22 13:10\n"
        imported = _request(adam, "import_appointments", csv=csv)
        assert isinstance(imported, p.Result) and imported.data == pl.ImportReply(imported=1, own=1, others=0)
        for client in (kiosk, board, alice, sara, adam):
            _request(client, "resync")
            client.next_push(lambda m: m.get("type") == "snapshot")
            _request(client, "ping")
        kinds: set[str] = set()
        for client, model in (
            (kiosk, p.KioskSnapshot),
            (board, p.BoardSnapshot),
            (alice, p.CounterSnapshot),
            (sara, p.SupervisorSnapshot),
            (adam, p.AdminSnapshot),
        ):
            assert client.snapshot is not None and isinstance(_check(client.snapshot), model)
            for raw in client.pushes:
                frame = _check(raw)
                kinds.add(frame.type if not isinstance(frame, p.EventPush) else f"event:{frame.event.type}")
        assert {"queue_status", "counter_view", "device_status"} <= kinds
        assert {
            "event:ticket_called",
            "event:cap_warning",
            "event:cap_overrun",
            "event:appointments_imported",
        } <= kinds


def test_the_call_reason_is_figures_not_prose(runner: ServerThread, hall: TestHall) -> None:
    with SyncClient(hall.url) as kiosk, SyncClient(hall.url) as alice:
        kiosk.login_device(hall.device_tokens["kiosk-1"])
        kiosk.request("issue_ticket", service_id="inquiry", idempotency_key="payload-0100")
        alice.login("alice", hall.passwords["alice"], 3)
        alice.request("open_counter")
        runner.advance(minutes=4)
        alice.request("call_next")
        raw = alice.next_push(lambda m: m["type"] == "counter_view" and m["counter"]["current"] is not None)
        view = _check(raw)
        assert isinstance(view, p.CounterView) and view.counter.current is not None
        call = view.counter.current.call
        assert call.rule == "weighted_wait" and call.waited_minutes == 4.0 and call.weight == 1
        assert [service for service, _ in call.scores] == ["inquiry"]
        assert "detail" not in raw["counter"]["current"]["call"]


def test_a_push_serialised_once_is_the_same_text_as_its_model() -> None:
    event = pl.EventInfo(type="ticket_recalled", at="2026-11-22T06:00:00+00:00", counter=3, recalls=1)
    assert p.push_text("event", 7, 6, p.body("event", event)) == p.dump(
        p.EventPush(seq=7, prev_seq=6, event=event)
    )
    device = pl.DeviceInfo(
        id="kiosk-1",
        role="kiosk",
        name="Entrance",
        connected=True,
        last_seen=None,
        health=pl.Peripherals(printer="error"),
        detail="paper out",
    )
    assert p.push_text("device_status", 3, 3, p.body("device", device)) == p.dump(
        p.DeviceStatus(seq=3, prev_seq=3, device=device)
    )
    assert json.loads(device.model_dump_json()) == {
        "id": "kiosk-1",
        "role": "kiosk",
        "name": "Entrance",
        "connected": True,
        "last_seen": None,
        "health": {"printer": "error"},
        "detail": "paper out",
    }  # keys a device never had (silent, the peripherals it lacks) are not sent


def test_every_request_type_has_its_reply_model() -> None:
    assert set(pl.REPLY_MODELS) == set(p.REQUESTS)


def test_a_tick_sends_a_counter_view_only_when_it_changed(runner: ServerThread, hall: TestHall) -> None:
    with SyncClient(hall.url) as kiosk, SyncClient(hall.url) as sara:
        kiosk.login_device(hall.device_tokens["kiosk-1"])
        sara.login("sara", hall.passwords["sara"])
        runner.advance(seconds=1)
        runner.advance(seconds=1)
        sara.request("ping")
        assert not [
            m for m in sara.pushes if m["type"] == "counter_view"
        ]  # nothing changed since the snapshot
        kiosk.request("issue_ticket", service_id="inquiry", idempotency_key="payload-0200")
        runner.advance(seconds=1)
        sara.request("ping")
        changed = {m["counter"]["number"] for m in sara.pushes if m["type"] == "counter_view"}
        assert changed and all(
            any(t["number"] == "C001" for t in m["counter"]["queue"])
            for m in sara.pushes
            if m["type"] == "counter_view"
        )
        sara.pushes.clear()
        runner.advance(seconds=1)
        runner.advance(seconds=1)
        sara.request("ping")
        assert not [m for m in sara.pushes if m["type"] == "counter_view"]  # sent once, not every tick
        assert sara.gaps == 0
