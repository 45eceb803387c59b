"""The datasets cross-checked against the figures printed in the shared copy of the book.

Needs the shared copy (skips without it; fails under CI=true, see conftest). Disagreements between the
book and the scholarly sources are expected and listed, never silenced."""
from __future__ import annotations

import copy

import pytest

import course.data as data
from course.data import book_checks
from conftest import require_shared_book

pytestmark = pytest.mark.book


def test_checks_recompute_without_the_book():
    results = book_checks.run(None)
    assert len(results) >= 30
    for r in results:
        assert r.found_in_book is None
        assert r.ok, f"{r.id}: {r.problems}"


def test_every_check_is_found_in_the_book(capsys):
    book = require_shared_book()
    results = book_checks.run(book)
    bad = [f"{r.id}: {'; '.join(r.problems)}" for r in results if r.problems]
    assert not bad, "\n".join(bad)
    assert all(r.found_in_book for r in results)
    print(book_checks.report(book))          # the disagreements, for the log (pytest -s shows them)


def test_disagreements_are_listed_with_notes():
    found = book_checks.disagreements()
    ids = {r.id for r in found}
    assert {"congress-cc-shot", "plan-coal-actual", "terror-arrests-1937-38"} <= ids
    for r in found:
        assert not r.computed_agrees
        assert len(r.note) > 20, f"{r.id} needs a note saying why book and data differ"
    text = book_checks.report()
    assert "congress-cc-shot" in text and "DISAGREES" in text


def test_anchor_phrases_are_short():
    for entry in book_checks.checks():
        assert len(entry["anchor"].split()) <= book_checks.MAX_ANCHOR_WORDS, entry["id"]


def _run_with(monkeypatch, entries, book=None):
    monkeypatch.setattr(book_checks, "checks", lambda: entries)
    return book_checks.run(book)


def test_a_wrong_recorded_value_fails(monkeypatch):
    entries = copy.deepcopy(book_checks.checks())
    target = next(e for e in entries if e["id"] == "congress-delegates-arrested")
    target["dataset_value"] = 1100
    result = next(r for r in _run_with(monkeypatch, entries) if r.id == "congress-delegates-arrested")
    assert any("records 1100" in p for p in result.problems)


def test_a_wrong_agrees_flag_fails(monkeypatch):
    entries = copy.deepcopy(book_checks.checks())
    target = next(e for e in entries if e["id"] == "congress-cc-shot")
    target["agrees"] = True
    result = next(r for r in _run_with(monkeypatch, entries) if r.id == "congress-cc-shot")
    assert any("recorded agrees=True" in p for p in result.problems)


def test_a_misplaced_figure_or_anchor_fails(monkeypatch):
    book = require_shared_book()
    entries = copy.deepcopy(book_checks.checks())
    a = next(e for e in entries if e["id"] == "grain-export-1931")
    a["book_text"], a["book_value"] = "9.9 million", 9.9
    a["dataset_value"], a["agrees"] = 5.2, False
    b = next(e for e in entries if e["id"] == "plan-steel-actual")
    b["anchor"] = "words that this book certainly never prints together"
    results = {r.id: r for r in _run_with(monkeypatch, entries, book)}
    assert any("not within" in p for p in results["grain-export-1931"].problems)
    assert any("not found in the book" in p for p in results["plan-steel-actual"].problems)


def test_timeline_sections_are_the_books_headings():
    from course.book import open_book

    book = open_book(require_shared_book())
    df = data.load("timeline")
    norm = lambda s: book_checks.fold(s).replace('"', "").strip()
    bad = []
    for row in df.itertuples():
        if isinstance(row.section, str) and row.section:
            headings = {norm(s.heading) for s in book.chapter(row.chapter).sections}
            if norm(row.section) not in headings:
                bad.append(f"{row.id}: {row.section!r} is not a section of chapter {row.chapter}")
    assert not bad, "\n".join(bad)


def test_people_are_spelled_as_in_the_book():
    text = book_checks.fold(require_shared_book().read_text(encoding="utf-8"))
    df = data.load("people")
    missing = [n for n in df["name"] if book_checks.fold(n) not in text]
    assert not missing, missing
    assert "ryutin" not in text and "riutin" in text
