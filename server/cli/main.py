"""The ``dawr`` command. Each part of Dawr registers its subcommands here; every subcommand returns an
exit code, and a user's mistake (bad file, bad argument, unreachable database) prints one clear line to
stderr with exit code 2 — never a traceback."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import TypeAlias

from server.core.config import BranchConfig, default_config_path, load_branch_config
from server.core.errors import ConfigError, DomainError, JournalError
from server.i18n import text

SubParsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""What ``add_subparsers()`` returns: every part's registrar adds its commands to it."""
Registrar = Callable[[SubParsers], None]


def load_config_arg(path: str | None) -> BranchConfig:
    """The branch config named on the command line, or the shipped default."""
    return load_branch_config(path or default_config_path())


PARTS: tuple[str, ...] = (
    "server.cli.config",
    "server.cli.db",
    "server.cli.admin",
    "server.cli.server",
    "server.cli.demo",
    "hardware.cli",
    "kiosk.cli",
    "display_board.cli",
    "counter_client.cli",
    "server.sim.cli",
    "server.reports.cli",
    "server.network.cli",
    "server.network.hq_view",
)
"""The modules that add ``dawr`` subcommands, in the order ``dawr --help`` lists them. Each has one
registrar, ``register(subparsers)``; a part not installed in this build is skipped."""


def registrars() -> list[Registrar]:
    """Every part's ``register``, in the order of ``PARTS``."""
    found: list[Registrar] = []
    for module_name in PARTS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name is not None and module_name.startswith(error.name):
                continue
            raise
        found.append(module.register)
    return found


def build_parser() -> argparse.ArgumentParser:
    """The full ``dawr`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="dawr",
        description=f"Dawr ({text('common', 'app.name', 'ar')}): queue ticketing for government service halls.",
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
