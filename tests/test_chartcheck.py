"""course.chartcheck: accepts a correct student chart, rejects wrong ones with a plain explanation."""
from __future__ import annotations

import altair as alt

import course.charts as charts
import course.data as data
from course.chartcheck import CheckResult, check_chart

ROWS = charts.records(data.load("collectivization"), ["date", "percent", "series"])
SPEC = {"mark": "line",
        "encoding": {"x": {"field": "date", "type": "temporal"}, "y": {"field": "percent", "type": "quantitative"}},
        "data_columns": ["date", "percent"], "dataset": "collectivization"}


def student(mark="line", **enc):
    enc = enc or {"x": "date:T", "y": "percent:Q"}
    return getattr(alt.Chart(alt.Data(values=ROWS)), f"mark_{mark}")().encode(**enc)


def test_accepts_correct_chart_object_dict_and_long_form():
    assert check_chart(student(), SPEC).ok
    assert check_chart(student().to_dict(), SPEC).ok
    long_form = student(x=alt.X("date", type="temporal"), y=alt.Y(field="percent", type="quantitative"))
    res = check_chart(long_form, SPEC)
    assert res.ok and res.score == 1.0 and bool(res) and "does what" in str(res)


def test_accepts_the_course_chart_layers():
    assert check_chart(charts.collectivization_curve(), SPEC).ok, "the right view is found among the layers"


def test_rejects_wrong_mark():
    res = check_chart(student("bar"), SPEC)
    assert not res.ok
    assert "uses a 'bar' mark, but the question asks for 'line'" in res.problems[0]
    assert 0 < res.score < 1


def test_rejects_wrong_field_on_y():
    res = check_chart(student(x="date:T", y="series:N"), SPEC)
    assert res.problems == ["The y axis shows 'series' (nominal), but the question asks for 'percent' (quantitative)."]


def test_rejects_wrong_type():
    res = check_chart(student(x="date:O", y="percent:Q"), SPEC)
    assert not res.ok
    assert "its type should be temporal, not ordinal" in res.problems[0]


def test_rejects_swapped_axes():
    res = check_chart(student(x="percent:Q", y="date:T"), SPEC)
    assert len(res.problems) == 2
    assert res.problems[0].startswith("The x axis shows 'percent'")


def test_rejects_missing_channel():
    res = check_chart(student(x="date:T", color="percent:Q"), SPEC)
    assert any("Nothing is on the y axis" in p and "on the colour instead" in p for p in res.problems)


def test_rejects_missing_and_wrong_filter():
    spec = {**SPEC, "filters": [{"field": "percent", "range": [20, 60]}]}
    res = check_chart(student(), spec)
    assert any("no filter on 'percent'" in p for p in res.problems)
    wrong = student().transform_filter(alt.FieldRangePredicate(field="percent", range=[0, 100]))
    res = check_chart(wrong, spec)
    assert any("filters on 'percent', but not as asked" in p for p in res.problems)
    right = student().transform_filter(alt.FieldRangePredicate(field="percent", range=[20, 60]))
    assert check_chart(right, spec).ok
    as_expression = student().transform_filter("datum.percent >= 20 && datum.percent <= 60")
    assert check_chart(as_expression, spec).ok


def test_filter_field_shorthand_and_expression_filters():
    spec = {**SPEC, "filter_field": "series"}
    assert not check_chart(student(), spec).ok
    assert check_chart(student().transform_filter("datum.series == 'campaign'"), spec).ok
    spec2 = {**SPEC, "filters": [{"field": "series", "equal": "campaign"}]}
    assert check_chart(student().transform_filter(alt.datum.series == "campaign"), spec2).ok
    assert not check_chart(student().transform_filter("datum.series == 'annual'"), spec2).ok


def test_aggregation_in_encoding_or_transform():
    rows = charts.records(data.load("livestock"))
    spec = {"mark": "bar", "encoding": {"x": {"field": "year", "type": "ordinal"},
                                         "y": {"field": "head_mn", "type": "quantitative", "aggregate": "sum"}},
            "aggregate": {"field": "head_mn", "op": "sum"}}
    good = alt.Chart(alt.Data(values=rows)).mark_bar().encode(x="year:O", y="sum(head_mn):Q")
    assert check_chart(good, spec).ok
    bad = alt.Chart(alt.Data(values=rows)).mark_bar().encode(x="year:O", y="mean(head_mn):Q")
    res = check_chart(bad, spec)
    assert any("mean of 'head_mn'" in p and "sum of 'head_mn'" in p for p in res.problems)
    assert any("should aggregate 'head_mn' with sum" in p for p in res.problems)


def test_rejects_wrong_data():
    rows = charts.records(data.load("livestock"))
    wrong = alt.Chart(alt.Data(values=rows)).mark_line().encode(x="year:T", y="head_mn:Q")
    res = check_chart(wrong, SPEC)
    assert any("lacks the column(s) 'date', 'percent'" in p and "collectivization" in p for p in res.problems)


def test_forbidden_channel_and_alternative_marks():
    spec = {**SPEC, "mark": ["line", "area"], "forbid_channels": ["size"]}
    assert check_chart(student("area"), spec).ok
    res = check_chart(student(x="date:T", y="percent:Q", size="percent:Q"), spec)
    assert any("says not to use" in p for p in res.problems)


def test_non_chart_input_is_reported():
    res = check_chart("a line chart", SPEC)
    assert isinstance(res, CheckResult) and not res.ok
    res = check_chart({"data": {"values": ROWS}}, SPEC)
    assert "no mark" in res.problems[0]
