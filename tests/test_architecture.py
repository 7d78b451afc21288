"""The package layout of docs/architecture.md holds: what each server package may import, a pure core,
and app state that loads without Qt."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

ALLOWED = {
    "core": {"core"},
    "i18n": {"i18n"},
    "protocol": {"protocol", "core"},
    "store": {"store", "core"},
    "net": {"net", "core", "store", "protocol", "i18n"},
    "reports": {"reports", "core", "store", "i18n"},
    "sim": {"sim", "core", "store", "reports"},
    "network": {"network", "core", "store", "protocol", "i18n", "reports", "net"},
    "cli": None,  # the command wires everything together
}
"""server sub-package -> the server sub-packages it may import (docs/architecture.md)."""


def _server_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "server" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_server_packages_import_only_what_the_architecture_allows(package: str) -> None:
    folder = ROOT / "server" / package
    if not folder.exists():
        pytest.skip(f"server/{package} is not part of this build")
    allowed = ALLOWED[package]
    if allowed is None:
        return
    wrong = {
        str(path.relative_to(ROOT)): sorted(_server_imports(path) - allowed)
        for path in folder.rglob("*.py")
        if _server_imports(path) - allowed
    }
    assert not wrong, f"server/{package} may import only {sorted(allowed)}: {wrong}"


def test_no_flat_modules_left_in_server() -> None:
    flat = sorted(p.name for p in (ROOT / "server").glob("*.py"))
    assert flat == ["__init__.py", "__main__.py", "bootstrap.py", "testing.py"], flat


def _modules_loaded_by(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return set(done.stdout.split())


def test_core_loads_no_io_module() -> None:
    loaded = _modules_loaded_by(
        "import server.core, server.core.engine, server.core.policy, server.core.config"
    )
    tops = {name.split(".")[0] for name in loaded}
    for forbidden in ("asyncio", "sqlalchemy", "PySide6", "json", "websockets"):
        assert forbidden not in tops, f"server.core loaded {forbidden}"


@pytest.mark.parametrize("module", ["kiosk.state", "display_board.state", "counter_client.model"])
def test_app_state_loads_without_qt(module: str) -> None:
    loaded = _modules_loaded_by(f"import {module}")
    assert not any(name.split(".")[0] == "PySide6" for name in loaded), f"{module} loaded PySide6"
