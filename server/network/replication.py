"""The ministry network through PostgreSQL's own logical replication (docs/network.md).

Each branch publishes its own journal rows (``dawr_journal_<branch>``: ``journal_events`` filtered on
``branch_id`` — the journal is append-only, only inserts happen — and its devices' last known state,
``device_status`` with the same filter, inserts and updates); HQ holds one subscription per branch with
the same name. The other way, HQ publishes each branch's staff accounts and bookings (``dawr_staff_<branch>``:
the rows of ``staff_accounts`` granted at that branch or at every branch, and ``bookings`` filtered on
``branch_id``) and the branch subscribes to it. Keys make conflicts impossible: a branch only writes its own
``(branch_id, seq)`` and ``(branch_id, device_id)`` rows, HQ alone writes staff and booking rows.

Every function checks everything first and changes nothing when a check fails; a failure raises
NetworkError with one line for the operator. DDL is not replicated: each database is brought to the
schema by the same Alembic migrations before it publishes or subscribes.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql
from sqlalchemy.exc import SQLAlchemyError

from server.core.errors import ConfigError
from server.store.journal import make_engine, upgrade_schema

BRANCH_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
JOURNAL_PREFIX = "dawr_journal_"
STAFF_PREFIX = "dawr_staff_"
DEVICE_TABLE = "device_status"
BOOKING_TABLE = "bookings"
"""The bookings HQ holds (migration 0006), published to each branch with its staff accounts."""
"""The devices' state (migration 0005), published with the journal so that HQ sees device alerts."""
JOURNAL_PUBLISH = "insert, update"
"""What the journal publication publishes: the journal only ever gets inserts; ``device_status`` rows are
upserted. Deletes are not published (a branch never deletes either)."""
CONNECT_SECONDS = 5
WAL_WARN_FRACTION = 0.8
"""``status`` warns when a slot retains this fraction of ``max_slot_wal_keep_size``."""


class NetworkError(ConfigError):
    """A network set-up step that cannot be done; the message is one line and nothing was changed."""


def journal_name(branch_id: str) -> str:
    """Name of the branch's journal publication, of HQ's subscription to it and of its slot."""
    return JOURNAL_PREFIX + branch_id


def staff_name(branch_id: str) -> str:
    """Name of HQ's staff publication for the branch, of the branch's subscription and of its slot."""
    return STAFF_PREFIX + branch_id


def staff_filter(branch_id: str) -> str:
    """The row filter of the branch's staff publication (``branches`` is '*' or ',a,b,')."""
    return f"(branches = '*' OR position(',{branch_id},' in branches) > 0)"


def _publish_bookings(hq: psycopg.Connection[Any], branch_id: str) -> bool:
    """Add the branch's bookings to HQ's staff publication of the branch; False when already there."""
    name = staff_name(branch_id)
    if BOOKING_TABLE in _published_tables(hq, name):
        return False
    hq.execute(
        sql.SQL("ALTER PUBLICATION {} ADD TABLE {} WHERE {}").format(
            sql.Identifier(name), sql.Identifier(BOOKING_TABLE), _filter(branch_id)
        )
    )
    return True


def safe_url(url: str) -> str:
    """``url`` with any password replaced by ***, for messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unreadable URL>"
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def libpq_url(url: str) -> str:
    """A libpq connection URL (the SQLAlchemy ``postgresql+psycopg://`` spelling is accepted)."""
    for prefix in ("postgresql+psycopg://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    if not url.startswith(("postgresql://", "postgres://")):
        raise NetworkError(f"{safe_url(url)} is not a PostgreSQL URL (postgresql://user@host:port/database)")
    return url


def _check_branch_id(branch_id: str) -> None:
    if not BRANCH_ID.match(branch_id):
        raise NetworkError(f"invalid branch id {branch_id!r}: lower-case letters, digits and '_', 1-40 chars")


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


@contextmanager
def connect(url: str, role: str) -> Iterator[psycopg.Connection[Any]]:
    """An autocommit connection to ``url`` (``role`` names the database in messages)."""
    target = libpq_url(url)
    try:
        connection = psycopg.connect(target, autocommit=True, connect_timeout=CONNECT_SECONDS)
    except (psycopg.Error, ValueError) as error:
        raise NetworkError(
            f"cannot connect to the {role} database {safe_url(url)}: {_first_line(error)}"
        ) from None
    try:
        yield connection
    except psycopg.Error as error:
        raise NetworkError(f"the {role} database {safe_url(url)} refused: {_first_line(error)}") from None
    finally:
        connection.close()


def _one(connection: psycopg.Connection[Any], query: str | sql.Composed, *params: Any) -> Any:
    row = connection.execute(query, params or None).fetchone()
    return row[0] if row else None


def _rows(connection: psycopg.Connection[Any], query: str | sql.Composed, *params: Any) -> list[Any]:
    return list(connection.execute(query, params or None).fetchall())


def _check_wal_level(connection: psycopg.Connection[Any], role: str) -> None:
    level = _one(connection, "SHOW wal_level")
    if level != "logical":
        raise NetworkError(
            f"the {role} database has wal_level = {level}; set wal_level = logical in postgresql.conf "
            "and restart PostgreSQL"
        )


def _check_version(connection: psycopg.Connection[Any], role: str) -> None:
    version = int(_one(connection, "SHOW server_version_num"))
    if version < 150000:
        raise NetworkError(
            f"the {role} database runs PostgreSQL {version // 10000}; the network needs 15 or newer "
            "(row filters on publications)"
        )


def _is_superuser(connection: psycopg.Connection[Any]) -> bool:
    return bool(_one(connection, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))


def _check_superuser(connection: psycopg.Connection[Any], role: str, why: str) -> None:
    if not _is_superuser(connection):
        user = _one(connection, "SELECT current_user")
        raise NetworkError(f"user {user!r} of the {role} database is not a superuser, which {why} needs")


def _check_publisher_rights(connection: psycopg.Connection[Any], role: str, table: str) -> None:
    """The user may create a publication of ``table`` and serve a subscription (replication, select)."""
    row = connection.execute(
        "SELECT current_user, rolsuper, rolreplication, "
        "has_database_privilege(current_database(), 'CREATE') FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    assert row is not None
    user, superuser, replication, create = row
    if superuser:
        return
    missing = []
    if not replication:
        missing.append("REPLICATION")
    if not create:
        missing.append("CREATE on the database")
    owner = _one(connection, "SELECT tableowner FROM pg_tables WHERE tablename = %s", table)
    if owner is not None and owner != user:
        missing.append(f"ownership of table {table}")
    if missing:
        raise NetworkError(f"user {user!r} of the {role} database lacks {', '.join(missing)}")


def _table_exists(connection: psycopg.Connection[Any], table: str) -> bool:
    return bool(_one(connection, "SELECT to_regclass(%s) IS NOT NULL", table))


def _published_tables(connection: psycopg.Connection[Any], publication: str) -> set[str]:
    return {
        str(r[0])
        for r in _rows(
            connection, "SELECT tablename FROM pg_publication_tables WHERE pubname = %s", publication
        )
    }


def _filter(branch_id: str) -> sql.Composed:
    return sql.SQL("(branch_id = {})").format(sql.Literal(branch_id))


def _publications(connection: psycopg.Connection[Any], prefix: str) -> list[str]:
    return [
        r[0]
        for r in _rows(connection, "SELECT pubname FROM pg_publication WHERE pubname LIKE %s", prefix + "%")
    ]


def _slot(connection: psycopg.Connection[Any], name: str) -> tuple[bool, int | None] | None:
    row = connection.execute(
        "SELECT active, active_pid FROM pg_replication_slots WHERE slot_name = %s", (name,)
    ).fetchone()
    return (bool(row[0]), row[1]) if row else None


def _subscription_exists(connection: psycopg.Connection[Any], name: str) -> bool:
    return bool(_one(connection, "SELECT count(*) FROM pg_subscription WHERE subname = %s", name))


def _schema_revision(connection: psycopg.Connection[Any]) -> str | None:
    if not _table_exists(connection, "alembic_version"):
        return None
    value = _one(connection, "SELECT version_num FROM alembic_version")
    return str(value) if value is not None else None


def head_revision() -> str:
    """The newest migration this Dawr knows."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from server.store.journal import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def migrate(url: str, role: str) -> None:
    """Bring the schema at ``url`` to this Dawr's newest revision (the same Alembic migrations)."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            upgrade_schema(connection)
    except SQLAlchemyError as error:
        raise NetworkError(
            f"cannot migrate the {role} database {safe_url(url)}: {_first_line(error)}"
        ) from None
    finally:
        engine.dispose()


def _check_known_revision(connection: psycopg.Connection[Any], role: str) -> None:
    revision = _schema_revision(connection)
    if revision is not None and not _known_revision(revision):
        raise NetworkError(
            f"the {role} database's schema (revision {revision}) is newer than this Dawr "
            f"({head_revision()}): upgrade Dawr here first"
        )


def _known_revision(revision: str) -> bool:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from server.store.journal import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_revision(revision) is not None


# ------------------------------------------------------------------------------------------ set-up
def init_branch(branch_url: str, branch_id: str) -> list[str]:
    """On the branch database: check it, migrate its schema, publish the branch's journal rows."""
    _check_branch_id(branch_id)
    name = journal_name(branch_id)
    with connect(branch_url, "branch") as db:
        _check_version(db, "branch")
        _check_wal_level(db, "branch")
        _check_publisher_rights(db, "branch", "journal_events")
        _check_known_revision(db, "branch")
        published = _publications(db, JOURNAL_PREFIX)
        others = [p[len(JOURNAL_PREFIX) :] for p in published if p != name]
        if others:
            raise NetworkError(
                f"branch id mismatch: this database already publishes branch {others[0]!r}, not {branch_id!r}"
            )
        if _table_exists(db, "journal_events"):
            held = [r[0] for r in _rows(db, "SELECT DISTINCT branch_id FROM journal_events ORDER BY 1")]
            if held and branch_id not in held:
                raise NetworkError(
                    f"branch id mismatch: this database's journal holds branch {', '.join(held)}, "
                    f"not {branch_id!r}"
                )
        keep = str(_one(db, "SHOW max_slot_wal_keep_size"))
        already = name in published
    migrate(branch_url, "branch")
    lines = []
    with connect(branch_url, "branch") as db:
        if already and DEVICE_TABLE in _published_tables(db, name):
            lines.append(f"branch {branch_id}: publication {name} already exists (nothing to do)")
        elif already:  # published before migration 0005: add the device status to it
            with db.transaction():
                db.execute(
                    sql.SQL("ALTER PUBLICATION {} ADD TABLE {} WHERE {}").format(
                        sql.Identifier(name), sql.Identifier(DEVICE_TABLE), _filter(branch_id)
                    )
                )
                db.execute(
                    sql.SQL("ALTER PUBLICATION {} SET (publish = {})").format(
                        sql.Identifier(name), sql.Literal(JOURNAL_PUBLISH)
                    )
                )
            lines.append(
                f"branch {branch_id}: publication {name} now carries the device status too: at HQ run "
                f"`dawr network refresh-branch --branch {branch_id}`"
            )
        else:
            db.execute(
                sql.SQL(
                    "CREATE PUBLICATION {} FOR TABLE journal_events WHERE {}, TABLE {} WHERE {} WITH (publish = {})"
                ).format(
                    sql.Identifier(name),
                    _filter(branch_id),
                    sql.Identifier(DEVICE_TABLE),
                    _filter(branch_id),
                    sql.Literal(JOURNAL_PUBLISH),
                )
            )
            lines.append(
                f"branch {branch_id}: publication {name} created (journal rows and device status of "
                f"{branch_id} only)"
            )
    if keep == "-1":
        lines.append(
            "warning: max_slot_wal_keep_size is unlimited: a long HQ outage could fill the branch's disk; "
            "set it (e.g. 10GB) in postgresql.conf"
        )
    else:
        lines.append(f"max_slot_wal_keep_size = {keep}: HQ may be away until the branch writes that much WAL")
    return lines


def init_hq(hq_url: str) -> list[str]:
    """At HQ: check the database (superuser, wal_level for the staff publications) and migrate it."""
    with connect(hq_url, "HQ") as db:
        _check_version(db, "HQ")
        _check_wal_level(db, "HQ")
        _check_superuser(db, "HQ", "creating subscriptions")
        _check_known_revision(db, "HQ")
    migrate(hq_url, "HQ")
    return [f"HQ schema is at revision {head_revision()}; add branches with `dawr network add-branch`"]


def add_branch(hq_url: str, branch_id: str, branch_url: str, *, replace_copy: bool = False) -> list[str]:
    """At HQ: subscribe to the branch's journal publication and publish the branch's staff accounts."""
    _check_branch_id(branch_id)
    name = journal_name(branch_id)
    with connect(hq_url, "HQ") as hq:
        _check_version(hq, "HQ")
        _check_wal_level(hq, "HQ")
        _check_superuser(hq, "HQ", "creating subscriptions")
        _check_known_revision(hq, "HQ")
        if _subscription_exists(hq, name):
            raise NetworkError(f"branch {branch_id!r} is already added at HQ (subscription {name})")
        held = 0
        if _table_exists(hq, "journal_events"):
            held = int(_one(hq, "SELECT count(*) FROM journal_events WHERE branch_id = %s", branch_id))
        if held and not replace_copy:
            raise NetworkError(
                f"HQ already holds {held} events of branch {branch_id!r}; add --replace-copy to replace "
                "them by a fresh copy of the branch's journal"
            )
        with connect(branch_url, "branch") as branch:
            _check_version(branch, "branch")
            _check_wal_level(branch, "branch")
            published = _publications(branch, JOURNAL_PREFIX)
            if name not in published:
                if published:
                    raise NetworkError(
                        f"branch id mismatch: the database at {safe_url(branch_url)} publishes branch "
                        f"{published[0][len(JOURNAL_PREFIX) :]!r}, not {branch_id!r}"
                    )
                raise NetworkError(
                    f"the database at {safe_url(branch_url)} publishes no branch journal: run "
                    f"`dawr network init-branch --branch {branch_id}` at the branch first"
                )
            _check_publisher_rights(branch, "branch", "journal_events")
            slot = _slot(branch, name)
            if slot is not None:
                active, pid = slot
                state = f"in use (by process {pid})" if active else "left by an earlier subscription"
                raise NetworkError(
                    f"replication slot {name} already exists on the branch, {state}: another HQ may be "
                    f"subscribed; drop it on the branch with SELECT pg_drop_replication_slot('{name}') "
                    "if that is intended"
                )
            branch_revision = _schema_revision(branch)
        if branch_revision is not None and not _known_revision(branch_revision):
            raise NetworkError(
                f"the branch's schema (revision {branch_revision}) is newer than HQ's Dawr: upgrade HQ first "
                "(subscribers before publishers)"
            )
        staff_exists = staff_name(branch_id) in _publications(hq, STAFF_PREFIX)
    migrate(hq_url, "HQ")
    with connect(hq_url, "HQ") as hq:
        try:
            hq.execute(
                sql.SQL(
                    "CREATE SUBSCRIPTION {} CONNECTION {} PUBLICATION {} WITH (enabled = false, copy_data = true)"
                ).format(sql.Identifier(name), sql.Literal(libpq_url(branch_url)), sql.Identifier(name))
            )
        except psycopg.Error as error:
            raise NetworkError(
                f"HQ could not subscribe to branch {branch_id!r}: {_first_line(error)}"
            ) from None
        try:
            with hq.transaction():
                if replace_copy:
                    hq.execute("DELETE FROM journal_events WHERE branch_id = %s", (branch_id,))
                if _table_exists(hq, DEVICE_TABLE):  # live state, not history: the copy brings it anew
                    hq.execute(f"DELETE FROM {DEVICE_TABLE} WHERE branch_id = %s", (branch_id,))
                if not staff_exists:
                    hq.execute(
                        sql.SQL("CREATE PUBLICATION {} FOR TABLE staff_accounts WHERE {}").format(
                            sql.Identifier(staff_name(branch_id)), sql.SQL(staff_filter(branch_id))
                        )
                    )
                _publish_bookings(hq, branch_id)
            hq.execute(sql.SQL("ALTER SUBSCRIPTION {} ENABLE").format(sql.Identifier(name)))
        except psycopg.Error as error:
            hq.execute(sql.SQL("DROP SUBSCRIPTION IF EXISTS {}").format(sql.Identifier(name)))
            raise NetworkError(
                f"HQ could not finish adding branch {branch_id!r}: {_first_line(error)}"
            ) from None
    lines = [f"HQ subscribes to branch {branch_id} ({name}); the branch's journal is being copied"]
    if replace_copy and held:
        lines.append(f"HQ's previous copy ({held} events) was replaced")
    lines.append(
        f"staff accounts and bookings of branch {branch_id} are published as {staff_name(branch_id)}: run "
        f"`dawr network follow-hq --branch {branch_id}` at the branch"
    )
    return lines


def refresh_branch(hq_url: str, branch_id: str) -> list[str]:
    """At HQ: let the branch's journal subscription pick up the tables its publication gained (the device
    status of a branch set up before migration 0005, after `init-branch` ran there again). HQ's schema is
    brought to this Dawr's revision first (DDL is not replicated); the branch must be reachable."""
    _check_branch_id(branch_id)
    name = journal_name(branch_id)
    with connect(hq_url, "HQ") as hq:
        _check_superuser(hq, "HQ", "refreshing subscriptions")
        _check_known_revision(hq, "HQ")
        if not _subscription_exists(hq, name):
            raise NetworkError(f"branch {branch_id!r} is not added at HQ (no subscription {name})")
        if not _one(hq, "SELECT subenabled FROM pg_subscription WHERE subname = %s", name):
            raise NetworkError(f"HQ's subscription {name} is disabled: enable it before refreshing")
    migrate(hq_url, "HQ")
    with connect(hq_url, "HQ") as hq:
        before = _subscribed_tables(hq, name)
        if DEVICE_TABLE not in before:  # the first copy of the devices' rows must not meet old ones
            hq.execute(f"DELETE FROM {DEVICE_TABLE} WHERE branch_id = %s", (branch_id,))
        try:
            hq.execute(
                sql.SQL("ALTER SUBSCRIPTION {} REFRESH PUBLICATION WITH (copy_data = true)").format(
                    sql.Identifier(name)
                )
            )
        except psycopg.Error as error:
            raise NetworkError(
                f"HQ could not refresh its subscription to branch {branch_id!r}: {_first_line(error)}"
            ) from None
        added = sorted(_subscribed_tables(hq, name) - before)
        staff = staff_name(branch_id)
        bookings_published = False
        if staff in _publications(hq, STAFF_PREFIX) and BOOKING_TABLE not in _published_tables(hq, staff):
            conninfo = str(_one(hq, "SELECT subconninfo FROM pg_subscription WHERE subname = %s", name))
            if not _remote_table(conninfo, BOOKING_TABLE):
                raise NetworkError(
                    f"branch {branch_id!r} has no bookings table yet: upgrade the branch (`dawr db upgrade`) "
                    "before HQ publishes its bookings, then run this again"
                )
            bookings_published = _publish_bookings(hq, branch_id)
    lines = (
        [f"HQ's subscription {name} now also receives {', '.join(added)}"]
        if added
        else [f"HQ's subscription {name} already receives every table the branch publishes (nothing to do)"]
    )
    if bookings_published:
        lines.append(
            f"HQ's publication {staff} now carries the bookings of branch {branch_id} too: at the branch run "
            f"`dawr network refresh-hq --branch {branch_id}`"
        )
    return lines


def _remote_table(conninfo: str, table: str) -> bool:
    """Whether the database at ``conninfo`` (a subscription's publisher) has ``table``."""
    try:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=CONNECT_SECONDS) as remote:
            return _table_exists(remote, table)
    except psycopg.Error as error:
        raise NetworkError(f"the branch cannot be reached: {_first_line(error)}") from None


def refresh_hq(branch_url: str, branch_id: str) -> list[str]:
    """On a branch that followed HQ before migration 0006: let its staff subscription pick up the bookings
    HQ's publication gained (after `refresh-branch` at HQ). The branch's schema is brought to this Dawr's
    revision first; HQ must be reachable. Local bookings rows are replaced by HQ's copy."""
    _check_branch_id(branch_id)
    name = staff_name(branch_id)
    with connect(branch_url, "branch") as branch:
        _check_superuser(branch, "branch", "refreshing subscriptions")
        _check_known_revision(branch, "branch")
        if not _subscription_exists(branch, name):
            raise NetworkError(f"this branch does not follow HQ (no subscription {name}): run `follow-hq`")
        if not _one(branch, "SELECT subenabled FROM pg_subscription WHERE subname = %s", name):
            raise NetworkError(f"the branch's subscription {name} is disabled: enable it before refreshing")
    migrate(branch_url, "branch")
    with connect(branch_url, "branch") as branch:
        before = _subscribed_tables(branch, name)
        if BOOKING_TABLE not in before:  # HQ is the source: its copy must not meet local rows
            branch.execute(f"DELETE FROM {BOOKING_TABLE}")
        try:
            branch.execute(
                sql.SQL("ALTER SUBSCRIPTION {} REFRESH PUBLICATION WITH (copy_data = true)").format(
                    sql.Identifier(name)
                )
            )
        except psycopg.Error as error:
            raise NetworkError(
                f"the branch could not refresh its subscription to HQ: {_first_line(error)}"
            ) from None
        added = sorted(_subscribed_tables(branch, name) - before)
    if added:
        return [f"the branch's subscription {name} now also receives {', '.join(added)}"]
    if BOOKING_TABLE not in before:
        return [
            f"HQ does not publish the bookings of branch {branch_id} yet: run `dawr network refresh-branch "
            f"--branch {branch_id}` at HQ first"
        ]
    return [f"the branch's subscription {name} already receives everything HQ publishes (nothing to do)"]


def _subscribed_tables(connection: psycopg.Connection[Any], subscription: str) -> set[str]:
    return {
        str(r[0])
        for r in _rows(
            connection,
            "SELECT c.relname FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid "
            "JOIN pg_class c ON c.oid = r.srrelid WHERE s.subname = %s",
            subscription,
        )
    }


def follow_hq(branch_url: str, branch_id: str, hq_url: str, *, replace_local: bool = False) -> list[str]:
    """On the branch: subscribe to HQ's staff accounts of this branch (HQ is their source)."""
    _check_branch_id(branch_id)
    name = staff_name(branch_id)
    with connect(branch_url, "branch") as branch:
        _check_version(branch, "branch")
        _check_superuser(branch, "branch", "creating subscriptions")
        if journal_name(branch_id) not in _publications(branch, JOURNAL_PREFIX):
            raise NetworkError(
                f"this database is not initialised as branch {branch_id!r}: run `dawr network init-branch` first"
            )
        if _subscription_exists(branch, name):
            raise NetworkError(f"this branch already follows HQ (subscription {name})")
        local = [r[0] for r in _rows(branch, "SELECT username FROM staff_accounts ORDER BY 1")]
        with connect(hq_url, "HQ") as hq:
            if name not in _publications(hq, STAFF_PREFIX):
                raise NetworkError(
                    f"HQ publishes no staff accounts for branch {branch_id!r}: run "
                    f"`dawr network add-branch --branch {branch_id}` at HQ first"
                )
            slot = _slot(hq, name)
            if slot is not None:
                raise NetworkError(
                    f"replication slot {name} already exists at HQ ({'in use' if slot[0] else 'inactive'}): "
                    "another server of this branch may follow HQ"
                )
            remote = {
                r[0]
                for r in _rows(
                    hq,
                    sql.SQL("SELECT username FROM staff_accounts WHERE {}").format(
                        sql.SQL(staff_filter(branch_id))
                    ),
                )
            }
        clash = [u for u in local if u in remote]
        if clash and not replace_local:
            raise NetworkError(
                f"{len(clash)} staff account(s) exist both here and at HQ (e.g. {clash[0]!r}); add "
                "--replace-local to replace this branch's accounts by HQ's"
            )
        try:
            branch.execute(
                sql.SQL(
                    "CREATE SUBSCRIPTION {} CONNECTION {} PUBLICATION {} WITH (enabled = false, copy_data = true)"
                ).format(sql.Identifier(name), sql.Literal(libpq_url(hq_url)), sql.Identifier(name))
            )
        except psycopg.Error as error:
            raise NetworkError(f"the branch could not subscribe to HQ: {_first_line(error)}") from None
        try:
            if replace_local and local:
                branch.execute("DELETE FROM staff_accounts")
            if _table_exists(branch, BOOKING_TABLE):  # HQ is the source of bookings: its copy arrives
                branch.execute(f"DELETE FROM {BOOKING_TABLE}")
            branch.execute(sql.SQL("ALTER SUBSCRIPTION {} ENABLE").format(sql.Identifier(name)))
        except psycopg.Error as error:
            branch.execute(sql.SQL("DROP SUBSCRIPTION IF EXISTS {}").format(sql.Identifier(name)))
            raise NetworkError(f"the branch could not follow HQ: {_first_line(error)}") from None
    lines = [
        f"branch {branch_id} follows HQ's staff accounts and bookings ({name}); manage both at HQ from now on"
    ]
    if replace_local and local:
        lines.append(f"{len(local)} local account(s) were replaced by HQ's")
    return lines


def remove_branch(hq_url: str, branch_id: str) -> list[str]:
    """At HQ: end the subscription to the branch (its slot on the branch too when the branch is
    reachable), the branch's staff publication and HQ's slot of the branch's staff subscription when that
    is not in use. HQ keeps its copy of the branch's journal."""
    _check_branch_id(branch_id)
    name, staff = journal_name(branch_id), staff_name(branch_id)
    with connect(hq_url, "HQ") as hq:
        if not _subscription_exists(hq, name):
            raise NetworkError(f"branch {branch_id!r} is not added at HQ")
        conninfo = str(_one(hq, "SELECT subconninfo FROM pg_subscription WHERE subname = %s", name))
        slot_there = _remote_slot(conninfo, name)  # None: unreachable
        hq.execute(sql.SQL("ALTER SUBSCRIPTION {} DISABLE").format(sql.Identifier(name)))
        if slot_there is not True:
            hq.execute(sql.SQL("ALTER SUBSCRIPTION {} SET (slot_name = NONE)").format(sql.Identifier(name)))
        hq.execute(sql.SQL("DROP SUBSCRIPTION {}").format(sql.Identifier(name)))
        hq.execute(sql.SQL("DROP PUBLICATION IF EXISTS {}").format(sql.Identifier(staff)))
        staff_slot = _slot(hq, staff)
        if staff_slot is not None and not staff_slot[0]:
            hq.execute("SELECT pg_drop_replication_slot(%s)", (staff,))
    lines = [f"HQ no longer subscribes to branch {branch_id}; its copy of the journal is kept"]
    if slot_there is None:
        lines.append(
            f"the branch was unreachable: if it comes back, drop its slot there with "
            f"SELECT pg_drop_replication_slot('{name}')"
        )
    if staff_slot is not None and staff_slot[0]:
        lines.append(
            f"the branch still follows HQ's staff: run DROP SUBSCRIPTION {staff} at the branch "
            f"(its slot {staff} at HQ stays until then)"
        )
    return lines


def unfollow_hq(branch_url: str, branch_id: str) -> list[str]:
    """On the branch: stop receiving staff accounts from HQ (and drop the slot at HQ when reachable).
    The branch keeps the accounts it has; run ``follow_hq`` (with ``replace_local``) to follow again."""
    _check_branch_id(branch_id)
    name = staff_name(branch_id)
    with connect(branch_url, "branch") as branch:
        _check_superuser(branch, "branch", "dropping subscriptions")
        if not _subscription_exists(branch, name):
            raise NetworkError(f"this branch does not follow HQ (no subscription {name})")
        conninfo = str(_one(branch, "SELECT subconninfo FROM pg_subscription WHERE subname = %s", name))
        slot_there = _remote_slot(conninfo, name)
        branch.execute(sql.SQL("ALTER SUBSCRIPTION {} DISABLE").format(sql.Identifier(name)))
        if slot_there is not True:
            branch.execute(
                sql.SQL("ALTER SUBSCRIPTION {} SET (slot_name = NONE)").format(sql.Identifier(name))
            )
        branch.execute(sql.SQL("DROP SUBSCRIPTION {}").format(sql.Identifier(name)))
    lines = [f"branch {branch_id} no longer follows HQ's staff accounts; it keeps the ones it has"]
    if slot_there is None:
        lines.append(
            f"HQ was unreachable: drop the slot there with SELECT pg_drop_replication_slot('{name}')"
        )
    return lines


def _remote_slot(conninfo: str, slot: str) -> bool | None:
    """Whether the publisher at ``conninfo`` has the slot; None when it cannot be reached."""
    try:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=3) as publisher:
            return _slot(publisher, slot) is not None
    except psycopg.Error:
        return None


def restore_branch(branch_url: str, branch_id: str, hq_url: str) -> list[str]:
    """On a new, empty branch database: copy HQ's copy of the branch's journal into it (one transaction),
    so that the branch server resumes where HQ last heard from it (docs/network.md, "Restoring a branch")."""
    _check_branch_id(branch_id)
    columns = "branch_id, seq, day, at, type, ticket_id, payload"
    with connect(branch_url, "branch") as branch:
        _check_known_revision(branch, "branch")
        if _table_exists(branch, "journal_events"):
            held = int(_one(branch, "SELECT count(*) FROM journal_events WHERE branch_id = %s", branch_id))
            if held:
                raise NetworkError(
                    f"this database already holds {held} events of branch {branch_id!r}: restore only into "
                    "an empty branch database"
                )
        if journal_name(branch_id) in _publications(branch, JOURNAL_PREFIX):
            raise NetworkError(
                "restore before `dawr network init-branch`, into a database that publishes nothing"
            )
    with connect(hq_url, "HQ") as hq:
        if not _table_exists(hq, "journal_events"):
            raise NetworkError("HQ has no journal (is this the HQ database?)")
        count, last = hq.execute(
            "SELECT count(*), coalesce(max(seq), 0) FROM journal_events WHERE branch_id = %s", (branch_id,)
        ).fetchone() or (0, 0)
        if not count:
            raise NetworkError(f"HQ holds no events of branch {branch_id!r}")
        if _subscription_exists(hq, journal_name(branch_id)):
            raise NetworkError(
                f"HQ still subscribes to branch {branch_id!r}: run `dawr network remove-branch --branch "
                f"{branch_id}` at HQ first"
            )
    migrate(branch_url, "branch")
    with connect(hq_url, "HQ") as hq, connect(branch_url, "branch") as branch:
        source = sql.SQL(
            "COPY (SELECT {} FROM journal_events WHERE branch_id = {} ORDER BY seq) TO STDOUT"
        ).format(sql.SQL(columns), sql.Literal(branch_id))
        target = sql.SQL("COPY journal_events ({}) FROM STDIN").format(sql.SQL(columns))
        with branch.transaction(), hq.cursor().copy(source) as rows, branch.cursor().copy(target) as into:
            for chunk in rows:
                into.write(chunk)
    return [
        f"restored {count} events of branch {branch_id} from HQ (last seq {last}); the branch server resumes "
        f"at seq {int(last) + 1}",
        f"next: `dawr network init-branch --branch {branch_id}` here, `dawr network add-branch --replace-copy` "
        "at HQ, then `dawr network follow-hq` here",
    ]


# ------------------------------------------------------------------------------------------ health
@dataclass
class LinkStatus:
    """One subscription seen from its subscriber: a branch's journal at HQ, or HQ's staff at a branch."""

    kind: str  # "journal" (subscription at HQ), "staff" (subscription at a branch), "outgoing" (a slot here)
    branch_id: str
    enabled: bool
    connected: bool
    last_contact: datetime | None
    local_last_seq: int = 0
    local_events: int = 0
    last_event_at: datetime | None = None
    publisher_reachable: bool = False
    publisher_last_seq: int | None = None
    lag_events: int | None = None
    lag_seconds: float | None = None
    wal_retained: int | None = None
    wal_status: str | None = None
    wal_limit: int | None = None
    warnings: list[str] = field(default_factory=list)
    slot: str = ""

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            out[key] = value.isoformat() if isinstance(value, datetime) else value
        return out


def _bytes(text: str) -> int | None:
    """A size setting (e.g. '1GB', '512MB', '-1') in bytes, None for unlimited."""
    match = re.fullmatch(r"(-?\d+)\s*([kMGT]?B)?", text.strip())
    if not match or match.group(1) == "-1":
        return None
    unit = {"kB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4, "B": 1, None: 1024**2}[match.group(2)]
    return int(match.group(1)) * unit


def size_text(count: int | None) -> str:
    """Bytes for people: 512 B, 3.2 MB, 1.0 GB."""
    if count is None:
        return "?"
    value = float(count)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def _slot_health(connection: psycopg.Connection[Any], slot: str, status: LinkStatus) -> None:
    row = connection.execute(
        "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn), wal_status, safe_wal_size "
        "FROM pg_replication_slots WHERE slot_name = %s",
        (slot,),
    ).fetchone()
    status.wal_limit = _bytes(str(_one(connection, "SHOW max_slot_wal_keep_size")))
    if row is None:
        status.warnings.append(f"the publisher has no slot {slot}: re-add the link (see docs/network.md)")
        return
    retained, wal_status, _safe = row
    status.wal_retained = int(retained) if retained is not None else None
    status.wal_status = wal_status
    if wal_status == "lost":
        status.warnings.append(
            f"slot {slot} lost its WAL (max_slot_wal_keep_size reached): the subscriber cannot catch up; "
            "re-add the branch with --replace-copy"
        )
    elif wal_status == "unreserved":
        status.warnings.append(
            f"slot {slot} is past max_slot_wal_keep_size: its WAL goes at the next checkpoint"
        )
    elif status.wal_limit and status.wal_retained is not None:
        if status.wal_retained >= WAL_WARN_FRACTION * status.wal_limit:
            status.warnings.append(
                f"slot {slot} retains {size_text(status.wal_retained)} of {size_text(status.wal_limit)} "
                "(max_slot_wal_keep_size): restore the link soon"
            )
    elif status.wal_limit is None:
        status.warnings.append("max_slot_wal_keep_size is unlimited on the publisher: WAL may fill its disk")


def status(url: str, *, now: datetime | None = None) -> list[LinkStatus]:
    """The health of every Dawr subscription in the database at ``url`` (HQ: one per branch; a branch:
    its staff link), asking each publisher for its side (slot, WAL retained, newest event)."""
    now = now or datetime.now(UTC)
    links: list[LinkStatus] = []
    with connect(url, "network") as db:
        _check_superuser(db, "local", "reading subscription details")
        rows = _rows(
            db,
            "SELECT s.subname, s.subenabled, s.subconninfo, st.pid, st.last_msg_receipt_time "
            "FROM pg_subscription s LEFT JOIN pg_stat_subscription st ON st.subid = s.oid AND st.relid IS NULL "
            "WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND (s.subname LIKE 'dawr_journal_%' OR s.subname LIKE 'dawr_staff_%') ORDER BY s.subname",
        )
        for name, enabled, conninfo, pid, contact in rows:
            kind = "journal" if name.startswith(JOURNAL_PREFIX) else "staff"
            branch_id = name[len(JOURNAL_PREFIX) :] if kind == "journal" else name[len(STAFF_PREFIX) :]
            link = LinkStatus(kind, branch_id, bool(enabled), pid is not None, contact, slot=name)
            if kind == "journal":
                last, count, at = db.execute(
                    "SELECT coalesce(max(seq), 0), count(*), max(at) FROM journal_events WHERE branch_id = %s",
                    (branch_id,),
                ).fetchone() or (0, 0, None)
                link.local_last_seq, link.local_events, link.last_event_at = int(last), int(count), at
            _publisher_side(str(conninfo), name, link, now)
            if not link.enabled:
                link.warnings.append(f"subscription {name} is disabled")
            elif not link.connected:
                link.warnings.append(
                    f"{'branch ' + branch_id if kind == 'journal' else 'HQ'} is not connected"
                    + (f" (last contact {contact:%Y-%m-%d %H:%M:%S} UTC)" if contact else "")
                )
            links.append(link)
        for slot, active in _rows(
            db,
            "SELECT slot_name, active FROM pg_replication_slots WHERE database = current_database() "
            "AND (slot_name LIKE 'dawr_journal_%' OR slot_name LIKE 'dawr_staff_%') ORDER BY slot_name",
        ):
            # This database publishes: its side of the link, readable even while the link is cut.
            branch_id = (
                slot[len(JOURNAL_PREFIX) :] if slot.startswith(JOURNAL_PREFIX) else slot[len(STAFF_PREFIX) :]
            )
            link = LinkStatus(
                "outgoing", branch_id, True, bool(active), None, publisher_reachable=True, slot=slot
            )
            _slot_health(db, slot, link)
            if not active:
                reader = "HQ" if slot.startswith(JOURNAL_PREFIX) else f"branch {branch_id}"
                link.warnings.append(
                    f"{reader} is not reading slot {slot}: WAL accumulates here until it returns"
                )
            links.append(link)
    return links


def journal_links(url: str) -> dict[str, LinkStatus]:
    """At HQ: the journal subscription of each branch, by branch id."""
    return {link.branch_id: link for link in status(url) if link.kind == "journal"}


def _publisher_side(conninfo: str, slot: str, link: LinkStatus, now: datetime) -> None:
    try:
        publisher = psycopg.connect(conninfo, autocommit=True, connect_timeout=3)
    except psycopg.Error:
        if link.kind == "journal" and link.last_contact is not None:
            link.lag_seconds = max(0.0, (now - link.last_contact).total_seconds())
        return
    try:
        link.publisher_reachable = True
        _slot_health(publisher, slot, link)
        if link.kind == "journal":
            last = int(
                _one(
                    publisher,
                    "SELECT coalesce(max(seq), 0) FROM journal_events WHERE branch_id = %s",
                    link.branch_id,
                )
            )
            link.publisher_last_seq = last
            link.lag_events = max(0, last - link.local_last_seq)
            if link.lag_events == 0:
                link.lag_seconds = 0.0
            else:
                oldest = _one(
                    publisher,
                    "SELECT min(at) FROM journal_events WHERE branch_id = %s AND seq > %s",
                    link.branch_id,
                    link.local_last_seq,
                )
                link.lag_seconds = max(0.0, (now - oldest).total_seconds()) if oldest else None
    except psycopg.Error as error:
        link.warnings.append(f"the publisher refused the health query: {_first_line(error)}")
    finally:
        publisher.close()


def describe(link: LinkStatus) -> str:
    """One line of ``dawr network status``."""
    state = "connected" if link.connected else ("disabled" if not link.enabled else "NOT connected")
    if link.kind == "outgoing":
        reader = "HQ" if link.slot.startswith(JOURNAL_PREFIX) else f"branch {link.branch_id}"
        head = f"slot {link.slot} (read by {reader}): {'being read' if link.connected else 'NOT being read'}"
        if link.wal_status:
            head += f", wal_status {link.wal_status}"
    elif link.kind == "staff":
        head = f"staff from HQ to branch {link.branch_id}: {state}"
    else:
        lag = "lag ?"
        if link.lag_events is not None:
            seconds = f"{link.lag_seconds:.1f} s" if link.lag_seconds is not None else "? s"
            lag = f"lag {seconds} / {link.lag_events} events"
        elif link.lag_seconds is not None:
            lag = f"lag >= {link.lag_seconds:.0f} s (branch unreachable)"
        last = f"{link.last_event_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC" if link.last_event_at else "none"
        head = (
            f"branch {link.branch_id}: {state}, {lag}, {link.local_events} events at HQ "
            f"(last seq {link.local_last_seq}), last event {last}"
        )
    if link.publisher_reachable:
        limit = size_text(link.wal_limit) if link.wal_limit else "unlimited"
        head += f", WAL retained {size_text(link.wal_retained)} of {limit}"
    else:
        head += ", publisher unreachable"
    return head


# ------------------------------------------------------------------------------------------ checks
@dataclass(frozen=True)
class JournalDigest:
    """What two copies of a branch's journal must agree on: event count, last seq, SHA-256 of the rows."""

    count: int
    last_seq: int
    sha256: str


def journal_digest(url: str, branch_id: str) -> JournalDigest:
    """The digest of ``branch_id``'s journal rows in the database at ``url``."""
    digest = hashlib.sha256()
    count = last = 0
    with connect(url, "journal") as db, db.cursor() as cursor:
        cursor.execute(
            "SELECT seq, day, at, type, ticket_id, payload FROM journal_events WHERE branch_id = %s ORDER BY seq",
            (branch_id,),
        )
        for seq, day, at, kind, ticket, payload in cursor:
            digest.update(
                f"{seq}|{day.isoformat()}|{at.astimezone(UTC).isoformat()}|{kind}|{ticket or ''}|{payload}\n".encode()
            )
            count += 1
            last = int(seq)
    return JournalDigest(count, last, digest.hexdigest())


# ------------------------------------------------------------------------------------------ upgrades
def upgrade_advice(url: str) -> list[str]:
    """What ``dawr db upgrade`` must say about the network before migrating ``url`` (docs/network.md,
    "Upgrades"): DDL is not replicated, so HQ — the subscriber of every branch journal — is upgraded
    first, then each branch. Raises NetworkError (nothing done) when a branch is upgraded while the HQ it
    follows still runs an older schema; returns lines to print otherwise ([] outside the network)."""
    if not url.startswith(("postgresql", "postgres://")):
        return []
    head = head_revision()
    with connect(url, "journal") as db:
        subscriptions = {
            str(name): str(conninfo)
            for name, conninfo in _rows(
                db,
                "SELECT subname, subconninfo FROM pg_subscription WHERE subdbid = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())",
            )
        }
        branches = sorted(n[len(JOURNAL_PREFIX) :] for n in subscriptions if n.startswith(JOURNAL_PREFIX))
        own = [p[len(JOURNAL_PREFIX) :] for p in _publications(db, JOURNAL_PREFIX)]
    lines = []
    if branches:
        lines.append(
            f"this is HQ for branch(es) {', '.join(branches)}: upgrade HQ first, then each branch; a staff "
            "link pauses (losing nothing) until its branch is upgraded too"
        )
    if own:
        follows = [c for n, c in subscriptions.items() if n.startswith(STAFF_PREFIX)]
        if not follows:
            lines.append(f"this is branch {own[0]}: make sure HQ was upgraded first")
        for conninfo in follows:
            try:
                with psycopg.connect(conninfo, autocommit=True, connect_timeout=3) as hq:
                    revision = _schema_revision(hq)
            except psycopg.Error:
                lines.append(
                    f"this is branch {own[0]}: HQ is unreachable, so its schema cannot be checked; upgrade "
                    "HQ first (the journal link pauses, losing nothing, until HQ has the new schema)"
                )
                continue
            if revision != head and not _descends_from(head, revision):
                continue  # HQ is newer than this Dawr: fine for the branch
            if revision != head:
                raise NetworkError(
                    f"upgrade HQ first: HQ's schema is at revision {revision}, this Dawr's is {head} "
                    "(DDL is not replicated; subscribers first, see docs/network.md)"
                )
            lines.append(f"this is branch {own[0]}: HQ is already at revision {head}")
    return lines


def _descends_from(head: str, revision: str | None) -> bool:
    """True when ``revision`` is an ancestor of ``head`` (or None: no schema yet)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from server.store.journal import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if revision is None:
        return True
    return any(
        script.revision == revision
        for script in ScriptDirectory.from_config(config).walk_revisions("base", head)
    )
