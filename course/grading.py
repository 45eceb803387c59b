"""Scoring of answers — called by the nbgrader test cells and by the self-study widgets.

A graded question's test cell has two parts: a visible :func:`check_format` (it checks only the *form*
of the answer, and says so) and, between ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``, a call to
:func:`score` with the expected answer written in. nbgrader strips the hidden part from the student
release; the course's feedback preprocessor strips it from feedback (nbgrader #917). :func:`score`
returns the points earned, which nbgrader reads as partial credit (a test cell whose result is a number).
"""
from __future__ import annotations

import math
import string

LETTERS = string.ascii_uppercase
FORM_OK = "The answer has the right form. (This cell checks the form only; your score comes at grading.)"


class AnswerFormError(AssertionError):
    """The answer is not in the form the question asks for; the message says what form is wanted."""


def _norm(s) -> str:
    return " ".join(str(s).strip().lower().split())


def check_format(kind: str, answer, *, n: int | None = None, choices: list[str] | None = None) -> str:
    """Raise :class:`AnswerFormError` (with what is expected) unless ``answer`` has the right shape."""
    if kind == "attribution":
        if not isinstance(answer, dict):
            raise AnswerFormError(f"Write a dictionary: statement number -> speaker, e.g. {{1: {choices[0]!r}, 2: …}}.")
        missing = [k for k in range(1, (n or 0) + 1) if k not in answer]
        if missing:
            raise AnswerFormError(f"Statements {missing} have no speaker yet.")
        bad = [v for v in answer.values() if choices and _norm(v) not in {_norm(c) for c in choices}]
        if bad:
            raise AnswerFormError(f"{bad} is not one of the choices {choices}.")
    elif kind == "multiple_choice":
        if not (isinstance(answer, str) and answer.strip().upper() in LETTERS[:n or 26]):
            raise AnswerFormError(f"Write one letter, A to {LETTERS[(n or 4) - 1]}, as a string: e.g. \"B\".")
    elif kind == "numeric":
        if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer):
            raise AnswerFormError("Write a number (no units, no quotes): e.g. 57.2")
    elif kind == "chronology":
        if not (isinstance(answer, (list, tuple)) and sorted(str(a).upper() for a in answer) == list(LETTERS[:n or len(answer)])):
            raise AnswerFormError(f"Write a list of the letters A to {LETTERS[(n or 5) - 1]}, each once, earliest first.")
    elif kind == "chart":
        if not hasattr(answer, "to_dict") and not isinstance(answer, dict):
            raise AnswerFormError("Build an Altair chart (alt.Chart(...).mark_...().encode(...)) and assign it.")
    print(FORM_OK)
    return FORM_OK


def fraction(kind: str, answer, expected, *, tolerance: float = 0.0) -> float:
    """Share of the question answered correctly, in [0, 1]."""
    if kind == "attribution":
        right = sum(1 for k, v in expected.items() if _norm(answer.get(k, "")) == _norm(v))
        return right / len(expected)
    if kind == "multiple_choice":
        return float(str(answer).strip().upper() == str(expected).upper())
    if kind == "numeric":
        return float(abs(float(answer) - float(expected)) <= tolerance + 1e-9)
    if kind == "chronology":
        got = [str(a).upper() for a in answer]
        pos = {e: i for i, e in enumerate(got)}
        pairs = [(a, b) for i, a in enumerate(expected) for b in expected[i + 1:]]
        return sum(1 for a, b in pairs if pos.get(a, -1) < pos.get(b, -1)) / len(pairs)
    if kind == "chart":
        from .chartcheck import check_chart

        result = check_chart(answer, expected)
        return 1.0 if result.ok else min(result.score, 0.5)
    raise ValueError(f"{kind!r} questions are graded by hand")


def score(kind: str, answer, expected, *, points: float, tolerance: float = 0.0, n: int | None = None,
          choices: list[str] | None = None) -> float:
    """Points earned (partial credit), after the same form check the student saw."""
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        check_format(kind, answer, n=n, choices=choices)
    return round(points * fraction(kind, answer, expected, tolerance=tolerance), 2)
