"""Hardware faults at the kiosk against the real server: the printer unplugged in the middle of a ticket and
the QR scanner (serial, over a pty) unplugged and plugged back. The kiosk's glue is played by the test: it
prints what the server answered and reports peripheral health with ``device_health``."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from hardware.printing import PrinterStatus, RecordingPrinter
from hardware.printout import TicketPrintout
from hardware.scanner import AIM_PREFIX, ScannerState, SerialScanner
from server.core.appointments import sign_booking_qr
from server.testing import ServerThread, SyncClient


@pytest.fixture
def runner():
    thread = ServerThread()
    thread.start()
    yield thread
    thread.stop()


def _printout(ticket: dict, hall) -> TicketPrintout:
    return TicketPrintout(
        ticket_number=ticket["number"],
        branch_name_ar=hall.config.branch.name_ar,
        branch_name_en=hall.config.branch.name_en,
        service_name_ar=ticket["service_ar"],
        service_name_en=ticket["service_en"],
        people_ahead=ticket["people_ahead"],
        estimated_wait_minutes=None,
        issued_at=hall.clock(),
        status_url=f"{hall.http_url}{ticket['status_path']}",
    )


def _device_status(supervisor: SyncClient, device: str, part: str, value: str) -> dict:
    return supervisor.next_push(
        lambda m: (
            m.get("type") == "device_status"
            and m["device"]["id"] == device
            and m["device"]["health"].get(part) == value
        )
    )


def test_printer_unplugged_mid_ticket(runner, qtbot):
    hall = runner.hall
    kiosk = SyncClient(hall.url)
    kiosk.login_device(hall.device_tokens["kiosk-1"])
    supervisor = SyncClient(hall.url)
    supervisor.login("sara", hall.passwords["sara"])
    ticket = kiosk.request("issue_ticket", service_id="inquiry", idempotency_key="press-0000001")["data"][
        "ticket"
    ]

    unplugged = RecordingPrinter(
        statuses=[PrinterStatus.READY], fail_with="USB device disconnected while printing"
    )
    result = unplugged.print_ticket(_printout(ticket, hall), timeout=5)
    assert not result.ok and "disconnected" in (result.error or "")  # a clear failure, one line
    assert result.ticket_number == ticket["number"] and unplugged.jobs == []
    assert kiosk.request("device_health", printer="error", detail=result.error)["type"] == "result"
    status = _device_status(supervisor, "kiosk-1", "printer", "error")
    assert "disconnected" in status["device"]["detail"]

    # the number exists on the server all the same: the retry with the same press returns it, and it is
    # waiting in its queue (the citizen can be helped by its number or the staff can reprint it)
    again = kiosk.request("issue_ticket", service_id="inquiry", idempotency_key="press-0000001")["data"]
    assert again["duplicate"] is True and again["ticket"]["number"] == ticket["number"]
    assert (
        next(s for s in kiosk.request("list_services")["data"]["services"] if s["id"] == "inquiry")["waiting"]
        == 1
    )

    replugged = RecordingPrinter()
    reprint = replugged.print_ticket(_printout(again["ticket"], hall), timeout=5)
    assert reprint.ok and replugged.jobs[0].printout.ticket_number == ticket["number"]
    assert kiosk.request("device_health", printer="ok")["type"] == "result"
    _device_status(supervisor, "kiosk-1", "printer", "ok")
    counter = SyncClient(hall.url)
    counter.login("alice", hall.passwords["alice"], 3)
    counter.request("open_counter")
    assert counter.request("call_next")["data"]["ticket"]["number"] == ticket["number"]
    for client in (kiosk, supervisor, counter):
        client.close()


class Pty:
    """A pty pair behind a stable symlink (like /dev/serial/by-id/...): unplug removes both."""

    def __init__(self, link: Path) -> None:
        self.link, self.master = link, -1
        self.plug()

    def plug(self) -> None:
        master, slave = os.openpty()
        name = os.ttyname(slave)
        os.close(slave)
        self.master = master
        tmp = self.link.with_suffix(".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(name)
        tmp.replace(self.link)

    def write(self, data: bytes) -> None:
        os.write(self.master, data)

    def unplug(self) -> None:
        os.close(self.master)
        self.master = -1
        self.link.unlink(missing_ok=True)


def test_scanner_unplugged_and_back(runner, qtbot, tmp_path):
    hall = runner.hall
    admin = SyncClient(hall.url)
    admin.login("adam", hall.passwords["adam"])
    slot = (hall.clock() + timedelta(minutes=10)).astimezone(hall.config.zone)
    rows = [f"BK-{n},85010123{n},Citizen {n},3333444{n},mazaya,hq,{slot:%Y-%m-%d %H:%M}" for n in (1, 2)]
    csv = "reference,national_id,name,phone,service,branch,slot\n" + "\n".join(rows) + "\n"
    assert admin.request("import_appointments", csv=csv)["data"]["own"] == 2
    kiosk = SyncClient(hall.url)
    kiosk.login_device(hall.device_tokens["kiosk-1"])
    supervisor = SyncClient(hall.url)
    supervisor.login("sara", hall.passwords["sara"])

    port = Pty(tmp_path / "scanner")
    scanner = SerialScanner(str(port.link), baud=115200, prefix=AIM_PREFIX, reopen_interval=0.05)
    states: list[str] = []
    scanner.stateChanged.connect(states.append)

    reporter = SyncClient(hall.url)  # used only from the scanner's thread (signals arrive there)
    reporter.login_device(hall.device_tokens["kiosk-1"])

    def report(state: str) -> None:  # what the kiosk app does with scanner state changes
        reporter.request(
            "device_health",
            scanner="ok" if state == ScannerState.CONNECTED.value else "error",
            detail=f"scanner {state}",
        )

    scanner.stateChanged.connect(report)
    day = slot.date()
    try:
        with qtbot.waitSignal(
            scanner.stateChanged, timeout=5000, check_params_cb=lambda s: s == ScannerState.CONNECTED.value
        ):
            scanner.start()
        with qtbot.waitSignal(scanner.scanned, timeout=5000) as scan:
            port.write(b"]Q1" + sign_booking_qr(hall.qr_secret, "hq", "BK-1", day).encode() + b"\r\n")
        reply = kiosk.request("check_in", qr_payload=scan.args[0], idempotency_key="scan-0000001")
        assert reply["type"] == "result" and reply["data"]["ticket"]["kind"] == "appointment"

        with qtbot.waitSignal(
            scanner.stateChanged, timeout=5000, check_params_cb=lambda s: s == ScannerState.DISCONNECTED.value
        ):
            port.unplug()
        _device_status(supervisor, "kiosk-1", "scanner", "error")

        with qtbot.waitSignal(
            scanner.stateChanged, timeout=5000, check_params_cb=lambda s: s == ScannerState.CONNECTED.value
        ):
            port.plug()
        _device_status(supervisor, "kiosk-1", "scanner", "ok")
        with qtbot.waitSignal(scanner.scanned, timeout=5000) as scan:  # scans resume
            port.write(b"]Q1" + sign_booking_qr(hall.qr_secret, "hq", "BK-2", day).encode() + b"\r")
        reply = kiosk.request("check_in", qr_payload=scan.args[0], idempotency_key="scan-0000002")
        assert reply["type"] == "result", reply
        assert states == ["connected", "disconnected", "connected"]
    finally:
        scanner.stop()
        if port.master >= 0:
            os.close(port.master)
        for client in (admin, kiosk, supervisor, reporter):
            client.close()
