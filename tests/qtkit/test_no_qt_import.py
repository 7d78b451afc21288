"""``qtkit`` and ``qtkit.i18n`` import without loading PySide6 (the apps' state modules rely on it); the
client's names still come from ``qtkit`` on first use."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _loaded(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return {name.split(".")[0] for name in done.stdout.split()}


def test_qtkit_and_its_wording_helpers_load_without_qt() -> None:
    loaded = _loaded("import qtkit, qtkit.i18n; qtkit.i18n.localize_digits('12', 'arabic-indic')")
    assert "PySide6" not in loaded


def test_the_client_is_still_reachable_from_the_package() -> None:
    loaded = _loaded("import qtkit; assert qtkit.HallClient.__name__ == 'HallClient'")
    assert "PySide6" in loaded
