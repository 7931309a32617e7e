"""Uploads never rest on shared disk: read from a private folder that is gone afterwards."""

from __future__ import annotations

import hashlib
import stat
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REGISTER = (
    "id,name,type,places,confidential,x,y\n"
    "V1,Geheim adres,vrouwenopvang,12,ja,257000,471500\n"
    "D1,Inloop,dagopvang,0,nee,258000,471000\n"
)


@pytest.fixture(scope="module")
def app_module():
    sys.path.insert(0, str(ROOT))
    import app

    return app


def test_uploaded_register_leaves_no_file_behind(app_module, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    seen = []

    def fake_load(region, source, **paths):  # noqa: ARG001 - the signature of load_region_data
        path = Path(paths["facilities_path"])
        seen.append(
            (
                path.read_text(encoding="utf-8"),
                stat.S_IMODE(path.parent.parent.stat().st_mode),
                path.parent.parent.parent,
            )
        )
        msg = "stop after reading"
        raise app_module.PlekwijzerError(msg)

    monkeypatch.setattr(app_module, "load_region_data", fake_load)
    upload = ("register.csv", REGISTER.encode())
    with pytest.raises(app_module.PlekwijzerError, match="stop after reading"):
        app_module.region_data.__wrapped__(None, None, None, upload)
    text, mode, parent = seen[0]
    assert "Geheim adres" in text
    assert mode == 0o700  # only this account could read it, and only while it was read
    assert parent == tmp_path
    assert list(tmp_path.iterdir()) == []


def test_upload_label_names_the_content_not_a_path(app_module):
    label = app_module.upload_label(("register.csv", REGISTER.encode()))
    assert label.startswith("upload:register.csv#sha256:")
    assert "/" not in label
    # The whole digest: a reopened scenario checks the file given again against it.
    ref = app_module.UploadRef.parse(label)
    assert ref == app_module.UploadRef(
        "register.csv", hashlib.sha256(REGISTER.encode()).hexdigest()
    )


def test_too_big_upload_is_refused_with_the_cli_as_the_way(app_module):
    class Big:
        name = "groot.csv"

        def getvalue(self) -> bytes:
            return b"x" * (app_module.MAX_UPLOAD_BYTES + 1)

    with pytest.raises(app_module.PlekwijzerError, match="gebruik de opdrachtregel"):
        app_module.read_upload(Big())


def test_inventory_with_more_sites_than_the_map_draws_points_to_the_cli(app_module):
    rows = app_module.MAX_UPLOAD_SITES + 1
    text = "id,x,y\n" + "".join(f"S{i},61500,391500\n" for i in range(rows))

    class Upload:
        name = "groot.csv"

        def getvalue(self) -> bytes:
            return text.encode()

    with pytest.raises(app_module.PlekwijzerError, match=r"50\.001 locaties .* plekwijzer score"):
        app_module.read_upload(Upload(), max_sites=app_module.MAX_UPLOAD_SITES)
    assert app_module.read_upload(Upload()) is not None  # other uploads (addresses) may be big
    with pytest.raises(app_module.PlekwijzerError, match="de kaart tekent elke locatie"):
        app_module.refuse_too_many_sites("sites.geojson", rows)
    app_module.refuse_too_many_sites("sites.geojson", rows - 1)


def test_a_saved_scenario_asks_for_the_file_it_was_made_with(app_module):
    from criteria.scenario import Scenario
    from geo.datadir import DataSource

    upload = ("register.csv", REGISTER.encode())
    scenario = Scenario(
        profile="noaberhuuske",
        region="twente",
        use_defaults=True,
        facilities=app_module.upload_label(upload),
    )
    source = DataSource(path=ROOT / "data" / "demo", synthetic=True, origin="test")
    other = ("register.csv", REGISTER.replace("Inloop", "Andere inloop").encode())
    for uploads in ((None, None, None, None), (None, other, None, None)):
        with pytest.raises(app_module.PlekwijzerError, match="upload hetzelfde bestand"):
            app_module.saved_scenario_result(scenario, source, uploads)
