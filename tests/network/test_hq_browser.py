"""The HQ live view in a real browser: Debian's chromium driven by selenium (chromium-driver), headless.

A supervisor logs in through the form; a ticket issued at branch a — committed to the branch's own
PostgreSQL and carried to HQ by logical replication — appears on the open page without a reload; a
branch cut off from HQ is marked stale. Screenshots in Arabic and English go to docs/screenshots/hq-ar.png
and hq-en.png (looked at by the developer; see docs/network.md).
"""

from __future__ import annotations

import os
import shutil
import time
import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest

from server.core.engine import CallNext, CheckIn, ImportAppointments, IssueTicket, OpenCounter, PauseCounter
from server.core.events import Booking
from server.store.branches import BranchRegistry
from server.store.devices import DeviceRow, DeviceStatusStore
from server.store.journal import Journal, make_engine
from tests.network import workload
from tests.network.clusters import wait_until
from tests.network.conftest import Network
from tests.network.hq_client import PASSWORD, add_hq_staff, running_view
from tests.network.workload import BranchDriver

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

pytestmark = pytest.mark.timeout(420)

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
NAMES = Path(__file__).with_name("hq_branch_names.toml")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def _browser_missing() -> str | None:
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        return (
            "Debian chromium + chromium-driver are not installed (apt-get install chromium chromium-driver)"
        )
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed"
    return None


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    reason = _browser_missing()
    if reason:
        if os.environ.get("DAWR_REQUIRE_NETWORK_TESTS"):
            pytest.fail(f"browser test required but impossible here: {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1440,1000",
        "--force-device-scale-factor=1",
        "--lang=ar",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _card(driver: WebDriver, branch_id: str) -> dict[str, str]:
    """The branch card's data attributes (read by script: what the page shows now)."""
    value: dict[str, str] | None = driver.execute_script(
        "const c = document.querySelector(`section[data-branch='${arguments[0]}']`);"
        "return c ? {seq: c.dataset.lastSeq, waiting: c.dataset.waiting, stale: c.dataset.stale,"
        " text: c.innerText} : null;",
        branch_id,
    )
    return value or {}


def _alerts(driver: WebDriver, branch_id: str) -> list[tuple[str, str, str, str]]:
    """The device alerts the branch card shows: (device, part, state, the line's text)."""
    value: list[list[str]] | None = driver.execute_script(
        "return [...document.querySelectorAll(`section[data-branch='${arguments[0]}'] li[data-part]`)]"
        ".map(li => [li.dataset.device, li.dataset.part, li.dataset.state, li.innerText]);",
        branch_id,
    )
    return [(d, p, s, t) for d, p, s, t in value or []]


def _devices(network: Network) -> None:
    """At the branches, what their servers write when devices change (server/store/devices.py)."""
    now = datetime.now(UTC)
    rows = {
        "a": [
            DeviceRow(
                "a", "kiosk-1", "kiosk", True, False, "error", "ok", None, None, "printer paper_out", now
            ),
            DeviceRow("a", "kiosk-2", "kiosk", True, False, "ok", "ok", None, None, "printer ready", now),
            DeviceRow("a", "board-1", "board", True, True, None, None, "ok", "ok", "", now),
        ],
        "b": [DeviceRow("b", "kiosk-1", "kiosk", True, False, "ok", "ok", None, None, "printer ready", now)],
    }
    for branch_id, branch_rows in rows.items():
        engine = make_engine(network.branches[branch_id].url)
        try:
            for row in branch_rows:
                DeviceStatusStore(engine).put(row)
        finally:
            engine.dispose()


def _wait(condition: Callable[[], Any], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"the page did not show {what} within {timeout} s")


class _HallClock:
    """The halls' clock for the screenshots: the morning's commands spread over the last ~40 minutes
    (never before the local midnight), so that the page shows real waits; then real time."""

    def __init__(self) -> None:
        real = datetime.now(UTC)
        midnight = real.astimezone(ZoneInfo("Asia/Bahrain")).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        self.moment = max(real - timedelta(minutes=40), midnight.astimezone(UTC) + timedelta(minutes=1))

    def __call__(self) -> datetime:
        self.moment = min(datetime.now(UTC), self.moment + timedelta(seconds=25))
        return self.moment


def _busy_hall(network: Network, monkeypatch: pytest.MonkeyPatch) -> dict[str, BranchDriver]:
    monkeypatch.setattr(workload, "now", _HallClock())
    halls = {b: BranchDriver(branch.url, b) for b, branch in network.branches.items()}
    halls["a"].run(57)
    halls["b"].run(33)
    now = datetime.now(UTC)
    hall = halls["a"].hall
    booking = Booking(
        "REF-BROWSER", "000000000", "nobody", "00000000", "mazaya", "a", now.replace(microsecond=0)
    )
    hall.handle(ImportAppointments((booking,)), now)
    hall.handle(CheckIn(reference="REF-BROWSER", token="browser-appointment"), now)
    hall.handle(OpenCounter(1, "clerk1"), now)
    hall.handle(CallNext(1), now)
    halls["b"].hall.handle(OpenCounter(7, "clerk7"), now)
    halls["b"].hall.handle(PauseCounter(7, next(iter(halls["b"].config.labels("pause_reasons")))), now)
    monkeypatch.undo()
    return halls


def test_ticket_at_a_branch_appears_in_the_browser_without_reload(
    network: Network, browser: WebDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from selenium.webdriver.common.by import By

    driver = browser
    add_hq_staff(network.hq.url)
    names = tomllib.loads(NAMES.read_text(encoding="utf-8"))
    journal = Journal.open(network.hq.url)
    try:
        registry = BranchRegistry(journal.engine)
        for branch_id, entry in names.items():
            registry.put(branch_id, entry["name_ar"], entry["name_en"])
    finally:
        journal.close()
    halls = _busy_hall(network, monkeypatch)
    _devices(network)
    try:
        for branch_id in halls:
            network.wait_converged(branch_id, 30)
        with running_view(network.hq.url, ["a", "b"]) as view:
            driver.get(view.url + "/")
            assert "/login" in driver.current_url
            driver.find_element(By.ID, "username").send_keys("sup")
            driver.find_element(By.ID, "password").send_keys("wrong password")
            driver.find_element(By.ID, "login").click()
            refusal = driver.find_element(By.CSS_SELECTOR, ".error")
            assert refusal.is_displayed() and "/login" in driver.current_url
            SHOTS.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(SHOTS / "hq-login-ar.png"))
            driver.find_element(By.ID, "password").send_keys(PASSWORD)
            driver.find_element(By.ID, "login").click()
            _wait(lambda: _card(driver, "a").get("seq") == str(halls["a"].hall.last_seq), 30, "branch a")
            html = driver.find_element(By.TAG_NAME, "html")
            assert html.get_attribute("dir") == "rtl" and html.get_attribute("lang") == "ar"
            _wait(lambda: len(_alerts(driver, "a")) == 2, 30, "branch a's device alerts")
            alerts = _alerts(driver, "a")
            assert [a[:3] for a in alerts] == [
                ("board-1", "connection", "silent"),
                ("kiosk-1", "printer", "error"),
            ]
            assert "لا يستجيب" in alerts[0][3] and "board-1" in alerts[0][3]
            assert "الطابعة" in alerts[1][3] and "عطل" in alerts[1][3] and "printer paper_out" in alerts[1][3]
            assert _alerts(driver, "b") == [] and "لا تنبيهات" in _card(driver, "b")["text"]
            cookies = {c["name"]: c for c in driver.get_cookies()}
            assert cookies["dawr_hq_session"]["httpOnly"] is True
            assert driver.execute_script("return document.cookie") == ""

            # Mark this page load; a reload would lose the mark and add a navigation entry.
            driver.execute_script("window.dawrMark = 'still-the-same-page';")
            before = _card(driver, "a")
            halls["a"].hall.handle(IssueTicket("inquiry", token="browser-walk-in"), datetime.now(UTC))
            assert halls["a"].hall.last_seq > int(before["seq"])
            started = time.monotonic()
            _wait(
                lambda: _card(driver, "a").get("seq") == str(halls["a"].hall.last_seq),
                30,
                "the new ticket of branch a",
            )
            shown_after = time.monotonic() - started
            after = _card(driver, "a")
            assert int(after["waiting"]) == int(before["waiting"]) + 1, (before, after)
            assert driver.execute_script("return window.dawrMark") == "still-the-same-page"
            navigations = driver.execute_script(
                "return performance.getEntriesByType('navigation').map(e => e.type)"
            )
            assert navigations == ["navigate"], navigations
            print(f"ticket issued at branch a shown on the HQ page after {shown_after:.2f} s (no reload)")

            # Branch b cut off: its card turns STALE, a stays live.
            network.branches["b"].cut()
            _wait(lambda: _card(driver, "b").get("stale") == "true", 90, "branch b stale")
            assert _card(driver, "a").get("stale") == "false"
            text = driver.find_element(By.TAG_NAME, "body").text
            for secret in ("clerk1", "REF-BROWSER", "browser-appointment"):
                assert secret not in text
            SHOTS.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(SHOTS / "hq-ar.png"))

            driver.get(view.url + "/?lang=en")
            _wait(lambda: _card(driver, "b").get("stale") == "true", 30, "the English page")
            html = driver.find_element(By.TAG_NAME, "html")
            assert html.get_attribute("dir") == "ltr" and html.get_attribute("lang") == "en"
            assert "STALE" in _card(driver, "b")["text"]
            assert "printer" in _alerts(driver, "a")[1][3] and "fault" in _alerts(driver, "a")[1][3]
            driver.save_screenshot(str(SHOTS / "hq-en.png"))
            network.branches["b"].restore()
            wait_until(lambda: True, 0.1, "")
    finally:
        for hall in halls.values():
            hall.close()
