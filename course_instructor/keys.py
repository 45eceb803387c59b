"""A course directory's keys: ``keys/<assignment>.json``, one record per graded question.

The keys are instructor data: they are never written into a notebook a student's kernel runs (the
source notebook's solution cells are replaced by the student's answers at grading), and the grader's
own process reads them (``course_instructor.autograde``). ``course build`` writes them from the graded
bank; ``course variant`` writes a class's own. Files are written byte for byte the same from the same data.
"""
from __future__ import annotations

import json
from pathlib import Path

from course.answers import answer_var
from course.questions import Question
from course.scoring import LETTERS

FOLDER = "keys"


def key_record(q: Question) -> dict:
    """Everything grading and feedback need of one question, as plain data."""
    rec = {"id": q.id, "kind": q.kind, "points": q.points, "skill": q.skill, "explanation": q.explanation,
           "citation": q.citation_text, "variable": answer_var(q.id)}
    if q.kind == "short_answer":
        lo, hi = (q.words + [350, 600])[:2]
        rec.update(words=[lo, hi], rubric=q.rubric, anchor=q.anchor, prompt=q.text)
        return rec
    rec["key"] = q.expected()
    if q.kind == "numeric":
        rec.update(tolerance=q.tolerance, units=q.units)
    if q.kind == "multiple_choice":
        rec.update(n=len(q.choices), options=q.shown_choices())
    if q.kind == "attribution":
        rec.update(n=len(q.items), choices=list(q.choices),
                   items=[{"n": n, "speaker": (x := q.item(i)).speaker, "date": getattr(x, "date", ""),
                           "occasion": getattr(x, "occasion", ""), "chapter": x.chapter}
                          for n, i in enumerate(q.shown_items(), 1)])
    if q.kind == "chronology":
        from course.data import load

        tl = load("timeline").set_index("id")
        shown = q.shown_events()
        rec.update(n=len(q.events), events=[{"letter": LETTERS[shown.index(e)], "event": str(tl.loc[e, "event"]),
                                             "date": str(tl.loc[e, "date"])[:10]} for e in q.events])
    return rec


def write_keys(assignment: str, questions: list[Question], root: Path) -> Path:
    """Write ``<root>/keys/<assignment>.json`` for ``questions`` (graded items, in notebook order)."""
    path = Path(root) / FOLDER / f"{assignment}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"assignment": assignment, "questions": {q.id: key_record(q) for q in questions}}
    path.write_text(json.dumps(body, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def load_keys(root: Path, assignment: str) -> dict[str, dict]:
    """The key records of ``assignment`` by question id (empty when the course directory has none)."""
    path = Path(root) / FOLDER / f"{assignment}.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))["questions"]
