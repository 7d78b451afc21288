"""``dawr admin``: every administration command, built here in one place.

``import-appointments`` loads a CSV of bookings into the journal; ``add-staff``, ``set-password`` and
``disable-staff`` manage staff accounts; ``add-device`` mints a kiosk or board token; ``appointment-qr``
prints a booking's signed QR payload. Passwords are read from a prompt (twice) or, with
``--password-stdin``, from the first line of standard input — never from the command line. Device tokens are
printed once, with the config lines to paste.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from server.cli.main import SubParsers, load_config_arg
from server.core.errors import ConfigError

if TYPE_CHECKING:
    from server.store.staff import StaffStore


def _cmd_import_appointments(args: argparse.Namespace) -> int:
    from server.core.engine import ImportAppointments
    from server.store.appointment_import import read_bookings
    from server.store.hall import Hall
    from server.store.journal import Journal, utc_now

    config = load_config_arg(args.config)
    if args.hq:
        return _import_at_hq(args.file, args.db, config.zone)
    bookings = read_bookings(args.file, config.zone)
    journal = Journal.open(args.db)
    try:
        hall = Hall.open(config, journal, b"")
        hall.handle(ImportAppointments(bookings), utc_now())
    finally:
        journal.close()
    own = sum(1 for b in bookings if b.branch_id == config.branch.id)
    print(
        f"imported {len(bookings)} booking(s): {own} for branch {config.branch.id}, {len(bookings) - own} for others"
    )
    return 0


def _import_at_hq(file: str, db: str | None, zone: ZoneInfo) -> int:
    """``import-appointments --hq``: the CSV's bookings into HQ's ``bookings`` table, which sends each
    branch its own (docs/network.md); nothing is written when a row is invalid."""
    from server.store.bookings import BookingStore, read_booking_rows
    from server.store.journal import Journal, utc_now

    if not db:
        raise ConfigError("--hq needs --db HQ_URL (the HQ database the branches follow)")
    rows = read_booking_rows(file, zone, utc_now())
    journal = Journal.open(db)
    try:
        written = BookingStore(journal.engine).put(rows)
    finally:
        journal.close()
    branches = sorted({row.branch_id for row in rows})
    print(
        f"stored {len(rows)} booking(s) for branch(es) {', '.join(branches)} at HQ "
        f"({written} new or changed); each branch receives its own"
    )
    return 0


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


@contextmanager
def _staff_store(db: str | None) -> Iterator[StaffStore]:
    """The staff store of ``db``, closed afterwards; a refused change (unknown user, ...) becomes a
    ConfigError, i.e. one clear line and exit code 2."""
    from server.store.journal import Journal
    from server.store.staff import StaffError, StaffStore

    journal = Journal.open(db)
    store = StaffStore(journal.engine)
    try:
        yield store
    except StaffError as error:
        raise ConfigError(str(error)) from None
    finally:
        journal.close()


def _branch_list(text: str) -> list[str]:
    """``a,b`` -> ``["a", "b"]``; argparse turns the ValueError into one line and exit 2."""
    branches = [part.strip() for part in text.split(",") if part.strip()]
    if not branches:
        raise argparse.ArgumentTypeError("name at least one branch id, e.g. --branches hq,seef")
    return branches


def _cmd_add_staff(args: argparse.Namespace) -> int:
    password = _read_password(args)
    with _staff_store(args.db) as store:
        store.add(args.username, password, args.role, args.name or "", branches=args.branches)
    where = "every branch" if args.branches is None else "branches " + ", ".join(args.branches)
    print(f"added {args.role} {args.username} (may work at {where})")
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


def register(subparsers: SubParsers) -> None:
    """Add ``dawr admin import-appointments|add-staff|set-password|disable-staff|add-device|appointment-qr``."""
    parser = subparsers.add_parser("admin", help="administration: appointments")
    admin = parser.add_subparsers(dest="admin_command", required=True, metavar="COMMAND")

    def db_arg(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--db", help="database URL (default: SQLite in the user's data directory)")

    imp = admin.add_parser("import-appointments", help="import a CSV of booked appointments")
    imp.add_argument("file", help="CSV: reference,national_id,name,phone,service,branch,slot")
    imp.add_argument("--config", help="branch TOML file (default: the shipped ministry hall)")
    imp.add_argument(
        "--hq",
        action="store_true",
        help="--db is HQ's database: store the bookings there for every branch to receive (docs/network.md)",
    )
    db_arg(imp)
    imp.set_defaults(func=_cmd_import_appointments)

    add = admin.add_parser("add-staff", help="create a staff account (password from a prompt or stdin)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=("counter", "supervisor", "admin"))
    add.add_argument("--name", help="display name")
    add.add_argument(
        "--branches",
        type=_branch_list,
        help="comma-separated branch ids this person may work at (default: every branch)",
    )
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
