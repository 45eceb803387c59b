"""Every unit of every module, checked from the data and the generated notebooks (no hand-kept list)."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from course_instructor import build
from course_instructor.bank import get as graded
from course.book._toc import CHAPTERS
from course.units import all_units, parts

ROOT = Path(__file__).resolve().parent.parent  # the repository is itself a course directory

UNITS = all_units()
IDS = [u.id for u in UNITS]
AUTO_KINDS = {"attribution", "multiple_choice", "numeric", "chronology", "chart"}


def test_every_chapter_of_the_book_has_a_unit():
    assert sorted(u.chapter for u in UNITS) == sorted(CHAPTERS), "units missing for some chapters"


def test_modules_follow_the_books_parts():
    modules = {m.number: [u.chapter for u in m.units] for m in parts()}
    for n, ch in modules.items():
        assert all(CHAPTERS[c][1] == n for c in ch), f"module {n} holds a chapter of another part: {ch}"
    assert [m.title for m in parts()] == ["Introduction", "Part One: The Setting", "Part Two: The First Phase",
                                          "Part Three: The Second Phase"]


def test_unit_key_terms_are_glossary_entries_and_each_chapter_lists_its_own():
    """The unit's glossary widget shows exactly ``unit.terms``: a misspelt term would vanish from it, and a
    term defined for a chapter but not listed in its unit would be found only by the course-wide search."""
    from course.widgets import glossary_terms

    glossary = glossary_terms()
    unknown = {u.id: [t for t in u.terms if t not in glossary] for u in UNITS}
    assert not {k: v for k, v in unknown.items() if v}, unknown
    unlisted = {u.id: [t for t, e in glossary.items() if int(e["chapter"]) == u.chapter and t not in u.terms]
                for u in UNITS}
    assert not {k: v for k, v in unlisted.items() if v}, unlisted


@pytest.mark.parametrize("unit", UNITS, ids=IDS)
def test_unit_meets_the_design_minimums(unit):
    from course import questions

    assert unit.assignment.startswith(f"p{unit.part}-{unit.id}-"), "assignment names sort in book order, by part"
    assert 3 <= len(unit.goals) <= 5
    assert unit.overview.strip() and unit.terms and unit.people
    assert len(unit.readings) >= 3
    for r in unit.readings:
        assert r.problems() == []
    assert unit.widgets, "at least one widget"
    qs = [graded(q) for q in unit.graded]
    auto = [q for q in qs if q.kind in AUTO_KINDS]
    assert len(auto) >= 3 and len({q.kind for q in auto}) >= 2, "at least 3 auto-graded questions of 2 kinds"
    essays = [q for q in qs if q.kind == "short_answer"]
    assert essays and all(q.rubric and q.anchor for q in essays), "at least one essay, with a rubric and an anchor"
    assert all(all(r.get("levels") for r in q.rubric) for q in essays), "level descriptors for every criterion"
    assert all(q.explanation and q.citation for q in qs)
    practice = [questions.get(q) for q in unit.practice]
    assert len([q for q in practice if q.kind in AUTO_KINDS]) >= 3, "practice items for self-study"
    assert not set(unit.graded) & set(unit.practice)
    assert all(w["question"] in unit.practice for w in unit.widgets if w.get("question")), "Explore uses practice items"
    assert unit.further_reading and all(f.get("citation") for f in unit.further_reading)


@pytest.mark.parametrize("unit", UNITS, ids=IDS)
def test_generated_notebooks_carry_the_unit(unit):
    """Counted from the notebooks themselves: readings, widgets and graded cells are really there."""
    src = nbformat.read(build.source_path(unit, ROOT), 4)
    code = "\n".join(c.source for c in src.cells if c.cell_type == "code")
    assert len(re.findall(r"unit\.passage\(", code)) == len(unit.readings) >= 3
    assert len(re.findall(r"unit\.widget\(", code)) == len(unit.widgets) >= 1
    assert "unit.archives()" in code, "Tucker and the archives in every unit"
    text = "\n".join(c.source for c in src.cells if c.cell_type == "markdown")
    for r in unit.readings:  # readable before running: context, summary and question are in the text cells
        assert r.summary[:60] in text and r.question[:60] in text
    assert "Historians who argue with Tucker" in src.cells[-1].source
    selfstudy = nbformat.read(build.selfstudy_path(unit, ROOT), 4)
    calls = "\n".join(c.source for c in selfstudy.cells if c.cell_type == "code")
    for qid in unit.practice:  # each practice question once: in the Practice section, not again in Explore
        assert calls.count(f'"{qid}"') == 1, qid
    for k, spec in enumerate(unit.widgets):
        assert (f"unit.widget({k})" in calls) == (spec.get("question") not in unit.practice)
    graded_cells = [c for c in src.cells if c.metadata.get("nbgrader", {}).get("grade")]
    auto = [c for c in graded_cells if c.cell_type == "code"]
    manual = [c for c in graded_cells if c.cell_type == "markdown" and c.metadata["nbgrader"].get("solution")]
    assert len(auto) >= 3 and manual, "graded check cells and a manually graded essay answer cell"
    assert all(c.metadata["nbgrader"]["points"] > 0 for c in graded_cells)
    # no key, hidden test or mark scheme in any cell a student's kernel would run
    assert not any("HIDDEN TESTS" in c.source or "MARK SCHEME" in c.source for c in src.cells)
    assert all("from course.answers import check" in c.source for c in auto)
    assert "Going further" in src.cells[-1].source


def test_committed_notebooks_match_the_data():
    assert build.stale(root=ROOT) == []


def test_start_page_links_every_unit():
    index = nbformat.read(ROOT / "notebooks" / "index.ipynb", 4)
    text = "\n".join(c.source for c in index.cells)
    for u in UNITS:
        assert f"({u.assignment}.ipynb)" in text
        assert (ROOT / "notebooks" / f"{u.assignment}.ipynb").exists()
