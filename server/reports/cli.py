"""``dawr report``: the ministry's figures for a date range from the journal, as HTML, CSV or JSON.

A bad date, a reversed range or a range with no journal events prints one line and exits with code 2.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from server.core.config import load_branch_config, load_default_config
from server.core.errors import ConfigError
from server.reports.figures import analyze
from server.reports.render import render_csv, render_html, render_json


def iso_date(text: str) -> date:
    """argparse type: a calendar date written YYYY-MM-DD."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2025-01-05"
        ) from None


def build_report(
    db: str | None, start: date, end: date, branch: str | None, config_path: str | None, fmt: str
) -> str:
    """The report text in ``fmt`` ("html", "csv" or "json"); raises ConfigError for an empty range."""
    from server.store.journal import Journal, default_database_url

    if end < start:
        raise ConfigError(f"--to {end} is before --from {start}")
    config = load_branch_config(config_path) if config_path else load_default_config()
    journal = Journal.open(db)
    try:
        rows = list(journal.events(branch, from_day=start, to_day=end))
        known = journal.branches() if not rows else []
    finally:
        journal.close()
    if not rows:
        where = f"branch {branch}" if branch else "any branch"
        hint = (
            f" (branches in this journal: {', '.join(sorted(known))})" if known else " (the journal is empty)"
        )
        raise ConfigError(
            f"no journal events for {where} from {start} to {end} in {db or default_database_url()}{hint}"
        )
    figures = analyze(rows, config)
    data = figures.as_dict()
    if fmt == "json":
        return render_json(data)
    if fmt == "csv":
        return render_csv(data)
    names = None
    if figures.branches == [config.branch.id]:
        names = (config.branch.name_en, config.branch.name_ar)
    return render_html(data, branch_name=names)


def _cmd_report(args: argparse.Namespace) -> int:
    text = build_report(
        args.db, args.date_from, args.date_to or args.date_from, args.branch, args.config, args.format
    )
    if args.out:
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as error:
            raise ConfigError(f"{args.out}: cannot write the report: {error.strerror}") from None
        print(f"report written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def register_report(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``dawr report``."""
    report = sub.add_parser(
        "report",
        help="the ministry's figures from the journal (HTML, CSV or JSON)",
        description="Customers per service, waits and service times, cap compliance, "
        "counters and staff, arrivals by hour — from the journal.",
    )
    report.add_argument("--db", help="database URL (default: SQLite in the user's data directory)")
    report.add_argument(
        "--from",
        dest="date_from",
        type=iso_date,
        required=True,
        metavar="DATE",
        help="first day (YYYY-MM-DD, the branch's local day)",
    )
    report.add_argument(
        "--to", dest="date_to", type=iso_date, metavar="DATE", help="last day (default: --from)"
    )
    report.add_argument("--branch", metavar="ID", help="one branch (default: every branch in the journal)")
    report.add_argument(
        "--config",
        metavar="FILE",
        help="the branch TOML (service names, counters; default: the shipped ministry hall)",
    )
    report.add_argument("--format", choices=("html", "csv", "json"), required=True)
    report.add_argument("--out", metavar="PATH", help="write here instead of standard output")
    report.set_defaults(func=_cmd_report)
