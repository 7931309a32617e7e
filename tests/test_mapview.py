"""Map payloads (geo.mapdata) and the map component's files (geo.mapview)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import Point

from geo import mapdata, mapstyle, mapview
from geo.facilities import facilities_from_file, public_view
from geo.labels import type_label
from geo.settings import CRS_RD

TO_WGS84 = Transformer.from_crs(CRS_RD, "EPSG:4326", always_xy=True)


@pytest.fixture
def scored() -> gpd.GeoDataFrame:
    """Four scored sites in RD New: one excluded, one shortlisted."""
    return gpd.GeoDataFrame(
        {
            "name": ["Kantoor A", "School B", "Grond C", "Zorg D"],
            "score": [0.40, 0.90, 0.70, 0.55],
            "rank": pd.array([3, 1, pd.NA, 2], dtype="Int64"),
            "excluded": [False, False, True, False],
            "shortlisted": [False, True, False, False],
        },
        geometry=[
            Point(100_100, 400_100),
            Point(100_900, 400_200),
            Point(101_500, 400_500),
            Point(100_500, 400_800),
        ],
        crs=CRS_RD,
        index=["a", "b", "c", "d"],
    )


def test_site_payload_draw_order_ids_and_numbers(scored: gpd.GeoDataFrame) -> None:
    payload = mapdata.site_payload(scored)
    # Excluded first, then by rising score: the best site is drawn last, on top.
    assert payload.ids == ["c", "a", "d", "b"]
    assert payload.names == ["Grond C", "Kantoor A", "Zorg D", "School B"]
    assert payload.n == 4
    assert len(payload.numbers) == 4 * (5 * 4 + 2)
    lon, lat = TO_WGS84.transform(100_900, 400_200)
    assert payload.column("lat")[3] == pytest.approx(lat, abs=1e-5)
    assert payload.column("lon")[3] == pytest.approx(lon, abs=1e-5)
    assert payload.column("rank").tolist() == [0, 3, 2, 1]
    np.testing.assert_allclose(payload.column("score"), [0.70, 0.40, 0.55, 0.90], rtol=1e-6)
    assert payload.column("flags").tolist() == [mapdata.FLAG_EXCLUDED, 0, 0, 2]


def test_site_colours_stretch_over_the_eligible_scores(scored: gpd.GeoDataFrame) -> None:
    payload = mapdata.site_payload(scored)
    colour = payload.column("colour").tolist()
    assert colour[0] == mapdata.EXCLUDED_INDEX
    # Eligible scores 0.40..0.90: lowest red end, highest green end, 0.55 in between.
    assert colour[1] == 0
    assert colour[3] == mapdata.SCORE_STEPS - 1
    assert colour[2] == round((0.55 - 0.40) / 0.50 * (mapdata.SCORE_STEPS - 1))
    assert payload.span == (0.40, 0.90)
    palette = payload.meta()["palette"]
    assert len(palette) == mapdata.SCORE_STEPS
    assert palette[0] == mapview.SCORE_COLOURS[0]
    assert palette[-1] == mapview.SCORE_COLOURS[-1]


def test_site_payload_key_follows_scores_not_call(scored: gpd.GeoDataFrame) -> None:
    first = mapdata.site_payload(scored)
    assert mapdata.site_payload(scored.copy()).key == first.key
    rescored = scored.assign(score=[0.40, 0.90, 0.70, 0.60])
    assert mapdata.site_payload(rescored).key != first.key


def test_site_payload_meta_is_json_and_accepts_wgs84(scored: gpd.GeoDataFrame) -> None:
    import json

    wgs = mapdata.site_payload(scored.to_crs("EPSG:4326"))
    rd = mapdata.site_payload(scored)
    np.testing.assert_allclose(wgs.column("lat"), rd.column("lat"), atol=1e-5)
    meta = json.loads(json.dumps(rd.meta()))
    assert meta["n"] == 4
    assert meta["excluded_colour"] == mapview.EXCLUDED_COLOUR
    with pytest.raises(KeyError, match="unknown site field"):
        rd.column("height")


def test_area_shapes_simplified_once_and_coloured_per_column(
    tiny_buurten: gpd.GeoDataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    original = mapview.display_layer

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(mapdata, "display_layer", counting)
    shapes = mapdata.AreaShapes.from_layer(tiny_buurten.assign(draagkracht=[0.2, 0.8]))
    by_draagkracht = shapes.payload(column="draagkracht", tooltip_columns={"inhabitants": "Inw"})
    by_inhabitants = shapes.payload(column="inhabitants")
    outlines = shapes.payload(name_column=None)
    assert len(calls) == 1
    # The geometry dicts are shared, never rebuilt per colouring.
    assert by_draagkracht["features"][0]["geometry"] is by_inhabitants["features"][0]["geometry"]
    assert shapes.payload(column="draagkracht", tooltip_columns={"inhabitants": "Inw"}) is (
        by_draagkracht
    )
    fills = [f["properties"]["fill"] for f in by_draagkracht["features"]]
    assert all(fills)
    assert fills[0] != fills[1]
    assert by_draagkracht["features"][1]["properties"]["tip"] == "<b>Oost</b><br>Inw: 3.000"
    assert [f["properties"]["fill"] for f in outlines["features"]] == [None, None]
    assert outlines["features"][0]["properties"]["tip"] is None
    assert len({by_draagkracht["key"], by_inhabitants["key"], outlines["key"]}) == 3


def test_area_shapes_in_wgs84_rounded_and_bounded(tiny_buurten: gpd.GeoDataFrame) -> None:
    shapes = mapdata.AreaShapes.from_layer(tiny_buurten)
    ring = np.array(shapes.geometries[0]["coordinates"][0])
    assert np.array_equal(ring, np.round(ring, mapdata.COORD_DECIMALS))
    expected = tiny_buurten.to_crs("EPSG:4326").total_bounds
    np.testing.assert_allclose(shapes.bounds, expected, atol=1e-4)
    assert shapes.key == mapdata.AreaShapes.from_layer(tiny_buurten).key


def test_confidential_facilities_never_become_points(
    tmp_path, tiny_buurten: gpd.GeoDataFrame
) -> None:
    path = tmp_path / "register.csv"
    path.write_text(
        "id,name,type,places,confidential,x,y\n"
        "v,Geheim,vrouwenopvang,8,ja,100123,400877\n"
        "d,Inloop,dagopvang,30,nee,101500,400500\n"
    )
    register = facilities_from_file(path, buurten=tiny_buurten)
    exact = TO_WGS84.transform(100_123, 400_877)
    # Even a frame that still carried the exact point must not leak it.
    leaky = register.copy()
    leaky.loc["v", "geometry"] = Point(100_123, 400_877)
    for frame in (public_view(register), leaky):
        payload = mapdata.facility_payload(frame)
        assert [p["tip"].split(" (")[0] for p in payload["points"]] == ["Inloop"]
        # Counted for the legend, never placed: not at its address and not at its buurt.
        assert payload["confidential"] == 1
        assert payload["types"] == [
            {"type": "dagopvang", "label": type_label("dagopvang"), "colour": "#66a61e", "n": 1}
        ]
        located = [(p["lon"], p["lat"]) for p in payload["points"]]
        assert all(shapely.distance(Point(xy), Point(exact)) > 1e-4 for xy in located), (
            "a confidential facility's exact point left the tool"
        )
        assert "100123" not in str(payload)


def test_sites_coloured_by_a_criterion_and_flagged_te_controleren(
    scored: gpd.GeoDataFrame,
) -> None:
    table = scored.assign(
        transformed__ov=[0.0, 1.0, 0.5, np.nan],
        needs_check=[True, False, True, False],
    )
    payload = mapdata.site_payload(table, colour_by="ov", label="Bereikbaar met ov")
    # Draw order c, a, d, b: the fixed 0–1 scale, grey for the unknown value (d).
    assert payload.span == (0.0, 1.0)
    assert payload.column("colour").tolist() == [
        mapdata.EXCLUDED_INDEX,
        0,
        mapdata.EXCLUDED_INDEX,
        mapdata.SCORE_STEPS - 1,
    ]
    np.testing.assert_allclose(payload.column("value")[[1, 3]], [0.0, 1.0])
    assert payload.meta()["value_label"] == "Bereikbaar met ov"
    # a needs a check; c too, but it is excluded and the map shows it as decided.
    assert payload.column("flags").tolist() == [
        mapdata.FLAG_EXCLUDED,
        mapdata.FLAG_CHECK,
        0,
        mapdata.FLAG_SHORTLISTED,
    ]
    assert payload.key != mapdata.site_payload(table).key
    with pytest.raises(KeyError, match="transformed__walk"):
        mapdata.site_payload(table, colour_by="walk")


def test_legend_names_every_symbol_the_map_draws() -> None:
    sites = mapstyle.site_items((0.4, 0.9))
    labels = " | ".join(item.label for item in sites)
    for words in ("score 0,40", "0,90", "uitgesloten", "shortlist", "te controleren"):
        assert words in labels
    assert 'stroke-dasharray="3 3"' in sites[3].symbol
    register = {
        "types": [{"type": "dagopvang", "label": "dagopvang (inloop)", "colour": "#0f0", "n": 3}],
        "confidential": 2,
    }
    html = mapstyle.legend_html([("Bestaande voorzieningen", mapstyle.facility_items(register))])
    assert "dagopvang (inloop) (3)" in html
    assert "vertrouwelijk: 2 (meegeteld, niet op de kaart)" in html
    by_criterion = mapstyle.site_items((0.0, 1.0), value_label="Bereikbaar met ov")
    assert by_criterion[0].label.startswith("Bereikbaar met ov: 0 (ongunstig)")


def test_frontend_files_are_served_from_the_package() -> None:
    folder = mapview.frontend_dir()
    html = (folder / "index.html").read_text()
    script = (folder / "plekwijzer_map.js").read_text()
    assert 'src="plekwijzer_map.js"' in html
    assert "http" not in html
    # Leaflet comes from the app's own URL; the only remote URL is the optional PDOK tiles.
    remote = {line.strip() for line in script.splitlines() if "https://" in line}
    assert all("pdok.nl" in line or "kadaster.nl" in line for line in remote), remote
    assert "streamlit:componentReady" in script


def test_folium_maps_have_a_metric_scale_and_place_names(tiny_buurten: gpd.GeoDataFrame) -> None:
    shown = mapview.display_layer(tiny_buurten)
    fmap = mapview.base_map(shown.total_bounds, tiles=False)
    places = shown[["name", "geometry"]].set_geometry(mapview.label_points(shown.geometry))
    mapview.add_place_labels(fmap, places)
    page = fmap.get_root().render()
    assert "L.control.scale({imperial: false})" in page
    assert "L.control.scale()" not in page  # folium's own bar would add miles
    for name in shown["name"]:
        assert f"\\u003e{name}\\u003c/div" in page
    # The label point lies inside its shape.
    assert all(shown.geometry.contains(places.geometry))


def test_maps_compared_share_their_classes(tiny_buurten: gpd.GeoDataFrame) -> None:
    from geo.legend import shared_classes

    shown = mapview.display_layer(tiny_buurten)
    now = shown.assign(per_10k=np.linspace(0.0, 10.0, len(shown)))
    later = shown.assign(per_10k=np.linspace(0.0, 20.0, len(shown)))
    classes = shared_classes(now["per_10k"], later["per_10k"])
    items_now = mapview.legend_items(now["per_10k"], "per_10k", classes=classes)
    items_later = mapview.legend_items(later["per_10k"], "per_10k", classes=classes)
    assert items_now == items_later
    assert items_now[-1][1].endswith("20,0")
    fills = []
    for frame in (now, later):
        fmap = mapview.base_map(frame.total_bounds, tiles=False)
        mapview.add_choropleth(fmap, frame, column="per_10k", classes=classes)
        fills.append(fmap.get_root().render())
    # A unit with the same value gets the same colour on both maps (the first, value 0).
    first_colour = mapview.class_colour(0.0, list(classes.bins), mapview.CHOROPLETHS["per_10k"][1])
    assert all(first_colour in page for page in fills)
