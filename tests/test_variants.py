"""Class variants (course_instructor.variants): other graded items per seed, the same bytes for the same seed,
no seed in what is written, and a real nbgrader round in which the variant's own solution earns full marks
while the public solution of the same unit does not."""
from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import nbformat
import pytest

from course.data import load
from course.questions import Question
from course.scoring import compute, select_rows
from course.units import all_units
from course_instructor import variants
from course_instructor.bank import GRADED
from course_instructor.build import graded_questions, source_path, unit_notebook
from course_instructor.keys import key_record

SEED_A, SEED_B = "class-of-2025-spring-7f3a", "another-class-b91c"
KINDS = ("attribution", "chronology", "numeric")


def _graded(unit):
    """The unit's graded questions, or None while its list names a question the bank lacks (``course
    validate`` reports that; it is not a variant's concern)."""
    try:
        return graded_questions(unit)
    except KeyError:
        return None


UNITS = [u for u in all_units() if _graded(u) is not None]


def _variable(q: Question) -> bool:
    """Items a variant redraws (multiple choice, charts, essays, plain numerics keep their content)."""
    return q.kind in ("attribution", "chronology") or (q.kind == "numeric" and bool(q.compute) and bool(q.vary))


def _content(q: Question):
    return {"attribution": q.items, "chronology": q.events}.get(q.kind) or (q.compute, q.answer)


def _spans(event_ids):
    tl = load("timeline").set_index("id")
    return [variants._span(tl.loc[e, "date"], tl.loc[e, "precision"]) for e in event_ids]


def _check_valid(q: Question, original: Question) -> None:
    """A varied item obeys the bank's rules for its kind."""
    assert q.id == original.id and q.points == original.points and q.kind == original.kind
    if q.kind == "attribution":
        assert len(q.items) == len(original.items) == len(set(q.items))
        speakers = [GRADED.item(i).speaker for i in q.items]
        assert set(speakers) <= set(q.choices) and len(set(speakers)) >= 2, speakers
        kinds = lambda ids: sorted(type(GRADED.item(i)).__name__ for i in ids)  # noqa: E731
        assert kinds(q.items) == kinds(original.items), "as many quotations and positions as the original"
    elif q.kind == "chronology":
        assert len(q.events) == len(original.events) == len(set(q.events))
        spans = _spans(q.events)
        assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), f"{q.id}: events overlap or are out of order"
        assert q.shown_events() != q.events
    elif q.kind == "numeric" and q.compute:
        assert len(select_rows(q.dataset, q.compute["rows"])) == len(q.compute["rows"])
        assert compute(q.dataset, q.compute) == pytest.approx(q.answer)
        assert "{" not in q.text


# -- each kind, on the real bank ----------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_two_seeds_give_other_items(kind):
    """For every unit with a variable item of ``kind``: valid variants; at least one unit differs by seed."""
    found, differ = [], []
    for unit in UNITS:
        public = {q.id: q for q in _graded(unit) if q.kind == kind and _variable(q)}
        if not public:
            continue
        a = {q.id: q for q in variants.variant_questions(SEED_A, unit)}
        b = {q.id: q for q in variants.variant_questions(SEED_B, unit)}
        for qid, q in public.items():
            found.append(qid)
            _check_valid(a[qid], q)
            _check_valid(b[qid], q)
            if _content(a[qid]) != _content(b[qid]) and _content(a[qid]) != _content(q):
                differ.append(qid)
    if not found:
        what = "with `compute` and `vary`" if kind == "numeric" else ""
        pytest.skip(f"no unit's graded list has a {kind} item {what}: nothing of this kind to vary".replace("  ", " "))
    assert differ, f"{kind}: two seeds gave the same items for every one of {found}"


# -- the rules, on questions made here (they hold whatever the bank holds) -----------------------------------
def _unit(chapter: int):
    return next(u for u in all_units() if u.chapter == chapter)


def test_numeric_vary_changes_rows_and_answer():
    spec = {"op": "percent_change", "column": "value", "round": 1,
            "rows": [{"year": 1934, "series": "executed"}, {"year": 1935, "series": "executed"}]}
    q = Question(id="zz-q9", kind="numeric", unit="ch12", points=2, explanation="x", citation={"chapter": 12},
                 prompt="Change in death sentences between {row1[year]} and {row2[year]}?", dataset="repression",
                 compute=spec, vary="year", answer=compute("repression", spec), tolerance=1, units="percent")
    seen = set()
    for seed in ("s1", "s2", "s3", "s4"):
        v = variants.vary_numeric(q, variants._rng(seed, q.id))
        _check_valid(v, q)
        years = [r["year"] for r in v.compute["rows"]]
        assert years[0] < years[1] and [r["series"] for r in v.compute["rows"]] == ["executed", "executed"]
        assert abs(v.answer - q.answer) > q.tolerance
        assert f"between {years[0]} and {years[1]}?" in v.text
        assert spec["rows"][0]["year"] == 1934, "the bank's question must not be changed"
        seen.add(tuple(years))
    assert len(seen) > 1
    # a prompt that does not name the rows is left alone: a student could not know which rows are meant
    fixed = replace(q, prompt="Change in death sentences between 1934 and 1935?")
    assert variants.vary_numeric(fixed, variants._rng("s1", q.id)) is fixed


def test_attribution_draws_from_the_graded_pool():
    pool = [*GRADED.quotes()]
    by_ch = {}
    for x in pool:
        by_ch.setdefault(x.chapter, []).append(x)
    ch, items = max(by_ch.items(), key=lambda kv: (len({x.speaker for x in kv[1]}), len(kv[1])))
    speakers = sorted({x.speaker for x in items})
    original = sorted(items, key=lambda x: x.id)[:4]
    q = Question(id="zz-q8", kind="attribution", unit=f"ch{ch:02d}", points=3, prompt="Who said it?",
                 explanation="x", citation={"chapter": ch}, items=[x.id for x in original],
                 choices=speakers + ["Nobody"], bank=GRADED)
    draws = {tuple(variants.vary_attribution(q, _unit(ch), variants._rng(s, q.id)).items) for s in "abcdef"}
    for d in draws:
        _check_valid(replace(q, items=list(d)), q)
    assert len(draws) > 1


def test_chronology_draws_orderable_events():
    tl = load("timeline")
    ch = int(tl.groupby("chapter").size().idxmax())
    events, spans = [], []
    for r in tl[tl.chapter == ch].sort_values("date").itertuples():  # four events of the chapter that can be ordered
        s = variants._span(r.date, r.precision)
        if all(s[0] >= e[1] or e[0] >= s[1] for e in spans):
            events.append(r.id)
            spans.append(s)
        if len(events) == 4:
            break
    q = Question(id="zz-q7", kind="chronology", unit=f"ch{ch:02d}", points=2, prompt="Order them.",
                 explanation="x", citation={"chapter": ch}, events=events)
    draws = {tuple(variants.vary_chronology(q, _unit(ch), variants._rng(s, q.id)).events) for s in "abcdef"}
    for d in draws:
        _check_valid(replace(q, events=list(d)), q)
    assert len(draws) > 1


def test_salt_changes_the_order_only_when_set():
    q = next(q for u in UNITS for q in _graded(u) if q.kind == "multiple_choice")
    assert replace(q, salt="").shown_choices() == q.shown_choices()
    orders = {tuple(replace(q, salt=f"s{n}").shown_choices()) for n in range(8)}
    assert len(orders) > 1 and all(sorted(o) == sorted(q.choices) for o in orders)


def test_public_build_unchanged_by_the_questions_parameter():
    unit = UNITS[0]
    assert nbformat.writes(unit_notebook(unit, "source")) == \
        nbformat.writes(unit_notebook(unit, "source", graded_questions(unit)))


# -- the course directory ------------------------------------------------------------------------------------
def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_and_no_seed_written(tmp_path):
    units = UNITS
    secret = "S3cr3t-class-seed-Zq81"
    one, two, other = tmp_path / "one", tmp_path / "two", tmp_path / "other"
    written = variants.build_variant(secret, one, units)
    variants.build_variant(secret, two, units)
    variants.build_variant(SEED_B, other, units)
    a, b, c = _files(one), _files(two), _files(other)
    assert a == b, "the same seed must give the same bytes"
    assert set(a) == set(c) and a != c
    assert sorted(str(p.relative_to(one)) for p in written) == sorted(a)
    for name, data in a.items():
        text = data.decode("utf-8")
        assert secret not in text and secret.lower() not in text.lower(), f"{name} holds the seed"
    info = json.loads(a["keys/variant.json"])
    assert info == {"seed_sha256": hashlib.sha256(secret.encode()).hexdigest(), "units": [u.id for u in units],
                    "assignments": [u.assignment for u in units]}
    assert variants.read_variant(one) == info
    for u in units:
        assert f"source/{u.assignment}/{u.assignment}.ipynb" in a and f"keys/{u.assignment}.json" in a
    # a second run for one unit with the same seed keeps the list; the written files do not change
    variants.build_variant(secret, one, units[:1])
    assert _files(one) == a


# -- a real nbgrader round -----------------------------------------------------------------------------------
def _changed(unit, seed) -> int:
    """How many auto-graded keys of the variant differ from the public ones."""
    public = {q.id: key_record(q) for q in _graded(unit) if q.auto}
    mine = {q.id: key_record(q) for q in variants.variant_questions(seed, unit) if q.auto}
    return sum(public[k].get("key") != mine[k].get("key") for k in public)


def _round_unit():
    """A unit whose variant redraws items (attribution or chronology first) and changes several keys."""
    ranked = sorted(UNITS, key=lambda u: (-sum(_variable(q) for q in _graded(u)), -_changed(u, SEED_A), u.id))
    for unit in ranked:
        if _changed(unit, SEED_A) >= 2:
            return unit
    pytest.skip("no unit's variant changes two auto-graded keys")


@pytest.mark.slow
def test_nbgrader_round_variant_vs_public(tmp_path):
    from course_instructor.classroom import Classroom, init_course_dir
    from course_instructor.validate import _auto_max, release_leaks

    unit = _round_unit()
    a = unit.assignment
    root = init_course_dir(tmp_path / "class")
    variants.build_variant(SEED_A, root, [unit])
    room = Classroom(root)
    release = room.generate(a) / f"{a}.ipynb"
    src = source_path(unit, root)
    assert not release_leaks(nbformat.read(src, 4), nbformat.read(release, 4))
    public = tmp_path / f"{a}.ipynb"
    nbformat.write(unit_notebook(unit, "source"), public)
    assert public.read_bytes() != src.read_bytes()
    room.submit("solution", a, src)
    room.submit("public", a, public)
    proc = room.autograde(a)
    scores, auto_max = room.scores(a), _auto_max(room, a)
    assert {"solution", "public"} <= set(scores), (proc.stdout[-2000:], proc.stderr[-3000:])
    assert auto_max > 0
    assert scores["solution"].auto_score == pytest.approx(auto_max), \
        f"{unit.id}: the variant's own solution earned {scores['solution'].auto_score}/{auto_max}"
    assert scores["public"].auto_score < auto_max - 1e-6, \
        f"{unit.id}: the public solution earned full marks on the variant"
