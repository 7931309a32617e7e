"""Two runs side by side: spread per gemeente, the evenness indices, shortlist differences.

The app's "Vergelijken" view opens two saved scenarios (or the current weights and the
profile's defaults), runs each with :func:`criteria.run.run_scenario` and shows what
:func:`compare_runs` returns. Both runs keep their own region: gemeenten in only one of them
appear with the other side empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.settings import CRS_RD

if TYPE_CHECKING:  # run imports this package's modules; only the type is needed here
    from criteria.run import ScenarioResult

#: The evenness indices compared, in the order shown.
INDICES = ("gini", "gini_pop_weighted", "theil", "hoover")
#: Membership of a shortlisted site in the two runs.
IN_BOTH, ONLY_A, ONLY_B = "beide", "alleen A", "alleen B"


@dataclass(frozen=True)
class RunComparison:
    """What two runs differ in.

    Attributes
    ----------
    indices
        One row per index of :data:`INDICES` (index = name), columns ``a_before``,
        ``a_after``, ``b_before``, ``b_after`` (before = the register now, after = with that
        run's shortlist; "now" differs between runs only when their registers do).
    gemeenten
        One row per gemeente in either run (index = gemeentecode): ``name``,
        ``inhabitants``, and per side ``a_``/``b_`` + ``places_before``, ``new_sites``,
        ``places_after``, ``per_10k_after``, ``fair_share_after``, ``surplus_after``.
    sites
        Every site on either shortlist (EPSG:28992, index = id): ``name``, ``gemeentecode``,
        ``in`` (:data:`IN_BOTH`, :data:`ONLY_A`, :data:`ONLY_B`), ``a_number``/``b_number``
        (place on that run's shortlist, <NA> when absent) and ``a_score``/``b_score``.
    """

    indices: pd.DataFrame
    gemeenten: pd.DataFrame
    sites: gpd.GeoDataFrame

    @property
    def shared(self) -> int:
        """Number of sites on both shortlists."""
        return int((self.sites["in"] == IN_BOTH).sum())


def _gemeente_side(run: ScenarioResult, side: str) -> pd.DataFrame:
    spread = run.spread_at("gemeente")
    before = spread.before.units.set_index("code")
    after = spread.after.units.set_index("code")
    short = run.shortlist
    new = short.groupby("gemeentecode").size() if len(short) else pd.Series(dtype=int)
    frame = pd.DataFrame(
        {
            "name": before["name"].astype(str),
            "inhabitants": before["inhabitants"].astype(float),
            f"{side}_places_before": before["places"].astype(float),
            f"{side}_new_sites": new.reindex(before.index).fillna(0).astype(int),
            f"{side}_places_after": after["places"].reindex(before.index).astype(float),
            f"{side}_per_10k_after": after["per_10k"].reindex(before.index).astype(float),
            f"{side}_fair_share_after": after["fair_share"].reindex(before.index).astype(float),
            f"{side}_surplus_after": after["surplus"].reindex(before.index).astype(float),
        }
    )
    frame.index.name = "gemeentecode"
    return frame


def _shortlist_side(run: ScenarioResult, side: str) -> gpd.GeoDataFrame:
    short = run.shortlist.to_crs(CRS_RD)
    return gpd.GeoDataFrame(
        {
            "name": short["name"].astype(str).to_numpy(),
            "gemeentecode": short["gemeentecode"].to_numpy(),
            f"{side}_number": np.arange(1, len(short) + 1),
            f"{side}_score": short["score"].to_numpy(dtype=float),
        },
        geometry=short.geometry.to_numpy(),
        index=pd.Index(short["id"].astype(str).to_numpy(), name="id"),
        crs=CRS_RD,
    )


def compare_runs(a: ScenarioResult, b: ScenarioResult) -> RunComparison:
    """Compare two runs: indices, spread per gemeente with each shortlist, the shortlists.

    Parameters
    ----------
    a, b
        Two scenario results (:func:`criteria.run.run_scenario`), of the same region or not.

    Returns
    -------
    RunComparison
    """
    rows = {}
    for name in INDICES:
        values = {}
        for side, run in (("a", a), ("b", b)):
            change = run.spread.index_change(name)
            values[f"{side}_before"] = float(change.before)
            values[f"{side}_after"] = float(change.after)
        rows[name] = values
    indices = pd.DataFrame.from_dict(rows, orient="index")

    left, right = _gemeente_side(a, "a"), _gemeente_side(b, "b")
    gemeenten = left.join(right.drop(columns=["name", "inhabitants"]), how="outer")
    # A gemeente in only one run keeps its name and inhabitants from that run.
    for column in ("name", "inhabitants"):
        gemeenten[column] = gemeenten[column].fillna(right[column].reindex(gemeenten.index))
    gemeenten = gemeenten.sort_values("name")

    sa, sb = _shortlist_side(a, "a"), _shortlist_side(b, "b")
    ids = list(dict.fromkeys([*sa.index, *sb.index]))
    base = pd.concat([sa[["name", "gemeentecode", "geometry"]], sb[["name", "gemeentecode",
                      "geometry"]]])  # fmt: skip
    base = base[~base.index.duplicated()].reindex(ids)
    sites = gpd.GeoDataFrame(base, geometry="geometry", crs=CRS_RD)
    for side, frame in (("a", sa), ("b", sb)):
        sites[f"{side}_number"] = frame[f"{side}_number"].reindex(ids).astype("Int64")
        sites[f"{side}_score"] = frame[f"{side}_score"].reindex(ids)
    in_a, in_b = sites["a_number"].notna(), sites["b_number"].notna()
    sites["in"] = np.where(in_a & in_b, IN_BOTH, np.where(in_a, ONLY_A, ONLY_B))
    order = (
        sites["a_number"].fillna(10_000).astype(float)
        + sites["b_number"].fillna(10_000).astype(float) / 100_000
    )
    sites = sites.loc[order.sort_values(kind="stable").index]
    return RunComparison(indices=indices, gemeenten=gemeenten, sites=sites)
