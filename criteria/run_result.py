"""The result types of a scenario run: :class:`ScoringRun` and :class:`ScenarioResult`.

:mod:`criteria.run` computes them (prepare once, run per weighing) and re-exports them; this
module only holds what a run gives and how it is read: the scored table with its
explanations, the shortlist, the spread before and after (:class:`geo.spread_result.
ScenarioSpread`), sensitivity and coverage, and the records a run writes (the GeoJSON
members, the scenario file).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from criteria.profiles import Profile
from criteria.scenario import Scenario, ShortlistOptions
from criteria.scoring import ScoreResult
from geo.datadir import DataSource
from geo.export import GeoJSONStream, geojson_dict
from geo.labels import HEADLINE_INDEX
from geo.regions import Region
from geo.spread_result import ScenarioSpread
from geo.workspace import RegionData

if TYPE_CHECKING:
    from criteria.coverage_plan import CoveragePlan
    from criteria.run import Prepared
    from criteria.sensitivity import SensitivityReport

__all__ = [
    "EXPORT_PROPERTIES",
    "OPTIONAL_EXPORT_PROPERTIES",
    "ScenarioResult",
    "ScoringRun",
    "facility_type_of",
]


#: Properties of every exported candidate feature (the CLI contract).
EXPORT_PROPERTIES = (
    "id",
    "name",
    "score",
    "rank",
    "excluded",
    "exclusion_reasons",
    "criteria",
    "shortlisted",
    "buurtcode",
    "gemeentecode",
    "checks",
)

#: Exported when present: ``stability`` when sensitivity ran (the share of weight draws in
#: which a site stays in the top N); ``skip_reason`` when a better-ranked site was skipped.
OPTIONAL_EXPORT_PROPERTIES = ("stability", "skip_reason")


@dataclass(frozen=True)
class ScoringRun:
    """The outcome of one run.

    Attributes
    ----------
    profile
        The profile with the weights actually used.
    weights
        Normalised weights used, by criterion.
    table
        Candidates (geometry, ids, codes) joined with the scoring result and ``shortlisted``.
    options
        The shortlist options.
    scores
        The weighed criteria matrix (scores, ranks, explanations).
    warnings
        Messages for the user (e.g. optional criteria dropped for lack of data).
    """

    profile: Profile
    weights: dict[str, float]
    table: gpd.GeoDataFrame
    options: ShortlistOptions
    scores: ScoreResult
    warnings: list[str] = field(default_factory=list)

    @property
    def shortlist(self) -> gpd.GeoDataFrame:
        """The shortlisted sites in rank order."""
        picked = self.table[self.table["shortlisted"]]
        return picked.sort_values("rank")

    def explanation(self, site_id: str) -> dict[str, dict[str, Any]]:
        """Per criterion ``{raw, transformed, weight, contribution, …}`` for one site."""
        return self.scores.explain(site_id)

    def criteria_records(self, frame: pd.DataFrame | None = None) -> pd.Series:
        """Return per site the ``criteria`` export property.

        Each value is ``{criterion: {raw, transformed, weight, contribution, source}}``;
        ``source`` says how the raw value was obtained: ``measured`` (a recorded attribute or
        a distance to loaded points), ``network`` (walking over the road network),
        ``straight_line`` (straight line × detour factor, off the network) or ``estimate``
        (from buurt figures).

        Parameters
        ----------
        frame
            Rows of :attr:`table` (e.g. one export chunk); default all.

        Returns
        -------
        pandas.Series
            Named ``criteria``, aligned to ``frame``.
        """
        frame = self.table if frame is None else frame
        names = [n for n in self.weights if f"raw__{n}" in frame.columns]
        columns = {
            n: (
                [_raw(v) for v in frame[f"raw__{n}"].to_numpy(dtype=object)],
                frame[f"transformed__{n}"].to_numpy(dtype=float).tolist(),
                frame[f"contribution__{n}"].to_numpy(dtype=float).tolist(),
                (
                    frame[f"source__{n}"].fillna("measured").to_numpy(dtype=object)
                    if f"source__{n}" in frame.columns
                    else np.full(len(frame), "measured", dtype=object)
                ),
            )
            for n in names
        }
        records = [
            {
                n: {
                    "raw": raw[i],
                    "transformed": transformed[i],
                    "weight": self.weights[n],
                    "contribution": contribution[i],
                    "source": str(source[i] or "measured"),
                }
                for n, (raw, transformed, contribution, source) in columns.items()
            }
            for i in range(len(frame))
        ]
        return pd.Series(records, index=frame.index, name="criteria", dtype=object)

    def _export_rows(self, frame: pd.DataFrame) -> pd.DataFrame:
        rank = frame["rank"].astype(object).where(frame["rank"].notna(), None)
        return frame.assign(criteria=self.criteria_records(frame), rank=rank)

    @property
    def export_properties(self) -> list[str]:
        """The GeoJSON properties of this run: the contract, plus the optional ones present."""
        optional = [c for c in OPTIONAL_EXPORT_PROPERTIES if c in self.table.columns]
        if "skip_reason" in optional and self.table["skip_reason"].isna().all():
            optional.remove("skip_reason")
        return [*EXPORT_PROPERTIES, *optional]

    def feature_collection(self) -> dict[str, Any]:
        """Return the RFC 7946 FeatureCollection of every candidate, excluded ones included."""
        return geojson_dict(self._export_rows(self.table), properties=self.export_properties)

    def geojson_stream(self, members: Mapping[str, Any]) -> GeoJSONStream:
        """Return the same collection as a stream written a chunk at a time (large runs).

        Parameters
        ----------
        members
            Extra top-level members, e.g. ``{"plekwijzer": {...}}``.

        Returns
        -------
        geo.export.GeoJSONStream
        """
        return GeoJSONStream(
            self.table, self.export_properties, members=members, enrich=self._export_rows
        )


def _raw(value: Any) -> Any:
    if isinstance(value, str):
        return value
    try:
        return None if pd.isna(value) else float(value)
    except (TypeError, ValueError):
        return str(value)


@dataclass(frozen=True)
class ScenarioResult:
    """Everything one scenario gives: what the app shows and the CLI writes.

    Attributes
    ----------
    scenario
        The question asked.
    region, source, data
        The region, its data directory and its loaded layers.
    scoring
        Scores with explanations, the shortlist, the weights used, warnings.
    spread
        The spread at ``scenario.spread_level`` before and after adding the shortlist
        (:func:`geo.spread_report.scenario_report`).
    sensitivity
        The weight-sensitivity report when ``scenario.sensitivity`` > 0, else None.
    coverage
        The coverage plan when ``scenario.coverage`` is set, else None.
    prepared
        The prepared stage the result was weighed from (spreads at other levels, coverage
        for other reaches and other weights come from it without a new matrix).
    inputs
        How the inventory and register were given (file names, or uploads by content hash).
    """

    scenario: Scenario
    region: Region
    source: DataSource
    data: RegionData
    scoring: ScoringRun
    spread: ScenarioSpread
    prepared: Prepared = field(compare=False, repr=False)
    sensitivity: SensitivityReport | None = None
    coverage: CoveragePlan | None = None
    inputs: Mapping[str, str] = field(default_factory=dict)

    @property
    def profile(self) -> Profile:
        """The effective profile."""
        return self.scoring.profile

    @property
    def table(self) -> gpd.GeoDataFrame:
        """Every candidate with score, rank, exclusion, explanation columns, shortlist."""
        return self.scoring.table

    @property
    def shortlist(self) -> gpd.GeoDataFrame:
        """The shortlisted sites in rank order."""
        return self.scoring.shortlist

    def spread_at(self, level: str, *, facility_type: str | None = None) -> ScenarioSpread:
        """Return the before/after spread at another level or for one facility type.

        Parameters
        ----------
        level
            ``gemeente``, ``wijk`` or ``buurt``.
        facility_type
            One type, or None for all.

        Returns
        -------
        geo.spread_result.ScenarioSpread
            As :attr:`spread`.
        """
        if (level, facility_type) == (self.scenario.spread_level, None):
            return self.spread
        return self.prepared.spread_after(self.scoring, level=level, facility_type=facility_type)

    def export_members(self) -> dict[str, Any]:
        """Return the run's own record in the GeoJSON (profile, region, spread summary)."""
        return {
            "plekwijzer": {
                "profile": self.profile.name,
                "facility_type": facility_type_of(self.profile),
                "region": self.region.name,
                "spread": {
                    "level": self.spread.level,
                    # The headline index (geo.labels.HEADLINE_INDEX), named.
                    "index": HEADLINE_INDEX,
                    "gini_before": _number(self.spread.headline.before),
                    "gini_after": _number(self.spread.headline.after),
                },
            }
        }

    def feature_collection(self) -> dict[str, Any]:
        """Return the GeoJSON export: every candidate, and the run's own record.

        The contract's properties plus names, the inventory's own columns and flat criteria
        columns (:mod:`criteria.export_rows`).
        """
        from criteria.export_rows import enricher, export_properties

        rows = enricher(self)(self.table)
        return geojson_dict(rows, properties=export_properties(self)) | self.export_members()

    def geojson_stream(self) -> GeoJSONStream:
        """Return the GeoJSON export as a stream, for :func:`geo.export.write_export_pair`."""
        from criteria.export_rows import enricher, export_properties

        return GeoJSONStream(
            self.table,
            export_properties(self),
            members=self.export_members(),
            enrich=enricher(self),
        )

    def scenario_file(self) -> dict[str, Any]:
        """Return the ``.scenario.json``: the scenario plus a record of the result."""
        from criteria.scenario_file import scenario_file_dict

        return scenario_file_dict(
            self.scenario,
            source=self.source,
            inputs=self.inputs,
            shortlist_ids=list(self.shortlist["id"]),
            warnings=self.scoring.warnings,
            coverage=self.coverage,
        )


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def facility_type_of(profile: Profile) -> str:
    """Return the facility type a profile sites (its ``facility_type``, never its name)."""
    return profile.require_facility_type()
