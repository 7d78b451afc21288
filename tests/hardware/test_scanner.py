"""QR scanners: line splitting, serial over a pty pair (unplug/replug), keyboard wedge, camera decoding."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtMultimedia import QVideoFrame
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from hardware.printout import sample_printout
from hardware.render import render_ticket
from hardware.scanner import (
    AIM_PREFIX,
    CameraScanner,
    FakeScanner,
    KeyboardWedgeScanner,
    LineSplitter,
    ScannerState,
    SerialScanner,
    decode_qr,
    strip_prefix,
)
from server.testing import FakeClock


def test_line_splitter_handles_cr_lf_crlf_and_split_reads() -> None:
    splitter = LineSplitter()
    assert splitter.feed(b"ab") == []
    assert splitter.feed(b"c\r") == ["abc"]
    assert splitter.feed(b"\nd\ne\r\nf") == ["d", "e"]  # the LF finishing a CRLF is not an empty line
    assert splitter.feed(b"\r\r\n\n") == ["f"]
    assert splitter.feed("تذكرة\n".encode()) == ["تذكرة"]


def test_prefix_strip() -> None:
    assert strip_prefix("]Q1DAWR:42", AIM_PREFIX) == "DAWR:42"
    assert strip_prefix("DAWR:42", AIM_PREFIX) == "DAWR:42"
    assert strip_prefix("QR:abc", "QR:") == "abc"
    assert strip_prefix("abc", None) == "abc"


class Pty:
    """A pty pair behind a stable symlink, like /dev/serial/by-id/...: unplug closes it, replug makes a new one."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.master = -1
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


@pytest.fixture
def pty(tmp_path: Path) -> Iterator[Pty]:
    pair = Pty(tmp_path / "scanner")
    yield pair
    if pair.master >= 0:
        os.close(pair.master)


def test_serial_scanner_over_pty(qtbot: QtBot, pty: Pty) -> None:
    scanner = SerialScanner(str(pty.link), baud=115200, prefix=AIM_PREFIX, reopen_interval=0.05)
    got: list[str] = []
    scanner.scanned.connect(got.append)
    with qtbot.waitSignal(scanner.stateChanged, timeout=5000, check_params_cb=lambda s: s == "connected"):
        scanner.start()
    try:
        with qtbot.waitSignal(scanner.scanned, timeout=5000) as first:
            pty.write(b"]Q1http://hall/t/ab")  # one scan split over two reads
            qtbot.wait(30)  # let the reader see the partial line (not synchronisation: the signal is)
            pty.write(b"c\r\n")
        assert first.args == ["http://hall/t/abc"]
        with qtbot.waitSignals([scanner.scanned] * 3, timeout=5000):
            pty.write(b"CR-ONLY\rLF-ONLY\nCRLF\r\n")
        assert got == ["http://hall/t/abc", "CR-ONLY", "LF-ONLY", "CRLF"]

        with qtbot.waitSignal(
            scanner.stateChanged, timeout=5000, check_params_cb=lambda s: s == "disconnected"
        ):
            pty.unplug()
        assert scanner.state is ScannerState.DISCONNECTED
        with qtbot.waitSignal(scanner.stateChanged, timeout=5000, check_params_cb=lambda s: s == "connected"):
            pty.plug()
        with qtbot.waitSignal(scanner.scanned, timeout=5000) as again:
            pty.write(b"AFTER-REPLUG\r")
        assert again.args == ["AFTER-REPLUG"]
    finally:
        scanner.stop()
    assert scanner.state is ScannerState.STOPPED


def test_serial_scanner_missing_port(qtbot: QtBot, tmp_path: Path) -> None:
    scanner = SerialScanner(str(tmp_path / "nothing"), reopen_interval=0.05)
    with qtbot.waitSignal(scanner.stateChanged, timeout=5000, check_params_cb=lambda s: s == "disconnected"):
        scanner.start()
    scanner.stop()


@pytest.fixture
def field(qtbot: QtBot) -> QLineEdit:
    widget = QLineEdit()
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_wedge_burst_is_a_scan(qtbot: QtBot, field: QLineEdit) -> None:
    scanner = KeyboardWedgeScanner(field, clock=FakeClock(step=0.004).monotonic)  # a key every 4 ms
    scanner.start()
    QTest.keyClicks(field, "DAWR-A012")
    with (
        qtbot.waitSignal(scanner.scanned, timeout=1000) as blocker,
        qtbot.assertNotEmitted(field.returnPressed),
    ):
        QTest.keyClick(field, Qt.Key.Key_Return)
    assert blocker.args == ["DAWR-A012"]


def test_wedge_burst_with_real_clock(qtbot: QtBot, field: QLineEdit) -> None:
    scanner = KeyboardWedgeScanner(field)  # QTest types as fast as a scanner
    scanner.start()
    QTest.keyClicks(field, "http://hall/t/xyz")
    with qtbot.waitSignal(scanner.scanned, timeout=1000) as blocker:
        QTest.keyClick(field, Qt.Key.Key_Enter)
    assert blocker.args == ["http://hall/t/xyz"]


def test_slow_typing_is_not_a_scan(qtbot: QtBot, field: QLineEdit) -> None:
    scanner = KeyboardWedgeScanner(
        field, clock=FakeClock(step=0.25).monotonic
    )  # a person: a key every 250 ms
    scanner.start()
    QTest.keyClicks(field, "12345678")
    with qtbot.assertNotEmitted(scanner.scanned), qtbot.waitSignal(field.returnPressed, timeout=1000):
        QTest.keyClick(field, Qt.Key.Key_Return)
    assert field.text() == "12345678"


def test_short_burst_is_not_a_scan(qtbot: QtBot, field: QLineEdit) -> None:
    scanner = KeyboardWedgeScanner(field, min_length=4, clock=FakeClock(step=0.004).monotonic)
    scanner.start()
    QTest.keyClicks(field, "ab")
    with qtbot.assertNotEmitted(scanner.scanned), qtbot.waitSignal(field.returnPressed, timeout=1000):
        QTest.keyClick(field, Qt.Key.Key_Return)
    scanner.stop()


def test_camera_decodes_frames(qtbot: QtBot) -> None:
    printout = sample_printout("en")
    ticket = render_ticket(printout, 384).to_qimage()
    assert decode_qr(ticket) == [printout.status_url]
    scanner = CameraScanner(clock=FakeClock(step=1.0).monotonic)
    frame = QVideoFrame(ticket.convertToFormat(ticket.Format.Format_RGB32))
    with qtbot.waitSignal(scanner.scanned, timeout=2000) as blocker:
        scanner.process_frame(frame)
    assert blocker.args == [printout.status_url]
    with qtbot.assertNotEmitted(scanner.scanned):
        scanner.process_frame(frame)  # the same code held up again: one scan, not two


def test_camera_absent_is_unavailable(qtbot: QtBot) -> None:
    scanner = CameraScanner()
    if CameraScanner.available():
        pytest.skip("this machine has a camera")
    with qtbot.waitSignal(scanner.stateChanged, timeout=1000) as blocker:
        scanner.start()
    assert blocker.args == ["unavailable"]


def test_fake_scanner(qtbot: QtBot) -> None:
    fake = FakeScanner()
    fake.start()
    with qtbot.waitSignal(fake.scanned) as blocker:
        fake.feed("BK-2025-0412")
    assert blocker.args == ["BK-2025-0412"] and fake.state is ScannerState.CONNECTED
    fake.unplug()
    assert fake.state is ScannerState.DISCONNECTED
