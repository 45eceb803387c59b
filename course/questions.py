"""The question bank, the quote bank and the positions: data in ``course/content/``, one source for the
self-study widgets, the nbgrader cells and the solutions (format: docs/content-format.md).

>>> q = get("ch04-q1"); q.kind, q.points          # doctest: +SKIP
>>> [x.speaker for x in quotes()][:3]              # doctest: +SKIP
"""
from __future__ import annotations

import hashlib
import random
import string
from dataclasses import dataclass, field
from functools import lru_cache

from .content import HERE, load_yaml

KINDS = {"attribution", "multiple_choice", "numeric", "chronology", "chart", "short_answer"}
AUTO_KINDS = KINDS - {"short_answer"}
LETTERS = string.ascii_uppercase


@dataclass(frozen=True)
class Quote:
    id: str
    text: str
    speaker: str
    date: str
    occasion: str
    chapter: int
    section: str = ""
    secondhand: bool = False
    tags: tuple = ()
    note: str = ""


@dataclass(frozen=True)
class Position:
    id: str
    holder: str
    text: str
    chapter: int
    section: str = ""

    @property
    def speaker(self) -> str:
        return self.holder


@dataclass
class Question:
    id: str
    kind: str
    unit: str
    points: float
    prompt: str
    explanation: str
    citation: dict
    choices: list = field(default_factory=list)
    answer: object = None
    tolerance: float = 0.0
    units: str = ""
    items: list = field(default_factory=list)
    events: list = field(default_factory=list)
    dataset: str = ""
    spec: dict = field(default_factory=dict)
    words: list = field(default_factory=list)
    rubric: list = field(default_factory=list)

    @property
    def auto(self) -> bool:
        return self.kind in AUTO_KINDS

    @property
    def citation_text(self) -> str:
        ch = self.citation.get("chapter")
        where = "Introduction" if ch == 0 else f"Chapter {ch}"
        sec = self.citation.get("section")
        return f"Tucker, Stalin in Power, {where}" + (f", section “{sec}”" if sec else "")

    # -- the order a student sees (deterministic per question, so no answer sits in a fixed place) ------
    def _rng(self) -> random.Random:
        return random.Random(int(hashlib.sha256(self.id.encode()).hexdigest()[:12], 16))

    def shown_choices(self) -> list[str]:
        """Multiple-choice options in display order, labelled A, B, C… by position."""
        opts = list(self.choices)
        self._rng().shuffle(opts)
        return opts

    def shown_items(self) -> list[str]:
        """Attribution item ids in display order (numbered 1, 2, 3…)."""
        items = list(self.items)
        self._rng().shuffle(items)
        return items

    def shown_events(self) -> list[str]:
        """Chronology event ids in a scrambled display order (labelled A, B, C…), never the right one."""
        events = list(self.events)
        rng = self._rng()
        for _ in range(20):
            rng.shuffle(events)
            if events != list(self.events) or len(events) < 2:
                break
        return events

    def expected(self):
        """The correct answer in the form a student writes it in the graded notebook."""
        if self.kind == "attribution":
            return {n: item(i).speaker for n, i in enumerate(self.shown_items(), 1)}
        if self.kind == "multiple_choice":
            return LETTERS[self.shown_choices().index(self.answer)]
        if self.kind == "numeric":
            return self.answer
        if self.kind == "chronology":
            shown = self.shown_events()
            return [LETTERS[shown.index(e)] for e in self.events]
        if self.kind == "chart":
            return self.spec
        return None


def _records(pattern: str) -> list[dict]:
    out = []
    for path in sorted(HERE.glob(pattern)):
        for rec in load_yaml(path) or []:
            rec = dict(rec)
            rec["_file"] = path.name
            out.append(rec)
    return out


@lru_cache(maxsize=None)
def quotes() -> list[Quote]:
    """Every quotation of the bank (course/content/quotes/*.yaml)."""
    return [Quote(id=r["id"], text=str(r["text"]).strip(), speaker=r["speaker"], date=str(r.get("date", "")),
                  occasion=r.get("occasion", ""), chapter=int(r["chapter"]), section=r.get("section") or "",
                  secondhand=bool(r.get("secondhand")), tags=tuple(r.get("tags") or ()), note=r.get("note") or "")
            for r in _records("quotes/*.yaml")]


@lru_cache(maxsize=None)
def positions() -> list[Position]:
    """Stances in our own words (course/content/positions*.yaml)."""
    return [Position(id=r["id"], holder=r["holder"], text=str(r["text"]).strip(), chapter=int(r["chapter"]),
                     section=r.get("section") or "") for r in _records("positions*.yaml")]


@lru_cache(maxsize=None)
def _items() -> dict:
    return {x.id: x for x in [*quotes(), *positions()]}


def item(item_id: str) -> Quote | Position:
    try:
        return _items()[item_id]
    except KeyError:
        raise KeyError(f"No quote or position {item_id!r} in the bank") from None


def _question(r: dict) -> Question:
    return Question(id=r["id"], kind=r["kind"], unit=r.get("unit", ""), points=float(r.get("points", 1)),
                    prompt=str(r.get("prompt", "")).strip(), explanation=str(r.get("explanation", "")).strip(),
                    citation=dict(r.get("citation") or {}), choices=list(r.get("choices") or []),
                    answer=r.get("answer"), tolerance=float(r.get("tolerance") or 0), units=r.get("units") or "",
                    items=list(r.get("items") or []), events=list(r.get("events") or []),
                    dataset=r.get("dataset") or "", spec=dict(r.get("spec") or {}),
                    words=list(r.get("words") or []), rubric=list(r.get("rubric") or []))


@lru_cache(maxsize=None)
def all_questions() -> list[Question]:
    return [_question(r) for r in _records("questions/*.yaml")]


def get(question_id: str) -> Question:
    for q in all_questions():
        if q.id == question_id:
            return q
    raise KeyError(f"No question {question_id!r} in the bank (course/content/questions/)")


# -- validation ------------------------------------------------------------------------------------------
def problems_of(records: list[dict], items: dict, timeline_ids: set[str] | None) -> list[str]:
    """Schema problems of question records (empty when all is well)."""
    out, seen = [], set()
    for r in records:
        qid = r.get("id", "?")
        where = f"{r.get('_file', '')}:{qid}"
        if qid in seen:
            out.append(f"{where}: duplicate id")
        seen.add(qid)
        kind = r.get("kind")
        if kind not in KINDS:
            out.append(f"{where}: unknown kind {kind!r}")
            continue
        for key in ("unit", "points", "prompt", "explanation", "citation"):
            if not r.get(key) and r.get(key) != 0:
                out.append(f"{where}: missing {key}")
        cit = r.get("citation") or {}
        if not isinstance(cit, dict) or not isinstance(cit.get("chapter"), int) or not 0 <= cit["chapter"] <= 22:
            out.append(f"{where}: citation needs a chapter 0-22")
        if any(not isinstance(c, str) for c in r.get("choices") or []):
            out.append(f"{where}: every choice must be plain text (quote a choice that contains a colon)")
        if kind == "multiple_choice":
            if len(r.get("choices") or []) < 2:
                out.append(f"{where}: needs at least 2 choices")
            elif r.get("answer") not in r["choices"]:
                out.append(f"{where}: answer is not among the choices")
        if kind == "numeric" and not isinstance(r.get("answer"), (int, float)):
            out.append(f"{where}: numeric answer must be a number")
        if kind == "attribution":
            if not r.get("items") or not r.get("choices"):
                out.append(f"{where}: needs items and choices")
            for i in r.get("items") or []:
                if i not in items:
                    out.append(f"{where}: item {i!r} is not in the quote or position bank")
                elif items[i].speaker not in (r.get("choices") or []):
                    out.append(f"{where}: the speaker of {i!r} ({items[i].speaker}) is not among the choices")
        if kind == "chronology":
            ev = r.get("events") or []
            if len(ev) < 3:
                out.append(f"{where}: needs at least 3 events")
            if timeline_ids is not None:
                out += [f"{where}: event {e!r} is not in the timeline dataset" for e in ev if e not in timeline_ids]
        if kind == "chart" and (not r.get("dataset") or not (r.get("spec") or {}).get("mark")):
            out.append(f"{where}: needs a dataset and a spec with a mark")
        if kind == "short_answer" and not r.get("rubric"):
            out.append(f"{where}: needs a rubric")
    return out


def validate_bank() -> list[str]:
    """Problems in the real bank files: questions, quotes, positions (empty when fine)."""
    out = []
    seen = set()
    for x in [*quotes(), *positions()]:
        if x.id in seen:
            out.append(f"duplicate quote/position id {x.id}")
        seen.add(x.id)
        if not 0 <= x.chapter <= 22:
            out.append(f"{x.id}: chapter {x.chapter} is not in the book")
    for q in quotes():
        if len(q.text.split()) > 50:
            out.append(f"{q.id}: quotation longer than 50 words")
    try:
        from . import data

        timeline = set(data.load("timeline")["id"])
    except Exception:  # no timeline dataset: chronology events cannot be checked here
        timeline = None
    return out + problems_of(_records("questions/*.yaml"), _items(), timeline)
