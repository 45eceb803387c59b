"""`course validate` fails, with a clear message, on deliberately broken material."""
from __future__ import annotations

import copy
import re
from pathlib import Path

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
    var = cell.source.splitlines()[0].split("=")[0].strip()
    cell.source = f"{var} = None\n### BEGIN SOLUTION\n{var} = None\n### END SOLUTION"
    rows = {r.check.split(": ", 1)[1]: r for r in rehearse_notebook(UNIT.assignment, nb, label="broken",
                                                                     questions=build.graded_questions(UNIT))}
    assert rows["generate_assignment"].ok and rows["blank release earns zero"].ok
    assert not rows["solution earns full marks"].ok
    assert "auto-graded points" in rows["solution earns full marks"].detail


def test_a_release_that_leaks_a_solution_is_reported():
    src = build.unit_notebook(UNIT, "source")
    release = copy.deepcopy(src)
    for c in release.cells:  # what generate_assignment does to solution cells
        if c.metadata.get("nbgrader", {}).get("solution"):
            c.source = "# YOUR ANSWER HERE" if c.cell_type == "code" else "YOUR ANSWER HERE"
    for c in release.cells:  # what generate_assignment does to hidden tests and mark schemes
        c.source = re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", "", c.source, flags=re.S)
        c.source = re.sub(r"=== BEGIN MARK SCHEME ===.*?=== END MARK SCHEME ===", "", c.source, flags=re.S)
    assert release_leaks(src, release) == []
    leaky = copy.deepcopy(release)
    answer = _answer_cells(src)[0].source.splitlines()[2]
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

    monkeypatch.setattr(validate, "validate", lambda units, book=None, execute=True, root=None, **kw: [
        validate.Row("ok check", True), validate.Row("bad check", False, "what went wrong")])
    assert cli.main(["validate", "ch04"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "what went wrong" in out and "1 passed, 1 failed" in out


# -- the question banks as instruments (bankcheck) -------------------------------------------------------
def _mc(qid, key, others, skill="comprehension"):
    from course.questions import Question

    return Question(id=qid, kind="multiple_choice", unit="ch04", points=1, prompt=f"{qid}?", explanation="x",
                    citation={"chapter": 4}, choices=[key, *others], answer=key, skill=skill)


def test_a_bank_whose_key_is_the_longest_option_fails():
    from course_instructor.bankcheck import choice_problems

    long_keys = [_mc(f"ch04-q{n}", "a much longer and more specific right answer", ["short", "brief", "curt"])
                 for n in range(6)]
    problems = choice_problems(long_keys)
    assert any("longest option in 6 of 6" in p for p in problems)
    assert any("on average" in p for p in problems)
    balanced = [_mc(f"ch04-q{n}", "an answer of middling length", ["a distractor of about the same", "another of similar size here",
                                                                     "a third option, just as long"]) for n in range(6)]
    assert choice_problems(balanced) == []
    assert any("all/none" in p for p in choice_problems([_mc("ch04-q9", "x y z", ["All of the above", "p q", "r s"])]))


def test_a_recall_only_unit_and_a_recall_heavy_bank_fail(monkeypatch):
    from course_instructor import bankcheck

    recall = [_mc(f"ch04-q{n}", "answer number one", ["answer number two", "answer number six", "answer number ten"],
                  skill="recall") for n in range(4)]
    problems = bankcheck.unit_problems(UNIT, recall)
    assert any("sourcing/contextualization/corroboration/close reading" in p for p in problems)
    assert any("no graded essay" in p for p in problems)
    bad_skill = _mc("ch04-q7", "a", ["b", "c", "d"], skill="trivia")
    assert bankcheck.skill_problems([bad_skill]) and not bankcheck.skill_problems(recall)


def test_the_real_banks_pass_and_recall_is_at_most_thirty_percent():
    from course_instructor.bankcheck import check

    problems, counts = check()
    assert problems == []
    g = counts["graded"]
    assert g["skill"]["recall"] <= 0.3 * sum(g["skill"].values())


def test_a_numeric_item_must_agree_with_its_dataset():
    from dataclasses import replace

    from course_instructor.bank import GRADED
    from course_instructor.bankcheck import compute_problems

    q = next(q for q in GRADED.questions() if q.kind == "numeric")
    assert compute_problems([q], graded=True) == []
    assert "compute gives" in compute_problems([replace(q, answer=float(q.answer) + 1000)], graded=True)[0]
    assert "must read a dataset" in compute_problems([replace(q, compute={})], graded=True)[0]


# -- commands act on the course directory they run in ------------------------------------------------------
def test_build_writes_into_the_course_directory_it_runs_in_never_the_install(tmp_path, monkeypatch):
    from course_instructor import cli

    here = Path(__file__).resolve().parent.parent
    before = {p: p.stat().st_mtime_ns for p in (here / "keys").glob("*.json")}
    with pytest.raises(SystemExit, match="not a course directory"):
        cli.main(["build", "ch04", "--no-solutions", "--no-release", "--root", str(tmp_path / "nowhere")])
    assert cli.main(["init", str(tmp_path / "class")]) == 0
    monkeypatch.chdir(tmp_path / "class")
    assert cli.main(["build", "ch04", "--no-solutions", "--no-release"]) == 0
    assert (tmp_path / "class" / "source" / UNIT.assignment / f"{UNIT.assignment}.ipynb").exists()
    assert (tmp_path / "class" / "keys" / f"{UNIT.assignment}.json").exists()
    assert {p: p.stat().st_mtime_ns for p in (here / "keys").glob("*.json")} == before


def test_validate_fails_where_a_key_reaches_the_students_kernel(tmp_path):
    from course_instructor.validate import check_student_side

    build.write_notebooks([UNIT], root=tmp_path)
    assert all(r.ok for r in check_student_side([UNIT], tmp_path))
    path = build.source_path(UNIT, tmp_path)
    nb = nbformat.read(path, 4)
    check = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code")
    check.source += "\n### BEGIN HIDDEN TESTS\nassert answer == 'B'\n### END HIDDEN TESTS"
    nbformat.write(nb, path)
    rows = check_student_side([UNIT], tmp_path)
    assert not rows[0].ok and "carries a key or hidden test" in rows[0].detail


def test_claims_are_validated_and_a_bad_claim_fails(monkeypatch):
    """`course validate` checks the claims dataset: the real one passes, a bad status or no source fails."""
    from course.data import claims
    from course.units import all_units
    from course_instructor.validate import check_claims

    units = all_units()
    assert check_claims(units, None).ok
    bad = [dict(c) for c in claims.claims()]
    bad[0] = {**bad[0], "status": "probably", "sources": []}
    monkeypatch.setattr(claims, "claims", lambda unit=None: [c for c in bad if unit in (None, c["unit"])])
    monkeypatch.setattr(claims, "_entries", lambda: [("patched.yaml", c) for c in bad])
    row = check_claims(units, None)
    assert not row.ok and "probably" in row.detail


def test_changed_rehearses_only_units_whose_notebook_or_keys_changed(tmp_path, monkeypatch):
    """--changed: a unit whose instructor notebook and keys are as at its last passing rehearsal is skipped;
    a changed one (or one that failed last time) is rehearsed again. Progress says each unit."""
    from course.units import all_units
    from course_instructor import validate as v

    units = [u for u in all_units() if u.id in ("ch02", "ch10")]
    calls: list[str] = []
    outcome = {"ch02": True, "ch10": False}

    def fake(unit):
        calls.append(unit.id)
        return [v.Row(f"{unit.id}: solution earns full marks", outcome[unit.id])]

    monkeypatch.setattr(v, "rehearse", fake)
    lines: list[str] = []
    v.rehearse_all(units, jobs=1, root=tmp_path, progress=lines.append)
    assert calls == ["ch02", "ch10"] and any("ch10: FAIL" in x for x in lines)
    calls.clear()
    rows = v.rehearse_all(units, jobs=1, root=tmp_path, changed=True, progress=lines.append)
    assert calls == ["ch10"], "ch02 passed and is unchanged: skipped; ch10 failed: rehearsed again"
    assert any(r.check == "ch02: rehearsal" and "unchanged" in r.detail for r in rows)
    original = v.fingerprint
    monkeypatch.setattr(v, "fingerprint", lambda u: "edited" if u.id == "ch02" else original(u))  # ch02 edited
    calls.clear()
    v.rehearse_all(units, jobs=1, root=tmp_path, changed=True, progress=lines.append)
    assert calls == ["ch02", "ch10"], "the edited unit is rehearsed again"
