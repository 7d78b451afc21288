"""HTTP on the websocket port: /healthz, /metrics and the citizen's ticket page."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from server.testing import SyncClient


def _get(url: str) -> tuple[int, dict[str, str], str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode("utf-8")


def test_healthz(hall):
    with SyncClient(hall.url) as board:
        board.login_device(hall.device_tokens["board-1"])
        status, headers, body = _get(hall.http_url + "/healthz")
    data = json.loads(body)
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert data["status"] == "ok" and data["database"] is True and data["uptime_seconds"] >= 0
    assert data["clients"]["board"] == 1 and data["clients"]["kiosk"] == 0


def test_metrics(hall):
    with SyncClient(hall.url) as kiosk:
        kiosk.login_device(hall.device_tokens["kiosk-1"])
        kiosk.request("issue_ticket", service_id="data_update", idempotency_key="press-0001")
        kiosk.request("issue_ticket", service_id="data_update", idempotency_key="press-0002")
        status, headers, text = _get(hall.http_url + "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4")
    lines = text.splitlines()
    assert 'dawr_tickets_issued_total{service="data_update"} 2' in lines
    assert 'dawr_waiting{service="data_update"} 2' in lines
    assert 'dawr_connected_clients{role="kiosk"} 1' in lines
    assert 'dawr_requests_total{result="ok",type="issue_ticket"} 2' in lines
    assert any(
        line.startswith('dawr_request_seconds_bucket{le="+Inf",type="issue_ticket"} 2') for line in lines
    )
    assert "dawr_calls_total 0" in lines and "dawr_cap_overruns_total 0" in lines


def test_ticket_page_shows_only_that_ticket(hall):
    with SyncClient(hall.url) as kiosk, SyncClient(hall.url) as counter:
        kiosk.login_device(hall.device_tokens["kiosk-1"])
        first = kiosk.request("issue_ticket", service_id="inquiry", idempotency_key="press-0010")["data"][
            "ticket"
        ]
        second = kiosk.request("issue_ticket", service_id="inquiry", idempotency_key="press-0011")["data"][
            "ticket"
        ]
        status, headers, page = _get(hall.http_url + second["status_path"])
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
        assert 'dir="rtl"' in page and 'http-equiv="refresh"' in page
        assert "C002" in page and "استفسار عام ومتابعة الطلب" in page and "General inquiry" in page
        assert "C001" not in page and first["token"] not in page and second["token"] not in page
        assert headers["Cache-Control"] == "no-store" and headers["Referrer-Policy"] == "no-referrer"
        counter.login("alice", hall.passwords["alice"], 5)
        counter.request("open_counter")
        counter.request("call_next")
        _, _, called = _get(hall.http_url + first["status_path"])
        assert "حان دورك" in called and "Counter 5" in called and "C002" not in called


@pytest.mark.parametrize("path", ["/t/AAAAAAAAAAAAAAAAAAAAAA", "/t/short", "/t/<script>", "/nothing", "/t/"])
def test_unknown_token_is_a_404_page_without_data(hall, path):
    with SyncClient(hall.url) as kiosk:
        kiosk.login_device(hall.device_tokens["kiosk-1"])
        kiosk.request("issue_ticket", service_id="inquiry", idempotency_key="press-0020")
    status, headers, page = _get(hall.http_url + path)
    assert status == 404 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Ticket not found" in page and "لم يتم العثور على التذكرة" in page
    assert "C001" not in page and "inquiry" not in page.lower() and "<script>" not in page
