"""Private PostgreSQL 15 clusters for the network tests and the network benchmark.

``PgCluster`` is one cluster in a temporary directory, listening on a free port on 127.0.0.1 only
(unix socket in its own directory), with ``wal_level=logical``. ``initdb`` runs once per process into a
template that each cluster copies (much faster than one ``initdb`` each). As root the server runs as the
``postgres`` user (``runuser -u postgres --``), as anyone else as that user. Every step has a time bound;
``destroy`` stops the server (immediately) and removes the directory, whatever state it is in.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def _newest_server_bin() -> Path:
    """The newest /usr/lib/postgresql/N/bin with N >= 15 (Debian 12 ships 15), unless DAWR_PG_BIN says."""
    if os.environ.get("DAWR_PG_BIN"):
        return Path(os.environ["DAWR_PG_BIN"])
    root = Path("/usr/lib/postgresql")
    versions = sorted(
        (int(d.name) for d in root.iterdir() if d.name.isdigit() and (d / "bin" / "initdb").exists())
        if root.is_dir()
        else []
    )
    usable = [v for v in versions if v >= 15]
    return root / str(usable[-1] if usable else 15) / "bin"


PG_BIN = _newest_server_bin()
STEP_SECONDS = 60

_template: Path | None = None
_live: set[PgCluster] = set()


@atexit.register
def _destroy_leftovers() -> None:
    """Whatever a killed test or benchmark left running stops with the process."""
    for cluster in list(_live):
        cluster.destroy()
    drop_template()


class ClusterError(RuntimeError):
    """A private cluster could not be created, started or stopped."""


def available() -> str | None:
    """None if private clusters can run here, else the reason they cannot."""
    if not (PG_BIN / "initdb").exists():
        return f"PostgreSQL 15+ server binaries not found in {PG_BIN} (apt-get install postgresql-15)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root needs runuser (util-linux) to start PostgreSQL as user postgres"
    return None


def _as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _chown_to_owner(path: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres:postgres", str(path)], check=True, timeout=STEP_SECONDS)


def _run(command: list[str], what: str) -> None:
    try:
        done = subprocess.run(
            _as_owner(command), capture_output=True, text=True, timeout=STEP_SECONDS, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        raise ClusterError(f"{what}: no answer within {STEP_SECONDS} s") from None
    if done.returncode != 0:
        raise ClusterError(f"{what} failed: {(done.stderr or done.stdout).strip()[-800:]}")


def _scratch(prefix: str) -> Path:
    # Not pytest's tmp_path: its parents are private to root, and the server runs as postgres.
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)
    return folder


def template() -> Path:
    """A freshly initialised data directory (made once per process) that clusters copy."""
    global _template
    if _template is None or not (_template / "data" / "PG_VERSION").exists():
        root = _scratch("dawr-pg-template-")
        _chown_to_owner(root)
        _run(
            [
                str(PG_BIN / "initdb"),
                "-D",
                str(root / "data"),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
                "--wal-segsize=1",  # 1 MB WAL segments: WAL retention limits can be tested in MBs
                "--locale=C.UTF-8",
            ],
            "initdb",
        )
        _template = root
    return _template


def drop_template() -> None:
    global _template
    if _template is not None:
        shutil.rmtree(_template, ignore_errors=True)
        _template = None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PgCluster:
    """One private PostgreSQL cluster: ``start``, ``stop`` (fast or immediate), ``destroy``; ``url``."""

    def __init__(self, name: str, settings: dict[str, str] | None = None) -> None:
        self.name = name
        self.root = _scratch(f"dawr-pg-{name}-")
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.settings = {
            "listen_addresses": "127.0.0.1",
            "wal_level": "logical",
            "fsync": "off",  # test clusters: durability is not under test, speed is welcome
            "synchronous_commit": "on",
            "max_wal_senders": "20",
            "max_replication_slots": "20",
            "max_worker_processes": "40",
            "max_logical_replication_workers": "20",
            "max_sync_workers_per_subscription": "2",
            "wal_retrieve_retry_interval": "1s",
            "wal_sender_timeout": "20s",
            "wal_receiver_timeout": "20s",
            "max_slot_wal_keep_size": "1GB",
            "shared_buffers": "32MB",
            **(settings or {}),
        }
        _live.add(self)
        shutil.copytree(template() / "data", self.data, symlinks=True)
        _chown_to_owner(self.root)
        self.data.chmod(0o700)

    @property
    def url(self) -> str:
        """libpq URL of the cluster's ``postgres`` database as the superuser ``postgres``."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root}"
        options += "".join(f" -c {key}={value}" for key, value in self.settings.items())
        for attempt in range(3):
            try:
                _run(
                    [
                        str(PG_BIN / "pg_ctl"),
                        "-D",
                        str(self.data),
                        "-l",
                        str(self.log),
                        "-w",
                        "-t",
                        "30",
                        "-o",
                        options,
                        "start",
                    ],
                    f"starting cluster {self.name}",
                )
                return
            except ClusterError:
                # The free port may have been taken meanwhile: try another one.
                if attempt == 2 or self.running():
                    raise
                self.port = free_port()
                options = f"-p {self.port} -k {self.root}" + "".join(
                    f" -c {key}={value}" for key, value in self.settings.items()
                )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; ``mode`` "immediate" is a crash (no shutdown checkpoint)."""
        if self.running():
            _run(
                [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop"],
                f"stopping cluster {self.name}",
            )

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        except ClusterError:
            pid_file = self.data / "postmaster.pid"
            with contextlib.suppress(OSError, ValueError, IndexError):
                os.kill(int(pid_file.read_text().split()[0]), 9)
        shutil.rmtree(self.root, ignore_errors=True)
        _live.discard(self)


def wait_until(condition, timeout: float, what: str, interval: float = 0.05):  # type: ignore[no-untyped-def]
    """Poll ``condition()`` until it returns a true value (returned) or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            value = condition()
            if value:
                return value
        except Exception as error:
            last_error = error
        if time.monotonic() > deadline:
            detail = f" (last error: {last_error})" if last_error else ""
            raise AssertionError(f"{what}: not within {timeout:g} s{detail}")
        time.sleep(interval)
