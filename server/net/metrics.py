"""Prometheus text-format metrics, hand-written (a few counters, gauges and one histogram).

``Metrics`` is filled by the server as commands run; ``render(gauges)`` gives the text for ``/metrics``
with the gauges the caller reads from the live state (waiting per service, connected clients).
"""

from __future__ import annotations

import bisect
from collections import defaultdict

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


def _labels(labels: dict[str, str]) -> str:
    if not labels:
        return ""
    inner = ",".join(
        f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34)).replace(chr(10), " ")}"'
        for k, v in sorted(labels.items())
    )
    return "{" + inner + "}"


class Histogram:
    """Cumulative-bucket histogram of seconds."""

    def __init__(self) -> None:
        self.counts = [0] * (len(BUCKETS) + 1)
        self.total = 0.0
        self.n = 0

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(BUCKETS, seconds)] += 1
        self.total += seconds
        self.n += 1


class Metrics:
    """Counters since the server started: tickets issued, calls, overruns, commands; command latency."""

    def __init__(self) -> None:
        self.tickets_issued: dict[str, int] = defaultdict(int)
        self.calls = 0
        self.recalls = 0
        self.overruns = 0
        self.commands: dict[tuple[str, str], int] = defaultdict(int)
        self.latency: dict[str, Histogram] = defaultdict(Histogram)
        self.refused_frames = 0
        self.policy_closes = 0

    def command(self, kind: str, result: str, seconds: float) -> None:
        """Count one handled request and its time."""
        self.commands[(kind, result)] += 1
        self.latency[kind].observe(seconds)

    def render(self, waiting: dict[str, int], clients: dict[str, int], last_seq: int, uptime: float) -> str:
        """The metrics page (Prometheus text exposition format 0.0.4)."""
        out: list[str] = []

        def family(name: str, kind: str, help_text: str) -> None:
            out.append(f"# HELP {name} {help_text}")
            out.append(f"# TYPE {name} {kind}")

        family("dawr_tickets_issued_total", "counter", "Tickets issued since the server started, by service.")
        for service, n in sorted(self.tickets_issued.items()):
            out.append(f"dawr_tickets_issued_total{_labels({'service': service})} {n}")
        family("dawr_calls_total", "counter", "Tickets called to a counter since the server started.")
        out.append(f"dawr_calls_total {self.calls}")
        family("dawr_recalls_total", "counter", "Recalls since the server started.")
        out.append(f"dawr_recalls_total {self.recalls}")
        family("dawr_cap_overruns_total", "counter", "Customers who passed the service time cap.")
        out.append(f"dawr_cap_overruns_total {self.overruns}")
        family("dawr_waiting", "gauge", "Tickets waiting now, by service.")
        for service, n in waiting.items():
            out.append(f"dawr_waiting{_labels({'service': service})} {n}")
        family("dawr_connected_clients", "gauge", "Open websocket connections, by role.")
        for role, n in clients.items():
            out.append(f"dawr_connected_clients{_labels({'role': role})} {n}")
        family("dawr_journal_seq", "gauge", "Newest journal sequence number of the branch.")
        out.append(f"dawr_journal_seq {last_seq}")
        family("dawr_uptime_seconds", "gauge", "Seconds since the server started.")
        out.append(f"dawr_uptime_seconds {uptime:.3f}")
        family("dawr_requests_total", "counter", "Requests handled, by type and result (ok or error code).")
        for (kind, result), n in sorted(self.commands.items()):
            out.append(f"dawr_requests_total{_labels({'type': kind, 'result': result})} {n}")
        family("dawr_refused_frames_total", "counter", "Frames refused before dispatch (size, rate, JSON).")
        out.append(f"dawr_refused_frames_total {self.refused_frames}")
        family("dawr_policy_closes_total", "counter", "Connections closed for abuse (code 1008).")
        out.append(f"dawr_policy_closes_total {self.policy_closes}")
        family("dawr_request_seconds", "histogram", "Time to handle a request, by type.")
        for kind, hist in sorted(self.latency.items()):
            cumulative = 0
            for bound, count in zip((*BUCKETS, float("inf")), hist.counts, strict=True):
                cumulative += count
                le = "+Inf" if bound == float("inf") else f"{bound:g}"
                out.append(f"dawr_request_seconds_bucket{_labels({'type': kind, 'le': le})} {cumulative}")
            out.append(f"dawr_request_seconds_sum{_labels({'type': kind})} {hist.total:.6f}")
            out.append(f"dawr_request_seconds_count{_labels({'type': kind})} {hist.n}")
        return "\n".join(out) + "\n"
