"""Class variants: a class's own graded edition, derived from a secret seed (``course variant --seed S``).

The public repository carries the graded bank's source notebooks with their solutions, so an instructor
who grades for credit builds a variant: the same units, question ids, points and cell ids (grade ids stay
stable), but other items and another display order, with the keys written only into the class's course
directory. Everything is derived from ``(seed, question id)`` through SHA-256 and :class:`random.Random`,
so the same seed always gives the same files, byte for byte, and the seed itself is never written.

What changes, per kind of graded question:

- ``attribution``: ``items`` become as many others from the **graded** quotation/position pool
  (``course_instructor/bank/quotes.yaml``, ``positions.yaml``): as many quotations and as many positions
  as the originals, from the chapters of the original items, by speakers among the
  question's ``choices``, with at least two distinct speakers. When those chapters hold fewer than
  ``n + 2`` such items (no real choice), neighbouring chapters of the unit's part are added, nearest
  first. The explanation becomes the list of the new statements' speakers.
- ``chronology``: ``events`` become as many timeline events (``course.data.load("timeline")``) from the
  chapters of the original events and the unit's chapter (neighbouring chapters of the part when too
  few), whose dates do not overlap at their stated precision (a month-precision event is never paired
  with a day in that month), sorted by date. The explanation becomes the dated order.
- ``numeric`` with ``compute`` and ``vary: <column>``: the selected rows' value in that column is
  changed to other values present in the dataset, keeping the order of the original values, so that
  every selector still matches exactly one row, ``compute`` succeeds and (whenever possible) the answer
  differs from the public one by more than the tolerance; ``answer`` is the new result and the prompt's
  ``{row1[col]}`` placeholders fill themselves (:attr:`course.questions.Question.text`). A question whose
  prompt does not name every varied row by such a placeholder is left as it is (a student could not know
  which rows are meant). The explanation becomes the computation with the new rows.
- ``multiple_choice``, ``chart``, ``short_answer`` (essays) and numeric items without ``compute``/``vary``
  keep their content.

For **every** question the display order (options, numbered statements, lettered events) is salted with a
digest of the seed (:attr:`course.questions.Question.salt`), so a multiple-choice letter or an
attribution number of the public solution does not carry over either.

A varied attribution or chronology item gets a generic prompt (the public prompt may name the public
items); a varied numeric item keeps its prompt, whose placeholders name the new rows. When a pool cannot give a draw (too few items), the question keeps its items
and only its order changes.

Written into the course directory: ``source/<assignment>/<assignment>.ipynb`` (the instructor version,
built by :func:`course_instructor.build.unit_notebook` from the variant's questions),
``keys/<assignment>.json`` (:func:`course_instructor.keys.write_keys`) and ``keys/variant.json``: the
SHA-256 of the seed (never the seed) and the units built, so ``course validate`` can tell a variant
directory from the public build.

>>> build_variant("a class secret", Path("/srv/class"), [unit("ch13")])    # doctest: +SKIP
"""
from __future__ import annotations

import copy
import datetime as dt
import hashlib
import itertools
import json
import math
import random
from dataclasses import replace
from pathlib import Path

from course.questions import Question, Quote
from course.units import Unit, all_units

VARIANT_FILE = "variant.json"
SPARE = 2          # a pool needs this many items beyond the question's count to give a real choice
MAX_COMBOS = 20000  # numeric: beyond this many row combinations, draw candidates at random


# -- randomness from (seed, question id) ------------------------------------------------------------------
ATTRIBUTION_PROMPT = ("Who said or wrote each of these? Match every statement to its speaker, using what the "
                      "chapter tells you about each speaker's views, occasion and date.")
CHRONOLOGY_PROMPT = "Put these events in the order in which they happened, earliest first."


def seed_digest(seed: str) -> str:
    """The SHA-256 of the seed, hex: what ``keys/variant.json`` records instead of the seed."""
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


def _rng(seed: str, qid: str) -> random.Random:
    h = hashlib.sha256(f"course-variant\0{seed}\0{qid}".encode("utf-8")).digest()
    return random.Random(int.from_bytes(h[:8], "big"))


def _salt(seed: str) -> str:
    """The display-order salt of a seed (a digest of it, so no question carries the seed)."""
    return hashlib.sha256(f"course-variant-order\0{seed}".encode("utf-8")).hexdigest()[:16]


# -- chapters: the originals first, then neighbours in the unit's part ------------------------------------
def _widenings(base: set[int], part: int) -> list[set[int]]:
    """``base``, then ``base`` plus the chapters of ``part`` at distance 1, 2, … from it."""
    from course.book._toc import CHAPTERS

    others = [c for c, (_title, p) in CHAPTERS.items() if p == part and c not in base]
    dist = lambda c: min(abs(c - b) for b in base) if base else c  # noqa: E731
    steps, chapters = [set(base)], set(base)
    for d in sorted({dist(c) for c in others}):
        chapters = chapters | {c for c in others if dist(c) == d}
        steps.append(set(chapters))
    return steps


# -- attribution ------------------------------------------------------------------------------------------
def _graded_pool() -> list:
    from .bank import GRADED

    return [*GRADED.quotes(), *GRADED.positions()]


def vary_attribution(q: Question, unit: Unit, rng: random.Random) -> Question:
    """``q`` with as many other items from the graded pool, as many quotations and positions as before
    (rules: module docstring)."""
    from .bank import GRADED

    originals = [q.item(i) for i in q.items]
    n = len(originals)
    if n < 2:
        return q
    quota = {k: sum(type(x).__name__ == k for x in originals) for k in sorted({type(x).__name__ for x in originals})}
    pool_all = sorted((x for x in _graded_pool() if type(x).__name__ in quota and x.speaker in q.choices),
                      key=lambda x: x.id)

    def enough(pool) -> bool:
        return all(sum(type(x).__name__ == k for x in pool) >= m for k, m in quota.items()) \
            and len({x.speaker for x in pool}) >= 2

    pool: list = []
    for chapters in _widenings({x.chapter for x in originals}, unit.part):
        pool = [x for x in pool_all if x.chapter in chapters]
        if enough(pool) and len(pool) >= n + SPARE:
            break
    if not enough(pool):
        return q  # no draw possible: keep the items (the salted order still changes)
    original, chosen = set(q.items), None
    for _ in range(50):
        pick, rest = [], []
        for k, m in quota.items():
            of_kind = [x for x in pool if type(x).__name__ == k]
            rng.shuffle(of_kind)
            pick += of_kind[:m]
            rest += of_kind[m:]
        if len({x.speaker for x in pick}) < 2:  # swap in another speaker's item of the same kind
            other = next(x for x in rest if x.speaker != pick[0].speaker)
            at = max(i for i, x in enumerate(pick) if type(x) is type(other))
            pick[at] = other
        chosen = chosen or pick
        if {x.id for x in pick} != original:
            chosen = pick
            break
    return replace(q, items=[x.id for x in chosen], bank=GRADED,  # explanation: see variant_questions
                   prompt=ATTRIBUTION_PROMPT)


def _attribution_explanation(q: Question) -> str:
    parts = []
    for n, iid in enumerate(q.shown_items(), 1):
        x = q.item(iid)
        if isinstance(x, Quote):
            where = ", ".join(s for s in (x.occasion, x.date) if s)
            parts.append(f"{n}. {x.speaker}" + (f" ({where})" if where else ""))
        else:
            parts.append(f"{n}. {x.speaker}, whose position Tucker describes in Chapter {x.chapter}")
    return "The statements and their authors: " + "; ".join(parts) + "."


# -- chronology -------------------------------------------------------------------------------------------
def _span(date, precision) -> tuple[dt.date, dt.date]:
    """The days an event's date stands for: [start, end) at its precision (day, month or year)."""
    d = date.date() if hasattr(date, "date") else date
    p = str(precision) if precision is not None and str(precision) not in ("<NA>", "nan") else "day"
    if p == "year":
        return dt.date(d.year, 1, 1), dt.date(d.year + 1, 1, 1)
    if p == "month":
        nxt = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        return dt.date(d.year, d.month, 1), nxt
    return d, d + dt.timedelta(days=1)


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")  # not strftime's %B, which follows the locale


def _when(date, precision) -> str:
    d = date.date() if hasattr(date, "date") else date
    p = str(precision)
    if p == "year":
        return str(d.year)
    if p == "month":
        return f"{MONTHS[d.month - 1]} {d.year}"
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def _timeline() -> list[dict]:
    from course.data import load

    tl = load("timeline")
    rows = []
    for r in tl.itertuples(index=False):
        if r.chapter is None or str(r.chapter) in ("<NA>", "nan") or str(r.date) in ("NaT", "<NA>"):
            continue
        start, end = _span(r.date, r.precision)
        rows.append({"id": str(r.id), "chapter": int(r.chapter), "start": start, "end": end, "date": r.date,
                     "precision": str(r.precision), "event": str(r.event)})
    return sorted(rows, key=lambda r: r["id"])


def _orderable(a: dict, b: dict) -> bool:
    return a["end"] <= b["start"] or b["end"] <= a["start"]


def vary_chronology(q: Question, unit: Unit, rng: random.Random) -> Question:
    """``q`` with as many other timeline events, sorted by date (rules: module docstring)."""
    tl = _timeline()
    by_id = {r["id"]: r for r in tl}
    n = len(q.events)
    if n < 2 or any(e not in by_id for e in q.events):
        return q
    base = {by_id[e]["chapter"] for e in q.events} | {unit.chapter}
    original, chosen = set(q.events), None
    steps = _widenings(base, unit.part)
    for chapters in steps:
        pool = [r for r in tl if r["chapter"] in chapters]
        if len(pool) < n + SPARE and chapters != steps[-1]:
            continue
        for _ in range(200):
            order = list(pool)
            rng.shuffle(order)
            pick: list[dict] = []
            for r in order:
                if all(_orderable(r, p) for p in pick):
                    pick.append(r)
                    if len(pick) == n:
                        break
            if len(pick) < n:
                continue
            chosen = chosen or pick
            if {r["id"] for r in pick} != original:
                chosen = pick
                break
        if chosen is not None:
            break
    if chosen is None:
        return q
    chosen = sorted(chosen, key=lambda r: (r["start"], r["id"]))
    steps = "; ".join(f"{r['event']} ({_when(r['date'], r['precision'])})" for r in chosen)
    return replace(q, events=[r["id"] for r in chosen], explanation=f"In order: {steps}.", prompt=CHRONOLOGY_PROMPT)


# -- numeric (compute + vary) -----------------------------------------------------------------------------
def _values(dataset: str, column: str, like) -> list:
    """The distinct values of ``column`` in ``dataset``, in the form of the selector value ``like``."""
    from course.data import load

    s = load(dataset)[column].dropna()
    if isinstance(like, bool):
        return sorted({bool(v) for v in s})
    if isinstance(like, str) or "date" in column:
        width = len(str(like))
        return sorted({str(v)[:width] for v in s.astype(str)})
    if isinstance(like, int):
        return sorted({int(v) for v in s if float(v).is_integer()})
    if isinstance(like, float):
        return sorted({float(v) for v in s})
    return sorted({str(v) for v in s})


def _sign(a, b) -> int:
    return (a > b) - (a < b)


def vary_numeric(q: Question, rng: random.Random) -> Question:
    """``q`` with other rows in its ``vary`` column and the answer they give (rules: module docstring)."""
    from course.scoring import compute

    col = q.vary
    if q.kind != "numeric" or not q.compute or not col or not q.dataset:
        return q
    selectors = q.compute.get("rows") or []
    idx = [i for i, sel in enumerate(selectors) if col in sel]
    if not idx or any(f"{{row{i + 1}[{col}]}}" not in q.prompt for i in idx):
        return q  # the prompt would not tell a student which rows are meant
    old = [selectors[i][col] for i in idx]
    try:
        values = _values(q.dataset, col, old[0])
    except KeyError:
        return q
    old_key = tuple(str(v) for v in old)
    if len(values) ** len(idx) <= MAX_COMBOS:
        combos = list(itertools.product(values, repeat=len(idx)))
    else:
        combos = sorted({tuple(rng.choice(values) for _ in idx) for _ in range(MAX_COMBOS)})

    def keeps_form(c) -> bool:
        if tuple(str(v) for v in c) == old_key:
            return False
        return all(_sign(c[a], c[b]) == _sign(old[a], old[b]) for a, b in itertools.combinations(range(len(idx)), 2))

    combos = [c for c in combos if keeps_form(c)]
    rng.shuffle(combos)
    fallback = None
    for c in combos:
        spec = copy.deepcopy(q.compute)
        for i, v in zip(idx, c):
            spec["rows"][i][col] = v
        try:
            result = compute(q.dataset, spec)
        except (ValueError, KeyError, ZeroDivisionError, TypeError):
            continue
        if not math.isfinite(result):
            continue
        if q.answer is None or abs(float(result) - float(q.answer)) > q.tolerance + 1e-9:
            return _numeric_with(q, spec, result)
        fallback = fallback or (spec, result)
    return _numeric_with(q, *fallback) if fallback else q


def _numeric_with(q: Question, spec: dict, result: float) -> Question:
    from course.scoring import select_rows

    answer = int(result) if isinstance(q.answer, int) and float(result).is_integer() else result
    varied = replace(q, compute=spec, answer=answer)
    rows = select_rows(q.dataset, spec["rows"])
    column, op = spec["column"], spec.get("op", "value")
    shown = [f"{_selector_text(sel)}: {_num(r[column])}" for sel, r in zip(spec["rows"], rows)]
    words = {"value": "the value", "difference": "row 2 − row 1", "ratio": "row 2 ÷ row 1",
             "percent_change": "(row 2 − row 1) ÷ row 1 × 100", "sum": "the sum of the rows"}.get(op, op)
    explanation = (f"In `course.data.load(\"{q.dataset}\")`, column `{column}`: " + "; ".join(shown)
                   + f". {words[0].upper() + words[1:]} = {_num(answer)}" + (f" {q.units}" if q.units else "") + ".")
    return replace(varied, explanation=explanation)


def _selector_text(sel: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in sel.items())


def _num(v) -> str:
    f = float(v)
    return f"{int(f):,}" if f.is_integer() else f"{f:,.4g}" if abs(f) >= 1000 else f"{f:g}"


# -- a unit, a course directory ---------------------------------------------------------------------------
def variant_questions(seed: str, unit: Unit) -> list[Question]:
    """The unit's graded questions as this seed's class sees them (new copies; the bank is untouched)."""
    from .build import graded_questions

    if not seed:
        raise ValueError("a class variant needs a non-empty seed")
    salt, out = _salt(seed), []
    for q in graded_questions(unit):
        rng = _rng(seed, q.id)
        varied = q
        if q.kind == "attribution":
            varied = vary_attribution(q, unit, rng)
        elif q.kind == "chronology":
            varied = vary_chronology(q, unit, rng)
        elif q.kind == "numeric":
            varied = vary_numeric(q, rng)
        varied = replace(varied, salt=salt)
        if varied.kind == "attribution" and varied.items != q.items:
            # numbered as the class sees the statements, i.e. in the salted order
            varied = replace(varied, explanation=_attribution_explanation(varied))
        out.append(varied)
    return out


def read_variant(root: Path) -> dict | None:
    """``keys/variant.json`` of a course directory (``seed_sha256``, ``units``), or None for a public build."""
    from .keys import FOLDER

    path = Path(root) / FOLDER / VARIANT_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def build_variant(seed: str, root: Path, units: list[Unit] | None = None) -> list[Path]:
    """Write the class variant of ``units`` (default: all) into the course directory ``root``: source
    notebooks, keys and ``keys/variant.json``. Returns the files written. Same seed, same bytes."""
    from .build import _dump, source_path, unit_notebook
    from .keys import FOLDER, write_keys

    if not seed:
        raise ValueError("a class variant needs a non-empty seed")
    units = all_units() if units is None else list(units)
    root = Path(root)
    written = []
    for unit in units:
        questions = variant_questions(seed, unit)
        path = source_path(unit, root)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_dump(unit_notebook(unit, "source", questions)), encoding="utf-8")
        written.append(path)
        written.append(write_keys(unit.assignment, questions, root))
    digest = seed_digest(seed)
    built = {u.id for u in units}
    previous = read_variant(root)
    if previous and previous.get("seed_sha256") == digest:
        built |= set(previous.get("units") or [])
    order = {u.id: n for n, u in enumerate(all_units())}
    ids = sorted(built, key=lambda uid: (order.get(uid, len(order)), uid))
    by_id = {u.id: u for u in [*all_units(), *units]}
    body = {"seed_sha256": digest, "units": ids,
            "assignments": [by_id[uid].assignment for uid in ids if uid in by_id]}
    vpath = root / FOLDER / VARIANT_FILE
    vpath.parent.mkdir(parents=True, exist_ok=True)
    vpath.write_text(json.dumps(body, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return written + [vpath]
