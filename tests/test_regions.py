import json

import pytest

import cli
from geo._errors import PlekwijzerInputError
from geo.regions import load_region_presets, parse_gemeente_codes, region_summary, resolve_region

EXPECTED = {
    "twente": (8, 297, 411_149),
    "amersfoort": (7, 255, 313_291),
    "drechtsteden": (8, 474, 362_328),
    "zuid_kennemerland": (8, 400, 551_171),
}


def test_presets_hold_the_seed_regions():
    presets = load_region_presets()
    assert set(EXPECTED) <= set(presets)
    assert "GM0267" not in presets["amersfoort"].gemeenten  # Nijkerk is optional


def test_cli_regions_json_on_real_data(shared_source, capsys):
    assert cli.main(["regions", "--json", "--data-dir", str(shared_source.path)]) == 0
    listed = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    for name, (n_gemeenten, n_buurten, inhabitants) in EXPECTED.items():
        assert set(listed[name]) == {"name", "gemeenten", "buurten", "inhabitants"}
        assert len(listed[name]["gemeenten"]) == n_gemeenten
        assert listed[name]["buurten"] == n_buurten
        assert listed[name]["inhabitants"] == inhabitants


def test_cli_regions_on_demo_says_synthetic(demo_source, capsys):
    assert cli.main(["regions", "--data-dir", str(demo_source.path)]) == 0
    captured = capsys.readouterr()
    assert "SYNTHETISCHE" in captured.err
    assert captured.out.startswith("demo")


def test_cli_bad_data_dir_exits_2_without_traceback(tmp_path, capsys):
    assert cli.main(["regions", "--data-dir", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert "bestaat niet" in err
    assert "Traceback" not in err


def test_custom_region_from_codes(demo_source):
    region = resolve_region(gemeenten="GM9901, 9902")
    assert region.gemeenten == ("GM9901", "GM9902")
    summary = region_summary(region, demo_source)
    assert summary["buurten"] == 25 + 9


@pytest.mark.parametrize(
    ("codes", "message"),
    [("GM12", "geen CBS-gemeentecode"), ("", "geen gemeentecodes gegeven")],
)
def test_bad_gemeente_codes(codes, message):
    with pytest.raises(PlekwijzerInputError, match=message):
        parse_gemeente_codes(codes)


def test_unknown_region_lists_presets():
    with pytest.raises(
        PlekwijzerInputError, match=r"onbekende regio 'utrecht'\. Voorinstellingen: twente"
    ):
        resolve_region("utrecht")


def test_unknown_gemeente_code_is_refused_naming_it(shared_source):
    with pytest.raises(
        PlekwijzerInputError,
        match=r"gemeentecode GM9999 \(dichtstbijzijnde codes: GM1992 Voorne aan Zee, .*\) "
        r"staat niet in de CBS-data van 2024\. Verbeter de code; `plekwijzer regions` toont "
        r"de voorinstellingen",
    ):
        resolve_region(gemeenten="GM0153,GM9999", source=shared_source)
    assert resolve_region(gemeenten="GM0153", source=shared_source).gemeenten == ("GM0153",)


def test_unknown_gemeente_codes_in_demo_data(demo_source):
    with pytest.raises(
        PlekwijzerInputError, match=r"GM0153 \(dichtstbijzijnde codes: GM9901 .*demodata"
    ):
        resolve_region(gemeenten="GM9901,GM0153", source=demo_source)


def test_loading_a_region_checks_its_codes(demo_source):
    from geo.workspace import load_region_data

    with pytest.raises(PlekwijzerInputError, match=r"gemeentecode GM9999 .* staat niet in de"):
        load_region_data(resolve_region(gemeenten="GM9901,GM9999"), demo_source)


def test_all_gemeenten_needs_the_data_directory() -> None:
    with pytest.raises(PlekwijzerInputError, match=r"'all'.*heeft de datamap nodig"):
        resolve_region(gemeenten="all")


def test_all_gemeenten_is_every_gemeente_of_the_data(shared_source) -> None:
    region = resolve_region(gemeenten=" ALL ", source=shared_source)
    assert region.name == "nederland"
    assert len(region.gemeenten) == 342
    assert list(region.gemeenten) == sorted(region.gemeenten)
    assert parse_gemeente_codes(["all"], data_source=shared_source) == list(region.gemeenten)


def test_spread_over_all_gemeenten(shared_source, tmp_path) -> None:
    register = tmp_path / "register.csv"
    register.write_text(
        "id,name,type,places,buurtcode\n"
        "a,Inloop,dagopvang,30,BU01530105\n"
        "b,Nachtopvang,nachtopvang,20,BU0363KA05\n"
    )
    out = tmp_path / "spread.json"
    args = ["spread", "--data-dir", str(shared_source.path), "--gemeenten", "all"]
    assert cli.main([*args, "--facilities", str(register), "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert len(report["units"]) == 342
    assert report["region"] == "nederland"
    assert sum(unit["places"] for unit in report["units"]) == 50
