import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo._errors import MissingColumnError, PlekwijzerInputError
from geo.draagkracht import (
    COMBINATIONS,
    DEFAULT_CONFIG_PATH,
    SCALINGS,
    DraagkrachtConfig,
    add_facilities_per_10k,
    draagkracht_components,
    draagkracht_config_from_dict,
    draagkracht_index,
    load_draagkracht_config,
)

CBS_COLUMNS = [
    "income_per_inhabitant_keur",
    "woz_value_keur",
    "owner_occupied_pct",
    "crimes_per_1000",
    "good_health_pct",
]


def config(a_weight=1.0, b_weight=1.0, **top):
    return {
        "indicators": [
            {"column": "a", "direction": 1, "weight": a_weight},
            {"column": "b", "direction": -1, "weight": b_weight},
        ],
        **top,
    }


@pytest.fixture
def frame():
    # a is a benefit, b a cost; a non-default index to check alignment
    return pd.DataFrame({"a": [0.0, 5.0, 10.0], "b": [10.0, 0.0, 5.0]}, index=["x", "y", "z"])


# --- scaling and combination by hand ----------------------------------------------------


def test_minmax_arithmetic(frame):
    result = draagkracht_index(frame, config=config())
    # a -> 0, .5, 1; b (cost) -> 0, 1, .5
    assert result.name == "draagkracht"
    assert result.index.tolist() == ["x", "y", "z"]
    assert result.tolist() == pytest.approx([0.0, 0.75, 0.75])
    weighted = draagkracht_index(frame, config=config(a_weight=3.0))
    assert weighted.tolist() == pytest.approx([0.0, 0.625, 0.875])


def test_minmax_geometric(frame):
    result = draagkracht_index(frame, config=config(combination="geometric"))
    assert result.tolist() == pytest.approx([0.0, math.sqrt(0.5), math.sqrt(0.5)])


def test_percentile_and_rank(frame):
    components = draagkracht_components(frame, config=config(scaling="percentile"))
    assert components["a"].tolist() == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert components["b"].tolist() == pytest.approx([1 / 3, 1.0, 2 / 3])
    ties = pd.DataFrame({"a": [1.0, 1.0, 2.0], "b": [0.0, 0.0, 0.0]})
    ranked = draagkracht_components(ties, config=config(scaling="rank"))
    assert ranked["a"].tolist() == pytest.approx([0.25, 0.25, 1.0])


def test_per_indicator_scaling_override(frame):
    cfg = config()
    cfg["indicators"][0]["scaling"] = "rank"
    cfg["scaling"] = "percentile"
    components = draagkracht_components(frame, config=cfg)
    assert components["a"].tolist() == pytest.approx([0.0, 0.5, 1.0])
    assert components["b"].tolist() == pytest.approx([1 / 3, 1.0, 2 / 3])


def test_constant_indicator_scores_half():
    same = pd.DataFrame({"a": [3.0, 3.0], "b": [1.0, 2.0]})
    components = draagkracht_components(same, config=config())
    assert components["a"].tolist() == [0.5, 0.5]
    single = draagkracht_components(same.iloc[:1], config=config(scaling="rank"))
    assert single["a"].tolist() == [0.5]


def test_missing_values_renormalise_weights(frame):
    gaps = frame.assign(a=[0.0, np.nan, 10.0])
    result = draagkracht_index(gaps, config=config(a_weight=3.0))
    # y has only b (scaled 1.0): weights renormalised to b alone
    assert result.tolist() == pytest.approx([0.0, 1.0, 0.875])
    geometric = draagkracht_index(gaps, config=config(a_weight=3.0, combination="geometric"))
    assert geometric["y"] == pytest.approx(1.0)
    assert geometric["z"] == pytest.approx(0.5**0.25)


def test_all_missing_is_nan(frame):
    gaps = frame.assign(a=[np.nan, 5.0, 10.0], b=[np.nan, 0.0, 5.0])
    for combination in COMBINATIONS:
        result = draagkracht_index(gaps, config=config(combination=combination))
        assert math.isnan(result["x"])
        assert result[["y", "z"]].notna().all()


def test_clip_upper_quantile():
    crimes = pd.DataFrame({"c": [0.0, 1.0, 2.0, 100.0]})
    cfg = {"indicators": [{"column": "c", "direction": -1, "clip_upper_quantile": 0.5}]}
    # median 1.5: values clipped to 0, 1, 1.5, 1.5 before min-max of the cost
    assert draagkracht_index(crimes, config=cfg).tolist() == pytest.approx([1, 1 / 3, 0, 0])


def test_zero_weight_indicator_is_ignored(frame):
    result = draagkracht_index(frame.drop(columns="b"), config=config(b_weight=0.0))
    assert result.tolist() == pytest.approx([0.0, 0.5, 1.0])


@settings(max_examples=50)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.floats(-1e6, 1e6)), st.one_of(st.none(), st.floats(0, 1e4))
        ),
        min_size=1,
        max_size=20,
    ),
    st.sampled_from(SCALINGS),
    st.sampled_from(COMBINATIONS),
)
def test_index_in_unit_interval(rows, scaling, combination):
    data = pd.DataFrame(rows, columns=["a", "b"], dtype=float)
    result = draagkracht_index(data, config=config(scaling=scaling, combination=combination))
    assert ((result >= 0) & (result <= 1) | result.isna()).all()
    assert (result.isna() == data.isna().all(axis=1)).all()


# --- configuration ----------------------------------------------------------------------


def test_default_config():
    cfg = load_draagkracht_config()
    assert isinstance(cfg, DraagkrachtConfig)
    assert cfg.source == str(DEFAULT_CONFIG_PATH)
    assert [i.column for i in cfg.indicators] == [*CBS_COLUMNS, "facilities_per_10k"]
    directions = {i.column: i.direction for i in cfg.indicators}
    assert directions["crimes_per_1000"] == -1
    assert directions["facilities_per_10k"] == -1
    crimes = next(i for i in cfg.indicators if i.column == "crimes_per_1000")
    assert crimes.clip_upper_quantile == 0.99
    # Every shipped indicator has a Dutch label of its own.
    assert all(i.label and i.label != i.column for i in cfg.indicators)


def test_indicator_label_defaults_to_column():
    cfg = draagkracht_config_from_dict(config())
    assert [i.label for i in cfg.indicators] == ["a", "b"]


def test_default_config_on_buurten():
    rng = np.random.default_rng(1)
    buurten = pd.DataFrame(rng.uniform(1, 100, size=(30, 5)), columns=CBS_COLUMNS)
    buurten.loc[3, "good_health_pct"] = np.nan
    buurten["code"] = [f"BU{i:04d}" for i in range(30)]
    buurten["inhabitants"] = 500.0
    buurten.index = buurten.index + 100
    register = pd.DataFrame({"buurtcode": ["BU0001", "BU0001", "BU0007"], "places": [4, 2, 8]})
    buurten = add_facilities_per_10k(buurten, register)
    result = draagkracht_index(buurten)
    assert result.index.equals(buurten.index)
    assert result.between(0, 1).all()


def test_missing_column_names_column_and_file(frame):
    with pytest.raises(
        MissingColumnError, match=r"draagkracht.toml: kolom 'income_per_inhabitant_keur'"
    ):
        draagkracht_index(frame)
    cbs = pd.DataFrame({c: [1.0, 2.0] for c in CBS_COLUMNS})
    with pytest.raises(MissingColumnError, match=r"facilities_per_10k.*add_facilities_per_10k"):
        draagkracht_index(cbs)


def test_non_numeric_column(frame):
    with pytest.raises(PlekwijzerInputError, match=r"kolom 'a' .* geen getal is \('veel'\)"):
        draagkracht_index(frame.assign(a=["1", "veel", "3"]), config=config())


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"scaling": "zscore"}, "scaling is 'zscore'; gebruik een van minmax, percentile, rank"),
        ({"combination": "median"}, "combination is 'median'"),
        ({"weights": 1}, r"onbekende sleutel\(s\) weights"),
        ({"indicators": []}, "geen indicatoren"),
        ({"indicators": [{"column": "a", "direction": 2}]}, "direction is 2"),
        ({"indicators": [{"column": "a", "weight": -1}]}, "weight is −1"),
        ({"indicators": [{"column": "a", "wieght": 1}]}, r"onbekende sleutel\(s\) wieght"),
        ({"indicators": [{"direction": 1}]}, "indicator 1 heeft een kolomnaam nodig"),
        ({"indicators": [{"column": "a"}, {"column": "a"}]}, "a staan er twee keer"),
        (
            {"indicators": [{"column": "a", "weight": 0}]},
            "alle gewichten van de indicatoren zijn 0",
        ),
        ({"indicators": [{"column": "a", "scaling": "log"}]}, "'a': scaling is 'log'"),
        (
            {"indicators": [{"column": "a", "clip_upper_quantile": 1.5}]},
            "clip_upper_quantile is 1.5",
        ),
        (
            {
                "indicators": [
                    {"column": "a", "clip_lower_quantile": 0.9, "clip_upper_quantile": 0.1}
                ]
            },
            "moet kleiner zijn dan",
        ),
    ],
)
def test_config_errors(change, match):
    with pytest.raises(PlekwijzerInputError, match=match):
        draagkracht_config_from_dict({**config(), **change}, source="mijn.toml")


def test_config_file_errors(tmp_path):
    broken = tmp_path / "kapot.toml"
    broken.write_text("scaling = [minmax\n", encoding="utf-8")
    with pytest.raises(PlekwijzerInputError, match=r"kapot\.toml: niet te lezen als TOML"):
        load_draagkracht_config(broken)
    with pytest.raises(PlekwijzerInputError, match="bestand niet gevonden"):
        load_draagkracht_config(tmp_path / "weg.toml")
    wrong = tmp_path / "fout.toml"
    wrong.write_text('[[indicators]]\ncolumn = "a"\ndirection = 0\n', encoding="utf-8")
    with pytest.raises(PlekwijzerInputError, match=r"fout\.toml: indicator 'a': direction is 0"):
        load_draagkracht_config(wrong)


# --- facilities per 10,000 --------------------------------------------------------------


def test_add_facilities_per_10k():
    buurten = pd.DataFrame(
        {"code": ["BU1", "BU2", "BU3"], "inhabitants": [2000.0, 500.0, 0.0]}, index=[7, 8, 9]
    )
    register = pd.DataFrame(
        {
            "buurtcode": ["BU1", "BU1", "BU2", "BU3"],
            "type": ["nachtopvang", "vrouwenopvang", "dagopvang", "dagopvang"],
            "places": [10, 3, 1, 1],
            "confidential": [False, True, False, False],
        }
    )
    result = add_facilities_per_10k(buurten, register)
    assert result["facilities_per_10k"].iloc[:2].tolist() == pytest.approx([10.0, 20.0])
    assert math.isnan(result["facilities_per_10k"].iloc[2])
    assert "facilities_per_10k" not in buurten.columns
    only = add_facilities_per_10k(buurten, register, facility_type="nachtopvang")
    assert only["facilities_per_10k"].iloc[:2].tolist() == pytest.approx([5.0, 0.0])
