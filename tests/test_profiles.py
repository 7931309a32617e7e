import copy

import pytest

from criteria._errors import InconsistentJudgementsError, ProfileError, WeightError
from criteria.profiles import Profile, list_profiles, load_profile, profile_from_dict

BASE = {
    "name": "test",
    "title": "Test",
    "aggregation": "weighted_sum",
    "weighting": "direct",
    "constraint": [
        {"feature": "floor_area_m2", "op": ">=", "value": 500, "rationale": "room for 20 units"},
    ],
    "criterion": [
        {
            "name": "ov_access",
            "feature": "distance_to_bus_tram_stop_m",
            "transform": {"kind": "distance_decay", "half_distance_m": 400},
            "weight": 0.6,
            "rationale": "reachable",
        },
        {
            "name": "draagkracht",
            "feature": "buurt_draagkracht",
            "transform": {"kind": "linear", "lower": 0, "upper": 1},
            "weight": 0.4,
            "rationale": "capacity",
        },
    ],
}


def make(**changes):
    data = copy.deepcopy(BASE)
    data.update(changes)
    return data


def test_base_profile_is_valid():
    profile = profile_from_dict(BASE)
    assert isinstance(profile, Profile)
    assert profile.criterion_names == ["ov_access", "draagkracht"]
    assert profile.weights.to_dict() == pytest.approx({"ov_access": 0.6, "draagkracht": 0.4})
    assert profile.constraints[0].name == "floor_area_m2 >= 500"


def test_shipped_profiles_load_and_follow_design():
    assert list_profiles() == ["noaberhuuske", "skaeve_huse", "tussenvoorziening"]
    for name in list_profiles():
        profile = load_profile(name)
        assert profile.name == name
        assert profile.weights.sum() == pytest.approx(1.0)
        assert all(c.rationale for c in profile.criteria)
        assert all(c.rationale for c in profile.constraints)


def test_shipped_skaeve_huse_keeps_distance_from_homes():
    profile = load_profile("skaeve_huse")
    rules = {c.clauses[0].describe(): c.rationale for c in profile.constraints}
    # One feature, measured or estimated per row (source__distance_to_dwelling_m): the old
    # hard rule on CBS address density is gone, because that density reads near-empty edge
    # buurten as town and an estimate must not exclude a site (issue 9).
    assert "West Betuwe" in rules["distance_to_dwelling_m >= 100"]
    assert "Platform Woonoverlast" in rules["distance_to_sensitive_m >= 50"]
    assert not any("address_density" in rule for rule in rules)
    features = {c.feature for c in profile.criteria}
    assert "addresses_within_250m" in features
    assert "buurt_address_density_per_km2" not in features


def test_shipped_profiles_walk_to_ov_and_dagopvang():
    for name in ("noaberhuuske", "tussenvoorziening"):
        features = {c.feature for c in load_profile(name).criteria}
        assert {"walk_to_bus_tram_stop_m", "walk_to_dagopvang_m"} <= features, name


def test_unknown_profile_lists_shipped_ones():
    with pytest.raises(
        ProfileError, match="onbekend profiel 'opvang'; meegeleverde profielen: noaberhuuske"
    ):
        load_profile("opvang")


def test_load_from_path_names_file_in_errors(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(
        'name = "mine"\n[[criterion]]\nname = "a"\nfeature = "x"\n'
        'transform = { kind = "sigmoid" }\nweight = 1\nrationale = "r"\n',
        encoding="utf-8",
    )
    with pytest.raises(
        ProfileError, match=r"^mine\.toml: criterium 'a': onbekende transformatie kind 'sigmoid'"
    ):
        load_profile(path)


def test_broken_toml_is_a_profile_error(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("name = \n", encoding="utf-8")
    with pytest.raises(ProfileError, match=r"broken\.toml: geen geldige TOML"):
        load_profile(path)
    with pytest.raises(ProfileError, match="profielbestand niet gevonden"):
        load_profile(tmp_path / "absent.toml")


def test_missing_weight_names_criterion():
    data = make()
    del data["criterion"][1]["weight"]
    with pytest.raises(WeightError, match="criterium 'draagkracht': heeft geen weight"):
        profile_from_dict(data, source="x.toml")


def test_negative_weight_names_file_and_criterion():
    data = make()
    data["criterion"][0]["weight"] = -1
    with pytest.raises(
        WeightError, match=r"^x\.toml: criterium 'ov_access': weight moet een getal"
    ):
        profile_from_dict(data, source="x.toml")


def test_all_zero_weights_refused():
    data = make()
    for criterion in data["criterion"]:
        criterion["weight"] = 0
    with pytest.raises(WeightError, match="alle gewichten zijn nul"):
        profile_from_dict(data)


def test_bad_operator_names_constraint():
    data = make(
        constraint=[{"name": "size", "feature": "f", "op": "=>", "value": 1, "rationale": "r"}]
    )
    with pytest.raises(
        ProfileError, match=r"harde eis 'size': onbekende operator '=>'; gebruik een van >="
    ):
        profile_from_dict(data)


def test_in_operator_needs_a_list():
    data = make(constraint=[{"feature": "use", "op": "in", "value": "kantoor", "rationale": "r"}])
    with pytest.raises(ProfileError, match="vraagt een niet-lege lijst"):
        profile_from_dict(data)


def test_misspelt_key_is_refused():
    data = make()
    data["criterion"][0]["wieght"] = 1
    with pytest.raises(ProfileError, match="onbekende sleutel 'wieght'"):
        profile_from_dict(data)


def test_missing_rationale_is_refused():
    data = make()
    del data["criterion"][0]["rationale"]
    with pytest.raises(
        ProfileError, match="criterium 'ov_access': 'rationale' moet een niet-lege tekst zijn"
    ):
        profile_from_dict(data)


def test_duplicate_criterion_names_refused():
    data = make()
    data["criterion"][1]["name"] = "ov_access"
    with pytest.raises(ProfileError, match="ov_access komen meer dan eens voor"):
        profile_from_dict(data)


def test_any_of_constraint():
    data = make(
        constraint=[
            {
                "rationale": "room for a cabin",
                "any_of": [
                    {"feature": "plot_area_m2", "op": ">=", "value": 30},
                    {"feature": "floor_area_m2", "op": ">=", "value": 15},
                ],
            }
        ]
    )
    profile = profile_from_dict(data)
    assert profile.constraints[0].features == ("plot_area_m2", "floor_area_m2")
    assert profile.constraints[0].name == "plot_area_m2 >= 30 or floor_area_m2 >= 15"


def test_rank_weighting():
    data = make(weighting="rank_sum")
    data["criterion"][0].pop("weight")
    data["criterion"][1].pop("weight")
    data["criterion"][0]["rank"] = 2
    data["criterion"][1]["rank"] = 1
    profile = profile_from_dict(data)
    assert profile.weights.to_dict() == pytest.approx({"ov_access": 1 / 3, "draagkracht": 2 / 3})


def test_rank_weighting_needs_ranks():
    data = make(weighting="rank_reciprocal")
    with pytest.raises(WeightError, match="heeft een weight maar weighting = 'rank_reciprocal'"):
        profile_from_dict(data)


def test_ahp_weighting_and_inconsistency_names_file():
    data = make(weighting="ahp")
    data["criterion"].append({**data["criterion"][1], "name": "third"})
    for criterion in data["criterion"]:
        criterion.pop("weight")
    data["ahp"] = {
        "pairwise": [
            ["ov_access", "draagkracht", 3],
            ["ov_access", "third", 3],
            ["draagkracht", "third", 1],
        ]
    }
    profile = profile_from_dict(data)
    assert profile.weights["ov_access"] == pytest.approx(0.6)
    data["ahp"]["pairwise"] = [
        ["ov_access", "draagkracht", 9],
        ["draagkracht", "third", 9],
        ["third", "ov_access", 9],
    ]
    with pytest.raises(InconsistentJudgementsError, match=r"^p\.toml: .*consistentieratio"):
        profile_from_dict(data, source="p.toml")


def test_with_weights_overrides_and_validates():
    profile = profile_from_dict(BASE)
    changed = profile.with_weights({"ov_access": 0.4})
    assert changed.weights.to_dict() == pytest.approx({"ov_access": 0.5, "draagkracht": 0.5})
    assert profile.weights["ov_access"] == pytest.approx(0.6)
    with pytest.raises(
        ProfileError, match=r"geen criterium 'ov'.*geldige namen: ov_access, draagkracht"
    ):
        profile.with_weights({"ov": 1})
    with pytest.raises(WeightError, match="negatief"):
        profile.with_weights({"ov_access": -1})


def test_with_weights_on_ahp_profile_becomes_direct():
    profile = load_profile("tussenvoorziening")
    changed = profile.with_weights({"near_gp": 0})
    assert changed.weighting == "direct"
    assert changed.weights["near_gp"] == 0
    assert changed.weights.sum() == pytest.approx(1.0)


def test_to_dict_round_trip():
    for name in list_profiles():
        profile = load_profile(name)
        again = profile_from_dict(profile.to_dict(), source=profile.source)
        assert again == profile


def test_shipped_profiles_give_every_rule_a_dutch_label_and_help():
    import tomllib

    from criteria.profiles import _profile_dir

    for name in list_profiles():
        raw = tomllib.loads((_profile_dir() / f"{name}.toml").read_text(encoding="utf-8"))
        for table in (*raw.get("constraint", []), *raw["criterion"]):
            where = f"{name}: {table.get('name')}"
            assert table.get("label"), f"{where} has no label"
            assert table.get("help"), f"{where} has no help"
            assert table["label"] != table["name"], f"{where}: label repeats the id"
        profile = load_profile(name)
        assert set(profile.labels) == {c.name for c in (*profile.constraints, *profile.criteria)}


def test_label_and_help_default_to_name_and_rationale():
    profile = profile_from_dict(BASE)
    criterion = profile.criteria[0]
    assert criterion.label == "ov_access"
    assert criterion.help == "reachable"
    assert profile.constraints[0].label == "floor_area_m2 >= 500"


def test_label_and_help_are_read_and_survive_to_dict():
    data = make()
    data["criterion"][0] |= {"label": "Bereikbaar met ov", "help": "Dichtbij een halte."}
    data["constraint"][0] |= {"label": "Groot genoeg", "help": "Ruimte voor 20 eenheden."}
    profile = profile_from_dict(data)
    assert profile.criteria[0].label == "Bereikbaar met ov"
    assert profile.labels["ov_access"] == "Bereikbaar met ov"
    assert profile.constraints[0].help == "Ruimte voor 20 eenheden."
    again = profile_from_dict(profile.to_dict())
    assert again.criteria == profile.criteria
    assert again.constraints == profile.constraints


@pytest.mark.parametrize("value", ["", "  ", 3])
def test_empty_or_non_text_label_is_refused(value):
    data = make()
    data["criterion"][1]["label"] = value
    with pytest.raises(ProfileError, match=r"criterium 'draagkracht'.*'label' moet"):
        profile_from_dict(data)


def test_with_shipped_texts_fills_defaults_only():
    from criteria.profiles import with_shipped_texts

    shipped = load_profile("tussenvoorziening")
    data = shipped.to_dict()
    for table in (*data["constraint"], *data["criterion"]):
        del table["label"], table["help"]
    data["criterion"][1]["label"] = "Eigen naam"
    old = profile_from_dict(data)
    assert old.criteria[0].label == "draagkracht"
    filled = with_shipped_texts(old)
    assert filled.criteria[0].label == shipped.criteria[0].label
    assert filled.criteria[0].help == shipped.criteria[0].help
    assert filled.criteria[1].label == "Eigen naam"
    assert filled.constraints[0].label == shipped.constraints[0].label
    own = profile_from_dict(BASE)
    assert with_shipped_texts(own) is own
