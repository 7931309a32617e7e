"""One run of a scenario, below both front ends, in two stages: prepare once, run per weighing.

The one door. The app and the CLI build a :class:`~criteria.scenario.Scenario`;
:func:`prepare` builds what does not depend on the weights once — the effective profile
(constraint overrides, no weight overrides), the criteria matrix (transforms, exclusions,
checks) and the spread of the existing register — and :meth:`Prepared.run` weighs that matrix
with the scenario's weights (the one place weights enter), picks the shortlist, computes the
spread after, the sensitivity on the kept matrix and the coverage plan.
:func:`run_scenario` is both. Every figure a user sees — scores, shortlist, inhabitants per
unit, Gini — is computed here once. The result types (:class:`ScoringRun`,
:class:`ScenarioResult`) live in :mod:`criteria.run_result` and are re-exported here.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from criteria.matrix import CriteriaMatrix, build_matrix
from criteria.profiles import Profile, load_profile
from criteria.run_result import (
    EXPORT_PROPERTIES,
    OPTIONAL_EXPORT_PROPERTIES,
    ScenarioResult,
    ScoringRun,
    facility_type_of,
)
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
from geo.facilities import facilities_from_sites
from geo.regions import resolve_region
from geo.settings import DEFAULT_PLACES
from geo.spread_report import scenario_report, spread_report, units_for_level
from geo.spread_result import ScenarioSpread, SpreadReport
from geo.workspace import RegionData, load_region_data

if TYPE_CHECKING:
    from criteria.coverage_plan import CoveragePlan

__all__ = [
    "EXPORT_PROPERTIES",
    "OPTIONAL_EXPORT_PROPERTIES",
    "Prepared",
    "ScenarioResult",
    "ScoringRun",
    "ShortlistOptions",
    "SpreadCache",
    "facility_type_of",
    "load_scenario_data",
    "prepare",
    "prepare_key",
    "run_scenario",
]


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
        self._reports: dict[tuple[str, str | None, float], SpreadReport] = {}
        self._units: dict[str, pd.DataFrame] = {}
        self._lock = threading.Lock()

    def before(
        self,
        level: str,
        facility_type: str | None = None,
        *,
        fair_share_correction: float = 0.0,
    ) -> SpreadReport:
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
        geo.spread_result.SpreadReport
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
    ) -> ScenarioSpread:
        """Return the spread before and after adding ``new`` facilities (one definition).

        Parameters
        ----------
        new
            Facilities added (e.g. a shortlist, :func:`geo.facilities.facilities_from_sites`).
        level, facility_type, fair_share_correction
            As for :meth:`before`.

        Returns
        -------
        geo.spread_result.ScenarioSpread
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
    ) -> ScenarioSpread:
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
        geo.spread_result.ScenarioSpread
            :func:`geo.spread_report.scenario_report`.
        """
        table = scoring.table
        # Only the columns a new facility needs: a row slice of the whole table is slow.
        columns = ["id", "name", table.geometry.name]
        picked = table.loc[table["shortlisted"].to_numpy(bool), columns]
        return self.spread_with_sites(picked, level=level, facility_type=facility_type)

    def spread_with_sites(
        self,
        sites: gpd.GeoDataFrame,
        *,
        level: str = "gemeente",
        facility_type: str | None = None,
    ) -> ScenarioSpread:
        """Return the spread before and after new facilities of the profile's type at ``sites``.

        :meth:`spread_after` adds a shortlist this way; the council report adds a regional
        plan's sites with their own places (:mod:`criteria.council`).

        Parameters
        ----------
        sites
            Points with ``id``, ``name`` and optionally ``places`` (else
            :data:`geo.settings.DEFAULT_PLACES` of the profile's type per site).
        level
            ``gemeente``, ``wijk`` or ``buurt``.
        facility_type
            One type, or None for all.

        Returns
        -------
        geo.spread_result.ScenarioSpread
            :func:`geo.spread_report.scenario_report`.
        """
        data = self.data
        new = (
            facilities_from_sites(sites, facility_type=self.facility_type, buurten=data.buurten)
            if len(sites)
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
