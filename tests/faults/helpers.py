"""Real server processes and a private PostgreSQL cluster for the fault and security tests.

* ``BranchFiles.make(folder, ...)`` writes a branch TOML (the shipped hall, open all day in a time zone
  where it is about noon now, so a run never crosses local midnight), device tokens and staff accounts.
* ``ServerProcess(files, db_url, port)`` runs ``python -m server server ...`` on 127.0.0.1 with its log
  captured to a file; ``wait_listening()``, ``kill()`` (SIGKILL), ``stop()`` (SIGTERM), ``log_text()``.
* ``PrivatePostgres(folder)`` is a throw-away cluster of our own (initdb as the ``postgres`` user, on a free
  loopback port): ``start()``, ``stop()`` (immediate: like a crash), ``url``. The machine's shared server
  on 5432 is never touched.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from server.core.config import default_config_path
from server.net.auth import mint_token, token_digest

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
QR_SECRET = "fault-test-qr-secret-0123456789abcdef"
STAFF = (
    ("alice", "counter"),
    ("bob", "counter"),
    ("carol", "counter"),
    ("sara", "supervisor"),
    ("adam", "admin"),
)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def noon_zone(now: datetime | None = None) -> str:
    """An ``Etc/GMT±N`` zone in which it is between 10:00 and 14:00 now (far from midnight)."""
    hour = (now or datetime.now(UTC)).hour
    offset = 12 - hour  # local = UTC + offset
    offset = max(-12, min(14, offset if offset <= 12 else offset - 24))
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


@dataclass
class BranchFiles:
    """A branch configuration on disk with its device tokens and staff passwords."""

    config: Path
    tokens: dict[str, str]
    passwords: dict[str, str]
    zone: str
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def make(
        cls,
        folder: Path,
        *,
        devices: tuple[tuple[str, str], ...] = (
            ("kiosk-1", "kiosk"),
            ("kiosk-2", "kiosk"),
            ("kiosk-3", "kiosk"),
            ("board-1", "board"),
        ),
        server: dict[str, Any] | None = None,
        branch_id: str = "hq",
    ) -> BranchFiles:
        zone = noon_zone()
        text = default_config_path().read_text(encoding="utf-8")
        text = re.sub(r"(?m)^timezone = .*$", f'timezone = "{zone}"', text)
        every_day = ", ".join(
            f'{d} = "00:00-24:00"' for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        )
        text = re.sub(r"(?m)^hours = .*$", f"hours = {{ {every_day} }}", text)
        text = re.sub(r'(?m)^id = "hq"$', f'id = "{branch_id}"', text, count=1)
        settings = {"rate_per_second": 2000.0, "rate_burst": 4000, **(server or {})}
        text += "\n[server]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in settings.items())
        tokens = {}
        for device_id, role in devices:
            tokens[device_id] = mint_token()
            text += (
                f'\n[[devices]]\nid = "{device_id}"\nrole = "{role}"\nname = "{device_id}"\n'
                f'token_sha256 = "{token_digest(tokens[device_id])}"\n'
            )
        path = folder / f"{branch_id}.toml"
        path.write_text(text, encoding="utf-8")
        passwords = {name: f"{name}-pw-{mint_token()[:10]}" for name, _ in STAFF}
        return cls(path, tokens, passwords, zone, {"DAWR_QR_SECRET": QR_SECRET})

    def add_staff(self, db_url: str) -> None:
        """Create the staff accounts in ``db_url`` (fast scrypt: these are tests)."""
        from server.store.journal import Journal
        from server.store.staff import StaffStore

        journal = Journal.open(db_url)
        try:
            store = StaffStore(journal.engine, scrypt_n=2**12)
            for name, role in STAFF:
                if store.account(name) is None:
                    store.add(name, self.passwords[name], role, name.title())
        finally:
            journal.close()


class ServerProcess:
    """``python -m server server`` as a child process on 127.0.0.1 (see the module docstring)."""

    def __init__(
        self,
        files: BranchFiles,
        db_url: str,
        port: int | None = None,
        *,
        log_path: Path,
        extra: tuple[str, ...] = (),
        log_level: str = "info",
    ) -> None:
        self.files, self.db_url = files, db_url
        self.port = port or free_port()
        self.log_path = log_path
        self.extra = extra
        self.log_level = log_level
        self.process: subprocess.Popen[bytes] | None = None
        self._log_offset = 0

    @property
    def url(self) -> str:
        scheme = "wss" if "--tls-cert" in self.extra else "ws"
        return f"{scheme}://127.0.0.1:{self.port}/"

    def start(self) -> ServerProcess:
        env = {**os.environ, **self.files.env, "PYTHONUNBUFFERED": "1"}
        with open(self.log_path, "ab") as log:
            self._log_offset = log.tell()
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "server",
                    "server",
                    "--config",
                    str(self.files.config),
                    "--db",
                    self.db_url,
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--log-level",
                    self.log_level,
                    *self.extra,
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        return self

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_events(self) -> list[dict[str, Any]]:
        events = []
        for line in self.log_text().splitlines():
            with contextlib.suppress(ValueError):
                events.append(json.loads(line))
        return events

    def listening(self) -> bool:
        """True once this run logged ``listening``."""
        with open(self.log_path, "rb") as log:
            log.seek(self._log_offset)
            return b'"event": "listening"' in log.read()

    def wait_listening(self, timeout: float = 30.0) -> float:
        """Wait until the server logged ``listening`` and accepts TCP; returns the monotonic time then."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server exited with {self.process.returncode}:\n{self.log_text()[-3000:]}"
                )
            if self.listening():
                try:
                    with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                        return time.monotonic()
                except OSError:
                    pass
            time.sleep(0.02)
        raise TimeoutError(f"server did not listen within {timeout} s:\n{self.log_text()[-3000:]}")

    def kill(self) -> None:
        """``kill -9``."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM and wait (SIGKILL if it hangs); returns the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return self.process.returncode


def _as_postgres(*command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    runner = ["runuser", "-u", "postgres", "--"] if shutil.which("runuser") else ["su", "postgres", "-c"]
    args = [*runner, *command] if runner[0] == "runuser" else [*runner, " ".join(command)]
    return subprocess.run(args, check=check, capture_output=True, text=True, timeout=60)


class PrivatePostgres:
    """A throw-away PostgreSQL 15 cluster in ``folder`` on a free loopback port (never the shared one)."""

    def __init__(self, folder: Path) -> None:
        import pwd

        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        uid, gid = pwd.getpwnam("postgres")[2:4]
        os.chown(folder, uid, gid)
        os.chmod(folder, 0o700)
        _as_postgres(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        )

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off"
        )
        _as_postgres(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "postgres.log"),
            "-w",
            "-t",
            "30",
            "start",
        )

    def stop(self, mode: str = "immediate") -> None:
        """Stop it (``immediate``: no shutdown checkpoint, like a crash; recovery replays the WAL)."""
        _as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop", check=False
        )

    def running(self) -> bool:
        return (
            _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "status", check=False).returncode == 0
        )


def journal_issued(db_url: str, branch_id: str = "hq") -> list[Any]:
    """Every TicketIssued event of the branch in the journal, in order."""
    from server.core.events import TicketIssued
    from server.store.journal import Journal

    journal = Journal.open(db_url)
    try:
        return [e for _, _, e in journal.events(branch_id) if isinstance(e, TicketIssued)]
    finally:
        journal.close()
