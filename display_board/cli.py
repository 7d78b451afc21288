"""``dawr board``: run the hall display board against a hall server.

    dawr board --server ws://hall-server:8765/ --token-file /etc/dawr/board.token --counters 1-4,7 --fullscreen

A mistake on the command line (bad ``--counters``, a URL that is not ``ws://``/``wss://``, no token, an
unreadable ``--ticker`` file) prints one line to stderr and exits with code 2 before any window opens.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlparse

from .zone import ZoneError, describe, parse_counters

log = logging.getLogger(__name__)


class UsageError(Exception):
    """A command-line mistake: printed as one line, exit code 2."""


def parse_servers(values: Sequence[str]) -> list[str]:
    """Server URLs from ``--server`` (repeatable, or comma-separated: the main server then a standby)."""
    urls = [part.strip() for value in values for part in value.split(",") if part.strip()]
    if not urls:
        raise UsageError("--server: give the hall server's URL, e.g. ws://hall-server:8765/")
    for url in urls:
        parsed = urlparse(url)
        if parsed.scheme not in ("ws", "wss") or not parsed.hostname:
            raise UsageError(
                f"--server: {url!r} is not a websocket URL (expected ws://HOST:PORT/ or wss://...)"
            )
        try:
            _ = parsed.port  # raises on a port that is not a number in 0-65535
        except ValueError:
            raise UsageError(f"--server: {url!r} has an invalid port") from None
    return urls


def read_token(token: str | None, token_file: str | None) -> str:
    """The device token from ``--token``, ``--token-file`` or ``DAWR_BOARD_TOKEN``."""
    if token_file:
        try:
            value = Path(token_file).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise UsageError(f"--token-file: cannot read {token_file}: {error.strerror or error}") from None
    else:
        value = (token or os.environ.get("DAWR_BOARD_TOKEN", "")).strip()
    if not value:
        raise UsageError(
            "no device token: pass --token TOKEN or --token-file FILE "
            "(mint one with: dawr admin add-device --role board)"
        )
    return value


def read_ticker(path: str | None) -> list[tuple[str, str]]:
    """Extra ticker messages from a TOML file: ``[[messages]]`` tables with ``ar`` and ``en``."""
    if not path:
        return []
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"--ticker: cannot read {path}: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"--ticker: {path} is not valid TOML: {error}") from None
    messages = []
    for i, item in enumerate(data.get("messages", [])):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("ar"), str)
            or not isinstance(item.get("en"), str)
        ):
            raise UsageError(f"--ticker: {path}: messages[{i}] needs text keys 'ar' and 'en'")
        messages.append((item["ar"].strip(), item["en"].strip()))
    return messages


def _run(args: argparse.Namespace) -> int:
    try:
        urls = parse_servers(args.server)
        token = read_token(args.token, args.token_file)
        zone = parse_counters(args.counters) if args.counters is not None else None
        ticker = read_ticker(args.ticker)
        if args.lang_cycle_seconds < 0:
            raise UsageError("--lang-cycle-seconds must be 0 (no cycling) or more")
        if 0 < args.lang_cycle_seconds < 3:
            raise UsageError("--lang-cycle-seconds: at least 3 seconds, so people can read each language")
        width, _, height = args.size.partition("x")
        if not (width.isdigit() and height.isdigit() and int(width) >= 320 and int(height) >= 180):
            raise UsageError(f"--size: {args.size!r} is not a window size such as 1280x720")
    except (UsageError, ZoneError) as error:
        print(f"dawr board: {error}", file=sys.stderr)
        return 2
    return run_board(
        urls,
        token,
        zone=zone,
        fullscreen=args.fullscreen,
        announce=not args.no_announce,
        lang_cycle_seconds=args.lang_cycle_seconds,
        lang=args.lang,
        ticker=ticker,
        size=args.size,
    )


def run_board(
    urls: list[str],
    token: str,
    *,
    zone: frozenset[int] | None = None,
    fullscreen: bool = False,
    announce: bool = True,
    lang_cycle_seconds: float = 0,
    lang: str = "ar",
    ticker: Sequence[tuple[str, str]] = (),
    size: str = "1280x720",
) -> int:
    """Open the board window and run until closed (or SIGINT/SIGTERM); returns the exit code."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from hardware.announcer import Announcer, EspeakSynthesizer, QtAudioPlayer
    from hardware.fonts import ticket_fonts
    from qtkit.client import DeviceLogin, HallClient

    from .controller import BoardController
    from .state import BoardState
    from .view import BoardView

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    state = BoardState(zone)
    view = BoardView(state, ticket_fonts(), lang="en" if lang == "en" else "ar")
    announcer = Announcer(QtAudioPlayer(), EspeakSynthesizer()) if announce else None
    client = HallClient(urls, DeviceLogin(token))
    controller = BoardController(
        client, state, view, announcer, lang_cycle_seconds=lang_cycle_seconds, ticker_extra=ticker
    )
    log.info(
        "board for counters %s, server %s, announcements %s",
        describe(zone),
        ", ".join(urls),
        "on" if announce else "off",
    )
    if fullscreen:
        view.showFullScreen()
    else:
        width, _, height = size.partition("x")
        view.resize(int(width), int(height))
        view.show()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: app.quit())
    wake = QTimer()
    wake.start(250)  # let Python run its signal handlers while Qt's loop waits
    wake.timeout.connect(lambda: None)
    controller.start()
    try:
        return int(app.exec())
    finally:
        controller.stop()


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``dawr board``."""
    board = subparsers.add_parser(
        "board",
        help="run the hall display board (now calling, waiting, announcements)",
        description="The hall display board: shows and announces calls from the hall server.",
    )
    board.add_argument(
        "--server",
        action="append",
        required=True,
        metavar="URL",
        help="hall server websocket URL, e.g. ws://hall-server:8765/ (repeat or comma-separate "
        "to add a standby)",
    )
    board.add_argument("--token", help="this board's device token (from dawr admin add-device)")
    board.add_argument("--token-file", help="read the device token from this file (keeps it out of ps)")
    board.add_argument(
        "--counters",
        metavar="SPEC",
        help="show only these counters (a zone of the hall), e.g. 1-4,7; default: all",
    )
    board.add_argument("--fullscreen", action="store_true", help="fill the screen (the hall display)")
    board.add_argument("--no-announce", action="store_true", help="do not chime or speak calls")
    board.add_argument(
        "--lang-cycle-seconds",
        type=float,
        default=0,
        metavar="N",
        help="switch between the Arabic and the English layout every N seconds (0: stay)",
    )
    board.add_argument(
        "--lang", choices=("ar", "en"), default="ar", help="first layout language (default ar)"
    )
    board.add_argument(
        "--ticker", metavar="FILE", help='TOML with extra ticker messages: [[messages]] ar = "…" en = "…"'
    )
    board.add_argument("--size", default="1280x720", help="window size when not --fullscreen")
    board.set_defaults(func=_run)
