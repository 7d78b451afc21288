"""The Qt runtime the apps rely on: a long-running kiosk or board calls Qt setters millions of times.

PySide6 6.12.0 on Python 3.11 dropped a reference to None on every call of a method returning nothing, and
the interpreter aborted after a few thousand calls ("Fatal Python error: none_dealloc"). pyproject.toml pins
a release without that bug; this test fails if an upgrade brings it back.
"""

from __future__ import annotations

import os
import subprocess
import sys

PROGRAM = """
import sys
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel()
before = sys.getrefcount(None)
for _ in range(200_000):
    label.setObjectName("x")
    label.setText("A012")
after = sys.getrefcount(None)
print(before, after)
"""


def test_qt_setters_do_not_leak_or_free_none() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr[-500:]
    before, after = map(int, done.stdout.split())
    assert abs(after - before) < 100
