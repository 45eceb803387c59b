"""The class grader (``course grade``): workers, a hanging and a broken submission, progress, the summary.

A tiny assignment (one answer cell, one graded cell) keeps it fast; nbgrader, the course's configuration and
the grading sandbox are the real ones. The unit-sized class runs in tests/test_grading_integrity.py.
"""
from __future__ import annotations

import io
import os

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


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    room = Classroom.scratch(where=tmp_path_factory.mktemp("classgrade") / "class")
    nb = new_notebook(cells=[_meta(new_code_cell("x = 1"), "answer", solution=True),
                             _meta(new_code_cell("assert x == 1"), "check", grade=True, locked=True, points=1)])
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    path = room.root / "source" / "tiny" / "tiny.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    release = room.generate("tiny") / "tiny.ipynb"

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
