"""``dawr kiosk``: run the touchscreen kiosk.

    dawr kiosk --server ws://HOST:PORT --token TOKEN [--printer URL] [--scanner URL] [--fullscreen]
               [--idle-seconds N] [--config kiosk.toml]

Command-line values override the kiosk config file. A bad argument prints one line and exits with 2.
"""

from __future__ import annotations

import argparse
import os
import sys

from .settings import KioskConfigError, KioskSettings, load_settings


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 1 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"{text!r}: use 1 to 3600 seconds")
    return value


def settings_from_args(args: argparse.Namespace) -> KioskSettings:
    """The kiosk settings: the config file (if any) with the command-line values on top."""
    base = load_settings(args.config) if args.config else KioskSettings()
    settings = base.merged(
        server=args.server,
        token=args.token or os.environ.get("DAWR_KIOSK_TOKEN"),
        printer=args.printer,
        scanner=args.scanner,
        fullscreen=True if args.fullscreen else None,
        idle_seconds=args.idle_seconds,
    )
    if not settings.server:
        raise KioskConfigError(
            "give the hall server: --server ws://HOST:PORT (or server = … in the kiosk config)"
        )
    if not settings.token:
        raise KioskConfigError(
            "give the device token: --token TOKEN (from dawr admin add-device), "
            "DAWR_KIOSK_TOKEN, or token = … in the kiosk config"
        )
    return settings


def _cmd_kiosk(args: argparse.Namespace) -> int:
    try:
        settings = settings_from_args(args)
        from .app import run_kiosk

        return run_kiosk(settings)
    except KioskConfigError as error:
        print(f"dawr kiosk: {error}", file=sys.stderr)
        return 2


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``dawr kiosk``."""
    kiosk = subparsers.add_parser(
        "kiosk",
        help="run the touchscreen kiosk (tickets and appointment check-in)",
        description="Run the touchscreen kiosk. See docs/kiosk.md.",
    )
    kiosk.add_argument("--server", help="hall server websocket URL, e.g. ws://192.0.2.5:8765")
    kiosk.add_argument("--token", help="this kiosk's device token (or DAWR_KIOSK_TOKEN)")
    kiosk.add_argument(
        "--printer",
        help="ticket printer URL: virtual:DIR, usb:VID:PID, network:HOST[:PORT], "
        "serial:DEV, file:PATH (default: none, numbers on screen only)",
    )
    kiosk.add_argument("--scanner", help="QR scanner: serial:/dev/ttyACM0?baud=9600, keyboard, camera, none")
    kiosk.add_argument(
        "--fullscreen",
        action="store_true",
        help="lockdown: fullscreen, no way out without the admin PIN (needs admin_pin in --config)",
    )
    kiosk.add_argument("--idle-seconds", type=_positive, help="return home after this many idle seconds (30)")
    kiosk.add_argument("--config", help="kiosk.toml with these settings and more (see docs/kiosk.md)")
    kiosk.set_defaults(func=_cmd_kiosk)
