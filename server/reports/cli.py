"""``dawr report``: the ministry's figures for a date range from the journal, as HTML, CSV or JSON.

One branch (``--branch ID``, or a journal that holds only one) gives the hall report. Over several
branches — or at HQ (a database that receives branch journals) without ``--branch`` — the report gives
each branch's breakdown (summary, services, days, counters) and the ministry-wide total, each branch named
by its Arabic and English name from HQ's branch registry (``server/store/branches.py``), else from its
``--config``, else by its id (the page then says so). ``--by-branch`` / ``--no-by-branch`` force either.

A bad date, a reversed range or a range with no journal events prints one line and exits with code 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from server.core.config import BranchConfig, load_branch_config, load_default_config
from server.core.errors import ConfigError
from server.core.events import Event
from server.reports.figures import analyze
from server.reports.ministry import branch_labels, ministry_figures
from server.reports.render import render_csv, render_html, render_json


def iso_date(text: str) -> date:
    """argparse type: a calendar date written YYYY-MM-DD."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2025-01-05"
        ) from None


def _listed(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def build_report(
    db: str | None,
    start: date,
    end: date,
    branch: str | Sequence[str] | None,
    config_path: str | Sequence[str] | None,
    fmt: str,
    *,
    by_branch: bool | None = None,
) -> str:
    """The report text in ``fmt`` ("html", "csv" or "json") of ``branch`` (one id, several, or None for
    every branch in the journal). ``config_path`` is one branch configuration (it then applies to every
    branch, as it always did) or several (each applies to the branch it names; the others get the
    shipped one). ``by_branch`` None: per-branch breakdowns when the range holds several branches, or at
    HQ when no branch is named. Raises ConfigError for an empty range or a bad argument."""
    from server.store.branches import BranchError, BranchRegistry, check_branch_id, receives_branch_journals
    from server.store.journal import Journal, default_database_url

    if end < start:
        raise ConfigError(f"--to {end} is before --from {start}")
    wanted = list(dict.fromkeys(_listed(branch)))
    try:
        for each in wanted:
            check_branch_id(each)
    except BranchError as error:
        raise ConfigError(f"--branch: {error}") from None
    configs = [load_branch_config(path) for path in _listed(config_path)]
    own: dict[str, BranchConfig] = {}
    for config in configs:
        if config.branch.id in own:
            raise ConfigError(f"--config: two configurations for branch {config.branch.id!r}")
        own[config.branch.id] = config
    default = configs[0] if len(configs) == 1 else load_default_config()
    journal = Journal.open(db)
    try:
        rows: list[tuple[str, int, Event]] = []
        selection: list[str | None] = [*wanted] if wanted else [None]
        for chosen in selection:
            rows.extend(journal.events(chosen, from_day=start, to_day=end))
        known = journal.branches() if not rows else []
        registry = BranchRegistry(journal.engine).names()
        at_hq = bool(receives_branch_journals(journal.engine)) if not wanted else False
    finally:
        journal.close()
    if not rows:
        where = f"branch {', '.join(wanted)}" if wanted else "any branch"
        hint = (
            f" (branches in this journal: {', '.join(sorted(known))})" if known else " (the journal is empty)"
        )
        raise ConfigError(
            f"no journal events for {where} from {start} to {end} in {db or default_database_url()}{hint}"
        )
    present = list(dict.fromkeys(row[0] for row in rows))
    labels = branch_labels(present, registry, [*configs, default])
    if by_branch is None:
        by_branch = len(present) > 1 or at_hq

    if by_branch:
        data = ministry_figures(rows, lambda b: own.get(b, default), default, labels)
    else:
        figures = analyze(rows, default, configs=own)
        data = figures.as_dict()
        data["branch_names"] = {b: labels[b].as_dict() for b in figures.branches}
    if fmt == "json":
        return render_json(data)
    if fmt == "csv":
        return render_csv(data)
    names = (
        " · ".join(labels[b].name_en for b in present),
        " · ".join(labels[b].name_ar for b in present),
    )
    return render_html(data, branch_name=names)


def _cmd_report(args: argparse.Namespace) -> int:
    text = build_report(
        args.db,
        args.date_from,
        args.date_to or args.date_from,
        args.branch,
        args.config,
        args.format,
        by_branch=args.by_branch,
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


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``dawr report``."""
    report = subparsers.add_parser(
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
    report.add_argument(
        "--branch",
        metavar="ID",
        action="append",
        help="a branch (repeat for several; default: every branch in the journal)",
    )
    report.add_argument(
        "--config",
        metavar="FILE",
        action="append",
        help="the branch TOML (service names, counters, the branch's name; default: the shipped ministry "
        "hall). One applies to every branch; repeated, each applies to the branch it names",
    )
    report.add_argument(
        "--by-branch",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="each branch's breakdown and the ministry-wide total (default: when the report covers several "
        "branches, or at HQ without --branch)",
    )
    report.add_argument("--format", choices=("html", "csv", "json"), required=True)
    report.add_argument("--out", metavar="PATH", help="write here instead of standard output")
    report.set_defaults(func=_cmd_report)
