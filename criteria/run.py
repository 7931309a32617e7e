"""One scoring run as the front ends use it: score, shortlist, explain, export.

The CLI and the app both call :func:`run_scoring`; the result carries everything needed to
show, export and reproduce it (the scenario).
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

from criteria.profiles import Profile
from criteria.scoring import explain, score_candidates
from criteria.shortlist import select_shortlist
from geo.export import geojson_dict

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
)

_VERSIONED = ("plekwijzer", "geopandas", "shapely", "pyproj", "pandas", "numpy")


@dataclass(frozen=True)
class ShortlistOptions:
    """How the shortlist is picked: top N, spacing in metres, caps per buurt / gemeente."""

    top_n: int = 10
    min_spacing_m: float = 0.0
    max_per_buurt: int | None = None
    max_per_gemeente: int | None = None
    #: 0 picks by score; above 0 trades score against a more even spread (geo.evenness).
    evenness_weight: float = 0.0


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
    warnings
        Messages for the user (e.g. optional criteria dropped for lack of data).
    """

    profile: Profile
    weights: dict[str, float]
    table: gpd.GeoDataFrame
    options: ShortlistOptions
    warnings: list[str] = field(default_factory=list)

    @property
    def shortlist(self) -> gpd.GeoDataFrame:
        """The shortlisted sites in rank order."""
        picked = self.table[self.table["shortlisted"]]
        return picked.sort_values("rank")

    def explanation(self, site_id: str) -> dict[str, dict[str, Any]]:
        """Per criterion ``{raw, transformed, weight, contribution, …}`` for one site."""
        return explain(self.table.loc[site_id], self.profile)

    def criteria_records(self) -> pd.Series:
        """Return per site the ``criteria`` export property.

        Each value is ``{criterion: {raw, transformed, weight, contribution}}``.
        """
        names = [n for n in self.weights if f"raw__{n}" in self.table.columns]
        records = []
        for _, row in self.table.iterrows():
            records.append(
                {
                    n: {
                        "raw": _raw(row[f"raw__{n}"]),
                        "transformed": float(row[f"transformed__{n}"]),
                        "weight": self.weights[n],
                        "contribution": float(row[f"contribution__{n}"]),
                    }
                    for n in names
                }
            )
        return pd.Series(records, index=self.table.index, name="criteria")

    def feature_collection(self) -> dict[str, Any]:
        """Return the RFC 7946 FeatureCollection of every candidate, excluded ones included."""
        frame = self.table.assign(criteria=self.criteria_records())
        frame["rank"] = frame["rank"].astype(object).where(frame["rank"].notna(), None)
        return geojson_dict(frame, properties=list(EXPORT_PROPERTIES))


def _raw(value: Any) -> Any:
    if isinstance(value, str):
        return value
    try:
        return None if pd.isna(value) else float(value)
    except (TypeError, ValueError):
        return str(value)


def run_scoring(
    features: gpd.GeoDataFrame,
    profile: Profile,
    *,
    weights: Mapping[str, float] | None = None,
    options: ShortlistOptions | None = None,
) -> ScoringRun:
    """Score every candidate, pick the shortlist and keep what explains both.

    Parameters
    ----------
    features
        The candidate feature table (:func:`geo.features.candidate_features`).
    profile
        The facility profile.
    weights
        Weight overrides by criterion name.
    options
        Shortlist options.

    Returns
    -------
    ScoringRun
    """
    options = options or ShortlistOptions()
    if weights:
        profile = profile.with_weights(weights)
    result = score_candidates(features, profile)
    keep = [
        "id",
        "name",
        "use",
        "buurtcode",
        "wijkcode",
        "gemeentecode",
        "location_precision",
        features.geometry.name,
    ]
    table = gpd.GeoDataFrame(
        features[keep].join(result), geometry=features.geometry.name, crs=features.crs
    )
    table["shortlisted"] = select_shortlist(
        table,
        top_n=options.top_n,
        min_spacing_m=options.min_spacing_m,
        max_per_buurt=options.max_per_buurt,
        max_per_gemeente=options.max_per_gemeente,
    )
    used = {k: float(v) for k, v in result.attrs.get("weights", profile.weights).items()}
    return ScoringRun(
        profile=profile,
        weights=used,
        table=table,
        options=options,
        warnings=list(result.attrs.get("warnings", [])),
    )


def scenario_dict(
    run: ScoringRun, *, region: Mapping[str, Any], data: Mapping[str, Any]
) -> dict[str, Any]:
    """Return the scenario file: everything needed to reproduce a run.

    Parameters
    ----------
    run
        The run.
    region
        ``{"name", "gemeenten"}``.
    data
        Data sources: the data directory, whether synthetic, the inventory and register files.
    """
    versions = {}
    for package in _VERSIONED:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    versions["python"] = platform.python_version()
    return {
        "plekwijzer_scenario": 1,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "region": dict(region),
        "profile": run.profile.to_dict(),
        "weights": run.weights,
        "constraints": [
            {
                "name": c.name,
                "rule": " or ".join(clause.describe() for clause in c.clauses),
                "rationale": c.rationale,
            }
            for c in run.profile.constraints
        ],
        "shortlist": {
            "top_n": run.options.top_n,
            "min_spacing_m": run.options.min_spacing_m,
            "max_per_buurt": run.options.max_per_buurt,
            "max_per_gemeente": run.options.max_per_gemeente,
            "evenness_weight": run.options.evenness_weight,
            "ids": list(run.shortlist["id"]),
        },
        "data": dict(data),
        "versions": versions,
        "warnings": run.warnings,
    }
