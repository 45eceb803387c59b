"""Self-check widgets that teach, driven through their Python API with real practice items.

A wrong try gets a hint (the reading; for attribution and chronology, which items are wrong) and never the
explanation or the right answer; those come once the answer is right or after MAX_TRIES tries. Essays show
the criteria only after a real attempt; charts list each requirement ✓/✗ and never a model answer; the
graded notebooks' AnswerHelper holds no key.
"""
from __future__ import annotations

import dataclasses
import html
import re

import altair as alt
import ipywidgets as w
import pytest

from course import scoring
from course.questions import LETTERS, Question, all_questions
from course.widgets import answer_helper, from_spec, self_check
from course.widgets.selfcheck import MAX_TRIES, PLACEHOLDER, AnswerHelper, ChartCheck, SelfCheck

AUTO = ("attribution", "multiple_choice", "numeric", "chronology")


def _first(kind: str) -> Question:
    q = next((q for q in all_questions() if q.kind == kind), None)
    if q is None:
        pytest.skip(f"no {kind} item in the practice bank")
    return q


def _kinds_present(kinds) -> list[str]:
    present = {q.kind for q in all_questions()}
    return [k for k in kinds if k in present]


def _widgets(root: w.Widget):
    yield root
    for child in getattr(root, "children", ()):
        yield from _widgets(child)


def _text(wdg: w.Widget) -> str:
    """Everything the widget shows as HTML, as text (tags removed, entities unescaped)."""
    raw = " ".join(x.value for x in _widgets(wdg) if isinstance(x, w.HTML))
    return html.unescape(re.sub(r"<[^>]+>", " ", raw)).replace("  ", " ")


def _set_wrong(wdg: SelfCheck) -> None:
    q, exp = wdg.q, wdg.q.expected()
    if q.kind == "attribution":  # statements 1 and 2 wrong, the rest right
        for n, dd in enumerate(wdg.choices, 1):
            dd.value = exp[n] if n > 2 else next(c for c in q.choices if c != exp[n])
    elif q.kind == "multiple_choice":
        wdg.choices[0].value = next(v for v in wdg.choices[0].options if v != exp)
    elif q.kind == "numeric":
        wdg.choices[0].value = float(q.answer) + q.tolerance + 1000
    elif q.kind == "chronology":
        wdg.order = list(q.shown_events())  # scrambled: never the right order
        wdg._render_rows()


def _set_right(wdg: SelfCheck) -> None:
    q, exp = wdg.q, wdg.q.expected()
    if q.kind == "attribution":
        for n, dd in enumerate(wdg.choices, 1):
            dd.value = exp[n]
    elif q.kind in ("multiple_choice", "numeric"):
        wdg.choices[0].value = float(exp) if q.kind == "numeric" else exp
    elif q.kind == "chronology":
        for target, e in enumerate(q.events):  # ▲ buttons only, as a keyboard user would
            i = wdg.order.index(e)
            while i > target:
                wdg.rows_box.children[i].children[0].click()
                i -= 1


def _answer_shown(wdg: SelfCheck) -> list[str]:
    """Ways the right answer would show in the widget's HTML."""
    q, exp = wdg.q, wdg.q.expected()
    if q.kind == "attribution":
        return ["The speakers", "you chose", *(f"{n}. ✗" for n in exp), *(f"{n}. ✓" for n in exp)]
    if q.kind == "multiple_choice":
        return [str(q.answer), "The answer"]
    if q.kind == "numeric":
        return ["The answer", "accepted:", f"{float(q.answer):,}".rstrip("0").rstrip(".")]
    return ["The order", ", ".join(exp)]


def _explanation(q: Question) -> str:
    return q.explanation[:60]


@pytest.mark.parametrize("kind", _kinds_present(AUTO))
def test_wrong_try_gets_a_hint_not_the_answer(kind):
    q = _first(kind)
    wdg = self_check(q.id)
    _set_wrong(wdg)
    answer = wdg.answer()
    wdg.check_button.click()
    shown = _text(wdg)
    assert wdg.attempts == 1
    assert _explanation(q) not in shown
    for leak in _answer_shown(wdg):
        assert leak not in shown, f"{q.id}: {leak!r} shown after one wrong try"
    assert "Hint" in shown and q.citation_text in shown
    if q.citation.get("section"):
        assert q.citation["section"] in shown, "the hint names the section to reread"
    frac = scoring.fraction(kind, answer, q.expected(), tolerance=q.tolerance, choices=q.choices or None)
    assert frac < 1 and wdg.score == round(q.points * frac, 2)
    assert f"Score: {wdg.score:g} / {q.points:g} (attempt 1)" in shown
    if kind == "attribution":
        assert "Statements 1 and 2 are not right yet" in shown
    if kind == "chronology":
        got, want = answer, q.expected()
        wrong = [a for a, e in zip(got, want) if a != e]
        assert all(f" {a}" in shown.split("not in")[0] for a in wrong), "names the misplaced events"
        assert "not in" in shown
    if kind == "numeric":
        assert "not within the accepted range" in shown
    if kind == "multiple_choice":
        assert "not quite" in shown


@pytest.mark.parametrize("kind", _kinds_present(AUTO))
def test_explanation_after_max_tries(kind):
    q = _first(kind)
    wdg = self_check(q.id)
    _set_wrong(wdg)
    for n in range(1, MAX_TRIES):
        wdg.check()
        assert _explanation(q) not in _text(wdg), f"explanation shown after {n} wrong tries"
    wdg.check()
    shown = _text(wdg)
    assert wdg.attempts == MAX_TRIES == 3
    assert _explanation(q) in shown and "Where to read" in shown
    assert any(leak in shown for leak in _answer_shown(wdg)), "the right answer comes with the explanation"


@pytest.mark.parametrize("kind", _kinds_present(AUTO))
def test_right_answer_gets_full_score_and_explanation(kind):
    q = _first(kind)
    wdg = self_check(q.id)
    _set_right(wdg)
    assert wdg.check() == q.points
    shown = _text(wdg)
    assert "✓ right" in shown and f"Score: {q.points:g} / {q.points:g} (attempt 1)" in shown
    assert _explanation(q) in shown
    wdg.reset_button.click()
    assert wdg.attempts == 0 and wdg.feedback.value == "" and "role='status'" in wdg.score_label.value


def test_incomplete_answer_is_not_a_try():
    q = _first("attribution")
    wdg = self_check(q.id)
    wdg.choices[0].value = q.choices[0]
    wdg.check()
    assert wdg.attempts == 0 and "Choose a speaker for statements 2" in _text(wdg)
    assert all(dd.value == PLACEHOLDER for dd in wdg.choices[1:])


# -- the question's text appears once -----------------------------------------------------------------------
@pytest.mark.parametrize("kind", _kinds_present((*AUTO, "short_answer")))
def test_notebook_widget_shows_controls_only_and_explore_widget_shows_the_prompt(kind):
    q = _first(kind)
    bare = _text(self_check(q.id))
    assert q.text[:60] not in bare
    full = _text(SelfCheck(q, show_prompt=True))
    words = html.unescape(q.text).replace("`", " ").split()[:8]
    assert " ".join(words).replace(" ,", ",") in " ".join(full.split()).replace(" ,", ","), "the question's text is shown"
    assert "`" not in full, "backticks are shown as code, not literally"
    spec_kind = {"attribution": "quote_matcher", "chronology": "timeline"}.get(kind, "quiz")
    explore = " ".join(_text(from_spec({"kind": spec_kind, "question": q.id})).split()).replace(" ,", ",")
    assert " ".join(words).replace(" ,", ",") in explore
    if kind == "attribution":
        wdg = self_check(q.id)
        assert [dd.description for dd in wdg.choices] == [f"Statement {n}" for n in range(1, len(q.items) + 1)]
        assert not any(q.item(i).text[:30] in bare for i in q.items), "statements are in the markdown cell"
        assert any(q.item(i).text[:30] in html.unescape(full) for i in q.items)
    if kind == "multiple_choice":
        assert not any(c in bare for c in q.choices)


@pytest.mark.parametrize("kind", _kinds_present((*AUTO, "short_answer")))
def test_selfstudy_cells_are_the_text_then_the_widget(kind, monkeypatch):
    from nbformat.v4 import new_notebook

    from course import questions
    from course_instructor import nbcells
    from course_instructor.nbcells import body_markdown, cells_for

    monkeypatch.setattr(nbcells, "get", questions.get)  # practice items only: the graded bank is not needed
    q = _first(kind)
    cells = cells_for(q.id, "selfstudy")
    assert [c.cell_type for c in cells] == ["markdown", "code"]
    label = "essay" if kind == "short_answer" else q.id.split("-")[-1].upper()
    pts = int(q.points) if float(q.points).is_integer() else q.points
    assert cells[0].source.startswith(f"**Practice {label}** · {pts} point")
    assert body_markdown(q) in cells[0].source
    assert cells[1].source == f'course.widgets.self_check("{q.id}")'
    new_notebook(cells=cells)  # valid cells


# -- keyboard -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", _kinds_present((*AUTO, "short_answer")))
def test_every_control_is_labelled_and_has_a_tooltip(kind):
    q = _first(kind)
    for wdg in (self_check(q.id), SelfCheck(q, show_prompt=True)):
        for x in _widgets(wdg):
            if isinstance(x, (w.Button, w.Dropdown, w.RadioButtons, w.FloatText, w.Textarea)):
                assert x.description and x.tooltip, f"{type(x).__name__} without a label or tooltip"
            if isinstance(x, w.RadioButtons):
                assert list(x.options) == list(LETTERS[: len(q.choices)]), "radio labels stay the letters"
        assert not any(isinstance(x, (w.Play, w.Image)) for x in _widgets(wdg))


# -- essays -----------------------------------------------------------------------------------------------
def test_essay_criteria_only_after_a_real_attempt():
    q = dataclasses.replace(_first("short_answer"), anchor="SECRET ANCHOR ANSWER never shown")
    lo = (q.words + [150])[0]
    wdg = SelfCheck(q)
    wdg.choices[0].value = "Stalin wanted much faster industrialization."  # 5 words
    wdg.check_button.click()
    shown = _text(wdg)
    assert not any(str(r["criterion"])[:40] in shown for r in q.rubric)
    assert _explanation(q) not in shown
    assert f"at least {lo // 2} words" in shown and "5 words so far" in shown
    wdg.choices[0].value = " ".join(["word"] * (lo // 2))
    wdg.check_button.click()
    shown = _text(wdg)
    assert all(str(r["criterion"])[:40] in shown for r in q.rubric)
    assert "SECRET ANCHOR" not in shown


# -- charts -----------------------------------------------------------------------------------------------
SPEC = {"mark": "line",
        "encoding": {"x": {"field": "date", "type": "temporal"}, "y": {"field": "percent", "type": "quantitative"}},
        "data_columns": ["date", "percent"], "dataset": "collectivization"}


@pytest.fixture
def chart_q():
    present = [q for q in all_questions() if q.kind == "chart"]
    if present:
        return present[0]
    return Question(id="test-pchart", kind="chart", unit="test", points=2, prompt="Draw the collectivization curve.",
                    explanation="EXPLANATION: the line rises steeply in early 1930.",
                    citation={"chapter": 8, "section": "The Emergency and After"}, dataset="collectivization",
                    spec=SPEC)


def _chart(q, mark=None, **enc):
    from course import charts, data

    mark = mark or (q.spec["mark"][0] if isinstance(q.spec["mark"], list) else q.spec["mark"])
    cols = sorted({v["field"] for v in q.spec["encoding"].values()} | set(q.spec.get("data_columns") or []))
    rows = charts.records(data.load(q.dataset), cols)
    enc = enc or {ch: f"{v['field']}:{v.get('type', 'quantitative')[0].upper()}"
                  for ch, v in q.spec["encoding"].items()}
    return getattr(alt.Chart(alt.Data(values=rows)), f"mark_{mark}")().encode(**enc)


def test_chart_check_lists_failed_requirements_and_no_model_answer(chart_q):
    q = chart_q
    wdg = SelfCheck(q)
    wdg.reset()
    chs = list(q.spec["encoding"])
    wrong_mark = "bar" if "bar" not in str(q.spec["mark"]) else "point"
    wrong_type = "Q" if q.spec["encoding"][chs[0]].get("type") == "ordinal" else "O"
    res = wdg.check_chart(_chart(q, wrong_mark, **{chs[0]: f"{q.spec['encoding'][chs[0]]['field']}:{wrong_type}"}))
    assert isinstance(res, ChartCheck) and not isinstance(res, float) and not res.ok
    shown = _text(wdg)
    assert res.failed and all(f in shown for f in res.failed)
    assert any("mark" in f for f in res.failed)
    assert any(f.startswith(chs[0]) for f in res.failed), "the wrong encoding is named"
    assert "✗" in shown and "✓" in shown, "each requirement ✓ or ✗"
    assert _explanation(q) not in shown
    assert not any(f"mark_{m}" in shown for m in ("line", "bar", "point", "area")) and "encode(x" not in shown
    assert q.citation_text in shown
    assert "requirements met" in repr(res)
    view = res.view()
    assert isinstance(view, w.HBox) and isinstance(view.children[0], w.Output), "the chart beside the list"
    assert res.html in view.children[1].value
    wdg.reset()


def test_chart_check_without_a_chart_says_what_to_do(chart_q):
    wdg = SelfCheck(chart_q)
    wdg.reset()
    res = wdg.check_chart(None)
    shown = _text(wdg)
    assert not res.ok and res.score == 0 and wdg.attempts == 0
    assert "my_chart is still None" in shown and chart_q.dataset in shown
    assert _explanation(chart_q) not in shown and "mark_line" not in shown
    wdg.check_button.click()  # Check with no chart in the notebook: the same advice
    assert "my_chart is still None" in _text(wdg) and wdg.attempts == 0


def test_check_button_reads_my_chart_from_the_notebook(chart_q, monkeypatch):
    """The starter cell sets my_chart; pressing Check (no re-run of the widget cell) checks it."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    wdg = SelfCheck(chart_q)
    wdg.reset()
    shell.user_ns["my_chart"] = [1, 2, 3]
    wdg.check_button.click()
    assert "is a list, not an Altair chart" in _text(wdg) and wdg.attempts == 0
    shell.user_ns["my_chart"] = _chart(chart_q)
    wdg.check_button.click()
    assert wdg.attempts == 1 and wdg.score == chart_q.points
    shell.user_ns.pop("my_chart")
    wdg.reset()


def test_chart_right_and_tries_across_calls(chart_q):
    q = chart_q
    SelfCheck(q).reset()
    for n in range(1, MAX_TRIES + 1):  # the notebook makes a fresh widget per call: tries still count
        wdg = self_check(q.id) if q.id != "test-pchart" else SelfCheck(q)
        wdg.check_chart(_chart(q, "bar" if "bar" not in str(q.spec["mark"]) else "point"))
        assert (_explanation(q) in _text(wdg)) == (n == MAX_TRIES)
    wdg.reset()
    res = SelfCheck(q).check_chart(_chart(q))
    assert res.ok and res.score == q.points and _explanation(q) in res.html
    SelfCheck(q).reset()


# -- graded notebooks ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", _kinds_present(("attribution", "multiple_choice", "chronology")))
def test_answer_helper_knows_the_form_not_the_key(kind, monkeypatch):
    from course.answers import answer_var

    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    q = _first(kind)
    n = {"attribution": len(q.items), "multiple_choice": len(q.choices), "chronology": len(q.events)}[kind]
    helper = answer_helper(answer_var(q.id), kind, n=n, choices=list(q.choices) if kind == "attribution" else None)
    assert isinstance(helper, AnswerHelper)
    exp = q.expected()
    own = {k: v for k, v in vars(helper).items() if not k.startswith("_")}
    for name, value in own.items():
        assert not isinstance(value, Question), name
        assert value != exp and value != q.answer, f"{name} holds the key"
    assert not any(hasattr(helper, a) for a in ("q", "question", "key", "expected", "solution"))
    shown = _text(helper)
    assert _explanation(q) not in shown and (kind != "multiple_choice" or str(q.answer) not in shown)
    if kind == "multiple_choice":
        helper.controls[0].value = "B"
        assert helper.show() == f"{answer_var(q.id)} = 'B'"
        assert f"{answer_var(q.id)} = &#x27;B&#x27;" in helper.out.value
    for x in _widgets(helper):
        if isinstance(x, (w.Button, w.Dropdown, w.RadioButtons)):
            assert x.description and x.tooltip
