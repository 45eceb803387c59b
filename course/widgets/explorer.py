"""Explore a dated series through time, with the events of each moment and the chapter to read.

``SeriesExplorer`` is generic: any dataset with a date column and a value column. The student moves a
``SelectionSlider`` (keyboard-operable: focus it and use the arrow keys; Previous/Next buttons do the
same) and sees the value at that date, the timeline events around it (from the ``timeline`` dataset,
those falling in the window that belongs to that date, nearest first) and the chapter of the book that
treats them. The chart is shown in an ``ipywidgets.Output`` with a rule at the selected date.

>>> from course.widgets.explorer import CollectivizationExplorer
>>> ex = CollectivizationExplorer()                        # doctest: +SKIP
>>> ex.slider.value = "1930-03-01"                         # doctest: +SKIP
>>> ex.state["value"], ex.state["chapter"]                 # doctest: +SKIP
(57.2, 8)
>>> ex                                                     # doctest: +SKIP  (displays the widget)
"""
from __future__ import annotations

import html
from collections import Counter
from typing import Any, Callable

import ipywidgets as widgets

from .. import data as _data

__all__ = ["SeriesExplorer", "CollectivizationExplorer"]


class SeriesExplorer:
    """A time slider over ``dataset``'s ``date_col``, showing ``value_col``, nearby events and the chapter.

    Parameters
    ----------
    dataset: dataset name (see ``course.data.names()``).
    date_col, value_col: columns holding the dates and the values.
    unit: text after the value (e.g. "% of peasant households").
    value_format: format spec for the value (``".1f"``).
    label: the slider's visible description (screen readers read it too).
    window_days: events further than this from a date are never shown for it; otherwise each date
        owns the events up to half-way to its neighbouring dates.
    chart_builder: zero-argument function returning an Altair chart of the series (optional).
        Rows sharing a date are reduced to the first one (one slider stop per date).
    default_chapter: chapter to suggest when no event falls in the window.
    preferred_chapters: chapters that treat the series itself; when an event of the window belongs to
        one of them, the suggested chapter is chosen among those (others are still listed).
    """

    def __init__(self, dataset: str, date_col: str = "date", value_col: str = "value", *,
                 unit: str = "", value_format: str = ".1f", label: str = "Date",
                 window_days: int = 120, chart_builder: Callable[[], Any] | None = None,
                 default_chapter: int | None = None, title: str | None = None, show_chart: bool = True,
                 preferred_chapters: tuple[int, ...] = ()):
        import pandas as pd

        df = _data.load(dataset).dropna(subset=[date_col, value_col]).sort_values(date_col, kind="stable")
        df = df.drop_duplicates(subset=[date_col], keep="first")   # one slider stop per date
        self.dataset, self.date_col, self.value_col = dataset, date_col, value_col
        self.unit, self.value_format, self.window_days = unit, value_format, window_days
        self.default_chapter = default_chapter
        self.preferred_chapters = tuple(preferred_chapters)
        self.chart_builder = chart_builder
        self.title = title or _data.metadata(dataset).get("title", dataset)
        self.rows = df.reset_index(drop=True)
        self.dates = [pd.Timestamp(d) for d in self.rows[date_col]]
        self.timeline = _data.load("timeline")
        options = [(d.strftime("%d %b %Y"), d.date().isoformat()) for d in self.dates]

        self.slider = widgets.SelectionSlider(
            options=options, value=options[0][1], description=label, continuous_update=False,
            readout=True, layout=widgets.Layout(width="95%"), style={"description_width": "initial"},
            tooltip=f"Move through the dates of {self.title} (arrow keys work when the slider has focus)")
        self.prev_button = widgets.Button(description="Previous", icon="arrow-left",
                                          tooltip="Previous date", layout=widgets.Layout(width="auto"))
        self.next_button = widgets.Button(description="Next", icon="arrow-right",
                                          tooltip="Next date", layout=widgets.Layout(width="auto"))
        self.value_html = widgets.HTML()
        self.events_html = widgets.HTML()
        self.chapter_html = widgets.HTML()
        self.chart_output = widgets.Output()
        self.show_chart = show_chart and chart_builder is not None
        self.chart = None
        self._base_chart = None
        self.state: dict[str, Any] = {}

        self.slider.observe(self._on_change, names="value")
        self.prev_button.on_click(lambda _: self.step(-1))
        self.next_button.on_click(lambda _: self.step(+1))
        header = widgets.HTML(f"<h4 style='margin:0'>{html.escape(self.title)}</h4>")
        self.widget = widgets.VBox([
            header, widgets.HBox([self.prev_button, self.next_button]), self.slider,
            self.value_html, self.events_html, self.chapter_html, self.chart_output])
        self._update(self.slider.value)

    # ------------------------------------------------------------------ behaviour
    def step(self, delta: int) -> None:
        """Move the slider ``delta`` dates forward (negative: back), stopping at the ends."""
        values = [v for _, v in self.slider.options]
        i = values.index(self.slider.value)
        self.slider.value = values[max(0, min(len(values) - 1, i + delta))]

    def _on_change(self, change) -> None:
        self._update(change["new"])

    def window(self, i: int):
        """The (start, end) dates whose events belong to the i-th date: half-way to each neighbour, capped."""
        import pandas as pd

        d = self.dates[i]
        cap = pd.Timedelta(days=self.window_days)
        lo = d - cap if i == 0 else max(d - cap, self.dates[i - 1] + (d - self.dates[i - 1]) / 2)
        hi = d + cap if i == len(self.dates) - 1 else min(d + cap, d + (self.dates[i + 1] - d) / 2)
        return lo, hi

    def events_at(self, i: int) -> list[dict]:
        """Timeline events in the i-th date's window, nearest first."""
        lo, hi = self.window(i)
        tl = self.timeline
        near = tl[(tl["date"] >= lo) & (tl["date"] < hi)].copy()
        near["distance"] = (near["date"] - self.dates[i]).abs()
        near = near.sort_values(["distance", "date"])
        return [{"id": r.id, "date": r.date.date().isoformat(), "event": r.event, "chapter": int(r.chapter),
                 "section": (r.section if isinstance(r.section, str) else "") or ""}
                for r in near.itertuples()]

    def chapter_for(self, events: list[dict]) -> int | None:
        """The chapter to read: the one most of the events belong to (ties: the nearest event's)."""
        if not events:
            return self.default_chapter
        preferred = [e for e in events if e["chapter"] in self.preferred_chapters]
        events = preferred or events
        counts = Counter(e["chapter"] for e in events)
        top = max(counts.values())
        return next(e["chapter"] for e in events if counts[e["chapter"]] == top)

    def _update(self, iso: str) -> None:
        import pandas as pd

        i = self.dates.index(pd.Timestamp(iso))
        row = self.rows.iloc[i]
        raw = row[self.value_col]
        value = int(raw) if str(self.rows[self.value_col].dtype).lower().startswith("int") else float(raw)
        events = self.events_at(i)
        chapter = self.chapter_for(events)
        sections = sorted({e["section"] for e in events if e["chapter"] == chapter and e["section"]})
        self.state = {"date": iso, "value": value, "events": events, "chapter": chapter, "sections": sections,
                      "row": {k: (None if pd.isna(v) else v) for k, v in row.items()}}
        date_text = self.dates[i].strftime("%d %B %Y").lstrip("0")
        note = row.get("note") if "note" in row else None
        note_html = f"<br><small>{html.escape(str(note))}</small>" if isinstance(note, str) and note else ""
        self.value_html.value = (f"<p><b>{html.escape(date_text)}</b>: "
                                 f"<b>{format(value, self.value_format)}</b> {html.escape(self.unit)}{note_html}</p>")
        if events:
            items = "".join(f"<li>{html.escape(e['date'])}: {html.escape(e['event'])} "
                            f"<small>(ch. {e['chapter']})</small></li>" for e in events)
            self.events_html.value = f"<p>Events around this date:</p><ul>{items}</ul>"
        else:
            self.events_html.value = "<p>No event in the course timeline falls near this date.</p>"
        if chapter is not None:
            where = f", section “{html.escape(sections[0])}”" if sections else ""
            self.chapter_html.value = f"<p>Read: <b>chapter {chapter}</b>{where}.</p>"
        else:
            self.chapter_html.value = ""
        if self.show_chart:
            self._draw(iso)

    def _draw(self, iso: str) -> None:
        import altair as alt

        if self._base_chart is None:
            self._base_chart = self.chart_builder()
        rule = alt.Chart(alt.Data(values=[{self.date_col: iso}])).mark_rule(color="#000", strokeWidth=2).encode(
            x=alt.X(f"{self.date_col}:T"))
        base = self._base_chart.copy(deep=False)
        config = base.config
        base.config = alt.Undefined
        layers = list(base.layer) if isinstance(base, alt.LayerChart) else [base]
        props = {k: getattr(base, k) for k in ("title", "width", "height", "description")
                 if getattr(base, k, alt.Undefined) is not alt.Undefined}
        if not isinstance(base, alt.LayerChart):
            for k in props:
                setattr(layers[0], k, alt.Undefined)
        chart = alt.layer(*layers, rule).properties(**props)
        chart.config = config
        self.chart = chart
        self.chart_output.clear_output(wait=True)
        try:
            from IPython import get_ipython
        except ImportError:            # plain Python without IPython: keep the chart object only
            return
        if get_ipython() is None:      # not in a kernel: nothing to draw into
            return
        from IPython.display import display

        from ..charts import course_renderer

        with self.chart_output:  # JupyterLab's own Vega renderer: no script from a CDN (offline, strict hubs)
            bundle, meta = course_renderer(chart.to_dict())
            display(bundle, metadata=meta, raw=True)

    # ------------------------------------------------------------------ display
    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def display(self):
        """Return the widget (a VBox) for display in a notebook."""
        return self.widget


def CollectivizationExplorer(show_chart: bool = True) -> SeriesExplorer:
    """The collectivization curve, 1929-1937, with the events of each moment and the chapter to read."""
    from .. import charts

    return SeriesExplorer(
        "collectivization", "date", "percent", unit="% of peasant households in collective farms",
        label="Date of the return", window_days=120, default_chapter=8, preferred_chapters=(6, 8, 9),
        chart_builder=lambda: charts.collectivization_curve(annotate=False), show_chart=show_chart,
        title="Collectivization month by month, then year by year")
