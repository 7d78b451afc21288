"""``dawr report`` on a small hand-built journal whose answers are known (worked out in the comments)."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from server.cli.main import main
from server.core.config import load_default_config, parse_branch_config
from server.core.engine import (
    CallNext,
    CloseCounter,
    EngineCommand,
    Finish,
    IssueTicket,
    NoShow,
    OpenCounter,
    PauseCounter,
    Recall,
    ResumeCounter,
    StartService,
    Transfer,
)
from server.reports.cli import build_report
from server.reports.render import csv_rows
from server.store.hall import Hall
from server.store.journal import Journal

BAHRAIN = ZoneInfo("Asia/Bahrain")


def at(hhmm: str) -> datetime:
    return datetime(2025, 1, 5, int(hhmm[:2]), int(hhmm[3:]), tzinfo=BAHRAIN)


def write_day(url: str, branch: str = "hq") -> None:
    """One morning at counters 3 (amal), 7 (badr) and 8 (carol, supervisor desk).

    07:30 C001 inquiry issued; 07:32 G001 studies issued; 07:34 counter 3 calls C001 (wait 4), serves 6 min.
    07:40 counter 7 calls G001 (wait 8), serves 9 min → over the 7-minute cap, reason complex_case.
    07:41–07:56 counter 3 on break. 07:45 D001 data update; 07:49 counter 7 calls it (wait 4), recall, 07:50 no-show.
    07:56 A001 mazaya; 07:57 counter 3 calls it (wait 1), 3 min, transfers it to the supervisor at 08:00.
    08:00 counter 8 opens; 08:02 calls A001 (supervisor wait 2), serves 3 min. 08:10 everything closes.
    """
    steps: list[tuple[str, EngineCommand]] = [
        ("07:30", OpenCounter(3, "amal")),
        ("07:30", OpenCounter(7, "badr")),
        ("07:30", IssueTicket("inquiry")),
        ("07:32", IssueTicket("studies")),
        ("07:34", CallNext(3)),
        ("07:34", StartService(3)),
        ("07:40", Finish(3, "completed")),
        ("07:40", CallNext(7)),
        ("07:40", StartService(7)),
        ("07:41", PauseCounter(3, "break")),
        ("07:45", IssueTicket("data_update")),
        ("07:49", Finish(7, "completed", "complex_case")),
        ("07:49", CallNext(7)),
        ("07:49", Recall(7)),
        ("07:50", NoShow(7)),
        ("07:56", ResumeCounter(3)),
        ("07:56", IssueTicket("mazaya")),
        ("07:57", CallNext(3)),
        ("07:57", StartService(3)),
        ("08:00", Transfer(3, to_service="supervisor")),
        ("08:00", OpenCounter(8, "carol")),
        ("08:02", CallNext(8)),
        ("08:02", StartService(8)),
        ("08:05", Finish(8, "completed")),
        ("08:10", CloseCounter(3)),
        ("08:10", CloseCounter(7)),
        ("08:10", CloseCounter(8)),
    ]
    play_day(url, branch, steps)


def play_day(url: str, branch: str, steps: list[tuple[str, EngineCommand]]) -> None:
    """Journal ``steps`` (hall time, command) for ``branch`` (the shipped hall under that id) into ``url``."""
    data = load_default_config().model_dump(mode="python")
    data["branch"]["id"] = branch
    config = parse_branch_config(data)
    journal = Journal.open(url)
    try:
        hall = Hall.open(config, journal, b"")
        hall.tick(at("07:00"))
        for hhmm, command in steps:
            hall.handle(command, at(hhmm))
    finally:
        journal.close()


@pytest.fixture()
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    write_day(url)
    return url


def check_figures(data: dict[str, Any], branch: str = "hq") -> None:
    s = data["summary"]
    assert (s["customers"], s["walk_ins"], s["appointments"], s["transfers"]) == (4, 4, 0, 1)
    assert (s["served"], s["no_shows"], s["cancelled"]) == (3, 1, 0)
    # first waits 4, 8, 4, 1 minutes
    assert (s["mean_wait_min"], s["median_wait_min"], s["p90_wait_min"], s["max_wait_min"]) == (
        4.25,
        4.0,
        6.8,
        8.0,
    )
    # services given: 6 (in), 9 (over), 3 (in, transferred), 3 (in) → 3 of 4 within the cap
    assert s["within_cap_pct"] == 75.0 and s["over_cap"] == 1
    services = {r["service"]: r for r in data["services"]}
    assert services["studies"]["wait_min"] == {"n": 1, "mean": 8.0, "median": 8.0, "p90": 8.0, "max": 8.0}
    assert services["studies"]["service_min"]["mean"] == 9.0 and services["studies"]["within_cap_pct"] == 0.0
    assert services["inquiry"]["service_min"]["max"] == 6.0
    assert services["supervisor"]["customers"] == 1 and services["supervisor"]["transferred_in"] == 1
    assert services["supervisor"]["wait_min"]["mean"] == 2.0
    assert services["mazaya"]["transferred_out"] == 1 and services["data_update"]["no_shows"] == 1
    assert sum(r["customers"] for r in data["services"]) == 5  # 4 tickets + 1 transfer, the ministry's way
    assert services["inquiry"]["share_pct"] == 20.0
    assert data["transfers"] == [
        {"from_service": "mazaya", "to_service": "supervisor", "to_counter": "", "count": 1}
    ]
    assert data["overruns"][0]["reason"] == "complex_case" and data["overruns"][0]["count"] == 1
    counters = {r["counter"]: r for r in data["counters"]}
    c3, c7, c8 = counters[3], counters[7], counters[8]
    # counter 3: open 07:30–08:10 less a 15-minute break = 25; busy 07:34–07:40 and 07:57–08:00 = 9;
    # idle while a ticket it serves waited: 07:30–07:34 (C001) and 07:56–07:57 (A001) = 5
    assert (c3["open_min"], c3["busy_min"], c3["idle_min"], c3["idle_while_waiting_min"]) == (
        25.0,
        9.0,
        16.0,
        5.0,
    )
    assert c3["paused_min"] == {"break": 15.0} and c3["served"] == 1 and c3["transferred"] == 1
    assert c3["mean_service_min"] == 4.5 and c3["staff"] == "amal"
    # counter 7: busy 07:40–07:50 (G001 and the no-show); it serves inquiry and studies, so it was idle while
    # C001 waited (07:30–07:34) and G001 waited (07:32–07:40): 07:30–07:40 = 10
    assert (c7["open_min"], c7["busy_min"], c7["idle_while_waiting_min"]) == (40.0, 10.0, 10.0)
    assert (c7["served"], c7["no_shows"], c7["mean_service_min"]) == (1, 1, 9.0)
    # counter 8: opened 08:00 with A001 waiting for the supervisor until 08:02
    assert (c8["open_min"], c8["busy_min"], c8["idle_while_waiting_min"], c8["served"]) == (10.0, 3.0, 2.0, 1)
    staff = {r["staff"]: r for r in data["staff"]}
    assert staff["amal"]["paused_min"] == {"break": 15.0} and staff["amal"]["counters"] == "3"
    assert staff["badr"]["served"] == 1 and staff["badr"]["no_shows"] == 1
    assert staff["carol"]["idle_while_waiting_min"] == 2.0
    assert [(h["hour"], h["arrivals"], h["mean_wait_min"]) for h in data["hours"]] == [("07:00", 4, 4.25)]
    assert data["branches"] == [branch] and data["days"] == 1


def test_json_figures(db: str) -> None:
    check_figures(json.loads(build_report(db, at("07:00").date(), at("07:00").date(), None, None, "json")))


def test_csv_carries_the_same_numbers(db: str) -> None:
    day = at("07:00").date()
    data = json.loads(build_report(db, day, day, "hq", None, "json"))
    rows = list(csv.reader(io.StringIO(build_report(db, day, day, "hq", None, "csv"))))
    assert rows[0] == ["section", "key", "field", "value"]
    expected = [[a, b, c, "" if v is None else str(v)] for a, b, c, v in csv_rows(data)]
    assert rows[1:] == expected
    as_text = {(a, b, c): v for a, b, c, v in rows[1:]}
    assert as_text[("summary", "", "mean_wait_min")] == "4.25"
    assert as_text[("counters", "hq/3", "idle_while_waiting_min")] == "5.0"
    assert as_text[("services", "studies", "wait_min.p90")] == "8.0"
    assert as_text[("staff", "amal", "paused_min.break")] == "15.0"


def test_html_is_self_contained_and_bilingual(db: str, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    assert main(["report", "--db", db, "--from", "2025-01-05", "--format", "html", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") >= 3
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert "العملاء حسب نوع الخدمة" in page and "Customers per service" in page and 'dir="rtl"' in page


@pytest.mark.parametrize(
    "args, message",
    [
        (["--from", "2025-13-01"], "'2025-13-01' is not a date"),
        (["--from", "2025-01-05", "--to", "yesterday"], "'yesterday' is not a date"),
        (["--from", "2025-01-06", "--to", "2025-01-05"], "--to 2025-01-05 is before --from 2025-01-06"),
        (["--from", "2025-02-01"], "no journal events for any branch from 2025-02-01 to 2025-02-01"),
        (["--from", "2025-01-05", "--branch", "seef"], "no journal events for branch seef"),
    ],
)
def test_bad_dates_and_empty_ranges(
    db: str, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) if "not a date" in message else _no_exit():
        code = main(["report", "--db", db, "--format", "json", *args])
        assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


class _no_exit:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def test_bad_date_exit_code(db: str) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["report", "--db", db, "--from", "05/01/2025", "--format", "csv"])
    assert caught.value.code == 2


def test_report_of_a_simulated_journal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'sim.db'}"
    assert main(["simulate", "--scenario", "seed-day", "--days", "1", "--json", "--journal", url]) == 0
    simulated = json.loads(capsys.readouterr().out)
    assert main(["report", "--db", url, "--from", "2025-01-05", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["customers"] == simulated["customers"]
    assert report["summary"]["mean_wait_min"] == simulated["avg_wait_min"]
    assert report["summary"]["p90_wait_min"] == simulated["p90_wait_min"]
    assert report["summary"]["appointments_on_time_pct"] == simulated["appt_on_time_pct"]
    assert report["appointments"][0]["booked"] == 40
    # the journal already holds that day: a second run must not write into the past
    assert main(["simulate", "--scenario", "seed-day", "--days", "1", "--journal", url]) == 2
    assert "already holds branch hq" in capsys.readouterr().err


@pytest.mark.postgres
def test_report_from_postgresql(postgres_url: str) -> None:
    """In a schema of its own (conftest), so no other test's or earlier run's schema revision matters."""
    branch = f"rep-{uuid.uuid4().hex[:12]}"
    write_day(postgres_url, branch)
    day = at("07:00").date()
    data = json.loads(build_report(postgres_url, day, day + timedelta(days=1), branch, None, "json"))
    check_figures(data, branch)
