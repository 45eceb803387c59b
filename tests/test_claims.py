"""Tucker and the archives: the claims dataset (course.data.claims) and its widget (course.widgets.archives).

The real claim files validate (sections and anchors against the shared copy when it is present); the
validator catches each kind of mistake in small synthetic lists; every unit with claims has 3-6 of them and
every disagreement of book_checks.yaml in a covered chapter is folded into some claim. The widget shows
nothing of the evidence before an attempt, enables "Show the evidence" only once a status is chosen, says
match / close / miss, and its navigation reaches every claim of the unit.
"""
from __future__ import annotations

import copy
import html
import re
import tomllib
from pathlib import Path

import ipywidgets as w
import pytest

from course.data import claims as C
from course.widgets.archives import NEIGHBOURS, ArchiveCheck, judge

ROOT = Path(__file__).resolve().parent.parent
#: which claim file covers which chapters (tests tolerate files not written yet)
COVERAGE = {"part0-1.yaml": range(0, 6), "part2.yaml": range(6, 12), "part3.yaml": range(12, 23)}
OWN = "part0-1.yaml"


def _covered() -> set[int]:
    return {n for name, chapters in COVERAGE.items() if (C.CLAIMS_DIR / name).is_file() for n in chapters}


# -- the real files -----------------------------------------------------------------------------------------
def test_statuses_are_the_schema_vocabulary():
    assert list(C.STATUSES) == ["confirmed", "revised", "contested", "unconfirmed", "refuted", "not-in-book"]
    assert all(m.strip() and "\n" not in m for m in C.STATUSES.values())


def test_claim_files_validate():
    assert (C.CLAIMS_DIR / OWN).is_file()
    assert C.problems() == []
    C.validate()


def test_claims_match_the_book(shared_book):
    assert C.problems(shared_book) == []


def test_own_anchors_fall_in_their_section(shared_book):
    """In part0-1.yaml each anchor is found in the section the claim names (stricter than the validator)."""
    wrong = []
    for c in C.claims():
        if c.get("anchor") and c["id"].split("-")[0] in {f"ch{n:02d}" for n in COVERAGE[OWN]}:
            chapter = shared_book.chapter(C.chapter_of(c))
            want = chapter.section(c["section"])
            if want.number not in {loc.section.number for loc in shared_book.find(c["anchor"], chapter=chapter.number)}:
                wrong.append(f"{c['id']}: anchor not in section {c['section']!r}")
    assert not wrong, "\n".join(wrong)


def test_each_unit_has_three_to_six_claims():
    counts = {u: len(C.claims(u)) for u in C.units()}
    bad = {u: n for u, n in counts.items() if not 3 <= n <= 6}
    assert not bad, f"units need 3-6 claims: {bad}"
    missing = [f"ch{n:02d}" for n in sorted(_covered()) if f"ch{n:02d}" not in counts]
    assert not missing, f"covered units without claims: {missing}"
    assert {f"ch{n:02d}" for n in COVERAGE[OWN]} <= set(counts)


def test_book_check_disagreements_are_folded_in():
    from course.data.book_checks import checks

    folded = {c.get("book_check") for c in C.claims()}
    due = [r["id"] for r in checks() if r.get("agrees") is False and int(r["chapter"]) in _covered()]
    assert "timeline-notes-of-an-economist" in due
    assert not [i for i in due if i not in folded], "book_checks rows with agrees: false not folded into a claim"


def test_load_gives_one_row_per_claim():
    df = C.load()
    assert len(df) == len(C.claims()) and df["id"].is_unique
    assert {"id", "unit", "chapter", "section", "status", "claim", "evidence", "why", "sources"} <= set(df.columns)
    row = df.set_index("id").loc["ch05-notes-of-an-economist"]
    assert row["chapter"] == 5 and "Cohen, Bukharin and the Bolshevik Revolution" in row["sources"]
    assert all(isinstance(s, str) and s for s in df["sources"])


def test_claims_of_one_unit():
    assert [c["unit"] for c in C.claims("ch03")] == ["ch03"] * len(C.claims("ch03"))
    assert C.claims("no-such-unit") == []


def test_claims_ship_with_the_package_and_are_not_a_dataset():
    from course import data

    pkg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["course"]
    assert "data/claims/*.yaml" in pkg and list((ROOT / "course").glob("data/claims/*.yaml"))
    assert "claims" not in data.names() and all((data.DATA_DIR / f"{n}.csv").is_file() for n in data.names())


def test_format_source():
    assert C.format_source({"author": "R. W. Davies", "title": "The Socialist Offensive", "year": 1980,
                            "publisher": "Macmillan"}) == "R. W. Davies, The Socialist Offensive (Macmillan, 1980)."
    assert C.format_source({"archive": "RGASPI f. 558, op. 3", "title": "Stalin's library"}) == \
        "RGASPI f. 558, op. 3, Stalin's library."


# -- the validator on synthetic lists -----------------------------------------------------------------------
BASE = {
    "id": "ch04-test-claim", "unit": "ch04", "section": "The Shakhty Case", "anchor": "a staged trial",
    "claim": "A claim.", "evidence": "Some evidence.", "status": "confirmed", "why": "A reason.",
    "sources": [{"author": "A. Historian", "title": "A Book", "year": 2000}], "historians": ["Historian"],
}


class _Chapter:
    def __init__(self, number: int, headings: list[str]):
        self.number, self.headings, self.label = number, headings, f"Chapter {number}"

    def section(self, heading: str):
        if heading not in self.headings:
            raise LookupError(f"{self.label} has no section {heading!r}")
        return heading


class _Book:
    """Just enough of course.book.Book: chapter 4 with two sections and a little text."""

    text = "it was a staged trial of engineers"

    def chapter(self, n: int):
        if n != 4:
            raise LookupError(f"no chapter {n}")
        return _Chapter(4, ["The General Line", "The Shakhty Case"])

    def find(self, phrase: str, chapter=None):
        return [0] if chapter == 4 and phrase.lower() in self.text else []


def _with(**changes) -> dict:
    c = copy.deepcopy(BASE)
    for k, v in changes.items():
        if v is None:
            c.pop(k, None)
        else:
            c[k] = v
    return c


def test_a_good_claim_has_no_problem():
    assert C.problems(items=[BASE]) == [] and C.problems(_Book(), items=[BASE]) == []


@pytest.mark.parametrize("changes, expect", [
    ({"status": "mostly-true"}, "status 'mostly-true' is not one of"),
    ({"sources": []}, "at least one source"),
    ({"sources": [{"author": "X"}]}, "has no title"),
    ({"sources": [{"title": "A Book", "year": 1999}]}, "neither author nor archive"),
    ({"sources": [{"author": "X", "title": "A Book"}]}, "has no year"),
    ({"evidence": None}, "lacks 'evidence'"),
    ({"why": "  "}, "'why' is empty"),
    ({"historians": []}, "historians must be"),
    ({"unit": "ch99", "id": "ch99-x"}, "unknown unit 'ch99'"),
    ({"id": "ch05-wrong-prefix"}, "id must start with its unit"),
    ({"book_check": "no-such-check"}, "not an id in book_checks.yaml"),
    ({"anchor": "one two three four five six seven eight nine"}, "anchor must be 1-8 words"),
])
def test_problems_catch_each_mistake(changes, expect):
    found = C.problems(items=[_with(**changes)])
    assert any(expect in p for p in found), found


def test_problems_catch_a_duplicate_id():
    found = C.problems(items=[BASE, _with(claim="Another claim.")])
    assert len(found) == 1 and "duplicate id" in found[0]


def test_problems_check_section_and_anchor_against_the_book():
    book = _Book()
    assert any("no section 'The Grain Crisis'" in p for p in C.problems(book, items=[_with(section="The Grain Crisis")]))
    assert any("anchor 'a fair trial' not found" in p for p in C.problems(book, items=[_with(anchor="a fair trial")]))
    assert any("no chapter 5" in p for p in C.problems(book, items=[_with(unit="ch05", id="ch05-x")]))
    assert C.problems(items=[_with(section="The Grain Crisis")]) == []  # without a book nothing to check


def test_validate_raises_with_every_problem():
    with pytest.raises(C.ClaimsError) as err:
        C.validate(items=[_with(status="nope", sources=[])])
    assert len(err.value.problems) == 2


# -- the widget -----------------------------------------------------------------------------------------------
def _widgets(root: w.Widget):
    yield root
    for child in getattr(root, "children", ()):
        yield from _widgets(child)


def _shown(wdg: w.Widget) -> str:
    """Everything the widget sends to the page as text: HTML values, labels, options, placeholders."""
    bits = []
    for x in _widgets(wdg):
        for attr in ("value", "description", "tooltip", "placeholder"):
            v = getattr(x, attr, None)
            if isinstance(v, str):
                bits.append(v)
        bits += [str(o) for o in getattr(x, "_options_labels", ())]
    return html.unescape(re.sub(r"<[^>]+>", " ", " ".join(bits)))


def _fold(s: str) -> str:
    return " ".join(str(s).split())


SYNTH = [_with(id="ch04-a", status="revised", evidence="Alpha evidence from the archive.", why="Alpha why.",
               thin="Alpha is thin.", sources=[{"author": "Ann Author", "title": "Alpha Book", "year": 2001}]),
         _with(id="ch04-b", status="not-in-book", claim="Beta `claim` with *markdown* <b>and tags</b>.",
               evidence="Beta evidence.", why="Beta why."),
         _with(id="ch04-c", status="contested", evidence="Gamma evidence.", why="Gamma why.")]


@pytest.mark.parametrize("unit_id", [f"ch{n:02d}" for n in COVERAGE[OWN]])
def test_no_evidence_in_the_widget_before_the_attempt(unit_id):
    wdg = ArchiveCheck(unit_id)
    assert wdg.claims == C.claims(unit_id)
    for i, c in enumerate(wdg.claims):
        wdg.go(i)
        shown = _fold(_shown(wdg))
        assert _fold(c["claim"]) in shown
        for secret in (c["evidence"], c["why"], c.get("thin"), *[s["title"] for s in c["sources"]]):
            if secret:
                assert _fold(secret) not in shown, f"{c['id']}: shown before the attempt: {secret[:40]}"
        assert "course's judgment" not in shown and wdg.feedback.value == ""


def test_show_the_evidence_is_disabled_until_a_status_is_chosen():
    wdg = ArchiveCheck("ch04", items=SYNTH)
    assert wdg.show_button.disabled and wdg.reveal() is None and wdg.feedback.value == ""
    wdg.choice.value = "confirmed"
    assert not wdg.show_button.disabled
    wdg.choice.value = None
    assert wdg.show_button.disabled


@pytest.mark.parametrize("chosen, verdict, words", [
    ("revised", "match", "matches the course"),
    ("contested", "close", "Close"),
    ("refuted", "close", "Close"),
    ("confirmed", "close", "Close"),
    ("unconfirmed", "miss", "judges it differently"),
    ("not-in-book", "miss", "judges it differently"),
])
def test_show_the_evidence_reveals_and_judges(chosen, verdict, words):
    wdg = ArchiveCheck("ch04", items=SYNTH)
    wdg.choice.value = chosen
    wdg.reason.value = "Because <of> the archives."
    wdg.show_button.click()
    shown = _shown(wdg)
    assert wdg.answers[0]["verdict"] == verdict and words in shown
    for text in ("Alpha evidence from the archive.", "Alpha why.", "Alpha is thin.",
                 "Ann Author, Alpha Book (2001).", "revised — " + C.STATUSES["revised"], "Because <of> the archives."):
        assert text in shown, text
    assert "<of>" not in wdg.feedback.value  # the learner's text is escaped
    assert wdg.show_button.disabled and wdg.choice.disabled


def test_judge_and_neighbours():
    assert judge("revised", "revised") == "match"
    assert judge("contested", "revised") == judge("revised", "contested") == "close"
    assert judge("unconfirmed", "contested") == judge("refuted", "revised") == "close"
    assert judge("confirmed", "refuted") == judge("not-in-book", "contested") == "miss"
    assert all(len(p) == 2 and p <= set(C.STATUSES) for p in NEIGHBOURS)
    assert not any("not-in-book" in p for p in NEIGHBOURS)


def test_markdown_and_html_in_claims_render_as_plain_text():
    wdg = ArchiveCheck("ch04", items=SYNTH)
    wdg.next()
    assert "`" not in wdg.claim_view.value and "*" not in wdg.claim_view.value
    assert "<b>and tags</b>" not in wdg.claim_view.value and "Beta claim with markdown" in _shown(wdg)


@pytest.mark.parametrize("unit_id", [f"ch{n:02d}" for n in COVERAGE[OWN]])
def test_navigation_reaches_every_claim(unit_id):
    wdg = ArchiveCheck(unit_id)
    n = len(C.claims(unit_id))
    assert wdg.prev_button.disabled and (n > 1) != wdg.next_button.disabled
    seen = []
    for k in range(1, n + 1):
        assert f"Claim {k} of {n}" in wdg.position.value
        seen.append(_fold(_shown(wdg.claim_view)))
        wdg.next_button.click()
    assert wdg.next_button.disabled and wdg.index == n - 1
    assert all(_fold(c["claim"]) in s for c, s in zip(C.claims(unit_id), seen))
    wdg.prev_button.click()
    assert wdg.index == max(n - 2, 0)


def test_an_answer_is_kept_when_coming_back():
    wdg = ArchiveCheck("ch04", items=SYNTH)
    wdg.choice.value = "revised"
    wdg.reveal()
    wdg.next()
    assert wdg.feedback.value == "" and wdg.choice.value is None and not wdg.choice.disabled
    wdg.previous()
    assert "Alpha evidence" in wdg.feedback.value and wdg.choice.value == "revised" and wdg.choice.disabled


def test_every_control_is_labelled():
    wdg = ArchiveCheck("ch04")
    controls = [x for x in _widgets(wdg) if isinstance(x, (w.Button, w.RadioButtons, w.Textarea))]
    assert len(controls) == 5
    assert all(x.description and x.tooltip for x in controls)


def test_from_spec_builds_the_archives_widget():
    from course.units import unit
    from course.widgets import ArchiveCheck as Exported
    from course.widgets import archive_check, from_spec

    wdg = from_spec({"kind": "archives"}, unit=unit("ch02"))
    assert isinstance(wdg, Exported) and wdg.claims == C.claims("ch02")
    assert isinstance(archive_check("ch01"), ArchiveCheck)


def test_a_unit_without_claims_says_so():
    wdg = ArchiveCheck("ch04", items=[])
    assert "No claims" in wdg.position.value and wdg.show_button.disabled and wdg.reveal() is None
