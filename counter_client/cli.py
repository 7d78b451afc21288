"""``dawr counter --server ws://HOST:PORT [--counter N] [--lang ar|en]``: the counter client.

``server/cli/main.py`` calls :func:`register` with its subparsers. Arguments are checked here (not by
argparse types) so a bad one gives exactly one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import urlsplit


def _error(message: str) -> int:
    print(f"dawr counter: error: {message}", file=sys.stderr)
    return 2


def check_server(url: str) -> str | None:
    """None if ``url`` is a usable websocket URL, else what is wrong with it."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return f"--server {url!r} has an invalid port (use ws://HOST:PORT)"
    if parts.scheme not in ("ws", "wss"):
        return f"--server {url!r} must start with ws:// or wss:// (e.g. ws://192.168.1.10:8765)"
    if not parts.hostname:
        return f"--server {url!r} has no host (e.g. ws://192.168.1.10:8765)"
    if port is not None and not 1 <= port <= 65535:
        return f"--server {url!r} has an invalid port"
    return None


def parse_counter(value: str | None) -> int | None:
    """The counter number from ``--counter`` (None if not given); raises ValueError if invalid."""
    if value is None:
        return None
    if not value.strip().isdigit() or not 1 <= int(value) <= 999:
        raise ValueError(f"--counter must be a counter number from 1 to 999 (got {value!r})")
    return int(value)


def cmd_counter(args: argparse.Namespace) -> int:
    """Run the counter client; 0 when closed normally, 1 if the login was cancelled, 2 on bad arguments."""
    if not args.server:
        return _error("--server URL is required (e.g. --server ws://192.168.1.10:8765)")
    problem = check_server(args.server)
    if problem:
        return _error(problem)
    try:
        counter = parse_counter(args.counter)
    except ValueError as error:
        return _error(str(error))
    if args.lang not in ("ar", "en"):
        return _error(f"--lang must be 'ar' or 'en' (got {args.lang!r})")
    password = None
    if args.password_file:
        if not args.username:
            return _error("--password-file needs --username")
        try:
            password = Path(args.password_file).read_text(encoding="utf-8").strip()
        except OSError as error:
            return _error(f"--password-file {args.password_file}: {error.strerror}")
        if not password:
            return _error(f"--password-file {args.password_file} is empty")
    from .app import run

    return run(args.server, counter, args.lang, args.username, password)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``dawr counter``."""
    parser = subparsers.add_parser(
        "counter",
        help="the counter client (counter staff) and the supervisor view",
        description="Log in as counter staff (with --counter) or as a supervisor and run the counter screen.",
    )
    parser.add_argument("--server", metavar="URL", help="hall server, e.g. ws://192.168.1.10:8765")
    parser.add_argument("--counter", metavar="N", help="the counter you sit at (counter staff must give it)")
    parser.add_argument("--lang", default="ar", metavar="ar|en", help="screen language (default: ar)")
    parser.add_argument("--username", help="fill in the user name on the login screen")
    parser.add_argument(
        "--password-file",
        metavar="FILE",
        help="with --username: log in at once with the password in FILE (unattended counters, "
        "the demo); keep the file readable by its owner only",
    )
    parser.set_defaults(func=cmd_counter)
