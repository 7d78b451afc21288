"""Scenario files are validated like the branch configuration; policies are engine configurations."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from server.cli.main import main
from server.core.errors import ConfigError
from server.core.events import TicketCalled
from server.sim.simulator import (
    POLICIES,
    load_scenario,
    policy_config,
    scenario_names,
    simulate,
)

SEED_DAY = (Path(__file__).parents[2] / "server" / "sim" / "scenarios" / "seed-day.toml").read_text(
    encoding="utf-8"
)


def _write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_seed_day_is_shipped_and_valid() -> None:
    assert "seed-day" in scenario_names()
    scenario, config = load_scenario("seed-day")
    assert scenario.arrivals.walk_ins_per_day + scenario.appointments.per_day == 400
    assert sum(1 for c in config.counters if c.appointments) == 2
    assert {s.cap_minutes for s in config.services} == {7}


@pytest.mark.parametrize(
    "old, new, message",
    [
        (
            "walk_ins_per_day = 360",
            "walk_ins_per_day = -3",
            "arrivals.walk_ins_per_day: Input should be greater than",
        ),
        (
            'distribution = "lognormal", mean = 6.5',
            'distribution = "weibull", mean = 6.5',
            "services.mazaya.minutes.distribution",
        ),
        ("[services.legal]", "[services.legals]", "services.legals: unknown service"),
        ('"07" = 0.8', '"7" = 0.8', "arrivals.hourly: '7' is not an hour"),
        (
            '{ at = "11:50", minutes = 10, reason = "prayer" }',
            '{ at = "11:50", minutes = 10, reason = "nap" }',
            "staffing[2].pauses[1].reason: unknown pause reason 'nap'",
        ),
        (
            "per_slot = 2",
            "per_slot = 1",
            "appointments: per_day: 40 bookings do not fit 25 slots × 1 per slot",
        ),
        ("slot_minutes = 15", "slot_minutes = 15\nslot_mins = 3", "appointments.slot_mins: unknown key"),
        ('{ at = "09:30", minutes = 15', '{ at = "9:30", minutes = 15', "staffing[0].pauses[0].at"),
        ("counter = 8", "counter = 9", "staffing[7].counter: branch hq has no counter 9"),
    ],
)
def test_scenario_errors_name_the_key(tmp_path: Path, old: str, new: str, message: str) -> None:
    assert old in SEED_DAY
    path = _write(tmp_path, SEED_DAY.replace(old, new, 1))
    with pytest.raises(ConfigError) as caught:
        load_scenario(path)
    key, _, what = message.partition(": ")
    assert f"{key}: {what}" in str(caught.value) if what else key in str(caught.value)
    assert path in str(caught.value)


def test_cli_reports_scenario_errors_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, SEED_DAY.replace("[services.legal]", "[services.legals]"))
    assert main(["simulate", "--scenario", path, "--days", "1"]) == 2
    err = capsys.readouterr().err
    assert "services.legals: unknown service" in err and "Traceback" not in err
    assert main(["simulate", "--scenario", "no-such-scenario"]) == 2
    assert "shipped: seed-day" in capsys.readouterr().err
    bad = _write(tmp_path, "[scenario\n")
    assert main(["simulate", "--scenario", bad]) == 2
    assert "not valid TOML" in capsys.readouterr().err


def test_policies_are_engine_configurations() -> None:
    scenario, config = load_scenario("seed-day")
    pooled = policy_config(config, "pooled-fifo")
    assert all(
        set(c.services) == {s.id for s in config.services} and not c.appointments for c in pooled.counters
    )
    assert pooled.appointments.rollout == "all" and pooled.appointments.order == "arrival"
    dedicated = policy_config(config, "dedicated-fifo")
    assert not dedicated.appointments.spillover and dedicated.appointments.rollout == "dedicated"
    assert [set(c.services) for c in dedicated.counters] == [set(c.services) for c in config.counters]
    assert policy_config(config, "dawr") is config

    rules: dict[str, set[str]] = {}
    counters: dict[str, dict[int, set[str]]] = {}
    for policy in POLICIES:
        result = simulate(scenario, config, policy=policy, days=1)
        called = [e for e in result.events if isinstance(e, TicketCalled)]
        rules[policy] = {e.rule for e in called}
        kinds = {t.ticket_id: t.kind for t in result.figures.tickets.values()}
        counters[policy] = {}
        for e in called:
            counters[policy].setdefault(e.counter, set()).add(kinds[e.ticket_id])
    # the engine's own call-next rules are what decided
    assert "appointment_due" in rules["dawr"] and "weighted_wait" in rules["dawr"]
    assert "appointment_due" not in rules["pooled-fifo"] and "appointment_due" not in rules["dedicated-fifo"]
    # dedicated: appointment counters only ever call appointments; dawr spills walk-ins over to them
    assert counters["dedicated-fifo"][1] == {"appointment"}
    assert "walk_in" in counters["dawr"][1]
    # pooled: the supervisor desk serves everybody
    assert "appointment" in counters["pooled-fifo"][8]


def test_common_random_numbers_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--scenario", "seed-day", "--compare", "--days", "1", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["policy"] for r in lines] == list(POLICIES)
    keys = {
        "policy",
        "days",
        "customers",
        "avg_wait_min",
        "p90_wait_min",
        "max_wait_min",
        "appt_on_time_pct",
        "cap_overrun_pct",
        "utilization_pct",
        "no_show_pct",
    }
    assert all(keys <= set(r) for r in lines)
    assert len({r["customers"] for r in lines}) == 1  # the same people under every policy
    assert len({r["cap_overrun_pct"] for r in lines}) == 1  # same service times
    assert main(["simulate", "--scenario", "seed-day", "--compare", "--days", "1"]) == 0
    out = capsys.readouterr().out
    assert "wait vs pooled" in out and "dedicated-fifo" in out


def test_same_seed_same_result() -> None:
    scenario, config = load_scenario("seed-day")
    a = simulate(scenario, config, days=1, seed=5).metrics
    b = simulate(scenario, config, days=1, seed=5).metrics
    c = simulate(scenario, config, days=1, seed=6).metrics
    assert a == b and a != c
