"""``course report --lms canvas|moodle``: the gradebook in the wide layout each LMS imports.

One row per student in the gradebook (with or without submissions), one column per assignment (those with
notebooks, in name order: book order). A score is nbgrader's total (autograded + manual) minus its late
penalty, floored at 0, as nbgrader's own CSV export computes it. An assignment whose manually graded
answers (essays) are not all graded is **blank**, never 0, and listed in a pending file beside the output
(``<out>-pending.csv``: student, assignment, status, the questions waiting); a missing submission is blank
(``--missing blank``, the default) or 0 (``--missing zero``) and listed there too.

Canvas, the gradebook import: header ``Student, ID, SIS User ID, SIS Login ID, Section`` then one column
per assignment, and a second row whose first cell is ``Points Possible`` carrying each assignment's
maximum. Canvas reads a header ``<title> (<number>)`` as its own assignment id and otherwise matches the
title, creating a new assignment for an unknown one; nbgrader has no Canvas ids, so columns carry the plain
assignment name. Students are matched by ``ID`` (Canvas user id, the roster's ``lms_user_id``), then SIS
User ID, then SIS Login ID (the hub username), then the name. Sources: Canvas LMS
``app/models/gradebook_importer.rb`` (instructure/canvas-lms: ``header?``, ``check_for_non_student_row``,
``process_pp``, ``process_student``) and ``Assignment.title_and_id``; "Import a CSV file into Carmen
grades", https://teaching.resources.osu.edu/toolsets/carmencanvas/guides/calculating-final-grades/import-csv-file-carmen-grades
(Student/ID/SIS User ID, SIS Login ID, Section and assignment columns).

Moodle, the grade import (CSV): an identifier column mapped on import ("Email address" to ``useremail``,
or "ID number" to ``useridnumber``), then one column per grade item, each mapped to an existing grade item
or a new one; an empty cell or ``-`` is "no grade". Moodle stops the whole import at a row whose user it
cannot find, so a student without an email is left out and listed in the pending file. Sources: MoodleDocs
"Grade import", https://docs.moodle.org/311/en/Grade_import and https://docs.moodle.org/27/en/Grade_import;
Moodle ``grade/import/csv/classes/load_data.php`` (moodle/moodle).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from .report import qid

LMS = ("canvas", "moodle")
MISSING = ("blank", "zero")
CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_HEADER = ["First name", "Last name", "ID number", "Email address"]


@dataclass
class Cell:
    status: str  # graded | pending | missing
    score: float | None = None
    waiting: list = field(default_factory=list)  # qids of answers not yet graded


@dataclass
class Table:
    assignments: list  # [(name, max score)]
    students: list     # [dict: id, first_name, last_name, email, lms_user_id]
    cells: dict        # (student id, assignment) -> Cell


def _cell(sub) -> Cell:
    if sub is None:
        return Cell("missing")
    waiting = sorted({qid(g.name) for nb in sub.notebooks for g in nb.grades if g.needs_manual_grade})
    if waiting:
        return Cell("pending", None, waiting)
    return Cell("graded", round(max(0.0, sub.score - (sub.late_submission_penalty or 0.0)), 2))


def gradebook_table(root: Path, assignments: list[str] | None = None) -> Table:
    """Every student and every assignment with notebooks, from the course's gradebook (``Classroom.db_url``)."""
    from .classroom import Classroom

    with Classroom(root).gradebook() as gb:
        chosen = [a for a in sorted(gb.assignments, key=lambda a: a.name)
                  if a.notebooks and (not assignments or a.name in assignments)]
        unknown = sorted(set(assignments or []) - {a.name for a in chosen})
        if unknown:
            raise SystemExit(f"course report: no assignment {', '.join(unknown)} with notebooks in the gradebook")
        students = [{"id": s.id, "first_name": s.first_name or "", "last_name": s.last_name or "",
                     "email": s.email or "", "lms_user_id": s.lms_user_id or ""}
                    for s in sorted(gb.students, key=lambda s: ((s.last_name or "").lower(), (s.first_name or "").lower(), s.id))]
        cells = {}
        for a in chosen:
            subs = {sub.student.id: sub for sub in gb.assignment_submissions(a.name)}
            for s in students:
                cells[(s["id"], a.name)] = _cell(subs.get(s["id"]))
        return Table([(a.name, a.max_score) for a in chosen], students, cells)


def _num(x: float) -> str:
    return f"{round(x, 2):g}"


def _value(cell: Cell, missing: str) -> str:
    if cell.status == "graded":
        return _num(cell.score)
    return "0" if cell.status == "missing" and missing == "zero" else ""


def _name(s: dict) -> str:
    return ", ".join(p for p in (s["last_name"], s["first_name"]) if p) or s["id"]


def canvas_rows(t: Table, missing: str = "blank") -> tuple[list[list[str]], list[dict]]:
    """(rows, students left out): the header, the Points Possible row, one row per student."""
    from .roster import hub_user_of

    rows = [CANVAS_HEADER + [a for a, _ in t.assignments],
            ["Points Possible", "", "", "", ""] + [_num(m) for _, m in t.assignments]]
    for s in t.students:
        rows.append([_name(s), s["lms_user_id"], "", hub_user_of(s["id"]), ""]
                    + [_value(t.cells[(s["id"], a)], missing) for a, _ in t.assignments])
    return rows, []


def moodle_rows(t: Table, missing: str = "blank") -> tuple[list[list[str]], list[dict]]:
    """(rows, students left out): the header and one row per student with an email address."""
    rows, left_out = [MOODLE_HEADER + [a for a, _ in t.assignments]], []
    for s in t.students:
        if not s["email"]:
            left_out.append(s)
            continue
        rows.append([s["first_name"], s["last_name"], s["lms_user_id"], s["email"]]
                    + [_value(t.cells[(s["id"], a)], missing) for a, _ in t.assignments])
    return rows, left_out


def pending_rows(t: Table, left_out: list[dict], lms: str) -> list[dict]:
    rows = [{"student": s, "assignment": a, "status": c.status, "questions": " ".join(c.waiting)}
            for (s, a), c in sorted(t.cells.items()) if c.status != "graded"]
    reason = "no email address: Moodle could not match this row" if lms == "moodle" else ""
    rows += [{"student": s["id"], "assignment": "", "status": "not exported", "questions": reason} for s in left_out]
    return rows


def _write(path: Path, rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def write_lms(root: Path, lms: str, out: Path, missing: str = "blank",
              assignments: list[str] | None = None) -> tuple[Path, Path, list[dict]]:
    """Write the LMS file and ``<out>-pending.csv``; (file, pending file, pending rows)."""
    if lms not in LMS or missing not in MISSING:
        raise ValueError(f"lms must be one of {LMS}, missing one of {MISSING}")
    t = gradebook_table(root, assignments)
    if not t.assignments or not t.students:
        raise SystemExit("course report: the gradebook has no students or no assignments with notebooks "
                         "(import a roster, generate and autograde first)")
    rows, left_out = (canvas_rows if lms == "canvas" else moodle_rows)(t, missing)
    pending = pending_rows(t, left_out, lms)
    pend_path = out.with_name(f"{out.stem}-pending.csv")
    keys = ["student", "assignment", "status", "questions"]
    _write(pend_path, [keys] + [[r[k] for k in keys] for r in pending])
    return _write(out, rows), pend_path, pending
