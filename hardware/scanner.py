"""QR scanners behind one interface: :class:`Scanner` emits ``scanned(str)`` once per code read.

- :class:`SerialScanner` — USB-CDC (virtual COM port) scanners read with pyserial in a background thread;
  lines end with CR, LF or CRLF; an optional symbology prefix is stripped; unplug/replug reopens the port
  and is reported through ``stateChanged``.
- :class:`KeyboardWedgeScanner` — a Qt event filter for scanners that type like a keyboard: a fast burst of
  keys ending in Enter is a scan, a person typing is not.
- :class:`CameraScanner` — QtMultimedia camera frames decoded with zxing-cpp (only when a camera exists).
- :class:`FakeScanner` — the fake next to them: ``feed(text)`` emits exactly what a real scanner would.

Signals are delivered in the thread of the receiving object (the UI thread for the kiosk).
"""

from __future__ import annotations

import contextlib
import enum
import logging
import re
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QImage, QKeyEvent

if TYPE_CHECKING:
    from PySide6.QtMultimedia import QCamera, QMediaCaptureSession, QVideoFrame, QVideoSink

log = logging.getLogger(__name__)


class ScannerState(enum.StrEnum):
    """Where a scanner is: STOPPED (not started), CONNECTED (reading), DISCONNECTED (device gone, retrying),
    UNAVAILABLE (no such device on this machine, e.g. no camera)."""

    STOPPED = "stopped"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    UNAVAILABLE = "unavailable"


class Scanner(QObject):
    """The one interface the kiosk uses: ``start()``, ``stop()``, ``state``, and two signals.

    ``scanned(str)`` — the decoded text of one code. ``stateChanged(str)`` — a :class:`ScannerState` value.
    """

    scanned = Signal(str)
    stateChanged = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._state = ScannerState.STOPPED

    @property
    def state(self) -> ScannerState:
        """The current :class:`ScannerState`."""
        return self._state

    def _set_state(self, state: ScannerState) -> None:
        if state is not self._state:
            self._state = state
            log.info("%s: %s", type(self).__name__, state.value)
            self.stateChanged.emit(state.value)

    def start(self) -> None:
        """Begin reading; scans arrive through ``scanned``."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop reading and release the device."""
        raise NotImplementedError


AIM_PREFIX = "aim"
"""Pass as ``prefix`` to strip an AIM symbology identifier (``]Q1``, ``]C0``…) that scanners can prepend."""
_AIM_RE = re.compile(r"^\][A-Za-z][0-9A-Za-z]")


def strip_prefix(text: str, prefix: str | None) -> str:
    """Remove ``prefix`` (a literal string, or :data:`AIM_PREFIX` for any AIM identifier) from ``text``."""
    if not prefix:
        return text
    if prefix == AIM_PREFIX:
        return _AIM_RE.sub("", text, count=1)
    return text.removeprefix(prefix)


class LineSplitter:
    """Turns chunks of bytes into complete lines ended by CR, LF or CRLF (a CRLF split across two chunks is
    still one line end). Empty lines are dropped; text is decoded as UTF-8 (bad bytes become U+FFFD)."""

    def __init__(self, max_line: int = 4096) -> None:
        self._buffer = bytearray()
        self._after_cr = False
        self.max_line = max_line

    def feed(self, chunk: bytes) -> list[str]:
        """Add ``chunk``; return the lines it completed, in order."""
        lines: list[str] = []
        for byte in chunk:
            if byte == 0x0A and self._after_cr:  # LF of a CRLF: the line already ended at CR
                self._after_cr = False
                continue
            self._after_cr = byte == 0x0D
            if byte in (0x0A, 0x0D):
                if self._buffer:
                    lines.append(self._buffer.decode("utf-8", errors="replace"))
                self._buffer.clear()
            elif len(self._buffer) < self.max_line:
                self._buffer.append(byte)
        return lines

    def reset(self) -> None:
        """Forget a partial line (after the device went away)."""
        self._buffer.clear()
        self._after_cr = False


class SerialScanner(Scanner):
    """A scanner in USB-CDC / serial mode on ``port`` (e.g. ``/dev/ttyACM0`` or a stable
    ``/dev/serial/by-id/...`` link). ``start()`` spawns a reader thread that opens the port, emits each line
    (prefix stripped) and, when the device disappears, reports DISCONNECTED and retries every
    ``reopen_interval`` seconds until it is back (CONNECTED)."""

    def __init__(
        self,
        port: str,
        baud: int = 9600,
        prefix: str | None = None,
        reopen_interval: float = 1.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.port = port
        self.baud = baud
        self.prefix = prefix
        self.reopen_interval = reopen_interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"dawr-scanner-{self.port}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        self._set_state(ScannerState.STOPPED)

    def _run(self) -> None:
        import serial

        splitter = LineSplitter()
        reported_missing = False
        while not self._stop.is_set():
            try:
                device = serial.Serial(self.port, self.baud, timeout=0.1)
            except (serial.SerialException, OSError) as exc:
                if not reported_missing:
                    log.warning("scanner %s not available: %s", self.port, exc)
                    reported_missing = True
                self._set_state(ScannerState.DISCONNECTED)
                self._stop.wait(self.reopen_interval)
                continue
            reported_missing = False
            self._set_state(ScannerState.CONNECTED)
            try:
                while not self._stop.is_set():
                    chunk = device.read(max(1, device.in_waiting))
                    for line in splitter.feed(chunk):
                        text = strip_prefix(line.strip(), self.prefix)
                        if text:
                            self.scanned.emit(text)
            except (serial.SerialException, OSError) as exc:
                log.warning("scanner %s disconnected: %s", self.port, exc)
                splitter.reset()
                self._set_state(ScannerState.DISCONNECTED)
                self._stop.wait(self.reopen_interval)
            finally:
                with contextlib.suppress(serial.SerialException, OSError):
                    device.close()


# US-layout characters by X11/xkb keycode (evdev + 8), unshifted and shifted: keyboard-wedge scanners
# type key positions, so under an Arabic layout Qt reports Arabic letters; these give back what was meant.
_US_KEYS: dict[int, tuple[str, str]] = {
    10: ("1", "!"),
    11: ("2", "@"),
    12: ("3", "#"),
    13: ("4", "$"),
    14: ("5", "%"),
    15: ("6", "^"),
    16: ("7", "&"),
    17: ("8", "*"),
    18: ("9", "("),
    19: ("0", ")"),
    20: ("-", "_"),
    21: ("=", "+"),
    34: ("[", "{"),
    35: ("]", "}"),
    47: (";", ":"),
    48: ("'", '"'),
    49: ("`", "~"),
    51: ("\\", "|"),
    59: (",", "<"),
    60: (".", ">"),
    61: ("/", "?"),
}
for _code, _letter in zip(range(24, 34), "qwertyuiop", strict=True):
    _US_KEYS[_code] = (_letter, _letter.upper())
for _code, _letter in zip(range(38, 47), "asdfghjkl", strict=True):
    _US_KEYS[_code] = (_letter, _letter.upper())
for _code, _letter in zip(range(52, 59), "zxcvbnm", strict=True):
    _US_KEYS[_code] = (_letter, _letter.upper())


class WedgeDetector:
    """Pure logic of the keyboard wedge (no Qt): feed characters and Enter with their time.

    A scan is at least ``min_length`` characters, each arriving within ``max_gap`` seconds of the previous
    one (scanners type a character every 1-20 ms; people rarely under 50 ms), ended by Enter within
    ``max_gap``. ``clock`` is injectable for tests.
    """

    def __init__(
        self, min_length: int = 4, max_gap: float = 0.05, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.min_length = min_length
        self.max_gap = max_gap
        self.clock = clock
        self._buffer: list[str] = []
        self._last: float | None = None

    def key(self, text: str) -> None:
        """A printable character was typed now."""
        now = self.clock()
        if self._last is None or now - self._last > self.max_gap:
            self._buffer = []
        self._buffer.append(text)
        self._last = now

    def enter(self) -> str | None:
        """Enter was pressed now; returns the scanned text if this ends a burst, else None (human typing)."""
        now = self.clock()
        burst = self._last is not None and now - self._last <= self.max_gap
        text = "".join(self._buffer)
        self._buffer = []
        self._last = None
        return text if burst and len(text) >= self.min_length else None

    def other(self) -> None:
        """Any other key (arrows, Escape…): whatever was collected is not a scan."""
        self._buffer = []
        self._last = None


class KeyboardWedgeScanner(Scanner):
    """Watches key presses on ``target`` (a widget, window or the application) through an event filter.

    When a fast burst ending in Enter is recognised, ``scanned`` fires and that Enter is swallowed (so a
    focused button or form is not triggered); the typed characters themselves still reach the widget, so
    the kiosk should not keep a text field focused on the scan screen. ``us_layout=True`` maps key positions
    back to US-layout characters when the system layout is Arabic (X11/xcb key codes).
    """

    def __init__(
        self,
        target: QObject,
        min_length: int = 4,
        max_gap: float = 0.05,
        us_layout: bool = True,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.target = target
        self.us_layout = us_layout
        self.detector = WedgeDetector(min_length, max_gap, clock)

    def start(self) -> None:
        self.target.installEventFilter(self)
        self._set_state(ScannerState.CONNECTED)

    def stop(self) -> None:
        self.target.removeEventFilter(self)
        self._set_state(ScannerState.STOPPED)

    def _char(self, event: QKeyEvent) -> str:
        text = event.text()
        if self.us_layout and text and not text.isascii():
            mapped = _US_KEYS.get(event.nativeScanCode())
            if mapped is not None:
                shifted = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
                return mapped[1] if shifted else mapped[0]
        return text

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            text = self.detector.enter()
            if text is not None:
                self.scanned.emit(text)
                return True
            return False
        char = self._char(event)
        if char and char.isprintable():
            self.detector.key(char)
        elif event.key() not in (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt):
            self.detector.other()
        return False


def decode_qr(image: QImage) -> list[str]:
    """Decode every QR code in ``image`` with zxing-cpp; returns their texts (empty list if none)."""
    import zxingcpp

    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    width, height, stride = gray.width(), gray.height(), gray.bytesPerLine()
    raw = bytes(gray.constBits())[: stride * height]
    if stride != width:
        raw = b"".join(raw[row * stride : row * stride + width] for row in range(height))
    view = memoryview(raw).cast("B", (height, width))
    return [r.text for r in zxingcpp.read_barcodes(view, formats=zxingcpp.BarcodeFormat.QRCode) if r.text]


class CameraScanner(Scanner):
    """Reads QR codes from a camera (QtMultimedia) with zxing-cpp.

    :meth:`available` tells whether this machine has a camera; ``start()`` without one sets UNAVAILABLE and
    logs once. Frames are decoded at most every ``interval`` seconds; the same code is reported again only
    after ``repeat_after`` seconds (a code held in front of the camera is one scan).
    """

    def __init__(
        self,
        interval: float = 0.2,
        repeat_after: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.interval = interval
        self.repeat_after = repeat_after
        self.clock = clock
        self._camera: QCamera | None = None
        self._session: QMediaCaptureSession | None = None
        self._sink: QVideoSink | None = None
        self._last_decode = float("-inf")
        self._last_text: tuple[str, float] | None = None

    @staticmethod
    def available() -> bool:
        """True when QtMultimedia sees at least one camera."""
        from PySide6.QtMultimedia import QMediaDevices

        return bool(QMediaDevices.videoInputs())

    def start(self) -> None:
        from PySide6.QtMultimedia import QCamera, QMediaCaptureSession, QMediaDevices, QVideoSink

        inputs = QMediaDevices.videoInputs()
        if not inputs:
            log.warning("no camera found; camera QR scanning is off")
            self._set_state(ScannerState.UNAVAILABLE)
            return
        camera = QCamera(inputs[0])
        session = QMediaCaptureSession()
        sink = QVideoSink()
        session.setCamera(camera)
        session.setVideoSink(sink)
        sink.videoFrameChanged.connect(self.process_frame)
        camera.start()
        self._camera, self._session, self._sink = camera, session, sink
        self._set_state(ScannerState.CONNECTED)

    def stop(self) -> None:
        if self._camera is not None:
            self._camera.stop()
        self._camera = self._session = self._sink = None
        self._set_state(ScannerState.STOPPED)

    def process_frame(self, frame: QVideoFrame) -> None:
        """Decode one ``QVideoFrame`` (throttled); emits ``scanned`` for a new code."""
        now = self.clock()
        if now - self._last_decode < self.interval:
            return
        self._last_decode = now
        image = frame.toImage()
        if image.isNull():
            return
        for text in decode_qr(image):
            if (
                self._last_text
                and self._last_text[0] == text
                and now - self._last_text[1] < self.repeat_after
            ):
                continue
            self._last_text = (text, now)
            self.scanned.emit(text)


class FakeScanner(Scanner):
    """The fake scanner: records start/stop calls; :meth:`feed` emits a scan, :meth:`unplug` /
    :meth:`replug` change the state as a real device would."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.calls: list[str] = []

    def start(self) -> None:
        self.calls.append("start")
        self._set_state(ScannerState.CONNECTED)

    def stop(self) -> None:
        self.calls.append("stop")
        self._set_state(ScannerState.STOPPED)

    def feed(self, text: str) -> None:
        """Emit ``scanned(text)`` as if a code had been read."""
        self.scanned.emit(text)

    def unplug(self) -> None:
        """Report DISCONNECTED."""
        self._set_state(ScannerState.DISCONNECTED)

    def replug(self) -> None:
        """Report CONNECTED again."""
        self._set_state(ScannerState.CONNECTED)
