"""Tables as people read them (geo.presentation): Dutch headings, nu and met shortlist."""

from __future__ import annotations

import doctest

import pandas as pd

from geo import presentation


def _units(places: list[float]) -> pd.DataFrame:
    inhabitants = [10_000.0, 20_000.0]
    per_10k = [p / i * 10_000 for p, i in zip(places, inhabitants, strict=True)]
    return pd.DataFrame(
        {
            "code": ["WK014700", "WK015300"],
            "name": ["Wijk 00 Centrum", "Wijk 00 Centrum"],
            "inhabitants": inhabitants,
            "facilities": [1, 2],
            "places": places,
            "per_10k": per_10k,
            "fair_share": [sum(places) / 3, 2 * sum(places) / 3],
            "surplus": [places[0] - sum(places) / 3, places[1] - 2 * sum(places) / 3],
            "draagkracht": [0.5, 0.7],
        }
    )


def test_doctests_pass():
    assert doctest.testmod(presentation).failed == 0


def test_unit_table_says_nu_and_met_shortlist_and_names_the_gemeente():
    now, later = _units([12.0, 0.0]), _units([12.0, 6.0]).iloc[::-1]
    table = presentation.unit_table(
        now, after=later, gemeenten={"WK014700": "Borne", "WK015300": "Enschede"}
    )
    assert list(table.columns[:4]) == ["code", "naam", "gemeente", "inwoners"]
    # The same wijk name in two gemeenten is told apart by the gemeente beside it.
    assert table["gemeente"].tolist() == ["Borne", "Enschede"]
    for heading in ("plaatsen", "per 10.000", "eerlijk deel", "boven/onder"):
        assert f"{heading} nu" in table.columns
        assert f"{heading} met shortlist" in table.columns
        assert heading not in table.columns
    # Rows of "after" are matched by code, not by position.
    assert table["plaatsen nu"].tolist() == ["12", "0"]
    assert table["plaatsen met shortlist"].tolist() == ["12", "6"]
    assert table["eerlijk deel nu"].tolist() == ["4,0", "8,0"]
    assert table["eerlijk deel met shortlist"].tolist() == ["6,0", "12,0"]
    assert table["draagkracht"].tolist() == ["0,50", "0,70"]


def test_unit_table_without_shortlist_or_gemeente():
    table = presentation.unit_table(_units([12.0, 0.0]))
    assert "gemeente" not in table.columns
    assert "plaatsen" in table.columns
    assert not any(c.endswith(" nu") for c in table.columns)


def test_skipped_table_lists_the_reasons_in_rank_order():
    table = pd.DataFrame(
        {
            "rank": pd.array([1, 3, 2, pd.NA], dtype="Int64"),
            "id": ["a", "c", "b", "d"],
            "name": ["A", "C", "B", "D"],
            "gemeentecode": ["GM1", "GM1", "GM2", "GM2"],
            "buurtcode": ["BU1", "BU1", "BU2", "BU2"],
            "score": [0.9, 0.7, 0.8, 0.1],
            "skip_reason": [
                None,
                "overgeslagen: max. per gemeente bereikt",
                "overgeslagen: binnen 2 km van #1 (op 850 m)",
                None,
            ],
        }
    )
    shown = presentation.skipped_table(table, {"GM1": "Een", "GM2": "Twee"}, {"BU2": "Noord"})
    assert shown["rang"].tolist() == [2, 3]
    assert shown["reden"].tolist() == ["binnen 2 km van #1 (op 850 m)", "max. per gemeente bereikt"]
    assert shown["gemeente"].tolist() == ["Twee", "Een"]
    assert shown["buurt"].tolist() == ["Noord", "BU1"]
    assert presentation.skipped_table(table.drop(columns="skip_reason"), {}).empty
