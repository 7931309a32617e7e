import os
import shutil

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from geo._errors import CRSError, EmptyInputError, MissingColumnError, PlekwijzerInputError
from geo.datadir import DataSource
from geo.neighbourhoods import (
    aggregate_neighbourhoods,
    kerncijfers_from_cbs,
    neighbourhood_units,
    neighbourhoods_from_cbs,
    neighbourhoods_from_kwb_gpkg,
)
from geo.paths import DORDRECHT_BUURTEN, KWB_TABLE
from tests.conftest import TWENTE


def test_national_buurt_layer(shared_source):
    buurten = neighbourhoods_from_cbs(shared_source)
    assert len(buurten) == 14_574
    assert buurten.crs.to_epsg() == 28992
    # 78 tiny buurten lack an approximate polygon but keep their figures.
    assert buurten.geometry.isna().sum() == 78
    assert buurten["inhabitants"].sum() == 17_942_915
    assert buurten["geometry_approximate"].all()


def test_twente_buurten_and_gemeente_totals(shared_source):
    buurten = neighbourhoods_from_cbs(shared_source, gemeenten=TWENTE)
    assert len(buurten) == 297
    assert set(buurten["gemeentecode"]) == set(TWENTE)
    gemeenten = neighbourhood_units(shared_source, level="gemeente", gemeenten=TWENTE)
    assert len(gemeenten) == 8
    assert gemeenten["inhabitants"].sum() == 411_149
    assert gemeenten.loc["GM0153", "name"] == "Enschede"
    wijken = neighbourhood_units(shared_source, level="wijk", gemeenten=TWENTE)
    assert wijken["wijkcode"].str.startswith("WK").all()


def test_dordrecht_exact_buurten(shared_source):
    buurten = neighbourhoods_from_kwb_gpkg(shared_source.path / DORDRECHT_BUURTEN)
    assert len(buurten) == 129  # 130 minus the water buurt
    assert not buurten["geometry_approximate"].any()
    assert buurten.loc["BU05050100", "inhabitants"] == 815


def _kwb_fixture(path, drop=None):
    frame = gpd.GeoDataFrame(
        {
            "BU_CODE": ["BU00010001", "BU00010002"],
            "BU_NAAM": ["West", "Oost"],
            "WK_CODE": ["WK000100", "WK000100"],
            "GM_CODE": ["GM0001", "GM0001"],
            "GM_NAAM": ["Testdorp", "Testdorp"],
            "AANT_INW": [1000, -99999999],
            "P_KOOPWON": [60, -99999997],
        },
        geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)],
        crs="EPSG:28992",
    )
    if drop is not None:
        frame = frame.drop(columns=drop)
    frame.to_file(path, layer="buurten")
    return path


def test_kwb_naming_upper_case_and_missing_codes(tmp_path):
    buurten = neighbourhoods_from_kwb_gpkg(_kwb_fixture(tmp_path / "kwb.gpkg"))
    assert buurten.loc["BU00010001", "inhabitants"] == 1000
    assert np.isnan(buurten.loc["BU00010002", "inhabitants"])
    assert np.isnan(buurten.loc["BU00010002", "owner_occupied_pct"])


def test_kwb_missing_column_named(tmp_path):
    path = _kwb_fixture(tmp_path / "kwb.gpkg", drop="AANT_INW")
    with pytest.raises(MissingColumnError, match=r"kwb.gpkg: kolom\(men\) aant_inw ontbreken"):
        neighbourhoods_from_kwb_gpkg(path)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_kwb_without_crs_refused(tmp_path):
    path = tmp_path / "nocrs.gpkg"
    gpd.GeoDataFrame(
        {"bu_code": ["BU1"], "gm_code": ["GM0001"], "aant_inw": [1]},
        geometry=[box(0, 0, 1, 1)],
    ).to_file(path)
    with pytest.raises(CRSError, match="heeft geen CRS"):
        neighbourhoods_from_kwb_gpkg(path)


def test_kwb_in_other_crs_is_reprojected(tmp_path):
    path = tmp_path / "wgs.geojson"
    gpd.GeoDataFrame(
        {"bu_code": ["BU1"], "gm_code": ["GM0001"], "aant_inw": [1]},
        geometry=[box(5.0, 52.0, 5.01, 52.01)],
        crs="EPSG:4326",
    ).to_file(path)
    buurten = neighbourhoods_from_kwb_gpkg(path)
    assert buurten.crs.to_epsg() == 28992
    assert 100_000 < buurten.geometry.iloc[0].centroid.x < 200_000


def test_kwb_invalid_geometry_named(tmp_path):
    path = tmp_path / "bowtie.gpkg"
    bowtie = gpd.GeoSeries.from_wkt(["POLYGON ((0 0, 10 10, 10 0, 0 10, 0 0))"])
    gpd.GeoDataFrame(
        {"bu_code": ["BU1"], "gm_code": ["GM0001"], "aant_inw": [1]},
        geometry=bowtie,
        crs="EPSG:28992",
    ).to_file(path)
    with pytest.raises(ValueError, match=r"ongeldige geometrie in rij 1 \(id BU1\).*make_valid"):
        neighbourhoods_from_kwb_gpkg(path)


def test_empty_file_refused(tmp_path):
    path = tmp_path / "empty.gpkg"
    path.write_bytes(b"")
    with pytest.raises(EmptyInputError, match=r"empty\.gpkg: het bestand is leeg"):
        neighbourhoods_from_kwb_gpkg(path)


def test_aggregation_sums_counts_and_weights_rates(tiny_buurten):
    wijk = aggregate_neighbourhoods(tiny_buurten, level="wijk")
    assert len(wijk) == 1
    row = wijk.iloc[0]
    assert row["inhabitants"] == 4000
    assert row["land_area_ha"] == 200
    # (30 * 1000 + 20 * 3000) / 4000
    assert row["income_per_inhabitant_keur"] == pytest.approx(22.5)
    assert row.geometry.area == pytest.approx(2_000_000)


def test_aggregation_skips_missing_rates(tiny_buurten):
    tiny_buurten.loc["BU00010002", "income_per_inhabitant_keur"] = np.nan
    gemeente = aggregate_neighbourhoods(tiny_buurten, level="gemeente")
    assert gemeente.iloc[0]["income_per_inhabitant_keur"] == pytest.approx(30.0)


@pytest.mark.parametrize("level", ["provincie", "buurt"])
def test_unknown_level_refused(tiny_buurten, level):
    with pytest.raises(
        PlekwijzerInputError, match=f"niveau '{level}'.*gebruik 'wijk' of 'gemeente'"
    ):
        aggregate_neighbourhoods(tiny_buurten, level=level)


def test_demo_units(demo_source):
    gemeenten = neighbourhood_units(demo_source, level="gemeente")
    assert list(gemeenten.index) == ["GM9901", "GM9902", "GM9903"]
    assert not gemeenten["geometry_approximate"].any()


def test_kerncijfers_read_once_per_file_state(tmp_path, demo_source):
    folder = tmp_path / "data"
    shutil.copytree(demo_source.path, folder)
    source = DataSource(path=folder, synthetic=True, origin="--data-dir")
    first = kerncijfers_from_cbs(source)
    code = first.loc[first["level"] == "gemeente", "code"].iloc[0]
    one = kerncijfers_from_cbs(source, gemeenten=[code])
    assert (one["gemeentecode"] == code).all()
    assert list(one.index) == list(range(len(one)))
    # A caller changing its copy leaves the next caller's table as read.
    first.loc[0, "name"] = "veranderd"
    assert kerncijfers_from_cbs(source).loc[0, "name"] != "veranderd"
    # A changed file is read again.
    table = pd.read_parquet(folder / KWB_TABLE)
    table.loc[table["code"] == code, "naam"] = "Nieuwe naam"
    table.to_parquet(folder / KWB_TABLE)
    stat = (folder / KWB_TABLE).stat()
    os.utime(folder / KWB_TABLE, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    again = kerncijfers_from_cbs(source, gemeenten=[code])
    assert (again.loc[again["level"] == "gemeente", "name"] == "Nieuwe naam").all()
