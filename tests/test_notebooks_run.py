"""Every notebook runs in a fresh kernel — with no book and with the shared copy — and no committed
output carries the book's prose."""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

import nbformat
import pytest

from conftest import shared_book_path, require_shared_book
from course_instructor import build
from course.units import all_units

UNITS = all_units()
ROOT = Path(__file__).resolve().parent.parent  # the repository is a course directory
IDS = [u.id for u in UNITS]
pytestmark = pytest.mark.slow


def _errors(nb) -> list[str]:
    return [f"cell {i}: {o.get('ename')}: {o.get('evalue')}" for i, c in enumerate(nb.cells)
            for o in c.get("outputs", []) if o.get("output_type") == "error"]


def _run(path: Path, book: Path | None):
    nb = nbformat.read(path, 4)
    with tempfile.TemporaryDirectory() as work:
        build.execute(nb, Path(work), timeout=120, book=str(book) if book else None)
    return nb


@pytest.mark.parametrize("unit", UNITS, ids=IDS)
def test_selfstudy_notebook_runs_without_a_book(unit):
    nb = _run(build.selfstudy_path(unit, ROOT), None)
    assert _errors(nb) == []
    text = build.outputs_text(nb)
    assert "No copy of Stalin in Power is attached" in text, "readers without a copy are told how to attach one"


@pytest.mark.parametrize("unit", UNITS, ids=IDS)
def test_selfstudy_notebook_runs_with_the_shared_copy(unit):
    book = require_shared_book()
    nb = _run(build.selfstudy_path(unit, ROOT), book)
    assert _errors(nb) == []
    text = build.outputs_text(nb)
    assert "course-excerpt" in text and "No copy of Stalin in Power" not in text
    # the passages shown are the ones the readings name
    for r in unit.readings:
        word = max(re.findall(r"[A-Za-z]+", r.start), key=len)
        assert word in text, f"{r.id}: its passage is not shown"


def test_start_page_runs():
    nb = _run(ROOT / "notebooks" / "index.ipynb", None)
    assert _errors(nb) == []


# -- no book text in what is committed ----------------------------------------------------------------------
def _grams(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def _words(text: str) -> list[str]:
    from course._text import normalize

    return normalize(re.sub(r"<[^>]+>", " ", text)).split()


def test_committed_outputs_carry_no_book_prose():
    """No 12-word run of the book in any committed notebook's outputs (quotations of the bank excepted)."""
    path = shared_book_path()
    if path is None:
        require_shared_book()
    from course import questions
    from course_instructor.bank import GRADED

    book = _grams(_words(path.read_text(encoding="utf-8")), 12)
    allowed = set()
    for q in [*questions.quotes(), *GRADED.quotes()]:
        allowed |= _grams(_words(q.text), 12)
    offenders = []
    for nb_path in sorted(ROOT.glob("*/**/*.ipynb")):
        if ".venv" in nb_path.parts or ".ipynb_checkpoints" in nb_path.parts:
            continue
        text = build.outputs_text(nbformat.read(nb_path, 4))
        shared = (_grams(_words(text), 12) & book) - allowed
        if shared:
            offenders.append(f"{nb_path.relative_to(ROOT)}: {' '.join(sorted(shared)[0])!r}")
    assert offenders == []
