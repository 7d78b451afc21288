"""``dawr config check|default``: validate a branch configuration, or print the shipped one."""

from __future__ import annotations

import argparse
import sys

from server.cli.main import SubParsers, load_config_arg
from server.core.config import default_config_path


def _cmd_check(args: argparse.Namespace) -> int:
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


def _cmd_default(args: argparse.Namespace) -> int:
    sys.stdout.write(default_config_path().read_text(encoding="utf-8"))
    return 0


def register(subparsers: SubParsers) -> None:
    """Add ``dawr config check`` and ``dawr config default``."""
    config = subparsers.add_parser("config", help="check a branch configuration or print the default one")
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="COMMAND")
    check = config_sub.add_parser("check", help="validate a branch TOML file and summarise it")
    check.add_argument("file", nargs="?", help="branch TOML file (default: the shipped ministry hall)")
    check.set_defaults(func=_cmd_check)
    show = config_sub.add_parser("default", help="print the shipped ministry hall configuration")
    show.set_defaults(func=_cmd_default)
