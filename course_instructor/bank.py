"""The graded bank: questions whose keys only graders see (``bank/questions/*.yaml``) and the quotations
and positions graded attribution items draw on (``bank/quotes.yaml``, ``bank/positions.yaml``)."""
from __future__ import annotations

from pathlib import Path

from course.questions import PRACTICE, Bank, Question

HERE = Path(__file__).resolve().parent / "bank"
GRADED = Bank("graded", questions=HERE.glob("questions/*.yaml"), quotes=[HERE / "quotes.yaml"],
              positions=[HERE / "positions.yaml"])


def get(question_id: str) -> Question:
    """A graded question, or a practice one (the instructor's tools see both banks)."""
    return GRADED.get(question_id) if question_id in GRADED else PRACTICE.get(question_id)


def all_questions() -> list[Question]:
    return [*GRADED.questions(), *PRACTICE.questions()]
