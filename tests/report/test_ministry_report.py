"""``dawr report`` over two branches' journals in one database (HQ's): each branch's breakdown, named by its
Arabic and English name, and a ministry-wide total that is the sum of the branches."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from server.cli.main import main
from server.core.config import default_config_path, load_default_config
from server.core.engine import (
    CallNext,
    CloseCounter,
    EngineCommand,
    Finish,
    IssueTicket,
    NoShow,
    OpenCounter,
    Recall,
    StartService,
)
from server.reports.cli import build_report
from server.reports.render import csv_rows
from server.store.branches import BranchRegistry, receives_branch_journals
from server.store.journal import Journal
from tests.report.test_report import check_figures, play_day, write_day

DAY = date(2025, 1, 5)
SEEF_AR, SEEF_EN = "فرع السيف — بنك الإسكان", "Seef branch — Eskan Bank"
JIDALI_AR, JIDALI_EN = "فرع جد علي", "Jidali branch"


def write_small_day(url: str, branch: str) -> None:
    """Three customers at counters 3 (dana) and 7 (eman): C001 07:31 called 07:35 (wait 4), served 5 min;
    C002 07:33 called 07:40 (wait 7), a no-show; G001 07:45 called 07:47 (wait 2), served 3 min."""
    steps: list[tuple[str, EngineCommand]] = [
        ("07:30", OpenCounter(3, "dana")),
        ("07:30", OpenCounter(7, "eman")),
        ("07:31", IssueTicket("inquiry")),
        ("07:33", IssueTicket("inquiry")),
        ("07:35", CallNext(3)),
        ("07:35", StartService(3)),
        ("07:40", Finish(3, "completed")),
        ("07:40", CallNext(3)),
        ("07:41", Recall(3)),
        ("07:42", NoShow(3)),
        ("07:45", IssueTicket("studies")),
        ("07:47", CallNext(7)),
        ("07:47", StartService(7)),
        ("07:50", Finish(7, "completed")),
        ("08:00", CloseCounter(3)),
        ("08:00", CloseCounter(7)),
    ]
    play_day(url, branch, steps)


@pytest.fixture()
def hq(database_url: str) -> str:
    """HQ's database: the journals of seef (the known morning of test_report) and jidali; the registry
    names seef only."""
    write_day(database_url, "seef")
    write_small_day(database_url, "jidali")
    journal = Journal.open(database_url)
    try:
        BranchRegistry(journal.engine).put("seef", SEEF_AR, SEEF_EN)
    finally:
        journal.close()
    return database_url


@pytest.fixture()
def jidali_toml(tmp_path: Path) -> str:
    """jidali's configuration: the shipped hall under jidali's id and names."""
    source = default_config_path().read_text(encoding="utf-8")
    config = load_default_config()
    source = source.replace('id = "hq"', 'id = "jidali"', 1)
    source = source.replace(config.branch.name_ar, JIDALI_AR, 1).replace(config.branch.name_en, JIDALI_EN, 1)
    path = tmp_path / "jidali.toml"
    path.write_text(source, encoding="utf-8")
    return str(path)


@pytest.fixture()
def seef_toml(tmp_path: Path) -> str:
    """seef's configuration: the shipped hall under seef's id (its names from the registry win)."""
    source = default_config_path().read_text(encoding="utf-8").replace('id = "hq"', 'id = "seef"', 1)
    path = tmp_path / "seef.toml"
    path.write_text(source, encoding="utf-8")
    return str(path)


def test_each_branch_is_measured_by_its_own_configuration(
    hq: str, jidali_toml: str, seef_toml: str, tmp_path: Path
) -> None:
    """jidali's studies cap is 2.5 minutes: its G001 (3 minutes) is over jidali's cap, while seef's
    studies (9 minutes, over the 7-minute cap) stays the only overrun of seef."""
    strict = Path(jidali_toml).read_text(encoding="utf-8")
    marker = 'name_en = "Studies and research"\n'
    assert marker in strict
    strict = strict.replace(marker, marker + "cap_minutes = 2.5\nwarning_lead_minutes = 1\n", 1)
    strict_path = tmp_path / "jidali-strict.toml"
    strict_path.write_text(strict, encoding="utf-8")
    data = report(hq, config=[seef_toml, str(strict_path)])
    parts = {p["branch"]: p for p in data["per_branch"]}
    assert parts["jidali"]["summary"]["over_cap"] == 1 and parts["seef"]["summary"]["over_cap"] == 1
    assert data["summary"]["over_cap"] == 2
    jidali_studies = next(r for r in parts["jidali"]["services"] if r["service"] == "studies")
    assert jidali_studies["cap_minutes"] == 2.5 and jidali_studies["over_cap"] == 1
    assert parts["seef"]["name_source"] == "registry" and parts["jidali"]["name_source"] == "config"
    # one configuration only: it applies to every branch, as it always did
    legacy = report(hq, config=[str(strict_path)])
    assert {p["branch"]: p["summary"]["over_cap"] for p in legacy["per_branch"]} == {"jidali": 1, "seef": 1}
    assert report(hq)["summary"]["over_cap"] == 1  # the shipped 7-minute cap everywhere


def report(db: str, fmt: str = "json", **kwargs: Any) -> Any:
    out = build_report(
        db,
        DAY,
        DAY,
        kwargs.pop("branch", None),
        kwargs.pop("config", None),
        fmt,
        by_branch=kwargs.pop("by", None),
    )
    return json.loads(out) if fmt == "json" else out


COUNTS = ("customers", "walk_ins", "appointments", "transfers", "served", "no_shows", "cancelled", "over_cap")


def test_per_branch_breakdowns_and_a_total_that_is_their_sum(hq: str, jidali_toml: str) -> None:
    data = report(hq, config=[jidali_toml])
    parts = {p["branch"]: p for p in data["per_branch"]}
    assert data["branches"] == ["jidali", "seef"] and list(parts) == ["jidali", "seef"]
    assert (parts["seef"]["name_en"], parts["seef"]["name_ar"], parts["seef"]["name_source"]) == (
        SEEF_EN,
        SEEF_AR,
        "registry",
    )
    assert (parts["jidali"]["name_en"], parts["jidali"]["name_ar"], parts["jidali"]["name_source"]) == (
        JIDALI_EN,
        JIDALI_AR,
        "config",
    )
    assert data["branch_names"]["seef"] == {"name_ar": SEEF_AR, "name_en": SEEF_EN, "source": "registry"}

    # each branch's breakdown is exactly its one-branch report
    seef_alone = report(hq, branch="seef")
    check_figures(seef_alone, "seef")
    for key in ("summary", "services", "per_day", "counters"):
        assert parts["seef"][key] == seef_alone[key], key
    jidali = parts["jidali"]["summary"]
    assert (jidali["customers"], jidali["served"], jidali["no_shows"], jidali["mean_wait_min"]) == (
        3,
        2,
        1,
        4.33,
    )

    # the ministry total: counts are the sums of the branches'
    total = data["summary"]
    for key in COUNTS:
        assert total[key] == sum(p["summary"][key] for p in parts.values()), key
    assert total["customers"] == 7 and total["served"] == 5 and total["no_shows"] == 2
    # waits are over all customers: (4 + 8 + 4 + 1) + (4 + 7 + 2) minutes over 7 customers
    assert total["mean_wait_min"] == round(30 / 7, 2) and total["max_wait_min"] == 8.0
    # within the cap: seef 3 of 4, jidali 2 of 2
    assert total["within_cap_pct"] == round(100 * 5 / 6, 1)
    for row in data["services"]:
        for key in (
            "customers",
            "walk_ins",
            "served",
            "no_shows",
            "transferred_in",
            "within_cap",
            "over_cap",
        ):
            assert row[key] == sum(
                r[key] for p in parts.values() for r in p["services"] if r["service"] == row["service"]
            ), (row["service"], key)
    assert data["per_day"][0]["customers"] == sum(p["per_day"][0]["customers"] for p in parts.values())
    pairs = sorted((r["branch"], r["counter"], r["served"], r["busy_min"]) for r in data["counters"])
    assert pairs == sorted(
        (r["branch"], r["counter"], r["served"], r["busy_min"]) for p in parts.values() for r in p["counters"]
    )
    assert {r["staff"] for r in data["staff"]} == {"amal", "badr", "carol", "dana", "eman"}


def test_names_fall_back_to_the_id_and_the_page_says_so(hq: str) -> None:
    data = report(hq)
    assert data["branch_names"]["jidali"] == {"name_ar": "jidali", "name_en": "jidali", "source": "id"}
    page = report(hq, "html")
    assert "No name is known for branch jidali: it is shown by its id." in page
    assert "لا يُعرف اسم الفرع" in page
    assert SEEF_EN in page and SEEF_AR in page


def test_the_ministry_page_names_every_branch(hq: str, jidali_toml: str) -> None:
    page = report(hq, "html", config=[jidali_toml])
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page and "https://" not in page
    assert "Ministry report — 2 branches" in page and "تقرير الوزارة — فرعان" in page
    assert "Ministry total" in page and "إجمالي الوزارة" in page and "No name is known" not in page
    assert page.count('<section class="branch"') == 2
    for name in (SEEF_EN, SEEF_AR, JIDALI_EN, JIDALI_AR):
        assert page.count(name) >= 2, name  # in the branches table and as its part's heading
    assert ">seef<" not in page and ">jidali<" not in page  # never by bare id when a name is known
    seef_part = page[page.index('id="branch-seef"') :]
    assert "Counter 7" in seef_part and "amal" in seef_part


def test_csv_has_every_figure_of_the_json(hq: str, jidali_toml: str) -> None:
    data = report(hq, config=[jidali_toml])
    rows = list(csv.reader(io.StringIO(report(hq, "csv", config=[jidali_toml]))))
    assert rows[0] == ["section", "key", "field", "value"]
    assert rows[1:] == [[a, b, c, "" if v is None else str(v)] for a, b, c, v in csv_rows(data)]
    cells = {(a, b, c): v for a, b, c, v in rows[1:]}
    assert cells[("summary", "", "customers")] == "7"
    assert cells[("branch_names", "seef", "name_ar")] == SEEF_AR
    assert cells[("branch", "seef", "name_en")] == SEEF_EN
    assert cells[("branch", "jidali", "summary.customers")] == "3"
    assert cells[("branch", "seef", "summary.mean_wait_min")] == "4.25"
    assert cells[("branch_services", "seef/studies", "wait_min.p90")] == "8.0"
    assert cells[("branch_per_day", "jidali/2025-01-05", "customers")] == "3"
    assert cells[("branch_counters", "seef/3", "idle_while_waiting_min")] == "5.0"
    assert cells[("branch_counters", "jidali/7", "served")] == "1"
    sections = {a for a, _, _, _ in rows[1:]}
    assert {"branch", "branch_names", "branch_services", "branch_per_day", "branch_counters"} <= sections
    # every number of every branch's breakdown is in the CSV
    numbers = 0
    for part in data["per_branch"]:
        for service in part["services"]:
            for field, value in service.items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    key = ("branch_services", f"{part['branch']}/{service['service']}", field)
                    assert cells[key] == str(value)
                    numbers += 1
    assert numbers > 20


def test_one_branch_is_the_hall_report_as_before(hq: str) -> None:
    data = report(hq, branch="seef")
    assert "per_branch" not in data and data["branches"] == ["seef"]
    assert data["branch_names"] == {"seef": {"name_ar": SEEF_AR, "name_en": SEEF_EN, "source": "registry"}}
    page = report(hq, "html", branch="seef")
    assert f"Hall report — {SEEF_EN}" in page and f"— {SEEF_AR}</h1>" in page
    assert "Ministry total" not in page and '<section class="branch"' not in page


def test_by_branch_forces_either_shape(hq: str) -> None:
    one = report(hq, branch="seef", by=True)
    assert [p["branch"] for p in one["per_branch"]] == ["seef"] and one["summary"] == one["per_branch"][0][
        "summary"
    ]
    merged = report(hq, by=False)
    assert "per_branch" not in merged and merged["summary"]["customers"] == 7
    assert report(hq, branch=["seef", "jidali"])["summary"] == report(hq)["summary"]


def test_at_hq_a_report_without_branch_breaks_down_by_branch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'hq.db'}"
    write_day(url, "seef")
    assert "per_branch" not in report(url)  # a hall's own journal: the hall report
    monkeypatch.setattr("server.store.branches.receives_branch_journals", lambda engine: ["seef"])
    data = report(url)
    assert [p["branch"] for p in data["per_branch"]] == ["seef"]
    assert "per_branch" not in report(url, branch="seef")  # naming the branch: its hall report


def test_cli_writes_the_ministry_report(hq: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ministry.json"
    assert main(["report", "--db", hq, "--from", "2025-01-05", "--format", "json", "--out", str(out)]) == 0
    assert len(json.loads(out.read_text(encoding="utf-8"))["per_branch"]) == 2
    assert (
        main(
            [
                "report",
                "--db",
                hq,
                "--from",
                "2025-01-05",
                "--format",
                "json",
                "--branch",
                "seef",
                "--branch",
                "jidali",
            ]
        )
        == 0
    )
    assert len(json.loads(capsys.readouterr().out)["per_branch"]) == 2


@pytest.mark.parametrize(
    "args, message",
    [
        (["--branch", "Seef"], "--branch: invalid branch id 'Seef'"),
        (["--branch", "dana"], "no journal events for branch dana from 2025-01-05 to 2025-01-05"),
        (["--config", "TWICE", "--config", "TWICE"], "--config: two configurations for branch 'jidali'"),
    ],
)
def test_mistakes_give_one_line_and_exit_2(
    hq: str, jidali_toml: str, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [jidali_toml if a == "TWICE" else a for a in args]
    assert main(["report", "--db", hq, "--from", "2025-01-05", "--format", "json", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1


@pytest.fixture()
def subscribed(postgres_url: str) -> Iterator[tuple[str, str]]:
    """A database holding a (never connected) subscription named like HQ's to a branch journal."""
    name = f"t{uuid.uuid4().hex[:10]}"
    journal = Journal.open(postgres_url)
    try:
        with journal.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(
                text(
                    f"CREATE SUBSCRIPTION dawr_journal_{name} CONNECTION 'host=127.0.0.1 port=1 dbname=none' "
                    f"PUBLICATION dawr_journal_{name} WITH (connect = false)"
                )
            )
        try:
            yield postgres_url, name
        finally:
            with journal.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text(f"ALTER SUBSCRIPTION dawr_journal_{name} SET (slot_name = NONE)"))
                connection.execute(text(f"DROP SUBSCRIPTION dawr_journal_{name}"))
    finally:
        journal.close()


@pytest.mark.postgres
def test_hq_is_a_database_that_receives_branch_journals(subscribed: tuple[str, str]) -> None:
    url, name = subscribed
    journal = Journal.open(url)
    try:
        assert name in receives_branch_journals(journal.engine)
    finally:
        journal.close()


CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium to render the report in")
def test_the_ministry_page_renders_in_chromium(hq: str, jidali_toml: str, tmp_path: Path) -> None:
    """Renders the page headless (kept as tmp_path/ministry.png for a person to look at)."""
    assert CHROMIUM is not None
    page = tmp_path / "ministry.html"
    page.write_text(report(hq, "html", config=[jidali_toml]), encoding="utf-8")
    shot = tmp_path / "ministry.png"
    done = subprocess.run(
        [
            CHROMIUM,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1280,2400",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    from PIL import Image

    with Image.open(shot) as image:
        assert image.size == (1280, 2400)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colours is not None and len(colours) > 50  # text and tables, not a blank page
