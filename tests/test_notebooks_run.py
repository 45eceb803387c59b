"""The start page runs in a fresh kernel, and no committed output carries the book's prose.

Every unit's self-study notebook is run with and without the book in a real browser by
tests/test_browser_sweep.py (errors, CDN requests, widths, widgets, passages and summaries)."""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

import nbformat
import pytest

from conftest import require_shared_book, shared_book_path
from course_instructor import build

ROOT = Path(__file__).resolve().parent.parent  # the repository is a course directory
pytestmark = pytest.mark.slow


def _errors(nb) -> list[str]:
    return [f"cell {i}: {o.get('ename')}: {o.get('evalue')}" for i, c in enumerate(nb.cells)
            for o in c.get("outputs", []) if o.get("output_type") == "error"]


def _run(path: Path, book: Path | None):
    nb = nbformat.read(path, 4)
    with tempfile.TemporaryDirectory() as work:
        build.execute(nb, Path(work), timeout=120, book=str(book) if book else None)
    return nb


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
    # the book's own title, as every citation gives it, is not prose
    allowed = _grams(_words("Robert C. Tucker, Stalin in Power: The Revolution from Above, 1928-1941 (1990)"), 12)
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
