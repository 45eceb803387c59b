"""Questions as data (format: docs/content-format.md): the :class:`Question` model, the :class:`Bank` that
loads a set of questions with the quotations and positions they draw on, and the **practice** bank that
ships to students (``course/content/practice/``, ``quotes/``, ``positions-*.yaml``).

Graded items are another bank, in the instructor package (``course_instructor.bank``): the student
runtime never holds a graded key.

>>> q = get("ch04-p1"); q.kind, q.skill            # doctest: +SKIP
>>> [x.speaker for x in quotes()][:3]              # doctest: +SKIP
"""
from __future__ import annotations

import hashlib
import random
import string
from dataclasses import dataclass, field

from .content import HERE, load_yaml

KINDS = {"attribution", "multiple_choice", "numeric", "chronology", "chart", "short_answer"}
AUTO_KINDS = KINDS - {"short_answer"}
#: what a question exercises: recall/comprehension/data, and the historical-thinking skills of the Stanford
#: History Education Group's *Reading Like a Historian* (docs/content-format.md)
SKILLS = ("recall", "comprehension", "data", "sourcing", "contextualization", "corroboration", "close_reading",
          "causation", "continuity_change")
THINKING = {"sourcing", "contextualization", "corroboration", "close_reading"}
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
    skill: str = ""
    compute: dict = field(default_factory=dict)
    vary: str = ""
    anchor: str = ""
    bank: "Bank | None" = field(default=None, repr=False, compare=False)
    #: mixed into the display order (a class variant's, from its seed): "" keeps the public order
    salt: str = ""

    def item(self, item_id: str):
        """A quotation or position of this question's bank."""
        return (self.bank or PRACTICE).item(item_id)

    def rows(self) -> list[dict]:
        """The dataset rows a ``compute`` question reads (row 1, row 2, …), as plain dicts."""
        from .scoring import select_rows

        return select_rows(self.dataset, self.compute.get("rows") or []) if self.compute else []

    @property
    def text(self) -> str:
        """The prompt with ``{row1[col]}``-style placeholders filled from the selected rows."""
        if not self.compute or "{" not in self.prompt:
            return self.prompt
        rows = self.rows()
        return self.prompt.format(**{f"row{n}": r for n, r in enumerate(rows, 1)})

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
        key = self.id if not self.salt else f"{self.id}\0{self.salt}"
        return random.Random(int(hashlib.sha256(key.encode()).hexdigest()[:12], 16))

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
            return {n: self.item(i).speaker for n, i in enumerate(self.shown_items(), 1)}
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


def records(paths) -> list[dict]:
    """The YAML records of ``paths`` (lists of mappings), each with ``_file`` naming its file."""
    out = []
    for path in sorted(paths):
        for rec in load_yaml(path) or []:
            rec = dict(rec)
            rec["_file"] = path.name
            out.append(rec)
    return out


def _quote(r: dict) -> Quote:
    return Quote(id=r["id"], text=str(r["text"]).strip(), speaker=r["speaker"], date=str(r.get("date", "")),
                 occasion=r.get("occasion", ""), chapter=int(r["chapter"]), section=r.get("section") or "",
                 secondhand=bool(r.get("secondhand")), tags=tuple(r.get("tags") or ()), note=r.get("note") or "")


def _position(r: dict) -> Position:
    return Position(id=r["id"], holder=r["holder"], text=str(r["text"]).strip(), chapter=int(r["chapter"]),
                    section=r.get("section") or "")


def _question(r: dict, bank: "Bank | None" = None) -> Question:
    return Question(id=r["id"], kind=r["kind"], unit=r.get("unit", ""), points=float(r.get("points", 1)),
                    prompt=str(r.get("prompt", "")).strip(), explanation=str(r.get("explanation", "")).strip(),
                    citation=dict(r.get("citation") or {}), choices=list(r.get("choices") or []),
                    answer=r.get("answer"), tolerance=float(r.get("tolerance") or 0), units=r.get("units") or "",
                    items=list(r.get("items") or []), events=list(r.get("events") or []),
                    dataset=r.get("dataset") or "", spec=dict(r.get("spec") or {}),
                    words=list(r.get("words") or []), rubric=list(r.get("rubric") or []),
                    skill=r.get("skill") or "", compute=dict(r.get("compute") or {}), vary=r.get("vary") or "",
                    anchor=str(r.get("anchor") or "").strip(), bank=bank)


class Bank:
    """Questions with the quotations and positions their attribution items draw on.

    ``Bank("practice", questions=[...paths], quotes=[...], positions=[...])``; the practice bank is
    :data:`PRACTICE`, the graded one lives in ``course_instructor.bank``.
    """

    def __init__(self, name: str, questions, quotes, positions) -> None:
        self.name = name
        self._paths = {"questions": list(questions), "quotes": list(quotes), "positions": list(positions)}
        self._cache: dict = {}

    def records(self, what: str = "questions") -> list[dict]:
        return records(self._paths[what])

    def quotes(self) -> list[Quote]:
        if "quotes" not in self._cache:
            self._cache["quotes"] = [_quote(r) for r in self.records("quotes")]
        return self._cache["quotes"]

    def positions(self) -> list[Position]:
        if "positions" not in self._cache:
            self._cache["positions"] = [_position(r) for r in self.records("positions")]
        return self._cache["positions"]

    def items(self) -> dict:
        if "items" not in self._cache:
            self._cache["items"] = {x.id: x for x in [*self.quotes(), *self.positions()]}
        return self._cache["items"]

    def item(self, item_id: str) -> Quote | Position:
        try:
            return self.items()[item_id]
        except KeyError:
            raise KeyError(f"No quote or position {item_id!r} in the {self.name} pool") from None

    def questions(self) -> list[Question]:
        if "questions" not in self._cache:
            self._cache["questions"] = [_question(r, self) for r in self.records("questions")]
        return self._cache["questions"]

    def get(self, question_id: str) -> Question:
        for q in self.questions():
            if q.id == question_id:
                return q
        raise KeyError(f"No question {question_id!r} in the {self.name} bank")

    def __contains__(self, question_id: str) -> bool:
        return any(q.id == question_id for q in self.questions())

    def problems(self) -> list[str]:
        """Schema problems of this bank's questions, quotes and positions (empty when fine)."""
        out, seen = [], set()
        for x in [*self.quotes(), *self.positions()]:
            if x.id in seen:
                out.append(f"duplicate quote/position id {x.id}")
            seen.add(x.id)
            if not 0 <= x.chapter <= 22:
                out.append(f"{x.id}: chapter {x.chapter} is not in the book")
        out += [f"{q.id}: quotation longer than 50 words" for q in self.quotes() if len(q.text.split()) > 50]
        try:
            from . import data

            timeline = set(data.load("timeline")["id"])
        except Exception:  # no timeline dataset: chronology events cannot be checked here
            timeline = None
        return out + problems_of(self.records("questions"), self.items(), timeline)


PRACTICE = Bank("practice", questions=HERE.glob("practice/*.yaml"), quotes=HERE.glob("quotes/*.yaml"),
                positions=HERE.glob("positions*.yaml"))


def quotes() -> list[Quote]:
    """Every quotation of the practice pool (course/content/quotes/*.yaml)."""
    return PRACTICE.quotes()


def positions() -> list[Position]:
    """Stances in our own words, practice pool (course/content/positions*.yaml)."""
    return PRACTICE.positions()


def item(item_id: str) -> Quote | Position:
    return PRACTICE.item(item_id)


def all_questions() -> list[Question]:
    """The practice questions (the graded ones are in ``course_instructor.bank``)."""
    return PRACTICE.questions()


def get(question_id: str) -> Question:
    return PRACTICE.get(question_id)


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
    """Problems in the practice bank files: questions, quotes, positions (empty when fine)."""
    return PRACTICE.problems()
