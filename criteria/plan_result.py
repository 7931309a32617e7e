"""Typed results of the regional plan: per gemeente, the frontier, the whole plan.

:class:`PlanResult` is what the CLI writes (``--summary``), the report's page "Verdeelplan"
and the app's tab show; :meth:`PlanResult.summary` is the JSON contract of
``plekwijzer plan --summary``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from geo.labels import HEADLINE_INDEX, HEADLINE_LABEL

__all__ = ["INDEX_LABEL", "INDEX_NAME", "FrontierPoint", "GemeentePlan", "PlanResult"]

#: The headline evenness index (one name in the app, the CLI and the report).
INDEX_NAME = HEADLINE_INDEX
INDEX_LABEL = f"{HEADLINE_LABEL}, over de gemeenten"

#: The evenness values of the frontier.
FRONTIER_EVENNESS = (0.0, 0.25, 0.5, 0.75, 1.0)


def _number(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), 6)


@dataclass(frozen=True)
class GemeentePlan:
    """One gemeente's row of the plan (places; ``inwoners`` as CBS publishes them).

    ``fair_share = share × (existing total + N)``; ``target = max(0, fair_share −
    existing)``; ``shortfall = max(0, target − planned)``; ``reason`` says in Dutch why a
    shortfall of at least one place remains (None otherwise).
    """

    gemeentecode: str
    naam: str
    inwoners: float
    share: float
    existing: float
    fair_share: float
    target: float
    planned: float
    sites: int
    eligible_sites: int
    shortfall: float
    reason: str | None

    def summary(self) -> dict[str, Any]:
        """Return the row of ``--summary``'s ``gemeenten`` list."""
        return {
            "gemeentecode": self.gemeentecode,
            "naam": self.naam,
            "inwoners": _number(self.inwoners),
            "share": _number(self.share),
            "existing": _number(self.existing),
            "fair_share": _number(self.fair_share),
            "target": _number(self.target),
            "planned": _number(self.planned),
            "shortfall": _number(self.shortfall),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class FrontierPoint:
    """The plan at one evenness: the index after it and its mean suitability."""

    evenness: float
    index_after: float
    mean_score: float
    planned_places: float
    deviation: float

    def summary(self) -> dict[str, Any]:
        """Return the entry of ``--summary``'s ``frontier`` list."""
        return {
            "evenness": self.evenness,
            "index_after": _number(self.index_after),
            "mean_score": _number(self.mean_score),
        }


@dataclass(frozen=True)
class PlanResult:
    """A regional plan: which sites, how many places per gemeente, what evenness costs.

    Attributes
    ----------
    key, key_label
        The fair-share key (``inwoners``, ``draagkracht`` or a CSV path) and its Dutch label.
    types_counted
        The existing facility types whose places count as existing.
    places
        ``N``, the places asked.
    evenness
        The evenness the plan was made for.
    site_ids
        The planned sites, best score first.
    site_places
        Places per planned site, aligned to ``site_ids``.
    gemeenten
        One row per gemeente of the region.
    index_before, index_after
        :data:`INDEX_NAME` before and with the plan.
    mean_score
        Mean suitability of the planned sites.
    mean_score_best
        Mean suitability of the best-sites plan (evenness 0: same places, no key).
    frontier
        The plan at the evenness values of :data:`FRONTIER_EVENNESS`.
    status, gap, solve_s
        CBC's verdict (``optimaal`` or ``tijdslimiet``), the relative optimality gap and the
        seconds spent solving.
    """

    key: str
    key_label: str
    types_counted: tuple[str, ...]
    places: int
    evenness: float
    site_ids: tuple[str, ...]
    site_places: tuple[float, ...]
    gemeenten: tuple[GemeentePlan, ...]
    index_before: float
    index_after: float
    mean_score: float
    mean_score_best: float
    frontier: tuple[FrontierPoint, ...]
    status: str
    gap: float
    solve_s: float

    @property
    def planned_places(self) -> float:
        """Places in the plan."""
        return float(sum(self.site_places))

    def summary(self) -> dict[str, Any]:
        """Return the ``--summary`` JSON (the CLI contract of issue 17, plus ``solver``)."""
        return {
            "key": self.key,
            "types_counted": list(self.types_counted),
            "places": self.places,
            "gemeenten": [g.summary() for g in self.gemeenten],
            "evenness_index": {
                "name": INDEX_NAME,
                "label": INDEX_LABEL,
                "before": _number(self.index_before),
                "after": _number(self.index_after),
            },
            "mean_score": _number(self.mean_score),
            "mean_score_best": _number(self.mean_score_best),
            "frontier": [p.summary() for p in self.frontier],
            "solver": {
                "status": self.status,
                "gap": _number(self.gap),
                "evenness": self.evenness,
                "planned_places": _number(self.planned_places),
                "sites": len(self.site_ids),
            },
        }

    def record(self) -> dict[str, Any]:
        """Return the plan's record for the GeoJSON and the scenario file (no timings)."""
        return {
            "key": self.key,
            "places": self.places,
            "evenness": self.evenness,
            "planned_places": _number(self.planned_places),
            "ids": list(self.site_ids),
            "index": INDEX_NAME,
            "index_before": _number(self.index_before),
            "index_after": _number(self.index_after),
            "status": self.status,
            "gap": _number(self.gap),
        }
