"""``dawr network``: set up and watch the ministry network (docs/network.md).

    dawr network init-hq      --db HQ_URL
    dawr network init-branch  --db BRANCH_URL --branch ID [--config TOML]
    dawr network add-branch   --db HQ_URL --branch ID --branch-url BRANCH_URL [--replace-copy]
    dawr network follow-hq    --db BRANCH_URL --branch ID --hq-url HQ_URL [--replace-local]
    dawr network unfollow-hq  --db BRANCH_URL --branch ID
    dawr network status       --db URL [--json] [--check]
    dawr network verify       --db HQ_URL --branch ID --branch-url BRANCH_URL
    dawr network grant        --db HQ_URL USER (--branches a,b | --every-branch)
    dawr network refresh-branch --db HQ_URL --branch ID   (after an upgraded branch's init-branch)
    dawr network refresh-hq   --db BRANCH_URL --branch ID  (after refresh-branch at HQ: receive bookings)
    dawr network remove-branch --db HQ_URL --branch ID
    dawr network restore-branch --db NEW_BRANCH_URL --branch ID --hq-url HQ_URL
    dawr network show         --db HQ_URL --config BRANCH_TOML [--config ...]
    dawr network upgrade-check --db URL    (what `dawr db upgrade` must respect: HQ first)

``register(subparsers)`` adds them to the ``dawr`` parser; ``main(argv)`` runs them alone
(``python -m server.network``). A mistake prints one line to stderr and exits with 2, changing nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from server.core.errors import ConfigError, JournalError

SubParsers = "argparse._SubParsersAction[argparse.ArgumentParser]"


def _print(lines: list[str]) -> None:
    for line in lines:
        print(line)


def _cmd_init_hq(args: argparse.Namespace) -> int:
    from server.network.replication import init_hq

    _print(init_hq(args.db))
    return 0


def _cmd_init_branch(args: argparse.Namespace) -> int:
    from server.network.replication import NetworkError, init_branch

    branch_id = args.branch
    if args.config:
        from server.core.config import load_branch_config

        configured = load_branch_config(args.config).branch.id
        if branch_id is None:
            branch_id = configured
        elif branch_id != configured:
            raise NetworkError(
                f"branch id mismatch: --branch {branch_id} but {args.config} is branch {configured}"
            )
    if branch_id is None:
        raise NetworkError("name the branch: --branch ID or --config TOML")
    _print(init_branch(args.db, branch_id))
    return 0


def _branch_names(args: argparse.Namespace) -> tuple[str, str] | None:
    """The (Arabic, English) names add-branch records in HQ's branch registry, checked before anything
    changes: from --config (whose id must be --branch), overridden by --name-ar / --name-en."""
    from server.network.replication import NetworkError
    from server.store.branches import NAME_LENGTH

    name_ar = name_en = None
    if args.config:
        from server.core.config import load_branch_config

        config = load_branch_config(args.config)
        if config.branch.id != args.branch:
            raise NetworkError(
                f"branch id mismatch: --branch {args.branch} but {args.config} is branch {config.branch.id}"
            )
        name_ar, name_en = config.branch.name_ar, config.branch.name_en
    name_ar = args.name_ar or name_ar
    name_en = args.name_en or name_en
    if name_ar is None and name_en is None:
        return None
    if name_ar is None or name_en is None:
        raise NetworkError("give both names: --name-ar and --name-en (or --config)")
    names = (name_ar.strip(), name_en.strip())
    for name, which in zip(names, ("Arabic", "English"), strict=True):
        if not name or len(name) > NAME_LENGTH or "\n" in name or "\r" in name:
            raise NetworkError(
                f"branch {args.branch!r}: the {which} name must be one line of 1-{NAME_LENGTH} characters"
            )
    return names


def _cmd_add_branch(args: argparse.Namespace) -> int:
    from server.network.replication import NetworkError, add_branch, libpq_url
    from server.store.branches import BranchError, BranchRegistry
    from server.store.journal import make_engine

    names = _branch_names(args)
    _print(add_branch(args.db, args.branch, args.branch_url, replace_copy=args.replace_copy))
    if names is not None:
        engine = make_engine(libpq_url(args.db))
        try:
            BranchRegistry(engine).put(args.branch, *names)
        except BranchError as error:
            raise NetworkError(str(error)) from None
        finally:
            engine.dispose()
        print(f"branch {args.branch} is named {names[1]!r} at HQ (and in Arabic)")
    return 0


def _cmd_follow_hq(args: argparse.Namespace) -> int:
    from server.network.replication import follow_hq

    _print(follow_hq(args.db, args.branch, args.hq_url, replace_local=args.replace_local))
    return 0


def _cmd_unfollow_hq(args: argparse.Namespace) -> int:
    from server.network.replication import unfollow_hq

    _print(unfollow_hq(args.db, args.branch))
    return 0


def _cmd_refresh_branch(args: argparse.Namespace) -> int:
    from server.network.replication import refresh_branch

    _print(refresh_branch(args.db, args.branch))
    return 0


def _cmd_refresh_hq(args: argparse.Namespace) -> int:
    from server.network.replication import refresh_hq

    _print(refresh_hq(args.db, args.branch))
    return 0


def _cmd_remove_branch(args: argparse.Namespace) -> int:
    from server.network.replication import remove_branch

    _print(remove_branch(args.db, args.branch))
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    from server.network.replication import describe, status

    links = status(args.db)
    if args.json:
        print(json.dumps([link.as_dict() for link in links], ensure_ascii=False, indent=2))
    else:
        if not links:
            print("no network links in this database (see `dawr network add-branch` / `follow-hq`)")
        for link in links:
            print(describe(link))
            for warning in link.warnings:
                print(f"  WARNING: {warning}")
    if args.check and any(link.warnings or not link.connected for link in links):
        return 1
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from server.network.replication import journal_digest

    here = journal_digest(args.db, args.branch)
    there = journal_digest(args.branch_url, args.branch)
    same = here == there
    print(
        f"branch {args.branch}: branch {there.count} events (last seq {there.last_seq}), HQ {here.count} events "
        f"(last seq {here.last_seq}): {'identical' if same else 'DIFFERENT'}"
        + (f" (sha256 {here.sha256[:16]})" if same else "")
    )
    return 0 if same else 1


def _cmd_grant(args: argparse.Namespace) -> int:
    from server.network.replication import NetworkError, libpq_url
    from server.store.journal import Journal
    from server.store.staff import StaffError, StaffStore

    if args.every_branch == bool(args.branches):
        raise NetworkError("give either --branches a,b or --every-branch")
    branches = None if args.every_branch else [b.strip() for b in args.branches.split(",") if b.strip()]
    journal = Journal.open(libpq_url(args.db))
    try:
        StaffStore(journal.engine).set_branches(args.username, branches)
    except StaffError as error:
        raise NetworkError(str(error)) from None
    finally:
        journal.close()
    where = (
        "every branch" if branches is None else ("no branch" if not branches else ", ".join(sorted(branches)))
    )
    print(f"{args.username} may work at {where}")
    return 0


def _cmd_restore_branch(args: argparse.Namespace) -> int:
    from server.network.replication import restore_branch

    _print(restore_branch(args.db, args.branch, args.hq_url))
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from server.core.config import load_branch_config
    from server.network.mirror import BranchMirror
    from server.network.replication import libpq_url, status
    from server.store.journal import Journal

    configs = [load_branch_config(path) for path in args.config]
    connected = {link.branch_id: link.connected for link in status(args.db) if link.kind == "journal"}
    journal = Journal.open(libpq_url(args.db))
    try:
        now = datetime.now(UTC)
        for config in configs:
            mirror = BranchMirror(config, journal)
            mirror.catch_up()
            p = mirror.picture(now, connected=connected.get(config.branch.id, False))
            waiting = ", ".join(f"{service} {count}" for service, count in p.waiting.items()) or "nobody"
            age = f"data {p.data_age_seconds:.0f} s old" if p.data_age_seconds is not None else "no data"
            print(
                f"{p.branch_id} ({p.name_en}): counters {p.counters_open} open, {p.counters_paused} paused; "
                f"waiting {waiting}; longest wait {p.longest_wait_seconds / 60:.0f} min, mean "
                f"{p.mean_wait_seconds / 60:.0f} min; served today {p.served_today}; {age}"
                + (" — STALE (HQ is cut off from this branch)" if p.stale else "")
            )
    finally:
        journal.close()
    return 0


def _cmd_upgrade_check(args: argparse.Namespace) -> int:
    from server.network.replication import upgrade_advice

    lines = upgrade_advice(args.db)
    _print(lines or ["this database is not part of a Dawr network: upgrade it at any time"])
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``dawr network ...`` to the ``dawr`` parser."""
    network = sub.add_parser("network", help="the ministry network: replication between branches and HQ")
    commands = network.add_subparsers(dest="network_command", required=True, metavar="COMMAND")

    def db(parser: argparse.ArgumentParser, where: str) -> None:
        parser.add_argument("--db", required=True, help=f"PostgreSQL URL of the {where} database")

    hq = commands.add_parser("init-hq", help="at HQ: check and migrate the HQ database")
    db(hq, "HQ")
    hq.set_defaults(func=_cmd_init_hq)

    init = commands.add_parser("init-branch", help="at a branch: check the database, publish its journal")
    db(init, "branch")
    init.add_argument("--branch", help="branch id (default: the one in --config)")
    init.add_argument("--config", help="branch TOML file, to check the branch id against")
    init.set_defaults(func=_cmd_init_branch)

    add = commands.add_parser("add-branch", help="at HQ: subscribe to a branch's journal")
    db(add, "HQ")
    add.add_argument("--branch", required=True, help="branch id")
    add.add_argument(
        "--branch-url", required=True, help="PostgreSQL URL of the branch database, as HQ reaches it"
    )
    add.add_argument("--replace-copy", action="store_true", help="replace HQ's existing copy of the branch")
    add.add_argument("--config", help="the branch's TOML file: its names go to HQ's branch registry")
    add.add_argument("--name-ar", help="the branch's Arabic name at HQ (reports, HQ view)")
    add.add_argument("--name-en", help="the branch's English name at HQ")
    add.set_defaults(func=_cmd_add_branch)

    follow = commands.add_parser("follow-hq", help="at a branch: receive its staff accounts from HQ")
    db(follow, "branch")
    follow.add_argument("--branch", required=True, help="branch id")
    follow.add_argument(
        "--hq-url", required=True, help="PostgreSQL URL of the HQ database, as the branch reaches it"
    )
    follow.add_argument("--replace-local", action="store_true", help="replace this branch's own accounts")
    follow.set_defaults(func=_cmd_follow_hq)

    unfollow = commands.add_parser("unfollow-hq", help="at a branch: stop receiving staff accounts from HQ")
    db(unfollow, "branch")
    unfollow.add_argument("--branch", required=True, help="branch id")
    unfollow.set_defaults(func=_cmd_unfollow_hq)

    health = commands.add_parser("status", help="health of every link: connected, lag, WAL retained")
    db(health, "HQ or branch")
    health.add_argument("--json", action="store_true", help="machine-readable output (monitoring)")
    health.add_argument("--check", action="store_true", help="exit 1 if a link is down or has a warning")
    health.set_defaults(func=_cmd_status)

    verify = commands.add_parser("verify", help="compare HQ's copy of a branch's journal with the branch's")
    db(verify, "HQ")
    verify.add_argument("--branch", required=True, help="branch id")
    verify.add_argument("--branch-url", required=True, help="PostgreSQL URL of the branch database")
    verify.set_defaults(func=_cmd_verify)

    grant = commands.add_parser("grant", help="at HQ: set the branches a staff account may work at")
    db(grant, "HQ")
    grant.add_argument("username")
    grant.add_argument("--branches", help="comma-separated branch ids")
    grant.add_argument("--every-branch", action="store_true", help="the account may work at every branch")
    grant.set_defaults(func=_cmd_grant)

    refresh = commands.add_parser(
        "refresh-branch",
        help="at HQ: receive the tables a branch's publication gained (device status), publish its bookings",
    )
    db(refresh, "HQ")
    refresh.add_argument("--branch", required=True, help="branch id")
    refresh.set_defaults(func=_cmd_refresh_branch)

    refresh_hq = commands.add_parser(
        "refresh-hq", help="at a branch: receive the tables HQ's publication gained (bookings)"
    )
    db(refresh_hq, "branch")
    refresh_hq.add_argument("--branch", required=True, help="branch id")
    refresh_hq.set_defaults(func=_cmd_refresh_hq)

    remove = commands.add_parser("remove-branch", help="at HQ: stop receiving a branch (HQ keeps its copy)")
    db(remove, "HQ")
    remove.add_argument("--branch", required=True, help="branch id")
    remove.set_defaults(func=_cmd_remove_branch)

    restore = commands.add_parser("restore-branch", help="on a new branch database: copy its journal from HQ")
    db(restore, "new branch")
    restore.add_argument("--branch", required=True, help="branch id")
    restore.add_argument("--hq-url", required=True, help="PostgreSQL URL of the HQ database")
    restore.set_defaults(func=_cmd_restore_branch)

    live = commands.add_parser("show", help="at HQ: each branch's live state, rebuilt from HQ's copy")
    db(live, "HQ")
    live.add_argument("--config", action="append", required=True, help="a branch TOML file (repeat)")
    live.set_defaults(func=_cmd_show)

    check = commands.add_parser(
        "upgrade-check", help="may this database's schema be upgraded now? (HQ first)"
    )
    db(check, "HQ or branch")
    check.set_defaults(func=_cmd_upgrade_check)


def main(argv: Sequence[str] | None = None) -> int:
    """``dawr network`` on its own; returns the exit code."""
    parser = argparse.ArgumentParser(prog="dawr")
    register(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    args = parser.parse_args(["network", *(sys.argv[1:] if argv is None else argv)])
    try:
        code: int = args.func(args)
    except (ConfigError, JournalError) as error:
        print(f"dawr: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return code
