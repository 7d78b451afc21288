"""Every error Dawr raises on purpose, in one tree.

    DawrError                      base of everything below; never raised itself
    ├── ConfigError                a branch or scenario file is wrong (names the key path)
    ├── DomainError                the engine refused a command; nothing changed. ``code`` is stable,
    │                              ``details`` carries what a screen needs (e.g. ``come_back_at``)
    └── JournalError               the database could not store or read the journal

Callers show ``str(error)`` to people; programs branch on ``DomainError.code`` only.
"""

from __future__ import annotations

from typing import Any


class DawrError(Exception):
    """Base of all deliberate Dawr errors."""


class ConfigError(DawrError):
    """A configuration file is invalid; the message names the file, the key path and what is wrong."""


class JournalError(DawrError):
    """The journal database is unreachable or refused a write; the command was not acknowledged."""


class DomainError(DawrError):
    """A command the engine refused. The engine's state is exactly as before the command."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details: dict[str, Any] = details

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, {self.message!r}, {self.details!r})"
