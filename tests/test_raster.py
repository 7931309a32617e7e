import geopandas as gpd
import numpy as np
import pytest
import rasterio
from affine import Affine
from shapely.geometry import Point, box

from geo._errors import CRSError, PlekwijzerInputError
from geo.raster import sample_raster, zonal_mean

NODATA = -9999.0
#: Upper-left corner of the test raster in RD metres; cells are 10 m.
LEFT, TOP = 100_000.0, 400_040.0


def _points(*xy, index=None):
    return gpd.GeoSeries([Point(x, y) for x, y in xy], crs="EPSG:28992", index=index)


def _write(path, data, *, crs="EPSG:28992", nodata=NODATA):
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=data.shape[-1],
        height=data.shape[-2],
        count=1 if data.ndim == 2 else data.shape[0],
        dtype=data.dtype,
        crs=crs,
        transform=Affine(10.0, 0.0, LEFT, 0.0, -10.0, TOP),
        nodata=nodata,
    ) as dst:
        if data.ndim == 2:
            dst.write(data, 1)
        else:
            dst.write(data)
    return path


@pytest.fixture
def noise_tif(tmp_path):
    """6 × 4 cells of 10 m holding 0 … 23 row by row; the top-left cell is nodata."""
    data = np.arange(24, dtype="float32").reshape(4, 6)
    data[0, 0] = NODATA
    return _write(tmp_path / "noise.tif", data)


def test_sample_at_known_cells(noise_tif):
    points = _points(
        (100_015, 400_035),  # row 0, column 1
        (100_055, 400_005),  # row 3, column 5
        (100_005, 400_035),  # the nodata cell
        (99_995, 400_005),  # west of the raster
        (100_030, 400_045),  # north of the raster
        index=list("abcde"),
    )
    values = sample_raster(points, noise_tif, name="noise_lden_db")
    assert values.name == "noise_lden_db"
    assert list(values.index) == list("abcde")
    assert values[["a", "b"]].tolist() == [1.0, 23.0]
    assert values[["c", "d", "e"]].isna().all()


def test_sample_missing_points_give_nan(noise_tif):
    points = gpd.GeoSeries([Point(100_015, 400_035), None, Point()], crs="EPSG:28992")
    values = sample_raster(points, noise_tif, name="noise_lden_db")
    assert values.iloc[0] == 1.0
    assert values.iloc[1:].isna().all()


def test_sample_points_in_wgs84(noise_tif):
    points = _points((100_015, 400_005), (100_045, 400_025)).to_crs("EPSG:4326")
    values = sample_raster(points, noise_tif, name="noise_lden_db")
    assert values.tolist() == [19.0, 10.0]


def test_sample_second_band(tmp_path):
    data = np.stack([np.zeros((4, 6)), np.full((4, 6), 7.0)]).astype("float32")
    path = _write(tmp_path / "bands.tif", data)
    assert sample_raster(_points((100_015, 400_035)), path, name="v", band=2).tolist() == [7.0]


def test_zonal_mean_hand_values(noise_tif):
    zones = gpd.GeoSeries(
        [
            box(100_000, 400_020, 100_030, 400_040),  # 1, 2, 6, 7, 8 (nodata skipped)
            box(100_030, 400_000, 100_060, 400_020),  # 15, 16, 17, 21, 22, 23
            box(200_000, 400_000, 200_100, 400_100),  # off the raster
        ],
        crs="EPSG:28992",
        index=["BU1", "BU2", "BU3"],
    )
    means = zonal_mean(zones, noise_tif, name="noise_mean_db")
    assert means.name == "noise_mean_db"
    assert list(means.index) == ["BU1", "BU2", "BU3"]
    assert means[["BU1", "BU2"]].tolist() == pytest.approx([24 / 5, 114 / 6])
    assert np.isnan(means["BU3"])
    in_wgs84 = zonal_mean(zones.to_crs("EPSG:4326"), noise_tif, name="noise_mean_db")
    assert in_wgs84[["BU1", "BU2"]].tolist() == pytest.approx([24 / 5, 114 / 6])


def test_raster_without_crs(tmp_path):
    path = _write(tmp_path / "nocrs.tif", np.ones((4, 6), dtype="float32"), crs=None)
    with pytest.raises(CRSError, match=r"nocrs\.tif: het raster heeft geen CRS"):
        sample_raster(_points((100_015, 400_035)), path, name="v")


def test_non_raster_file(tmp_path):
    path = tmp_path / "noise.tif"
    path.write_text("not a GeoTIFF\n", encoding="utf-8")
    with pytest.raises(PlekwijzerInputError, match="niet te lezen als raster"):
        sample_raster(_points((100_015, 400_035)), path, name="v")


def test_missing_raster_file(tmp_path):
    with pytest.raises(PlekwijzerInputError, match="bestand niet gevonden"):
        zonal_mean(_points((100_015, 400_035)), tmp_path / "absent.tif", name="v")
