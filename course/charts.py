"""Charts of the course datasets, built with Altair 5.5 (Vega-Lite 5).

Every builder returns an ``alt.Chart`` or ``alt.LayerChart`` with:

* a title and a subtitle that cites the data's sources;
* labelled axes with units, tooltips on the marks;
* a colour-blind-safe palette (Okabe-Ito);
* a top-level Vega-Lite ``description`` for screen readers (``describe(chart)`` returns it);
* its data embedded inline (``values``), so it renders offline and grading can read ``to_dict()``.

>>> from course import charts
>>> chart = charts.collectivization_curve()
>>> chart.to_dict()["description"][:40]               # doctest: +ELLIPSIS
'Line chart: share of peasant households...'
>>> svg = charts.to_svg(chart)                       # doctest: +SKIP  (needs vl-convert-python)

Static images (for nbgrader feedback, where Vega does not render) come from :func:`to_svg` /
:func:`to_png` via ``vl-convert-python``.

Display: the Altair renderer ``"course"`` (registered here, enabled by ``Unit.chart()``) puts the Vega-Lite
spec in the output for JupyterLab's own Vega renderer (live, offline) and, when ``vl_convert`` is importable
(grader environment, solutions build), an ``image/svg+xml`` copy beside it, which nbconvert's HTML
(formgrader, feedback) shows where it cannot draw Vega. JupyterLab ranks its Vega renderer above SVG, so
students still get the interactive chart. See :func:`course_renderer`.
"""
from __future__ import annotations

import datetime as _dt
import math
import os
from typing import Any, Iterable

import altair as alt

from . import data as _data

__all__ = ["PALETTE", "collectivization_curve", "grain_chart", "livestock_chart", "plan_chart", "terror_chart", "territory_chart",
           "congress_chart", "famine_chart", "turning_points", "records", "to_svg", "to_png", "describe",
           "source_line", "BUILDERS", "VEGALITE_MIME", "course_renderer"]

#: Okabe-Ito palette: distinguishable with the common forms of colour blindness.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
WIDTH, HEIGHT = 560, 300


# --------------------------------------------------------------------------- helpers

def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    try:  # NaT, NaN and pd.NA first: NaT also has .isoformat() (it would become the string "NaT")
        import pandas as pd
        if value is pd.NA or (not isinstance(value, (str, bytes, list, dict)) and pd.isna(value)):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return value.date().isoformat() if hasattr(value, "date") and callable(value.date) else value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    try:
        import pandas as pd
        if value is pd.NA or (not isinstance(value, (str, bytes)) and pd.isna(value)):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):
        return value.item()
    return value


def records(df, columns: Iterable[str] | None = None) -> list[dict]:
    """DataFrame rows as JSON-safe dicts (dates as ISO strings, missing values as None), for inline data."""
    cols = list(columns) if columns is not None else list(df.columns)
    return [{c: _jsonable(v) for c, v in zip(cols, row)} for row in df[cols].itertuples(index=False, name=None)]


def source_line(*names: str) -> str:
    """'Sources: …' naming the authors and years of the datasets' sources (short form for a subtitle)."""
    seen: list[str] = []
    for name in names:
        for src in _data.sources(name).values():
            item = f"{src['author']} ({src['year']})"
            if item not in seen:
                seen.append(item)
    return "Sources: " + "; ".join(seen) + "."


def _wrap_sources(line: str, width: int = 110) -> list[str]:
    """The sources line broken after a '; ' so no subtitle line is wider than ``width`` characters."""
    lines: list[str] = []
    for part in line.split("; "):
        if lines and len(lines[-1]) + 2 + len(part) <= width:
            lines[-1] += "; " + part
        elif lines:
            lines[-1] += ";"
            lines.append(part)
        else:
            lines.append(part)
    return lines


def _title(text: str, *datasets: str, extra: str | None = None) -> alt.TitleParams:
    sub = _wrap_sources(source_line(*datasets))
    if extra:
        sub.insert(0, extra)
    return alt.TitleParams(text=text, subtitle=sub, anchor="start", subtitleFontSize=10, subtitleColor="#444")


def _finish(chart, description: str):
    return chart.properties(description=description).configure_range(category=PALETTE).configure_axis(
        labelFontSize=11, titleFontSize=12)


def describe(chart) -> str:
    """The chart's text description (its top-level Vega-Lite ``description``), for screen readers and feedback."""
    spec = chart if isinstance(chart, dict) else chart.to_dict(validate=False)
    return str(spec.get("description", ""))


def _vl_version() -> str:
    """The Vega-Lite version Altair writes (``"5_20"``), for vl-convert (whose default is its newest, v6)."""
    from altair.vegalite.v5 import SCHEMA_VERSION

    return "_".join(SCHEMA_VERSION.lstrip("v").split(".")[:2])


def _convert(fn, spec: dict, **kwargs):
    """``fn(spec)`` with Altair's Vega-Lite version; vl-convert's default if it lacks that exact version."""
    try:
        return fn(spec, vl_version=_vl_version(), **kwargs)
    except Exception:  # noqa: BLE001 - "Unsupported Vega-Lite version string" (a RuntimeError)
        return fn(spec, **kwargs)


def to_svg(chart) -> str:
    """Render to an SVG string with vl-convert (offline)."""
    import vl_convert as vlc

    spec = chart if isinstance(chart, dict) else chart.to_dict()
    return _convert(vlc.vegalite_to_svg, spec)


def to_png(chart, scale: float = 1.0) -> bytes:
    """Render to PNG bytes with vl-convert (offline)."""
    import vl_convert as vlc

    spec = chart if isinstance(chart, dict) else chart.to_dict()
    return _convert(vlc.vegalite_to_png, spec, scale=scale)


VEGALITE_MIME = "application/vnd.vegalite.v5+json"


def course_renderer(spec: dict, **metadata):
    """Altair renderer ``"course"``: the Vega-Lite spec, its description as text, and an SVG when it can.

    The bundle is ``{VEGALITE_MIME: spec, "text/plain": description}``, plus ``"image/svg+xml"`` when
    ``vl_convert`` imports (instructor side: solutions; the student wheel does not ship it). A spec
    vl-convert cannot draw is shown without the SVG rather than failing the cell. While nbgrader grades
    (``NBGRADER_EXECUTION=autograde``) the kernel leaves the SVG to the grader's process
    (``course_instructor.autograde.ChartImages``), where vl-convert starts once per worker, not per student.
    """
    bundle: dict = {VEGALITE_MIME: spec, "text/plain": describe(spec) or "A chart (Vega-Lite)."}
    meta = {VEGALITE_MIME: metadata} if metadata else {}
    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        return bundle, meta  # the grader draws it once per worker, not once per kernel (ChartImages)
    try:
        import vl_convert as vlc
    except ImportError:
        return bundle, meta
    try:
        bundle["image/svg+xml"] = _convert(vlc.vegalite_to_svg, spec)
    except Exception:  # noqa: BLE001 - a chart vl-convert cannot draw still shows live in JupyterLab
        pass
    return bundle, meta


alt.renderers.register("course", course_renderer)


# --------------------------------------------------------------------------- collectivization

def turning_points() -> list[dict]:
    """Turning points annotated on the collectivization curve: timeline events with a short label."""
    labels = {
        "great-break-article": "'Great Turn' article",
        "liquidate-kulaks-speech": "Kulaks 'as a class'",
        "tempo-decree": "Tempo decree",
        "dizzy-with-success": "'Dizzy with Success'",
        "distortions-decree": "Retreat decree",
        "law-of-seven-eighths": "Law of 7 August",
    }
    tl = _data.load("timeline")
    tl = tl[tl["id"].isin(list(labels))]
    out = []
    for row in records(tl, ["id", "date", "event", "chapter"]):
        row["label"] = labels[row["id"]]
        out.append(row)
    return sorted(out, key=lambda r: r["date"])


def collectivization_curve(start: str = "1929-06-01", end: str = "1937-12-31", annotate: bool = True):
    """Share of peasant households in collective farms, with turning points marked as rules and labels.

    ``start``/``end`` (ISO dates) restrict the period: the default spans the whole series; use
    ``end="1931-06-30"`` to zoom in on the 1930 surge and retreat.
    """
    df = _data.load("collectivization")
    df = df[(df["date"] >= start) & (df["date"] <= end)]
    values = records(df, ["date", "percent", "households_mn", "series", "confidence", "note"])
    base = alt.Chart(alt.Data(values=values))
    x = alt.X("date:T", title="Date", axis=alt.Axis(format="%b %Y"))
    line = base.mark_line(point=alt.OverlayMarkDef(filled=True, size=45), color=PALETTE[0]).encode(
        x=x,
        y=alt.Y("percent:Q", title="Households in collective farms (% of all peasant households)",
                scale=alt.Scale(domain=[0, 100])),
        tooltip=[alt.Tooltip("date:T", title="Date", format="%d %b %Y"),
                 alt.Tooltip("percent:Q", title="% of households", format=".1f"),
                 alt.Tooltip("households_mn:Q", title="Households (million)", format=".1f"),
                 alt.Tooltip("series:N", title="Series"), alt.Tooltip("note:N", title="Note")],
    )
    layers = [line]
    key = None
    if annotate:
        # numbered rules, with the events named in a key under the chart: six events fall within a few
        # months of the winter of 1929-30, too close for their names to sit on the chart side by side
        points = [p for p in turning_points() if start <= p["date"] <= end]
        for i, p in enumerate(points, 1):
            p["n"] = str(i)
            p["label_y"] = 97 - 6 * ((i - 1) % 3)
            p["key"] = f"{i}  {p['label']} ({_dt.date.fromisoformat(p['date'][:10]).strftime('%d %b %Y').lstrip('0')})"
        marks = alt.Chart(alt.Data(values=points))
        tip = [alt.Tooltip("date:T", title="Date", format="%d %b %Y"),
               alt.Tooltip("event:N", title="Event"), alt.Tooltip("chapter:Q", title="Chapter")]
        rules = marks.mark_rule(strokeDash=[4, 3], color=PALETTE[3]).encode(x="date:T", tooltip=tip)
        text = marks.mark_text(align="left", baseline="middle", dx=3, fontSize=11, fontWeight="bold",
                               color=PALETTE[3]).encode(x="date:T", y=alt.Y("label_y:Q"), text="n:N", tooltip=tip)
        layers += [rules, text]
        cols = 2
        for i, p in enumerate(points):
            p["key_col"], p["key_row"] = i // math.ceil(len(points) / cols), i % math.ceil(len(points) / cols)
        key = marks.mark_text(align="left", baseline="middle", fontSize=11, color=PALETTE[3]).encode(
            x=alt.X("key_col:O", axis=None, scale=alt.Scale(paddingInner=0, paddingOuter=0, align=0)),
            y=alt.Y("key_row:O", axis=None), text="key:N", tooltip=tip,
        ).properties(width=WIDTH, height=16 * math.ceil(len(points) / cols)) if points else None
    # the peak of the 1929-30 campaign (the later climb to 93% by 1937 is described separately)
    first_wave = [r for r in values if r["date"] < "1931-01-01" and r["percent"] is not None]
    peak = max(first_wave, key=lambda r: r["percent"]) if first_wave else None
    desc = ("Line chart: share of peasant households in collective farms, USSR, "
            f"{values[0]['date'][:4] if values else start[:4]}-{values[-1]['date'][:4] if values else end[:4]}. ")
    if peak:
        desc += (f"It rises to a peak of {peak['percent']:.0f}% on {peak['date']}, falls after Stalin's "
                 "'Dizzy with Success' article of 2 March 1930 to about 22% by August 1930, then climbs "
                 "again to 93% in 1937. Numbered dashed rules mark turning points, named in the key below: "
                 + "; ".join(p["key"] for p in (points if annotate else [])) + ".")
    title = _title("Collectivization: the surge, the retreat and the second drive", "collectivization", "timeline")
    chart = alt.layer(*layers).properties(width=WIDTH, height=HEIGHT)
    chart = alt.vconcat(chart, key, spacing=6).properties(title=title) if key is not None else chart.properties(title=title)
    return _finish(chart, desc)


# --------------------------------------------------------------------------- grain

def grain_chart():
    """Grain harvest (official and revised), state procurements and exports, 1928-1934, million tons."""
    df = _data.load("grain")
    df = df.assign(series=df["measure"].str.cat(df["variant"], sep=" (").str.cat([")"] * len(df)))
    df.loc[df["measure"] != "harvest", "series"] = df["measure"]
    df["series"] = df["series"].replace({"harvest (official)": "harvest, official",
                                         "harvest (revised)": "harvest, revised estimate",
                                         "procurement": "state procurement", "export": "export"})
    values = records(df, ["year", "year_label", "series", "value_mt", "low_mt", "high_mt", "basis", "note"])
    order = ["harvest, official", "harvest, revised estimate", "state procurement", "export"]
    color = alt.Color("series:N", title="Series", sort=order, scale=alt.Scale(domain=order, range=PALETTE[:4]))
    base = alt.Chart(alt.Data(values=values)).encode(
        x=alt.X("year:O", title="Harvest year (procurements: agricultural year from July)"))
    lines = base.mark_line(point=True).encode(
        y=alt.Y("value_mt:Q", title="Grain (million metric tons)"), color=color,
        tooltip=[alt.Tooltip("year_label:N", title="Year"), alt.Tooltip("series:N", title="Series"),
                 alt.Tooltip("value_mt:Q", title="Million tons", format=".1f"),
                 alt.Tooltip("low_mt:Q", title="Low", format=".1f"), alt.Tooltip("high_mt:Q", title="High", format=".1f"),
                 alt.Tooltip("basis:N", title="Basis")])
    ranges = base.transform_filter("isValid(datum.low_mt)").mark_errorbar(ticks=True).encode(
        y=alt.Y("low_mt:Q", title="Grain (million metric tons)"), y2="high_mt:Q", color=color)
    desc = ("Line chart of Soviet grain, 1928-1934, in million tons: the official harvest, the revised "
            "estimate (with its range as error bars), state procurements and exports. Procurements rise "
            "from about 11 to 23 million tons while the revised harvest falls to 55-60 million in 1932; "
            "exports peak at 5.2 million tons in 1931.")
    chart = alt.layer(lines, ranges).properties(width=WIDTH, height=HEIGHT,
                                                title=_title("Grain: harvest, procurement and export", "grain"))
    return _finish(chart, desc)


# --------------------------------------------------------------------------- livestock

def livestock_chart(index: bool = False):
    """Livestock herds 1928-1935 by species; ``index=True`` shows each as % of its 1928 level."""
    df = _data.load("livestock")
    base_1928 = df[df["year"] == 1928].set_index("species")["head_mn"]
    df = df.assign(index_1928=(df["head_mn"] / df["species"].map(base_1928) * 100).round(1))
    field, title = ("index_1928", "Herd size (% of 1928)") if index else ("head_mn", "Animals (million head)")
    values = records(df, ["year", "species", "head_mn", "index_1928", "note"])
    chart = alt.Chart(alt.Data(values=values)).mark_line(point=True).encode(
        x=alt.X("year:O", title="Year (summer count)"),
        y=alt.Y(f"{field}:Q", title=title),
        color=alt.Color("species:N", title="Species", scale=alt.Scale(range=PALETTE)),
        tooltip=[alt.Tooltip("year:O", title="Year"), alt.Tooltip("species:N", title="Species"),
                 alt.Tooltip("head_mn:Q", title="Million head", format=".1f"),
                 alt.Tooltip("index_1928:Q", title="% of 1928", format=".0f")],
    ).properties(width=WIDTH, height=HEIGHT, title=_title("Livestock herds, 1928-1935", "livestock"))
    desc = ("Line chart of livestock in the USSR by species, 1928-1935. Cattle fall from 70.5 to 38.4 "
            "million head by 1933, pigs from 26 to under 12 million, sheep and goats from 147 to 50 "
            "million, horses from 33.5 to under 15 million by 1935.")
    return _finish(chart, desc)


# --------------------------------------------------------------------------- five-year plan

def plan_chart():
    """First Five-Year Plan: 1927/28 baseline, 1932 output and raised targets, each as % of the optimal target."""
    df = _data.load("five_year_plan")
    wide = df.pivot(index=["indicator", "unit"], columns="measure", values="value").reset_index()
    rows = []
    for r in records(wide):
        target = r["target_optimal"]
        for measure, label in (("baseline", "1927/28 level"), ("actual", "1932 output"),
                               ("target_raised", "raised target")):
            if r.get(measure) is None:
                continue
            rows.append({"indicator": r["indicator"], "unit": r["unit"], "measure": label,
                         "value": r[measure], "target": target,
                         "pct_of_target": round(r[measure] / target * 100, 1)})
    order = ["1927/28 level", "1932 output", "raised target"]
    base = alt.Chart(alt.Data(values=rows))
    bars = base.transform_filter(alt.FieldOneOfPredicate(field="measure", oneOf=order[:2])).mark_bar().encode(
        y=alt.Y("indicator:N", title="Indicator", sort="-x"),
        yOffset=alt.YOffset("measure:N", sort=order[:2]),
        x=alt.X("pct_of_target:Q", title="Per cent of the plan's optimal target for 1932/33"),
        color=alt.Color("measure:N", title="Measure", sort=order, scale=alt.Scale(domain=order, range=PALETTE[:3])),
        tooltip=[alt.Tooltip("indicator:N", title="Indicator"), alt.Tooltip("measure:N", title="Measure"),
                 alt.Tooltip("value:Q", title="Value"), alt.Tooltip("unit:N", title="Unit"),
                 alt.Tooltip("target:Q", title="Optimal target"),
                 alt.Tooltip("pct_of_target:Q", title="% of target", format=".0f")])
    raised = base.transform_filter(alt.FieldEqualPredicate(field="measure", equal="raised target")).mark_point(
        shape="diamond", size=120, filled=True).encode(
        y=alt.Y("indicator:N", sort="-x"), x="pct_of_target:Q", color=alt.Color("measure:N", sort=order),
        tooltip=[alt.Tooltip("indicator:N", title="Indicator"), alt.Tooltip("value:Q", title="Raised target"),
                 alt.Tooltip("unit:N", title="Unit"), alt.Tooltip("pct_of_target:Q", title="% of optimal target")])
    rule = alt.Chart(alt.Data(values=[{"x": 100}])).mark_rule(strokeDash=[4, 3], color="#000").encode(x="x:Q")
    desc = ("Bar chart: for each First Five-Year Plan indicator, the 1927/28 level and the 1932 output as a "
            "percentage of the plan's optimal target (dashed line = 100%), with raised targets as diamonds. "
            "Oil came close to its target; pig iron, steel and coal fell well short; the workforce far "
            "exceeded plan.")
    chart = alt.layer(bars, raised, rule).properties(
        width=WIDTH, height=360, title=_title("First Five-Year Plan: targets and results", "five_year_plan"))
    return _finish(chart, desc)


# --------------------------------------------------------------------------- terror

def terror_chart(series: Iterable[str] = ("convicted", "executed")):
    """Archival counts of repression by year, 1930-1940 (default: convictions and death sentences)."""
    df = _data.load("repression")
    df = df[df["series"].isin(list(series)) & (df["year"] <= 1940)]
    labels = {"convicted": "convicted (political cases)", "executed": "sentenced to death",
              "arrested": "arrested (all cases)", "gulag_camps": "in Gulag camps, 1 January",
              "gulag_colonies": "in Gulag colonies, 1 January"}
    df = df.assign(label=df["series"].map(labels))
    values = records(df, ["year", "series", "label", "value", "as_of", "confidence"])
    order = [labels[s] for s in series]
    chart = alt.Chart(alt.Data(values=values)).mark_bar().encode(
        x=alt.X("year:O", title="Year"),
        xOffset=alt.XOffset("label:N", sort=order),
        y=alt.Y("value:Q", title="People", axis=alt.Axis(format="~s")),
        color=alt.Color("label:N", title="Series", sort=order, scale=alt.Scale(domain=order, range=PALETTE)),
        tooltip=[alt.Tooltip("year:O", title="Year"), alt.Tooltip("label:N", title="Series"),
                 alt.Tooltip("value:Q", title="People", format=","), alt.Tooltip("confidence:N", title="Confidence")],
    ).properties(width=WIDTH, height=HEIGHT, title=_title("Repression by year, 1930-1940", "repression"))
    desc = ("Bar chart by year, 1930-1940, of " + " and ".join(order) + ". Both peak in 1937-1938, "
            "the Great Terror: about 791,000 convictions and 353,000 death sentences in 1937, 554,000 and "
            "329,000 in 1938.")
    return _finish(chart, desc)


# --------------------------------------------------------------------------- congress

def congress_chart():
    """Fate of the 1934 Congress delegates and Central Committee, with comparable groups: % affected."""
    df = _data.load("congress_1934")
    df = df[df["outcome"].str.contains("arrested|shot|victimized", regex=True)]
    rows = []
    for r in records(df, ["id", "body", "group", "total", "affected", "outcome", "event_year"]):
        who = f"{r['body']}: {r['group']}"
        share = round(r["affected"] / r["total"] * 100, 1)
        # "stack" puts the affected part first (left) in every bar; "share_affected" sorts the bars by it
        rows.append({**r, "who": who, "status": r["outcome"], "count": r["affected"], "pct": share,
                     "stack": 0, "share_affected": share})
        rows.append({**r, "who": who, "status": "not affected", "count": r["total"] - r["affected"],
                     "pct": round(100 - share, 1), "stack": 1, "share_affected": share})
    chart = alt.Chart(alt.Data(values=rows)).mark_bar().encode(
        y=alt.Y("who:N", title=None, sort=alt.SortField("share_affected", order="descending"),
                axis=alt.Axis(labelLimit=280, labelExpr="split(datum.label, ': ')")),  # body, then group
        x=alt.X("count:Q", stack="normalize", title="Share of the group", axis=alt.Axis(format="%", tickCount=5)),
        color=alt.Color("status:N", title="Fate", scale=alt.Scale(range=PALETTE[3:4] + PALETTE[1:3] + ["#BBBBBB"]),
                        sort=["arrested", "arrested and shot", "victimized", "not affected"],
                        legend=alt.Legend(orient="bottom", direction="horizontal", labelLimit=200)),
        order=alt.Order("stack:Q", sort="ascending"),
        tooltip=[alt.Tooltip("who:N", title="Group"), alt.Tooltip("status:N", title="Fate"),
                 alt.Tooltip("count:Q", title="People"), alt.Tooltip("total:Q", title="Group size"),
                 alt.Tooltip("pct:Q", title="%", format=".0f")],
    ).properties(width=WIDTH - 260, height=alt.Step(36),
                 title=_title("The 'Congress of Victors' and its fate", "congress_1934"))
    desc = ("Stacked bar chart of the share of each group later arrested or shot: 1,108 of the 1,966 "
            "delegates to the Seventeenth Congress (56%), 98 of the 139 Central Committee members and "
            "candidates it elected (70%), and comparable groups from the Georgian party and the Red Army "
            "high command.")
    return _finish(chart, desc)


def territory_chart():
    """Muscovy's territory from its nucleus to 1533 (square miles, log scale), with the band of uncertainty."""
    values = records(_data.load("muscovy_territory"))
    base = alt.Chart(alt.Data(values=values)).encode(
        x=alt.X("year:Q", title="Year", axis=alt.Axis(format="d"), scale=alt.Scale(domain=[1280, 1550])),
        tooltip=[alt.Tooltip("year:Q", title="Year", format="d"), alt.Tooltip("precision:N", title="Date"),
                 alt.Tooltip("area_sq_mi:Q", title="Area (sq mi)", format=","), alt.Tooltip("ruler:N", title="Ruler"),
                 alt.Tooltip("note:N", title="Note")])
    band = base.mark_area(opacity=0.25, color=PALETTE[0]).encode(
        y=alt.Y("area_low:Q", title="Area (square miles, log scale)", scale=alt.Scale(type="log")), y2="area_high:Q")
    line = base.mark_line(point=True, color=PALETTE[0]).encode(y="area_sq_mi:Q")
    chart = (band + line).properties(width=WIDTH - 200, height=260,
                                     title=_title("The gathering of the Russian lands: Muscovy's territory", "muscovy_territory"))
    desc = ("Line chart on a logarithmic scale of Muscovy's territory: about 16,000 square miles for the "
            "original principality (around 1300), about 160,000 in 1462 and about one million in 1533, "
            "a sixty-fold growth in some two centuries; a shaded band marks the figures as approximate.")
    return _finish(chart, desc)


def famine_chart():
    """Famine death estimates as ranges (low-high) by scholar and region, million persons."""
    df = _data.load("famine")
    values = records(df, ["id", "scholar", "work_year", "region", "period", "measure", "low", "high", "note"])
    for v in values:
        v["who"] = f"{v['scholar']} ({v['work_year']}), {v['region']}"
    base = alt.Chart(alt.Data(values=values)).encode(
        y=alt.Y("who:N", title=None, sort=alt.SortField("high", order="descending"), axis=alt.Axis(labelLimit=300)),
        color=alt.Color("region:N", title="Region", scale=alt.Scale(range=PALETTE)),
        tooltip=[alt.Tooltip("scholar:N", title="Scholar"), alt.Tooltip("region:N", title="Region"),
                 alt.Tooltip("period:N", title="Period"), alt.Tooltip("measure:N", title="Counts"),
                 alt.Tooltip("low:Q", title="Low (million)"), alt.Tooltip("high:Q", title="High (million)")])
    bars = base.mark_rule(strokeWidth=4).encode(x=alt.X("low:Q", title="Deaths (million persons)"), x2="high:Q")
    ends = base.mark_tick(thickness=2, size=14).encode(x="low:Q") + base.mark_tick(thickness=2, size=14).encode(x="high:Q")
    desc = ("Range chart of famine death estimates for 1932-1933 by scholar and region, in millions: for "
            "the USSR from 5.5-6.5 (Davies and Wheatcroft) to 7 (Conquest) and 8.5 for famine and repression "
            "together (Ellman); for Ukraine 2.6-5; for Kazakhstan 1.2-1.5. There is no single agreed figure.")
    chart = alt.layer(bars, ends).properties(width=WIDTH - 160, height=300,
                                             title=_title("Famine deaths: estimates, not a single number", "famine"))
    return _finish(chart, desc)


#: name -> builder, for unit YAML ``charts: - builder: ...`` entries.
BUILDERS = {f.__name__: f for f in (collectivization_curve, grain_chart, livestock_chart, plan_chart,
                                    terror_chart, congress_chart, famine_chart, territory_chart)}


# --------------------------------------------------------------------------- what the book leaves out (issue 16)

_MEASURES = ["convicted", "sentenced to death"]


def _operation_label(row: dict) -> str:
    """Bar label for a mass-operations row; national lines are marked as parts of the national total."""
    if row["group"] == "kulak operation":
        return f"Kulak operation (Order {row['order_no']})"
    if row["level"] == "part":
        order = f" ({row['order_no'].split()[0]})" if row.get("order_no") else ""
        return f"of which: {row['operation']}{order}"
    return row["operation"]


def mass_operations_chart():
    """NKVD mass operations of 1937-1938: convicted and sentenced to death per operation (central NKVD
    counts as bars, sorted), with the higher scholarly estimates as diamonds."""
    df = _data.load("mass_operations")
    rows = []
    for r in records(df):
        label = _operation_label(r)
        for measure, low, high in (("convicted", "convicted", "convicted_high"), ("sentenced to death", "shot", "shot_high")):
            if r[low] is None:
                continue
            rows.append({"label": label, "measure": measure, "estimate": r["estimate"], "value": r[low],
                         "high": r[high], "order_no": r["order_no"], "order_date": r["order_date"],
                         "source": r["source"], "note": r["note"]})
    counts = [r for r in rows if r["estimate"] != "revised estimate"]
    revised = [dict(r, value=r["high"] or r["value"], low=r["value"]) for r in rows if r["estimate"] == "revised estimate"]
    order = [r["label"] for r in sorted((r for r in counts if r["measure"] == "convicted"),
                                       key=lambda r: (r["label"].startswith("of which"), -r["value"]))]
    y = alt.Y("label:N", title="Operation (NKVD order)", sort=order,      # title above the labels, not beside them
              axis=alt.Axis(labelLimit=300, titleAngle=0, titleAlign="right", titleBaseline="bottom", titleX=-6, titleY=-6))
    color = alt.Color("measure:N", title=None, sort=_MEASURES, scale=alt.Scale(domain=_MEASURES, range=[PALETTE[0], PALETTE[3]]),
                      legend=alt.Legend(orient="bottom", direction="horizontal"))
    bars = alt.Chart(alt.Data(values=counts)).mark_bar().encode(
        y=y, yOffset=alt.YOffset("measure:N", sort=_MEASURES),
        x=alt.X("value:Q", title="People (NKVD central count; diamonds: higher estimates)", axis=alt.Axis(format="~s")),
        color=color,
        tooltip=[alt.Tooltip("label:N", title="Operation"), alt.Tooltip("measure:N", title="Measure"),
                 alt.Tooltip("value:Q", title="People", format=","), alt.Tooltip("order_no:N", title="Order"),
                 alt.Tooltip("order_date:T", title="Order dated", format="%d %b %Y"),
                 alt.Tooltip("estimate:N", title="Estimate"), alt.Tooltip("note:N", title="Note")])
    higher = alt.Chart(alt.Data(values=revised)).mark_point(shape="diamond", size=90, filled=True).encode(
        y=y, yOffset=alt.YOffset("measure:N", sort=_MEASURES), x="value:Q", color=color,
        tooltip=[alt.Tooltip("label:N", title="Operation"), alt.Tooltip("measure:N", title="Measure"),
                 alt.Tooltip("low:Q", title="Higher estimate", format=","),
                 alt.Tooltip("high:Q", title="Upper end", format=","), alt.Tooltip("note:N", title="Note")])
    desc = ("Horizontal bar chart of the NKVD mass operations of 1937-1938, people convicted and sentenced to "
            "death by the NKVD's central count. Order 00447 (the 'kulak operation') convicted 767,397 and "
            "sentenced 386,798 to death; the national operations together 335,513 and 247,157, the Polish "
            "operation alone 139,835 and 111,091. Diamonds mark higher estimates: about 820,000 convicted and "
            "437,000-445,000 shot under 00447, about 347,000 convicted in the national operations.")
    chart = alt.layer(bars, higher).properties(
        width=WIDTH - 180, height=alt.Step(14),
        title=_title("The mass operations of 1937-1938", "mass_operations"))
    return _finish(chart, desc)


def special_settlers_chart():
    """Special settlers on the police rolls, 1932-1940, against the 1.8 million deported in 1930-1931."""
    df = _data.load("special_settlers")
    pop = df[df["kind"] == "population"]
    values = records(pop, ["date", "persons", "period", "confidence", "note"])
    deported = records(df[df["id"] == "deported-1930-1931"], ["period", "families", "persons", "note"])
    for d in deported:
        d["label"] = f"Deported 1930-1931: {d['persons']:,} people ({d['families']:,} families)"
    x = alt.X("date:T", title="Date of the count", axis=alt.Axis(format="%Y"),
              scale=alt.Scale(domain=["1931-07-01", "1941-06-30"]))
    y = alt.Y("persons:Q", title="People", axis=alt.Axis(format="~s"), scale=alt.Scale(domain=[0, 2_000_000]))
    line = alt.Chart(alt.Data(values=values)).mark_line(point=alt.OverlayMarkDef(filled=True, size=45), color=PALETTE[0]).encode(
        x=x, y=y,
        tooltip=[alt.Tooltip("date:T", title="Counted on", format="%d %b %Y"),
                 alt.Tooltip("persons:Q", title="Special settlers", format=","),
                 alt.Tooltip("confidence:N", title="Confidence"), alt.Tooltip("note:N", title="Note")])
    marks = alt.Chart(alt.Data(values=deported))
    rule = marks.mark_rule(strokeDash=[5, 3], color=PALETTE[3]).encode(
        y="persons:Q", tooltip=[alt.Tooltip("label:N", title="Deportations"), alt.Tooltip("note:N", title="Note")])
    text = marks.mark_text(align="left", baseline="bottom", dx=4, dy=-4, fontSize=11, color=PALETTE[3]).encode(
        x=alt.datum("1931-07-01", type="temporal"), y="persons:Q", text="label:N")
    desc = ("Line chart of the special settlers (deported 'kulaks' and their families) on the police rolls: "
            "1,317,022 on 1 January 1932, falling to 877,651 at the end of 1937 and 930,221 at the end of "
            "1940. A dashed line marks the 1,803,392 people deported in 1930-1931: about half a million had "
            "died, fled or been released before the first count.")
    chart = alt.layer(line, rule, text).properties(
        width=WIDTH, height=HEIGHT, title=_title("The kulak exile: special settlers, 1932-1940", "special_settlers"))
    return _finish(chart, desc)


def peasant_disturbances_chart():
    """OGPU counts of mass peasant disturbances by month in 1930, with the 1929 monthly average as a rule."""
    df = _data.load("peasant_disturbances")
    months = df[df["granularity"] == "month"].assign(date=lambda d: d["period"] + "-01")
    values = records(months, ["date", "period", "disturbances", "confidence", "note"])
    year_1929 = int(df[(df["granularity"] == "year") & (df["year"] == 1929)]["disturbances"].iloc[0])
    average = [{"avg": round(year_1929 / 12), "label": f"monthly average ({year_1929:,} in the year)"}]
    bars = alt.Chart(alt.Data(values=values)).mark_bar(color=PALETTE[0]).encode(
        x=alt.X("date:O", title="Month of 1930", timeUnit="month", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("disturbances:Q", title="Mass disturbances registered"),
        tooltip=[alt.Tooltip("period:N", title="Month"), alt.Tooltip("disturbances:Q", title="Disturbances", format=","),
                 alt.Tooltip("confidence:N", title="Confidence"), alt.Tooltip("note:N", title="Note")])
    rule = alt.Chart(alt.Data(values=average)).mark_rule(strokeDash=[4, 3], strokeWidth=2, color=PALETTE[3]).encode(
        y="avg:Q", tooltip=[alt.Tooltip("label:N", title="1929"), alt.Tooltip("avg:Q", title="Per month")])
    total = int(df[(df["granularity"] == "year") & (df["year"] == 1930)]["disturbances"].iloc[0])
    desc = (f"Bar chart of the mass peasant disturbances the OGPU registered in each month of 1930 ({total:,} in "
            "the year, against 1,307 in all of 1929). They rise from 402 in January and 1,048 in February to "
            "6,528 in March, the month of 'Dizzy with Success', then fall to under 100 by December. A dashed "
            "line marks the 1929 monthly average.")
    chart = alt.layer(bars, rule).properties(
        width=WIDTH - 80, height=HEIGHT,
        title=_title("Peasant revolt against collectivization, 1930", "peasant_disturbances",
                     extra=f"Dashed line: the 1929 monthly average ({average[0]['avg']:,}; {year_1929:,} in the whole year)."))
    return _finish(chart, desc)


BUILDERS.update({f.__name__: f for f in (mass_operations_chart, special_settlers_chart, peasant_disturbances_chart)})
__all__ += ["mass_operations_chart", "special_settlers_chart", "peasant_disturbances_chart"]
