"""Tables as people read them: Dutch column names, labels instead of ids, nl-NL numbers.

Pure pandas, no Streamlit: the app shows these frames as they are, and the same wording
serves the council report. Numbers become text here (``1.234,5``) because a table widget
would otherwise print them in English notation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import pandas as pd

from geo import nlformat
from geo.labels import feature_label
from geo.settings import CRS_RD, CRS_WGS84

#: Unit table columns -> Dutch headings, with the decimals each is shown with.
UNIT_COLUMNS: dict[str, tuple[str, int | None]] = {
    "code": ("code", None),
    "name": ("naam", None),
    "inhabitants": ("inwoners", 0),
    "facilities": ("voorzieningen", 0),
    "places": ("plaatsen", 0),
    "per_10k": ("per 10.000", 1),
    "fair_share": ("eerlijk deel", 1),
    "surplus": ("boven/onder", 1),
    "draagkracht": ("draagkracht", 2),
}
_SOURCE_WORDS = {
    "measured": "gemeten",
    "network": "over het wegennet",
    "estimate": "schatting",
    "straight_line": "hemelsbreed × omweg",
}


def raw_value(value: Any, feature: str) -> str:
    """Return a criterion's raw value as Dutch text with its unit.

    Parameters
    ----------
    value
        The raw feature value (a number, a category or None).
    feature
        The feature name; its suffix gives the unit (``_m``, ``_km``, ``_m2``).

    Returns
    -------
    str

    Examples
    --------
    >>> raw_value(1637.39, "walk_to_dagopvang_m")
    '1.637 m'
    >>> raw_value(None, "floor_area_m2")
    'onbekend'
    >>> raw_value("kantoor", "use")
    'kantoor'
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "onbekend"
    if isinstance(value, str):
        return value
    if feature.endswith("_m"):
        return f"{nlformat.number(value, decimals=0)} m"
    if feature.endswith("_km"):
        return f"{nlformat.number(value, decimals=1)} km"
    if feature.endswith("_m2"):
        return f"{nlformat.number(value, decimals=0)} m²"
    decimals = 0 if float(value).is_integer() else 2
    return nlformat.number(value, decimals=decimals)


def explanation_table(
    parts: Mapping[str, Mapping[str, Any]], labels: Mapping[str, str]
) -> pd.DataFrame:
    """Return one site's explanation as a Dutch table, a row per criterion.

    Parameters
    ----------
    parts
        :func:`criteria.scoring.explain` output: per criterion ``raw``, ``transformed``,
        ``weight``, ``contribution``, ``feature`` and optionally ``source``.
    labels
        Criterion name -> Dutch label (:attr:`criteria.profiles.Profile.labels`).

    Returns
    -------
    pandas.DataFrame
        Columns ``criterium``, ``waarde``, ``bron``, ``0–1``, ``gewicht``, ``bijdrage``
        (text), and ``bijdrage_getal`` (the number, for a chart).
    """
    rows = []
    for name, part in parts.items():
        feature = str(part.get("feature", name))
        rows.append(
            {
                "criterium": labels.get(name, name),
                "waarde": raw_value(part.get("raw"), feature),
                "bron": _SOURCE_WORDS.get(str(part.get("source")), feature_label(feature)),
                "0–1": nlformat.number(part["transformed"], decimals=2),
                "gewicht": nlformat.percent(part["weight"]),
                "bijdrage": nlformat.number(part["contribution"], decimals=3),
                "bijdrage_getal": float(part["contribution"]),
            }
        )
    return pd.DataFrame(rows)


def shortlist_table(
    shortlist: pd.DataFrame,
    gemeente_names: Mapping[str, str],
    buurt_names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Return the shortlist as a Dutch table in rank order.

    Parameters
    ----------
    shortlist
        Shortlisted sites (``rank``, ``id``, ``name``, ``use``, ``gemeentecode``,
        ``buurtcode``, ``score``; ``stability`` and ``needs_check`` when present).
    gemeente_names
        Gemeentecode -> name.
    buurt_names
        Buurtcode -> name; codes are shown where a name is missing.

    Returns
    -------
    pandas.DataFrame
        ``nr.`` numbers the picks 1, 2, … (the ``#3`` a skipped site's reason names),
        ``rang`` is the site's place by score.
    """
    table = pd.DataFrame(
        {
            "nr.": range(1, len(shortlist) + 1),
            "rang": shortlist["rank"].astype(int).to_numpy(),
            "id": shortlist["id"].to_numpy(),
            "naam": shortlist["name"].to_numpy(),
            "gebruik": shortlist["use"].to_numpy(),
            "gemeente": shortlist["gemeentecode"].map(gemeente_names).to_numpy(),
            "buurt": [(buurt_names or {}).get(code, code) for code in shortlist["buurtcode"]],
            "score": [nlformat.number(s, decimals=3) for s in shortlist["score"]],
        }
    )
    if "stability" in shortlist:
        table["stabiel"] = [nlformat.percent(s) for s in shortlist["stability"]]
    if "needs_check" in shortlist:
        table["te controleren"] = ["ja" if flag else "" for flag in shortlist["needs_check"]]
    return table


def skipped_table(
    table: pd.DataFrame,
    gemeente_names: Mapping[str, str],
    buurt_names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Return the sites ranked above the last pick but skipped, with why, in rank order.

    Parameters
    ----------
    table
        The scored table (``rank``, ``id``, ``name``, ``gemeentecode``, ``buurtcode``,
        ``score``, ``skip_reason`` from :func:`criteria.shortlist.pick_sites`).
    gemeente_names
        Gemeentecode -> name.
    buurt_names
        Buurtcode -> name; codes are shown where a name is missing.

    Returns
    -------
    pandas.DataFrame
        Columns ``rang``, ``id``, ``naam``, ``gemeente``, ``buurt``, ``score``, ``reden``
        (the reason without its ``overgeslagen:`` prefix); empty without skipped sites.
    """
    if "skip_reason" not in table:
        skipped = table.iloc[0:0]
    else:
        skipped = table[table["skip_reason"].notna()].sort_values("rank")
    return pd.DataFrame(
        {
            "rang": skipped["rank"].astype(int).to_numpy(),
            "id": skipped["id"].to_numpy(),
            "naam": skipped["name"].to_numpy(),
            "gemeente": skipped["gemeentecode"].map(gemeente_names).to_numpy(),
            "buurt": [(buurt_names or {}).get(code, code) for code in skipped["buurtcode"]],
            "score": [nlformat.number(s, decimals=3) for s in skipped["score"]],
            "reden": [
                str(r).removeprefix("overgeslagen: ") for r in skipped.get("skip_reason", [])
            ],
        }
    )


#: Unit columns that change when the shortlist is added: shown "nu" and "met shortlist".
CHANGING_COLUMNS = ("facilities", "places", "per_10k", "fair_share", "surplus")


def unit_table(
    units: pd.DataFrame,
    *,
    after: pd.DataFrame | None = None,
    gemeenten: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Return a spread unit table with Dutch headings and nl-NL numbers.

    Parameters
    ----------
    units
        :func:`geo.spread.unit_table` output (``code``, ``name``, ``inhabitants`` …), the
        spread now.
    after
        The same table with the shortlist added; its changing columns (places, per 10,000,
        fair share, surplus) then appear twice, headed "nu" and "met shortlist", so a
        figure is never read without knowing which it is.
    gemeenten
        Unit code -> gemeente name, for wijken and buurten: a ``gemeente`` column follows
        the name (wijk names repeat across gemeenten: "Wijk 01 Centrum").

    Returns
    -------
    pandas.DataFrame
    """
    shown: dict[str, Any] = {}
    for column, (heading, decimals) in UNIT_COLUMNS.items():
        if column not in units:
            continue
        versions = [("", units)]
        if after is not None and column in CHANGING_COLUMNS:
            aligned = after.set_index("code").reindex(units["code"]).reset_index()
            versions = [(" nu", units), (" met shortlist", aligned)]
        for suffix, frame in versions:
            values = frame[column]
            if decimals is None:
                shown[heading + suffix] = values.astype(str).to_numpy()
            else:
                signed = column == "surplus"
                shown[heading + suffix] = [
                    nlformat.number(v, decimals=decimals, signed=signed) for v in values
                ]
        if column == "name" and gemeenten is not None:
            shown["gemeente"] = [gemeenten.get(code, "") for code in units["code"]]
    return pd.DataFrame(shown)


def new_sites_table(sites: pd.DataFrame) -> pd.DataFrame:
    """Return a coverage plan's new sites as a Dutch table, in cover-rank order.

    Parameters
    ----------
    sites
        :meth:`criteria.coverage_plan.CoveragePlan.new_site_table` output.

    Returns
    -------
    pandas.DataFrame
        ``nr.``, ``id``, ``naam``, ``gebruik``, ``gemeente``, ``buurt``, ``score``,
        ``extra inwoners in bereik`` and ``inwoners in bereik`` (overlap included).
    """
    return pd.DataFrame(
        {
            "nr.": sites["cover_rank"].astype(int).to_numpy(),
            "id": sites["id"].to_numpy(),
            "naam": sites["name"].to_numpy(),
            "gebruik": sites["use"].fillna("").to_numpy(),
            "gemeente": sites["gemeente"].fillna("").to_numpy(),
            "buurt": sites["buurt"].fillna(sites["buurtcode"]).to_numpy(),
            "score": [nlformat.number(v, decimals=3) for v in sites["score"]],
            "extra inwoners in bereik": [nlformat.integer(v) for v in sites["adds_inhabitants"]],
            "inwoners in bereik": [nlformat.integer(v) for v in sites["covers_inhabitants"]],
        }
    )


def sites_csv(sites: gpd.GeoDataFrame) -> str:
    """Return point sites as CSV for a spreadsheet or QGIS: attributes, RD x/y and lat/lon.

    Numbers stay in plain notation (``0.712``) so every program reads them alike; the
    columns are the frame's own (English field names, as in the GeoJSON export).

    Parameters
    ----------
    sites
        Points in a metric CRS (EPSG:28992).

    Returns
    -------
    str
        CSV text with a header, ``x_rd``/``y_rd`` in metres and ``lat``/``lon`` (EPSG:4326).
    """
    plain = pd.DataFrame(sites.drop(columns=sites.geometry.name))
    rd = sites.to_crs(CRS_RD).geometry
    wgs = sites.to_crs(CRS_WGS84).geometry
    plain["x_rd"], plain["y_rd"] = rd.x.round(1).to_numpy(), rd.y.round(1).to_numpy()
    plain["lat"], plain["lon"] = wgs.y.round(6).to_numpy(), wgs.x.round(6).to_numpy()
    return plain.to_csv(index=False)


def comparison_tables(
    indices: pd.DataFrame,
    gemeenten: pd.DataFrame,
    sites: pd.DataFrame,
    index_labels: Mapping[str, str],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return the three tables of a comparison of runs A and B, in Dutch.

    Parameters
    ----------
    indices, gemeenten, sites
        :class:`criteria.compare.RunComparison` members.
    index_labels
        Index name -> Dutch label.

    Returns
    -------
    tuple of pandas.DataFrame
        The indices (``maat``, ``A nu``, ``A met shortlist``, ``B nu``, ``B met
        shortlist``), per gemeente (inhabitants, places now and, per side, new sites,
        per 10,000 and surplus with the shortlist), and the shortlisted sites with their
        place on each list.
    """
    index_table = pd.DataFrame(
        {
            "maat": [index_labels.get(str(name), str(name)) for name in indices.index],
            **{
                heading: [nlformat.number(v, decimals=3) for v in indices[column]]
                for column, heading in (
                    ("a_before", "A nu"),
                    ("a_after", "A met shortlist"),
                    ("b_before", "B nu"),
                    ("b_after", "B met shortlist"),
                )
            },
        }
    )
    per_gemeente: dict[str, Any] = {
        "gemeente": gemeenten["name"].astype(str).to_numpy(),
        "inwoners": [nlformat.integer(v) for v in gemeenten["inhabitants"]],
        "plaatsen nu": [
            nlformat.integer(v)
            for v in gemeenten["a_places_before"].fillna(gemeenten["b_places_before"])
        ],
    }
    for side in ("a", "b"):
        label = side.upper()
        per_gemeente[f"{label}: nieuwe plekken"] = [
            nlformat.integer(v) for v in gemeenten[f"{side}_new_sites"]
        ]
        per_gemeente[f"{label}: per 10.000 met shortlist"] = [
            nlformat.number(v, decimals=1) for v in gemeenten[f"{side}_per_10k_after"]
        ]
        per_gemeente[f"{label}: boven/onder eerlijk deel"] = [
            nlformat.number(v, decimals=1, signed=True) for v in gemeenten[f"{side}_surplus_after"]
        ]
    names = dict(zip(gemeenten.index, gemeenten["name"].astype(str), strict=True))

    def place(value: Any) -> str:
        return "" if pd.isna(value) else f"#{int(value)}"

    site_table = pd.DataFrame(
        {
            "id": sites.index.astype(str),
            "naam": sites["name"].to_numpy(),
            "gemeente": [names.get(c, str(c)) for c in sites["gemeentecode"]],
            "op de shortlist van": sites["in"].to_numpy(),
            "nr. in A": [place(v) for v in sites["a_number"]],
            "nr. in B": [place(v) for v in sites["b_number"]],
            "score A": [nlformat.number(v, decimals=3, missing="") for v in sites["a_score"]],
            "score B": [nlformat.number(v, decimals=3, missing="") for v in sites["b_score"]],
        }
    )
    return index_table, pd.DataFrame(per_gemeente), site_table


def parse_number(text: str) -> float:
    """Read back a number written by this module (``1.234,5`` -> 1234.5).

    Parameters
    ----------
    text
        nl-NL text, possibly signed with ``+`` or ``−``.

    Returns
    -------
    float

    Examples
    --------
    >>> parse_number("−1.234,5")
    -1234.5
    """
    cleaned = text.replace(".", "").replace(",", ".").replace("−", "-").rstrip("%")
    return float(cleaned)
