"""The report over several branches: each branch's breakdown and the ministry-wide total.

``branch_labels`` names each branch — from HQ's branch registry (server/store/branches.py), else from a
branch configuration of the same id, else by its id (``source`` says which, so the page can say so).
``ministry_figures`` adds to the ministry-wide figures (``Figures.as_dict()`` over every branch, the same
shape as a one-branch report) ``branch_names`` and ``per_branch``: per branch its summary, services, days
and counters, computed from that branch's events alone with that branch's configuration. The ministry
total is computed from all the events at once, so its counts are the sums of the branches' and its waits,
percentiles and shares are over all the ministry's customers (not averages of branch figures).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from server.core.config import BranchConfig
from server.core.events import Event
from server.reports.figures import analyze
from server.store.branches import BranchName

NameSource = Literal["registry", "config", "id"]


@dataclass(frozen=True)
class BranchLabel:
    """How the report names a branch, and where the name came from."""

    branch_id: str
    name_ar: str
    name_en: str
    source: NameSource

    def as_dict(self) -> dict[str, str]:
        return {"name_ar": self.name_ar, "name_en": self.name_en, "source": self.source}


def branch_labels(
    branches: Iterable[str], registry: Mapping[str, BranchName], configs: Iterable[BranchConfig]
) -> dict[str, BranchLabel]:
    """The name of each of ``branches``: the registry's, else the configuration's of that id, else the id."""
    by_id = {config.branch.id: config for config in configs}
    labels: dict[str, BranchLabel] = {}
    for branch in branches:
        if (known := registry.get(branch)) is not None:
            labels[branch] = BranchLabel(branch, known.name_ar, known.name_en, "registry")
        elif (config := by_id.get(branch)) is not None:
            labels[branch] = BranchLabel(branch, config.branch.name_ar, config.branch.name_en, "config")
        else:
            labels[branch] = BranchLabel(branch, branch, branch, "id")
    return labels


def unnamed(labels: Mapping[str, BranchLabel]) -> list[str]:
    """The ids of the branches no name is known for."""
    return [branch for branch, label in labels.items() if label.source == "id"]


def ministry_figures(
    rows: Sequence[tuple[str, int, Event]],
    config_for: Callable[[str], BranchConfig],
    default: BranchConfig,
    labels: Mapping[str, BranchLabel],
) -> dict[str, Any]:
    """The ministry-wide figures of ``rows`` (journal rows of any number of branches, in journal order)
    with ``branch_names`` and ``per_branch`` (in the order the branches appear in ``rows``)."""
    by_branch: dict[str, list[tuple[str, int, Event]]] = {}
    for row in rows:
        by_branch.setdefault(row[0], []).append(row)
    own = {branch: config_for(branch) for branch in by_branch}
    data = analyze(rows, default, configs=own).as_dict()
    data["branch_names"] = {branch: labels[branch].as_dict() for branch in data["branches"]}
    per_branch = []
    for branch, events in by_branch.items():
        part = analyze(events, own[branch]).as_dict()
        label = labels[branch]
        per_branch.append(
            {
                "branch": branch,
                "name_ar": label.name_ar,
                "name_en": label.name_en,
                "name_source": label.source,
                "from": part["from"],
                "to": part["to"],
                "days": part["days"],
                "summary": part["summary"],
                "services": part["services"],
                "per_day": part["per_day"],
                "counters": part["counters"],
            }
        )
    data["per_branch"] = per_branch
    return data
