"""``dawr server``: run the hall server (websocket + HTTP on one port). The ``admin`` commands that manage
its staff and devices are in ``server/cli/admin.py``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from server.cli.main import SubParsers, load_config_arg
from server.core.errors import ConfigError


def scaled_clock(factor: float) -> Callable[[], datetime]:
    """A hall clock that starts at the real time now and runs ``factor`` times faster (demos, drills)."""
    from server.store.journal import utc_now

    start, started = utc_now(), time.monotonic()
    return lambda: start + timedelta(seconds=(time.monotonic() - started) * factor)


def _time_scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 1 <= value <= 3600:
        raise argparse.ArgumentTypeError("the time scale must be between 1 and 3600")
    return value


def _cmd_server(args: argparse.Namespace) -> int:
    from server.net.app import HallServer
    from server.net.ws import JsonLogFormatter, run_branch, tls_context
    from server.store.branch_secret import load_qr_secret
    from server.store.journal import Journal, utc_now
    from server.store.leadership import BranchLock
    from server.store.staff import StaffStore

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLogFormatter())
    logger = logging.getLogger("dawr")
    logger.handlers[:] = [handler]
    logger.setLevel(args.log_level.upper())
    logger.propagate = False
    if bool(args.tls_cert) != bool(args.tls_key):
        raise ConfigError("--tls-cert and --tls-key go together")
    config = load_config_arg(args.config)
    secret = load_qr_secret(config.branch.id, args.qr_secret_file)
    ssl = tls_context(args.tls_cert, args.tls_key) if args.tls_cert else None
    journal = Journal.open(args.db)
    try:
        clock = utc_now if args.time_scale == 1 else scaled_clock(args.time_scale)
        lock = BranchLock(journal.engine, config.branch.id)  # always: a second server waits as the standby

        def make_hall_server() -> HallServer:
            return HallServer(
                config, journal, StaffStore(journal.engine, branch_id=config.branch.id), secret, clock
            )

        asyncio.run(
            run_branch(make_hall_server, lock, args.host, args.port, ssl, poll_seconds=args.lock_poll)
        )
    except OSError as error:
        raise ConfigError(f"cannot listen on {args.host}:{args.port}: {error.strerror or error}") from None
    finally:
        journal.close()
    return 0


def register(subparsers: SubParsers) -> None:
    """Add ``dawr server``."""
    server = subparsers.add_parser("server", help="run the hall server (websocket + HTTP on one port)")
    server.add_argument("--config", help="branch TOML file (default: the shipped ministry hall)")
    server.add_argument("--db", help="database URL (default: SQLite in the user's data directory)")
    server.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    server.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    server.add_argument("--tls-cert", help="PEM certificate (with --tls-key: serve wss:// and https://)")
    server.add_argument("--tls-key", help="PEM private key")
    server.add_argument(
        "--qr-secret-file", help="branch QR secret file (default: user data dir; or set DAWR_QR_SECRET)"
    )
    server.add_argument("--log-level", default="info", choices=("debug", "info", "warning", "error"))
    server.add_argument(
        "--lock-poll",
        type=float,
        default=0.2,
        metavar="SECONDS",
        help="how often a standby tries the branch lock (default 0.2 s; see "
        "docs/operations.md, 'Standby and fail-over')",
    )
    server.add_argument(
        "--time-scale",
        type=_time_scale,
        default=1.0,
        metavar="FACTOR",
        help="run the hall clock FACTOR times faster than real time, from now (demos and "
        "drills only; default 1)",
    )
    server.set_defaults(func=_cmd_server)
