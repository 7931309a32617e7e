"""A coverage plan as the front ends use it: sites, demand, solve, map layers, export.

:func:`plan_coverage` is the one call for the CLI (``plekwijzer cover``), the app's "Bereik"
view and the council report: it takes a scored candidate table (:class:`criteria.run.ScoringRun`
``.table``), the facility register and the buurten, and returns a :class:`CoveragePlan` whose
:meth:`CoveragePlan.map_layers` gives everything the map needs in EPSG:28992.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from criteria._errors import CoverageError
from criteria.coverage import CoverageProblem, solve_coverage
from criteria.coverage_result import CoverageResult
from geo import nlformat
from geo.demand import demand_from_buurten
from geo.labels import facility_phrase
from geo.reach import located_mask, reach_circles, straight_line_cost_m

#: A cost function: (demand points, site points) -> metres, rows = demand, columns = sites.
CostFunction = Callable[[gpd.GeoDataFrame, gpd.GeoDataFrame], np.ndarray]

#: Columns of the site layer, besides the geometry (index = id).
SITE_COLUMNS = ("name", "existing", "score", "buurtcode", "gemeentecode")


def coverage_sites(
    table: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame, *, facility_type: str
) -> gpd.GeoDataFrame:
    """Return the sites a plan may use: existing facilities of the type and eligible candidates.

    Parameters
    ----------
    table
        Scored candidates (``ScoringRun.table``): ``score``, ``excluded``, points; index = id.
        Excluded candidates are left out; so are candidates without a location.
    facilities
        The canonical facility register; rows of ``facility_type`` become existing sites
        (confidential ones stand at their buurt's point, as loaded).
    facility_type
        The type being planned, e.g. ``"noaberhuuske"`` (the profile's ``facility_type``).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`SITE_COLUMNS`, index = id, existing sites first, in the CRS of
        ``table``.
    """
    for column in ("score", "excluded"):
        if column not in table.columns:
            msg = f"de kandidatentabel mist {column!r}; bereken eerst de scores (criteria.run)."
            raise CoverageError(msg)
    if (
        facilities.crs is not None
        and table.crs is not None
        and not facilities.crs.equals(table.crs)
    ):
        msg = (
            f"CRS verschilt: kandidaten in {table.crs}, voorzieningen in {facilities.crs}. Gebruik "
            "`to_crs('EPSG:28992')` op beide."
        )
        raise CoverageError(msg)
    located = located_mask(table.geometry)
    eligible = table[located & ~table["excluded"].fillna(True).astype(bool)]
    same_type = (
        facilities[facilities["type"] == facility_type]
        if "type" in facilities.columns
        else facilities.iloc[:0]
    )
    frames = [
        _site_frame(same_type, existing=True, score=np.nan),
        _site_frame(eligible, existing=False, score=eligible["score"]),
    ]
    sites = pd.concat(frames)
    return gpd.GeoDataFrame(sites, geometry="geometry", crs=table.crs)


def _site_frame(frame: gpd.GeoDataFrame, *, existing: bool, score: Any) -> pd.DataFrame:
    out = pd.DataFrame(index=pd.Index(frame.index.astype(str), name=None))
    out["name"] = frame["name"].to_numpy() if "name" in frame.columns else out.index
    out["existing"] = existing
    out["score"] = np.asarray(score, dtype=float) if len(frame) else np.nan
    for column in ("buurtcode", "gemeentecode"):
        out[column] = frame[column].to_numpy() if column in frame.columns else None
    out["geometry"] = frame.geometry.to_numpy()
    return out


@dataclass(frozen=True)
class CoveragePlan:
    """A solved plan with the layers it was solved on.

    Attributes
    ----------
    result
        The solved plan (:class:`criteria.coverage_result.CoverageResult`).
    demand
        Demand points (:func:`geo.demand.demand_from_buurten`).
    sites
        Sites the plan could use (:func:`coverage_sites`).
    reach_kind
        ``"straight_line"``, or the name of the cost function used (e.g. walking metres).
    facility_type
        The type planned; its existing sites are the only ones that count as in reach.
    """

    result: CoverageResult
    demand: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    reach_kind: str = "straight_line"
    facility_type: str | None = None

    def map_layers(self, buurten: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
        """Return the layers of the "Bereik" map view, all in the CRS of the plan (EPSG:28992).

        Parameters
        ----------
        buurten
            The canonical buurten (polygons) of the region.

        Returns
        -------
        dict
            ``"sites"``: existing and new sites with ``role`` (``bestaand`` / ``nieuw``),
            ``cover_rank`` (new only), ``name``, ``score``; ``"reach"``: their reach circles
            with the same columns and ``reach_m``; ``"uncovered"``: polygons of inhabited buurten
            beyond reach after the plan, with ``inhabitants`` and ``reachable`` (False when no
            eligible candidate can reach them); ``"demand"``: demand points with ``covered``
            and ``served_by``.
        """
        result = self.result
        ranks = {s.id: s.cover_rank for s in result.sites}
        keep = self.sites.index.isin([*result.existing_ids, *ranks])
        sites = self.sites[keep].copy()
        sites["role"] = np.where(sites["existing"], "bestaand", "nieuw")
        sites["cover_rank"] = pd.array([ranks.get(i) for i in sites.index], dtype="Int64")
        sites = sites.sort_values(["existing", "cover_rank"], ascending=[False, True])
        unreachable = {b.buurtcode for b in result.unreachable}
        uncovered_codes = [b.buurtcode for b in result.uncovered]
        uncovered = buurten[buurten["buurtcode"].isin(uncovered_codes)][
            ["buurtcode", "name", "gemeentecode", "inhabitants", "geometry"]
        ].copy()
        uncovered["reachable"] = ~uncovered["buurtcode"].isin(unreachable)
        demand = self.demand.copy()
        demand["served_by"] = demand["buurtcode"].map(result.served_by)
        demand["covered"] = demand["served_by"].notna()
        return {
            "sites": sites,
            "reach": reach_circles(sites, reach_m=result.reach_m),
            "uncovered": uncovered,
            "demand": demand,
        }

    def new_site_table(
        self, table: gpd.GeoDataFrame, buurten: gpd.GeoDataFrame
    ) -> gpd.GeoDataFrame:
        """Return the plan's new sites as a table to read and download, in cover-rank order.

        Parameters
        ----------
        table
            The scored candidates the plan chose from (``ScoringRun.table``, index = id).
        buurten
            The canonical buurten (``buurtcode``, ``name``, ``gemeentecode``,
            ``gemeentenaam``), for the names of each site's buurt and gemeente.

        Returns
        -------
        geopandas.GeoDataFrame
            Columns ``cover_rank``, ``id``, ``name``, ``use``, ``score``,
            ``adds_inhabitants`` (newly within reach at its rank), ``covers_inhabitants``
            (within its reach, overlap included), ``buurtcode``, ``buurt``,
            ``gemeentecode``, ``gemeente``, ``reach_m`` and the point geometry, in the CRS
            of ``table`` (EPSG:28992).
        """
        chosen = self.result.sites
        ids = [s.id for s in chosen]
        rows = table.reindex(ids)
        buurt_names = dict(zip(buurten["buurtcode"], buurten["name"], strict=False))
        gemeente_names = dict(zip(buurten["gemeentecode"], buurten["gemeentenaam"], strict=False))
        codes = {c: rows[c].to_numpy() if c in rows.columns else [None] * len(ids)
                 for c in ("buurtcode", "gemeentecode")}  # fmt: skip
        frame = pd.DataFrame(
            {
                "cover_rank": [s.cover_rank for s in chosen],
                "id": ids,
                "name": rows["name"].to_numpy() if "name" in rows.columns else ids,
                "use": rows["use"].to_numpy() if "use" in rows.columns else None,
                "score": [s.score for s in chosen],
                "adds_inhabitants": [s.adds_inhabitants for s in chosen],
                "covers_inhabitants": [s.covers_inhabitants for s in chosen],
                "buurtcode": codes["buurtcode"],
                "buurt": [buurt_names.get(c) for c in codes["buurtcode"]],
                "gemeentecode": codes["gemeentecode"],
                "gemeente": [gemeente_names.get(c) for c in codes["gemeentecode"]],
                "reach_m": self.result.reach_m,
            }
        )
        return gpd.GeoDataFrame(frame, geometry=rows.geometry.to_numpy(), crs=table.crs)

    def summary_nl(self) -> str:
        """Return one Dutch sentence for the app and the council report."""
        result = self.result
        reach = nlformat.distance(result.reach_m)
        new = len(result.sites)
        word = "nieuwe plek" if new == 1 else "nieuwe plekken"
        text = (
            f"Bereik {reach}: {new} {word} naast {result.existing} bestaande; "
            f"inwoners binnen {reach} {facility_phrase(self.facility_type)} "
            f"{nlformat.share(result.covered_before)} → "
            f"{nlformat.share(result.covered_after)}."
        )
        asked, needed = result.sites_asked, result.sites_needed
        if asked is not None and needed is not None and needed < asked:
            text += f" {result.sites_needed} plekken volstaan al voor alle bereikbare buurten."
        if result.unreachable:
            people = sum(b.inhabitants for b in result.unreachable)
            count = len(result.unreachable)
            where = "1 buurt" if count == 1 else f"{count} buurten"
            verb = "ligt" if count == 1 else "liggen"
            text += (
                f" {where} ({_nl(people, 0)} inwoners) {verb} buiten bereik van elke "
                "geschikte locatie."
            )
        return text


def _nl(value: float, decimals: int) -> str:
    """Format a number in Dutch notation: 1.234,5."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def plan_coverage(
    *,
    buurten: gpd.GeoDataFrame,
    table: gpd.GeoDataFrame,
    facilities: gpd.GeoDataFrame,
    facility_type: str,
    reach_m: float,
    n_sites: int | None = None,
    cost: CostFunction | None = None,
    address_points: gpd.GeoDataFrame | None = None,
) -> CoveragePlan:
    """Plan new sites of one type so that inhabited buurten have one within reach.

    Parameters
    ----------
    buurten
        Canonical buurten with ``inhabitants`` (CBS 2024).
    table
        Scored candidates (``ScoringRun.table``).
    facilities
        The facility register; its rows of ``facility_type`` are existing sites.
    facility_type
        The type planned (the profile's ``facility_type``).
    reach_m
        Reach in metres (> 0).
    n_sites
        None: fewest new sites covering every reachable buurt (LSCP); N: the N new sites
        covering most inhabitants (MCLP).
    cost
        Cost function (demand, sites) -> metres, e.g. walking distance on a network; default
        straight-line distance (:func:`geo.reach.straight_line_cost_m`).
    address_points
        Optional address points: buurten stand at the mean of their addresses.

    Returns
    -------
    CoveragePlan
    """
    demand = demand_from_buurten(buurten, address_points=address_points)
    sites = coverage_sites(table, facilities, facility_type=facility_type)
    cost_function = cost or straight_line_cost_m
    problem = CoverageProblem.from_geodataframe(
        demand, sites, reach_m=reach_m, cost_m=cost_function(demand, sites)
    )
    result = solve_coverage(problem, n_sites=n_sites)
    kind = "straight_line" if cost is None else getattr(cost, "__name__", "network")
    return CoveragePlan(
        result=result, demand=demand, sites=sites, reach_kind=kind, facility_type=facility_type
    )


def add_cover_rank(collection: dict[str, Any], result: CoverageResult) -> dict[str, Any]:
    """Return a copy of a ``plekwijzer score`` FeatureCollection with ``cover_rank`` set.

    Every feature gets ``cover_rank``: its rank among the new sites of the plan, else null.
    """
    ranks = {s.id: s.cover_rank for s in result.sites}
    out = copy.deepcopy(collection)
    for feature in out["features"]:
        feature["properties"]["cover_rank"] = ranks.get(str(feature["properties"].get("id")))
    return out
