"""The security suite's server: a real ``python -m server server`` process on 127.0.0.1 with a SQLite
journal, its log captured (debug level) so tests can scan it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from server.store.journal import Journal
from tests.faults.helpers import BranchFiles, ServerProcess

LIMITS = {
    "max_message_bytes": 131072,
    "login_timeout_seconds": 3.0,
    "max_login_failures": 100,
    "rate_per_second": 5000.0,
    "rate_burst": 20000,
}


@dataclass
class Target:
    files: BranchFiles
    server: ServerProcess
    db_url: str
    folder: Path

    journal: Journal | None = None

    def seq(self) -> int:
        """The branch's newest journal seq, read from the database now."""
        if self.journal is None:
            self.journal = Journal.open(self.db_url)
        return self.journal.last_seq("hq")


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    folder = tmp_path_factory.mktemp("security")
    files = BranchFiles.make(folder, server=LIMITS)
    db_url = f"sqlite:///{folder / 'hall.db'}"
    files.add_staff(db_url)
    server = ServerProcess(files, db_url, log_path=folder / "server.log", log_level="debug").start()
    server.wait_listening()
    found = Target(files, server, db_url, folder)
    yield found
    if found.journal is not None:
        found.journal.close()
    assert server.process is not None and server.process.poll() is None, "the server died during the module"
    assert server.stop() == 0
