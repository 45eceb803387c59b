"""Roster import from Canvas/Moodle and the wide grade files each LMS imports (``course roster import``,
``course report --lms``), on a small gradebook built with nbgrader's own Gradebook API (no autograde).

The layouts checked here follow the LMSs' documented import rules:

- Canvas gradebook import: Canvas LMS ``app/models/gradebook_importer.rb`` (instructure/canvas-lms): a
  header whose first cells are Student, ID, [SIS User ID, SIS Login ID,] Section; a row starting with
  "Points Possible" gives each assignment's maximum; a header ``<title> (<number>)`` names a Canvas
  assignment id (``Assignment.title_and_id``); and "Import a CSV file into Carmen grades",
  https://teaching.resources.osu.edu/toolsets/carmencanvas/guides/calculating-final-grades/import-csv-file-carmen-grades
- Moodle grade import: https://docs.moodle.org/311/en/Grade_import (map "Email address" to useremail or
  "ID number" to useridnumber; one column per grade item) and Moodle ``grade/import/csv/classes/load_data.php``
  (an empty cell or "-" is no grade; a row whose user is not found stops the whole import).
"""
from __future__ import annotations

import csv
import re
import shutil
import struct
from pathlib import Path

import pytest

from course_instructor import lms, report, roster
from course_instructor.classroom import Classroom, init_course_dir
from course_instructor.cli import main

# nbgrader's own add_submission trips SQLAlchemy's autoflush warnings; they are not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")

A1, A2, A3 = "p1-ch01-tsardoms-rise", "p2-ch04-second-revolution", "p2-ch05-not-released"

CANVAS = """Student,ID,SIS User ID,SIS Login ID,Section,Week 1 (101),Current Score,Final Score
    Points Possible,,,,,10.00,(read only),(read only)
,,,,,Muted,,
"Abel, Ann",2001,S1001,Ann,Stalin Morning,8.00,80.00,80.00
"Borg, Ben",2002,S1002,ben,Stalin Morning,,,
"Cole, Cal",2003,S1003,cal,Stalin Morning and Stalin Evening,,,
"Dahl, Dan",2004,S1004,dan,Stalin Evening,,,
"Student, Test",2999,,,Stalin Morning,,,
"""
MOODLE = ("\ufeffFirst name,Last name,ID number,Email address,Username,Groups\n"
          "Ann,Abel,1001,ann@example.edu,ann,Morning\n"
          "Eve,Ek,1005,Eve@Example.edu,eve,Morning\n")
CANVAS_USERS = ("canvas_user_id,user_id,integration_id,login_id,first_name,last_name,full_name,sortable_name,"
                "short_name,email,status\n2001,S1001,,ann,Ann,Abel,Ann Abel,\"Abel, Ann\",Ann,ann@example.edu,active\n")
HUB = "# who is who on the hub\nusername,course,role\ntucker,stalin-morning,instructor\nann,stalin-morning,student\nzed,stalin-morning,student\n"


@pytest.fixture(scope="module")
def blank_db(tmp_path_factory) -> Path:
    """An empty nbgrader gradebook, made once (creating one runs alembic) and copied per test."""
    root = init_course_dir(tmp_path_factory.mktemp("blank"))
    with Classroom(root).gradebook():
        pass
    return root / "gradebook.db"


@pytest.fixture
def course(tmp_path, blank_db, monkeypatch) -> Path:
    monkeypatch.delenv("COURSE_DB_URL", raising=False)
    monkeypatch.delenv("COURSE_HUB_ROSTER", raising=False)
    monkeypatch.delenv("COURSE_ID", raising=False)
    root = init_course_dir(tmp_path / "class")
    shutil.copy(blank_db, root / "gradebook.db")
    (root / "hub").mkdir()
    (root / "hub" / "roster.csv").write_text(HUB, encoding="utf-8")
    return root


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _students(root: Path) -> dict:
    with Classroom(root).gradebook() as gb:
        return {s.id: (s.first_name, s.last_name, s.email, s.lms_user_id) for s in gb.students}


def _hub(path: Path) -> list[dict]:
    """The hub roster as hub/jupyterhub_config.py reads it (comments skipped)."""
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]
    return list(csv.DictReader(lines))


# -- roster import --------------------------------------------------------------------------------------
def test_canvas_gradebook_export_imports_one_section(course, tmp_path):
    src = _file(tmp_path, "canvas.csv", CANVAS)
    hub = course / "hub" / "roster.csv"
    s = roster.import_roster(src, course, section="Stalin Morning", course="stalin-morning")
    assert s.layout == "canvas" and s.students == 3
    # Points Possible, the muted row, the Test Student and the evening section are not students
    assert _students(course) == {"ann": ("Ann", "Abel", None, "2001"), "ben": ("Ben", "Borg", None, "2002"),
                                 "cal": ("Cal", "Cole", None, "2003")}
    text = hub.read_text(encoding="utf-8")
    assert text.startswith(HUB), "the hub roster keeps its lines, comments and order"
    rows = _hub(hub)
    assert [r["username"] for r in rows if r["role"] == "student"] == ["ann", "zed", "ben", "cal"]
    assert {r["role"] for r in rows} <= {"instructor", "grader", "student"}
    assert s.hub_added == ["ben", "cal"] and s.not_in_lms == ["zed"]
    # a second import changes nothing in the hub roster and updates, not duplicates, the gradebook
    again = roster.import_roster(src, course, section="Stalin Morning", course="stalin-morning")
    assert again.added == [] and sorted(again.updated) == ["ann", "ben", "cal"] and again.hub_added == []
    assert hub.read_text(encoding="utf-8") == text


def test_moodle_export_on_tljh_and_canvas_users(course, tmp_path):
    hub = tmp_path / "new-hub" / "roster.csv"  # created with its header when absent, private to the hub
    s = roster.import_roster(_file(tmp_path, "moodle.csv", MOODLE), course, tljh=True, course="stalin-evening",
                             hub_roster=hub)
    assert s.layout == "moodle"
    got = _students(course)
    assert got["jupyter-ann"] == ("Ann", "Abel", "ann@example.edu", "1001")
    assert got["jupyter-eve"] == ("Eve", "Ek", "Eve@Example.edu", "1005"), "emails kept as written (Moodle matches them exactly)"
    assert [(r["username"], r["course"], r["role"]) for r in _hub(hub)] == [
        ("ann", "stalin-evening", "student"), ("eve", "stalin-evening", "student")]
    assert hub.stat().st_mode & 0o777 == 0o600
    assert roster.hub_user_of("jupyter-ann") == "ann" and roster.nbgrader_id("ann", tljh=True) == "jupyter-ann"
    layout, students = roster.read_roster(_file(tmp_path, "users.csv", CANVAS_USERS), "canvas")
    assert layout.name == "canvas-users"
    assert (students[0].hub_user, students[0].first_name, students[0].lms_user_id) == ("ann", "Ann", "2001")


@pytest.mark.parametrize("text, fmt, section, expected", [
    ("name,mail\nAnn,a@x\n", "auto", None,
     ["unknown roster layout", "columns found: name, mail", ("canvas (Canvas gradebook export): needs Student, ID, "
                                                            "SIS Login ID, Section"), "moodle (Moodle user export): needs Username, Email address"]),
    (CANVAS, "moodle", None, ["not a moodle roster: missing required columns", "missing Username, Email address"]),
    (CANVAS.replace("ben,Stalin", "ANN,Stalin").replace("2003,S1003", "2001,S1003"), "auto", None,
     ["duplicate login 'ann' (also on line 4)", "duplicate LMS id '2001'"]),
    (CANVAS.replace("ben,Stalin", ",Stalin"), "canvas", None, ["line 5: empty SIS Login ID"]),
    (MOODLE, "auto", "Morning", ["--section given, but the moodle layout has no section column"]),
    (CANVAS, "auto", "Stalin Night", ["no students in section 'Stalin Night'"]),
])
def test_bad_rosters_change_nothing(course, tmp_path, text, fmt, section, expected):
    hub = course / "hub" / "roster.csv"
    with pytest.raises(roster.RosterError) as err:
        roster.import_roster(_file(tmp_path, "bad.csv", text), course, fmt, section, course="stalin-morning")
    for part in expected:
        assert part in str(err.value), str(err.value)
    assert _students(course) == {} and hub.read_text(encoding="utf-8") == HUB


def test_a_database_error_undoes_the_import(course, tmp_path, monkeypatch):
    from nbgrader.api import Gradebook

    with Classroom(course).gradebook() as gb:
        gb.add_student("ann", first_name="Annette", email="old@example.edu")
    real, calls = Gradebook.update_or_create_student, []

    def flaky(self, student_id, **kw):
        calls.append(student_id)
        if len(calls) == 3:
            raise RuntimeError("database went away")
        return real(self, student_id, **kw)

    monkeypatch.setattr(Gradebook, "update_or_create_student", flaky)
    with pytest.raises(RuntimeError):
        roster.import_roster(_file(tmp_path, "c.csv", CANVAS), course, section="Stalin Morning", course="stalin-morning")
    monkeypatch.setattr(Gradebook, "update_or_create_student", real)
    assert _students(course) == {"ann": ("Annette", None, "old@example.edu", None)}
    assert (course / "hub" / "roster.csv").read_text(encoding="utf-8") == HUB


# -- a graded class ---------------------------------------------------------------------------------------
def _grade(gb, assignment, student, scores, penalty=0.0):
    """A submission with grades set as autograde / formgrader leave them: {grade id: score or None (pending)}."""
    sub = gb.add_submission(assignment, student)
    for nb in sub.notebooks:
        nb.late_submission_penalty = penalty or None
        for g in nb.grades:
            value = scores[g.name]
            g.needs_manual_grade = value is None
            if g.name.endswith("-essay-answer"):
                g.manual_score = value
            else:
                g.auto_score = value
    gb.db.commit()


@pytest.fixture
def graded(course) -> Path:
    with Classroom(course).gradebook() as gb:
        for name, cells in ((A1, {"ch01-q1-test": 2, "ch01-q2-test": 3, "ch01-essay-answer": 10}),
                            (A2, {"ch04-q5-test": 2, "ch04-essay-answer": 10})):
            gb.add_assignment(name)
            gb.add_notebook(name, name)
            for cell, points in cells.items():
                gb.add_grade_cell(cell, name, name, max_score=points,
                                  cell_type="markdown" if "essay" in cell else "code")
        gb.add_assignment(A3, duedate="2026-03-01 17:00:00")  # registered, not generated: no notebooks
        for sid, first, last, email, lms_id in (("ann", "Ann", "Abel", "ann@example.edu", "2001"),
                                                ("ben", "Ben", "Borg", "ben@example.edu", "2002"),
                                                ("cal", "Cal", "Cole", "cal@example.edu", "2003")):
            gb.add_student(sid, first_name=first, last_name=last, email=email, lms_user_id=lms_id)
        gb.add_student("jupyter-eve")  # created by nbgrader at collection on TLJH, never rostered
        _grade(gb, A1, "ann", {"ch01-q1-test": 2, "ch01-q2-test": 1.5, "ch01-essay-answer": 8})
        _grade(gb, A2, "ann", {"ch04-q5-test": 2, "ch04-essay-answer": 7}, penalty=1.0)
        _grade(gb, A1, "ben", {"ch01-q1-test": 2, "ch01-q2-test": 0, "ch01-essay-answer": None})
        _grade(gb, A1, "jupyter-eve", {"ch01-q1-test": 0, "ch01-q2-test": 3, "ch01-essay-answer": 0})
    return course


def _csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def assert_canvas_accepts(rows: list[list[str]]) -> None:
    """Canvas's own checks on an uploaded gradebook (GradebookImporter#header?, #check_for_non_student_row)."""
    h = rows[0]
    assert len(h) > 3 and re.search("Student", h[0]) and re.search("ID", h[1])
    assert re.search(r"SIS\s+User\s+ID", h[2]) and re.search(r"SIS\s+Login\s+ID", h[3])
    assert re.search("Section", h[4]), "the last student column must be Section"
    assert not [a for a in h[5:] if re.fullmatch(r"(.*)\s\((\d+)\)", a)], "no made-up Canvas assignment ids"
    assert not [a for a in h[5:] if re.search("Current Score|Final Score|Current Points|Final Grade", a)]
    assert re.search("Points Possible", rows[1][0]) and rows[1][1:5] == ["", "", "", ""]
    assert all(len(r) == len(h) for r in rows)


def test_canvas_export(graded, tmp_path):
    out = tmp_path / "canvas.csv"
    path, pend_path, pending = lms.write_lms(graded, "canvas", out)
    rows = _csv(path)
    assert_canvas_accepts(rows)
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", A1, A2], "no column for an unreleased assignment"
    assert rows[1] == ["Points Possible", "", "", "", "", "15", "12"]
    by = {r[3]: r for r in rows[2:]}
    assert len(rows) - 2 == 4 and set(by) == {"ann", "ben", "cal", "eve"}, "one row per student in the gradebook"
    assert by["ann"] == ["Abel, Ann", "2001", "", "ann", "", "11.5", "8"], "auto + manual, minus the late penalty"
    assert by["ben"][5:] == ["", ""], "a pending essay is blank, not 0; a missing submission is blank by default"
    assert by["cal"][5:] == ["", ""] and by["eve"][:2] == ["jupyter-eve", ""] and by["eve"][5] == "3"
    assert {(r["student"], r["assignment"], r["status"], r["questions"]) for r in pending} == {
        ("ben", A1, "pending", "ch01-essay"), ("ben", A2, "missing", ""), ("cal", A1, "missing", ""),
        ("cal", A2, "missing", ""), ("jupyter-eve", A2, "missing", "")}
    assert pend_path == tmp_path / "canvas-pending.csv" and len(_csv(pend_path)) == 1 + len(pending)
    zero = {r[3]: r for r in _csv(lms.write_lms(graded, "canvas", tmp_path / "z.csv", missing="zero")[0])[2:]}
    assert zero["ben"][5:] == ["", "0"] and zero["cal"][5:] == ["0", "0"], "--missing zero: 0, pending stays blank"


def test_moodle_export(graded, tmp_path):
    path, _, pending = lms.write_lms(graded, "moodle", tmp_path / "moodle.csv")
    rows = _csv(path)
    assert rows[0] == ["First name", "Last name", "ID number", "Email address", A1, A2]
    emails = [r[3] for r in rows[1:]]
    assert emails == ["ann@example.edu", "ben@example.edu", "cal@example.edu"]
    assert all(emails), "a row without its identifier would stop Moodle's whole import"
    assert rows[1][4:] == ["11.5", "8"] and rows[2][4:] == ["", ""]
    for r in rows[1:]:  # grade cells: a number or empty (no grade)
        assert all(v == "" or re.fullmatch(r"\d+(\.\d+)?", v) for v in r[4:])
    assert {"student": "jupyter-eve", "assignment": "", "status": "not exported",
            "questions": "no email address: Moodle could not match this row"} in pending


def test_cli_roster_import_and_lms_report(course, tmp_path, capsys):
    hub = course / "hub" / "roster.csv"
    assert main(["roster", "import", str(_file(tmp_path, "c.csv", CANVAS)), "--root", str(course),
                 "--section", "Stalin Evening", "--course", "stalin-evening"]) == 0
    assert "roster (canvas): 2 students" in capsys.readouterr().out
    assert ("dan", "stalin-evening", "student") in {(r["username"], r["course"], r["role"]) for r in _hub(hub)}
    with pytest.raises(SystemExit) as err:
        main(["roster", "import", str(_file(tmp_path, "m.csv", MOODLE)), "--root", str(course), "--format", "canvas"])
    assert "not a canvas roster" in str(err.value) and "Username" in str(err.value)


def test_cli_lms_report_prints_pending(graded, tmp_path, capsys):
    out = tmp_path / "reports" / "canvas-grades.csv"
    assert main(["report", "--lms", "canvas", "--root", str(graded), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out}" in printed and "pending (left blank until graded): 1" in printed
    assert re.search(r"pending\s+ben\s+p1-ch01-tsardoms-rise\s+ch01-essay", printed)


# -- course report --------------------------------------------------------------------------------------
def test_report_reads_the_gradebook_at_course_db_url(graded, tmp_path, monkeypatch, blank_db):
    elsewhere = init_course_dir(tmp_path / "elsewhere")  # a course directory without gradebook.db
    monkeypatch.setenv("COURSE_DB_URL", f"sqlite:///{graded / 'gradebook.db'}")
    grades, questions = report.collect(elsewhere)
    assert {(g["student"], g["assignment"]) for g in grades} >= {("ann", A1), ("ann", A2), ("ben", A1)}
    assert not (elsewhere / "gradebook.db").exists()
    assert {q["qid"] for q in questions} >= {"ch01-q1", "ch01-essay", "ch04-q5"}
    assert lms.gradebook_table(elsewhere).assignments == [(A1, 15.0), (A2, 12.0)]
    shutil.copy(blank_db, tmp_path / "empty.db")
    monkeypatch.setenv("COURSE_DB_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(SystemExit) as err:
        report.write_report(elsewhere, tmp_path / "out")
    assert f"sqlite:///{tmp_path / 'empty.db'}" in str(err.value) and "run autograde first" in str(err.value)


def test_report_charts_are_readable(graded, tmp_path):
    grades, questions = report.collect(graded)
    dist, hard, items = (c.to_dict() for c in report.charts(grades, questions))
    assert "facet" in dist and dist["facet"]["row"]["sort"] == [A1, A2], "one panel per assignment, book order"
    y = dist["spec"]["encoding"]["y"]
    assert y["axis"]["tickMinStep"] == 1 and y["axis"]["format"] == "d", "student counts are whole numbers"
    assert y["axis"]["values"] == [0, 1] and y["scale"]["domain"] == [0, 1], "no 0.5 tick when the tallest bar is 1"
    assert dist["spec"]["encoding"]["x"]["bin"] == {"step": 10, "extent": [0, 100]}
    assert "color" not in dist["spec"]["encoding"], "no colour per assignment (23 would not be told apart)"
    assert dist["spec"]["width"] >= 600 and hard["width"] >= 600 and items["width"] >= 600
    assert hard["encoding"]["y"]["field"] == "qid" and items["encoding"]["y"]["field"] == "qid"
    written = report.write_report(graded, tmp_path / "out", [A1])
    png = (tmp_path / "out" / "hardest-questions.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">I", png[16:20])[0] >= 1200, "scale factor 2"
    assert tmp_path / "out" / "score-distribution.html" in written


def test_grading_policy_plugin_from_the_docs():
    """The per-hour late penalty plugin shown in docs/grading-policy.md works as nbgrader calls it."""
    doc = (Path(__file__).resolve().parent.parent / "docs" / "grading-policy.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(# late\.py.*?)```", doc, re.DOTALL).group(1)
    ns: dict = {}
    exec(compile(code, "late.py", "exec"), ns)  # noqa: S102 (our own documentation's code)
    plugin = ns["PerHour"](points_per_hour=0.5)
    assert plugin.late_submission_penalty("ann", 10.0, 0) == 0
    assert plugin.late_submission_penalty("ann", 10.0, 1) == 0.5, "every started hour counts"
    assert plugin.late_submission_penalty("ann", 10.0, 3 * 3600 + 5) == 2.0
    assert "c.AssignLatePenalties.plugin_class" in doc and "nbgrader db assignment add" in doc
