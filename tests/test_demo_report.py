"""`course demo` and `course report` as an instructor runs them: the console script, a real nbgrader course
directory, a synthetic class of 20, autograde, feedback, and the gradebook report (CSV for the LMS, charts).
"""
from __future__ import annotations

import csv
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

COURSE = str(Path(sys.executable).with_name("course"))
UNIT = "ch01"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """Run `course demo ch01 --students 20` once; (course dir, stdout)."""
    where = tmp_path_factory.mktemp("demo") / "class"
    t0 = time.perf_counter()
    proc = subprocess.run([COURSE, "demo", UNIT, "--students", "20", "--dir", str(where)],
                          capture_output=True, text=True, timeout=600)
    print(f"course demo, 20 students: {time.perf_counter() - t0:.0f} s")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return where, proc.stdout


def _table(stdout: str) -> list[dict]:
    rows = []
    for line in stdout.splitlines():
        m = re.match(r"(student\d+)\s+(\w+)\s+([\d.]+)\s+([\d.]+)/([\d.]+)\s+(pending|-)", line)
        if m:
            rows.append({"student": m[1], "profile": m[2], "auto": float(m[3]), "total": float(m[4]),
                         "max": float(m[5]), "pending": m[6] == "pending"})
    return rows


def _auto_max() -> float:
    from course_instructor.bank import get
    from course.units import unit

    return sum(get(q).points for q in unit(UNIT).graded if get(q).kind != "short_answer")


def test_demo_grades_a_class_of_twenty_with_a_spread(demo):
    _, out = demo
    rows = _table(out)
    assert len(rows) == 20, out
    auto_max = _auto_max()
    by = {}
    for r in rows:
        by.setdefault(r["profile"], []).append(r["auto"])
    assert set(by) >= {"perfect", "partial", "blank", "wrong"}
    assert all(a == pytest.approx(auto_max) for a in by["perfect"]), (by, auto_max)
    assert all(a == 0 for a in by["blank"])
    assert all(0 < a < auto_max for a in by["partial"])
    assert all(a == 0 for a in by["wrong"]), "the demo's wrong students really answer wrongly"
    # essays wait for a human; the blank student wrote none, so nothing is pending for them
    assert all(r["pending"] for r in rows if r["profile"] != "blank")


def test_demo_leaves_feedback_that_explains(demo):
    from course_instructor.bank import get
    from course.units import unit

    root, out = demo
    u = unit(UNIT)
    assert f"feedback: {root / 'feedback'}" in out
    pages = sorted((root / "feedback").glob(f"student*/{u.assignment}/{u.assignment}.html"))
    assert len(pages) == 20
    blank = (root / "feedback" / "student02" / u.assignment / f"{u.assignment}.html").read_text(encoding="utf-8")
    mc = next(get(q) for q in u.graded if get(q).kind == "multiple_choice")
    essay = next(get(q) for q in u.graded if get(q).kind == "short_answer")
    assert "Explanation" in blank and mc.explanation.split()[0] in blank
    for page in pages:  # no grader-only text reaches any student
        html = page.read_text(encoding="utf-8")
        assert "For graders only" not in html and essay.rubric[0]["criterion"] not in html
        assert essay.anchor[:60] not in html and "BEGIN HIDDEN TESTS" not in html and "BEGIN SOLUTION" not in html


def test_report_from_the_demo_gradebook(demo):
    from course.units import unit

    root, _ = demo
    a = unit(UNIT).assignment
    reports = root / "reports"
    with (reports / "grades.csv").open(encoding="utf-8") as f:
        grades = list(csv.DictReader(f))
    assert len(grades) == 20 and {g["assignment"] for g in grades} == {a}
    assert {"student", "score", "max_score", "auto_score", "manual_pending"} <= set(grades[0])
    blank = next(g for g in grades if g["student"] == "student02")
    assert float(blank["score"]) == 0
    with (reports / "questions.csv").open(encoding="utf-8") as f:
        qs = list(csv.DictReader(f))
    auto = [q for q in qs if q["question"].endswith("-test")]
    assert auto and all(0 <= float(q["difficulty"]) <= 1 and int(q["n"]) == 20 for q in auto)
    essay = next(q for q in qs if "essay" in q["question"])
    assert int(essay["pending"]) > 0 and int(essay["n"]) + int(essay["pending"]) == 20, essay
    # a question everybody but the perfect students missed is harder than the mean
    assert max(float(q["difficulty"]) for q in auto) > 0.3
    assert any(q["discrimination"] not in ("", None) for q in auto), "item analysis: discrimination per question"
    with (reports / "options.csv").open(encoding="utf-8") as f:
        options = list(csv.DictReader(f))
    mc = [o for o in options if o["assignment"] == a]
    assert mc and sum(int(o["chosen"]) for o in mc if o["key"] == "True") > 0
    assert any(int(o["chosen"]) > 0 for o in mc if o["key"] == "False"), "the wrong students chose distractors"
    for name in ("score-distribution", "hardest-questions", "item-analysis"):
        html = (reports / f"{name}.html").read_text(encoding="utf-8")
        assert "vegaEmbed" in html and "cdn.jsdelivr" not in html, "the HTML must open offline"
        assert (reports / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_command_writes_into_a_folder_of_choice(demo, tmp_path):
    root, _ = demo
    proc = subprocess.run([COURSE, "report", "--root", str(root), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (tmp_path / "out" / "grades.csv").exists() and "wrote" in proc.stdout


def test_report_without_grades_says_what_to_do(tmp_path):
    from course_instructor.classroom import Classroom

    room = Classroom.scratch([UNIT], where=tmp_path / "empty")
    proc = subprocess.run([COURSE, "report", "--root", str(room.root), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    assert "run autograde first" in (proc.stderr + proc.stdout)
