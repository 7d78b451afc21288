"""Simulator and call-next benchmarks (figures go to docs/performance.md, "Simulator and call-next policy").

Run: ``.venv/bin/python bench/bench_sim.py [--days 20]``. Prints the seed-day comparison (targets: dawr mean
wait ≤ 1.10 × pooled-fifo with appt_on_time_pct ≥ 95, clearly below dedicated-fifo on mean and p90), the
time of one simulated 400-customer day (target < 0.5 s) and of one engine call-next with 10,000 waiting
tickets (target < 1 ms).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from server.core.config import parse_branch_config
from server.core.engine import CallNext, Finish, HallEngine, IssueTicket, OpenCounter, StartService
from server.core.errors import DomainError
from server.sim.cli import comparison_table
from server.sim.simulator import POLICIES, load_scenario, simulate


def bench_compare(days: int, seed: int) -> None:
    scenario, config = load_scenario("seed-day")
    results = [simulate(scenario, config, policy=p, days=days, seed=seed) for p in POLICIES]
    print(f"seed-day, {days} days, seed {seed}")
    print(comparison_table([r.metrics for r in results]))
    by = {r.policy: r.metrics for r in results}
    ratio = by["dawr"]["avg_wait_min"] / by["pooled-fifo"]["avg_wait_min"]
    print(
        f"dawr / pooled-fifo mean wait = {ratio:.3f} (target ≤ 1.10); dawr appt on time "
        f"{by['dawr']['appt_on_time_pct']} % (target ≥ 95)"
    )


def bench_day() -> None:
    scenario, config = load_scenario("seed-day")
    times = []
    for seed in range(1, 6):
        result = simulate(scenario, config, policy="dawr", days=1, seed=seed)
        times.append(result.seconds)
    customers = result.metrics["customers"]
    print(
        f"one simulated day (~{customers} customers, incl. analysis): median {statistics.median(times) * 1000:.0f} ms, "
        f"max {max(times) * 1000:.0f} ms (target < 500 ms)"
    )


def bench_call_next(waiting: int = 10_000, calls: int = 200) -> None:
    services = [
        {"id": f"s{i}", "prefix": chr(65 + i), "name_ar": "خدمة", "name_en": f"S{i}"} for i in range(12)
    ]
    config = parse_branch_config(
        {
            "branch": {"id": "bench", "name_ar": "ب", "name_en": "Bench", "hours": {"sun": "00:00-24:00"}},
            "services": services,
            "counters": [
                {
                    "number": n,
                    "name_ar": "ش",
                    "name_en": f"C{n}",
                    "appointments": n <= 2,
                    "services": {s["id"]: 1 + (n + i) % 3 for i, s in enumerate(services)},
                }
                for n in range(1, 9)
            ],
        }
    )
    engine = HallEngine(config)
    now = datetime(2025, 1, 5, 0, 1, tzinfo=ZoneInfo("Asia/Bahrain"))
    engine.advance(now)
    for n in range(1, 9):
        engine.execute(OpenCounter(n, f"e{n}"), now)
    for i in range(waiting):
        now += timedelta(seconds=1)
        engine.execute(IssueTicket(f"s{i % 12}", priority=i % 17 == 0), now)
    assert sum(engine.waiting_count(f"s{i}") for i in range(12)) == waiting
    samples = []
    for k in range(calls):
        counter = 1 + k % 8
        now += timedelta(seconds=1)
        engine.advance(now)
        start = time.perf_counter()
        engine.execute(CallNext(counter), now)
        samples.append(time.perf_counter() - start)
        engine.execute(StartService(counter), now)
        engine.execute(Finish(counter, "completed"), now)
    samples.sort()
    print(
        f"engine CallNext with {waiting:,} waiting: median {statistics.median(samples) * 1e6:.0f} µs, "
        f"p99 {samples[int(len(samples) * 0.99) - 1] * 1e6:.0f} µs, max {samples[-1] * 1e6:.0f} µs (target < 1 ms)"
    )
    with contextlib.suppress(DomainError):
        engine.execute(CallNext(99), now)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    bench_call_next()
    bench_day()
    bench_compare(args.days, args.seed)
