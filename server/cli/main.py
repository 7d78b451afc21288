"""The ``dawr`` command. Each part of Dawr registers its subcommands here; every subcommand returns an
exit code, and a user's mistake (bad file, bad argument, unreachable database) prints one clear line to
stderr with exit code 2 — never a traceback."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from server.core.config import BranchConfig, default_config_path, load_branch_config
from server.core.errors import ConfigError, DomainError, JournalError

Registrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def load_config_arg(path: str | None) -> BranchConfig:
    """The branch config named on the command line, or the shipped default."""
    return load_branch_config(path or default_config_path())


def _cmd_config_check(args: argparse.Namespace) -> int:
    config = load_config_arg(args.file)
    source = args.file or default_config_path()
    print(f"{source}: valid")
    print(
        f"branch   {config.branch.id}: {config.branch.name_en} / {config.branch.name_ar} ({config.branch.timezone})"
    )
    hours = ", ".join(f"{day} {span}" for day, span in config.branch.hours.items())
    print(f"hours    {hours}")
    for service in config.services:
        kind = (
            "transfer only"
            if service.transfer_only
            else "walk-in"
            if service.walk_in
            else "appointments only"
        )
        print(
            f"service  {service.prefix} {service.id:<12} cap {service.cap_minutes:g} min  {kind:<14} {service.name_en}"
        )
    for counter in config.counters:
        label = "appointments" if counter.appointments else "general"
        print(
            f"counter  {counter.number:<3} {label:<13} {', '.join(f'{s}×{w:g}' for s, w in counter.services.items())}"
        )
    rules = config.appointments
    print(
        f"appointments rollout={rules.rollout} window=-{rules.early_minutes:g}/+{rules.late_minutes:g} min "
        f"late={rules.late_arrival} spillover={'on' if rules.spillover else 'off'}"
    )
    return 0


def _cmd_config_default(args: argparse.Namespace) -> int:
    sys.stdout.write(default_config_path().read_text(encoding="utf-8"))
    return 0


def _cmd_db_upgrade(args: argparse.Namespace) -> int:
    from server.store.journal import Journal, default_database_url

    journal = Journal.open(args.db)
    journal.close()
    print(f"journal schema is up to date at {args.db or default_database_url()}")
    return 0


def _cmd_import_appointments(args: argparse.Namespace) -> int:
    from server.core.engine import ImportAppointments
    from server.store.appointment_import import read_bookings
    from server.store.hall import Hall
    from server.store.journal import Journal, utc_now

    config = load_config_arg(args.config)
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


def _register_core(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    config = sub.add_parser("config", help="check a branch configuration or print the default one")
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="COMMAND")
    check = config_sub.add_parser("check", help="validate a branch TOML file and summarise it")
    check.add_argument("file", nargs="?", help="branch TOML file (default: the shipped ministry hall)")
    check.set_defaults(func=_cmd_config_check)
    show = config_sub.add_parser("default", help="print the shipped ministry hall configuration")
    show.set_defaults(func=_cmd_config_default)

    db = sub.add_parser("db", help="manage the journal database")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    upgrade = db_sub.add_parser("upgrade", help="create or migrate the journal schema")
    upgrade.add_argument("--db", help="database URL (default: SQLite in the user's data directory)")
    upgrade.set_defaults(func=_cmd_db_upgrade)

    admin = sub.add_parser("admin", help="administration: appointments")
    admin_sub = admin.add_subparsers(dest="admin_command", required=True, metavar="COMMAND")
    imp = admin_sub.add_parser("import-appointments", help="import a CSV of booked appointments")
    imp.add_argument("file", help="CSV: reference,national_id,name,phone,service,branch,slot")
    imp.add_argument("--config", help="branch TOML file (default: the shipped ministry hall)")
    imp.add_argument("--db", help="database URL (default: SQLite in the user's data directory)")
    imp.set_defaults(func=_cmd_import_appointments)


PARTS: list[tuple[str, str]] = [
    ("server.cli.demo", "add_demo_command"),
    ("hardware.cli", "add_ticket_commands"),
    ("kiosk.cli", "add_commands"),
    ("display_board.cli", "add_commands"),
    ("counter_client.cli", "add_commands"),
    ("server.sim.cli", "register_simulate"),
    ("server.reports.cli", "register_report"),
]
"""(module, registrar function) of each part that adds subcommands; a part not yet present is skipped."""


def registrars() -> list[Registrar]:
    """Every part's subcommand registrar, in the order ``dawr --help`` lists them."""
    found: list[Registrar] = [_register_core]
    from server.cli.server import register_server_commands

    found.append(register_server_commands)
    for module_name, function in PARTS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name is not None and module_name.startswith(error.name):
                continue
            raise
        found.append(getattr(module, function))
    return found


def build_parser() -> argparse.ArgumentParser:
    """The full ``dawr`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="dawr",
        description="Dawr (دور): queue ticketing for government service halls.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in registrars():
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dawr`` console command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except (ConfigError, JournalError) as error:
        print(f"dawr: {error}", file=sys.stderr)
        return 2
    except DomainError as error:
        print(f"dawr: refused ({error.code}): {error.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
