"""Maps: the offline basemap (small, reproducible, attributed), the sourced map datasets, the map builders."""
from __future__ import annotations

import hashlib
import html
import importlib.util
import json
import os
from pathlib import Path

import altair as alt
import pytest
import yaml

import course.data as data
from course import charts, maps
from course.chartcheck import views
from test_charts import _walk

MAPS_DIR = data.DATA_DIR / "maps"
META = yaml.safe_load((MAPS_DIR / "basemap.yaml").read_text(encoding="utf-8"))
WHEEL = Path(os.environ.get("GEOPANDAS_WHEEL", "/tmp/gpd/geopandas-0.14.4-py3-none-any.whl"))
MAP_DATASETS = sorted(maps.DATASET_WINDOW)
BUILDERS = sorted(maps.MAPS)


def _make_basemap():
    spec = importlib.util.spec_from_file_location("make_basemap", MAPS_DIR / "make_basemap.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _point_rows(spec):
    """Inline data rows of the points (those citing a source; not labels, not the basemap's features)."""
    return [r for n in _walk(spec) if isinstance(n.get("values"), list)
            for r in n["values"] if isinstance(r, dict) and "lon" in r and "citation" in r]


# --------------------------------------------------------------------------- basemap

def test_basemap_is_small_and_has_the_ussr_and_its_neighbours():
    raw = maps.BASEMAP.read_bytes()
    assert len(raw) < 300_000
    feats = maps.basemap_features()
    isos = {f["properties"]["iso_a3"] for f in feats}
    assert maps.FORMER_USSR <= isos
    assert {"POL", "FIN", "ROU", "MNG", "CHN"} <= isos
    for f in feats:
        assert set(f["properties"]) == {"name", "iso_a3"}
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
    coords = [c for f in feats for c in json.dumps(f["geometry"]["coordinates"]).replace("[", "").replace(
        "]", "").split(",")]
    assert all(len(c.split(".")[1]) <= 2 for c in coords if "." in c), "coordinates rounded to 2 decimals"


def test_basemap_hash_and_attribution_are_recorded():
    raw = maps.BASEMAP.read_bytes()
    assert META["sha256"] == hashlib.sha256(raw).hexdigest(), "basemap.geojson changed: re-run make_basemap.py"
    assert META["bytes"] == len(raw)
    assert "public domain" in META["source"]["license"].lower()
    assert "Natural Earth" in META["source"]["name"] and "110m" in META["source"]["name"]
    assert "not those of the 1930s" in META["borders"] or "1930s" in META["borders"]
    assert "make_basemap.py" in META["conversion"]


def test_make_basemap_rounds_and_keeps_rings_clockwise():
    mb = _make_basemap()
    square = [(0.001, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0), (0.001, 0.0)]      # clockwise: an outer ring
    hole = [(0.2, 0.2), (0.8, 0.2), (0.8, 0.8), (0.2, 0.8), (0.2, 0.2)]            # anticlockwise: a hole
    speck = [(5.0, 5.0), (5.001, 5.0), (5.001, 5.001), (5.0, 5.0)]                  # collapses when rounded
    geom = mb.geometry([square, hole, speck])
    assert geom["type"] == "Polygon" and len(geom["coordinates"]) == 2
    assert geom["coordinates"][0][0] == [0.0, 0.0]
    assert mb._area2(geom["coordinates"][0]) < 0 < mb._area2(geom["coordinates"][1])


@pytest.mark.skipif(not WHEEL.is_file(), reason=f"geopandas 0.14.4 wheel not present ({WHEEL}); set GEOPANDAS_WHEEL")
def test_make_basemap_rebuilds_the_committed_file_byte_for_byte(tmp_path):
    mb = _make_basemap()
    for name in ("a.geojson", "b.geojson"):
        mb.main([str(WHEEL), "--out", str(tmp_path / name)])
    assert (tmp_path / "a.geojson").read_bytes() == (tmp_path / "b.geojson").read_bytes() == maps.BASEMAP.read_bytes()


# --------------------------------------------------------------------------- datasets

@pytest.mark.parametrize("name", MAP_DATASETS)
def test_map_dataset_validates_and_every_point_is_in_its_window(name):
    data.validate(name)
    df = data.load(name)
    window = maps.WINDOWS[maps.DATASET_WINDOW[name]]
    outside = [(r["lon"], r["lat"]) for _, r in df.iterrows() if not window.contains(r["lon"], r["lat"])]
    assert not outside, outside
    assert df["lat"].notna().all() and df["lon"].notna().all()
    for t in data.metadata(name).get("totals", []):
        assert t["source"] in data.sources(name), t


def test_famine_regions_keep_ranges_and_leave_unsourced_regions_empty():
    df = data.load("famine_regions")
    ukraine = df[(df["region"] == "Ukraine") & df["low"].notna()]
    assert ukraine["low"].min() == 2.6 and ukraine["high"].max() == 5.0
    volga = df[df["region"].str.contains("Volga") & (df["measure"] != "collectivization deadline")]
    assert len(volga) == 2 and volga["low"].isna().all(), "no guessed numbers for the Volga"
    decree = df[df["measure"] == "collectivization deadline"]
    assert set(decree["source"]) == {"decree1930"} and decree["decree_deadline"].notna().all()


def test_gulag_and_deportation_figures_say_what_they_count():
    camps = data.load("gulag_camps")
    counted = camps[camps["prisoners"].notna()]
    assert counted["prisoners_date"].notna().all() and counted["prisoners_measure"].notna().all()
    assert (camps["opened"] <= camps["closed"]).all()
    dep = data.load("deportation_destinations")
    assert dep["measure"].notna().all()
    assert data.metadata("deportation_destinations")["totals"][1]["value"] == 1803392


# --------------------------------------------------------------------------- builders

@pytest.mark.parametrize("name", BUILDERS)
def test_map_spec_is_offline_titled_described_projected_and_has_tooltips(name):
    chart = maps.MAPS[name]()
    assert isinstance(chart, alt.LayerChart)
    spec = chart.to_dict()                            # validates against the Vega-Lite schema
    assert spec["width"] <= 640 and spec["height"] <= 420
    assert spec["title"]["text"] and any("Sources:" in s for s in spec["title"]["subtitle"])
    assert any("Natural Earth" in s for s in spec["title"]["subtitle"])
    assert max(len(s) for s in spec["title"]["subtitle"]) <= 110
    desc = charts.describe(chart)
    assert len(desc) > 100 and desc == spec["description"]
    nodes = list(_walk(spec))
    assert not any("url" in n for n in nodes), "inline data only: no URLs"
    projections = [layer["projection"] for layer in spec["layer"]]
    assert all(p["type"] == "conicEqualArea" and "scale" in p and "translate" in p for p in projections)
    assert len({json.dumps(p, sort_keys=True) for p in projections}) == 1, "one projection for every layer"
    assert any(v["mark"] == "geoshape" for v in views(spec))
    tips = [v["encoding"]["tooltip"] for v in views(spec) if v["encoding"].get("tooltip")]
    assert tips and all('"citation"' in json.dumps(tip) for tip in tips), "every tooltip gives the citation"
    window = maps.WINDOWS[maps.MAP_WINDOW[name]]
    rows = _point_rows(spec)
    assert rows and all(window.contains(r["lon"], r["lat"]) for r in rows)


@pytest.mark.parametrize("name", BUILDERS)
def test_map_renders_to_svg_offline_with_its_title(name):
    pytest.importorskip("vl_convert")
    chart = maps.MAPS[name]()
    svg = charts.to_svg(chart)
    assert svg.lstrip().startswith("<svg") and "</svg>" in svg
    title = chart.to_dict()["title"]["text"]
    assert title in svg or html.escape(title) in svg or title.replace("'", "&#39;") in svg


def test_places_without_a_figure_are_drawn_hollow_not_small():
    spec = maps.gulag_map().to_dict()
    hollow = [v for v in views(spec) if v["mark"] == "point"]
    assert hollow
    layer = next(layer for layer in spec["layer"] if isinstance(layer.get("mark"), dict)
                 and layer["mark"].get("filled") is False)
    camps = {r["camp"] for r in layer["data"]["values"]}
    assert "Sevvostlag (Kolyma)" in camps and all(r["prisoners"] is None for r in layer["data"]["values"])


def test_projection_round_trips_and_fills_the_view():
    proj = maps._Conic(maps.WINDOWS["ussr"])
    for lon, lat in ((35.7, 65.0), (150.8, 59.6), (72.7, 49.7)):
        x, y = proj(lon, lat)
        assert 0 <= x <= maps.WIDTH and 0 <= y <= maps.HEIGHT
        assert proj.invert(x, y) == pytest.approx((lon, lat), abs=1e-6)
    w = maps.WINDOWS["ussr"]
    xs = [proj(lon, lat)[0] for lon, lat in ((w.lon0, w.lat0), (w.lon1, w.lat0))]
    assert xs[0] < 30 and xs[1] > maps.WIDTH - 30


def test_labels_never_overlap_and_crowded_ones_are_dropped():
    proj = maps._Conic(maps.WINDOWS["west"])
    rows = [{"label": "Aaaaaaaa", "lon": 25.0, "lat": 55.0}, {"label": "Bbbbbbbb", "lon": 25.0, "lat": 55.0}]
    rows += [{"label": f"C{i}", "lon": 25.0, "lat": 55.0} for i in range(10)]
    placed = maps._place_labels(rows, proj, lambda r: 6.0)
    assert 2 <= len(placed) < len(rows)
    boxes = []
    for p in placed:
        x, y = proj(p["lon"], p["lat"])
        w = maps.CHAR_W * len(p["label"])
        left = {"left": x, "right": x - w, "center": x - w / 2}[p["align"]]
        boxes.append((left, y - maps.LINE_H / 2 + 0.01, left + w, y + maps.LINE_H / 2 - 0.01))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
