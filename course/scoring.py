"""How an answer is scored: one rule per kind of question, the same for a practice self-check and for
grading (where it runs in the grader's process, never in the student's kernel: see course_instructor.autograde).

The rules resist guessing (docs/content-format.md):

- ``multiple_choice``, ``numeric``: all or nothing (numeric within the question's tolerance);
- ``attribution``: the chance-corrected share of right items, ``max(0, (right/n - 1/k) / (1 - 1/k))`` for
  ``k`` speakers; naming one speaker for every item earns 0;
- ``chronology``: full for the right order, half when exactly one pair of neighbours is swapped, else 0
  (a random order of five earns about 2 % of the points);
- ``chart``: 0 for the wrong mark; otherwise the share of requirements met (course.chartcheck).

Answers are compared as *plain values* (:func:`plain`): exact ``str``/``int``/``float``/``list``/``dict``
types, so an object whose ``__eq__``, ``__hash__``, ``strip`` or ``__float__`` lies earns nothing.
"""
from __future__ import annotations

import json
import math
import string

LETTERS = string.ascii_uppercase


class AnswerFormError(ValueError):
    """The answer is not in the form the question asks for; the message says what form is wanted."""


def plain(value, depth: int = 0):
    """``value`` as plain JSON data (str, int, float, bool, None, list, dict with str keys), or raise.

    Subclasses of the built-in types are converted through the built-in type itself, so a lying
    ``__eq__``, ``__str__`` or ``__float__`` is never called.
    """
    if depth > 20:
        raise AnswerFormError("The answer is nested too deeply.")
    t = type(value)
    if value is None or t is bool:  # bool cannot be subclassed
        return value
    if isinstance(value, str):
        return str.__str__(value)  # an exact str, even for a subclass
    if isinstance(value, int):
        return int.__index__(value)
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, (list, tuple)):
        seq = list.__iter__(value) if isinstance(value, list) else tuple.__iter__(value)
        return [plain(v, depth + 1) for v in seq]
    if isinstance(value, dict):
        return {str(plain(k, depth + 1)): plain(v, depth + 1) for k, v in dict.items(value)}
    raise AnswerFormError(f"The answer is a {t.__name__}; write plain text, numbers, lists or dictionaries.")


def _norm(s) -> str:
    return " ".join(str(s).strip().lower().split())


def form_problem(kind: str, answer, *, n: int | None = None, choices: list[str] | None = None) -> str | None:
    """What is wrong with the *form* of a plain ``answer`` (None when the form is right). Says nothing of
    whether it is correct."""
    if kind == "attribution":
        if not isinstance(answer, dict):
            eg = choices[0] if choices else "Stalin"
            return f'Write a dictionary, statement number -> speaker, e.g. {{1: "{eg}", 2: "..."}}.'
        keys = {str(k) for k in answer}
        missing = [k for k in range(1, (n or 0) + 1) if str(k) not in keys]
        if missing:
            return f"Statements {', '.join(map(str, missing))} have no speaker yet."
        allowed = {_norm(c) for c in choices or []}
        bad = [v for v in answer.values() if not isinstance(v, str) or (allowed and _norm(v) not in allowed)]
        if bad:
            return f"{bad[0]!r} is not one of the choices: {', '.join(choices or [])}."
    elif kind == "multiple_choice":
        if not (isinstance(answer, str) and answer.strip().upper() in LETTERS[: n or 26] and answer.strip()):
            return f'Write one letter, A to {LETTERS[(n or 4) - 1]}, in quotes: e.g. "B".'
    elif kind == "numeric":
        if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
            return "Write a number (no units, no quotes): e.g. 57.2"
    elif kind == "chronology":
        want = list(LETTERS[: n or (len(answer) if isinstance(answer, list) else 5)])
        if not (isinstance(answer, list) and all(isinstance(a, str) for a in answer)
                and sorted(a.strip().upper() for a in answer) == want):
            return f'Write a list of the letters A to {want[-1]}, each once, earliest first: e.g. ["C", "A", ...].'
    elif kind == "chart":
        if not (isinstance(answer, dict) and ("mark" in answer or any(k in answer for k in ("layer", "hconcat", "vconcat", "concat", "facet", "spec")))):
            return "Build an Altair chart (alt.Chart(...).mark_...().encode(...)) and assign it to the answer variable."
    return None


def fraction(kind: str, answer, expected, *, tolerance: float = 0.0, choices: list[str] | None = None) -> float:
    """Share of the points a plain ``answer`` earns against ``expected``, in [0, 1] (rules: module doc)."""
    answer, expected = plain(answer), plain(expected)
    if form_problem(kind, answer, n=_n(kind, expected), choices=choices):
        return 0.0
    if kind == "multiple_choice":
        return float(answer.strip().upper() == expected.upper())
    if kind == "numeric":
        return float(abs(float(answer) - float(expected)) <= tolerance + 1e-9)
    if kind == "attribution":
        given = {str(k): _norm(v) for k, v in answer.items()}
        right = sum(1 for k, v in expected.items() if given.get(str(k)) == _norm(v))
        n = len(expected)
        if len(set(given.values())) == 1 and n > 1:
            return 0.0  # one speaker everywhere is a guess, not an attribution
        k = max(len(choices or set(map(_norm, expected.values()))), 2)
        return round(max(0.0, (right / n - 1 / k) / (1 - 1 / k)), 4)
    if kind == "chronology":
        got = [a.strip().upper() for a in answer]
        want = [e.upper() for e in expected]
        if got == want:
            return 1.0
        diff = [i for i in range(len(want)) if got[i] != want[i]]
        swapped = len(diff) == 2 and diff[1] == diff[0] + 1 and got[diff[0]] == want[diff[1]]
        return 0.5 if swapped else 0.0
    if kind == "chart":
        from .chartcheck import check_chart

        result = check_chart(answer, expected)
        return 1.0 if result.ok else (0.0 if result.wrong_mark else round(result.score, 4))
    raise ValueError(f"{kind!r} questions are graded by hand")


def _n(kind: str, expected) -> int | None:
    if kind in ("attribution", "chronology"):
        return len(expected)
    return None


def points(kind: str, answer, expected, *, max_points: float, tolerance: float = 0.0,
           choices: list[str] | None = None) -> float:
    """Points earned, rounded to hundredths."""
    return round(max_points * fraction(kind, answer, expected, tolerance=tolerance, choices=choices), 2)


# -- numbers that come from the datasets ------------------------------------------------------------------
def select_rows(dataset: str, selectors: list[dict]) -> list[dict]:
    """One row of ``dataset`` per selector (``{column: value}``), as plain dicts; each must match exactly one."""
    from . import data

    df = data.load(dataset)
    out = []
    for sel in selectors:
        mask = None
        for col, val in sel.items():
            if col not in df.columns:
                raise KeyError(f"{dataset} has no column {col!r}")
            series = df[col]
            cond = series.astype(str).str.slice(0, len(str(val))) == str(val) if "date" in col else series.astype(str) == str(val)
            mask = cond if mask is None else mask & cond
        hits = df[mask] if mask is not None else df
        if len(hits) != 1:
            raise ValueError(f"{dataset}: selector {sel} matches {len(hits)} rows (must match exactly one)")
        row = hits.iloc[0].to_dict()
        out.append({k: (v.strftime("%Y-%m-%d") if hasattr(v, "strftime") else v) for k, v in json.loads(
            json.dumps(row, default=lambda v: v.isoformat()[:10] if hasattr(v, "isoformat") else str(v))).items()})
    return out


OPS = ("value", "difference", "ratio", "percent_change", "sum")


def compute(dataset: str, spec: dict) -> float:
    """The number a ``compute`` spec gives (docs/content-format.md): value, difference, ratio, percent_change, sum."""
    rows = select_rows(dataset, spec.get("rows") or [])
    col, op = spec["column"], spec.get("op", "value")
    vals = [float(r[col]) for r in rows]
    if op == "value":
        result = vals[0]
    elif op == "difference":
        result = vals[1] - vals[0]
    elif op == "ratio":
        result = vals[1] / vals[0]
    elif op == "percent_change":
        result = (vals[1] - vals[0]) / vals[0] * 100
    elif op == "sum":
        result = sum(vals)
    else:
        raise ValueError(f"compute op must be one of {OPS}, not {op!r}")
    return round(result, int(spec["round"])) if "round" in spec else result
