"""Branch configuration: the shipped hall loads, and every kind of bad file gets a message naming the key."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from server.cli.main import main
from server.core.config import (
    CATALOGUE_LABELS,
    default_config_path,
    label_key,
    load_branch_config,
    load_default_config,
)
from server.core.errors import ConfigError
from server.i18n import both

DEFAULT = default_config_path().read_text(encoding="utf-8")


def test_the_shipped_hall_is_the_ministry_hall() -> None:
    config = load_default_config()
    assert config.branch.timezone == "Asia/Bahrain"
    assert [s.id for s in config.services] == [
        "mazaya",
        "housing",
        "inquiry",
        "data_update",
        "feedback",
        "legal",
        "studies",
        "supervisor",
    ]
    assert all(s.cap_minutes == 7 for s in config.services)
    assert config.service("supervisor").transfer_only  # type: ignore[union-attr]
    assert len(config.counters) == 8 and sum(c.appointments for c in config.counters) == 2
    assert config.appointments.rollout == "dedicated"
    assert set(config.branch.hours) == {"sun", "mon", "tue", "wed", "thu"}
    sunday_0729 = datetime(2026, 11, 22, 4, 29, tzinfo=UTC)
    assert not config.is_open(sunday_0729)
    assert config.is_open(sunday_0729.replace(minute=30))
    assert not config.is_open(datetime(2026, 11, 22, 11, 30, tzinfo=UTC))  # 14:30


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "branch.toml"
    path.write_text(text, encoding="utf-8")
    return path


def error_for(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as error:
        load_branch_config(write(tmp_path, text))
    return str(error.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('hotline = "80008001"', 'hotline = "17582288"', 1), None),
        (
            ("expected_service_minutes = 6\n", "expected_service_minutes = 6\ncap_minutes = -1\n", 1),
            "services[0].cap_minutes: Input should be greater than 0",
        ),
        (('prefix = "B"', 'prefix = "A"', 1), "services[1].prefix: 'A' is already the prefix of 'mazaya'"),
        (('prefix = "B"', 'prefix = "bb"', 1), "services[1].prefix: String should match pattern"),
        (('id = "housing"', 'id = "mazaya"', 1), "services[1].id: 'mazaya' is already used by services[0]"),
        (
            ('timezone = "Asia/Bahrain"', 'timezone = "Mars/Olympus"', 1),
            "branch.timezone: unknown time zone 'Mars/Olympus'",
        ),
        (
            ('sun = "07:30-14:30"', 'sun = "7.30 to 2.30"', 1),
            "branch.hours: sun: '7.30 to 2.30' is not a time range",
        ),
        (('sun = "07:30-14:30"', 'sun = "14:30-07:30"', 1), "must end after it starts"),
        (('sun = "07:30-14:30"', 'sunday = "07:30-14:30"', 1), "unknown weekday 'sunday'"),
        (
            (
                "services = { supervisor = 4, inquiry = 1, feedback = 1 }",
                "services = { supervisr = 4, inquiry = 1, feedback = 1 }",
                1,
            ),
            "counters[7].services.supervisr: unknown service",
        ),
        (
            ("services = { supervisor = 4, inquiry = 1, feedback = 1 }", "services = {}", 1),
            "counters[7].services: a counter must serve at least one service",
        ),
        (
            (
                "services = { supervisor = 4, inquiry = 1, feedback = 1 }",
                "services = { supervisor = 0, inquiry = 1 }",
                1,
            ),
            "counters[7].services.supervisor: Input should be greater than 0",
        ),
        (("number = 8", "number = 7", 1), "counters[7].number: counter 7 is listed twice"),
        (
            ('late_arrival = "walk_in"', 'late_arrival = "maybe"', 1),
            "appointments.late_arrival: Input should be 'walk_in' or 'refuse'",
        ),
        (
            ("early_minutes = 30", "early_minuts = 30", 1),
            "appointments.early_minuts: unknown key (check the spelling)",
        ),
        (
            ("normal_per_priority = 2", 'normal_per_priority = "two"', 1),
            "priority.normal_per_priority: Input should be a valid integer",
        ),
        (
            ("walk_in = false\ntransfer_only = true", "walk_in = true\ntransfer_only = true", 1),
            "services[7]: a transfer-only service cannot also be taken as a walk-in",
        ),
        (
            ("expected_service_minutes = 3\n", "expected_service_minutes = 3\nwarning_lead_minutes = 9\n", 1),
            "services[4]: warning_lead_minutes must be less than cap_minutes",
        ),
        (
            (
                "appointments = true\nservices = { mazaya = 1, housing = 1, inquiry = 1, data_update = 1 }",
                "services = { mazaya = 1, housing = 1, inquiry = 1, data_update = 1 }",
                2,
            ),
            "appointments.rollout: 'dedicated' needs at least one counter with appointments = true",
        ),
    ],
)
def test_each_kind_of_mistake_names_its_key(
    tmp_path: Path, change: tuple[str, str, int], expected: str | None
) -> None:
    old, new, count = change
    assert old in DEFAULT
    text = DEFAULT.replace(old, new, count) if count else DEFAULT
    if expected is None:
        load_branch_config(write(tmp_path, text))
        return
    message = error_for(tmp_path, text)
    assert str(tmp_path / "branch.toml") in message
    assert expected in message, message


def test_missing_sections_unreadable_files_and_bad_toml(tmp_path: Path) -> None:
    message = error_for(tmp_path, "[branch]\nid = 'x'\n")
    assert (
        "branch.name_ar: required key is missing" in message
        and "services: required key is missing" in message
    )
    assert "not valid TOML" in error_for(tmp_path, "[branch\nid=1")
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_branch_config(tmp_path / "nope.toml")
    (tmp_path / "bin.toml").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ConfigError, match="cannot be read"):
        load_branch_config(tmp_path / "bin.toml")


def test_cli_reports_a_bad_file_in_one_clear_message_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, DEFAULT.replace('prefix = "B"', 'prefix = "A"', 1))
    assert main(["config", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dawr: ") and "services[1].prefix" in err and "Traceback" not in err
    assert main(["config", "check"]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "counter  1   appointments" in out


def test_cli_imports_appointments_and_refuses_bad_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'j.db'}"
    good = tmp_path / "bookings.csv"
    good.write_text(
        "reference,national_id,name,phone,service,branch,slot\n"
        "HQ-1,850101234,فاطمة علي,+97317000000,mazaya,hq,2026-11-22 09:30\n"
        "SEEF-9,900202345,Ahmed,,housing,seef,2026-11-22T10:00+03:00\n",
        encoding="utf-8",
    )
    assert main(["admin", "import-appointments", str(good), "--db", db]) == 0
    assert "imported 2 booking(s): 1 for branch hq, 1 for others" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("reference,national_id,name,phone,service,branch,slot\nHQ-2,1,n,,mazaya,hq,tomorrow\n")
    assert main(["admin", "import-appointments", str(bad), "--db", db]) == 2
    assert "line 2, column slot: 'tomorrow' is not a time" in capsys.readouterr().err
    unknown = tmp_path / "unknown.csv"
    unknown.write_text(
        "reference,national_id,name,phone,service,branch,slot\nHQ-3,1,n,,nope,hq,2026-11-22 09:00\n"
    )
    assert main(["admin", "import-appointments", str(unknown), "--db", db]) == 2
    assert "invalid_booking" in capsys.readouterr().err
    missing = tmp_path / "cols.csv"
    missing.write_text("reference,name\nHQ-4,n\n")
    assert main(["admin", "import-appointments", str(missing), "--db", db]) == 2
    assert "missing column(s): national_id" in capsys.readouterr().err


def test_labels_are_codes_worded_by_the_catalogue_unless_the_branch_words_its_own(tmp_path: Path) -> None:
    config = load_default_config()
    for kind, codes in CATALOGUE_LABELS.items():
        labels = {label.code: label for label in getattr(config, kind)}
        assert list(labels) == list(codes)
        for code, label in labels.items():
            wording = both("common", label_key(kind, code))
            assert all(wording)  # the catalogue words every default label, in both languages
            assert (label.name_ar, label.name_en) in ((None, None), wording)
    assert both("common", label_key("pause_reasons", "prayer")) == ("صلاة", "Prayer")
    own = (
        'pause_reasons = [{ code = "prayer" }, { code = "training", name_ar = "تدريب", name_en = "Training" }]\n'
        + DEFAULT
    )
    labels = load_branch_config(write(tmp_path, own)).labels("pause_reasons")
    assert labels["prayer"].name_en is None and labels["training"].name_en == "Training"
    unknown = 'pause_reasons = [{ code = "training" }]\n' + DEFAULT
    assert "pause_reasons[0]: 'training' needs name_ar and name_en" in error_for(tmp_path, unknown)
    half = 'pause_reasons = [{ code = "training", name_en = "Training" }]\n' + DEFAULT
    assert "give both name_ar and name_en, or neither" in error_for(tmp_path, half)
