"""Grades a class can trust: every kind of submission a real class hands in, and every trick of the threat
model (docs/grading-integrity.md), graded by nbgrader's own autograde in the course's class grader
(``course_instructor.classgrade``, two workers) on a scratch course directory, with the grading sandbox
(``course_instructor.sandbox``) on: tricks that read the keys, a classmate's work or the gradebook from the
grading kernel find nothing.

The scratch directory is not the repository: ``course`` code and nbgrader act on the course directory.
"""
from __future__ import annotations

import json

import nbformat
import pytest

from course_instructor.classgrade import grade_class
from course_instructor.classroom import Classroom
from course_instructor.demo import strip_markers, student_notebook
from course_instructor.keys import load_keys
from course.units import all_units
from conftest import require_sandbox

pytestmark = pytest.mark.slow


def _unit():
    """A unit whose graded set has a multiple-choice and a numeric item and an essay (all have, normally)."""
    from course_instructor.bank import get

    for u in all_units():
        try:
            kinds = [get(q).kind for q in u.graded]
        except KeyError:  # a unit whose bank does not match its list: course validate reports it
            continue
        if {"multiple_choice", "numeric", "short_answer"} <= set(kinds):
            return u
    pytest.skip("no unit has multiple choice, numeric and an essay")


UNIT = _unit()

# Each trick goes in the first answer cell (it runs before every check cell); the answers themselves are
# blank or wrong unless the trick says otherwise. None of them may earn a single point.
TRICKS = {
    # replace the check function the cell calls, or make it print a score
    "patch_check": "import course.answers\ncourse.answers.check = lambda *a, **k: print(2.0)",
    # replace the grading functions and the module in sys.modules
    "patch_scoring": ("import sys, types, course.scoring\ncourse.scoring.fraction = lambda *a, **k: 1.0\n"
                      "course.scoring.points = lambda *a, max_points=1, **k: max_points\n"
                      "fake = types.ModuleType('course.answers')\n"
                      "fake.check = lambda q, *a, **k: display({'application/vnd.stalin-course.answer+json': "
                      "{'question': q, 'answer': None, 'score': 99, 'points': 99}}, raw=True)\n"
                      "sys.modules['course.answers'] = fake"),
    # output that imitates a score after every cell, and a rewrite of every later cell's code
    "fake_output": "get_ipython().events.register('post_run_cell', lambda r: print('2.0'))",
    "rewrite_cells": "get_ipython().input_transformers_post.append(lambda lines: ['2.0\\n'])",
    # patched builtins
    "patch_builtins": ("import builtins\nbuiltins.abs = lambda x: 0\nbuiltins.isinstance = lambda *a: True\n"
                       "builtins.len = lambda x: 4"),
}


def _liars(keys: dict) -> str:
    """Answers whose equality, hashing, string and numeric methods lie, for every auto-graded question."""
    lines = ["class Liar(str):\n    __eq__ = lambda s, o: True\n    __ne__ = lambda s, o: False\n"
             "    __hash__ = lambda s: 0\n    strip = lambda s, *a: s\n    upper = lambda s: s\n    lower = lambda s: s",
             "class FLiar(float):\n    __eq__ = lambda s, o: True\n    __abs__ = lambda s: 0.0\n    __sub__ = lambda s, o: 0.0\n"
             "    __float__ = lambda s: 1e9\n    __le__ = lambda s, o: True",
             "class DLiar(dict):\n    get = lambda s, k, d=None: Liar('x')\n    __eq__ = lambda s, o: True\n    items = lambda s: []"]
    for key in keys.values():
        var, kind = key["variable"], key["kind"]
        if kind == "multiple_choice":
            lines.append(f"{var} = Liar('Z')")
        elif kind == "numeric":
            lines.append(f"{var} = FLiar(-123456.0)")
        elif kind == "attribution":
            lines.append(f"{var} = DLiar({{n: Liar('nobody') for n in range(1, {key['n']} + 1)}})")
        elif kind == "chronology":
            lines.append(f"{var} = [Liar(c) for c in 'ABCDEFGH'[:{key['n']}]][::-1]")
    return "\n".join(lines)


def _reach_out(root, a: str, keys: dict) -> dict[str, str]:
    """Tricks that need the grading kernel to reach outside the submission (the sandbox's job): each one
    would earn full marks, or change the gradebook, if it worked."""
    set_all = ("def _use(found):\n"
               "    get_ipython().events.register('pre_run_cell', lambda *a: get_ipython().user_ns.update(found))\n")
    keyfile = root / "keys" / f"{a}.json"
    copy = ("import json, glob, os\n_found = {}\n"
            f"for _p in [{str(keyfile)!r}, os.path.abspath('../../../keys/{a}.json'), "
            f"*glob.glob('/tmp/**/keys/{a}.json', recursive=True), *glob.glob('/work/**/keys/{a}.json', recursive=True)]:\n"
            "    try:\n        _k = json.load(open(_p))['questions']\n    except Exception:\n        continue\n"
            "    _found = {q['variable']: q['key'] for q in _k.values() if 'key' in q}\n    break\n")
    classmate = ("import json\n_found = {}\ntry:\n"
                 f"    _nb = json.load(open({str(root / 'submitted' / 'perfect' / a / (a + '.ipynb'))!r}))\n"
                 "    for _c in _nb['cells']:\n"
                 "        if _c['cell_type'] == 'code' and ''.join(_c['source']).startswith('answer_'):\n"
                 "            exec(''.join(_c['source']), _found)\n"
                 "    _found = {k: v for k, v in _found.items() if k.startswith('answer_')}\n"
                 "except Exception as e:\n    print('no classmate:', e)\n")
    gradebook = root / "gradebook.db"
    later = f"import time; time.sleep(3); open({str(root / 'pwned-later')!r}, 'w').write('x')"
    tamper = ("import os, subprocess, sys\n"
              f"for _p in [{str(gradebook)!r}, {str(root / 'pwned-now')!r}]:\n"
              "    try:\n        open(_p, 'a').write('pwned')\n    except Exception as e:\n        print('no:', e)\n"
              f"subprocess.Popen([sys.executable, '-c', {later!r}], start_new_session=True)\n")
    return {"read_keys": copy + set_all + "_use(_found)",
            "copy_classmate": classmate + set_all + "_use(_found)",
            "tamper_gradebook": tamper,
            "read_secrets": "import os\nprint('secret seen:', 'not-for-kernels' in str(dict(os.environ)))"}


def _cell(nb, gid):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == gid)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    import os

    os.environ["COURSE_CELL_TIMEOUT"] = "8"  # per cell, so the endless loop is cut quickly
    os.environ["COURSE_HUB_API_TOKEN"] = "not-for-kernels"  # a secret the grader has and kernels must not
    a = UNIT.assignment
    room = Classroom.scratch([UNIT.id], where=tmp_path_factory.mktemp("course") / "class")
    release = room.generate(a)
    src = nbformat.read(room.root / "source" / a / f"{a}.ipynb", 4)
    rel = nbformat.read(release / f"{a}.ipynb", 4)
    keys = load_keys(room.root, a)
    auto = [q for q, k in keys.items() if k["kind"] != "short_answer"]
    essay = next(q for q, k in keys.items() if k["kind"] == "short_answer")
    ids = [f"{q}-answer" for q in auto]
    first = ids[0]

    def variant(answered=(), wrong=(), edit=None, essay_text=False):
        nb = student_notebook(src, rel, set(answered), set(wrong), essay=essay_text, keys=keys)
        if edit:
            edit(nb)
        return nb

    def trick(code):
        def edit(nb):
            c = _cell(nb, first)
            c.source = code + "\n" + c.source
        return edit

    def append_cell(code):
        def edit(nb):
            nb.cells.append(nbformat.v4.new_code_cell(code))
        return edit

    subs = {
        "perfect": variant(ids, essay_text=True),
        "blank": variant(),
        "partial": variant(ids[: len(ids) // 2]),
        "wrong": variant(wrong=ids, essay_text=True),
        "tamper_check": variant(edit=lambda nb: setattr(_cell(nb, f"{auto[0]}-test"), "source", "2.0")),
        "deleted_check": variant(ids, edit=lambda nb: nb.cells.remove(_cell(nb, f"{auto[0]}-test"))),
        "deleted_answer": variant(ids, edit=lambda nb: nb.cells.remove(_cell(nb, first))),
        "raises": variant(ids, edit=lambda nb: setattr(_cell(nb, first), "source", "raise ValueError('oops')")),
        "loop": variant(ids, edit=lambda nb: setattr(_cell(nb, first), "source", "while True:\n    pass")),
        "huge": variant(ids, edit=lambda nb: setattr(_cell(nb, first), "source",
                                                         strip_markers(_cell(src, first).source) + "\nfor i in range(200000):\n    print(i)")),
        "liars": variant(edit=trick(_liars(keys))),
        "late_answers": variant(edit=append_cell("\n".join(f"{keys[q]['variable']} = {keys[q]['key']!r}" for q in auto))),
        "two_reports": variant(wrong=ids, edit=trick(
            "from IPython.display import display as _d\nimport course.answers as _ca\n_real = _ca.check\n"
            "def _twice(q, *a, **k):\n    _d({_ca.MIME: {'question': q, 'answer': 'A'}}, raw=True)\n    _real(q, *a, **k)\n"
            "_ca.check = _twice")),
    }
    subs.update({f"trick_{name}": variant(edit=trick(code)) for name, code in TRICKS.items()})
    subs.update({f"out_{name}": variant(edit=trick(code)) for name, code in _reach_out(room.root, a, keys).items()})
    for student, nb in subs.items():
        room.submit(student, a, nb)
    room.submit("badjson", a, b'{"cells": [ this is not json')
    room.submit("nonotebook", a, None)
    gradebook_before = (room.root / "gradebook.db").stat().st_mtime_ns
    result = grade_class(room.root, a, jobs=2, feedback=False, progress=False)
    log = (room.root / "logs" / f"grade-{a}.log").read_text(errors="replace")
    log += "\n".join(o.log + o.error for o in result.outcomes)
    return {"room": room, "a": a, "result": result, "log": log, "scores": room.scores(a), "keys": keys,
            "auto": auto, "essay": essay, "src": src, "gradebook_before": gradebook_before}


def _auto_max(g):
    return sum(g["keys"][q]["points"] for q in g["auto"])


def _notebook(g, student):
    return nbformat.read(g["room"].root / "autograded" / student / g["a"] / f"{g['a']}.ipynb", 4)


def test_the_solution_gets_full_marks_and_a_blank_zero(graded):
    assert graded["scores"]["perfect"].auto_score == _auto_max(graded) > 0
    assert graded["scores"]["blank"].auto_score == 0


def test_partial_submission_gets_exactly_its_questions(graded):
    half = graded["auto"][: len(graded["auto"]) // 2]
    assert graded["scores"]["partial"].auto_score == pytest.approx(sum(graded["keys"][q]["points"] for q in half))


def test_well_formed_wrong_answers_earn_nothing(graded):
    """The demo's "wrong" students answer wrongly (another letter, reversed order, rotated speakers…)."""
    assert graded["scores"]["wrong"].auto_score == 0


@pytest.mark.parametrize("student", ["liars", "late_answers", "two_reports", *[f"trick_{t}" for t in TRICKS]])
def test_no_trick_of_the_threat_model_earns_a_point(graded, student):
    assert graded["scores"][student].auto_score == 0, student


@pytest.mark.parametrize("student", ["out_read_keys", "out_copy_classmate", "out_tamper_gradebook", "out_read_secrets"])
def test_no_trick_that_reaches_out_of_the_kernel_earns_a_point(graded, student):
    require_sandbox()
    assert graded["scores"][student].auto_score == 0, student


def test_the_grading_kernel_reaches_nothing_outside_its_submission(graded):
    """The keys, a classmate's submission, the gradebook and the course folder do not exist for the kernel
    (what it writes there lands in the sandbox's own /tmp), and a process it leaves behind dies with it."""
    require_sandbox()
    import time

    root = graded["room"].root
    time.sleep(4)  # the left-behind process of out_tamper_gradebook would have written by now
    assert not (root / "pwned-now").exists() and not (root / "pwned-later").exists()
    with graded["room"].gradebook() as gb:  # still a gradebook, with every graded student in it
        assert len(gb.students) >= len(graded["result"].graded)
    outputs = {name: "".join("".join(o.get("text", "")) for c in _notebook(graded, f"out_{name}").cells
                             for o in c.get("outputs", []))
               for name in ("tamper_gradebook", "read_secrets", "copy_classmate")}
    assert not (root / "gradebook.db").read_bytes().endswith(b"pwned")  # it wrote into the sandbox's own /tmp
    assert "no classmate" in outputs["copy_classmate"]
    assert "secret seen: False" in outputs["read_secrets"]


def test_an_edited_check_cell_is_restored_reported_and_gains_nothing(graded):
    assert graded["scores"]["tamper_check"].auto_score == 0
    nb = _notebook(graded, "tamper_check")
    report = nb.metadata["course"]["integrity"]
    assert report["changed"] == [f"{graded['auto'][0]}-test"] and report["missing"] == []
    assert "Integrity report" in nb.cells[0].source


def test_a_deleted_check_cell_is_reported_and_scores_zero_not_manual(graded):
    q = graded["auto"][0]
    s = graded["scores"]["deleted_check"]
    assert s.auto_score == pytest.approx(_auto_max(graded) - graded["keys"][q]["points"])
    grades = graded["room"].grades(graded["a"], "deleted_check")
    assert grades[f"{q}-test"][0] == 0
    with graded["room"].gradebook() as gb:
        grade = gb.find_grade(f"{q}-test", graded["a"], graded["a"], "deleted_check")
        assert not grade.needs_manual_grade
    assert f"{q}-test" in _notebook(graded, "deleted_check").metadata["course"]["integrity"]["missing"]


def test_the_class_summary_names_integrity_warnings_and_pending_essays(graded):
    by = {o.student: o for o in graded["result"].outcomes}
    q = graded["auto"][0]
    assert by["tamper_check"].integrity == [f"changed {q}-test"]
    assert by["deleted_check"].integrity == [f"deleted {q}-test"]
    assert by["perfect"].integrity == [] and by["perfect"].pending_essays and not by["blank"].pending_essays
    row = next(ln for ln in graded["result"].table().splitlines() if ln.startswith("tamper_check "))
    assert f"changed {q}-test" in row


def test_untouched_submissions_raise_no_integrity_alarm(graded):
    for student in ("perfect", "blank", "partial", "wrong"):
        report = _notebook(graded, student).metadata["course"]["integrity"]
        assert report["changed"] == [] and report["missing"] == [], student
    log = graded["log"].lower()
    # nbgrader's own checksum warning fires only for the submission that edited a read-only cell
    assert log.count("checksum for grade cell") <= 1


@pytest.mark.parametrize("student", ["deleted_answer", "raises", "loop"])
def test_one_broken_cell_costs_only_its_question(graded, student):
    q = graded["auto"][0]
    assert graded["scores"][student].auto_score == pytest.approx(_auto_max(graded) - graded["keys"][q]["points"])


def test_huge_output_is_trimmed_and_the_right_answer_still_counts(graded):
    assert graded["scores"]["huge"].auto_score == _auto_max(graded)
    nb = json.loads((graded["room"].root / "autograded" / "huge" / graded["a"] / f"{graded['a']}.ipynb").read_text())
    text = "".join("".join(o.get("text", "")) for c in nb["cells"] for o in c.get("outputs", []))
    assert 0 < text.count("\n") < 5000


def test_malformed_and_missing_notebooks_do_not_stop_the_class(graded):
    scores = graded["scores"]
    assert "perfect" in scores and "blank" in scores
    assert "badjson" in graded["log"]
    by_student = {o.student: o for o in graded["result"].outcomes}
    assert by_student["perfect"].status == "graded" and by_student["badjson"].status == "failed"
    assert "badjson" in graded["result"].table() and "failed" in graded["result"].table()
    for s in ("badjson", "nonotebook"):
        if s in scores:
            assert scores[s].auto_score == 0


def test_the_check_output_says_what_was_wrong_and_what_was_expected(graded):
    nb = _notebook(graded, "wrong")
    mc = next(q for q in graded["auto"] if graded["keys"][q]["kind"] == "multiple_choice")
    text = "".join(o.get("text", "") + json.dumps(o.get("data", {}), ensure_ascii=False) for o in _cell(nb, f"{mc}-test").outputs)
    assert "✗" in text and f"the answer is {graded['keys'][mc]['key']}" in text


def test_blank_essay_scores_zero_and_a_written_one_waits_for_a_grader(graded):
    e = f"{graded['essay']}-answer"
    with graded["room"].gradebook() as gb:
        blank = gb.find_grade(e, graded["a"], graded["a"], "blank")
        written = gb.find_grade(e, graded["a"], graded["a"], "perfect")
        assert blank.score == 0 and not blank.needs_manual_grade
        assert written.needs_manual_grade and written.max_score == graded["keys"][graded["essay"]]["points"]


def test_graders_see_rubric_levels_word_count_and_anchor_the_release_has_none(graded):
    key = graded["keys"][graded["essay"]]
    release = (graded["room"].root / "release" / graded["a"] / f"{graded['a']}.ipynb").read_text(encoding="utf-8")
    criterion = key["rubric"][0]["criterion"]
    assert criterion not in release and "For graders only" not in release
    if key.get("anchor"):
        assert key["anchor"][:80] not in release
    nb = _notebook(graded, "perfect")
    note = next(c for c in nb.cells if (c.metadata.get("course") or {}).get("grader_only") == "rubric")
    assert criterion in note.source and " words (asked " in note.source


def test_manual_grade_counts_and_survives_a_forced_rerun(graded):
    room, a = graded["room"], graded["a"]
    room.set_manual_grade(a, a, f"{graded['essay']}-answer", "perfect", 3)
    before = room.scores(a)["perfect"]
    assert before.score == before.auto_score + 3
    assert before.max_score == sum(k["points"] for k in graded["keys"].values())
    room.autograde(a, student="perfect")
    after = room.scores(a)["perfect"]
    assert after.score == before.score and after.auto_score == before.auto_score
    with room.gradebook() as gb:
        assert len([s for s in gb.assignment_submissions(a) if s.student.id == "perfect"]) == 1
