"""`course validate` fails, with a clear message, on deliberately broken material."""
from __future__ import annotations

import copy
import re

import nbformat
import pytest

from course_instructor import build
from course.units import unit as get_unit
from course_instructor.validate import release_leaks, rehearse_notebook

UNIT = get_unit("ch04")


def _answer_cells(nb):
    return [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"]


@pytest.mark.slow
def test_a_solution_that_fails_its_own_test_is_reported():
    nb = build.unit_notebook(UNIT, "source")
    cell = _answer_cells(nb)[0]
    var = cell.source.splitlines()[1].split("=")[0].strip()
    cell.source = f"### BEGIN SOLUTION\n{var} = None\n### END SOLUTION"
    rows = {r.check.split(": ", 1)[1]: r for r in rehearse_notebook(UNIT.assignment, nb, label="broken")}
    assert rows["generate_assignment"].ok and rows["blank release earns zero"].ok
    assert not rows["solution earns full marks"].ok
    assert "auto-graded points" in rows["solution earns full marks"].detail


def test_a_release_that_leaks_a_solution_is_reported():
    src = build.unit_notebook(UNIT, "source")
    release = copy.deepcopy(src)
    for c in _answer_cells(release):
        c.source = "# YOUR ANSWER HERE\nraise NotImplementedError()"
    for c in release.cells:  # what generate_assignment does to hidden tests and mark schemes
        c.source = re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", c.source, flags=re.S)
        c.source = re.sub(r"=== BEGIN MARK SCHEME ===.*?=== END MARK SCHEME ===", "", c.source, flags=re.S)
    assert release_leaks(src, release) == []
    leaky = copy.deepcopy(release)
    answer = _answer_cells(src)[0].source.splitlines()[1]
    _answer_cells(leaky)[0].source = answer
    leaks = release_leaks(src, leaky)
    assert leaks and answer[:20] in leaks[0]
    marker = copy.deepcopy(release)
    marker.cells[-1].source += "\n### BEGIN HIDDEN TESTS"
    assert any("marker" in p for p in release_leaks(src, marker))


def test_stale_and_missing_notebooks_are_reported(tmp_path):
    (tmp_path / "solutions").mkdir()
    build.write_notebooks([UNIT], root=tmp_path)
    problems = build.stale([UNIT], root=tmp_path)
    assert problems == [f"solutions/{UNIT.assignment}.ipynb: missing"]
    nb = build.unit_notebook(UNIT, "source")
    nbformat.write(nb, build.solution_path(UNIT, tmp_path))
    assert build.stale([UNIT], root=tmp_path) == []
    path = build.selfstudy_path(UNIT, tmp_path)
    edited = nbformat.read(path, 4)
    edited.cells[0].source += "\nan edit by hand"
    nbformat.write(edited, path)
    assert build.stale([UNIT], root=tmp_path) == [f"notebooks/{UNIT.assignment}.ipynb: stale (run `course build`)"]


def test_validate_command_exits_nonzero_on_failure(monkeypatch, capsys):
    from course_instructor import cli, validate

    monkeypatch.setattr(validate, "validate", lambda units, book=None, execute=True: [
        validate.Row("ok check", True), validate.Row("bad check", False, "what went wrong")])
    assert cli.main(["validate", "ch04"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "what went wrong" in out and "1 passed, 1 failed" in out
