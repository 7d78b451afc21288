"""``dawr db upgrade``: create or migrate the journal schema."""

from __future__ import annotations

import argparse

from server.cli.main import SubParsers


def _cmd_upgrade(args: argparse.Namespace) -> int:
    from server.store.journal import Journal, default_database_url

    if args.db and args.db.startswith("postgres"):
        # DDL is not replicated: in a ministry network HQ is upgraded first, then each branch.
        from server.network.replication import upgrade_advice

        for line in upgrade_advice(args.db):
            print(line)
    journal = Journal.open(args.db)
    journal.close()
    print(f"journal schema is up to date at {args.db or default_database_url()}")
    return 0


def register(subparsers: SubParsers) -> None:
    """Add ``dawr db upgrade``."""
    db = subparsers.add_parser("db", help="manage the journal database")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    upgrade = db_sub.add_parser("upgrade", help="create or migrate the journal schema")
    upgrade.add_argument("--db", help="database URL (default: SQLite in the user's data directory)")
    upgrade.set_defaults(func=_cmd_upgrade)
