"""The question bank: schema validation, the quote bank against the book, scoring, widgets, no spoilers."""
from __future__ import annotations

import json
import re

import pytest

from course import questions, scoring
from course.questions import problems_of


# -- schema -----------------------------------------------------------------------------------------------
def test_the_real_banks_validate():
    from course_instructor.bank import GRADED

    assert questions.validate_bank() == [] and GRADED.problems() == []


GOOD = {"id": "t-q1", "kind": "multiple_choice", "unit": "ch04", "points": 2, "prompt": "p", "explanation": "e",
        "citation": {"chapter": 4, "section": "The Shakhty Case"}, "choices": ["a", "b"], "answer": "a"}


@pytest.mark.parametrize("change,message", [
    ({"kind": "essay"}, "unknown kind"),
    ({"answer": "c"}, "not among the choices"),
    ({"citation": {"chapter": 23}}, "chapter 0-22"),
    ({"prompt": ""}, "missing prompt"),
    ({"kind": "attribution", "items": ["q-nobody-said-this"], "choices": ["Stalin"]}, "not in the quote"),
    ({"kind": "chronology", "events": ["no-such-event", "x", "y"]}, "not in the timeline"),
    ({"kind": "short_answer"}, "needs a rubric"),
    ({"choices": ["a", {"b": "c"}]}, "plain text"),
])
def test_malformed_entries_are_rejected(change, message):
    probs = problems_of([{**GOOD, **change}], {}, {"a", "b", "c"})
    assert any(message in p for p in probs), probs
    assert problems_of([GOOD], {}, set()) == []


def test_duplicate_ids_are_rejected():
    assert any("duplicate id" in p for p in problems_of([GOOD, GOOD], {}, set()))


def test_attribution_speaker_must_be_a_choice():
    q = questions.quotes()[0]
    rec = {**GOOD, "kind": "attribution", "items": [q.id], "choices": ["Nobody"]}
    assert any("not among the choices" in p for p in problems_of([rec], {q.id: q}, set()))


# -- the quote bank: the practice pool (students) and the graded pool (instructor only) ---------------------
def _all_quotes():
    from course_instructor.bank import GRADED

    return [*questions.quotes(), *GRADED.quotes()]


def test_quote_bank_size_and_shape():
    qs = _all_quotes()
    assert len(questions.quotes()) >= 60 and len(qs) >= 300
    assert all(q.text and q.speaker and q.date and q.occasion and 0 <= q.chapter <= 22 for q in qs)
    assert all(len(q.text.split()) <= 50 for q in qs)
    by = {s: sum(1 for q in qs if q.speaker == s) for s in ("Stalin", "Lenin", "Bukharin")}
    assert by["Stalin"] >= 15 and by["Lenin"] >= 15 and by["Bukharin"] >= 15, by


@pytest.mark.book
def test_every_quotation_is_in_the_book(shared_book):
    missing = [q.id for q in _all_quotes() if not shared_book.find(q.text)]
    assert missing == []


@pytest.mark.book
def test_every_quotation_sits_in_its_chapter(shared_book):
    wrong = []
    for q in _all_quotes():
        chapters = {loc.chapter.number for loc in shared_book.find(q.text) if loc.chapter}
        if q.chapter not in chapters:
            wrong.append(f"{q.id}: found in {sorted(chapters)}, data says {q.chapter}")
    assert wrong == []


def _squash(text: str) -> str:
    """Lower case, no whitespace: the copy prints transcript speakers in spaced small caps ("B UKHARIN :")."""
    return re.sub(r"\s+", "", text).lower()


# Tucker paraphrases Radek's article "The Architect of Socialist Society" for several paragraphs before quoting it
LONG_LEAD_INS = {"q-radek-1934-calm-as-a-promontory": 6000}


@pytest.mark.book
def test_every_attribution_matches_the_text_that_introduces_it(shared_book):
    """The speaker's name stands in the book's lead-in to the quotation (or in the quotation's own line, as in
    a transcript). The window reaches back 3,000 characters for Tucker's long block quotations; quotations
    from the 'Letter of an Old Bolshevik' may name their source as such only when marked secondhand."""
    wrong = []
    for q in _all_quotes():
        name = _squash(q.speaker.split()[-1])
        found = False
        for loc in shared_book.find(q.text):
            reach = LONG_LEAD_INS.get(q.id, 3000)
            lead_in = _squash(shared_book.text[max(0, loc.offset - reach):loc.offset + len(q.text) + 200])
            found = found or name in lead_in or (q.secondhand and "oldbolshevik" in lead_in)
        if not found:
            wrong.append(f"{q.id}: no {q.speaker!r} near the quotation")
    assert wrong == []


# -- scoring ------------------------------------------------------------------------------------------------
def test_scores_and_partial_credit():
    choices = ["Stalin", "Lenin", "Bukharin"]
    exp = {1: "Stalin", 2: "Lenin", 3: "Bukharin", 4: "Stalin"}
    assert scoring.points("attribution", exp, exp, max_points=4, choices=choices) == 4
    three = {1: "Stalin", 2: "Lenin", 3: "Bukharin", 4: "Lenin"}  # 3 of 4 right, chance is 1/3
    assert scoring.points("attribution", three, exp, max_points=4, choices=choices) == pytest.approx(4 * (0.75 - 1 / 3) / (2 / 3), abs=0.01)
    assert scoring.points("chronology", ["A", "B", "C", "D"], ["A", "B", "C", "D"], max_points=3) == 3
    assert scoring.points("chronology", ["B", "A", "C", "D"], ["A", "B", "C", "D"], max_points=3) == 1.5
    assert scoring.points("chronology", ["C", "B", "A", "D"], ["A", "B", "C", "D"], max_points=3) == 0
    assert scoring.points("numeric", 57.5, 57.2, max_points=2, tolerance=0.5) == 2
    assert scoring.points("numeric", 40, 57.2, max_points=2, tolerance=0.5) == 0
    assert scoring.points("multiple_choice", "b", "B", max_points=1) == 1


def test_guessing_earns_about_nothing():
    """The expected score of a random answer, computed exactly over every possible answer."""
    import itertools

    want = list("ABCDE")
    orders = list(itertools.permutations(want))
    mean = sum(scoring.fraction("chronology", list(o), want) for o in orders) / len(orders)
    assert mean < 0.03, mean
    choices = ["Stalin", "Lenin", "Bukharin"]
    exp = {1: "Stalin", 2: "Lenin", 3: "Bukharin", 4: "Stalin", 5: "Lenin"}
    guesses = [dict(zip(range(1, 6), g)) for g in itertools.product(choices, repeat=5)]
    mean = sum(scoring.fraction("attribution", g, exp, choices=choices) for g in guesses) / len(guesses)
    assert mean < 0.2, mean
    for one in choices:  # one speaker for every statement earns nothing
        assert scoring.fraction("attribution", dict.fromkeys(range(1, 6), one), exp, choices=choices) == 0


def test_lying_answers_are_compared_as_plain_values():
    class Liar(str):
        def __eq__(self, other):
            return True

        __hash__ = str.__hash__

        def upper(self):
            return "B"

    class FLiar(float):
        def __sub__(self, other):
            return 0.0

    assert scoring.fraction("multiple_choice", Liar("Z"), "B") == 0
    assert scoring.fraction("numeric", FLiar(1.0), 57.2) == 0
    assert type(scoring.plain(Liar("Z"))) is str and type(scoring.plain({1: [FLiar(2.5)]})["1"][0]) is float
    with pytest.raises(scoring.AnswerFormError):
        scoring.plain(object())


@pytest.mark.parametrize("kind,answer,kw", [
    ("attribution", ["Stalin"], {"n": 2, "choices": ["Stalin"]}),
    ("attribution", {1: "Stalin"}, {"n": 2, "choices": ["Stalin"]}),
    ("attribution", {1: "Stalin", 2: "Napoleon"}, {"n": 2, "choices": ["Stalin"]}),
    ("multiple_choice", "Z", {"n": 4}),
    ("numeric", "57", {}),
    ("chronology", ["A", "A", "B"], {"n": 3}),
])
def test_wrong_form_is_explained(kind, answer, kw):
    assert scoring.form_problem(kind, answer, **kw)


def test_check_cell_says_one_line_and_never_whether_it_is_right(monkeypatch):
    """The graded notebook's check: one line for a missing answer or a wrong form, and no traceback."""
    from IPython.core.interactiveshell import InteractiveShell

    from course import answers

    shell = InteractiveShell.instance()
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw=False: shown.append(obj["text/plain"]))
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    shell.user_ns.pop("answer_ch99_q1", None)
    answers.check("ch99-q1", "multiple_choice", n=4)
    shell.user_ns["answer_ch99_q1"] = None
    answers.check("ch99-q1", "multiple_choice", n=4)
    shell.user_ns["answer_ch99_q1"] = "Q"
    answers.check("ch99-q1", "multiple_choice", n=4)
    shell.user_ns["answer_ch99_q1"] = "c"
    answers.check("ch99-q1", "multiple_choice", n=4)
    assert len(shown) == 4 and all("\n" not in s for s in shown)
    assert "run the answer cell" in shown[0] and "replace None" in shown[1] and "one letter" in shown[2]
    assert shown[3].startswith("✓") and "graded" in shown[3]


# -- widgets, used as a student would -------------------------------------------------------------------------
def _first(kind):
    qs = [q for q in questions.all_questions() if q.kind == kind]
    if not qs:
        pytest.skip(f"no {kind} question in the bank")
    return qs[0]


def test_quote_matcher_right_wrong_reset():
    from course.widgets import self_check

    q = _first("attribution")
    wdg = self_check(q.id)
    exp = q.expected()
    for n, dd in enumerate(wdg.choices, 1):
        dd.value = exp[n]
    wdg.check_button.click()
    assert wdg.score == q.points and "Score" in wdg.score_label.value
    wrong = [c for c in q.choices]
    for n, dd in enumerate(wdg.choices, 1):
        dd.value = next(c for c in wrong if c != exp[n])
    wdg.check_button.click()
    assert wdg.score < q.points and q.explanation[:30] in wdg.feedback.value.replace("&#x27;", "'")
    wdg.reset_button.click()
    assert "Score" not in wdg.score_label.value and "role='status'" in wdg.score_label.value
    assert all(dd.value == "— choose —" for dd in wdg.choices) and wdg.feedback.value == ""


def test_quiz_multiple_choice_and_numeric():
    from course.widgets import self_check

    q = _first("multiple_choice")
    wdg = self_check(q.id)
    wdg.choices[0].value = q.expected()
    wdg.check_button.click()
    assert wdg.score == q.points
    wdg.choices[0].value = next(v for v in wdg.choices[0].options if v != q.expected())
    wdg.check_button.click()
    assert wdg.score == 0 and "not quite" in wdg.feedback.value
    q = _first("numeric")
    wdg = self_check(q.id)
    wdg.choices[0].value = float(q.answer)
    wdg.check_button.click()
    assert wdg.score == q.points
    wdg.choices[0].value = float(q.answer) + q.tolerance + 1000
    wdg.check_button.click()
    assert wdg.score == 0


def test_timeline_sorter_with_buttons():
    from course.widgets import self_check

    q = _first("chronology")
    wdg = self_check(q.id)
    start = list(wdg.order)
    assert start != q.events, "the events start scrambled"
    wdg.check_button.click()
    assert wdg.score < q.points
    for target, e in enumerate(q.events):  # bubble each event up with the ▲ buttons, as a keyboard user would
        i = wdg.order.index(e)
        while i > target:
            wdg.rows_box.children[i].children[0].click()
            i -= 1
    wdg.check_button.click()
    assert wdg.order == q.events and wdg.score == q.points
    wdg.reset_button.click()
    assert wdg.order == start


def test_answer_helper_writes_the_line_to_paste():
    from course.widgets import answer_helper
    from course_instructor.nbcells import answer_var

    q = _first("multiple_choice")
    helper = answer_helper(answer_var(q.id), "multiple_choice", n=len(q.choices))
    helper.controls[0].value = "B"
    helper.button.click()
    assert f"{answer_var(q.id)} = &#x27;B&#x27;" in helper.out.value


def test_glossary_search_and_excerpt_viewer():
    from course.units import all_units
    from course.widgets import ExcerptViewer, Glossary

    g = Glossary()
    assert len(g.entries) >= 40
    g.search.value = "kulak"
    assert "kulak" in g.results.value.lower() and len(g.matches()) >= 1
    g.search.value = "zzzz-nothing"
    assert "No term matches" in g.results.value
    unit = all_units()[0]
    viewer = ExcerptViewer(unit.readings)
    viewer.picker.value = unit.readings[1].id
    assert "Summary (our words)" in viewer.view.value  # no copy attached in tests


def test_glossary_entries_are_complete_unique_and_cover_every_chapter():
    from course.widgets import glossary_entries

    entries = glossary_entries()
    seen: dict[str, str] = {}
    for where, e in entries:
        assert {"term", "definition", "chapter"} <= set(e), (where, e)
        assert 0 <= int(e["chapter"]) <= 22 and len(str(e["definition"]).split()) >= 8, (where, e["term"])
        key = str(e["term"]).casefold()
        assert key not in seen, f"{e['term']!r} defined twice ({seen.get(key)} and {where})"
        seen[key] = where
    per_chapter = {n: sum(int(e["chapter"]) == n for _, e in entries) for n in range(23)}
    thin = {n: k for n, k in per_chapter.items() if k < 6}
    assert not thin, f"chapters with fewer than 6 glossary terms: {thin}"


def test_glossary_sections_are_headings_of_their_chapter(shared_book):
    from course.widgets import glossary_entries

    wrong = []
    for where, e in glossary_entries():
        if e.get("section"):
            try:
                shared_book.chapter(int(e["chapter"])).section(e["section"])
            except LookupError as err:
                wrong.append(f"{where}: {e['term']}: {err}")
    assert not wrong, "\n".join(wrong)


# -- no spoilers in self-study notebooks ---------------------------------------------------------------------
def test_selfstudy_notebooks_hold_no_graded_item():
    """The self-study edition is built from practice items: no graded prompt, option or quotation in it."""
    from course_instructor import build
    from course_instructor.bank import GRADED
    from course.units import all_units

    leaks = []
    for unit in all_units():
        text = json.dumps(build.unit_notebook(unit, "selfstudy"))
        for qid in unit.graded:
            q = GRADED.get(qid)
            if q.prompt[:60] in text:
                leaks.append(f"{qid}: graded prompt in the self-study notebook")
            if q.kind == "multiple_choice" and q.answer in text:
                leaks.append(f"{qid}: correct option text")
            for iid in q.items:
                if q.item(iid).text[:40] in text:
                    leaks.append(f"{qid}: quotation {iid} printed in the notebook")
    assert leaks == []
