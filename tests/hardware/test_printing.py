"""Printing: ESC/POS bytes via python-escpos Dummy, DLE EOT status over a fake LAN printer, URLs, jobs, CLI."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from pytestqt.qtbot import QtBot

from hardware.cli import register
from hardware.errors import PrinterProfileError, PrinterUrlError
from hardware.printing import (
    EscposPrinter,
    PrinterStatus,
    PrintService,
    RecordingPrinter,
    VirtualPrinter,
    encode_ticket,
    import_escpos,
    open_printer,
    parse_printer_url,
    raster_blocks,
    resolve_profile,
    status_from_replies,
)
from hardware.printout import TicketPrintout, sample_printout
from hardware.render import TicketImage, render_ticket

from .conftest import FakeNetworkPrinter

CUT = b"\x1dV\x00"


@pytest.mark.parametrize("width", [576, 384])
def test_dummy_bytes_are_init_raster_cut(qapp: object, printout_ar: TicketPrintout, width: int) -> None:
    image = render_ticket(printout_ar, width)
    data = encode_ticket(image)
    assert data.startswith(b"\x1b@")
    assert data.endswith(CUT)
    blocks = raster_blocks(data)
    assert len(blocks) == 1
    block = blocks[0]
    assert (block.width, block.height) == (image.width, image.height)
    assert data[block.offset - 2 : block.offset] == b"\x1b@"  # nothing but init before the raster
    decoded = bytes(
        0 if block.is_black(x, y) else 255 for y in range(block.height) for x in range(block.width)
    )
    assert decoded == image.pixels
    raster = Image.frombytes("1", (block.width, block.height), block.data).point(lambda v: 255 - v)
    assert [r.text for r in zxingcpp.read_barcodes(raster.convert("L"))] == [printout_ar.status_url]


def test_import_escpos_leaves_logging_alone() -> None:
    root = logging.getLogger()
    before = list(root.handlers), root.level
    import_escpos()
    assert (list(root.handlers), root.level) == before


# Replies to DLE EOT 1 (printer), 2 (offline cause), 4 (paper sensor); None = no answer.
STATUS_CASES = {
    "ready": ({1: 0x12, 2: 0x12, 4: 0x12}, PrinterStatus.READY),
    "near_end": ({1: 0x12, 2: 0x12, 4: 0x1E}, PrinterStatus.PAPER_NEAR_END),
    "paper_out": ({1: 0x1A, 2: 0x32, 4: 0x72}, PrinterStatus.PAPER_OUT),
    "cover_open": ({1: 0x1A, 2: 0x16, 4: 0x12}, PrinterStatus.COVER_OPEN),
    "offline": ({1: 0x1A, 2: 0x12, 4: 0x12}, PrinterStatus.OFFLINE),
    "no_reply": ({}, PrinterStatus.UNKNOWN),
    "no_paper_reply": ({1: 0x12}, PrinterStatus.UNKNOWN),
    "garbage": ({1: 0xFF, 2: 0xFF, 4: 0xFF}, PrinterStatus.UNKNOWN),
}


@pytest.mark.parametrize("case", list(STATUS_CASES))
def test_status_over_fake_network_printer(network_printer: type[FakeNetworkPrinter], case: str) -> None:
    replies, expected = STATUS_CASES[case]
    fake = network_printer(replies)
    printer = open_printer(fake.url)
    assert isinstance(printer, EscposPrinter)
    assert printer.status(timeout=0.2) is expected
    assert b"\x10\x04\x01" in fake.received


def test_unreachable_printer_is_offline(network_printer: type[FakeNetworkPrinter]) -> None:
    fake = network_printer({})
    url = fake.url
    fake.close()
    assert open_printer(url).status(timeout=0.2) is PrinterStatus.OFFLINE


def test_status_mapping_never_says_adequate_without_reply() -> None:
    assert status_from_replies(None, None, None) is PrinterStatus.UNKNOWN
    assert status_from_replies(0x12, None, None) is PrinterStatus.UNKNOWN
    assert status_from_replies(0x1A, None, None) is PrinterStatus.OFFLINE


def test_print_on_fake_network_printer(
    qapp: object, network_printer: type[FakeNetworkPrinter], printout_en: TicketPrintout
) -> None:
    fake = network_printer({1: 0x12, 4: 0x12})
    printer = open_printer(fake.url, "TM-T88V")
    assert isinstance(printer, EscposPrinter)
    sent: list[tuple[TicketImage, bytes]] = []
    printer.on_printed = lambda _p, image, data: sent.append((image, data))  # type: ignore[method-assign]
    result = printer.print_ticket(printout_en, timeout=5)
    assert result.ok, result.error
    assert (result.status_before, result.status_after) == (PrinterStatus.READY, PrinterStatus.READY)
    [(image, data)] = sent
    assert image.width == 512 and data == encode_ticket(image, "TM-T88V")
    received = bytes(fake.received)
    assert received.startswith(b"\x10\x04\x01\x10\x04\x04" + data)  # status, ticket, status
    assert received.endswith(data + b"\x10\x04\x01\x10\x04\x04")
    assert result.bytes_sent == len(data)


def test_no_print_when_paper_out(
    qapp: object, network_printer: type[FakeNetworkPrinter], printout_en: TicketPrintout
) -> None:
    fake = network_printer(STATUS_CASES["paper_out"][0])
    result = open_printer(fake.url).print_ticket(printout_en, timeout=5)
    assert not result.ok
    assert result.error == "printer reports paper_out"
    assert b"\x1dv0" not in fake.received


def test_virtual_printer_writes_png_and_bin(
    qapp: object, tmp_path: Path, printout_ar: TicketPrintout
) -> None:
    printer = open_printer(f"virtual:{tmp_path / 'out'}", "POS-5890")
    assert isinstance(printer, VirtualPrinter) and printer.width == 384
    result = printer.print_ticket(printout_ar)
    assert result.ok and result.status_after is PrinterStatus.READY
    assert printer.last_files is not None
    png, binary = printer.last_files
    image = render_ticket(printout_ar, 384)
    assert binary.read_bytes() == encode_ticket(image, "POS-5890")
    with Image.open(png) as saved:
        assert saved.size == (384, image.height)
        assert saved.convert("L").tobytes() == image.pixels


def test_print_service_reports_success_and_failure(qtbot: QtBot, printout_ar: TicketPrintout) -> None:
    fake = RecordingPrinter(statuses=[PrinterStatus.READY, PrinterStatus.PAPER_NEAR_END])
    service = PrintService(fake, timeout=10)
    with (
        qtbot.waitSignal(service.statusChanged, timeout=10_000) as status,
        qtbot.waitSignal(service.finished, timeout=10_000) as done,
    ):
        job = service.submit(printout_ar)
    result = done.args[0]
    assert result.ok and result.job_id == job and result.ticket_number == "A012"
    assert status.args == ["paper_near_end"]
    assert len(fake.jobs) == 1 and fake.jobs[0].printout == printout_ar
    assert isinstance(fake.jobs[0].image, TicketImage)

    failing = PrintService(RecordingPrinter(fail_with="USB cable pulled"), timeout=10)
    with qtbot.waitSignal(failing.finished, timeout=10_000) as done:
        failing.submit(printout_ar)
    assert not done.args[0].ok and done.args[0].error == "USB cable pulled"


def test_print_service_times_out(qtbot: QtBot, printout_ar: TicketPrintout) -> None:
    slow = RecordingPrinter(delay=3.0)
    service = PrintService(slow, timeout=0.5)
    with qtbot.waitSignal(service.finished, timeout=5_000) as done:
        service.submit(printout_ar)
    assert not done.args[0].ok
    assert done.args[0].error == "printer did not finish within 0.5 s"


def test_printer_urls() -> None:
    usb = parse_printer_url("usb:04b8:0202")
    assert (usb.kind, usb.vendor_id, usb.product_id) == ("usb", 0x04B8, 0x0202)
    serial = parse_printer_url("serial:/dev/ttyUSB0?baud=9600")
    assert (serial.kind, serial.target, serial.baud) == ("serial", "/dev/ttyUSB0", 9600)
    assert parse_printer_url("serial:/dev/ttyS1").baud == 115200
    net = parse_printer_url("network:192.0.2.10:9100")
    assert (net.target, net.port) == ("192.0.2.10", 9100)
    assert parse_printer_url("network:printer.hall").port == 9100
    assert (parse_printer_url("network:[::1]:9101").target, parse_printer_url("network:[::1]:9101").port) == (
        "::1",
        9101,
    )
    assert parse_printer_url("file:/dev/usb/lp0").target == "/dev/usb/lp0"
    assert parse_printer_url("virtual:/tmp/t").kind == "virtual"
    for bad, message in [
        ("usb:04b8", "usb:VID:PID"),
        ("usb:zz:01", "hex"),
        ("lpt:1", "unknown printer URL"),
        ("network:host:0", "port"),
        ("serial:/dev/x?baud=fast", "baud"),
        ("file:", "missing"),
    ]:
        with pytest.raises(PrinterUrlError, match=message):
            parse_printer_url(bad)


def test_profiles_set_width() -> None:
    assert resolve_profile().width == 576
    assert resolve_profile("TM-T88V").width == 512
    assert resolve_profile("ZJ-5870").width == 384
    assert resolve_profile("TM-T20II", 384).width == 384
    with pytest.raises(PrinterProfileError, match="unknown printer profile"):
        resolve_profile("TM-NOPE")
    with pytest.raises(PrinterProfileError, match="raster"):
        resolve_profile("TM-U220")
    with pytest.raises(PrinterProfileError, match="does not fit"):
        resolve_profile("ZJ-5870", 576)


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="dawr")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return int(args.func(args))


def test_cli_sample_and_print(qapp: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ticket.png"
    assert (
        run_cli(
            "ticket",
            "sample",
            "--width",
            "384",
            "--lang",
            "en",
            "--digits",
            "arabic-indic",
            "--out",
            str(out),
        )
        == 0
    )
    with Image.open(out) as image:
        assert image.size[0] == 384
    assert run_cli("ticket", "print", "--printer", f"virtual:{tmp_path / 'v'}", "--profile", "TM-T88V") == 0
    assert len(list((tmp_path / "v").glob("*.bin"))) == 1
    capsys.readouterr()


@pytest.mark.parametrize(
    "argv",
    [
        ("ticket", "sample", "--width", "600", "--out", "x.png"),
        ("ticket", "print", "--printer", "lpt:1"),
        ("ticket", "print", "--printer", "virtual:/tmp/x", "--profile", "TM-NOPE"),
    ],
)
def test_cli_bad_arguments(qapp: object, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]) -> None:
    assert run_cli(*argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("dawr ticket: error: ") and err.count("\n") == 1


def test_cli_unreachable_printer_fails(
    qapp: object, network_printer: type[FakeNetworkPrinter], capsys: pytest.CaptureFixture[str]
) -> None:
    fake = network_printer({})
    url = fake.url
    fake.close()
    assert run_cli("ticket", "print", "--printer", url, "--timeout", "2") == 1
    assert "not reachable" in capsys.readouterr().err


def test_sample_printout_is_used_for_demo() -> None:
    assert sample_printout("en").primary_language == "en"
