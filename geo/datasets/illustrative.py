"""ILLUSTRATIVE inventories and registers for the real seed regions.

There is no open inventory of convertible real estate nor a public register of shelter
locations (the latter is partly confidential by nature). To exercise the engine on real
buurten, this seeded generator places made-up sites and facilities in a region's real CBS
buurten. Every row is labelled ``illustrative``; none of it describes a real building or
facility.

How sites are placed (seed 2026, reproducible):

* buurten are drawn with probability proportional to sqrt(inhabitants + 100), so cities get
  more sites but every kern can get one;
* the site's use depends on the buurt's urbanity (CBS stedelijkheid): offices, schools and
  care buildings in urban buurten; bare land, businesses and farms in rural ones;
* floor and plot areas come from log-normal distributions per use; a point is drawn uniformly
  inside the buurt polygon.

Facilities follow the pattern the regional plans describe: night, day and crisis shelter
concentrated in the centrumgemeente's central buurten, beschermd wonen and Housing First more
spread, one ``vrouwenopvang`` (confidential) per region.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.paths import project_file

SEED = 2026
ILLUSTRATIVE_DIR = project_file("illustrative")

# use -> (share in urban buurten, share in rural buurten, floor m² log-mean, plot m² log-mean)
_USES = {
    "kantoor": (0.28, 0.04, 6.9, 7.0),
    "school": (0.14, 0.06, 7.0, 8.0),
    "zorg": (0.12, 0.05, 7.2, 7.8),
    "winkel": (0.10, 0.04, 5.8, 6.2),
    "bedrijf": (0.12, 0.25, 6.5, 7.8),
    "grond": (0.10, 0.40, np.nan, 7.4),
    "kerk": (0.06, 0.06, 6.2, 7.2),
    "woning": (0.08, 0.10, 4.9, 5.8),
}

# (type, places, how many per region, where: "centre" | "spread")
_FACILITY_PLAN = (
    ("nachtopvang", 40, 1, "centre"),
    ("dagopvang", 80, 2, "centre"),
    ("crisisopvang", 12, 1, "centre"),
    ("beschermd_wonen", 16, 6, "spread"),
    ("housing_first", 3, 6, "spread"),
    ("doorstroomwoning", 4, 4, "spread"),
    ("pauzeplek", 2, 1, "centre"),
    ("vrouwenopvang", 12, 1, "spread"),
    ("tussenvoorziening", 20, 1, "centre"),
    ("skaeve_huse", 6, 1, "spread"),
    ("noaberhuuske", 1, 2, "spread"),
)


def illustrative_paths(region_name: str) -> dict[str, Path]:
    """Paths of a region's illustrative inventory and register in ``data/illustrative``."""
    return {
        "candidates": ILLUSTRATIVE_DIR / f"{region_name}_candidates.csv",
        "facilities": ILLUSTRATIVE_DIR / f"{region_name}_facilities.csv",
    }


def illustrative_candidates(
    buurten: gpd.GeoDataFrame, *, n: int = 240, seed: int = SEED
) -> pd.DataFrame:
    """Place ``n`` made-up candidate sites in the region's buurten (see module notes).

    Returns
    -------
    pandas.DataFrame
        Inventory CSV columns: ``id, name, use, floor_area_m2, plot_area_m2, build_year,
        owner, x, y, buurtcode, note``.
    """
    rng = np.random.default_rng(seed)
    shaped = buurten[buurten.geometry.notna()].sort_index()
    weight = np.sqrt(shaped["inhabitants"].fillna(0).to_numpy() + 100)
    picks = rng.choice(len(shaped), size=n, p=weight / weight.sum())
    chosen = shaped.iloc[picks]
    points = chosen.geometry.sample_points(1, rng=rng).get_geometry(0)
    urban = chosen["urbanity"].fillna(3).to_numpy() <= 2
    names = list(_USES)
    p_urban = np.array([v[0] for v in _USES.values()])
    p_rural = np.array([v[1] for v in _USES.values()])
    uses = np.where(
        urban,
        rng.choice(names, size=n, p=p_urban / p_urban.sum()),
        rng.choice(names, size=n, p=p_rural / p_rural.sum()),
    )
    floor_mu = np.array([_USES[u][2] for u in uses])
    plot_mu = np.array([_USES[u][3] for u in uses])
    floor = np.round(np.exp(floor_mu + rng.normal(0, 0.7, n)))
    plot = np.round(np.exp(plot_mu + rng.normal(0, 0.8, n)))
    years = rng.integers(1900, 2020, n).astype(float)
    years[uses == "grond"] = np.nan
    owners = rng.choice(
        ["gemeente", "corporatie", "zorginstelling", "particulier"],
        size=n,
        p=[0.45, 0.3, 0.1, 0.15],
    )
    return pd.DataFrame(
        {
            "id": [f"ILL-{i + 1:04d}" for i in range(n)],
            "name": [
                f"{u.capitalize()} in {b} (illustratief)"
                for u, b in zip(uses, chosen["name"], strict=True)
            ],
            "use": uses,
            "floor_area_m2": floor,
            "plot_area_m2": plot,
            "build_year": years,
            "owner": owners,
            "x": points.x.round(1).to_numpy(),
            "y": points.y.round(1).to_numpy(),
            "buurtcode": chosen["buurtcode"].to_numpy(),
            "note": "illustrative, not a real site",
        }
    )


def illustrative_facilities(buurten: gpd.GeoDataFrame, *, seed: int = SEED) -> pd.DataFrame:
    """Place a made-up facility register in the region (see module notes).

    The centrumgemeente is the region's most populous gemeente; "centre" facilities go to
    its three densest buurten (by address density), "spread" ones to buurten drawn in
    proportion to inhabitants over the whole region.
    """
    rng = np.random.default_rng(seed + 1)
    shaped = buurten[buurten.geometry.notna() & buurten["inhabitants"].gt(0)].sort_index()
    centre_gm = shaped.groupby("gemeentecode")["inhabitants"].sum().idxmax()
    centre = shaped[shaped["gemeentecode"] == centre_gm].nlargest(3, "address_density_per_km2")
    rows: list[dict[str, object]] = []
    for kind, places, count, where in _FACILITY_PLAN:
        for _ in range(count):
            if where == "centre":
                buurt = centre.iloc[rng.integers(len(centre))]
            else:
                w = shaped["inhabitants"].to_numpy()
                buurt = shaped.iloc[rng.choice(len(shaped), p=w / w.sum())]
            point = (
                gpd.GeoSeries([buurt.geometry], crs=shaped.crs)
                .sample_points(1, rng=rng)
                .get_geometry(0)
            )
            rows.append(
                {
                    "id": f"ILLF-{len(rows) + 1:03d}",
                    "name": f"{kind.replace('_', ' ').capitalize()} {buurt['name']} (illustratief)",
                    "type": kind,
                    "places": max(1, round(places * rng.uniform(0.7, 1.3))),
                    "x": round(point.x.iloc[0], 1),
                    "y": round(point.y.iloc[0], 1),
                    "confidential": "ja" if kind == "vrouwenopvang" else "nee",
                    "note": "illustrative, not a real facility",
                }
            )
    return pd.DataFrame(rows)


def write_illustrative(region_name: str, buurten: gpd.GeoDataFrame, *, n: int = 240) -> dict:
    """Write a region's illustrative inventory and register to ``data/illustrative``."""
    paths = illustrative_paths(region_name)
    ILLUSTRATIVE_DIR.mkdir(parents=True, exist_ok=True)
    illustrative_candidates(buurten, n=n).to_csv(paths["candidates"], index=False)
    illustrative_facilities(buurten).to_csv(paths["facilities"], index=False)
    return paths
