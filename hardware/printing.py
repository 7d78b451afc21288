"""Printing tickets on ESC/POS printers with python-escpos: printer URLs, profiles, encoding, status, jobs.

The pieces, from bytes up:

- :func:`encode_ticket` — a :class:`~hardware.render.TicketImage` → ESC/POS bytes (``ESC @``, one
  ``GS v 0`` raster block, feed and cut), built by python-escpos's ``Dummy`` printer.
- :class:`PrinterStatus` and :func:`status_from_replies` — ``DLE EOT`` replies → ready / paper_near_end /
  paper_out / cover_open / offline / unknown (no reply is *unknown*, never "paper adequate").
- :class:`TicketPrinter` — one small interface; :func:`open_printer` builds one from a URL:
  ``usb:VID:PID``, ``serial:/dev/ttyUSB0?baud=115200``, ``network:HOST[:PORT]``, ``file:PATH``,
  ``cups:QUEUE`` (needs pycups), ``virtual:DIR`` (PNG + ``.bin`` per ticket). :class:`RecordingPrinter` is
  the fake next to them.
- :class:`PrintService` — prints off the UI thread with a timeout and emits one :class:`PrintResult` per job.

python-escpos is imported lazily (:func:`import_escpos`) because importing it calls ``logging.basicConfig()``;
the root logger is put back as it was.
"""

from __future__ import annotations

import copy
import enum
import itertools
import logging
import os
import queue
import socket
import tempfile
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs

from PySide6.QtCore import QObject, Signal

from hardware.errors import PrinterProfileError, PrintError, PrinterUrlError
from hardware.fonts import ensure_gui_application
from hardware.printout import TicketPrintout
from hardware.render import SUPPORTED_WIDTHS, TicketImage, render_ticket

log = logging.getLogger(__name__)

# ------------------------------------------------------------------------------------------------ escpos

_escpos_lock = threading.Lock()
_escpos_modules: dict[str, ModuleType] = {}


def import_escpos() -> ModuleType:
    """Import and return ``escpos.printer`` without letting it reconfigure the application's logging.

    python-escpos calls ``logging.basicConfig()`` at import and keeps a capability cache in
    ``ESCPOS_CAPABILITIES_PICKLE_DIR`` (set here to a fixed temp folder unless already set, so it does not
    create a new temp dir per process).
    """
    with _escpos_lock:
        if "printer" in _escpos_modules:
            return _escpos_modules["printer"]
        pickle_dir = os.environ.setdefault(
            "ESCPOS_CAPABILITIES_PICKLE_DIR", os.path.join(tempfile.gettempdir(), "dawr-escpos-capabilities")
        )
        os.makedirs(pickle_dir, exist_ok=True)
        root = logging.getLogger()
        handlers, level = list(root.handlers), root.level
        try:
            import escpos.printer as printer_module
        finally:
            for handler in list(root.handlers):
                if handler not in handlers:
                    root.removeHandler(handler)
            root.setLevel(level)
        _escpos_modules["printer"] = printer_module
        return _escpos_modules["printer"]


def _profiles() -> dict[str, Any]:
    import_escpos()
    from escpos.capabilities import CAPABILITIES

    return dict(CAPABILITIES["profiles"])


DEFAULT_PROFILE = "default"
GS_V0_MAX_HEIGHT = 2303
"""Rows per ``GS v 0`` block that common printers (Epson TM-T88 series) accept; taller tickets are split."""


@dataclass(frozen=True, slots=True)
class PrinterProfile:
    """A python-escpos printer model: its ``name`` and the ticket ``width`` in dots we render for it."""

    name: str
    width: int


def resolve_profile(name: str | None = None, width: int | None = None) -> PrinterProfile:
    """Look up a python-escpos profile (model) and pick the ticket width for it.

    The width is the widest of 576/512/384 that fits the model's paper (``default``, whose width is unknown,
    gets 576). ``width`` overrides it (it must still fit). Raises :class:`PrinterProfileError` for an unknown
    model, one that cannot print raster images, or a width that does not fit.
    """
    profiles = _profiles()
    key = name or DEFAULT_PROFILE
    if key not in profiles:
        raise PrinterProfileError(f"unknown printer profile {key!r}; known: {', '.join(sorted(profiles))}")
    data = profiles[key]
    if not data.get("features", {}).get("bitImageRaster", False):
        raise PrinterProfileError(f"printer profile {key!r} cannot print raster images (GS v 0)")
    pixels = data.get("media", {}).get("width", {}).get("pixels")
    paper = pixels if isinstance(pixels, int) else None
    fitting = [w for w in SUPPORTED_WIDTHS if paper is None or w <= paper]
    if not fitting:
        raise PrinterProfileError(
            f"printer profile {key!r} is only {paper} dots wide; tickets need 384 or more"
        )
    if width is not None:
        if width not in SUPPORTED_WIDTHS:
            raise PrinterProfileError(
                f"unsupported ticket width {width} dots; use one of {', '.join(map(str, SUPPORTED_WIDTHS))}"
            )
        if paper is not None and width > paper:
            raise PrinterProfileError(f"printer profile {key!r} is {paper} dots wide; {width} does not fit")
        return PrinterProfile(key, width)
    return PrinterProfile(key, max(fitting))


def encode_ticket(image: TicketImage, profile: str = DEFAULT_PROFILE) -> bytes:
    """ESC/POS bytes for one ticket: ``ESC @`` (init), the image as ``GS v 0`` raster, feed, cut.

    Built with python-escpos's ``Dummy`` printer; send the result with :meth:`TicketPrinter.send`.
    """
    printer_module = import_escpos()
    dummy = printer_module.Dummy(profile=profile)
    # python-escpos print()s a warning on every image when the model's width is unknown; tell this
    # instance the width we rendered for (a copy: the profile data is shared by all instances).
    data_copy = copy.deepcopy(dummy.profile.profile_data)
    data_copy.setdefault("media", {}).setdefault("width", {})["pixels"] = image.width
    dummy.profile.profile_data = data_copy
    dummy.hw("INIT")
    dummy.image(image.to_pil(), impl="bitImageRaster", fragment_height=GS_V0_MAX_HEIGHT, center=False)
    dummy.cut()
    data: bytes = dummy.output
    return data


@dataclass(frozen=True, slots=True)
class RasterBlock:
    """One decoded ``GS v 0`` block: ``offset`` in the byte stream, size in dots, rows of packed bits."""

    offset: int
    width: int
    height: int
    data: bytes

    def is_black(self, x: int, y: int) -> bool:
        """True when the dot at (``x``, ``y``) is printed (bit set, most significant bit first)."""
        row = self.data[y * (self.width // 8) : (y + 1) * (self.width // 8)]
        return bool(row[x // 8] & (0x80 >> (x % 8)))


def raster_blocks(data: bytes) -> list[RasterBlock]:
    """Find and decode every ``GS v 0`` block in an ESC/POS byte stream (for tests and ``.bin`` checks)."""
    blocks: list[RasterBlock] = []
    start = 0
    while True:
        at = data.find(b"\x1dv0", start)
        if at < 0 or at + 8 > len(data):
            return blocks
        width_bytes = data[at + 4] | data[at + 5] << 8
        height = data[at + 6] | data[at + 7] << 8
        end = at + 8 + width_bytes * height
        blocks.append(RasterBlock(at, width_bytes * 8, height, data[at + 8 : end]))
        start = end


# ------------------------------------------------------------------------------------------------ status


class PrinterStatus(enum.StrEnum):
    """What the kiosk reports to the server about its printer."""

    READY = "ready"
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    UNKNOWN = "unknown"

    @property
    def can_print(self) -> bool:
        """False when a ticket sent now would not come out (paper out, cover open, offline)."""
        return self not in (PrinterStatus.PAPER_OUT, PrinterStatus.COVER_OPEN, PrinterStatus.OFFLINE)


DLE_EOT_PRINTER = b"\x10\x04\x01"  # n=1: printer status (bit 3 = offline)
DLE_EOT_OFFLINE = b"\x10\x04\x02"  # n=2: offline cause (bit 2 = cover open, bit 5 = paper end)
DLE_EOT_PAPER = b"\x10\x04\x04"  # n=4: roll paper sensor (bits 2,3 = near end; bits 5,6 = paper end)


def _valid(reply: int | None) -> bool:
    # Every DLE EOT reply has bit 1 and bit 4 set, bit 0 and bit 7 clear (pattern 0xx1xx10).
    return reply is not None and reply & 0x93 == 0x12


def status_from_replies(printer: int | None, offline_cause: int | None, paper: int | None) -> PrinterStatus:
    """Map the reply bytes of ``DLE EOT 1``, ``2`` and ``4`` (``None`` = no reply) to a :class:`PrinterStatus`.

    No or malformed reply to ``DLE EOT 1`` → UNKNOWN. Offline → COVER_OPEN or PAPER_OUT when the cause says
    so, else OFFLINE. Online → PAPER_OUT / PAPER_NEAR_END from the paper sensor, READY otherwise, UNKNOWN
    when the paper sensor does not answer.
    """
    if not _valid(printer):
        return PrinterStatus.UNKNOWN
    assert printer is not None
    paper_valid = _valid(paper)
    paper_out = paper_valid and paper is not None and paper & 0x60 == 0x60
    if printer & 0x08:
        if _valid(offline_cause) and offline_cause is not None:
            if offline_cause & 0x04:
                return PrinterStatus.COVER_OPEN
            if offline_cause & 0x20:
                return PrinterStatus.PAPER_OUT
        return PrinterStatus.PAPER_OUT if paper_out else PrinterStatus.OFFLINE
    if not paper_valid or paper is None:
        return PrinterStatus.UNKNOWN
    if paper_out:
        return PrinterStatus.PAPER_OUT
    if paper & 0x0C == 0x0C:
        return PrinterStatus.PAPER_NEAR_END
    return PrinterStatus.READY


def query_status(exchange: Callable[[bytes], int | None]) -> PrinterStatus:
    """Ask a printer for its real-time status. ``exchange(request)`` sends a ``DLE EOT n`` and returns the
    reply byte or ``None`` on timeout; returns the mapped :class:`PrinterStatus`."""
    printer = exchange(DLE_EOT_PRINTER)
    if not _valid(printer):
        return PrinterStatus.UNKNOWN
    assert printer is not None
    offline_cause = exchange(DLE_EOT_OFFLINE) if printer & 0x08 else None
    paper = exchange(DLE_EOT_PAPER)
    return status_from_replies(printer, offline_cause, paper)


# ------------------------------------------------------------------------------------------------ URLs

_KINDS = ("usb", "serial", "network", "file", "cups", "virtual")
URL_HELP = (
    "usb:VID:PID, serial:/dev/ttyUSB0?baud=115200, network:HOST[:PORT], file:PATH, cups:QUEUE or virtual:DIR"
)


@dataclass(frozen=True, slots=True)
class PrinterUrl:
    """A parsed printer URL. ``kind`` is one of usb/serial/network/file/cups/virtual; the other fields are
    set for the kinds that use them (``target`` is the path, host or queue)."""

    kind: str
    target: str = ""
    port: int = 9100
    vendor_id: int = 0
    product_id: int = 0
    baud: int = 115200
    params: tuple[tuple[str, str], ...] = ()
    text: str = ""

    def param(self, name: str, default: str | None = None) -> str | None:
        """The value of query parameter ``name`` (``?name=value``), or ``default``."""
        return dict(self.params).get(name, default)

    def __str__(self) -> str:
        return self.text


def _hex_id(text: str, what: str, url: str) -> int:
    try:
        value = int(text, 16)
    except ValueError:
        raise PrinterUrlError(f"bad USB {what} {text!r} in {url!r}: expected hex like 04b8") from None
    if not 0 <= value <= 0xFFFF:
        raise PrinterUrlError(f"bad USB {what} {text!r} in {url!r}: must be 0000-ffff")
    return value


def _int_param(value: str, name: str, url: str, low: int, high: int) -> int:
    try:
        number = int(value, 0)
    except ValueError:
        raise PrinterUrlError(f"bad {name} {value!r} in {url!r}: expected a number") from None
    if not low <= number <= high:
        raise PrinterUrlError(f"bad {name} {number} in {url!r}: must be {low}-{high}")
    return number


def parse_printer_url(url: str) -> PrinterUrl:
    """Parse a printer URL (see :data:`URL_HELP`); raise :class:`PrinterUrlError` with a one-line reason."""
    text = url.strip()
    kind, sep, rest = text.partition(":")
    kind = kind.lower()
    if not sep or kind not in _KINDS:
        raise PrinterUrlError(f"unknown printer URL {url!r}; expected {URL_HELP}")
    rest, _, query = rest.partition("?")
    params = tuple((k, v[-1]) for k, v in parse_qs(query, keep_blank_values=True).items())
    if kind == "usb":
        parts = rest.split(":")
        if len(parts) != 2 or not all(parts):
            raise PrinterUrlError(f"bad USB printer URL {url!r}; expected usb:VID:PID, e.g. usb:04b8:0202")
        return PrinterUrl(
            "usb",
            vendor_id=_hex_id(parts[0], "vendor id", url),
            product_id=_hex_id(parts[1], "product id", url),
            params=params,
            text=text,
        )
    if kind == "serial":
        if not rest:
            raise PrinterUrlError(f"bad serial printer URL {url!r}; expected serial:/dev/ttyUSB0?baud=115200")
        baud = _int_param(dict(params).get("baud", "115200"), "baud rate", url, 1200, 4_000_000)
        return PrinterUrl("serial", target=rest, baud=baud, params=params, text=text)
    if kind == "network":
        host, port_text = rest, "9100"
        if rest.startswith("["):  # [IPv6]:port
            host, _, tail = rest[1:].partition("]")
            if tail.startswith(":"):
                port_text = tail[1:]
        elif rest.count(":") == 1:
            host, port_text = rest.split(":")
        if not host:
            raise PrinterUrlError(f"bad network printer URL {url!r}; expected network:HOST[:PORT]")
        port = _int_param(port_text, "port", url, 1, 65535)
        return PrinterUrl("network", target=host, port=port, params=params, text=text)
    if not rest:
        example = {"file": "file:/dev/usb/lp0", "cups": "cups:TM-T20", "virtual": "virtual:/tmp/tickets"}[
            kind
        ]
        raise PrinterUrlError(f"bad printer URL {url!r}: missing the {kind} target, e.g. {example}")
    if kind == "cups":
        try:
            import cups  # type: ignore[import-not-found]  # noqa: F401  (pycups: optional, no stubs)
        except ImportError:
            raise PrinterUrlError(f"{url!r}: cups: printers need pycups (pip install pycups)") from None
    return PrinterUrl(kind, target=rest, params=params, text=text)


# ------------------------------------------------------------------------------------------------ printers


@dataclass(frozen=True, slots=True)
class PrintResult:
    """How one print job ended. ``ok`` is True when the ticket was delivered and the printer did not report
    a fault afterwards; otherwise ``error`` is a one-line reason for the kiosk to log and show staff.
    ``status_before`` / ``status_after`` are what the printer said (UNKNOWN where it cannot answer)."""

    ok: bool
    printer: str
    status_before: PrinterStatus = PrinterStatus.UNKNOWN
    status_after: PrinterStatus = PrinterStatus.UNKNOWN
    error: str | None = None
    bytes_sent: int = 0
    seconds: float = 0.0
    job_id: int = 0
    ticket_number: str = ""


class TicketPrinter(ABC):
    """One ticket printer. Subclasses move bytes (:meth:`send`) and may answer :meth:`status`; rendering,
    encoding and the before/after status checks live here. All methods block: call them from a worker
    thread (:class:`PrintService` does)."""

    #: Can this connection read ``DLE EOT`` replies (network, serial, USB)?
    reads_status: bool = False

    def __init__(self, url: str, profile: PrinterProfile) -> None:
        self.url = url
        self.profile = profile

    @property
    def width(self) -> int:
        """Dot width tickets are rendered at for this printer."""
        return self.profile.width

    def status(self, timeout: float = 1.0) -> PrinterStatus:
        """Real-time status; UNKNOWN for connections that cannot read back, OFFLINE when unreachable."""
        return PrinterStatus.UNKNOWN

    @abstractmethod
    def send(self, data: bytes, timeout: float) -> tuple[PrinterStatus, PrinterStatus]:
        """Deliver ``data``; return the status read just before and just after sending (UNKNOWN where the
        connection cannot read back).

        Raise :class:`PrintError` when it cannot be delivered. When the status before says the printer cannot
        print, nothing is sent and ``(before, before)`` is returned."""

    def on_printed(self, printout: TicketPrintout, image: TicketImage, data: bytes) -> None:  # noqa: B027
        """Hook called after a successful :meth:`send` (the virtual printer saves files here)."""

    def print_ticket(self, printout: TicketPrintout, timeout: float = 30.0, job_id: int = 0) -> PrintResult:
        """Render, encode and print ``printout``; returns a :class:`PrintResult` (never raises PrintError)."""
        started = time.monotonic()
        try:
            image = render_ticket(printout, self.width)
            data = encode_ticket(image, self.profile.name)
        except Exception as exc:  # rendering bugs must not take the kiosk down
            log.exception("could not render ticket %s", printout.ticket_number)
            return PrintResult(
                False,
                self.url,
                error=f"could not render the ticket: {exc}",
                job_id=job_id,
                ticket_number=printout.ticket_number,
            )
        return self.print_data(
            data,
            timeout,
            job_id=job_id,
            ticket_number=printout.ticket_number,
            started=started,
            after_send=lambda: self.on_printed(printout, image, data),
        )

    def print_data(
        self,
        data: bytes,
        timeout: float = 30.0,
        *,
        job_id: int = 0,
        ticket_number: str = "",
        started: float | None = None,
        after_send: Callable[[], None] | None = None,
    ) -> PrintResult:
        """Send encoded ``data`` with the status checks; returns a :class:`PrintResult`."""
        started = time.monotonic() if started is None else started
        try:
            before, after = self.send(data, timeout)
        except PrintError as exc:
            return PrintResult(
                False,
                self.url,
                PrinterStatus.OFFLINE,
                PrinterStatus.OFFLINE,
                error=str(exc),
                job_id=job_id,
                seconds=time.monotonic() - started,
                ticket_number=ticket_number,
            )
        if not before.can_print:
            return PrintResult(
                False,
                self.url,
                before,
                before,
                error=f"printer reports {before.value}",
                job_id=job_id,
                seconds=time.monotonic() - started,
                ticket_number=ticket_number,
            )
        if after_send is not None:
            after_send()
        ok = after.can_print
        return PrintResult(
            ok,
            self.url,
            before,
            after,
            error=None if ok else f"printer reports {after.value} after printing",
            bytes_sent=len(data),
            seconds=time.monotonic() - started,
            job_id=job_id,
            ticket_number=ticket_number,
        )


class EscposPrinter(TicketPrinter):
    """A real printer reached through python-escpos (USB, serial, network, file, CUPS).

    Each job opens the connection, checks status (where the connection reads back), sends, checks again
    and closes, so an unplugged and replugged printer works on the next ticket.
    """

    def __init__(self, url: PrinterUrl, profile: PrinterProfile) -> None:
        super().__init__(str(url), profile)
        self.parsed = url
        self.reads_status = url.kind in ("usb", "serial", "network")

    def _connect(self, timeout: float) -> Any:
        module = import_escpos()
        u = self.parsed
        common: dict[str, Any] = {"profile": self.profile.name}
        if u.kind == "usb":
            extra: dict[str, Any] = {}
            for name in ("in_ep", "out_ep"):
                if u.param(name):
                    extra[name] = _int_param(u.param(name) or "", name, u.text, 0, 255)
            printer = module.Usb(u.vendor_id, u.product_id, timeout=int(timeout * 1000), **extra, **common)
        elif u.kind == "serial":
            printer = module.Serial(devfile=u.target, baudrate=u.baud, timeout=timeout, **common)
        elif u.kind == "network":
            printer = module.Network(host=u.target, port=u.port, timeout=timeout, **common)
        elif u.kind == "file":
            printer = module.File(devfile=u.target, **common)
        elif u.kind == "cups":
            printer = module.CupsPrinter(printer_name=u.target, **common)
        else:  # pragma: no cover - parse_printer_url rejects others
            raise PrintError(f"unsupported printer kind {u.kind}")
        try:
            printer.open()
        except Exception as exc:
            raise PrintError(f"printer {u.text} not reachable: {_one_line(exc)}") from exc
        return printer

    def _exchange(self, printer: Any, timeout: float) -> Callable[[bytes], int | None]:
        kind = self.parsed.kind
        device = printer.device

        def exchange(request: bytes) -> int | None:
            try:
                if kind == "network":
                    _drain_socket(device)
                    device.settimeout(timeout)
                    device.sendall(request)
                    reply = device.recv(1)
                elif kind == "serial":
                    device.reset_input_buffer()
                    device.timeout = timeout
                    device.write(request)
                    reply = device.read(1)
                else:
                    device.write(printer.out_ep, request, int(timeout * 1000))
                    reply = bytes(device.read(printer.in_ep, 16, int(timeout * 1000)))
            except (OSError, TimeoutError) as exc:
                log.debug("no status reply from %s: %s", self.url, exc)
                return None
            except Exception as exc:
                log.debug("no status reply from %s: %s", self.url, exc)
                return None
            return reply[-1] if reply else None

        return exchange

    def status(self, timeout: float = 1.0) -> PrinterStatus:
        """Open, ask ``DLE EOT`` and close. OFFLINE when the printer cannot be reached."""
        if not self.reads_status:
            return PrinterStatus.UNKNOWN
        try:
            printer = self._connect(max(timeout, 0.1))
        except PrintError as exc:
            log.info("%s", exc)
            return PrinterStatus.OFFLINE
        try:
            return query_status(self._exchange(printer, timeout))
        finally:
            _close_quietly(printer)

    def send(self, data: bytes, timeout: float) -> tuple[PrinterStatus, PrinterStatus]:
        printer = self._connect(timeout)
        try:
            exchange = self._exchange(printer, min(1.0, timeout / 4))
            before = query_status(exchange) if self.reads_status else PrinterStatus.UNKNOWN
            if not before.can_print:
                return before, before
            try:
                printer._raw(data)
                if self.parsed.kind == "cups":
                    printer.send()
            except Exception as exc:
                raise PrintError(f"printer {self.url} stopped while printing: {_one_line(exc)}") from exc
            after = query_status(exchange) if self.reads_status else PrinterStatus.UNKNOWN
            return before, after
        finally:
            _close_quietly(printer)


def _drain_socket(sock: socket.socket) -> None:
    """Discard stale bytes (e.g. replies to DLE EOT look-alikes inside raster data) before a status query."""
    sock.setblocking(False)
    try:
        while sock.recv(256):
            pass
    except (BlockingIOError, InterruptedError):
        pass
    except OSError:
        pass
    finally:
        sock.setblocking(True)


def _close_quietly(printer: Any) -> None:
    try:
        printer.close()
    except Exception:  # closing a vanished device must not mask the real result
        log.debug("closing printer failed", exc_info=True)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


class VirtualPrinter(TicketPrinter):
    """Writes each ticket into ``directory`` as ``<time>-<ticket>.png`` (what would print) and ``.bin``
    (the exact ESC/POS bytes). Always READY unless the folder cannot be written (then OFFLINE)."""

    def __init__(self, directory: str | Path, profile: PrinterProfile, url: str | None = None) -> None:
        super().__init__(url or f"virtual:{directory}", profile)
        self.directory = Path(directory)
        self.reads_status = True
        self._counter = itertools.count(1)
        self.last_files: tuple[Path, Path] | None = None

    def status(self, timeout: float = 1.0) -> PrinterStatus:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError:
            return PrinterStatus.OFFLINE
        return PrinterStatus.READY if os.access(self.directory, os.W_OK) else PrinterStatus.OFFLINE

    def send(self, data: bytes, timeout: float) -> tuple[PrinterStatus, PrinterStatus]:
        status = self.status()
        if status is PrinterStatus.OFFLINE:
            raise PrintError(f"virtual printer folder {self.directory} is not writable")
        return status, status

    def on_printed(self, printout: TicketPrintout, image: TicketImage, data: bytes) -> None:
        stem = f"{datetime.now():%Y%m%d-%H%M%S}-{next(self._counter):04d}-{_safe(printout.ticket_number)}"
        image.save_png(self.directory / f"{stem}.png")
        (self.directory / f"{stem}.bin").write_bytes(data)
        self.last_files = (self.directory / f"{stem}.png", self.directory / f"{stem}.bin")


def _safe(text: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in text) or "ticket"


@dataclass
class RecordedJob:
    """One job a :class:`RecordingPrinter` received: the printout, its image and the exact bytes."""

    printout: TicketPrintout | None
    image: TicketImage | None
    data: bytes


class RecordingPrinter(TicketPrinter):
    """The fake printer: records every job; ``statuses`` scripts what status queries answer (the last one
    repeats), ``fail_with`` makes sends raise :class:`PrintError`, ``delay`` makes sends slow (for timeout
    tests). Thread-safe."""

    def __init__(
        self,
        profile: PrinterProfile | None = None,
        statuses: list[PrinterStatus] | None = None,
        fail_with: str | None = None,
        delay: float = 0.0,
    ) -> None:
        super().__init__("recording:", profile or PrinterProfile(DEFAULT_PROFILE, 576))
        self.reads_status = True
        self.statuses = list(statuses or [PrinterStatus.READY])
        self.fail_with = fail_with
        self.delay = delay
        self.jobs: list[RecordedJob] = []
        self.status_queries = 0
        self._lock = threading.Lock()

    def status(self, timeout: float = 1.0) -> PrinterStatus:
        with self._lock:
            self.status_queries += 1
            return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]

    def send(self, data: bytes, timeout: float) -> tuple[PrinterStatus, PrinterStatus]:
        before = self.status()
        if self.delay:
            time.sleep(self.delay)
        if self.fail_with:
            raise PrintError(self.fail_with)
        if not before.can_print:
            return before, before
        with self._lock:
            self.jobs.append(RecordedJob(None, None, data))
        return before, self.status()

    def on_printed(self, printout: TicketPrintout, image: TicketImage, data: bytes) -> None:
        with self._lock:
            self.jobs[-1] = RecordedJob(printout, image, data)


def open_printer(url: str, profile: str | None = None, width: int | None = None) -> TicketPrinter:
    """Build the :class:`TicketPrinter` for a URL (nothing is opened until a job or status query).

    Raises :class:`PrinterUrlError` / :class:`PrinterProfileError` (both ``ValueError``) on bad input.
    """
    parsed = parse_printer_url(url)
    chosen = resolve_profile(profile, width)
    if parsed.kind == "virtual":
        return VirtualPrinter(parsed.target, chosen, url=parsed.text)
    return EscposPrinter(parsed, chosen)


# ------------------------------------------------------------------------------------------------ service


class PrintService(QObject):
    """Prints tickets off the UI thread, one at a time, in submission order.

    ``submit(printout)`` returns a job id at once; ``finished`` is emitted (in the receiver's thread, i.e. the
    UI thread) with one :class:`PrintResult` per job — ``ok=False`` with a reason on failure or when the
    printer does not finish within ``timeout`` seconds. ``statusChanged`` carries the
    :class:`PrinterStatus` value string whenever it changes (after each job or :meth:`refresh_status`).
    """

    finished = Signal(object)
    statusChanged = Signal(str)

    def __init__(self, printer: TicketPrinter, timeout: float = 30.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        ensure_gui_application()  # rendering happens in the worker; the application must exist first
        self.printer = printer
        self.timeout = timeout
        self.status = PrinterStatus.UNKNOWN
        self._jobs: queue.Queue[tuple[int, Callable[[], PrintResult | PrinterStatus]] | None] = queue.Queue()
        self._ids = itertools.count(1)
        self._worker = threading.Thread(target=self._run, name="dawr-print", daemon=True)
        self._worker.start()

    def submit(self, printout: TicketPrintout) -> int:
        """Queue ``printout`` for printing; returns its job id (``finished`` reports the result)."""
        job_id = next(self._ids)
        self._jobs.put((job_id, lambda: self.printer.print_ticket(printout, self.timeout, job_id)))
        return job_id

    def refresh_status(self) -> None:
        """Query the printer's status in the background; ``statusChanged`` fires if it changed."""
        self._jobs.put((0, lambda: self.printer.status(min(2.0, self.timeout))))

    def close(self) -> None:
        """Stop the worker after the queued jobs (it is a daemon thread, so exit never waits for a printer)."""
        self._jobs.put(None)

    def _run(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                return
            job_id, work = item
            outcome = _run_with_timeout(work, self.timeout)
            if isinstance(outcome, PrinterStatus):
                self._set_status(outcome)
                continue
            if isinstance(outcome, BaseException):
                outcome = PrintResult(
                    False, self.printer.url, error=f"printing failed: {_one_line(outcome)}", job_id=job_id
                )
            elif outcome is None:
                outcome = PrintResult(
                    False,
                    self.printer.url,
                    error=(f"printer did not finish within {self.timeout:g} s"),
                    seconds=self.timeout,
                    job_id=job_id,
                )
            self._set_status(outcome.status_after)
            if outcome.ok:
                log.info(
                    "ticket %s printed on %s in %.2f s",
                    outcome.ticket_number,
                    outcome.printer,
                    outcome.seconds,
                )
            else:
                log.warning(
                    "ticket %s not printed on %s: %s", outcome.ticket_number, outcome.printer, outcome.error
                )
            self.finished.emit(outcome)

    def _set_status(self, status: PrinterStatus) -> None:
        if status is not self.status:
            self.status = status
            self.statusChanged.emit(status.value)


def _run_with_timeout(work: Callable[[], Any], timeout: float) -> Any:
    """Run ``work`` in a daemon thread; return its result, the exception it raised, or None on timeout."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = work()
        except BaseException as exc:
            box["result"] = exc

    thread = threading.Thread(target=target, name="dawr-print-io", daemon=True)
    thread.start()
    thread.join(timeout)
    return box.get("result") if not thread.is_alive() else None


def print_blocking(printer: TicketPrinter, printout: TicketPrintout, timeout: float = 30.0) -> PrintResult:
    """Print from a script or CLI (no Qt event loop needed); blocks at most about ``timeout`` seconds.

    Call from the main thread (it makes sure a Qt application exists for the fonts)."""
    ensure_gui_application()
    outcome = _run_with_timeout(lambda: printer.print_ticket(printout, timeout), timeout)
    if isinstance(outcome, PrintResult):
        return outcome
    if isinstance(outcome, BaseException):
        return PrintResult(False, printer.url, error=f"printing failed: {_one_line(outcome)}")
    return PrintResult(False, printer.url, error=f"printer did not finish within {timeout:g} s")
