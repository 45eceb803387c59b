"""The check cell under each graded answer, on the student's side.

``check("ch06-q1", "multiple_choice", n=4)`` reads the answer variable (``answer_ch06_q1``) and says in
one line whether its *form* is right, never whether it is correct: the graded edition holds no key, and
nothing in the student's environment can tell a right answer from a wrong one.

While nbgrader grades the notebook (``NBGRADER_EXECUTION=autograde``), the same call hands the answer, as
plain data, to the grader in one output of type :data:`MIME`; the score is worked out in the grader's
own process by ``course_instructor.autograde.ScoreAnswers``, against keys the kernel never sees. So a
student's code that patches this module, a builtin or ``sys.modules`` can at most change which answer is
reported: see docs/grading-integrity.md.
"""
from __future__ import annotations

import html
import json
import os

from .scoring import AnswerFormError, form_problem, plain

MIME = "application/vnd.stalin-course.answer+json"
MAX_BYTES = 2_000_000  # a chart with its data inline is well under this


def answer_var(question_id: str) -> str:
    """The variable a graded question's answer cell sets: ``answer_ch06_q1`` for ``ch06-q1``."""
    return "answer_" + question_id.replace("-", "_")


def _namespace() -> dict:
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            return shell.user_ns
    except ImportError:  # pragma: no cover - IPython is always there in a notebook
        pass
    import __main__

    return vars(__main__)


def answer_payload(question_id: str, kind: str, value, *, n: int | None = None,
                   choices: list[str] | None = None) -> dict:
    """What the grader receives: the answer as plain data and the form problem, if any."""
    try:
        if value is None:
            return {"question": question_id, "answer": None, "form": "not answered"}
        if kind == "chart":
            if not hasattr(value, "to_dict") and not isinstance(value, dict):
                raise AnswerFormError(form_problem("chart", None) or "not a chart")
            try:
                value = value.to_dict() if hasattr(value, "to_dict") else value
            except Exception as exc:  # an invalid chart: Altair says why
                raise AnswerFormError(f"The chart could not be turned into a specification: {str(exc).splitlines()[0]}") from None
        data = plain(value)
        if len(json.dumps(data)) > MAX_BYTES:
            raise AnswerFormError("The answer is too large.")
        return {"question": question_id, "answer": data, "form": form_problem(kind, data, n=n, choices=choices)}
    except AnswerFormError as exc:
        return {"question": question_id, "answer": None, "form": str(exc)}


def check(question_id: str, kind: str, *, n: int | None = None, choices: list[str] | None = None) -> None:
    """Check the form of the answer to ``question_id`` (one line, no traceback); hand it to the grader
    while grading."""
    from IPython.display import display

    var = answer_var(question_id)
    ns = _namespace()
    value = ns.get(var)
    payload = answer_payload(question_id, kind, value, n=n, choices=choices)
    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        display({MIME: payload}, raw=True)
        return None
    if var not in ns:
        msg, ok = f"No answer yet: run the answer cell above (it sets {var}).", False
    elif payload["form"] == "not answered":
        msg, ok = "No answer yet: replace None in the answer cell above with your answer, then run it and this cell.", False
    elif payload["form"]:
        msg, ok = payload["form"], False
    else:
        msg, ok = "The form of your answer is right. Whether it is correct you learn when the notebook is graded.", True
        if kind == "chart":
            return _show_chart(value, msg)
    colour = "var(--jp-success-color1, #2e7d32)" if ok else "var(--jp-warn-color0, #b35c00)"
    mark = "✓" if ok else "✗"
    display({"text/plain": f"{mark} {msg}",
             "text/html": f'<div role="status" style="color:{colour}">{mark} {html.escape(msg)}</div>'}, raw=True)
    return None


def _show_chart(chart, msg: str) -> None:
    """A chart answer of the right form: the chart beside what it is (mark, channels), for the student to
    compare with the question; nothing says whether it is right."""
    from IPython.display import display

    from .chartcheck import describe

    try:
        lines = describe(chart)
    except Exception:  # a chart too odd to describe is still handed to the grader
        lines = []
    items = "".join(f"<li>{html.escape(x)}</li>" for x in lines)
    text = "Your chart is: " + "; ".join(lines) + ". Compare it with what the question asks."
    display({"text/plain": f"✓ {msg}\n{text}",
             "text/html": f'<div role="status" style="color:var(--jp-success-color1, #2e7d32)">✓ {html.escape(msg)}</div>'
                          f"<p>Your chart is (compare it with what the question asks):</p><ul>{items}</ul>"}, raw=True)
    try:
        display(chart)
    except Exception:
        pass
