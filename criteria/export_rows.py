"""Export rows for GIS users: names, the inventory's own columns and flat criteria columns.

The GeoJSON contract (:data:`criteria.run.EXPORT_PROPERTIES`) keeps ``criteria``, ``checks``
and ``exclusion_reasons`` nested; QGIS shows nested members as JSON text. Beside them each
feature carries, so that a planner can filter and style without parsing JSON:

* ``gemeentenaam`` and ``buurtnaam``;
* the inventory's own columns as the reader kept them (``use``, ``floor_area_m2``,
  ``owner``, …; coordinates and columns the export already has are left out);
* per criterion ``raw_<criterion>`` and ``contrib_<criterion>`` (the raw value and the
  weighted contribution to the score), ``n_checks`` (the number of "te controleren" rules)
  and ``first_exclusion_reason``.

:func:`gemeente_summary` is the per-gemeente layer of the GeoPackage export.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from criteria.run import ScenarioResult

#: Inventory columns never copied: the location (the geometry says it) and reader plumbing.
_NOT_COPIED = frozenset({"x", "y", "lat", "lon", "latitude", "longitude", "geometry"})
#: Columns this module adds itself.
_ADDED = ("gemeentenaam", "buurtnaam", "n_checks", "first_exclusion_reason")


def name_columns(frame: pd.DataFrame, buurten: pd.DataFrame) -> pd.DataFrame:
    """Return ``gemeentenaam`` and ``buurtnaam`` for the rows of ``frame``.

    Parameters
    ----------
    frame
        Rows with ``buurtcode`` and ``gemeentecode``.
    buurten
        The region's buurten (``buurtcode``, ``name``, ``gemeentecode``, ``gemeentenaam``).

    Returns
    -------
    pandas.DataFrame
        Aligned to ``frame``.
    """
    buurt = buurten.drop_duplicates("buurtcode").set_index("buurtcode")["name"]
    gemeente = buurten.drop_duplicates("gemeentecode").set_index("gemeentecode")["gemeentenaam"]
    return pd.DataFrame(
        {
            "gemeentenaam": frame["gemeentecode"].map(gemeente).astype(object),
            "buurtnaam": frame["buurtcode"].map(buurt).astype(object),
        },
        index=frame.index,
    )


def inventory_columns(candidates: pd.DataFrame, taken: set[str]) -> list[str]:
    """Return the inventory's own columns worth exporting (not already in ``taken``)."""
    return [
        c
        for c in candidates.columns
        if isinstance(c, str)
        and c not in taken
        and c.lower() not in _NOT_COPIED
        and c != candidates.geometry.name
    ]


def inventory_by_id(candidates: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Return the inventory's ``columns`` keyed by id (the first row of an id given twice).

    The readers key the inventory by its ids already (an object index,
    :mod:`geo.candidates`): that index is used as it is, so the export of a million sites
    keeps no copy of these columns and no second index of the ids (an Arrow-backed one
    makes a Python string per site for its lookups: 80 MB a million) alive.

    Parameters
    ----------
    candidates
        The inventory as read, with an ``id`` column.
    columns
        The inventory columns wanted.

    Returns
    -------
    pandas.DataFrame
        ``columns``, indexed by id, one row per id.

    Examples
    --------
    >>> inventory = pd.DataFrame({"id": ["a", "b", "a"], "use": ["kerk", "school", "zorg"]})
    >>> inventory_by_id(inventory, ["use"])["use"].to_dict()
    {'a': 'kerk', 'b': 'school'}
    """
    # Compared as the column's own array: an Index of it would make a Python string per id.
    same = pd.Series(candidates["id"].array == candidates.index.to_numpy(), copy=False)
    if not same.fillna(False).astype(bool).all():
        return candidates.drop_duplicates("id").set_index("id")[columns]
    keyed = candidates[columns]  # shares the inventory's data (copy on write)
    if not candidates.index.is_unique:
        keyed = keyed[~candidates.index.duplicated()]
    return keyed


def flat_columns(frame: pd.DataFrame, criteria: list[str]) -> pd.DataFrame:
    """Return ``raw_<c>``, ``contrib_<c>``, ``n_checks`` and ``first_exclusion_reason``.

    Parameters
    ----------
    frame
        Rows of a scored table (``raw__<c>``, ``contribution__<c>``, ``checks``,
        ``exclusion_reasons``).
    criteria
        The scored criteria, in profile order.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``frame``.

    Examples
    --------
    >>> table = pd.DataFrame({"raw__a": [3.0], "contribution__a": [0.2],
    ...     "checks": [[{"rule": "r", "reason": "x"}]], "exclusion_reasons": [[]]})
    >>> flat_columns(table, ["a"]).iloc[0].to_dict()
    {'raw_a': 3.0, 'contrib_a': 0.2, 'n_checks': 1, 'first_exclusion_reason': None}
    """
    out: dict[str, Any] = {}
    for name in criteria:
        if f"raw__{name}" in frame.columns:
            out[f"raw_{name}"] = frame[f"raw__{name}"].to_numpy(dtype=object)
            out[f"contrib_{name}"] = frame[f"contribution__{name}"].to_numpy(dtype=float)
    checks = frame["checks"] if "checks" in frame.columns else pd.Series([[]] * len(frame))
    reasons = frame["exclusion_reasons"]
    out["n_checks"] = [len(c) if isinstance(c, list | tuple) else 0 for c in checks]
    out["first_exclusion_reason"] = [
        r[0] if isinstance(r, list | tuple | np.ndarray) and len(r) else None for r in reasons
    ]
    return pd.DataFrame(out, index=frame.index)


def export_properties(result: ScenarioResult) -> list[str]:
    """Return the properties of the export: the contract first, then the added columns.

    Parameters
    ----------
    result
        The run.

    Returns
    -------
    list of str
    """
    base = result.scoring.export_properties
    extra = inventory_columns(result.data.candidates, {*base, *_ADDED})
    flat = list(flat_columns(result.table.iloc[:0], list(result.scoring.weights)).columns)
    return [*base, "gemeentenaam", "buurtnaam", *extra, *flat]


def enricher(result: ScenarioResult) -> Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame]:
    """Return the function that adds every export column to a chunk of the scored table.

    Parameters
    ----------
    result
        The run.

    Returns
    -------
    callable
        ``chunk -> chunk with the export columns`` (for :class:`geo.export.GeoJSONStream`).
    """
    scoring = result.scoring
    candidates = result.data.candidates
    extra = inventory_columns(candidates, {*scoring.export_properties, *_ADDED})
    own = inventory_by_id(candidates, extra) if extra else None
    criteria = list(scoring.weights)

    def enrich(chunk: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        rows = scoring._export_rows(chunk)  # the contract's own columns
        # The inventory's values win over the scored table's copies (``use``).
        rows = rows.drop(columns=[c for c in extra if c in rows.columns])
        added = [name_columns(chunk, result.data.buurten), flat_columns(chunk, criteria)]
        if own is not None:
            inventory = own.reindex(chunk["id"].to_numpy(dtype=object))
            inventory.index = chunk.index
            added.append(inventory.astype(object))
        return gpd.GeoDataFrame(pd.concat([rows, *added], axis=1), crs=chunk.crs)

    return enrich


def gemeente_summary(result: ScenarioResult) -> gpd.GeoDataFrame:
    """Return one row per gemeente: inhabitants, places now and with the shortlist, sites.

    Parameters
    ----------
    result
        The run.

    Returns
    -------
    geopandas.GeoDataFrame
        ``gemeentecode``, ``gemeentenaam``, ``inwoners``, ``plaatsen_nu``,
        ``plaatsen_met_shortlist``, ``per_10k_nu``, ``per_10k_met_shortlist``,
        ``eerlijk_deel``, ``boven_onder_eerlijk_deel``, ``kandidaten``, ``geschikt``,
        ``shortlist``, ``te_controleren``; gemeente outlines (dissolved buurten) in
        EPSG:28992.
    """
    report = result.spread_at("gemeente")
    before = report.before.units.set_index("code")
    after = report.after.units.set_index("code")
    table = result.table
    by = table.groupby("gemeentecode")
    shortlisted = table[table["shortlisted"]]
    buurten = result.data.buurten
    shapes = (
        buurten[buurten.geometry.notna()][["gemeentecode", "geometry"]]
        .dissolve("gemeentecode")
        .reindex(before.index)
    )
    summary = pd.DataFrame(
        {
            "gemeentecode": before.index,
            "gemeentenaam": before["name"].to_numpy(),
            "inwoners": before["inhabitants"].to_numpy(),
            "plaatsen_nu": before["places"].to_numpy(),
            "plaatsen_met_shortlist": after["places"].reindex(before.index).to_numpy(),
            "per_10k_nu": before["per_10k"].to_numpy(),
            "per_10k_met_shortlist": after["per_10k"].reindex(before.index).to_numpy(),
            "eerlijk_deel": after["fair_share"].reindex(before.index).to_numpy(),
            "boven_onder_eerlijk_deel": after["surplus"].reindex(before.index).to_numpy(),
            "kandidaten": by.size().reindex(before.index).fillna(0).astype(int).to_numpy(),
            "geschikt": (~table["excluded"])
            .groupby(table["gemeentecode"])
            .sum()
            .reindex(before.index)
            .fillna(0)
            .astype(int)
            .to_numpy(),
            "shortlist": shortlisted.groupby("gemeentecode")
            .size()
            .reindex(before.index)
            .fillna(0)
            .astype(int)
            .to_numpy(),
            "te_controleren": shortlisted["checks"]
            .map(bool)
            .groupby(shortlisted["gemeentecode"])
            .sum()
            .reindex(before.index)
            .fillna(0)
            .astype(int)
            .to_numpy(),
        }
    )
    return gpd.GeoDataFrame(summary, geometry=shapes.geometry.to_numpy(), crs=buurten.crs)


def geopackage_files(result: ScenarioResult, out: Path) -> dict[str | Path, bytes | str]:
    """Return the GeoPackage export and its QGIS style file, for ``write_export_pair``.

    Parameters
    ----------
    result
        The run.
    out
        The ``.gpkg`` path; the style goes beside it as ``<stem>.qml``.

    Returns
    -------
    dict
        ``{out: GeoPackage bytes, <stem>.qml: QML text}``. The GeoPackage holds the layers
        ``locaties`` (every candidate, flat columns, nested ones as JSON text) and
        ``gemeenten`` (:func:`gemeente_summary`), and the style in ``layer_styles``.
    """
    from geo.geopackage import flat_frame, geopackage_bytes, score_style_qml

    rows = enricher(result)(result.table)
    sites = flat_frame(rows, export_properties(result))
    qml = score_style_qml()
    data = geopackage_bytes(
        {"locaties": sites, "gemeenten": gemeente_summary(result)}, styles={"locaties": qml}
    )
    return {out: data, out.with_suffix(".qml"): qml}
