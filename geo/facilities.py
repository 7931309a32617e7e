"""The register of existing facilities (opvang, beschermd wonen, Housing First, …).

Confidentiality is enforced at load time: a confidential record (every ``vrouwenopvang`` by
default, and any row flagged ``confidential``) keeps only its buurt. Its point is replaced by
the buurt's representative point, ``location_precision`` becomes ``'buurt'`` and every other
column that could locate it (coordinates, addresses, geometries as text, under any case or
alias: :func:`geo._locate.location_columns`) is emptied, so no later step, export, map or
log can reveal the address.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import _locate, _read, _validate
from geo._errors import PlekwijzerInputError, UnknownValueError, parse_failure
from geo.boundary import REASON_COLUMN, locate_in_region, outside_summary, require_inside
from geo.settings import CONFIDENTIAL_TYPES, DEFAULT_PLACES, FACILITY_TYPES

#: Canonical facility columns in order.
COLUMNS = ("id", "name", "type", "places", "confidential", "buurtcode", "location_precision")
_TRUE = {"1", "true", "ja", "yes", "waar", "y", "j", "x"}
_FALSE = {"0", "false", "nee", "no", "onwaar", "n", ""}
#: A single facility with more places than this is almost surely a typo.
_MAX_PLACES = 2_000


def facilities_from_file(
    path: str | Path,
    *,
    buurten: gpd.GeoDataFrame | None = None,
    borders: gpd.GeoDataFrame | None = None,
    gemeenten: Iterable[str] | None = None,
    default_places: float | None = None,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a facility register from CSV, GeoJSON or GeoPackage.

    Columns: ``id``, ``name``, ``type`` (see :data:`geo.settings.FACILITY_TYPES`), ``places``,
    optional ``confidential`` (ja/nee, true/false; default true for ``vrouwenopvang``), and a
    location: point geometry, ``x``/``y`` (RD New), ``lat``/``lon`` or ``buurtcode``.

    Parameters
    ----------
    path
        The file.
    buurten
        The buurt layer: assigns ``buurtcode`` to every facility and anonymises confidential
        ones. Without it, confidential records are refused (they could not be anonymised).
    borders, gemeenten
        Gemeente borders and the chosen gemeenten, to tell which facilities lie in the region
        (see :func:`facilities_from_frame`).
    default_places
        Places for rows whose ``places`` is empty; None refuses such rows, naming them.
    layer
        The layer of a GeoPackage with several layers.

    Returns
    -------
    geopandas.GeoDataFrame
        The canonical facility layer in EPSG:28992, index = id. ``attrs["notes"]`` lists what
        the reader did that the user should know (facilities left out, columns renamed).
    """
    path = _validate.check_file(path)
    if path.suffix.lower() in {".csv", ".txt"}:
        frame = _read.read_csv(path, numeric=("places", *_locate.COORDINATE_NAMES))
        notes = frame.attrs.get("notes", [])
        _require(frame, path)
        _locate.check_ids(frame, source=path)
        located = _locate.points_from_table(frame, source=path, buurten=buurten)
    else:
        raw = _read.read_vector(path, layer=layer, fold_names=True)
        notes = raw.attrs.get("notes", [])
        _require(raw, path)
        located = _validate.to_rd(raw, source=path)
        _locate.check_ids(located, source=path)
        _validate.require_valid_geometries(located, source=path, id_column="id")
        located = located.set_geometry(located.geometry.representative_point())
        located["location_precision"] = "point"
        _validate.require_in_bounds(located, source=path, id_column="id")
    located.attrs["notes"] = list(notes)
    return facilities_from_frame(
        located,
        source=path,
        buurten=buurten,
        borders=borders,
        gemeenten=gemeenten,
        default_places=default_places,
    )


def facilities_from_frame(
    frame: gpd.GeoDataFrame,
    *,
    source: str | Path | None = None,
    buurten: gpd.GeoDataFrame | None = None,
    borders: gpd.GeoDataFrame | None = None,
    gemeenten: Iterable[str] | None = None,
    default_places: float | None = None,
) -> gpd.GeoDataFrame:
    """Validate a located register and return the canonical, anonymised facility layer.

    With ``buurten``, facilities outside the region (see :mod:`geo.boundary`; ``borders``
    and ``gemeenten`` as in :func:`geo.boundary.locate_in_region`) are left out of the
    register, so that unit counts and access figures agree, and ``attrs["notes"]`` says which;
    a register with no facility in the region is refused, naming where they lie.
    """
    _require(frame, source)
    notes = list(frame.attrs.get("notes", []))
    out = frame.copy()
    out["id"] = out["id"].astype("string").str.strip()
    out["name"] = (
        out["name"].astype("string").str.strip() if "name" in out.columns else out["id"]
    ).fillna(out["id"])
    out["type"] = _facility_types(out, source=source)
    out["places"] = _places(out, source=source, default_places=default_places)
    out["confidential"] = _confidential_flags(out, source=source)
    if buurten is not None:
        out = locate_in_region(out, buurten, borders=borders, gemeenten=gemeenten)
        chosen = sorted(set(buurten["gemeentecode"].dropna()) if gemeenten is None else gemeenten)
        require_inside(out, what="voorzieningen", region_label=", ".join(chosen), source=source)
        note = outside_summary(out, what=("voorziening", "voorzieningen"))
        if note:
            notes.append(note)
        out = out[out[REASON_COLUMN].isna()].drop(columns=REASON_COLUMN)
    elif "buurtcode" not in out.columns:
        out["buurtcode"] = pd.NA
    if out["confidential"].any():
        out = _anonymise(out, buurten, source=source)
    rest = [c for c in out.columns if c not in COLUMNS and c != out.geometry.name]
    out = out[[*COLUMNS, *rest, out.geometry.name]]
    out = out.set_index(out["id"].to_numpy()).rename_axis(None)
    out.attrs["notes"] = notes
    return out


def facilities_from_shortlist(
    collection: dict[str, Any] | str | Path,
    *,
    buurten: gpd.GeoDataFrame,
    facility_type: str | None = None,
) -> gpd.GeoDataFrame:
    """Turn the shortlisted sites of a ``plekwijzer score`` GeoJSON into new facilities.

    The facility type comes from ``facility_type``, else the collection's ``plekwijzer``
    member (written by ``score``); places from a ``places`` property, else
    :data:`geo.settings.DEFAULT_PLACES`.

    Parameters
    ----------
    collection
        The GeoJSON FeatureCollection, as parsed JSON or as its file.
    buurten
        The region's buurten: they give each new facility its codes.
    facility_type
        Type of the new facilities; None takes the one the collection names.

    Returns
    -------
    geopandas.GeoDataFrame
        The shortlisted sites as a facility register (see :func:`facilities_from_sites`).
    """
    source = None
    if not isinstance(collection, dict):
        source = _validate.check_file(collection)
        try:
            collection = json.loads(source.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            msg = (
                f"geen geldige JSON ({parse_failure(exc)}); geef de GeoJSON die `plekwijzer score` "
                "schreef."
            )
            raise PlekwijzerInputError(msg, source=source) from exc
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        msg = "geen GeoJSON FeatureCollection; geef het bestand dat `plekwijzer score` schreef."
        raise PlekwijzerInputError(msg, source=source)
    kind = facility_type or (collection.get("plekwijzer") or {}).get("facility_type")
    if kind not in FACILITY_TYPES:
        msg = (
            "de shortlist zegt niet welk type voorziening erbij komt; geef --type (een van "
            f"{', '.join(FACILITY_TYPES)})."
        )
        raise PlekwijzerInputError(msg, source=source)
    features = [
        f for f in collection.get("features", []) if (f.get("properties") or {}).get("shortlisted")
    ]
    if not features:
        msg = "de verzameling heeft geen plekken op de shortlist (eigenschap shortlisted = true)."
        raise PlekwijzerInputError(msg, source=source)
    sites = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326").to_crs(buurten.crs)
    return facilities_from_sites(sites, facility_type=kind, buurten=buurten, source=source)


def facilities_from_sites(
    sites: gpd.GeoDataFrame,
    *,
    facility_type: str,
    buurten: gpd.GeoDataFrame,
    source: str | Path | None = None,
) -> gpd.GeoDataFrame:
    """Return new facilities of one type at the given sites (e.g. a shortlist).

    Places come from a ``places`` column when present, else
    :data:`geo.settings.DEFAULT_PLACES`. Ids are prefixed ``NEW-``.

    Parameters
    ----------
    sites
        Points with ``id`` (and optionally ``name`` and ``places``), in any CRS.
    facility_type
        Type of every new facility.
    buurten
        The region's buurten: they give each facility its codes and the CRS.
    source
        The file the sites came from, for messages.

    Returns
    -------
    geopandas.GeoDataFrame
        A register as :func:`facilities_from_frame` returns it.
    """
    frame = gpd.GeoDataFrame(
        {
            "id": "NEW-" + sites["id"].astype(str),
            "name": sites["name"].astype(str) if "name" in sites else sites["id"].astype(str),
            "type": facility_type,
            "places": (
                sites["places"] if "places" in sites else DEFAULT_PLACES.get(facility_type, 1)
            ),
            "location_precision": "point",
        },
        geometry=sites.geometry.to_numpy(),
        crs=sites.crs,
    ).to_crs(buurten.crs)
    frame["places"] = frame["places"].astype(str)
    return facilities_from_frame(frame.reset_index(drop=True), source=source, buurten=buurten)


def assign_buurt(layer: gpd.GeoDataFrame, buurten: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Add ``buurtcode``, ``wijkcode`` and ``gemeentecode`` of the buurt each point lies in.

    Points outside every buurt get the nearest buurt within 250 m (approximate polygons leave
    small gaps at borders), else missing codes.
    """
    _validate.require_crs_match(layer, buurten, left_name="de punten", right_name="buurten")
    keys = buurten[["buurtcode", "wijkcode", "gemeentecode", buurten.geometry.name]]
    keys = keys[keys.geometry.notna()].reset_index(drop=True)
    points = layer.drop(
        columns=[c for c in ("buurtcode", "wijkcode", "gemeentecode") if c in layer.columns]
    )
    positions = np.arange(len(points))
    hits = gpd.GeoDataFrame(
        {"_pos": positions}, geometry=points.geometry.to_numpy(), crs=points.crs
    )
    joined = hits.sjoin_nearest(keys, how="left", max_distance=250.0)
    # Points on a shared border match two buurten: keep the first, deterministically.
    joined = joined[~joined["_pos"].duplicated()].set_index("_pos").reindex(positions)
    for column in ("buurtcode", "wijkcode", "gemeentecode"):
        points[column] = joined[column].to_numpy()
    return points


def public_view(facilities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return the register as it may leave the tool (maps, exports): no confidential points.

    Confidential rows are already anonymised at load; this drops their geometry entirely, as a
    second line of defence, leaving them to be shown as buurt aggregates.
    """
    out = facilities.copy()
    out.loc[out["confidential"], out.geometry.name] = None
    return out


def _require(frame: pd.DataFrame, source: str | Path | None) -> None:
    _validate.require_columns(
        frame, ["id", "type"], source=source, what="een register van voorzieningen"
    )
    if "places" not in frame.columns:
        msg = "kolom 'places' (het aantal plaatsen per voorziening) ontbreekt. Voeg haar toe."
        raise _validate.MissingColumnError(msg, source=source)


def _places(
    frame: pd.DataFrame, *, source: str | Path | None, default_places: float | None
) -> pd.Series:
    places = _validate.numeric_column(
        frame, "places", source=source, id_column="id", minimum=0, maximum=_MAX_PLACES
    )
    empty = places.isna()
    if empty.any() and default_places is None:
        rows = _validate.describe_rows(frame, empty, id_column="id")
        msg = (
            f"lege 'places' in {rows}: vul het aantal plaatsen (bedden, units) van elke "
            "voorziening in, of zeg hoeveel aan te nemen (--default-places N)."
        )
        raise PlekwijzerInputError(msg, source=source)
    return places.fillna(default_places)


def _facility_types(frame: pd.DataFrame, *, source: str | Path | None) -> pd.Series:
    types = frame["type"].astype("string").str.strip().str.lower().str.replace(" ", "_")
    unknown = ~types.isin(FACILITY_TYPES)
    if unknown.any():
        rows = _validate.describe_rows(frame, unknown, id_column="id")
        msg = (
            f"onbekend type voorziening {frame['type'][unknown].iloc[0]!r} in {rows}. Gebruik een "
            f"van: {', '.join(FACILITY_TYPES)}."
        )
        raise UnknownValueError(msg, source=source)
    return types.astype(str)


def _confidential_flags(frame: pd.DataFrame, *, source: str | Path | None) -> pd.Series:
    default = frame["type"].isin(CONFIDENTIAL_TYPES)
    if "confidential" not in frame.columns:
        return default
    text = frame["confidential"].astype("string").str.strip().str.lower().fillna("")
    bad = ~text.isin(_TRUE | _FALSE)
    if bad.any():
        rows = _validate.describe_rows(frame, bad, id_column="id")
        msg = f"kolom 'confidential' heeft {frame['confidential'][bad].iloc[0]!r} in {rows}: "
        msg += "gebruik ja/nee (of true/false)."
        raise PlekwijzerInputError(msg, source=source)
    # A type that is confidential by nature stays confidential even if a row says 'nee'.
    return text.isin(_TRUE) | default


def _anonymise(
    facilities: gpd.GeoDataFrame,
    buurten: gpd.GeoDataFrame | None,
    *,
    source: str | Path | None,
) -> gpd.GeoDataFrame:
    if buurten is None:
        msg = (
            "het register bevat vertrouwelijke voorzieningen, die alleen op buurtniveau zijn "
            "vastgelegd; laad ze samen met een regio (de buurtenlaag)."
        )
        raise PlekwijzerInputError(msg, source=source)
    out = facilities.copy()
    secret = out["confidential"].to_numpy()
    unplaced = secret & out["buurtcode"].isna().to_numpy()
    if unplaced.any():
        rows = _validate.describe_rows(out, pd.Series(unplaced, index=out.index), id_column="id")
        msg = (
            f"vertrouwelijke voorziening in {rows} ligt buiten de buurten van de regio; verbeter "
            "de plek."
        )
        raise PlekwijzerInputError(msg, source=source)
    anchors = buurten.set_index("buurtcode").geometry.representative_point()
    out.loc[secret, out.geometry.name] = anchors.loc[out.loc[secret, "buurtcode"]].to_numpy()
    out.loc[secret, "location_precision"] = "buurt"
    # Every column that could place the row more precisely than its buurt, whatever its
    # case or alias (Latitude, X, rd_x, adres, a geometry as text), is cleared: a later
    # writer that copies columns cannot leak what is no longer there.
    for column in _locate.location_columns(out):
        out[column] = _cleared(out[column], secret)
    return out


def _cleared(values: pd.Series, secret: np.ndarray) -> pd.Series:
    """Return ``values`` with the ``secret`` rows missing, in a dtype that can hold that."""
    if pd.api.types.is_float_dtype(values):
        return values.mask(secret)
    return values.astype(object).mask(secret).astype("string")
