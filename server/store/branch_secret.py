"""The branch's QR secret (signs booking QR codes): never in the repository or the config.

``load_qr_secret(branch_id, path=None)`` returns it from, in order: the environment variable
``DAWR_QR_SECRET`` (text, at least 16 characters), the file ``path``, or the default file
``<user data dir>/dawr/qr-secret-<branch>`` — created with 32 random bytes (hex) and mode 0600 on first
use. A file readable by others is refused (ConfigError), like ssh does with keys.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from platformdirs import user_data_dir

from server.core.errors import ConfigError

ENV_VAR = "DAWR_QR_SECRET"


def default_secret_path(branch_id: str) -> Path:
    """Where the branch's secret lives when no path is given."""
    return Path(user_data_dir("dawr", appauthor=False)) / f"qr-secret-{branch_id}"


def load_qr_secret(branch_id: str, path: str | Path | None = None, *, create: bool = True) -> bytes:
    """The secret bytes (see the module docstring for where they come from)."""
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        if len(from_env.strip()) < 16:
            raise ConfigError(f"{ENV_VAR} must have at least 16 characters")
        return from_env.strip().encode("utf-8")
    file = Path(path) if path else default_secret_path(branch_id)
    if not file.exists():
        if not create:
            raise ConfigError(f"{file}: no QR secret file")
        file.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    mode = file.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"{file}: the QR secret must be readable by its owner only (chmod 600 {file})")
    text = file.read_text(encoding="utf-8").strip()
    if len(text) < 16:
        raise ConfigError(f"{file}: the QR secret is too short (at least 16 characters)")
    return text.encode("utf-8")
