#!/usr/bin/env python3
"""Set up Dawr on a fresh Debian 12 / Ubuntu 22.04+ machine and run it or its tests (standard library only).

    python3 server/bootstrap.py run  [DAWR ARGS...]   set up, then run the demo hall (default: `dawr demo`)
    python3 server/bootstrap.py test [PYTEST ARGS...] set up, then run the whole test suite
    python3 server/bootstrap.py setup                 set up for the tests, run nothing (CI)

Set-up, each step skipped when already done: the Debian packages Dawr needs (installed with apt-get as
root or through sudo; otherwise it stops and prints the exact command), a virtual environment in .venv,
and Dawr with its Python dependencies installed into it. ``test`` also installs what the tests need:
the PostgreSQL server binaries (15 or newer: the network tests start private clusters with initdb and
pg_ctl, docs/network.md) and runuser (they run those as the ``postgres`` user when started as root).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"

# Debian packages: fonts with Arabic (tickets, screens), offline speech (announcements), the libraries
# Qt needs to render offscreen and on a screen, and the PulseAudio client library QtMultimedia loads.
SYSTEM_PACKAGES = [
    "fonts-noto-core",
    "fonts-dejavu-core",
    "espeak-ng",
    "libpulse0",
    "libegl1",
    "libgl1",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    "libfontconfig1",
    "libdbus-1-3",
    "libglib2.0-0",
    "libxcb-cursor0",
    "libxcb-icccm4",
    "libxcb-keysyms1",
    "libxcb-image0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-xkb1",
    "libxcb-randr0",
    "libusb-1.0-0",
]


# Only for `test`: PostgreSQL server binaries for the private clusters of tests/network (logical
# replication with row filters needs 15+), runuser (util-linux) to start them as user postgres, and
# Debian's chromium + chromium-driver for the HQ view's real-browser test (tests/network/test_hq_browser.py,
# driven by selenium).
TEST_PACKAGES = ["util-linux", "chromium", "chromium-driver"]
POSTGRES_MIN = 15


def postgres_server_installed() -> bool:
    """True when some /usr/lib/postgresql/N/bin/initdb with N >= 15 exists."""
    root = Path("/usr/lib/postgresql")
    if not root.is_dir():
        return False
    return any(
        d.name.isdigit() and int(d.name) >= POSTGRES_MIN and (d / "bin" / "initdb").exists()
        for d in root.iterdir()
    )


def postgres_server_package() -> list[str]:
    """[] when a PostgreSQL 15+ server is installed, else the package to install: postgresql-15 where the
    archive has it (Debian 12), else the distribution's default server (``postgresql``, 16 on Ubuntu 24.04)."""
    if postgres_server_installed() or shutil.which("apt-cache") is None:
        return []
    policy = subprocess.run(["apt-cache", "policy", "postgresql-15"], capture_output=True, text=True)
    has_15 = "Candidate:" in policy.stdout and "Candidate: (none)" not in policy.stdout
    return ["postgresql-15"] if has_15 else ["postgresql"]


def say(message: str) -> None:
    print(f"[dawr setup] {message}", flush=True)


def missing_debian_packages(packages: list[str]) -> list[str]:
    if shutil.which("dpkg-query") is None:
        return []
    missing = []
    for package in packages:
        result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True)
        if "install ok installed" not in result.stdout:
            missing.append(package)
    return missing


def venv_package_for_this_python() -> list[str]:
    """python3-venv (or python3.X-venv) when this interpreter cannot make a virtual environment."""
    try:
        import ensurepip  # noqa: F401
    except ImportError:
        return [f"python3.{sys.version_info.minor}-venv", "python3-venv"]
    return []


def install_system_packages(for_tests: bool = False) -> None:
    wanted = SYSTEM_PACKAGES + venv_package_for_this_python()
    if for_tests:
        wanted += TEST_PACKAGES + postgres_server_package()
    missing = missing_debian_packages(wanted)
    if not missing:
        return
    command = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    if os.geteuid() != 0:
        if (
            shutil.which("sudo")
            and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0
        ):
            command = ["sudo", *command]
        else:
            say("these Debian packages are needed and I cannot install them without root:")
            say("  sudo apt-get update && sudo " + " ".join(command))
            sys.exit(1)
    say(f"installing Debian packages: {' '.join(missing)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    update = (["sudo"] if command[0] == "sudo" else []) + ["apt-get", "update", "-q"]
    subprocess.run(update, check=True, env=env, stdin=subprocess.DEVNULL)
    subprocess.run(command, check=True, env=env, stdin=subprocess.DEVNULL)


def venv_python() -> Path:
    return VENV / "bin" / "python"


def ensure_venv() -> None:
    if not venv_python().exists():
        say(f"creating the virtual environment {VENV}")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    stamp = VENV / ".dawr-installed"
    project = ROOT / "pyproject.toml"
    if stamp.exists() and stamp.read_text() == project.read_text():
        return
    say("installing Dawr and its Python dependencies into .venv (the first time takes a few minutes)")
    pip = [str(venv_python()), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True, stdin=subprocess.DEVNULL)
    subprocess.run([*pip, "install", "-e", f"{ROOT}[test]"], check=True, stdin=subprocess.DEVNULL)
    stamp.write_text(project.read_text())


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script starts under an older system python
        for candidate in ("python3.13", "python3.12", "python3.11"):
            found = shutil.which(candidate)
            if found:
                os.execv(found, [found, __file__, *argv])
        say("Dawr needs Python 3.11 or newer (e.g. `apt-get install python3.11 python3.11-venv`).")
        return 1
    if not argv or argv[0] not in ("run", "test", "setup"):
        print(__doc__)
        return 2
    install_system_packages(for_tests=argv[0] in ("test", "setup"))
    ensure_venv()
    if argv[0] == "setup":
        return 0
    os.chdir(ROOT)
    if argv[0] == "test":
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        return subprocess.run([str(venv_python()), "-m", "pytest", *argv[1:]], env=env).returncode
    args = argv[1:] or ["demo"]
    return subprocess.run([str(VENV / "bin" / "dawr"), *args]).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
