"""The bad-submission matrix: every kind of notebook a real class hands in, through real nbgrader runs.

One scratch course directory, one unit, one ``nbgrader autograde`` over the whole class; then a re-run
with ``--force`` must keep manual grades and create no duplicates.
"""
from __future__ import annotations

import json

import nbformat
import pytest

from course.classroom import Classroom
from course.demo import answer_cells, student_notebook
from course.questions import get
from course.units import all_units

pytestmark = pytest.mark.slow
UNIT = next((u for u in all_units() if u.id == "ch04"), None) or all_units()[0]


def _tests(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    import os

    os.environ["COURSE_CELL_TIMEOUT"] = "6"  # per cell, so the infinite loop is cut quickly
    a = UNIT.assignment
    room = Classroom.scratch([UNIT.id], where=tmp_path_factory.mktemp("course"))
    release = room.generate(a)
    src = nbformat.read(room.root / "source" / a / f"{a}.ipynb", 4)
    rel = nbformat.read(release / f"{a}.ipynb", 4)
    code_ids = [g for g, i in answer_cells(src).items() if src.cells[i].cell_type == "code"]
    first = code_ids[0]

    def variant(answered=(), edit=None):
        nb = student_notebook(src, rel, set(answered), set(), essay=False)
        if edit:
            edit(nb)
        return nb

    def cell(nb, gid):
        return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid)

    def tamper_test(nb):  # a student makes the first test cell always pass
        cell(nb, first.replace("-answer", "-test")).source = "pass"

    def delete_answer(nb):
        nb.cells.remove(cell(nb, first))

    def raises(nb):
        cell(nb, first).source = "raise ValueError('oops')"

    def loops(nb):
        cell(nb, first).source = "while True:\n    pass"

    def huge(nb):
        cell(nb, first).source = cell(nb, first).source + "\nfor i in range(200000):\n    print(i)"

    submissions = {
        "perfect": variant(code_ids),
        "blank": variant(),
        "partial": variant(code_ids[: len(code_ids) // 2]),
        "tamper": variant(edit=tamper_test),
        "deleted": variant(code_ids, edit=delete_answer),
        "raises": variant(code_ids, edit=raises),
        "loop": variant(code_ids, edit=loops),
        "huge": variant(code_ids, edit=huge),
    }
    for student, nb in submissions.items():
        room.submit(student, a, nb)
    room.submit("badjson", a, b'{"cells": [ this is not json')
    room.submit("nonotebook", a, None)
    proc = room.autograde(a)
    scores = room.scores(a)
    return {"room": room, "a": a, "proc": proc, "scores": scores, "src": src, "ids": code_ids,
            "points": {g: cell(src, g.replace("-answer", "-test")).metadata["nbgrader"]["points"] for g in code_ids}}


def _auto_max(g):
    return sum(g["points"].values())


def test_perfect_submission_gets_full_marks(graded):
    assert graded["scores"]["perfect"].auto_score == _auto_max(graded) > 0


def test_blank_submission_scores_zero_without_crashing(graded):
    assert graded["scores"]["blank"].auto_score == 0


def test_partial_submission_gets_exactly_its_questions(graded):
    half = graded["ids"][: len(graded["ids"]) // 2]
    assert graded["scores"]["partial"].auto_score == sum(graded["points"][g] for g in half)


def test_edited_read_only_test_cell_is_restored_and_flagged(graded):
    assert graded["scores"]["tamper"].auto_score == 0, "the original test graded the blank answer"
    log = graded["proc"].stdout + graded["proc"].stderr
    assert "checksum" in log.lower()


@pytest.mark.parametrize("student", ["deleted", "raises", "loop"])
def test_one_broken_cell_costs_only_its_question(graded, student):
    first = graded["ids"][0]
    expected = _auto_max(graded) - graded["points"][first]
    assert graded["scores"][student].auto_score == expected


def test_huge_output_is_trimmed_and_the_right_answer_still_counts(graded):
    room, a = graded["room"], graded["a"]
    assert graded["scores"]["huge"].auto_score == _auto_max(graded)
    nb = json.loads((room.root / "autograded" / "huge" / a / f"{a}.ipynb").read_text())
    text = "".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", []))
    assert 0 < text.count("\n") < 5000


def test_malformed_and_missing_notebooks_do_not_stop_the_class(graded):
    scores = graded["scores"]
    assert "perfect" in scores and "blank" in scores
    log = graded["proc"].stdout + graded["proc"].stderr
    assert "badjson" in log  # nbgrader names the student whose notebook it could not read
    if "badjson" in scores:
        assert scores["badjson"].auto_score == 0
    if "nonotebook" in scores:
        assert scores["nonotebook"].auto_score == 0


def test_manual_grade_counts_and_survives_a_forced_rerun(graded):
    room, a = graded["room"], graded["a"]
    essay = next(q for q in UNIT.graded if get(q).kind == "short_answer")
    room.set_manual_grade(a, a, f"{essay}-task", "perfect", 3)
    before = room.scores(a)["perfect"]
    assert before.score == before.auto_score + 3
    # the maximum is the bank's points, each question once (an essay counted as grade *and* task cell would
    # count twice)
    assert before.max_score == sum(get(q).points for q in UNIT.graded)
    room.autograde(a, student="perfect")
    after = room.scores(a)["perfect"]
    assert after.score == before.score and after.auto_score == before.auto_score
    with room.gradebook() as gb:
        subs = [s for s in gb.assignment_submissions(a) if s.student.id == "perfect"]
        assert len(subs) == 1


def test_feedback_explains_and_hides_the_hidden_tests(graded):
    room, a = graded["room"], graded["a"]
    room.feedback(a, student="blank")
    html = (room.root / "feedback" / "blank" / a / f"{a}.html").read_text()
    assert "Explanation" in html and "Where to read" in html
    assert "BEGIN HIDDEN TESTS" not in html and "course.grading.score" not in html
    q = get(graded["ids"][0].replace("-answer", ""))
    assert q.explanation.split()[0] in html


def test_grader_sees_the_essay_rubric_and_the_student_does_not(graded):
    """The notebook formgrader shows (autograded/) carries the essay's mark scheme; the release does not."""
    room, a = graded["room"], graded["a"]
    essay = get(next(q for q in UNIT.graded if get(q).kind == "short_answer"))
    criterion = essay.rubric[0]["criterion"]
    release = (room.root / "release" / a / f"{a}.ipynb").read_text(encoding="utf-8")
    assert "Rubric for graders" not in release and criterion not in release
    # "partial": no test gives it a manual grade ("perfect" gets one above, which clears needs_manual_grade)
    seen = nbformat.read(room.root / "autograded" / "partial" / a / f"{a}.ipynb", 4)
    task = next(c for c in seen.cells if c.metadata.get("nbgrader", {}).get("grade_id") == f"{essay.id}-task")
    assert task.metadata["nbgrader"].get("task") and "Rubric for graders" in task.source and criterion in task.source
    with room.gradebook() as gb:
        grade = gb.find_grade(f"{essay.id}-task", a, a, "partial")
        assert grade.needs_manual_grade and grade.max_score == essay.points
