"""Engine fixtures: the shipped ministry config, the tests' ``FakeClock`` starting Sunday 22 Nov 2026 09:00
Bahrain time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from server.core.config import BranchConfig, load_default_config, parse_branch_config
from server.core.engine import EngineCommand, HallEngine, Result
from server.core.events import Event
from server.testing import FakeClock

SUNDAY_0900_BAHRAIN = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
SECRET = b"test-branch-secret"


@dataclass
class Driver:
    """Runs commands the way the server does (advance, then execute) and keeps every event."""

    engine: HallEngine
    clock: FakeClock
    log: list[Event] = field(default_factory=list)

    def __call__(self, command: EngineCommand) -> Result:
        self.log.extend(self.engine.advance(self.clock.now))
        result = self.engine.execute(command, self.clock.now)
        self.log.extend(result.events)
        return result

    def advance(self) -> list[Event]:
        events = self.engine.advance(self.clock.now)
        self.log.extend(events)
        return events


def config_with(**overrides: Any) -> BranchConfig:
    """The default config with top-level sections replaced/merged (e.g. appointments={...})."""
    data = load_default_config().model_dump()
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return parse_branch_config(data)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(SUNDAY_0900_BAHRAIN)


@pytest.fixture
def config() -> BranchConfig:
    return load_default_config()


@pytest.fixture
def run(config: BranchConfig, clock: FakeClock) -> Driver:
    return Driver(HallEngine(config, SECRET), clock)
