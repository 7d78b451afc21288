"""The strict gates the README's test command enforces: mypy --strict over every package, ruff's chosen
rule set (pyproject.toml) and the ruff formatter, all on the whole tree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def test_every_package_passes_strict_mypy() -> None:
    done = _run("mypy", "--no-error-summary")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-1000:]


def test_ruff_rule_set_is_clean() -> None:
    done = _run("ruff", "check", "--output-format", "concise", ".")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-1000:]


def test_code_is_ruff_formatted() -> None:
    done = _run("ruff", "format", "--check", ".")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-1000:]
