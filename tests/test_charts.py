"""Chart builders: valid Vega-Lite (Altair's schema), accessible, sourced, offline; render to SVG and PNG."""
from __future__ import annotations

import json

import altair as alt
import pytest

import course.charts as charts
from course.chartcheck import views

BUILDERS = sorted(charts.BUILDERS)
REQUIRED = {"collectivization_curve", "grain_chart", "livestock_chart", "plan_chart", "terror_chart",
            "congress_chart"}


def test_required_builders_exist():
    assert REQUIRED <= set(BUILDERS)


def _rows(spec):
    """Every inline data row of a spec (top-level datasets and inline ``values`` anywhere)."""
    out = [r for rows in spec.get("datasets", {}).values() for r in rows]
    for node in _walk(spec):
        if isinstance(node.get("values"), list):
            out += [r for r in node["values"] if isinstance(r, dict)]
    return out


def _walk(obj):
    if isinstance(obj, dict):
        yield obj
        for v in obj.values():
            yield from _walk(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _walk(v)


@pytest.mark.parametrize("name", BUILDERS)
def test_builder_returns_valid_accessible_sourced_offline_spec(name):
    chart = charts.BUILDERS[name]()
    assert isinstance(chart, (alt.Chart, alt.LayerChart, alt.VConcatChart))
    spec = chart.to_dict()                     # validates against the Vega-Lite schema; raises if invalid
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v5")
    desc = spec.get("description", "")
    assert len(desc) > 60 and charts.describe(chart) == desc
    title = spec["title"]
    assert title["text"] and any("Sources:" in s for s in title["subtitle"])
    assert max(len(s) for s in title["subtitle"]) <= 110, "a long sources line widens the chart; wrap it"
    assert spec["config"]["range"]["category"] == charts.PALETTE
    nodes = list(_walk(spec))
    assert not any("url" in n for n in nodes), "data must be inline so the chart renders offline"
    assert _rows(spec), "inline data expected"
    vs = views(spec)
    assert any(v["encoding"].get("tooltip") for v in vs), "some mark needs tooltips"
    axis_titles = [n.get("title") for n in nodes if "field" in n and "type" in n and n.get("type") in
                   ("quantitative", "temporal", "ordinal")]
    assert any(axis_titles), "axes are labelled"
    json.dumps(spec)                           # serialisable as-is


@pytest.mark.parametrize("name", BUILDERS)
def test_builder_renders_to_svg_and_png(name):
    pytest.importorskip("vl_convert")
    chart = charts.BUILDERS[name]()
    svg = charts.to_svg(chart)
    assert svg.lstrip().startswith("<svg") and "</svg>" in svg
    png = charts.to_png(chart)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_collectivization_curve_marks_turning_points():
    spec = charts.collectivization_curve().to_dict()
    rows = [r for r in _rows(spec) if "label" in r]
    dates = {r["date"] for r in rows}
    assert "1930-03-02" in dates, "the 'Dizzy with Success' article is annotated"
    assert {"rule", "text", "line"} <= {v["mark"] for v in views(spec)}
    first_wave = [r for r in _rows(spec) if "percent" in r and r["date"] < "1931-01-01"]
    peak = max(first_wave, key=lambda r: r["percent"])
    assert peak["date"].startswith("1930-03")


def test_collectivization_curve_period_and_annotations_are_options():
    spec = charts.collectivization_curve(end="1931-06-30", annotate=False).to_dict()
    years = {r["date"][:4] for r in _rows(spec)}
    assert max(years) <= "1931"
    assert {v["mark"] for v in views(spec)} == {"line"}


def test_plan_chart_normalises_to_percent_of_target():
    spec = charts.plan_chart().to_dict()
    rows = [r for r in _rows(spec) if "pct_of_target" in r]
    oil = next(r for r in rows if r["indicator"] == "oil" and r["measure"] == "1932 output")
    assert oil["pct_of_target"] == pytest.approx(21.4 / 21.7 * 100, abs=0.1)
    assert any(r["measure"] == "raised target" for r in rows)


def test_terror_chart_series_option():
    spec = charts.terror_chart(series=("gulag_camps",)).to_dict()
    rows = _rows(spec)
    assert {r["series"] for r in rows} == {"gulag_camps"}


def test_congress_chart_shares():
    spec = charts.congress_chart().to_dict()
    rows = _rows(spec)
    cc = next(r for r in rows if r["id"] == "xvii-cc" and r["status"] != "not affected")
    assert cc["pct"] == pytest.approx(70.5, abs=0.1)


def test_describe_accepts_a_dict():
    spec = charts.livestock_chart().to_dict()
    assert charts.describe(spec) == spec["description"]


def test_congress_bars_put_the_victims_first_and_sort_by_their_share():
    spec = charts.congress_chart().to_dict()
    enc = spec["encoding"]
    assert enc["order"]["field"] == "stack" and enc["y"]["sort"]["field"] == "share_affected"
    rows = _rows(spec)
    for who in {r["who"] for r in rows}:
        parts = sorted((r for r in rows if r["who"] == who), key=lambda r: r["stack"])
        assert [r["status"] == "not affected" for r in parts] == [False, True], who
        assert parts[0]["share_affected"] == parts[0]["pct"] and abs(parts[0]["pct"] + parts[1]["pct"] - 100) < 0.2
