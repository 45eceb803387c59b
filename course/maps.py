"""Maps of the course datasets, drawn with Altair 5.5 (Vega-Lite 5), fully offline.

Every map is an ``alt.LayerChart``: the basemap (``data/maps/basemap.geojson``, Natural Earth 1:110m,
public domain, today's borders; see ``basemap.yaml``) as inline ``mark_geoshape`` values, then the points
of a sourced dataset as circles sized by their figure. Like :mod:`course.charts`, each map has a title and
a sources subtitle, tooltips giving the figure and its citation, the Vega-Lite ``description`` for screen
readers (``charts.describe(chart)``), and only inline data: no URLs, no TopoJSON to fetch.

The projection is fixed (conic equal-area with explicit ``scale``/``translate`` computed here from each
map's lon/lat window), so nothing depends on Vega's fitting. Labels are placed here too, beside their
circle, skipping any that would overlap another label or circle. Places with no firm figure are drawn as
small hollow grey circles: an empty circle means "no figure", not "small".

>>> from course import maps
>>> sorted(maps.MAPS)
['borderlands_map', 'collectivization_map', 'deportation_map', 'famine_map', 'gulag_map']
>>> spec = maps.gulag_map().to_dict()
>>> spec["layer"][0]["projection"]["type"]
'conicEqualArea'
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache

import altair as alt

from . import charts as _charts
from . import data as _data

__all__ = ["BASEMAP", "WINDOWS", "DATASET_WINDOW", "MAP_WINDOW", "Window", "basemap_features", "famine_map",
           "collectivization_map", "deportation_map", "gulag_map", "borderlands_map", "MAPS"]

BASEMAP = _data.DATA_DIR / "maps" / "basemap.geojson"
WIDTH, HEIGHT = 620, 400
#: today's states that were Soviet republics (shaded a little darker on every map)
FORMER_USSR = {"RUS", "UKR", "BLR", "MDA", "EST", "LVA", "LTU", "GEO", "ARM", "AZE", "KAZ", "UZB", "TKM",
               "KGZ", "TJK"}
ACCENT, EMPTY = _charts.PALETTE[3], "#777777"
MAX_AREA = 2200.0           # px^2 of the largest circle
FONT, CHAR_W, LINE_H = 11, 6.3, 13


@dataclass(frozen=True)
class Window:
    """A map's lon/lat window and its conic projection (standard parallels, central meridian)."""

    lon0: float
    lon1: float
    lat0: float
    lat1: float
    parallels: tuple[float, float] = (45.0, 65.0)

    @property
    def meridian(self) -> float:
        return (self.lon0 + self.lon1) / 2

    def contains(self, lon: float, lat: float) -> bool:
        return self.lon0 <= lon <= self.lon1 and self.lat0 <= lat <= self.lat1


WINDOWS = {
    "ussr": Window(22, 160, 38, 74),       # the whole USSR: camps from Solovki to Kolyma
    "south": Window(24, 90, 40, 60),      # grain regions and Kazakhstan
    "east": Window(28, 140, 42, 68),      # from the Northern Region to the Far East
    "west": Window(14, 42, 44, 66, parallels=(48.0, 62.0)),  # the western borderlands
    "grain": Window(24, 62, 42, 58, parallels=(45.0, 55.0)),  # the grain regions of the 1930 decree
}
#: which window each map dataset is drawn in (tests check every point lies inside it)
DATASET_WINDOW = {"famine_regions": "south", "deportation_destinations": "east", "gulag_camps": "ussr",
                  "borderlands_1939_40": "west"}
#: each map's window
MAP_WINDOW = {"famine_map": "south", "collectivization_map": "grain", "deportation_map": "east",
              "gulag_map": "ussr", "borderlands_map": "west"}


# --------------------------------------------------------------------------- projection (d3 conicEqualArea)

class _Conic:
    """d3's conicEqualArea with rotate [-meridian, 0], centre [0, 0], fitted to ``window`` by hand."""

    def __init__(self, window: Window, width: int = WIDTH, height: int = HEIGHT, pad: int = 12):
        self.w = window
        p0, p1 = (math.radians(p) for p in window.parallels)
        self.n = (math.sin(p0) + math.sin(p1)) / 2
        self.c = 1 + math.sin(p0) * (2 * self.n - math.sin(p0))
        self.r0 = math.sqrt(self.c) / self.n
        edge = [(lon, lat) for i in range(41) for lon, lat in (
            (window.lon0 + (window.lon1 - window.lon0) * i / 40, window.lat0),
            (window.lon0 + (window.lon1 - window.lon0) * i / 40, window.lat1),
            (window.lon0, window.lat0 + (window.lat1 - window.lat0) * i / 40),
            (window.lon1, window.lat0 + (window.lat1 - window.lat0) * i / 40))]
        xs, ys = zip(*(self._raw(lon, lat) for lon, lat in edge))
        self.k = min((width - 2 * pad) / (max(xs) - min(xs)), (height - 2 * pad) / (max(ys) - min(ys)))
        self.tx = width / 2 - self.k * (max(xs) + min(xs)) / 2
        self.ty = height / 2 + self.k * (max(ys) + min(ys)) / 2

    def _raw(self, lon: float, lat: float) -> tuple[float, float]:
        lam, phi = math.radians(lon - self.w.meridian), math.radians(lat)
        r = math.sqrt(self.c - 2 * self.n * math.sin(phi)) / self.n
        return r * math.sin(lam * self.n), self.r0 - r * math.cos(lam * self.n)

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        x, y = self._raw(lon, lat)
        return self.tx + self.k * x, self.ty - self.k * y

    def invert(self, sx: float, sy: float) -> tuple[float, float]:
        x, y = (sx - self.tx) / self.k, (self.ty - sy) / self.k
        r0y = self.r0 - y
        lam = math.atan2(x, abs(r0y)) * math.copysign(1, r0y)
        phi = math.asin(max(-1.0, min(1.0, (self.c - (x * x + r0y * r0y) * self.n * self.n) / (2 * self.n))))
        return math.degrees(lam / self.n) + self.w.meridian, math.degrees(phi)

    def spec(self) -> dict:
        return {"type": "conicEqualArea", "parallels": list(self.w.parallels), "rotate": [-self.w.meridian, 0, 0],
                "center": [0, 0], "scale": round(self.k, 3), "translate": [round(self.tx, 2), round(self.ty, 2)]}


# --------------------------------------------------------------------------- layers

@lru_cache(maxsize=1)
def _basemap_text() -> str:
    return BASEMAP.read_text(encoding="utf-8")


def basemap_features() -> list[dict]:
    """The basemap's GeoJSON features (a fresh copy): ``properties`` are ``name`` and ``iso_a3``."""
    return json.loads(_basemap_text())["features"]


def _basemap(proj: _Conic) -> list:
    feats = basemap_features()
    layers = []
    for fill, keep in (("#f4f1ea", lambda f: f["properties"]["iso_a3"] not in FORMER_USSR),
                       ("#e6dcc8", lambda f: f["properties"]["iso_a3"] in FORMER_USSR)):
        layers.append(alt.Chart(alt.Data(values=[f for f in feats if keep(f)])).mark_geoshape(
            fill=fill, stroke="#a39a8a", strokeWidth=0.6, clip=True).project(**proj.spec()))
    return layers


def _radius(value: float | None, vmax: float) -> float:
    """Radius (px) of a circle whose area is ``value / vmax * MAX_AREA``; 4 px for the hollow 'no figure' mark."""
    return math.sqrt(MAX_AREA * value / vmax / math.pi) if value else 4.0


def _place_labels(rows: list[dict], proj: _Conic, radius, limit: int = 12) -> list[dict]:
    """Label rows (in the given order: most important first) beside their mark, on the first free side.

    ``radius(row)`` is the mark's radius in pixels. A label that would overlap another label or mark, or
    leave the view, is skipped. Returns text rows with the label's own ``lon``/``lat`` and ``align``.
    """
    boxes = []
    for r in rows:
        x, y = proj(r["lon"], r["lat"])
        rad = radius(r)
        boxes.append((x - rad, y - rad, x + rad, y + rad))
    out = []
    for i in range(min(limit, len(rows))):
        r, (x0, y0, x1, y1) = rows[i], boxes[i]
        w = CHAR_W * len(r["label"])
        for align, ax, ay in _candidates(x0, y0, x1, y1):
            left = {"left": ax, "right": ax - w, "center": ax - w / 2}[align]
            box = (left, ay - LINE_H / 2, left + w, ay + LINE_H / 2)
            inside = box[0] >= 0 and box[1] >= 0 and box[2] <= WIDTH and box[3] <= HEIGHT
            clear = all(box[2] <= b[0] or box[0] >= b[2] or box[3] <= b[1] or box[1] >= b[3]
                        for j, b in enumerate(boxes) if j != i)
            if inside and clear:
                lon, lat = proj.invert(ax, ay)
                out.append({"label": r["label"], "lon": round(lon, 4), "lat": round(lat, 4), "align": align})
                boxes.append(box)
                break
    return out


def _candidates(x0: float, y0: float, x1: float, y1: float) -> list[tuple[str, float, float]]:
    """Label anchors around a mark's box, in order of preference: right, left, above, below, then diagonals."""
    x, y, d = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2 * 0.7
    return [("left", x1 + 3, y), ("right", x0 - 3, y), ("center", x, y0 - 8), ("center", x, y1 + 9),
            ("left", x + d + 2, y - d - 7), ("left", x + d + 2, y + d + 7),
            ("right", x - d - 2, y - d - 7), ("right", x - d - 2, y + d + 7)]


def _labels(placed: list[dict], proj: _Conic) -> list:
    base = alt.Chart(alt.Data(values=placed))
    return [base.transform_filter(alt.datum.align == a).mark_text(
        align=a, baseline="middle", fontSize=FONT, color="#222", fontWeight="bold").encode(
        longitude="lon:Q", latitude="lat:Q", text="label:N").project(**proj.spec())
        for a in ("left", "right", "center") if any(p["align"] == a for p in placed)]


def _points(rows: list[dict], proj: _Conic, field: str, vmax: float, tooltip: list, size_title: str,
            fill: str = ACCENT, opacity: float = 0.55, legend: bool = True) -> list:
    """Sized circles for rows with a figure in ``field``; small hollow grey circles for the others."""
    with_fig = [r for r in rows if r.get(field) is not None]
    without = [r for r in rows if r.get(field) is None]
    layers = []
    if with_fig:
        size = alt.Size(f"{field}:Q", title=size_title, scale=alt.Scale(domain=[0, vmax], range=[0, MAX_AREA]),
                        legend=alt.Legend(orient="bottom-left", direction="horizontal", titleFontSize=10,
                                          labelFontSize=9, symbolFillColor=fill, fillColor="#ffffffcc",
                                          padding=4, tickCount=3) if legend else None)
        layers.append(alt.Chart(alt.Data(values=with_fig)).mark_circle(
            color=fill, opacity=opacity, stroke="#333333", strokeWidth=0.8).encode(
            longitude="lon:Q", latitude="lat:Q", size=size, tooltip=tooltip).project(**proj.spec()))
    if without:
        layers.append(alt.Chart(alt.Data(values=without)).mark_point(
            shape="circle", filled=False, size=50, color=EMPTY, strokeWidth=1.5).encode(
            longitude="lon:Q", latitude="lat:Q", tooltip=tooltip).project(**proj.spec()))
    return layers


def _source_line(dataset: str, keys: list[str]) -> str:
    """'Sources: Author (year); ...' for the given source keys of ``dataset``, in order of first use."""
    srcs = _data.sources(dataset)
    items = dict.fromkeys(f"{srcs[k]['author']} ({srcs[k]['year']})" for k in keys)
    return "Sources: " + "; ".join(items) + "."


def _title(text: str, dataset: str, rows: list[dict], explain: str, extra: tuple = ()) -> alt.TitleParams:
    """Title, an explanation line, the sources the shown rows (and ``extra`` keys) cite, the basemap's credit."""
    keys = list(extra) + [r["source"] for r in rows]
    sub = [explain] + _charts._wrap_sources(_source_line(dataset, keys)) + [
        "Basemap: Natural Earth 1:110m (public domain); today's borders, not those of the 1930s."]
    return alt.TitleParams(text=text, subtitle=sub, anchor="start", subtitleFontSize=10, subtitleColor="#444")


def _finish(layers: list, title: alt.TitleParams, desc: str):
    chart = alt.layer(*layers).properties(width=WIDTH, height=HEIGHT, title=title,
                                          view=alt.ViewBackground(fill="#dde9f1", stroke="#bbbbbb"))
    return _charts._finish(chart, desc)


def _rows(name: str, columns: list[str]) -> list[dict]:
    df = _data.load(name)
    rows = _charts.records(df, columns)
    cites = _data.citations(name)
    for r in rows:
        r["citation"] = cites[r["source"]]
        for k, v in r.items():
            if v == "NaT":          # records() renders a missing date as the string 'NaT'
                r[k] = None
    return rows


def _by(rows: list[dict], field: str) -> list[dict]:
    """Rows with the largest ``field`` first (rows without it last), the order in which labels are placed."""
    return sorted(rows, key=lambda r: -(r.get(field) or 0))


def _when(iso: str, precision: str) -> str:
    """'1939-09-17' -> '17 September 1939'; with precision 'month', 'April 1940'."""
    import datetime as _dt

    d = _dt.date.fromisoformat(iso[:10])
    return d.strftime("%B %Y") if precision == "month" else f"{d.day} {d.strftime('%B %Y')}"


# --------------------------------------------------------------------------- the maps

def famine_map():
    """Excess deaths in the famine of 1930-1933 by region, as ranges: outer circle = highest estimate, inner = lowest."""
    proj = _Conic(WINDOWS[MAP_WINDOW["famine_map"]])
    rows = [r for r in _rows("famine_regions", ["region", "lat", "lon", "measure", "period", "low", "high",
                                               "source", "note"]) if r["measure"] != "collectivization deadline"]
    regions: dict[str, dict] = {}
    for r in rows:
        g = regions.setdefault(r["region"], {"region": r["region"], "label": r["region"].split(" (")[0],
                                             "lat": r["lat"], "lon": r["lon"], "ests": [], "cites": []})
        if r["low"] is not None:
            span = f"{r['low']:g}" if r["low"] == r["high"] else f"{r['low']:g}-{r['high']:g}"
            g["ests"].append(f"{r['citation'].split(',')[0]}: {span} ({r['measure']}, {r['period']})")
        g["cites"].append(r["citation"])
        if r["low"] is not None:
            g["low"] = min(g.get("low", r["low"]), r["low"])
            g["high"] = max(g.get("high", r["high"]), r["high"])
    pts = []
    for g in regions.values():
        g.setdefault("low", None)
        g.setdefault("high", None)
        g["range"] = ("no regional estimate tabulated" if g["low"] is None else
                      f"{g['low']:g}" + ("" if g["low"] == g["high"] else f"-{g['high']:g}") + " million")
        g["estimates"] = "; ".join(g.pop("ests")) or "none tabulated (see the dataset's notes)"
        g["citation"] = " | ".join(dict.fromkeys(g.pop("cites")))
        pts.append(g)
    vmax = max(p["high"] for p in pts if p["high"] is not None)
    tip = [alt.Tooltip("region:N", title="Region"), alt.Tooltip("range:N", title="Deaths (range)"),
           alt.Tooltip("estimates:N", title="Estimates"), alt.Tooltip("citation:N", title="Citation")]
    layers = _basemap(proj)
    layers += _points(pts, proj, "high", vmax, tip, "Deaths, highest estimate (million)", opacity=0.3)
    layers += _points([p for p in pts if p["low"] is not None], proj, "low", vmax, tip, "", opacity=0.75,
                      legend=False)
    layers += _labels(_place_labels(_by(pts, "high"), proj, lambda r: _radius(r["high"], vmax)), proj)
    known = sorted((p for p in pts if p["low"] is not None), key=lambda p: -p["high"])
    total = _data.metadata("famine_regions")["totals"][0]
    desc = ("Map of famine deaths in 1930-1933 by region, as ranges of scholars' estimates in million people: "
            + "; ".join(f"{p['region']} {p['range']}" for p in known)
            + ". The Lower and Middle Volga and Western Siberia are marked without a figure. For the USSR as a "
            f"whole Davies and Wheatcroft estimate {total['low']:g}-{total['high']:g} million excess deaths in "
            "1932-1933. Circle area grows with the number: the pale outer circle is the highest estimate, "
            "the dark inner circle the lowest.")
    title = _title("The famine of 1930-1933: deaths by region", "famine_regions", rows,
                   "Circle area: pale = highest estimate, dark = lowest; hollow grey = famine region, no figure tabulated.")
    return _finish(layers, title, desc)


def collectivization_map():
    """The decree of 5 January 1930: by when each grain region was to be collectivized 'in the main'.

    Regional shares of collectivized households are not in the course data (we could not check them), so
    this map shows the decree's timetable, the regions it pushed first; compare with :func:`famine_map`.
    """
    proj = _Conic(WINDOWS[MAP_WINDOW["collectivization_map"]])
    rows = [r for r in _rows("famine_regions", ["region", "lat", "lon", "measure", "decree_deadline", "source",
                                               "note"]) if r["measure"] == "collectivization deadline"]
    order = sorted({r["decree_deadline"] for r in rows}, key=lambda d: d.split()[1])
    for r in rows:
        r["label"] = r["region"].split(" (")[0]
        r["group"] = f"{'First' if r['decree_deadline'] == order[0] else 'Second'} group: {r['decree_deadline']}"
    groups = sorted({r["group"] for r in rows})
    pts = alt.Chart(alt.Data(values=rows)).mark_circle(size=420, opacity=0.85, stroke="#333", strokeWidth=0.8).encode(
        longitude="lon:Q", latitude="lat:Q",
        color=alt.Color("group:N", title="Deadline set by the decree", sort=groups,
                        scale=alt.Scale(domain=groups, range=[_charts.PALETTE[3], _charts.PALETTE[1]]),
                        legend=alt.Legend(orient="bottom-left", fillColor="#ffffffcc", padding=4, labelLimit=320,
                                          titleFontSize=10, labelFontSize=10)),
        tooltip=[alt.Tooltip("region:N", title="Region"), alt.Tooltip("decree_deadline:N", title="Deadline"),
                 alt.Tooltip("note:N", title="Note"), alt.Tooltip("citation:N", title="Citation")]).project(**proj.spec())
    layers = _basemap(proj) + [pts] + _labels(_place_labels(rows, proj, lambda r: 12.0), proj)
    first = [r["label"] for r in rows if r["group"].startswith("First")]
    desc = ("Map of the Central Committee's decree of 5 January 1930 on the tempo of collectivization. It set "
            f"the earliest deadline, autumn 1930 or at the latest spring 1931, for {', '.join(first[:-1])} and "
            f"{first[-1]}; the other grain regions, Ukraine the largest of them, were to follow by autumn 1931 or "
            "spring 1932. The regions pushed first are among those the famine of 1932-1933 struck hardest.")
    title = _title("Collectivization by decree: the timetable of 5 January 1930", "famine_regions", rows,
                   "The decree names only the first group; Ukraine stands for the 'other grain regions'.")
    return _finish(layers, title, desc)


def deportation_map():
    """Where the 'kulaks' deported in 1930-1931 were sent: sized where a source gives a number of people."""
    proj = _Conic(WINDOWS[MAP_WINDOW["deportation_map"]])
    rows = _rows("deportation_destinations", ["region", "place", "lat", "lon", "period", "persons", "families",
                                              "measure", "source", "note"])
    for r in rows:
        r["label"] = r["region"].split(" (")[0]
        r["figure"] = (f"{r['persons']:,} people" if r["persons"] is not None else
                       f"{r['families']:,} families" if r["families"] is not None else "no firm figure")
    vmax = max(r["persons"] for r in rows if r["persons"] is not None)
    tip = [alt.Tooltip("region:N", title="Region"), alt.Tooltip("figure:N", title="Figure"),
           alt.Tooltip("measure:N", title="What it counts"), alt.Tooltip("note:N", title="Note"),
           alt.Tooltip("citation:N", title="Citation")]
    layers = _basemap(proj) + _points(rows, proj, "persons", vmax, tip, "People")
    layers += _labels(_place_labels(_by(rows, "persons"), proj, lambda r: _radius(r["persons"], vmax)), proj)
    totals = {t["unit"]: t["value"] for t in _data.metadata("deportation_destinations")["totals"][:2]}
    sized = [r for r in rows if r["persons"] is not None]
    fams = [r for r in rows if r["persons"] is None and r["families"] is not None]
    desc = (f"Map of the regions that received peasants deported as 'kulaks' in 1930-1931: in all "
            f"{totals['families']:,} families, {totals['persons']:,} people (Zemskov). Sized circles: "
            + "; ".join(f"{r['region']}: {r['persons']:,}, {r['measure']}" for r in sized) + ". "
            + "".join(f"{r['region']}: {r['families']:,} {r['measure']}. " for r in fams)
            + "Marked without a figure in people: " + ", ".join(r["region"] for r in rows if r["persons"] is None)
            + ". The figures count different things and must not be added up.")
    title = _title("Dekulakization: where the 'special settlers' were sent, 1930-1931", "deportation_destinations", rows,
                   f"{totals['families']:,} families ({totals['persons']:,} people) deported in all. "
                   "Circle area: people; hollow grey = no figure in people.", extra=("zemskov2003",))
    return _finish(layers, title, desc)


def gulag_map():
    """The main Gulag camp complexes of the 1930s at their headquarters, sized by prisoners where counted."""
    proj = _Conic(WINDOWS[MAP_WINDOW["gulag_map"]])
    rows = _rows("gulag_camps", ["camp", "full_name", "hq", "lat", "lon", "opened", "closed", "work", "prisoners",
                                 "prisoners_date", "prisoners_measure", "source", "note"])
    for r in rows:
        r["label"] = r["camp"].split(" (")[0]
        r["years"] = f"{r['opened']}-{r['closed']}"
        r["figure"] = ("no figure tabulated" if r["prisoners"] is None else
                       f"{r['prisoners']:,} ({r['prisoners_measure']}, {r['prisoners_date']})")
    vmax = max(r["prisoners"] for r in rows if r["prisoners"] is not None)
    tip = [alt.Tooltip("camp:N", title="Camp"), alt.Tooltip("hq:N", title="Headquarters"),
           alt.Tooltip("years:N", title="Years"), alt.Tooltip("work:N", title="Work"),
           alt.Tooltip("figure:N", title="Prisoners"), alt.Tooltip("citation:N", title="Citation")]
    layers = _basemap(proj) + _points(rows, proj, "prisoners", vmax, tip, "Prisoners", fill=_charts.PALETTE[0])
    layers += _labels(_place_labels(_by(rows, "prisoners"), proj, lambda r: _radius(r["prisoners"], vmax)), proj)
    sized = sorted((r for r in rows if r["prisoners"] is not None), key=lambda r: -r["prisoners"])
    desc = ("Map of the main Gulag camp complexes of the 1930s, at the seat of each camp's administration, from "
            "Solovki in the White Sea to Sevvostlag at Magadan on the Pacific. Circles are sized by prisoners "
            "held: " + "; ".join(
                f"{r['camp']} {r['prisoners']:,} ("
                + (_when(r["prisoners_date"], "day") if len(r["prisoners_date"]) == 10 else r["prisoners_date"])
                + (", the largest count recorded)" if r["prisoners_measure"].startswith("largest") else ")")
                for r in sized)
            + ". Marked without a count: " + ", ".join(r["camp"] for r in rows if r["prisoners"] is None) + ".")
    title = _title("The Gulag's main camp complexes in the 1930s", "gulag_camps", rows,
                   "Circle area: prisoners held (mostly on 1 January 1935); hollow grey = no count tabulated.")
    return _finish(layers, title, desc)


def borderlands_map():
    """The lands taken in 1939-1940 (eastern Poland, the Baltic states, Finnish Karelia, Bessarabia and northern Bukovina)."""
    proj = _Conic(WINDOWS[MAP_WINDOW["borderlands_map"]])
    rows = _rows("borderlands_1939_40", ["date", "precision", "completed", "territory", "taken_from", "place",
                                         "lat", "lon", "kind", "what", "source"])
    for r in rows:
        r["label"] = f"{r['place'].split(' (')[0]} {r['date'][:7] if r['precision'] == 'month' else r['date']}"
        r["year"] = r["date"][:4]
        r["began"] = _when(r["date"], r["precision"])
        r["ended"] = _when(r["completed"], "day") if r["completed"] else ""
    kinds = ["1939", "1940"]
    pts = alt.Chart(alt.Data(values=rows)).mark_point(shape="diamond", filled=True, size=160, opacity=0.9,
                                                      stroke="#222", strokeWidth=0.6).encode(
        longitude="lon:Q", latitude="lat:Q",
        color=alt.Color("year:N", title="Began in", scale=alt.Scale(domain=kinds, range=[_charts.PALETTE[0],
                                                                                           _charts.PALETTE[3]]),
                        legend=alt.Legend(orient="bottom-left", fillColor="#ffffffcc", padding=4)),
        tooltip=[alt.Tooltip("territory:N", title="Territory"), alt.Tooltip("taken_from:N", title="Taken from"),
                 alt.Tooltip("began:N", title="Began"), alt.Tooltip("ended:N", title="Completed"),
                 alt.Tooltip("what:N", title="What happened"), alt.Tooltip("citation:N", title="Citation")]
    ).project(**proj.spec())
    layers = _basemap(proj) + [pts] + _labels(_place_labels(rows, proj, lambda r: 8.0), proj)
    desc = ("Map of the western borderlands taken by the USSR under the Nazi-Soviet pact, 1939-1940, each marked "
            "at its main town with the date it began: " + "; ".join(
                f"{r['territory']}, at {r['place']}: {r['kind']}, from {r['began']}"
                + (f" to {r['ended']}" if r["ended"] else "") for r in sorted(rows, key=lambda r: r["date"]))
            + ".")
    title = _title("The western borderlands, 1939-1940", "borderlands_1939_40", rows,
                   "Diamonds mark each territory's main town and the date it began; tooltips give what happened.")
    return _finish(layers, title, desc)


#: name -> builder, like ``charts.BUILDERS``
MAPS = {f.__name__: f for f in (famine_map, collectivization_map, deportation_map, gulag_map, borderlands_map)}
