"""The series explorer widget, driven through its Python API."""
from __future__ import annotations

import ipywidgets as widgets
import pytest

from course.widgets.explorer import CollectivizationExplorer, SeriesExplorer


@pytest.fixture(scope="module")
def explorer():
    return CollectivizationExplorer()


def test_slider_is_labelled_and_covers_the_dates(explorer):
    s = explorer.slider
    assert isinstance(s, widgets.SelectionSlider)
    assert s.description
    values = [v for _, v in s.options]
    assert values[0] == "1928-06-01" and values[-1] == "1937-06-01"
    assert "1930-03-01" in values


def test_moving_the_slider_changes_value_events_and_chapter(explorer):
    explorer.slider.value = "1930-03-01"
    peak = dict(explorer.state)
    assert peak["value"] == pytest.approx(57.2)
    assert "57.2" in explorer.value_html.value
    ids = [e["id"] for e in peak["events"]]
    assert ids[0] == "dizzy-with-success"
    assert "Dizzy with Success" in explorer.events_html.value
    assert peak["chapter"] == 8 and "chapter 8" in explorer.chapter_html.value
    assert "The Emergency and After" in explorer.chapter_html.value

    explorer.slider.value = "1930-01-01"
    assert explorer.state["value"] == pytest.approx(18.1)
    assert "tempo-decree" in [e["id"] for e in explorer.state["events"]]
    assert explorer.state["chapter"] == 6
    assert "57.2" not in explorer.value_html.value

    explorer.slider.value = "1937-06-01"
    assert explorer.state["value"] == pytest.approx(93.0)
    assert "dizzy-with-success" not in explorer.events_html.value


def test_buttons_step_through_dates(explorer):
    explorer.slider.value = "1930-03-01"
    explorer.next_button.click()
    assert explorer.slider.value == "1930-04-01"
    explorer.prev_button.click()
    explorer.prev_button.click()
    assert explorer.slider.value == "1930-02-20"
    explorer.slider.value = "1928-06-01"
    explorer.prev_button.click()
    assert explorer.slider.value == "1928-06-01", "stops at the first date"


def test_chart_follows_the_slider(explorer):
    explorer.slider.value = "1930-08-01"
    spec = explorer.chart.to_dict()
    rows = [r for rows in spec.get("datasets", {}).values() for r in rows]
    rows += [r for layer in spec["layer"] for r in layer.get("data", {}).get("values", [])]
    rule_rows = [r for r in rows if list(r) == ["date"]]
    assert rule_rows == [{"date": "1930-08-01"}]
    assert spec["description"]


def test_events_windows_do_not_overlap(explorer):
    seen = {}
    for i in range(len(explorer.dates)):
        for e in explorer.events_at(i):
            assert e["id"] not in seen, f"{e['id']} shown at two dates"
            seen[e["id"]] = i


def test_generic_explorer_on_another_dataset():
    ex = SeriesExplorer("timeline", "date", "chapter", unit="(chapter)", value_format="d", show_chart=False)
    ex.slider.value = "1934-12-01"
    assert ex.state["value"] == 12
    assert any(e["id"] == "kirov-murder" for e in ex.state["events"])
    assert isinstance(ex.display(), widgets.VBox)
