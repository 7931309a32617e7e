"""One run of a scenario, below both front ends: score, shortlist, spread, sensitivity.

:func:`run_scenario` is the seam: the app and the CLI build a
:class:`~criteria.scenario.Scenario` and show the :class:`ScenarioResult` it returns. Every
figure a user sees — scores, shortlist, inhabitants per unit, Gini — is computed here once.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from criteria.profiles import Profile
from criteria.scenario import SCENARIO_VERSION, Scenario, ShortlistOptions, profile_spec_json
from criteria.scoring import explain, score
from criteria.shortlist import EvennessTarget, pick_sites
from geo._errors import PlekwijzerInputError
from geo.datadir import DataSource, resolve_data_dir
from geo.export import GeoJSONStream, geojson_dict
from geo.facilities import facilities_from_sites
from geo.regions import Region, resolve_region
from geo.settings import DEFAULT_PLACES
from geo.spread_report import scenario_report, spread_report, units_for_level
from geo.workspace import RegionData, load_region_data

if TYPE_CHECKING:
    from criteria.coverage_plan import CoveragePlan

__all__ = [
    "EXPORT_PROPERTIES",
    "ScenarioResult",
    "ScoringRun",
    "ShortlistOptions",
    "run_scenario",
    "run_scoring",
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

#: Exported when sensitivity ran: the share of weight draws in which a site stays in the top N.
OPTIONAL_EXPORT_PROPERTIES = ("stability",)

_VERSIONED = ("plekwijzer", "geopandas", "shapely", "pyproj", "pandas", "numpy")


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
        """The GeoJSON properties of this run: the contract, plus ``stability`` if run."""
        optional = [c for c in OPTIONAL_EXPORT_PROPERTIES if c in self.table.columns]
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


def run_scoring(
    features: gpd.GeoDataFrame,
    profile: Profile,
    *,
    weights: Mapping[str, float] | None = None,
    options: ShortlistOptions | None = None,
    evenness: EvennessTarget | None = None,
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
    evenness
        The spread the evenness-aware pick weighs against; needed when
        ``options.evenness_weight`` is above 0 (see :func:`evenness_target`).

    Returns
    -------
    ScoringRun
    """
    options = options or ShortlistOptions()
    if weights:
        profile = profile.with_weights(weights)
    result = score(features, profile)
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
        features[keep].join(result.table), geometry=features.geometry.name, crs=features.crs
    )
    if options.evenness_weight > 0 and evenness is None:
        msg = "an evenness weight above 0 needs the region's spread (evenness_target)"
        raise ValueError(msg)
    picks = pick_sites(
        table,
        top_n=options.top_n,
        min_spacing_m=options.min_spacing_m,
        max_per_buurt=options.max_per_buurt,
        max_per_gemeente=options.max_per_gemeente,
        evenness=evenness if options.evenness_weight > 0 else None,
    )
    table["shortlisted"] = picks.shortlisted
    table["pick_order"] = picks.pick_order
    used = {k: float(v) for k, v in result.weights.items()}
    return ScoringRun(
        profile=profile,
        weights=used,
        table=table,
        options=options,
        warnings=list(result.warnings),
    )


def evenness_target(data: RegionData, profile: Profile, weight: float) -> EvennessTarget:
    """Return what the evenness-aware shortlist weighs against in a region.

    Evenness is over the region's gemeenten (CBS's published inhabitants), counting the
    places of every existing facility type; a new site adds
    :data:`geo.settings.DEFAULT_PLACES` of the profile's type.

    Parameters
    ----------
    data
        The loaded region.
    profile
        The profile (its name is the facility type).
    weight
        The evenness weight, 0..1.

    Returns
    -------
    EvennessTarget
    """
    units = units_for_level(data.buurten, level="gemeente", published=data.published)
    return EvennessTarget.from_units(
        units,
        data.facilities.groupby("gemeentecode")["places"].sum(),
        weight=weight,
        places_per_site=DEFAULT_PLACES.get(profile.name, 1),
    )


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
        The spread at ``scenario.spread_level`` before and after adding the shortlist:
        :func:`geo.spread_report.scenario_report` (``indices``, ``units``, ``after``,
        ``delta``, ``added``).
    sensitivity
        The weight-sensitivity report when ``scenario.sensitivity`` > 0, else None.
    coverage
        The coverage plan when ``scenario.coverage`` is set, else None.
    inputs
        How the inventory and register were given (file names, or uploads by content hash).
    """

    scenario: Scenario
    region: Region
    source: DataSource
    data: RegionData
    scoring: ScoringRun
    spread: dict[str, Any]
    sensitivity: dict[str, Any] | None = None
    coverage: CoveragePlan | None = None
    inputs: Mapping[str, str] = field(default_factory=dict)
    #: Spread reports asked for by level and type, each computed once (a memo, not state).
    _spreads: dict[tuple[str, str | None], dict[str, Any]] = field(
        default_factory=dict, compare=False, repr=False
    )

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

    def spread_at(self, level: str, *, facility_type: str | None = None) -> dict[str, Any]:
        """Return the before/after spread at another level or for one facility type.

        Parameters
        ----------
        level
            ``gemeente``, ``wijk`` or ``buurt``.
        facility_type
            One type, or None for all.

        Returns
        -------
        dict
            As :attr:`spread`.
        """
        key = (level, facility_type)
        if key == (self.scenario.spread_level, None):
            return self.spread
        if key not in self._spreads:
            self._spreads[key] = spread_comparison(
                self.data, self.scoring, level=level, facility_type=facility_type
            )
        return self._spreads[key]

    def export_members(self) -> dict[str, Any]:
        """Return the run's own record in the GeoJSON (profile, region, spread summary)."""
        return {
            "plekwijzer": {
                "profile": self.profile.name,
                "facility_type": self.profile.name,
                "region": self.region.name,
                "spread": {
                    "level": self.spread["level"],
                    "gini_before": _number(self.spread["indices"]["gini"]),
                    "gini_after": _number(self.spread["after"]["indices"]["gini"]),
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
        """Return the ``.scenario.json``: the scenario itself plus a record of the result."""
        record = {}
        if self.coverage is not None:
            cover = self.coverage.result
            record["coverage"] = {
                "reach_m": cover.reach_m,
                "model": cover.model,
                "sites": self.scenario.coverage.sites if self.scenario.coverage else None,
                "reach_kind": self.coverage.reach_kind,
                "new_sites": [site.id for site in cover.sites],
            }
        return (
            record
            | scenario_dict(
                self.scoring,
                region={"name": self.region.name, "gemeenten": list(self.region.gemeenten)},
                data={
                    "data_dir": str(self.source.path),
                    "synthetic": self.source.synthetic,
                    **self.inputs,
                },
            )
            | {
                "scenario": self.scenario.replace(
                    profile_spec=profile_spec_json(self.profile)
                ).to_dict()
            }
        )


def _number(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def spread_comparison(
    data: RegionData,
    scoring: ScoringRun,
    *,
    level: str = "gemeente",
    facility_type: str | None = None,
) -> dict[str, Any]:
    """Return the spread before and after adding a run's shortlist (one definition).

    Units carry CBS's published names and inhabitants; the shortlist adds
    :data:`geo.settings.DEFAULT_PLACES` of the profile's type per site.

    Parameters
    ----------
    data
        The loaded region.
    scoring
        The scoring run whose shortlist is added.
    level
        ``gemeente``, ``wijk`` or ``buurt``.
    facility_type
        One type, or None for all.

    Returns
    -------
    dict
        :func:`geo.spread_report.scenario_report`.
    """
    new = (
        facilities_from_sites(
            scoring.shortlist, facility_type=scoring.profile.name, buurten=data.buurten
        )
        if len(scoring.shortlist)
        else data.facilities.iloc[:0]
    )
    options: dict[str, Any] = {
        "level": level,
        "facility_type": facility_type,
        "published": data.published,
    }
    key = (level, facility_type)
    if key not in data.spread_memo:
        # The existing register's spread does not change with weights or the shortlist.
        data.spread_memo[key] = spread_report(data.buurten, data.facilities, **options)
    before = data.spread_memo[key]
    return scenario_report(data.buurten, data.facilities, new, before=before, **options)


def load_scenario_data(scenario: Scenario, *, source: DataSource | None = None) -> RegionData:
    """Load the region and input files a scenario names.

    Parameters
    ----------
    scenario
        The scenario.
    source
        The data directory, when already resolved.

    Returns
    -------
    RegionData
    """
    for option in ("candidates", "facilities", "roads", "dwellings", "sensitive_osm"):
        given = getattr(scenario, option) or ""
        if given.startswith("upload:"):
            name = given.removeprefix("upload:").split("#")[0]
            msg = (
                f"het scenario gebruikte {name!r}, geüpload in de app; geef dat bestand "
                f"opnieuw met --{option.replace('_', '-')} FILE"
            )
            raise PlekwijzerInputError(msg)
    source = source or resolve_data_dir(scenario.data_dir)
    region = resolve_region(scenario.region, gemeenten=scenario.gemeenten or None)
    return load_region_data(
        region,
        source,
        candidates_path=scenario.candidates,
        facilities_path=scenario.facilities,
        roads_path=scenario.roads,
        dwellings_path=scenario.dwellings,
        sensitive_osm_path=scenario.sensitive_osm,
        use_defaults=scenario.use_defaults,
        candidates_layer=scenario.candidates_layer,
        facilities_layer=scenario.facilities_layer,
        default_places=scenario.default_places,
    )


def run_scenario(scenario: Scenario, *, data: RegionData | None = None) -> ScenarioResult:
    """Run a scenario: score, shortlist (evenness-aware when asked), spread, sensitivity.

    Parameters
    ----------
    scenario
        The question.
    data
        The region's loaded layers when the caller has them (the app caches them); else they
        are loaded from the files the scenario names.

    Returns
    -------
    ScenarioResult
    """
    from criteria.sensitivity import sensitivity_report

    data = data if data is not None else load_scenario_data(scenario)
    profile = scenario.load_profile()
    options = scenario.shortlist
    evenness = (
        evenness_target(data, profile, options.evenness_weight)
        if options.evenness_weight > 0
        else None
    )
    scoring = run_scoring(data.features, profile, options=options, evenness=evenness)
    sensitivity = None
    if scenario.sensitivity:
        sensitivity = sensitivity_report(
            data.features, scoring.profile, n=scenario.sensitivity, top_n=options.top_n
        )
        # Stability: the share of weight draws (±20 %) in which a site stays in the top N.
        shares = {s["id"]: s["share_in_top_n"] for s in sensitivity["monte_carlo"]["sites"]}
        table = scoring.table
        table["stability"] = table["id"].map(shares).fillna(0.0).where(~table["excluded"])
    coverage = None
    if scenario.coverage is not None:
        # spopt and PuLP take a second to import: only when a coverage plan is asked for.
        from criteria.coverage_plan import plan_coverage

        coverage = plan_coverage(
            buurten=data.buurten,
            table=scoring.table,
            facilities=data.facilities,
            facility_type=scoring.profile.name,
            reach_m=scenario.coverage.reach_m,
            n_sites=scenario.coverage.sites,
        )
    return ScenarioResult(
        scenario=scenario,
        coverage=coverage,
        region=data.region,
        source=data.source,
        data=data,
        scoring=scoring,
        spread=spread_comparison(data, scoring, level=scenario.spread_level),
        sensitivity=sensitivity,
        inputs=dict(data.inputs),
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
    versions: dict[str, str | None] = {}
    for package in _VERSIONED:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    versions["python"] = platform.python_version()
    return {
        "plekwijzer_scenario": SCENARIO_VERSION,
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
