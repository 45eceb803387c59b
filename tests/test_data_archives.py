"""The archival datasets of issue 16 ('what the book leaves out'): mass operations of 1937-38, the kulak
deportations and special settlements, the peasant disturbances of 1929-30. They validate, hang together,
do not repeat figures of the repression dataset, agree with their book cross-checks, and chart."""
from __future__ import annotations

import re

import pandas as pd
import pytest

import course.charts as charts
import course.data as data
from course.chartcheck import views
from course.data import book_checks
from conftest import require_shared_book

NEW = ("mass_operations", "special_settlers", "peasant_disturbances")
BUILDERS = ("mass_operations_chart", "special_settlers_chart", "peasant_disturbances_chart")


def _rows(name, **where):
    df = data.load(name)
    for col, value in where.items():
        df = df[df[col] == value]
    return df


def _one(name, id_, column):
    return _rows(name, id=id_)[column].iloc[0]


# --------------------------------------------------------------------------- format

@pytest.mark.parametrize("name", NEW)
def test_dataset_validates_and_cites_real_locators(name):
    data.validate(name)
    assert name in data.names()
    df = data.load(name)
    assert list(df.columns) == list(data.columns(name))
    assert df["source"].notna().all() and set(df["source"]) <= set(data.sources(name))
    assert set(df["source"]) == set(data.sources(name)), "every listed source is used by some row"
    assert set(df["confidence"]) <= {"high", "medium"}
    for key, src in data.sources(name).items():
        assert any(src.get(k) for k in ("table", "page", "chapter", "location")), key
        assert "page" not in src, f"{key}: give a location, not a page we have not seen"
    assert data.metadata(name).get("notes"), "say where the evidence is thin"


# --------------------------------------------------------------------------- mass operations

def test_mass_operations_shot_never_exceeds_convicted_and_ranges_are_ordered():
    df = data.load("mass_operations")
    shot = df.dropna(subset=["shot"])
    assert (shot["shot"] <= shot["convicted"]).all()
    hi = df.dropna(subset=["shot_high"])
    assert (hi["shot_high"] >= hi["shot"]).all() and (hi["shot_high"] <= hi["convicted"]).all()
    assert df.dropna(subset=["convicted_high"]).empty or (df["convicted_high"].dropna() >= df["convicted"]).all()
    dated = df.dropna(subset=["order_date", "start_date"])
    assert (dated["order_date"] <= dated["start_date"]).all()
    assert df["order_date"].dropna().dt.year.eq(1937).all()


def test_national_lines_add_up_to_the_national_total():
    central = _rows("mass_operations", estimate="NKVD central count")
    parts = pd.concat([central, _rows("mass_operations", estimate="remainder computed by us")])
    parts = parts[parts["level"] == "part"]
    total = central[central["level"] == "total"].iloc[0]
    assert parts["convicted"].sum() == total["convicted"]
    assert parts["shot"].sum() == total["shot"]
    named = parts[parts["estimate"] == "NKVD central count"]
    assert named.sort_values("convicted").iloc[-1]["operation"] == "Polish operation"
    assert {"00485", "00439", "00593"} <= set(named["order_no"])


def test_higher_estimates_exceed_the_central_counts():
    for central_id, revised_id in (("kulak-00447", "kulak-00447-revised"), ("national-total", "national-total-revised")):
        assert _one("mass_operations", revised_id, "convicted") > _one("mass_operations", central_id, "convicted")
    assert _one("mass_operations", "kulak-00447-revised", "shot") > _one("mass_operations", "kulak-00447", "shot")


def test_mass_operations_fit_inside_the_annual_series_for_1937_38():
    """00447 plus the national operations, as counted, stay within all political sentences of 1937-38;
    with the higher estimate for 00447 the death sentences overshoot the series (as the YAML notes say)."""
    rep = data.load("repression")
    years = rep[rep["year"].isin([1937, 1938])].groupby("series")["value"].sum()
    ids = ["kulak-00447", "national-total"]
    central = data.load("mass_operations").set_index("id").loc[ids]
    assert 1_050_000 < central["convicted"].sum() <= years["convicted"]
    assert 600_000 < central["shot"].sum() <= years["executed"]
    upper_convicted = _one("mass_operations", "kulak-00447-revised", "convicted") + \
        _one("mass_operations", "national-total-revised", "convicted")
    assert upper_convicted <= years["convicted"]
    upper_shot = _one("mass_operations", "kulak-00447-revised", "shot_high") + _one("mass_operations", "national-total", "shot")
    assert upper_shot > years["executed"]


# --------------------------------------------------------------------------- special settlers

def test_deportations_add_up_and_the_first_count_is_lower():
    fam = {p: _one("special_settlers", f"deported-{p}", "families") for p in ("1930", "1931", "1930-1931")}
    assert fam["1930"] + fam["1931"] == fam["1930-1931"]
    assert fam["1931"] > fam["1930"], "1931 was the larger wave"
    deported = _one("special_settlers", "deported-1930-1931", "persons")
    first = _one("special_settlers", "population-1932-01-01", "persons")
    assert 400_000 < deported - first < 600_000, "about half a million lost before the first count"


def test_special_settler_population_by_year():
    pop = _rows("special_settlers", kind="population").set_index("date")["persons"]
    assert pop.index.is_monotonic_increasing
    assert {d.year for d in pop.index} == set(range(1932, 1941))
    assert pop.idxmax() == pd.Timestamp("1932-01-01")
    assert pop.between(800_000, 1_400_000).all()
    assert pop[pd.Timestamp("1937-12-31")] == pop[pop.index >= pd.Timestamp("1933-01-01")].min()
    flows = _rows("special_settlers").set_index("id")["persons"]
    assert flows["died-1932-1940"] < flows["arrived-1932-1940"] < flows["deported-1930-1931"]


def test_no_figure_is_repeated_from_the_repression_dataset():
    rep = set(data.load("repression")["value"].dropna().astype(int))
    for name in NEW:
        df = data.load(name)
        numbers = {int(v) for col, spec in data.columns(name).items() if spec["dtype"] == "int"
                   and spec.get("unit") == "persons" for v in df[col].dropna()}
        assert not numbers & rep, (name, numbers & rep)


# --------------------------------------------------------------------------- peasant disturbances

def test_disturbances_1930_dwarf_1929_and_peak_in_march():
    df = data.load("peasant_disturbances")
    years = df[df["granularity"] == "year"].set_index("year")["disturbances"]
    assert years[1930] > 10 * years[1929]
    months = df[df["granularity"] == "month"].set_index("month")["disturbances"]
    assert sorted(months.index) == list(range(1, 13))
    assert months.sum() == years[1930], "the months add up to the year"
    assert months.idxmax() == 3 and months[4] < months[3] / 3
    assert months[12] < months[1]
    firm = df[(df["granularity"] == "month") & (df["month"] <= 3)]
    assert set(firm["confidence"]) == {"high"}
    assert df.set_index("id").loc["1930", "participants"] > 2_000_000


# --------------------------------------------------------------------------- book cross-checks

def _new_checks(results):
    return [r for r in results if r.dataset in NEW]


def test_book_checks_recompute_without_the_book():
    results = _new_checks(book_checks.run(None))
    assert {r.dataset for r in results} == {"mass_operations", "special_settlers"}
    assert len(results) >= 5
    for r in results:
        assert r.ok, f"{r.id}: {r.problems}"
        assert not r.agrees and not r.computed_agrees and len(r.note) > 60, r.id
        assert len(r.anchor.split()) <= 8, f"{r.id}: anchor longer than eight words"


@pytest.mark.book
def test_book_checks_are_found_in_the_book():
    results = _new_checks(book_checks.run(require_shared_book()))
    bad = [f"{r.id}: {'; '.join(r.problems)}" for r in results if r.problems]
    assert not bad, "\n".join(bad)
    assert results and all(r.found_in_book for r in results)


# --------------------------------------------------------------------------- charts

def _svg_width(svg: str) -> float:
    return float(re.search(r'<svg[^>]*\swidth="([\d.]+)"', svg).group(1))


@pytest.mark.parametrize("name", BUILDERS)
def test_chart_has_title_axes_tooltips_and_description(name):
    assert name in charts.BUILDERS and name in charts.__all__
    chart = getattr(charts, name)()
    spec = chart.to_dict()                       # validates against the Vega-Lite schema
    assert spec["title"]["text"] and any(s.startswith("Sources:") for s in spec["title"]["subtitle"])
    assert max(len(s) for s in spec["title"]["subtitle"]) <= 110
    assert len(charts.describe(chart)) > 100
    assert any(v["encoding"].get("tooltip") for v in views(spec))
    encodings = [spec.get("encoding", {})] + [layer.get("encoding", {}) for layer in spec.get("layer", [])]
    for channel in ("x", "y"):
        titled = [e[channel].get("title") for e in encodings if isinstance(e.get(channel), dict)]
        assert any(titled), f"{name}: the {channel} axis needs a title"


@pytest.mark.parametrize("name", BUILDERS)
def test_chart_renders_to_svg_within_640_px(name):
    pytest.importorskip("vl_convert")
    svg = charts.to_svg(getattr(charts, name)())
    assert svg.lstrip().startswith("<svg") and "</svg>" in svg
    assert _svg_width(svg) <= 640


def test_mass_operations_bars_are_sorted_with_totals_first():
    spec = charts.mass_operations_chart().to_dict()
    bars = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "bar")
    order = bars["encoding"]["y"]["sort"]
    assert order[0].startswith("Kulak operation") and order[1] == "National operations, all lines"
    assert all(label.startswith("of which:") for label in order[2:])
