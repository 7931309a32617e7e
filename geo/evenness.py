"""Evenness-aware shortlist: prefer sites that make the region's spread more even.

DESIGN §5 asks for a shortlist mode that weighs a site's own score against what it does to
the spread of provision. Greedy: at each pick, every eligible site is valued

    (1 - evenness_weight) * score + evenness_weight * gain / max_gain

where ``gain`` is how much the population-weighted Gini of places per 10,000 inhabitants over
the region's gemeenten (or wijken) falls when the site's places are added on top of the
existing register and the earlier picks. Spacing and caps apply as in
:func:`criteria.shortlist.select_shortlist`. With ``evenness_weight = 0`` it picks by score.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.inequality import gini_weighted
from geo.spread_report import LEVEL_KEY


def evenness_aware_shortlist(
    scored: gpd.GeoDataFrame,
    *,
    units: pd.DataFrame,
    existing_places: pd.Series,
    places_per_site: float,
    top_n: int,
    evenness_weight: float = 0.5,
    min_spacing_m: float = 0.0,
    max_per_buurt: int | None = None,
    max_per_gemeente: int | None = None,
    level: str = "gemeente",
) -> pd.DataFrame:
    """Pick up to ``top_n`` sites, trading score against a more even spread.

    Parameters
    ----------
    scored
        Candidates with ``score``, ``excluded``, ``buurtcode``, ``gemeentecode`` (and
        ``wijkcode`` for the wijk level), points in EPSG:28992.
    units
        Units of ``level`` with ``code`` and ``inhabitants``.
    existing_places
        Existing places per unit code (all types counted, or one type: the caller decides).
    places_per_site
        Places a new site adds (e.g. :data:`geo.settings.DEFAULT_PLACES`).
    top_n
        Largest number of picks.
    evenness_weight
        0 = score only, 1 = evenness only.
    min_spacing_m, max_per_buurt, max_per_gemeente
        As in :func:`criteria.shortlist.select_shortlist`.
    level
        ``"gemeente"`` or ``"wijk"``: the units whose evenness counts.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``scored.index``: ``shortlisted`` (bool), ``pick_order`` (Int64) and
        ``evenness_gain`` (the Gini reduction the site brought when picked; NaN otherwise).
    """
    if not 0.0 <= evenness_weight <= 1.0:
        msg = f"evenness_weight must lie in [0, 1], got {evenness_weight!r}"
        raise ValueError(msg)
    key = LEVEL_KEY[level]
    codes = units["code"].to_numpy()
    inhabitants = units["inhabitants"].fillna(0).to_numpy(float)
    populated = inhabitants > 0
    places = np.array(existing_places.reindex(codes).fillna(0), dtype=float)
    position = {code: i for i, code in enumerate(codes)}
    unit_of_site = scored[key].map(position).to_numpy()
    eligible = np.array(~scored["excluded"].to_numpy(bool) & ~pd.isna(unit_of_site))
    scores = scored["score"].to_numpy(float)
    xs, ys = scored.geometry.x.to_numpy(), scored.geometry.y.to_numpy()
    picked_order = np.full(len(scored), -1)
    gains_at_pick = np.full(len(scored), np.nan)
    counts: dict[tuple[str, str], int] = {}
    caps = {"buurtcode": max_per_buurt, "gemeentecode": max_per_gemeente}

    def gini_with(extra_unit: int | None) -> float:
        trial = places.copy()
        if extra_unit is not None:
            trial[extra_unit] += places_per_site
        rate = trial[populated] / inhabitants[populated] * 10_000
        return gini_weighted(rate, inhabitants[populated])

    for order in range(top_n):
        candidates = np.flatnonzero(eligible)
        if candidates.size == 0:
            break
        base = gini_with(None)
        # One Gini per unit, not per site: sites in the same unit change the spread alike.
        unit_gain = {u: base - gini_with(int(u)) for u in np.unique(unit_of_site[candidates])}
        gains = np.array([unit_gain[unit_of_site[i]] for i in candidates])
        top_gain = gains.max()
        scaled = gains / top_gain if top_gain > 0 else np.zeros_like(gains)
        value = (1 - evenness_weight) * scores[candidates] + evenness_weight * scaled
        best = candidates[int(np.argmax(value))]
        picked_order[best] = order + 1
        gains_at_pick[best] = unit_gain[unit_of_site[best]]
        places[int(unit_of_site[best])] += places_per_site
        eligible[best] = False
        if min_spacing_m > 0:
            near = np.hypot(xs - xs[best], ys - ys[best]) < min_spacing_m
            eligible &= ~near
        for column, cap in caps.items():
            if cap is None:
                continue
            value_code = scored[column].iloc[best]
            counts[(column, value_code)] = counts.get((column, value_code), 0) + 1
            if counts[(column, value_code)] >= cap:
                eligible &= (scored[column] != value_code).to_numpy()
    order_series = pd.Series(picked_order, index=scored.index).where(picked_order > 0)
    return pd.DataFrame(
        {
            "shortlisted": picked_order > 0,
            "pick_order": order_series.astype("Int64"),
            "evenness_gain": gains_at_pick,
        },
        index=scored.index,
    )
