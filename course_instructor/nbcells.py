"""One question, rendered as notebook cells for each edition.

``cells_for(qid, "source")`` — nbgrader's instructor version of a **graded** item: a read-only prompt
(with the exact form of the answer), an optional helper widget that only writes the answer line, the
answer cell (the instructor's solution between ``### BEGIN SOLUTION`` / ``### END SOLUTION``) and a
read-only check cell worth the question's points. The check cell holds no key and no hidden test: it
hands the answer to the grader, who scores it outside the student's kernel against ``keys/`` (see
:mod:`course_instructor.autograde`). An essay is one nbgrader manually graded answer cell (markdown,
in the grading box) after its prompt; its rubric and anchor answer reach graders at grading time only.

``cells_for(qid, "selfstudy")`` — a **practice** item: its text and one call to
``course.widgets.self_check(qid)``, which checks at once and explains after an attempt.
"""
from __future__ import annotations

from nbformat.v4 import new_code_cell, new_markdown_cell

from course.widgets.selfcheck import CHART_VAR
from course.answers import answer_var
from course.questions import Question
from course.scoring import LETTERS

from .bank import get

SCHEMA = 3
ESSAY_STUB = "YOUR ANSWER HERE"  # nbgrader's ClearSolutions.text_stub (nbgrader_config.py)


def _meta(cell, grade_id: str, *, grade=False, solution=False, locked=False, points=None):
    meta = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id, "schema_version": SCHEMA}
    if points is not None:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta
    return cell


def _points(q: Question):
    return int(q.points) if float(q.points).is_integer() else q.points


def _n(q: Question) -> int | None:
    return {"attribution": len(q.items), "multiple_choice": len(q.choices), "chronology": len(q.events)}.get(q.kind)


def body_markdown(q: Question) -> str:
    """The question's text and, for choice kinds, its numbered statements or lettered options."""
    if q.kind == "attribution":
        lines = []
        for n, iid in enumerate(q.shown_items(), 1):
            x = q.item(iid)
            when = f" ({x.date})" if getattr(x, "date", "") else ""
            lines.append(f"{n}. “{x.text}”{when}")
        return f"{q.text}\n\n" + "\n".join(lines) + f"\n\nChoose from: {', '.join(q.choices)}."
    if q.kind == "multiple_choice":
        return f"{q.text}\n\n" + "\n".join(f"- **{LETTERS[i]}.** {c}" for i, c in enumerate(q.shown_choices()))
    if q.kind == "chronology":
        from course.data import load

        tl = load("timeline").set_index("id")
        return f"{q.text}\n\n" + "\n".join(f"- **{LETTERS[i]}.** {tl.loc[e, 'event']}" for i, e in enumerate(q.shown_events()))
    return q.text


SCORING = {
    "attribution": "Scoring: credit for right attributions beyond what guessing gives; one speaker for every statement earns 0.",
    "chronology": "Scoring: full marks for the right order, half if exactly one pair of neighbours is swapped, otherwise 0.",
    "chart": "Scoring: 0 for the wrong kind of chart; otherwise a share of the points for each requirement met.",
}


def prompt_markdown(q: Question) -> str:
    """The graded question as a student reads it, with the form of its answer."""
    pts = f"{_points(q)} point{'s' if q.points != 1 else ''}"
    head = f"**Question {q.id.split('-')[-1].upper()}** · {pts}\n\n{body_markdown(q)}\n"
    var = answer_var(q.id)
    form = {
        "attribution": f'`{var} = {{1: "{q.choices[0] if q.choices else "…"}", 2: "…", …}}` (statement number → speaker)',
        "multiple_choice": f'`{var} = "B"` (one letter, in quotes)',
        "numeric": f"`{var} = 12.5` (a number in {q.units or 'the units asked'}; no quotes)",
        "chronology": f'`{var} = ["C", "A", …]` (the letters, earliest first)',
        "chart": f'`{var} = alt.Chart(course.data.load("{q.dataset}"))…` (an Altair chart; graded from its specification)',
    }
    if q.kind == "short_answer":
        lo, hi = (q.words + [350, 600])[:2]
        return head + f"\nWrite {lo}–{hi} words in the cell below (double-click it to edit)."
    rule = f"\n\n*{SCORING[q.kind]}*" if q.kind in SCORING else ""
    return head + f"\nAnswer form: {form[q.kind]}{rule}"


def solution_code(q: Question) -> str:
    var = answer_var(q.id)
    if q.kind == "chart":
        enc = ", ".join(f"{ch}=\"{v['field']}:{v.get('type', 'quantitative')[0].upper()}\""
                        for ch, v in (q.spec.get("encoding") or {}).items())
        mark = q.spec["mark"][0] if isinstance(q.spec["mark"], list) else q.spec["mark"]
        return f"{var} = alt.Chart(course.data.load(\"{q.dataset}\")).mark_{mark}().encode({enc})\n{var}"
    return f"{var} = {q.expected()!r}"


def answer_source(q: Question) -> str:
    """The answer cell: a starting line that keeps Run All going, then the instructor's solution."""
    var = answer_var(q.id)
    start = f"{var} = None  # replace None with your answer"
    if q.kind == "chart":
        start = ("import altair as alt\n\n"
                 f"{var} = None  # replace None with your chart: alt.Chart(course.data.load(\"{q.dataset}\")).mark_…().encode(…)")
    return f"{start}\n### BEGIN SOLUTION\n{solution_code(q)}\n### END SOLUTION"


def check_source(q: Question) -> str:
    n = _n(q)
    args = f'"{q.id}", "{q.kind}"' + (f", n={n}" if n else "")
    if q.kind == "attribution":
        args += f", choices={list(q.choices)!r}"
    return ("# Checks the form of your answer only; it is scored when the notebook is graded.\n"
            f"from course.answers import check\ncheck({args})")


def helper_source(q: Question) -> str:
    n = _n(q)
    extra = f", choices={list(q.choices)!r}" if q.kind == "attribution" else ""
    return (f'course.widgets.answer_helper("{answer_var(q.id)}", "{q.kind}", n={n}{extra})'
            "  # optional: pick with the mouse, copy the line it writes")


def cells_for(question_id: "str | Question", mode: str) -> list:
    """The question's cells; ``question_id`` may also be a :class:`Question` itself (a class variant's)."""
    q = question_id if isinstance(question_id, Question) else get(question_id)
    if mode == "selfstudy":
        # the question's text here, once; the widget under it shows only the controls
        suffix = q.id.split("-")[-1]
        label = "essay" if "essay" in suffix else suffix.upper()
        pts = f"{_points(q)} point{'s' if q.points != 1 else ''}"
        text = f"**Practice {label}** · {pts}\n\n{body_markdown(q)}"
        if q.kind == "short_answer":
            lo, hi = (list(q.words) + [150, 300])[:2]
            text += (f"\n\nWrite {lo}–{hi} words in the box below; what graders look for appears once you "
                     f"have written at least {int(lo) // 2}.")
        cells = [new_markdown_cell(text)]
        if q.kind == "chart":  # a starter cell to build the chart in; the widget's Check reads my_chart
            cells.append(new_code_cell(
                "import altair as alt\n\n"
                f"# your chart: {CHART_VAR} = alt.Chart(course.data.load(\"{q.dataset}\")).mark_…().encode(…)\n"
                f"{CHART_VAR} = None\n{CHART_VAR}"))
        return cells + [new_code_cell(f'course.widgets.self_check("{q.id}")')]
    if mode != "source":
        raise ValueError("mode is 'source' or 'selfstudy'")
    prompt = _meta(new_markdown_cell(prompt_markdown(q)), f"{q.id}-prompt", locked=True)
    if q.kind == "short_answer":
        model = q.anchor or "(The mark scheme has no anchor answer for this essay.)"
        essay = new_markdown_cell(f"### BEGIN SOLUTION\n{model}\n### END SOLUTION")
        return [prompt, _meta(essay, f"{q.id}-answer", grade=True, solution=True, points=_points(q))]
    cells = [prompt]
    if q.kind in ("attribution", "multiple_choice", "chronology"):
        cells.append(_meta(new_code_cell(helper_source(q)), f"{q.id}-helper", locked=True))
    cells.append(_meta(new_code_cell(answer_source(q)), f"{q.id}-answer", solution=True))
    cells.append(_meta(new_code_cell(check_source(q)), f"{q.id}-test", grade=True, locked=True, points=_points(q)))
    return cells
