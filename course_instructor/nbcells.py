"""One question from the bank, rendered as notebook cells for each edition.

``cells_for(qid, "source")`` — nbgrader's instructor version: a read-only prompt (it shows the exact form
of the answer), an optional helper widget, the answer cell (instructor solution between ``### BEGIN
SOLUTION`` / ``### END SOLUTION``), and a test cell worth the question's points: a visible form check
and hidden tests holding the expected answer. Essays: a task cell with the rubric in a mark scheme
(graders see it in formgrader, students never do) and a free-text answer cell.

``cells_for(qid, "selfstudy")`` — a prompt and one call to ``course.widgets.self_check(qid)``: the
notebook file holds no choice, quotation or answer; the widget builds them from the installed bank,
checks at once, and explains after an attempt.
"""
from __future__ import annotations

from nbformat.v4 import new_code_cell, new_markdown_cell

from .grading import LETTERS
from .questions import Question, get, item

SCHEMA = 3


def answer_var(q: Question) -> str:
    return "answer_" + q.id.replace("-", "_")


def _meta(cell, grade_id: str, *, grade=False, solution=False, locked=False, points=None, task=False):
    meta = {"grade": grade, "solution": solution, "locked": locked, "grade_id": grade_id, "schema_version": SCHEMA}
    if points is not None:
        meta["points"] = points
    if task:
        meta["task"] = True
    cell.metadata["nbgrader"] = meta
    return cell


def _points(q: Question):
    return int(q.points) if float(q.points).is_integer() else q.points


def prompt_markdown(q: Question) -> str:
    """The question as a student reads it in the graded notebook, with the form of the answer."""
    head = f"### Question `{q.id}` ({_points(q)} point{'s' if q.points != 1 else ''})\n\n{q.prompt}\n"
    var = answer_var(q)
    if q.kind == "attribution":
        lines = []
        for n, iid in enumerate(q.shown_items(), 1):
            x = item(iid)
            when = f" ({x.date})" if getattr(x, "date", "") else ""
            lines.append(f"{n}. “{x.text}”{when}")
        return (head + "\n" + "\n".join(lines) + f"\n\nChoose from: {', '.join(q.choices)}.\n\n"
                f"Answer form: `{var} = {{1: \"{q.choices[0]}\", 2: \"…\", …}}`")
    if q.kind == "multiple_choice":
        opts = "\n".join(f"- **{LETTERS[i]}.** {c}" for i, c in enumerate(q.shown_choices()))
        return head + "\n" + opts + f"\n\nAnswer form: `{var} = \"B\"` (one letter)"
    if q.kind == "numeric":
        return head + f"\nAnswer form: `{var} = 12.5` (a number, in {q.units or 'the units asked'}; no quotes)"
    if q.kind == "chronology":
        from .data import load

        tl = load("timeline").set_index("id")
        opts = "\n".join(f"- **{LETTERS[i]}.** {tl.loc[e, 'event']}" for i, e in enumerate(q.shown_events()))
        return head + "\n" + opts + f"\n\nAnswer form: `{var} = [\"C\", \"A\", …]` (letters, earliest first)"
    if q.kind == "chart":
        return (head + f"\nUse `course.data.load(\"{q.dataset}\")`. Answer form: `{var} = alt.Chart(...)...` "
                "(an Altair chart; it is graded from its specification, `chart.to_dict()`)")
    lo, hi = (q.words + [150, 300])[:2] if q.words else (150, 300)
    return head + f"\nWrite {lo}–{hi} words in the cell below."


def solution_code(q: Question) -> str:
    var = answer_var(q)
    if q.kind == "chart":
        enc = ", ".join(f"{ch}=\"{v['field']}:{v.get('type', 'quantitative')[0].upper()}\""
                        for ch, v in (q.spec.get("encoding") or {}).items())
        mark = q.spec["mark"][0] if isinstance(q.spec["mark"], list) else q.spec["mark"]
        return (f"import altair as alt\n\n{var} = alt.Chart(course.data.load(\"{q.dataset}\"))"
                f".mark_{mark}().encode({enc})\n{var}")
    return f"{var} = {q.expected()!r}"


def _test_source(q: Question) -> str:
    var = answer_var(q)
    n = len(q.items) if q.kind == "attribution" else len(q.choices) if q.kind == "multiple_choice" else \
        len(q.events) if q.kind == "chronology" else None
    extra = f", n={n}" if n else ""
    if q.kind == "attribution":
        extra += f", choices={list(q.choices)!r}"
    tol = f", tolerance={q.tolerance!r}" if q.kind == "numeric" else ""
    return (f"# Checks the form of your answer only; the score comes when the notebook is graded.\n"
            f"import course.grading\n"
            f"course.grading.check_format({q.kind!r}, {var}{extra})\n"
            f"### BEGIN HIDDEN TESTS\n"
            f"course.grading.score({q.kind!r}, {var}, {q.expected()!r}, points={_points(q)}{tol}{extra})\n"
            f"### END HIDDEN TESTS")


def cells_for(question_id: str, mode: str) -> list:
    q = get(question_id)
    if mode == "selfstudy":
        return [new_markdown_cell(f"### {q.id.split('-')[-1].upper()} · {q.prompt}"),
                new_code_cell(f'course.widgets.self_check("{q.id}")')]
    if mode != "source":
        raise ValueError("mode is 'source' or 'selfstudy'")
    if q.kind == "short_answer":
        rubric = "\n".join(f"- {r['criterion']} — {r['points']} pt" for r in q.rubric)
        task = new_markdown_cell(f"{prompt_markdown(q)}\n\n=== BEGIN MARK SCHEME ===\n\n**Rubric for graders**\n\n"
                                 f"{rubric}\n\n{q.explanation}\n\n=== END MARK SCHEME ===")
        # nbgrader's task cell carries the points and the rubric (graders see it in formgrader; the release
        # drops the mark scheme); the student writes in the free cell after it, as nbgrader intends for tasks.
        answer = new_markdown_cell("YOUR ANSWER HERE — write your essay in this cell (double-click to edit).")
        answer.metadata["course"] = {"free": True, "answers": q.id}
        # grade=False: nbgrader records a cell with grade *and* task twice (a GradeCell and a TaskCell), and
        # the essay's points would count twice in the maximum
        return [_meta(task, f"{q.id}-task", locked=True, points=_points(q), task=True), answer]
    cells = [_meta(new_markdown_cell(prompt_markdown(q)), f"{q.id}-prompt", locked=True)]
    if q.kind in ("attribution", "multiple_choice", "chronology"):
        cells.append(_meta(new_code_cell(f'course.widgets.answer_helper("{q.id}")  # optional: pick with the mouse, copy the line it shows'),
                           f"{q.id}-helper", locked=True))
    cells.append(_meta(new_code_cell(f"### BEGIN SOLUTION\n{solution_code(q)}\n### END SOLUTION"),
                       f"{q.id}-answer", solution=True))
    cells.append(_meta(new_code_cell(_test_source(q)), f"{q.id}-test", grade=True, locked=True, points=_points(q)))
    return cells
