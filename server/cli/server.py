"""``dawr server`` and the staff / device / QR commands under ``dawr admin`` (registered in ``cli.py``).

Passwords are read from a prompt (twice) or, with ``--password-stdin``, from the first line of standard
input — never from the command line. Device tokens are printed once, with the config lines to paste.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

from server.core.errors import ConfigError

SubParsers = "argparse._SubParsersAction[argparse.ArgumentParser]"


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            raise ConfigError("the passwords do not match")
    if len(password) < 8:
        raise ConfigError("a password needs at least 8 characters")
    if len(password) > 256:
        raise ConfigError("a password may have at most 256 characters")
    return password


def _store(db: str | None):  # type: ignore[no-untyped-def]
    from server.store.journal import Journal
    from server.store.staff import StaffStore

    journal = Journal.open(db)
    return journal, StaffStore(journal.engine)


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
    from server.cli.main import load_config_arg
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
            return HallServer(config, journal, StaffStore(journal.engine), secret, clock)

        asyncio.run(
            run_branch(make_hall_server, lock, args.host, args.port, ssl, poll_seconds=args.lock_poll)
        )
    except OSError as error:
        raise ConfigError(f"cannot listen on {args.host}:{args.port}: {error.strerror or error}") from None
    finally:
        journal.close()
    return 0


@contextmanager
def _staff_store(db: str | None) -> Iterator[Any]:
    """The staff store of ``db``, closed afterwards; a refused change (unknown user, ...) becomes a
    ConfigError, i.e. one clear line and exit code 2."""
    from server.store.staff import StaffError

    journal, store = _store(db)
    try:
        yield store
    except StaffError as error:
        raise ConfigError(str(error)) from None
    finally:
        journal.close()


def _cmd_add_staff(args: argparse.Namespace) -> int:
    password = _read_password(args)
    with _staff_store(args.db) as store:
        store.add(args.username, password, args.role, args.name or "")
    print(f"added {args.role} {args.username}")
    return 0


def _cmd_set_password(args: argparse.Namespace) -> int:
    password = _read_password(args)
    with _staff_store(args.db) as store:
        store.set_password(args.username, password)
    print(f"password of {args.username} changed; their sessions are ended")
    return 0


def _cmd_disable_staff(args: argparse.Namespace) -> int:
    with _staff_store(args.db) as store:
        (store.enable if args.enable else store.disable)(args.username)
    print(f"{args.username} {'enabled' if args.enable else 'disabled; their sessions are ended'}")
    return 0


def _cmd_add_device(args: argparse.Namespace) -> int:
    import re

    from server.net.auth import mint_token, token_digest

    if not re.match(r"^[a-z][a-z0-9_-]{0,39}$", args.device_id):
        raise ConfigError(f"invalid device id {args.device_id!r}: lower-case letters, digits, '_' and '-'")
    token = mint_token()
    name = (args.name or args.device_id).replace('"', "'")
    print("# Device token (configure it on the device; it is shown only this once):", file=sys.stderr)
    print(token, file=sys.stderr)
    print("# Add to the branch configuration:", file=sys.stderr)
    print(
        f'[[devices]]\nid = "{args.device_id}"\nrole = "{args.role}"\nname = "{name}"\n'
        f'token_sha256 = "{token_digest(token)}"'
    )
    return 0


def _cmd_appointment_qr(args: argparse.Namespace) -> int:
    from server.cli.main import load_config_arg
    from server.core.appointments import sign_booking_qr, valid_reference
    from server.store.branch_secret import load_qr_secret

    config = load_config_arg(args.config)
    reference = args.reference.upper()
    if not valid_reference(reference):
        raise ConfigError(f"invalid booking reference {args.reference!r}")
    if args.day:
        try:
            day = date.fromisoformat(args.day)
        except ValueError:
            raise ConfigError(f"--day {args.day!r} is not a date like 2026-11-22") from None
    else:
        from server.store.hall import Hall
        from server.store.journal import Journal

        journal = Journal.open(args.db)
        try:
            booking = Hall.open(config, journal, b"").engine.bookings.get(reference)
        finally:
            journal.close()
        if booking is None:
            raise ConfigError(f"no imported booking {reference}; give its day with --day YYYY-MM-DD")
        day = booking.slot.astimezone(config.zone).date()
    secret = load_qr_secret(config.branch.id, args.qr_secret_file)
    payload = sign_booking_qr(secret, config.branch.id, reference, day)
    print(payload)
    if args.png:
        import qrcode

        qrcode.make(payload).save(args.png)
        print(f"wrote {args.png}", file=sys.stderr)
    return 0


def _admin_subparsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse._SubParsersAction[argparse.ArgumentParser]:
    """The subcommands of the existing ``admin`` parser (created if another part has not)."""
    admin = sub.choices.get("admin")
    if admin is None:
        admin = sub.add_parser("admin", help="administration")
        return admin.add_subparsers(dest="admin_command", required=True, metavar="COMMAND")
    for action in admin._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return admin.add_subparsers(dest="admin_command", required=True, metavar="COMMAND")


def register_server_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``server`` and ``admin add-staff|set-password|disable-staff|add-device|appointment-qr``."""
    server = sub.add_parser("server", help="run the hall server (websocket + HTTP on one port)")
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

    admin = _admin_subparsers(sub)

    def db_arg(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--db", help="database URL (default: SQLite in the user's data directory)")

    add = admin.add_parser("add-staff", help="create a staff account (password from a prompt or stdin)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=("counter", "supervisor", "admin"))
    add.add_argument("--name", help="display name")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    db_arg(add)
    add.set_defaults(func=_cmd_add_staff)

    setpw = admin.add_parser("set-password", help="change a staff password (ends their sessions)")
    setpw.add_argument("username")
    setpw.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    db_arg(setpw)
    setpw.set_defaults(func=_cmd_set_password)

    disable = admin.add_parser("disable-staff", help="disable a staff account (ends their sessions)")
    disable.add_argument("username")
    disable.add_argument("--enable", action="store_true", help="enable the account again instead")
    db_arg(disable)
    disable.set_defaults(func=_cmd_disable_staff)

    device = admin.add_parser("add-device", help="mint a kiosk/board token and print its config lines")
    device.add_argument("device_id")
    device.add_argument("--role", required=True, choices=("kiosk", "board"))
    device.add_argument("--name", help="a name for the supervisor's screen")
    device.set_defaults(func=_cmd_add_device)

    qr = admin.add_parser("appointment-qr", help="print (and draw) the signed QR payload of a booking")
    qr.add_argument("reference")
    qr.add_argument("--day", help="slot day YYYY-MM-DD (default: looked up in the imported bookings)")
    qr.add_argument("--config", help="branch TOML file (default: the shipped ministry hall)")
    qr.add_argument("--qr-secret-file", help="branch QR secret file (default: user data dir)")
    qr.add_argument("--png", help="also write the QR code to this PNG file")
    db_arg(qr)
    qr.set_defaults(func=_cmd_appointment_qr)
