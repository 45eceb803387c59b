"""Check a student's chart against what a question asks for, and explain what is wrong in plain words.

Grading reads the chart's Vega-Lite spec (``chart.to_dict()``), never its pixels.

Spec format (the ``spec`` of a ``chart`` question in the question bank)::

    {
      "mark": "line",                       # or a list of acceptable marks: ["line", "point"]
      "encoding": {                         # channel -> what must be on it
        "x": {"field": "date", "type": "temporal"},
        "y": {"field": "percent", "type": "quantitative"},
        "color": {"field": "species"},      # type optional; "aggregate": "sum" and "timeUnit": "year" optional
      },
      "forbid_channels": ["size"],          # optional: channels that must NOT be used
      "filters": [                          # optional: transform filters that must be present
        {"field": "year", "range": [1930, 1933]},   # or "oneOf": [...], "equal": v, "gte"/"lte"/"lt"/"gt": v,
      ],                                            # or just {"field": "year"} (any filter on the field)
      "filter_field": "year",               # shorthand for filters: [{"field": "year"}]
      "aggregate": {"field": "value", "op": "sum"},  # optional: an aggregation, in the encoding or a transform
      "data_columns": ["date", "percent"],  # optional: columns the chart's data must contain
      "dataset": "collectivization",        # optional: informative, used in messages
    }

Types may be written in full (``quantitative``, ``temporal``, ``nominal``, ``ordinal``) or as their
shorthand letters (``Q``, ``T``, ``N``, ``O``); the student's encodings may use Altair shorthands
(``"percent:Q"``, ``"sum(value):Q"``). Layered and concatenated charts are searched view by view: the
check passes when one view satisfies mark and encodings; filters, aggregates and data columns may come
from that view or its parents.

>>> import altair as alt
>>> chart = alt.Chart(alt.Data(values=[{"date": "1930-03-01", "percent": 57.2}])).mark_line().encode(
...     x="date:T", y="percent:Q")
>>> check_chart(chart, {"mark": "line", "encoding": {"x": {"field": "date", "type": "temporal"},
...                                                  "y": {"field": "percent", "type": "quantitative"}}}).ok
True
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

__all__ = ["CheckResult", "check_chart", "views", "normalize_spec", "TYPE_NAMES"]

TYPE_NAMES = {"Q": "quantitative", "T": "temporal", "N": "nominal", "O": "ordinal", "G": "geojson"}
_AXIS_WORDS = {"x": "x axis", "y": "y axis", "x2": "x2 channel", "y2": "y2 channel", "color": "colour",
               "theta": "angle (theta)", "size": "size", "shape": "shape", "opacity": "opacity",
               "row": "row facet", "column": "column facet", "detail": "detail", "text": "text",
               "tooltip": "tooltip", "xOffset": "x offset", "yOffset": "y offset"}
_DATUM = re.compile(r"datum(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[['\"]([^'\"]+)['\"]\])")
_SHORTHAND = re.compile(r"^(?:(?P<agg>[a-zA-Z]+)\((?P<inner>[^)]*)\)|(?P<field>[^:]*))(?::(?P<type>[QTNOGqtnog]|quantitative|temporal|nominal|ordinal|geojson))?$")


@dataclass
class CheckResult:
    """Outcome of :func:`check_chart`: ``ok``, the problems in plain words, and a score in [0, 1]."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    score: float = 0.0
    #: no view of the chart has a mark the question accepts (scored 0: a chart of the wrong kind)
    wrong_mark: bool = False
    #: each requirement checked, as (requirement in plain words, met?)
    checks: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if self.ok:
            return "The chart does what the question asks."
        return "\n".join(f"- {p}" for p in self.problems)


# --------------------------------------------------------------------------- normalising

def _type_name(t: str | None) -> str | None:
    if not t:
        return None
    return TYPE_NAMES.get(t.upper(), t.lower()) if len(t) == 1 else t.lower()


def _parse_channel(value: Any) -> dict:
    """A channel definition (string shorthand or dict) as ``{field, type, aggregate, timeUnit}``."""
    if isinstance(value, list):          # tooltip lists
        return {"list": [_parse_channel(v) for v in value]}
    if isinstance(value, str):
        value = {"shorthand": value}
    if not isinstance(value, dict):
        return {}
    out = {k: value.get(k) for k in ("field", "type", "aggregate", "timeUnit", "value", "datum")}
    short = value.get("shorthand")
    if short:
        m = _SHORTHAND.match(short.strip())
        if m:
            if m.group("agg"):
                out["aggregate"] = m.group("agg").lower()
                out["field"] = m.group("inner") or None
            else:
                out["field"] = m.group("field") or None
            if m.group("type"):
                out["type"] = m.group("type")
    if isinstance(out.get("field"), dict):          # {"repeat": ...} etc.
        out["field"] = None
    out["type"] = _type_name(out.get("type"))
    if out.get("aggregate") == "count" and not out.get("type"):
        out["type"] = "quantitative"
    return out


def normalize_spec(chart_or_dict: Any) -> dict:
    """The chart as a Vega-Lite dict (an Altair chart is converted with ``to_dict()``)."""
    if isinstance(chart_or_dict, dict):
        return chart_or_dict
    if hasattr(chart_or_dict, "to_dict"):
        try:
            return chart_or_dict.to_dict()
        except Exception:                             # an invalid student chart: still inspect what is there
            return chart_or_dict.to_dict(validate=False)
    raise TypeError(f"expected an Altair chart or a Vega-Lite dict, got {type(chart_or_dict).__name__}")


def _columns_of(data: Any, datasets: dict) -> set[str]:
    if not isinstance(data, dict):
        return set()
    values = data.get("values")
    if values is None and data.get("name") in datasets:
        values = datasets[data["name"]]
    cols: set[str] = set()
    if isinstance(values, list):
        for row in values[:200]:
            if isinstance(row, dict):
                cols.update(row)
    return cols


def views(spec: dict) -> list[dict]:
    """Every single view (a mark with its encoding) in a spec, searching layers, concats, facets and repeats.

    Each view is ``{"mark", "encoding", "transforms", "columns"}``: transforms and data columns include
    those inherited from enclosing specs.
    """
    datasets = spec.get("datasets", {}) or {}
    out: list[dict] = []

    def walk(node: dict, transforms: list, columns: set, inherited_enc: dict):
        node_cols = columns | _columns_of(node.get("data"), datasets)
        node_tf = transforms + list(node.get("transform", []) or [])
        enc = {**inherited_enc, **(node.get("encoding") or {})}
        for key in ("layer", "hconcat", "vconcat", "concat"):
            for child in node.get(key, []) or []:
                walk(child, node_tf, node_cols, enc if key == "layer" else {})
        if isinstance(node.get("spec"), dict):                    # facet / repeat
            walk(node["spec"], node_tf, node_cols, {})
        if "mark" in node:
            mark = node["mark"]
            mark_type = mark.get("type") if isinstance(mark, dict) else mark
            out.append({"mark": mark_type, "encoding": {ch: _parse_channel(v) for ch, v in enc.items()},
                        "transforms": node_tf, "columns": node_cols})

    walk(spec, [], set(), {})
    return out


# --------------------------------------------------------------------------- checking one view

def _describe_channel(ch: str) -> str:
    return _AXIS_WORDS.get(ch, ch)


def _want_text(want: dict) -> str:
    bits = [f"'{want['field']}'"] if want.get("field") else []
    if want.get("aggregate"):
        bits = [f"{want['aggregate']} of '{want.get('field')}'"]
    if want.get("type"):
        bits.append(f"({_type_name(want['type'])})")
    return " ".join(bits)


def _has_text(enc: dict) -> str:
    if enc.get("value") is not None:
        return f"a fixed value ({enc['value']})"
    bits = []
    if enc.get("aggregate"):
        bits.append(f"{enc['aggregate']} of '{enc.get('field')}'")
    elif enc.get("field"):
        bits.append(f"'{enc['field']}'")
    else:
        bits.append("no field")
    if enc.get("type"):
        bits.append(f"({enc['type']})")
    return " ".join(bits)


def _filter_predicates(transforms: Iterable[dict]) -> list[Any]:
    return [t["filter"] for t in transforms if isinstance(t, dict) and "filter" in t]


def _predicate_fields(pred: Any) -> set[str]:
    if isinstance(pred, str):
        return {a or b for a, b in _DATUM.findall(pred)}
    if isinstance(pred, dict):
        fields = {pred["field"]} if isinstance(pred.get("field"), str) else set()
        for key in ("and", "or"):
            for p in pred.get(key, []) or []:
                fields |= _predicate_fields(p)
        if "not" in pred:
            fields |= _predicate_fields(pred["not"])
        return fields
    return set()


def _filter_matches(pred: Any, want: dict) -> bool:
    """Does predicate ``pred`` filter ``want['field']`` as asked (values compared when the spec gives them)?"""
    fieldname = want["field"]
    if fieldname not in _predicate_fields(pred):
        return False
    tests = {k: want[k] for k in ("range", "oneOf", "equal", "gte", "lte", "gt", "lt") if k in want}
    if not tests:
        return True
    candidates = [pred]
    if isinstance(pred, dict):
        for key in ("and", "or"):
            candidates += pred.get(key, []) or []
    for p in candidates:
        if isinstance(p, dict) and p.get("field") == fieldname:
            ok = True
            for k, v in tests.items():
                got = p.get(k)
                if k == "oneOf":
                    ok &= got is not None and sorted(map(str, got)) == sorted(map(str, v))
                elif k == "range":
                    ok &= got is not None and [float(x) for x in got] == [float(x) for x in v]
                else:
                    ok &= got == v
            if ok:
                return True
        if isinstance(p, str):       # expression: every asked value must appear in it
            vals = tests.get("range") or tests.get("oneOf") or [tests[k] for k in tests if k not in ("range", "oneOf")]
            if all(re.search(rf"(?<![\d.]){re.escape(str(x))}(?![\d.])", p) for x in vals):
                return True
    return False


def _aggregates(view: dict) -> list[tuple[str | None, str | None]]:
    """(op, field) pairs of every aggregation in a view: encoding aggregates and aggregate transforms."""
    out = [(e.get("aggregate"), e.get("field")) for e in view["encoding"].values() if e.get("aggregate")]
    for t in view["transforms"]:
        for a in t.get("aggregate", []) if isinstance(t, dict) and isinstance(t.get("aggregate"), list) else []:
            out.append((a.get("op"), a.get("field")))
        if isinstance(t, dict) and "joinaggregate" in t:
            for a in t["joinaggregate"]:
                out.append((a.get("op"), a.get("field")))
    return out


def _check_view(view: dict, want: dict) -> tuple[list[str], int, int]:
    """Problems of one view against the spec, with (passed, total) counts for the score."""
    problems: list[str] = []
    passed = total = 0
    marks = want.get("mark")
    if marks:
        marks = [marks] if isinstance(marks, str) else list(marks)
        total += 1
        if view["mark"] in marks:
            passed += 1
        else:
            asked = " or ".join(f"'{m}'" for m in marks)
            problems.append(f"The chart uses a '{view['mark']}' mark, but the question asks for {asked}.")
    for ch, w in (want.get("encoding") or {}).items():
        w = {**w, "type": _type_name(w.get("type"))}
        enc = view["encoding"].get(ch)
        total += 1
        if not enc or (not enc.get("field") and not enc.get("aggregate")):
            where = _describe_channel(ch)
            problems.append(f"Nothing is on the {where}; the question asks for {_want_text(w)} there.")
            # does the field sit on another channel?
            for other, e in view["encoding"].items():
                if w.get("field") and e.get("field") == w["field"] and other != ch:
                    problems[-1] += f" ('{w['field']}' is on the {_describe_channel(other)} instead.)"
            continue
        wrong = []
        if w.get("field") and enc.get("field") != w["field"]:
            wrong.append("field")
        if w.get("type") and enc.get("type") and enc["type"] != w["type"]:
            wrong.append("type")
        if w.get("type") and not enc.get("type"):
            wrong.append("type")
        if w.get("aggregate") and (enc.get("aggregate") or "").lower() != w["aggregate"].lower():
            wrong.append("aggregate")
        if w.get("timeUnit") and enc.get("timeUnit") != w["timeUnit"]:
            wrong.append("timeUnit")
        if wrong:
            msg = f"The {_describe_channel(ch)} shows {_has_text(enc)}, but the question asks for {_want_text(w)}"
            if wrong == ["type"]:
                msg += (f": the field is right, but its type should be {w['type']}, not "
                        f"{enc.get('type') or 'unspecified'}")
            if "timeUnit" in wrong:
                msg += f" with time unit '{w['timeUnit']}'"
            problems.append(msg + ".")
        else:
            passed += 1
    for ch in want.get("forbid_channels", []) or []:
        total += 1
        if ch in view["encoding"]:
            problems.append(f"The chart encodes something on the {_describe_channel(ch)}, which the question "
                            "says not to use.")
        else:
            passed += 1
    filters = list(want.get("filters") or [])
    if want.get("filter_field"):
        filters.append({"field": want["filter_field"]})
    preds = _filter_predicates(view["transforms"])
    for f in filters:
        total += 1
        if any(_filter_matches(p, f) for p in preds):
            passed += 1
        elif any(f["field"] in _predicate_fields(p) for p in preds):
            cond = {k: v for k, v in f.items() if k != "field"}
            problems.append(f"The chart filters on '{f['field']}', but not as asked ({cond}).")
        else:
            problems.append(f"The chart has no filter on '{f['field']}'; add a transform_filter that keeps "
                            "only the rows the question asks about.")
    agg = want.get("aggregate")
    if agg:
        total += 1
        found = _aggregates(view)
        if any((op or "").lower() == agg.get("op", op or "").lower() and (agg.get("field") in (None, fld))
               for op, fld in found):
            passed += 1
        else:
            have = ", ".join(f"{op}({fld or ''})" for op, fld in found) or "none"
            problems.append(f"The chart should aggregate '{agg.get('field')}' with {agg.get('op', 'an aggregate')}; "
                            f"aggregations found: {have}.")
    cols = want.get("data_columns") or []
    if cols:
        total += 1
        missing = [c for c in cols if c not in view["columns"]]
        if missing:
            ds = f" of the '{want['dataset']}' dataset" if want.get("dataset") else ""
            problems.append(f"The chart's data lacks the column(s) {', '.join(repr(m) for m in missing)}; "
                            f"use the data{ds} the question gives.")
        else:
            passed += 1
    return problems, passed, total


def check_chart(chart_or_dict: Any, spec: dict) -> CheckResult:
    """Check a chart (Altair object or Vega-Lite dict) against ``spec`` (see the module docstring).

    Every view of a layered or concatenated chart is tried; the result reports the view that comes
    closest, so the student hears about the smallest set of problems. ``score`` is the share of
    requirements met by that view.
    """
    try:
        vl = normalize_spec(chart_or_dict)
    except TypeError as exc:
        return CheckResult(False, [str(exc)], 0.0)
    found = views(vl)
    if not found:
        return CheckResult(False, ["The chart has no mark: call a mark method such as mark_line() or "
                                   "mark_bar()."], 0.0)
    best = None
    marks = spec.get("mark")
    marks = [marks] if isinstance(marks, str) else list(marks or [])
    for view in found:
        problems, passed, total = _check_view(view, spec)
        score = passed / total if total else 1.0
        if best is None or score > best[2] or (score == best[2] and len(problems) < len(best[0])):
            best = (problems, passed, score)
    problems, _, score = best
    wrong_mark = bool(marks) and not any(v["mark"] in marks for v in found)
    return CheckResult(not problems, problems, round(score, 3), wrong_mark=wrong_mark)


def describe(chart_or_dict: Any) -> list[str]:
    """What a chart is, in plain words, one line per view: its mark and what each channel shows, and any
    filter. Judges nothing: the graded check cell shows it beside the student's chart."""
    spec = normalize_spec(chart_or_dict)
    lines = []
    for v in views(spec):
        bits = []
        for ch, e in sorted(v["encoding"].items()):
            what = e.get("field") or ("count of rows" if e.get("aggregate") == "count" else "a fixed value")
            if e.get("aggregate") and e.get("field"):
                what = f"{e['aggregate']} of {e['field']}"
            if e.get("timeUnit"):
                what += f" by {e['timeUnit']}"
            t = e.get("type")
            bits.append(f"{ch} = {what}" + (f" ({t})" if t else ""))
        filters = [t for t in v["transforms"] if "filter" in t]
        line = f"{v['mark']} mark" + (": " + ", ".join(bits) if bits else ", no encodings")
        if filters:
            line += f"; {len(filters)} filter{'s' if len(filters) > 1 else ''}"
        lines.append(line)
    return lines or ["no mark at all (an empty chart)"]
