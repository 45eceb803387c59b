"""Feedback a student may read: real ``nbgrader autograde`` + ``generate_feedback`` of a scratch course.

One unit with a chart question and an essay; three submissions: the instructor's answers with an essay
(the essay then waits for a grader), a blank release, and one whose chart leaves out a required channel.
Every feedback page must teach (scores, explanations, the student's chart as an image, what the chart
missed) and leak nothing graders see (rubric, anchor answer, grader notes, solution markers), load nothing
from a CDN, and never show a pending essay as a zero.

Also here, fast: the ``course`` Altair renderer (spec + SVG) and the feedback template's configuration.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
VEGALITE = "application/vnd.vegalite.v5+json"
CDN_HOSTS = ("cdnjs", "cdn.jsdelivr", "unpkg")
PREFERRED_UNIT = "ch06"


# -- the scratch course (shared with test_formgrader_browser.py) ---------------------------------------------
def chart_unit():
    """A unit whose graded set has a chart question and an essay (ch06 if it qualifies)."""
    from course.units import all_units
    from course_instructor.bank import get

    found = []
    for u in all_units():
        try:
            kinds = {get(q).kind for q in u.graded}
        except KeyError:  # a unit whose bank does not match its list: course validate reports it
            continue
        if {"chart", "short_answer"} <= kinds:
            found.append(u)
    if not found:
        pytest.skip("no unit has both a chart question and an essay")
    return next((u for u in found if u.id == PREFERRED_UNIT), found[0])


def _shorthand(enc: dict) -> str:
    field = f"{enc['aggregate']}({enc['field']})" if enc.get("aggregate") else enc["field"]
    return f"{field}:{enc['type'][0].upper()}" if enc.get("type") else field


def wrong_chart(key: dict, dataset: str) -> tuple[str, dict]:
    """The right kind of chart with one required channel left out (colour, if asked): its answer code and
    its Vega-Lite spec (built here the same way, to learn which requirement the check names)."""
    import altair as alt

    from course import data

    spec = key["key"]
    mark = spec["mark"][0] if isinstance(spec["mark"], list) else spec["mark"]
    enc = spec["encoding"]
    dropped = "color" if "color" in enc else list(enc)[-1]
    kept = {ch: _shorthand(e) for ch, e in enc.items() if ch != dropped}
    args = ", ".join(f"{ch}={v!r}" for ch, v in kept.items())
    code = (f"import altair as alt\nimport course.data\n"
            f"{key['variable']} = alt.Chart(course.data.load({dataset!r})).mark_{mark}().encode({args})\n"
            f"{key['variable']}")
    chart = getattr(alt.Chart(data.load(dataset)), f"mark_{mark}")().encode(**kept)
    return code, chart.to_dict()


def make_round(where: Path, students=("solution", "blank", "wrongchart"), feedback: bool = True) -> dict:
    """generate_assignment, the submissions, autograde (and generate_feedback) in a scratch course."""
    from course_instructor.bank import get
    from course_instructor.classroom import Classroom
    from course_instructor.demo import answer_cells, student_notebook
    from course_instructor.keys import load_keys

    unit = chart_unit()
    a = unit.assignment
    room = Classroom.scratch([unit.id], where=where)
    release = room.generate(a)
    src = nbformat.read(room.root / "source" / a / f"{a}.ipynb", 4)
    rel = nbformat.read(release / f"{a}.ipynb", 4)
    keys = load_keys(room.root, a)
    chart_q = next(q for q, k in keys.items() if k["kind"] == "chart")
    essay_q = next(q for q, k in keys.items() if k["kind"] == "short_answer")
    code_ids = {g for g, i in answer_cells(src).items() if src.cells[i].cell_type == "code"}
    wrong_code, wrong_spec = wrong_chart(keys[chart_q], get(chart_q).dataset)

    subs = {}
    if "solution" in students:  # every answer right, an essay written: it waits for a grader
        subs["solution"] = student_notebook(src, rel, code_ids, set(), essay=True, keys=keys)
    if "blank" in students:  # the release as it was handed out
        subs["blank"] = student_notebook(src, rel, set(), set(), essay=False, keys=keys)
    if "wrongchart" in students:  # everything right but the chart, which misses a channel
        nb = student_notebook(src, rel, code_ids, set(), essay=True, keys=keys)
        nb.cells[answer_cells(nb)[f"{chart_q}-answer"]].source = wrong_code
        subs["wrongchart"] = nb
    for student, nb in subs.items():
        room.submit(student, a, nb)
    proc = room.autograde(a)
    if feedback:
        room.feedback(a)
    return {"room": room, "a": a, "unit": unit, "keys": keys, "chart_q": chart_q, "essay_q": essay_q,
            "wrong_spec": wrong_spec, "proc": proc, "students": list(subs)}


def autograded(r: dict, student: str):
    return nbformat.read(r["room"].root / "autograded" / student / r["a"] / f"{r['a']}.ipynb", 4)


# -- the real round ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def rnd(tmp_path_factory):
    pytest.importorskip("vl_convert")  # the grader's environment renders charts to SVG
    r = make_round(tmp_path_factory.mktemp("feedback") / "class")
    r["html"] = {}
    for s in r["students"]:
        path = r["room"].root / "feedback" / s / r["a"] / f"{r['a']}.html"
        assert path.exists(), f"no feedback for {s}:\n{r['proc'].stderr[-3000:]}"
        r["html"][s] = path.read_text(encoding="utf-8")
    return r


def _soup(text: str):
    from bs4 import BeautifulSoup

    return BeautifulSoup(text, "html.parser")


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", _soup(page).get_text(" "))


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


STUDENTS = ("solution", "blank", "wrongchart")


@pytest.mark.slow
@pytest.mark.parametrize("student", STUDENTS)
def test_feedback_leaks_nothing_graders_see(rnd, student):
    page, text = rnd["html"][student], _text(rnd["html"][student])
    essay = rnd["keys"][rnd["essay_q"]]
    assert "For graders only" not in text
    assert "Integrity report" not in text
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "MARK SCHEME", "HIDDEN TESTS"):
        assert marker not in page, marker
    for row in essay.get("rubric", []):
        assert _norm(row["criterion"]) not in text, f"rubric criterion in feedback: {row['criterion'][:60]}"
        for level in (row.get("levels") or {}).values():
            assert _norm(level) not in text, f"rubric level in feedback: {level[:60]}"
    anchor = essay.get("anchor") or ""
    assert anchor, "the essay has an anchor answer to keep out of feedback"
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", _norm(anchor)) if len(s) > 40]
    assert sentences
    for sentence in sentences:
        assert sentence not in text, f"anchor answer in feedback: {sentence[:60]}"


@pytest.mark.slow
@pytest.mark.parametrize("student", STUDENTS)
def test_feedback_loads_nothing_from_a_cdn(rnd, student):
    soup = _soup(rnd["html"][student])
    sources = [t.get("src", "") for t in soup.find_all("script")] + [t.get("href", "") for t in soup.find_all("link")]
    assert not [s for s in sources if any(h in s for h in CDN_HOSTS)], sources
    assert not [s for s in sources if s.startswith(("http:", "https:", "//"))], sources
    assert "MathJax.Hub" not in rnd["html"][student]


@pytest.mark.slow
@pytest.mark.parametrize("student", STUDENTS)
def test_every_chart_shows_as_an_svg_image(rnd, student):
    page = rnd["html"][student]
    assert "<VegaLite" not in _text(page) and "&lt;VegaLite" not in page
    nb = autograded(rnd, student)
    charts = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if VEGALITE in (o.get("data") or {})]
    assert charts, "the unit shows at least one chart"
    assert all("image/svg+xml" in o["data"] for o in charts), "a chart output without its SVG"
    images = [i for i in _soup(page).find_all("img") if i.get("src", "").startswith("data:image/svg+xml")]
    assert len(images) == len(charts), (len(images), len(charts))
    assert all(i.get("alt") and not i["alt"].startswith("No description") for i in images), "alt text"
    if student != "blank":  # the student's own chart, drawn by the grader under its check cell
        check = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == f"{rnd['chart_q']}-test")
        assert any("image/svg+xml" in (o.get("data") or {}) for o in check.outputs)


@pytest.mark.slow
def test_a_pending_essay_is_pending_never_zero(rnd):
    points = float(rnd["keys"][rnd["essay_q"]]["points"])
    auto = sum(float(k["points"]) for k in rnd["keys"].values() if k["kind"] != "short_answer")
    zero = re.compile(rf"\b0(\.0+)? / {points:g}(\.0+)?\b")
    for student in ("solution", "wrongchart"):
        text = _text(rnd["html"][student])
        assert "pending" in text
        assert f"Your essay ({points:g} points) is waiting for a grader" in text
        assert not zero.search(text), zero.search(text).group(0)
        header = re.search(r"\(Score: ([\d.]+) / ([\d.]+)\)", text)
        assert float(header.group(2)) == pytest.approx(auto), "the header total counts the pending essay"
    # the blank essay was scored 0 automatically: it is graded, not pending
    blank = _text(rnd["html"]["blank"])
    assert "waiting for a grader" not in blank
    assert float(re.search(r"\(Score: ([\d.]+) / ([\d.]+)\)", blank).group(2)) == pytest.approx(auto + points)


@pytest.mark.slow
def test_the_wrong_chart_names_what_it_missed(rnd):
    from course.chartcheck import check_chart

    result = check_chart(rnd["wrong_spec"], rnd["keys"][rnd["chart_q"]]["key"])
    assert not result.ok and result.problems and not result.wrong_mark
    text = _text(rnd["html"]["wrongchart"])
    for problem in result.problems:
        assert _norm(problem) in text, problem
    assert "colour" in " ".join(result.problems).lower() or "color" in " ".join(result.problems).lower()
    score, max_score = rnd["room"].grades(rnd["a"], "wrongchart")[f"{rnd['chart_q']}-test"]
    assert score < max_score
    assert "The chart meets every requirement" in _text(rnd["html"]["solution"])


@pytest.mark.slow
def test_each_question_is_explained_in_feedback(rnd):
    text = _text(rnd["html"]["solution"])
    for key in rnd["keys"].values():
        assert _norm(key["explanation"])[:80] in text, key["id"]


# -- fast: the renderer and the configuration ------------------------------------------------------------------
def test_course_renderer_gives_spec_text_and_svg():
    pytest.importorskip("vl_convert")
    from course import charts

    spec = charts.terror_chart().to_dict()
    bundle, _ = charts.course_renderer(spec)
    assert bundle[VEGALITE] == spec
    assert bundle["image/svg+xml"].lstrip().startswith("<svg")
    assert bundle["text/plain"] == charts.describe(spec)


def test_course_renderer_without_vl_convert_gives_the_spec_only(monkeypatch):
    from course import charts

    monkeypatch.setitem(sys.modules, "vl_convert", None)  # import fails, as in the student wheel
    spec = charts.terror_chart().to_dict()
    bundle, _ = charts.course_renderer(spec)
    assert set(bundle) == {VEGALITE, "text/plain"}


def test_unit_chart_enables_the_course_renderer():
    import altair as alt

    from course.units import unit

    u = chart_unit()
    before = alt.renderers.active
    try:
        unit(u.id).chart(0)
        assert alt.renderers.active == "course"
    finally:
        alt.renderers.enable(before)


def test_feedback_template_is_scoped_to_generate_feedback():
    """The course template must not replace the formgrader's own (`formgrade`) template: that happens when
    it is set as a plain HTMLExporter option, because nbgrader loads this file after choosing `formgrade`."""
    from traitlets.config.loader import PyFileConfigLoader

    cfg_file = ROOT / "course_instructor" / "templates" / "nbgrader_config.py"
    assert cfg_file.read_bytes() == (ROOT / "nbgrader_config.py").read_bytes()
    loader = PyFileConfigLoader(cfg_file.name, path=str(cfg_file.parent))
    cfg = loader.load_config()
    assert "template_name" not in cfg.HTMLExporter and "extra_template_basedirs" not in cfg.HTMLExporter
    scoped = cfg.GenerateFeedback.HTMLExporter
    assert scoped.template_name == "course_feedback"
    for base in scoped.extra_template_basedirs:
        assert Path(base).is_dir(), base
    assert any((Path(b) / "course_feedback" / "conf.json").is_file() for b in scoped.extra_template_basedirs)
    assert any((Path(b) / "feedback" / "index.html.j2").is_file() for b in scoped.extra_template_paths)
    mathjax = (ROOT / "course_instructor" / "templates" / "course_feedback" / "mathjax.html.j2").read_text()
    assert "<script" not in mathjax.split("#}")[-1]
