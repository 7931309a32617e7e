"""The result of a coverage plan (:func:`criteria.coverage.solve_coverage`).

Typed, frozen records; :meth:`CoverageResult.to_dict` is the JSON contract of
``plekwijzer cover``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Model = Literal["lscp", "mclp"]

#: How the second solve breaks ties, as recorded in results and exports.
TIE_BREAK = "max total suitability score among optimal plans (second solve)"


@dataclass(frozen=True)
class BuurtDemand:
    """A buurt's inhabitants, as listed among the uncovered or unreachable buurten."""

    buurtcode: str
    inhabitants: float


@dataclass(frozen=True)
class CoverSite:
    """A chosen new site.

    Attributes
    ----------
    id
        Candidate id.
    cover_rank
        1 for the site that adds most inhabitants to the existing cover, 2 for the next
        given the first, and so on (ties by score, then id).
    score
        Suitability score (0–1).
    adds_inhabitants
        Inhabitants it newly covers at its rank.
    covers_inhabitants
        Inhabitants within its reach, overlap with other sites included.
    """

    id: str
    cover_rank: int
    score: float
    adds_inhabitants: float
    covers_inhabitants: float


@dataclass(frozen=True)
class CoverageResult:
    """The outcome of one coverage plan; :meth:`to_dict` is the CLI's JSON contract.

    Shares are of ``inhabitants``, the total of every inhabited buurt (unreachable ones too).
    """

    model: Model
    reach_m: float
    existing_ids: tuple[str, ...]
    sites: tuple[CoverSite, ...]
    inhabitants: float
    covered_before: float
    covered_after: float
    uncovered: tuple[BuurtDemand, ...]
    unreachable: tuple[BuurtDemand, ...]
    solve_s: float
    sites_asked: int | None = None
    sites_needed: int | None = None
    #: Per demand buurtcode the id of the nearest existing or new site within reach, or None.
    served_by: dict[str, str | None] = field(default_factory=dict)

    @property
    def existing(self) -> int:
        """Number of existing facilities of the type (predefined sites)."""
        return len(self.existing_ids)

    @property
    def new_sites(self) -> tuple[str, ...]:
        """Ids of the new sites in cover-rank order."""
        return tuple(site.id for site in self.sites)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON of ``plekwijzer cover`` (plain Python types)."""
        return {
            "reach_m": self.reach_m,
            "model": self.model,
            "existing": self.existing,
            "new_sites": list(self.new_sites),
            "inhabitants": self.inhabitants,
            "covered_before": self.covered_before,
            "covered_after": self.covered_after,
            "uncovered": [_record(b) for b in self.uncovered],
            "solve_s": self.solve_s,
            "unreachable": [_record(b) for b in self.unreachable],
            "sites": [
                {
                    "id": s.id,
                    "cover_rank": s.cover_rank,
                    "score": s.score,
                    "adds_inhabitants": s.adds_inhabitants,
                    "covers_inhabitants": s.covers_inhabitants,
                }
                for s in self.sites
            ],
            "existing_ids": list(self.existing_ids),
            "sites_asked": self.sites_asked,
            "sites_needed": self.sites_needed,
            "tie_break": TIE_BREAK,
        }


def _record(buurt: BuurtDemand) -> dict[str, Any]:
    return {"buurtcode": buurt.buurtcode, "inhabitants": buurt.inhabitants}
