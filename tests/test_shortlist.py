import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from criteria.shortlist import pick_sites
from geo._errors import CRSError, MissingColumnError


def select_shortlist(scored, **options):
    """The ``shortlisted`` column of the one shortlist function."""
    return pick_sites(scored, **options).shortlisted


@pytest.fixture
def scored():
    # Ranked 1..6 along a line in RD New; site b is 50 m from a, the rest 1 km apart.
    return gpd.GeoDataFrame(
        {
            "rank": pd.array([1, 2, 3, pd.NA, 4, 5], dtype="Int64"),
            "buurtcode": ["BU01", "BU01", "BU01", "BU02", "BU02", None],
            "gemeentecode": ["GM1", "GM1", "GM1", "GM2", "GM2", "GM2"],
        },
        geometry=[
            Point(155_000, 463_000),
            Point(155_050, 463_000),
            Point(156_000, 463_000),
            Point(157_000, 463_000),
            Point(158_000, 463_000),
            Point(159_000, 463_000),
        ],
        index=pd.Index(list("abcdef"), name="id"),
        crs="EPSG:28992",
    )


def picked(result):
    return result[result].index.tolist()


def test_top_n_by_rank_never_picks_excluded(scored):
    result = select_shortlist(scored, top_n=10)
    assert result.name == "shortlisted"
    assert result.index.equals(scored.index)
    assert picked(result) == ["a", "b", "c", "e", "f"]
    assert picked(select_shortlist(scored, top_n=2)) == ["a", "b"]
    assert not select_shortlist(scored, top_n=0).any()


def test_min_spacing_skips_close_sites(scored):
    result = select_shortlist(scored, top_n=3, min_spacing_m=100)
    assert picked(result) == ["a", "c", "e"]


def test_spacing_exactly_at_limit_is_allowed(scored):
    assert picked(select_shortlist(scored, top_n=2, min_spacing_m=50)) == ["a", "b"]


def test_cap_per_buurt(scored):
    result = select_shortlist(scored, top_n=10, max_per_buurt=1)
    # f has no buurtcode, so no buurt cap applies to it
    assert picked(result) == ["a", "e", "f"]


def test_cap_per_gemeente_with_spacing(scored):
    result = select_shortlist(scored, top_n=10, max_per_gemeente=2, min_spacing_m=100)
    assert picked(result) == ["a", "c", "e", "f"]


def test_order_of_rows_does_not_matter(scored):
    shuffled = scored.iloc[[5, 3, 1, 0, 4, 2]]
    result = select_shortlist(shuffled, top_n=3, min_spacing_m=100)
    assert sorted(picked(result)) == ["a", "c", "e"]


def test_geographic_crs_refused_for_spacing(scored):
    with pytest.raises(CRSError, match=r"vraagt een CRS in meters.*to_crs"):
        select_shortlist(scored.to_crs("EPSG:4326"), top_n=3, min_spacing_m=100)


def test_missing_columns_refused(scored):
    with pytest.raises(MissingColumnError, match="vraagt kolom"):
        select_shortlist(scored.drop(columns="rank"), top_n=3)
    with pytest.raises(MissingColumnError, match="gemeentecode"):
        select_shortlist(scored.drop(columns="gemeentecode"), top_n=3, max_per_gemeente=1)


def test_bad_arguments_refused(scored):
    with pytest.raises(ValueError, match="top_n moet een heel getal"):
        select_shortlist(scored, top_n=-1)
    with pytest.raises(ValueError, match="het maximum per buurtcode"):
        select_shortlist(scored, top_n=2, max_per_buurt=0)
    with pytest.raises(ValueError, match="min_spacing_m moet"):
        select_shortlist(scored, top_n=2, min_spacing_m=-5)


def reasons(picks):
    return picks.skip_reason.dropna().to_dict()


def test_skipped_by_spacing_names_the_pick_and_the_distance(scored):
    picks = pick_sites(scored, top_n=3, min_spacing_m=100)
    assert reasons(picks) == {"b": "overgeslagen: binnen 100 m van #1 (op 50 m)"}
    assert picks.skip_reason.name == "skip_reason"
    # Sites ranked below the last pick were not skipped: the list simply ended.
    assert reasons(pick_sites(scored, top_n=1, min_spacing_m=100)) == {}


def test_skipped_by_caps(scored):
    by_buurt = pick_sites(scored, top_n=3, max_per_buurt=1)
    assert reasons(by_buurt) == {
        "b": "overgeslagen: max. per buurt bereikt",
        "c": "overgeslagen: max. per buurt bereikt",
    }
    by_gemeente = pick_sites(scored, top_n=3, max_per_gemeente=1)
    assert reasons(by_gemeente) == {
        "b": "overgeslagen: max. per gemeente bereikt",
        "c": "overgeslagen: max. per gemeente bereikt",
    }
    # The excluded site (d) is never called skipped, nor is any pick.
    assert not {"a", "d", "f"} & set(reasons(by_gemeente))


def test_skip_reason_names_the_pick_that_was_too_close(scored):
    moved = scored.copy()
    moved.loc["b", "geometry"] = Point(156_050, 463_000)  # 50 m from c, 1 km from a
    picks = pick_sites(moved, top_n=3, min_spacing_m=100)
    assert picked(picks.shortlisted) == ["a", "b", "e"]
    assert reasons(picks) == {"c": "overgeslagen: binnen 100 m van #2 (op 50 m)"}
