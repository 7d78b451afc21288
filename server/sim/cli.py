"""``dawr simulate``: run a scenario's hall days on the real engine and print what each policy gives.

One policy prints its metrics; ``--compare`` runs every policy on the same customers (common random
numbers) and prints a table; ``--json`` prints one JSON object per policy, one per line. ``--journal URL``
writes the simulated days through ``Hall`` into a journal (one policy only) so ``dawr report`` can read them.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any

from server.core.config import BranchConfig
from server.core.errors import ConfigError
from server.reports.cli import iso_date
from server.sim.simulator import POLICIES, HallDriver, SimResult, load_scenario, simulate

COLUMNS = (
    ("policy", "policy", "{}"),
    ("avg_wait_min", "mean wait", "{:.2f}"),
    ("p90_wait_min", "p90 wait", "{:.2f}"),
    ("max_wait_min", "max wait", "{:.1f}"),
    ("appt_on_time_pct", "appt on time %", "{:.1f}"),
    ("cap_overrun_pct", "over cap %", "{:.1f}"),
    ("utilization_pct", "utilization %", "{:.1f}"),
    ("no_show_pct", "no-show %", "{:.1f}"),
    ("transfer_wait_min", "supervisor wait", "{:.2f}"),
    ("customers", "customers", "{}"),
)


def comparison_table(results: list[dict[str, Any]]) -> str:
    """A plain-text table of the policies' metrics (minutes), with each mean wait relative to pooled-fifo."""
    pooled = next((r for r in results if r["policy"] == "pooled-fifo"), None)
    header = [label for _, label, _ in COLUMNS] + (["wait vs pooled"] if pooled else [])
    lines = []
    for r in results:
        cells = [fmt.format(r[key]) for key, _, fmt in COLUMNS]
        if pooled:
            ratio = r["avg_wait_min"] / pooled["avg_wait_min"] if pooled["avg_wait_min"] else float("nan")
            cells.append(f"{ratio:.2f}×")
        lines.append(cells)
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    out = [
        "  ".join(
            h.rjust(w) if i else h.ljust(w) for i, (h, w) in enumerate(zip(header, widths, strict=True))
        )
    ]
    out.append("  ".join("-" * w for w in widths))
    for line in lines:
        out.append(
            "  ".join(
                c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(line, widths, strict=True))
            )
        )
    return "\n".join(out)


def _journal_driver(url: str, secret: bytes, first_day: date) -> Any:
    from server.store.hall import Hall
    from server.store.journal import Journal

    journal = Journal.open(url)

    def factory(config: BranchConfig) -> HallDriver:
        hall = Hall.open(config, journal, secret)
        if hall.engine.day is not None and hall.engine.day >= first_day:
            journal.close()
            raise ConfigError(
                f"the journal already holds branch {config.branch.id} up to {hall.engine.day}; "
                f"simulate from a later --start or use another --branch"
            )
        return HallDriver(hall)

    return journal, factory


def _cmd_simulate(args: argparse.Namespace) -> int:
    scenario, config = load_scenario(args.scenario)
    if args.branch:
        data = config.model_dump(mode="python")
        data["branch"]["id"] = args.branch
        from server.core.config import parse_branch_config

        config = parse_branch_config(data, f"--branch {args.branch}")
    policies = list(POLICIES) if args.compare else [args.policy]
    if args.journal and len(policies) > 1:
        raise ConfigError("--journal writes one policy's days: give --policy, not --compare")
    days = args.days or scenario.scenario.days
    start = args.start or scenario.scenario.start
    results: list[SimResult] = []
    for policy in policies:
        if args.journal:
            journal, factory = _journal_driver(args.journal, b"simulator", start)
            try:
                results.append(
                    simulate(
                        scenario,
                        config,
                        policy=policy,
                        days=days,
                        seed=args.seed,
                        start=start,
                        driver_factory=factory,
                    )
                )
            finally:
                journal.close()
        else:
            results.append(simulate(scenario, config, policy=policy, days=days, seed=args.seed, start=start))
    if args.json:
        for result in results:
            print(json.dumps(result.metrics, ensure_ascii=False))
        return 0
    seed = scenario.scenario.seed if args.seed is None else args.seed
    print(
        f"scenario {scenario.scenario.name}: {days} day(s) from {start}, seed {seed}, branch {config.branch.id}"
    )
    if len(results) > 1:
        print(comparison_table([r.metrics for r in results]))
        print("(minutes; every policy saw the same customers)")
    else:
        for key, value in results[0].metrics.items():
            print(f"  {key:<18} {value}")
    total = sum(r.seconds for r in results)
    print(
        f"simulated {days * len(results)} day(s) in {total:.1f} s"
        + (f"; journal written to {args.journal}" if args.journal else ""),
        file=sys.stderr,
    )
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``dawr simulate``."""
    sim = subparsers.add_parser(
        "simulate",
        help="simulate hall days on the real engine and compare call-next policies",
        description="A discrete-event simulation of whole hall days driving the real engine.",
    )
    sim.add_argument(
        "--scenario",
        required=True,
        metavar="NAME|FILE",
        help="a shipped scenario (seed-day) or a scenario TOML file",
    )
    group = sim.add_mutually_exclusive_group()
    group.add_argument("--policy", choices=POLICIES, default="dawr", help="the policy to run (default: dawr)")
    group.add_argument("--compare", action="store_true", help="run every policy on the same customers")
    sim.add_argument(
        "--days", type=int, metavar="N", help="working days to simulate (default: the scenario's)"
    )
    sim.add_argument("--seed", type=int, metavar="N", help="random seed (default: the scenario's)")
    sim.add_argument("--start", type=iso_date, metavar="DATE", help="first day (default: the scenario's)")
    sim.add_argument(
        "--branch", metavar="ID", help="simulate under this branch id (e.g. to keep journals apart)"
    )
    sim.add_argument("--json", action="store_true", help="one JSON object per policy, one per line")
    sim.add_argument(
        "--journal", metavar="DBURL", help="write the simulated days into this journal (one policy)"
    )
    sim.set_defaults(func=_cmd_simulate)
