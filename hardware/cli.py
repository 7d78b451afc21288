"""``dawr ticket …`` commands for installers: render a sample ticket, print it on a real printer.

``server/cli/main.py`` calls :func:`register` with its subparsers; each command sets ``func(args) -> int``
(0 = success, 1 = the printer failed, 2 = bad arguments, with a one-line message on stderr).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from hardware.errors import HardwareError

log = logging.getLogger(__name__)


def _error(message: str) -> int:
    print(f"dawr ticket: error: {message}", file=sys.stderr)
    return 2


def _width(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"width must be 576, 512 or 384 (got {text!r})") from None


def cmd_sample(args: argparse.Namespace) -> int:
    """Render the sample ticket to ``args.out`` (PNG). Returns 0, or 2 on bad arguments."""
    from hardware.printout import sample_printout
    from hardware.render import check_width, render_ticket

    try:
        check_width(args.width)
        out = Path(args.out)
        if not out.parent.exists():
            return _error(f"folder {out.parent} does not exist")
        printout = sample_printout(args.lang, args.digits, appointment=not args.walk_in)
        image = render_ticket(printout, args.width)
        image.save_png(out)
    except (HardwareError, OSError) as exc:
        return _error(str(exc))
    print(f"wrote {out} ({image.width}x{image.height} dots, {args.lang}, {args.digits} digits)")
    return 0


def cmd_print(args: argparse.Namespace) -> int:
    """Print the sample ticket on ``args.printer``; prints the status before/after. Returns 0 on success,
    1 when the printer failed, 2 on bad arguments."""
    from hardware.printing import open_printer, print_blocking
    from hardware.printout import sample_printout

    try:
        printer = open_printer(args.printer, args.profile, args.width)
    except HardwareError as exc:
        return _error(str(exc))
    if args.timeout <= 0:
        return _error("--timeout must be positive")
    print(
        f"printer {args.printer}: profile {printer.profile.name}, {printer.width} dots; "
        f"status {printer.status(min(2.0, args.timeout)).value}"
    )
    result = print_blocking(
        printer, sample_printout(args.lang, args.digits, appointment=not args.walk_in), timeout=args.timeout
    )
    if result.ok:
        print(
            f"printed {result.bytes_sent} bytes in {result.seconds:.2f} s; status before "
            f"{result.status_before.value}, after {result.status_after.value}"
        )
        return 0
    print(f"dawr ticket: print failed: {result.error} (status {result.status_after.value})", file=sys.stderr)
    return 1


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``ticket sample`` and ``ticket print`` on ``subparsers`` (from ``add_subparsers()``)."""
    ticket = subparsers.add_parser("ticket", help="render or print a sample ticket (installers)")
    commands = ticket.add_subparsers(dest="ticket_command", metavar="{sample,print}")
    commands.required = True

    def common(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "--lang", choices=("ar", "en"), default="ar", help="primary language (default ar)"
        )
        parser.add_argument(
            "--digits",
            choices=("western", "arabic-indic"),
            default="western",
            help="digits in Arabic text (default western)",
        )
        parser.add_argument("--walk-in", action="store_true", help="a walk-in ticket (no appointment box)")

    sample = commands.add_parser("sample", help="render the sample ticket to a PNG")
    sample.add_argument("--width", type=_width, default=576, help="dots: 576 (80 mm), 512 or 384 (58 mm)")
    sample.add_argument("--out", required=True, help="PNG file to write")
    common(sample)
    sample.set_defaults(func=cmd_sample)

    printing = commands.add_parser("print", help="print the sample ticket on a printer")
    printing.add_argument(
        "--printer",
        required=True,
        help="usb:VID:PID, serial:/dev/ttyUSB0?baud=115200, network:HOST[:PORT], file:PATH, "
        "cups:QUEUE or virtual:DIR",
    )
    printing.add_argument("--profile", default=None, help="python-escpos printer model, e.g. TM-T20II")
    printing.add_argument("--width", type=_width, default=None, help="override the profile's dot width")
    printing.add_argument("--timeout", type=float, default=30.0, help="seconds before giving up (default 30)")
    common(printing)
    printing.set_defaults(func=cmd_print)
