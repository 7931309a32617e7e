"""One run of a scenario, below both front ends, in two stages: prepare once, run per weighing.

The one door. The app and the CLI build a :class:`~criteria.scenario.Scenario`;
:func:`prepare` builds what does not depend on the weights once — the effective profile
(constraint overrides, no weight overrides), the criteria matrix (transforms, exclusions,
checks) and the spread of the existing register — and :meth:`Prepared.run` weighs that matrix
with the scenario's weights (the one place weights enter), picks the shortlist, computes the
spread after, the sensitivity on the kept matrix and the coverage plan.
:func:`run_scenario` is both. Every figure a user sees — scores, shortlist, inhabitants per
unit, Gini — is computed here once.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from criteria.matrix import CriteriaMatrix, build_matrix
from criteria.profiles import Profile, load_profile
from criteria.scenario import (
    CoverageOptions,
    Scenario,
    ShortlistOptions,
    apply_overrides,
)
from criteria.scoring import ScoreResult, weigh
from criteria.shortlist import EvennessTarget, pick_sites
from geo._errors import PlekwijzerInputError
from geo.datadir import DataSource, resolve_data_dir
from geo.export import GeoJSONStream, geojson_dict
from geo.facilities import facilities_from_sites
from geo.labels import HEADLINE_INDEX
from geo.regions import Region, resolve_region
from geo.settings import DEFAULT_PLACES
from geo.spread_report import scenario_report, spread_report, units_for_level
from geo.workspace import RegionData, load_region_data

if TYPE_CHECKING:
    from criteria.coverage_plan import CoveragePlan
    from criteria.sensitivity import SensitivityReport

__all__ = [
    "EXPORT_PROPERTIES",
    "Prepared",
    "ScenarioResult",
    "ScoringRun",
    "ShortlistOptions",
    "SpreadCache",
    "prepare",
    "prepare_key",
    "run_scenario",
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
        The spread at ``scenario.spread_level`` before and after adding the shortlist:
        :func:`geo.spread_report.scenario_report` (``indices``, ``units``, ``after``,
        ``delta``, ``added``).
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
    spread: dict[str, Any]
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
                    "level": self.spread["level"],
                    # The headline index (geo.labels.HEADLINE_INDEX), named.
                    "index": HEADLINE_INDEX,
                    "gini_before": _number(self.spread["indices"][HEADLINE_INDEX]),
                    "gini_after": _number(self.spread["after"]["indices"][HEADLINE_INDEX]),
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


def facility_type_of(profile: Profile) -> str:
    """Return the facility type a profile sites (its ``facility_type``, never its name)."""
    return profile.require_facility_type()


def prepare_key(scenario: Scenario) -> Scenario:
    """Return the part of a scenario that decides the prepared stage (all but the weighing).

    Weights, shortlist options, sensitivity draws, coverage, the spread level and the
    regional plan (solved on a run's scores) only enter after stage 1; two scenarios with
    the same key share one :class:`Prepared`.

    Parameters
    ----------
    scenario
        The scenario.

    Returns
    -------
    Scenario
        The scenario with those fields at their defaults.
    """
    return scenario.replace(
        weights=(),
        shortlist=ShortlistOptions(),
        sensitivity=0,
        coverage=None,
        spread_level="gemeente",
        plan=None,
    )


def _base_profile(scenario: Scenario) -> Profile:
    """Return the effective profile without weight overrides (constraint overrides applied).

    A recorded profile (``profile_spec``) already holds the weights it was run with.
    """
    if scenario.profile_spec is not None:
        return scenario.load_profile()
    return apply_overrides(
        load_profile(scenario.profile), constraint_values=dict(scenario.constraint_values)
    )


def _weight_overrides(scenario: Scenario) -> dict[str, float]:
    """Return the scenario's weight overrides (none for a recorded profile, which has them)."""
    return {} if scenario.profile_spec is not None else dict(scenario.weights)


class SpreadCache:
    """Spread reports of a region's existing register, by level and facility type.

    The register does not change with weights or the shortlist, so each report is computed
    once per :class:`Prepared` and shared by every run weighed from it (and by the app's
    sessions, which share the prepared stage: hence the lock).
    """

    def __init__(self, data: RegionData) -> None:
        self._data = data
        self._reports: dict[tuple[str, str | None, float], dict[str, Any]] = {}
        self._units: dict[str, pd.DataFrame] = {}
        self._lock = threading.Lock()

    def before(
        self,
        level: str,
        facility_type: str | None = None,
        *,
        fair_share_correction: float = 0.0,
    ) -> dict[str, Any]:
        """Return the :func:`geo.spread_report.spread_report` of the existing register.

        Parameters
        ----------
        level
            ``gemeente``, ``wijk`` or ``buurt``.
        facility_type
            One type, or None for all.
        fair_share_correction
            Draagkracht correction of the fair share, 0..1.

        Returns
        -------
        dict
        """
        key = (level, facility_type, fair_share_correction)
        with self._lock:
            if key not in self._reports:
                data = self._data
                self._reports[key] = spread_report(
                    data.buurten,
                    data.facilities,
                    level=level,
                    facility_type=facility_type,
                    fair_share_correction=fair_share_correction,
                    published=data.published,
                    units=self._units_at(level),
                )
            return self._reports[key]

    def _units_at(self, level: str) -> pd.DataFrame:
        """Return the units of a level (figures only), aggregated once; hold the lock."""
        if level not in self._units:
            data = self._data
            self._units[level] = units_for_level(
                data.buurten, level=level, published=data.published, with_geometry=False
            )
        return self._units[level]

    def after(
        self,
        new: gpd.GeoDataFrame,
        level: str,
        facility_type: str | None = None,
        *,
        fair_share_correction: float = 0.0,
    ) -> dict[str, Any]:
        """Return the spread before and after adding ``new`` facilities (one definition).

        Parameters
        ----------
        new
            Facilities added (e.g. a shortlist, :func:`geo.facilities.facilities_from_sites`).
        level, facility_type, fair_share_correction
            As for :meth:`before`.

        Returns
        -------
        dict
            :func:`geo.spread_report.scenario_report`.
        """
        data = self._data
        before = self.before(level, facility_type, fair_share_correction=fair_share_correction)
        with self._lock:
            units = self._units_at(level)
        return scenario_report(
            data.buurten,
            data.facilities,
            new,
            before=before,
            level=level,
            facility_type=facility_type,
            fair_share_correction=fair_share_correction,
            published=data.published,
            units=units,
        )


@dataclass(frozen=True, eq=False)
class Prepared:
    """Stage 1 of a scenario: everything that does not depend on the weights, built once.

    Built by :func:`prepare`; :meth:`run` weighs it with a scenario's weights and decides
    (shortlist, spread after, sensitivity, coverage). A weight change repeats only
    :meth:`run`: no transform, constraint or spread of the existing register is recomputed.

    Attributes
    ----------
    key
        The scenario it was prepared for, without what only :meth:`run` reads
        (:func:`prepare_key`).
    data
        The region's loaded layers.
    profile
        The effective profile: the named or recorded one with the constraint overrides,
        without the weight overrides.
    matrix
        The criteria matrix of the region's candidates (transforms, exclusions, checks).
    sites
        The candidates' ids, names, use, codes and geometry (the left part of every table).
    gemeenten
        The region's gemeenten with CBS's inhabitants (what the evenness-aware pick weighs).
    spreads
        The spread of the existing register by level and type (:class:`SpreadCache`).
    """

    key: Scenario
    data: RegionData
    profile: Profile
    matrix: CriteriaMatrix
    sites: gpd.GeoDataFrame
    gemeenten: gpd.GeoDataFrame
    spreads: SpreadCache = field(repr=False)

    @property
    def facility_type(self) -> str:
        """The facility type the profile places."""
        return facility_type_of(self.profile)

    def weigh(self, scenario: Scenario) -> ScoreResult:
        """Weigh the matrix with a scenario's weights: the one place weights enter.

        Parameters
        ----------
        scenario
            A scenario with this stage's :func:`prepare_key`.

        Returns
        -------
        criteria.scoring.ScoreResult
        """
        self._check(scenario)
        return weigh(self.matrix, _weight_overrides(scenario) or None)

    def _check(self, scenario: Scenario) -> None:
        if prepare_key(scenario) != self.key:
            msg = (
                "this prepared stage belongs to another scenario (profile, region, rules or "
                "inputs differ); call prepare() for it"
            )
            raise ValueError(msg)

    def score(self, scenario: Scenario) -> ScoringRun:
        """Weigh and pick the shortlist (evenness-aware when the options ask for it).

        Parameters
        ----------
        scenario
            A scenario with this stage's :func:`prepare_key`.

        Returns
        -------
        ScoringRun
        """
        scores = self.weigh(scenario)
        options = scenario.shortlist
        table = gpd.GeoDataFrame(
            self.sites.join(scores.table), geometry=self.sites.geometry.name, crs=self.sites.crs
        )
        evenness = None
        if options.evenness_weight > 0:
            evenness = EvennessTarget.from_units(
                self.gemeenten,
                self.data.facilities.groupby("gemeentecode")["places"].sum(),
                weight=options.evenness_weight,
                places_per_site=DEFAULT_PLACES.get(self.facility_type, 1),
            )
        picks = pick_sites(
            table,
            top_n=options.top_n,
            min_spacing_m=options.min_spacing_m,
            max_per_buurt=options.max_per_buurt,
            max_per_gemeente=options.max_per_gemeente,
            evenness=evenness,
        )
        table["shortlisted"] = picks.shortlisted
        table["pick_order"] = picks.pick_order
        table["skip_reason"] = picks.skip_reason
        overrides = _weight_overrides(scenario)
        return ScoringRun(
            # The profile as run, weights included: what the scenario file records.
            profile=self.profile.with_weights(overrides) if overrides else self.profile,
            weights={k: float(v) for k, v in scores.weights.items()},
            table=table,
            options=options,
            scores=scores,
            warnings=list(scores.warnings),
        )

    def spread_after(
        self, scoring: ScoringRun, *, level: str = "gemeente", facility_type: str | None = None
    ) -> dict[str, Any]:
        """Return the spread before and after adding a run's shortlist (one definition).

        Units carry CBS's published names and inhabitants; the shortlist adds
        :data:`geo.settings.DEFAULT_PLACES` of the profile's type per site.

        Parameters
        ----------
        scoring
            The run whose shortlist is added.
        level
            ``gemeente``, ``wijk`` or ``buurt``.
        facility_type
            One type, or None for all.

        Returns
        -------
        dict
            :func:`geo.spread_report.scenario_report`.
        """
        data = self.data
        table = scoring.table
        # Only the columns a new facility needs: a row slice of the whole table is slow.
        columns = ["id", "name", table.geometry.name]
        picked = table.loc[table["shortlisted"].to_numpy(bool), columns]
        new = (
            facilities_from_sites(picked, facility_type=self.facility_type, buurten=data.buurten)
            if len(picked)
            else data.facilities.iloc[:0]
        )
        return self.spreads.after(new, level, facility_type)

    def cover(self, scoring: ScoringRun, options: CoverageOptions) -> CoveragePlan:
        """Plan new sites of the profile's type so that inhabited buurten have one in reach.

        Parameters
        ----------
        scoring
            The run whose scored candidates are the possible new sites.
        options
            Reach and, for MCLP, the number of new sites.

        Returns
        -------
        criteria.coverage_plan.CoveragePlan
        """
        # spopt and PuLP take a second to import: only when a coverage plan is asked for.
        from criteria.coverage_plan import plan_coverage

        return plan_coverage(
            buurten=self.data.buurten,
            table=scoring.table,
            facilities=self.data.facilities,
            facility_type=self.facility_type,
            reach_m=options.reach_m,
            n_sites=options.sites,
        )

    def run(self, scenario: Scenario) -> ScenarioResult:
        """Stage 2: weigh, shortlist, spread after, sensitivity on the kept matrix, coverage.

        Parameters
        ----------
        scenario
            A scenario with this stage's :func:`prepare_key` (any weights and options).

        Returns
        -------
        ScenarioResult
        """
        from criteria.sensitivity import sensitivity_report

        scoring = self.score(scenario)
        sensitivity = None
        if scenario.sensitivity:
            sensitivity = sensitivity_report(
                scoring.scores, n=scenario.sensitivity, top_n=scenario.shortlist.top_n
            )
            # Stability: the share of weight draws (±20 %) in which a site stays in the top N.
            shares = sensitivity.stability()
            table = scoring.table
            table["stability"] = table["id"].map(shares).fillna(0.0).where(~table["excluded"])
        coverage = None
        if scenario.coverage is not None:
            coverage = self.cover(scoring, scenario.coverage)
        data = self.data
        return ScenarioResult(
            scenario=scenario,
            coverage=coverage,
            region=data.region,
            source=data.source,
            data=data,
            scoring=scoring,
            spread=self.spread_after(scoring, level=scenario.spread_level),
            sensitivity=sensitivity,
            inputs=dict(data.inputs),
            prepared=self,
        )


#: Columns of the candidate inventory every scored table starts with.
_SITE_COLUMNS = ("id", "name", "use", "buurtcode", "wijkcode", "gemeentecode", "location_precision")


def prepare(scenario: Scenario, data: RegionData | None = None) -> Prepared:
    """Stage 1 of a scenario: the criteria matrix and the spread of the existing register.

    Parameters
    ----------
    scenario
        The question; its weights, shortlist options, sensitivity and coverage are not read
        here (:meth:`Prepared.run` reads them).
    data
        The region's loaded layers when the caller has them (the app caches them); else they
        are loaded from the files the scenario names.

    Returns
    -------
    Prepared
    """
    data = data if data is not None else load_scenario_data(scenario)
    profile = _base_profile(scenario)
    features = data.features
    spreads = SpreadCache(data)
    spreads.before(scenario.spread_level)  # the level every run shows, ready before the first
    matrix = build_matrix(features, profile)
    # Fill the matrix's lazy parts now: the prepared stage is shared (the app's sessions)
    # and only read after this.
    for part in ("base_weights", "excluded", "needs_check", "eligible_base", "missing_values"):
        getattr(matrix, part)
    return Prepared(
        key=prepare_key(scenario),
        data=data,
        profile=profile,
        matrix=matrix,
        sites=gpd.GeoDataFrame(
            features[[*_SITE_COLUMNS, features.geometry.name]],
            geometry=features.geometry.name,
            crs=features.crs,
        ),
        gemeenten=units_for_level(data.buurten, level="gemeente", published=data.published),
        spreads=spreads,
    )


def run_scenario(scenario: Scenario, *, data: RegionData | None = None) -> ScenarioResult:
    """Run a scenario: :func:`prepare`, then :meth:`Prepared.run`.

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
    return prepare(scenario, data).run(scenario)
