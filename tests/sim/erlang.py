"""An M/M/c hall for validating the simulator against Erlang C."""

from __future__ import annotations

import math
from typing import Any

from server.core.config import BranchConfig, parse_branch_config
from server.sim.simulator import Scenario, parse_scenario

ALL_DAYS = {d: "00:00-23:00" for d in ("sun", "mon", "tue", "wed", "thu", "fri", "sat")}


def erlang_c_wait(arrivals_per_min: float, service_min: float, servers: int) -> float:
    """Mean wait in queue (minutes) of M/M/c."""
    a = arrivals_per_min * service_min
    rho = a / servers
    top = a**servers / math.factorial(servers) / (1 - rho)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(servers)) + top)
    return p_wait * service_min / (servers * (1 - rho))


def mmc(servers: int, arrivals_per_min: float, service_min: float) -> tuple[Scenario, BranchConfig]:
    """One service, ``servers`` counters, Poisson arrivals 00:00–23:00, exponential service."""
    config = parse_branch_config(
        {
            "branch": {"id": "mmc", "name_ar": "اختبار", "name_en": "M/M/c", "hours": ALL_DAYS},
            "services": [
                {
                    "id": "one",
                    "prefix": "A",
                    "name_ar": "خدمة",
                    "name_en": "One",
                    "cap_minutes": 600,
                    "warning_lead_minutes": 1,
                }
            ],
            "counters": [
                {"number": n, "name_ar": f"شباك {n}", "name_en": f"Counter {n}", "services": {"one": 1}}
                for n in range(1, servers + 1)
            ],
            "appointments": {"rollout": "all"},
        }
    )
    data: dict[str, Any] = {
        "scenario": {"name": "mmc", "seed": 7},
        "arrivals": {"walk_ins_per_day": arrivals_per_min * 23 * 60},
        "services": {"one": {"share": 1, "minutes": {"distribution": "exponential", "mean": service_min}}},
    }
    return parse_scenario(data), config
