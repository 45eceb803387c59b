"""The class grader (``course grade``): workers, a hanging and a broken submission, progress, the summary.

A tiny assignment (one answer cell, one graded cell) keeps it fast; nbgrader, the course's configuration and
the grading sandbox are the real ones. The unit-sized class runs in tests/test_grading_integrity.py.
"""
from __future__ import annotations

import io
import os
from pathlib import Path

import nbformat
import psutil
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from course_instructor.classgrade import first_line, grade_class, gradebook_url
from course_instructor.classroom import Classroom

pytestmark = pytest.mark.slow


def _meta(cell, gid, **kw):
    cell.metadata["nbgrader"] = {"grade": False, "solution": False, "locked": False, "grade_id": gid,
                                 "schema_version": 3, **kw}
    return cell


def _tiny_assignment(room: Classroom) -> Path:
    """Source and release of ``tiny``: an answer cell (``x = …``) and a check worth 1 point; the release."""
    nb = new_notebook(cells=[_meta(new_code_cell("x = 1"), "answer", solution=True),
                             _meta(new_code_cell("assert x == 1"), "check", grade=True, locked=True, points=1)])
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    path = room.root / "source" / "tiny" / "tiny.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    return room.generate("tiny") / "tiny.ipynb"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    room = Classroom.scratch(where=tmp_path_factory.mktemp("classgrade") / "class")
    release = _tiny_assignment(room)

    def answer(code):
        sub = nbformat.read(release, 4)
        sub.cells[0].source = code
        return sub

    room.submit("ann", "tiny", answer("x = 1"), name="tiny")
    room.submit("ben", "tiny", answer("x = 2"), name="tiny")
    room.submit("cal", "tiny", answer("x = 1"), name="tiny")
    room.submit("hangs", "tiny", answer("import time\ntime.sleep(300)\nx = 1"), name="tiny")
    room.submit("broken", "tiny", b'{"cells": [ not json', name="tiny")
    os.environ["COURSE_CELL_TIMEOUT"] = "300"  # nbgrader's own cell limit out of the way: the class timeout cuts it
    progress = io.StringIO()
    try:
        result = grade_class(room.root, "tiny", jobs=2, timeout=12, stream=progress)
    finally:
        os.environ.pop("COURSE_CELL_TIMEOUT")
    return room, result, progress.getvalue()


def test_every_submission_is_graded_or_reported_and_none_blocks_the_others(tiny):
    room, result, _ = tiny
    by = {o.student: o for o in result.outcomes}
    assert [o.student for o in result.outcomes] == ["ann", "ben", "broken", "cal", "hangs"]
    assert {s: by[s].status for s in by} == {"ann": "graded", "ben": "graded", "cal": "graded", "broken": "failed",
                                             "hangs": "timed out"}
    assert (by["ann"].score, by["ben"].score, by["cal"].score) == (1, 0, 1)
    assert by["ann"].feedback == "written" and (room.root / "feedback" / "ann" / "tiny" / "tiny.html").is_file()
    assert not by["hangs"].feedback and not (room.root / "feedback" / "hangs").exists()
    assert "no result after 12 s" in by["hangs"].error


def test_the_stuck_worker_and_its_kernel_are_stopped(tiny):
    """Nothing of the hanging submission is left running: no kernel, no worker."""
    root = str(tiny[0].root)  # in the workers' command lines and the kernels' sandbox (--chdir <submission>)
    leftovers = [p for p in psutil.process_iter(["cmdline"]) if root in " ".join(p.info["cmdline"] or [])]
    assert not [p for p in leftovers if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def test_progress_has_a_line_per_submission_and_the_table_counts(tiny):
    _, result, progress = tiny
    lines = [ln for ln in progress.splitlines() if ln.startswith("autograde [")]
    assert len(lines) == 5 and lines[-1].split("]")[1].strip().startswith("5/5  2 failed")
    assert len([ln for ln in progress.splitlines() if ln.startswith("feedback")]) == 3
    table = result.table()
    assert "tiny: 3 of 5 graded, 2 failed or timed out" in table
    assert "timed out: no result after 12 s" in table
    assert "failed:" in table.splitlines()[4]  # broken's row names nbgrader's reason


def test_sqlite_gradebook_waits_for_the_lock_postgres_is_left_alone():
    assert gradebook_url("sqlite:////c/gradebook.db") == "sqlite:////c/gradebook.db?timeout=60"
    assert gradebook_url("sqlite:////c/g.db?mode=ro") == "sqlite:////c/g.db?mode=ro&timeout=60"
    assert gradebook_url("sqlite:////c/g.db?timeout=5") == "sqlite:////c/g.db?timeout=5"
    assert gradebook_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


def test_first_line_prefers_nbgrader_error_over_the_generic_exception():
    log = "[INFO] x\n[ERROR] There was an error processing assignment: boom\nTraceback...\nNbGraderException: see above"
    assert first_line(log) == "There was an error processing assignment: boom"
    assert first_line("Traceback\nValueError: bad") == "ValueError: bad"
    assert len(first_line("[ERROR] " + "y" * 200)) == 70


def test_a_class_graded_in_parallel_into_postgresql(tmp_path):
    """Two workers writing one PostgreSQL gradebook (nbgrader's ``db_url``; ``COURSE_DB_URL``): every score
    arrives, and no SQLite file appears in the course directory."""
    import pwd
    import shutil
    import tempfile

    from _postgres import Postgres, pg_bin

    ci = os.environ.get("CI", "").lower() == "true"
    why = ("PostgreSQL is not installed (apt install postgresql)" if pg_bin() is None else
           "needs root and Debian's postgres account (initdb refuses root)"
           if os.geteuid() != 0 or not _has_user("postgres") else None)
    if why:
        pytest.fail(f"CI=true but {why}") if ci else pytest.skip(why)
    base = Path(tempfile.mkdtemp(prefix="course-pg-"))
    os.chmod(base, 0o755)
    pg = Postgres(base / "pg", pwd.getpwnam("postgres"))
    try:
        pg.start(["gradebook"])
        os.environ["COURSE_DB_URL"] = pg.url("gradebook")
        room = Classroom.scratch(where=tmp_path / "class")
        release = _tiny_assignment(room)
        for student, x in (("ann", 1), ("ben", 2), ("cal", 1), ("dan", 1)):
            sub = nbformat.read(release, 4)
            sub.cells[0].source = f"x = {x}"
            room.submit(student, "tiny", sub, name="tiny")
        result = grade_class(room.root, "tiny", jobs=2, feedback=False, progress=False)
        assert [o.status for o in result.outcomes] == ["graded"] * 4, result.table()
        import psycopg

        with psycopg.connect(pg.url("gradebook").replace("postgresql+psycopg", "postgresql")) as conn:
            rows = dict(conn.execute(
                "SELECT s.student_id, sum(g.auto_score) FROM grade g JOIN submitted_notebook n ON g.notebook_id = n.id "
                "JOIN submitted_assignment s ON n.assignment_id = s.id GROUP BY s.student_id").fetchall())
        assert rows == {"ann": 1, "ben": 0, "cal": 1, "dan": 1}
        assert not (room.root / "gradebook.db").exists()
    finally:
        os.environ.pop("COURSE_DB_URL", None)
        pg.stop()
        shutil.rmtree(base, ignore_errors=True)


def _has_user(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def test_a_worker_that_cannot_start_fails_its_students_with_the_reason(tiny, monkeypatch):
    import course_instructor.classgrade as cg

    class Broken:
        def __init__(self, *a, **k):
            raise OSError("no python here")

    monkeypatch.setattr(cg, "Worker", Broken)
    room, _, _ = tiny
    result = grade_class(room.root, "tiny", students=["ann", "ben"], jobs=2, feedback=False, progress=False)
    assert [o.status for o in result.outcomes] == ["failed", "failed"]
    assert "the grading worker did not start (no python here)" in result.outcomes[0].error
    assert str(room.root / "logs" / "grade-tiny.log") in result.outcomes[0].error
