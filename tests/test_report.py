"""The council report: ``plekwijzer report`` on the demo region and on Drechtsteden.

Reports are made once per module; the tests read the PDF's text layer (pypdf), render its
pages with pdftoppm, and search the standalone HTML for what must and must not be there.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from criteria.profiles import load_profile
from criteria.run import run_scenario
from criteria.scenario import Scenario
from geo import nlformat
from geo._errors import PlekwijzerInputError
from geo.datasets.demo import DEMO_CANDIDATES, DEMO_FACILITIES
from geo.datasets.illustrative import illustrative_paths
from geo.facilities import facilities_from_sites
from geo.regions import resolve_region
from geo.report import ReportInput, data_sources, render_html, write_report
from geo.report.content import checks, format_value
from geo.spread_report import scenario_report
from geo.workspace import load_region_data
from tests.test_cli import run_cli

DRECHTSTEDEN_GEMEENTEN = (
    "Dordrecht",
    "Zwijndrecht",
    "Hendrik-Ido-Ambacht",
    "Papendrecht",
    "Sliedrecht",
    "Alblasserdam",
    "Gorinchem",
    "Molenlanden",
)
DATA_URI = re.compile(r"data:image/png;base64,[A-Za-z0-9+/=]+")


@dataclass(frozen=True)
class Made:
    pdf: Path
    html: str
    text: str
    pages: int
    spread: dict
    facilities_csv: Path


def _make(tmp: Path, *, source_dir: Path, region: str, profile: str, cands: Path, facs: Path):
    area = ["--data-dir", source_dir, "--region", region]
    sites = tmp / "sites.geojson"
    scored = run_cli(
        [
            *("score", *area, "--profile", profile, "--top", "6"),
            *("--candidates", cands, "--facilities", facs, "--out", sites),
        ]
    )
    assert scored.code == 0, scored.stderr
    scenario = tmp / "sites.scenario.json"
    for out in ("report.pdf", "report.html"):
        made = run_cli(["report", "--scenario", scenario, "--out", tmp / out])
        assert made.code == 0, made.stderr
    spread = run_cli(
        ["spread", *area, "--facilities", facs, "--scenario", sites, "--out", tmp / "s.json"]
    )
    assert spread.code == 0, spread.stderr
    reader = PdfReader(tmp / "report.pdf")
    text = "\n".join(page.extract_text() for page in reader.pages)
    return Made(
        pdf=tmp / "report.pdf",
        html=(tmp / "report.html").read_text(encoding="utf-8"),
        # Table cells wrap: join words split over lines ("Hendrik-Ido-\nAmbacht").
        text=re.sub(r"-\s*\n\s*", "-", text),
        pages=len(reader.pages),
        spread=json.loads((tmp / "s.json").read_text(encoding="utf-8")),
        facilities_csv=facs,
    )


@pytest.fixture(scope="module")
def drechtsteden(shared_source, tmp_path_factory) -> Made:
    paths = illustrative_paths("drechtsteden")
    return _make(
        tmp_path_factory.mktemp("report_ds"),
        source_dir=shared_source.path,
        region="drechtsteden",
        profile="tussenvoorziening",
        cands=paths["candidates"],
        facs=paths["facilities"],
    )


@pytest.fixture(scope="module")
def demo(demo_source, tmp_path_factory) -> Made:
    return _make(
        tmp_path_factory.mktemp("report_demo"),
        source_dir=demo_source.path,
        region="demo",
        profile="noaberhuuske",
        cands=demo_source.path / DEMO_CANDIDATES,
        facs=demo_source.path / DEMO_FACILITIES,
    )


def test_drechtsteden_pdf_names_every_gemeente_and_the_indices(drechtsteden: Made):
    assert drechtsteden.pages >= 4
    for name in DRECHTSTEDEN_GEMEENTEN:
        assert name in drechtsteden.text, name
    # The indices as `plekwijzer spread --scenario` computes them, in nl-NL notation.
    for key in ("gini", "gini_pop_weighted", "theil", "hoover"):
        change = drechtsteden.spread["delta"]["indices"][key]
        for when in ("before", "after"):
            assert nlformat.number(change[when], decimals=3) in drechtsteden.text, (key, when)
        assert nlformat.delta(change["delta"], decimals=3) in drechtsteden.text
    for heading in ("Gegevensbronnen", "Te controleren", "Bijlage", "Eerlijk aandeel"):
        assert heading in drechtsteden.text
    assert "illustratief" in drechtsteden.text


def test_pdf_is_dutch_for_people(drechtsteden: Made):
    profile = load_profile("tussenvoorziening")
    for criterion in profile.criteria:
        assert criterion.label in drechtsteden.text
        if "_" in criterion.name:  # ids such as near_gp, not Dutch words like draagkracht
            assert criterion.name not in drechtsteden.text
    assert f"pagina 2 van {drechtsteden.pages}" in drechtsteden.text
    # nl-NL: thousands with a dot, no English decimals such as 0.524.
    assert re.search(r"\b\d{1,3}\.\d{3}\b", drechtsteden.text)
    assert not re.search(r"\b0\.\d{3}\b", drechtsteden.text)


def test_pdf_pages_render(drechtsteden: Made, tmp_path):
    if shutil.which("pdftoppm") is None:
        reason = "pdftoppm (poppler-utils) is not installed"
        if os.environ.get("PLEKWIJZER_REQUIRE_PDFTOPPM") == "1":
            pytest.fail(reason + " — PLEKWIJZER_REQUIRE_PDFTOPPM=1 demands it")
        pytest.skip(reason)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "20", str(drechtsteden.pdf), str(tmp_path / "page")],
        check=True,
        timeout=120,
    )
    assert len(list(tmp_path.glob("page-*.png"))) == drechtsteden.pages


def _confidential_places(made: Made) -> list[str]:
    """Coordinates (as registered, in every notation) and names of confidential facilities."""
    register = pd.read_csv(made.facilities_csv)
    hidden = register[register["type"].eq("vrouwenopvang")]
    assert not hidden.empty, "the register should hold a confidential facility to hide"
    texts = []
    for _, row in hidden.iterrows():
        for value in (row["x"], row["y"]):
            texts += [
                f"{value:.1f}",
                f"{int(value)}",
                nlformat.number(value),
                nlformat.integer(value),
            ]
    return texts + [str(n) for n in hidden["name"]]


@pytest.mark.parametrize("made", ["demo", "drechtsteden"])
def test_confidential_facilities_only_aggregated_in_html(made, request):
    report = request.getfixturevalue(made)
    text = DATA_URI.sub("", report.html)
    for hidden in _confidential_places(report):
        assert hidden not in text, hidden
    assert "vertrouwelijke" in text  # the cover says they only count in the totals


def test_demo_report_says_it_is_synthetic(demo: Made):
    assert demo.pages >= 4
    assert "Demoregio" in demo.text
    assert "verzonnen" in demo.text


def test_report_refuses_bad_output(tmp_path):
    result = run_cli(["report", "--scenario", tmp_path / "none.scenario.json", "--out", "x.pdf"])
    assert result.code == 2
    assert "scenariobestand niet gevonden; controleer het pad" in result.stderr
    with pytest.raises(PlekwijzerInputError, match=r"bestandsnaam op \.pdf of \.html"):
        write_report(None, tmp_path / "report.docx")
    with pytest.raises(PlekwijzerInputError, match="bestaat niet"):
        write_report(None, tmp_path / "missing" / "report.pdf")


@pytest.fixture(scope="module")
def demo_input(demo_source) -> ReportInput:
    region = resolve_region("demo")
    data = load_region_data(region, demo_source)
    profile = load_profile("noaberhuuske")
    run = run_scenario(Scenario(profile=profile.name, region="demo"), data=data).scoring
    new = facilities_from_sites(run.shortlist, facility_type=profile.name, buurten=data.buurten)
    spread = scenario_report(data.buurten, data.facilities, new, level="gemeente")
    return ReportInput(
        region_title="Demoregio",
        profile=run.profile,
        table=run.table,
        buurten=data.buurten,
        spread=spread,
        facilities=data.facilities,
        sources=data_sources(demo_source, data.inputs),
    )


def test_checks_and_stability_are_shown(demo_input: ReportInput):
    table = demo_input.table.copy()
    first = table.index[table["shortlisted"]][0]
    table["checks"] = [[] for _ in range(len(table))]
    table.at[first, "checks"] = [
        {"rule": "few_facilities_nearby", "reason": "register onvolledig in deze buurt"}
    ]
    table["stability"] = 0.875
    html = render_html(ReportInput(**{**demo_input.__dict__, "table": table}))
    assert "register onvolledig in deze buurt" in html
    assert "Weinig voorzieningen binnen 1 km</strong>: register onvolledig" in html
    assert "Stabiliteit" in html
    assert "88%" in html


def test_skipped_ranks_explain_themselves(demo_input: ReportInput):
    table = demo_input.table.copy()
    ranked = table[table["shortlisted"]].sort_values("rank")
    table.loc[ranked.index[1:3], "shortlisted"] = False
    table["skip_reason"] = None
    table.loc[ranked.index[1], "skip_reason"] = "overgeslagen: binnen 2 km van #1 (op 850 m)"
    table.loc[ranked.index[2], "skip_reason"] = "overgeslagen: binnen 2 km van #1 (op 1,2 km)"
    html = render_html(ReportInput(**{**demo_input.__dict__, "table": table}))
    assert "Overgeslagen rangen" in html
    assert "rang 2 en 3: binnen 2 km van #1." in html
    table.loc[ranked.index[2], "skip_reason"] = "overgeslagen: max. per gemeente bereikt"
    html = render_html(ReportInput(**{**demo_input.__dict__, "table": table}))
    assert "rang 2: binnen 2 km van #1; rang 3: max. per gemeente bereikt." in html
    # The shortlist table gives each site's rank beside its number.
    assert '<th class="num">Rang</th>' in html
    # Without skipped sites the line is left out.
    table["skip_reason"] = None
    assert "Overgeslagen rangen" not in render_html(
        ReportInput(**{**demo_input.__dict__, "table": table})
    )


def test_checks_flag_buurt_precision_and_unknown_values(demo_input: ReportInput):
    site = demo_input.table[demo_input.table["shortlisted"]].iloc[0].copy()
    site["location_precision"] = "buurt"
    site["raw__ov_access"] = float("nan")
    found = checks(site, demo_input)
    assert {"Ligging", "Bereikbaar met ov"} <= {c["rule"] for c in found}


@pytest.mark.parametrize(
    ("value", "feature", "expected"),
    [
        (1234.0, "floor_area_m2", "1.234 m²"),
        (347.0, "distance_to_bus_tram_stop_m", "350 m"),
        (1.25, "buurt_distance_to_gp_km", "1,3 km"),
        (0.912, "buurt_draagkracht", "0,91"),
        ("kantoor", "use", "kantoor"),
        (float("nan"), "distance_to_dagopvang_m", "onbekend"),
    ],
)
def test_format_value(value, feature, expected):
    assert format_value(value, feature) == expected


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_report_file_follows_the_umask(tmp_path, monkeypatch, umask):
    from geo.report import document

    monkeypatch.setattr(document, "render_html", lambda _report: "<html>rapport</html>")
    previous = os.umask(umask)
    try:
        path = write_report(None, tmp_path / "report.html")
    finally:
        os.umask(previous)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    assert path.read_text() == "<html>rapport</html>"


def test_pdf_text_layer_holds_no_ids(drechtsteden: Made, demo: Made):
    for made in (drechtsteden, demo):
        # Feature ids such as walk_to_bus_tram_stop_m or buurt_draagkracht: snake_case words.
        ids = re.findall(r"\b[a-z]+(?:_[a-z0-9]+)+\b", made.text)
        assert ids == [], ids
        assert "walk_" not in made.text


def test_uploads_are_named_by_file_name_and_read_date(demo_source):
    notes = data_sources(
        demo_source,
        {"candidates": "upload:mijn lijst.csv#sha256:0123456789abcdef#gelezen:2026-11-30"},
    )
    upload = next(n for n in notes if n.name.startswith("Inventaris"))
    assert upload.date == "gelezen 30 november 2026"
    assert upload.note == "geüpload bestand mijn lijst.csv"
    assert "sha256" not in f"{upload.date} {upload.note}"


def test_gemeente_labels_do_not_overlap():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from shapely.geometry import box

    from geo.report.cartography import gemeente_labels, map_axes

    # Three small gemeenten side by side: their names at the centres would overlap.
    shapes = pd.Series(
        [box(0, 0, 300, 1000), box(300, 0, 600, 1000), box(600, 0, 900, 1000)],
        index=["GM1", "GM2", "GM3"],
    )
    import geopandas as gpd

    gemeenten = gpd.GeoSeries(shapes, crs="EPSG:28992")
    fig, ax = map_axes(60, 40)
    ax.set_xlim(-2000, 3000)
    ax.set_ylim(-500, 1500)
    names = {"GM1": "Hendrik-Ido-Ambacht", "GM2": "Papendrecht", "GM3": "Zwijndrecht"}
    gemeente_labels(ax, gemeenten, names, fontsize=7)
    renderer = FigureCanvasAgg(fig).get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    assert len(boxes) == 3
    for i, one in enumerate(boxes):
        for other in boxes[i + 1 :]:
            assert not one.overlaps(other)


def test_site_maps_draw_roads_where_they_reach(demo_input: ReportInput):
    import geopandas as gpd
    from shapely.geometry import LineString

    from geo.report.maps import location_map

    site = demo_input.table.iloc[0].copy()
    site["number"] = 1
    sites = gpd.GeoDataFrame([site], geometry="geometry", crs=demo_input.table.crs)
    x, y = site.geometry.x, site.geometry.y
    roads = gpd.GeoDataFrame(
        {"main_road": [True, False]},
        geometry=[LineString([(x - 800, y + 100), (x + 800, y + 100)]),
                  LineString([(x + 100, y - 800), (x + 100, y + 800)])],
        crs="EPSG:28992",
    )  # fmt: skip
    options = {"others": sites, "facilities": None, "source_text": "Bron: test"}
    plain = location_map(demo_input.buurten, site, **options)
    with_roads = location_map(demo_input.buurten, site, roads=roads, **options)
    far = location_map(demo_input.buurten, site, roads=roads.translate(50_000), **options)
    assert with_roads != plain
    assert far == plain


def test_data_directory_layers_are_listed_with_their_own_dates(shared_source):
    inputs = {
        "dwellings": str(
            shared_source.path / "enschede_addresses/address_points_enschede_2012.gpkg"
        ),
        "roads": str(shared_source.path / "osm_enschede/osm_highways_enschede_2023-12.gpkg"),
    }
    notes = {n.name: n for n in data_sources(shared_source, inputs)}
    assert notes["Adrespunten (gemeten afstand tot woningen)"].date == "november 2012"
    assert notes["Wegen (OpenStreetMap)"].date == "24 december 2023"


def test_surface_scenario_gets_the_zoekgebieden_page(demo_source, tmp_path, capsys):
    # The scenario `plekwijzer surface` writes, reported: the page shows the areas the
    # command found (one path), each with its area in nl-NL, scores, gemeente and buurt.
    import cli

    demo_dir = demo_source.path
    assert (
        cli.main(
            [
                "surface", "--data-dir", str(demo_source.path), "--region", "demo",
                "--profile", "skaeve_huse", "--cell-m", "100", "--min-score", "0.3",
                "--top", "4", "--facilities", str(demo_dir / DEMO_FACILITIES),
                "--out", str(tmp_path / "zoek.tif"), "--areas", str(tmp_path / "zoek.geojson"),
            ]
        )
        == 0
    )  # fmt: skip
    written = json.loads((tmp_path / "zoek.scenario.json").read_text(encoding="utf-8"))
    assert written["surface"]["cell_m"] == 100
    assert written["surface"]["top"] == 4
    areas = json.loads((tmp_path / "zoek.geojson").read_text(encoding="utf-8"))["features"]
    assert areas
    out = tmp_path / "rapport.pdf"
    assert (
        cli.main(
            [
                "report", "--scenario", str(tmp_path / "zoek.scenario.json"),
                "--candidates", str(demo_dir / DEMO_CANDIDATES), "--out", str(out),
            ]
        )
        == 0
    )  # fmt: skip
    capsys.readouterr()
    reader = PdfReader(out)
    pages = [p.extract_text() for p in reader.pages]
    page = next(t for t in pages if "Zoekgebieden: waar zou een voorziening" in t)
    assert f"{len(areas)} zoekgebieden" in page
    assert "Oppervlakte" in page
    assert "Gemiddelde score" in page
    for feature in areas:
        area = feature["properties"]
        hectares = nlformat.number(area["area_m2"] / 10_000, decimals=1)
        size = f"{hectares} ha" if area["area_m2"] >= 10_000 else nlformat.integer(area["area_m2"])
        row = (
            f"{area['rank']} {size} {nlformat.number(area['mean_score'], decimals=3)} "
            f"{nlformat.number(area['best_score'], decimals=3)} {area['gemeentenaam']} "
            f"{area['buurtnaam']}"
        )
        assert row in page, row


def test_no_zoekgebieden_page_without_a_surface(demo_input: ReportInput):
    assert "Zoekgebieden" not in render_html(demo_input)
