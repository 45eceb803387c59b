"""Tucker and the archives: claims of the book set against what later evidence showed.

Every ``claims/*.yaml`` file beside this module is a list of claims, one mapping each:

.. code-block:: yaml

    - id: ch04-shakhty-stalin-role     # "<unit>-<slug>", unique across all files
      unit: ch04                       # a course unit; its chapter is int(unit[2:])
      section: The Shakhty Case        # a heading of that chapter ("" = the untitled opening)
      anchor: attested by an ex-Soviet source   # optional: at most 8 words of the book, in that chapter
      claim: What Tucker argues, in our words.
      evidence: What archives and later scholarship showed, in our words.
      status: confirmed                # one of STATUSES
      why: Why this status and not a neighbouring one.
      sources:                         # >= 1; a work (author, title, year) or an archival series (archive, title)
        - {author: Stephen Kotkin, title: "Stalin: Paradoxes of Power, 1878-1928", year: 2014, publisher: Penguin Press}
      historians: [Kotkin]             # surnames of the later historians named in sources
      book_check: congress-cc-shot     # optional: a row of book_checks.yaml this claim folds in
      thin: Where the evidence is thin. # optional

>>> from course.data import claims
>>> all(c["status"] in claims.STATUSES for c in claims.claims())
True
>>> claims.problems()
[]

:func:`problems` lists what is wrong (with a :class:`course.book.Book`, it also checks sections and
anchors against the book); :func:`validate` raises :class:`ClaimsError` with all of them.
"""
from __future__ import annotations

import copy
import os
from pathlib import Path

from . import DATA_DIR, _read_yaml

__all__ = ["CLAIMS_DIR", "STATUSES", "REQUIRED", "ClaimsError", "files", "claims", "units", "load",
           "format_source", "problems", "validate"]

CLAIMS_DIR = DATA_DIR / "claims"
#: the status vocabulary, each with its plain-English meaning, in the order a reader weighs them
STATUSES: dict[str, str] = {
    "confirmed": "The archives and later research bear it out.",
    "revised": "Right in substance, but wrong in scale, date or detail.",
    "contested": "Serious historians still disagree about it.",
    "unconfirmed": "It rests on memoirs or hearsay; no document settles it either way.",
    "refuted": "Documents found later show otherwise.",
    "not-in-book": "Something important the book leaves out.",
}
REQUIRED = ("id", "unit", "section", "claim", "evidence", "status", "why", "sources", "historians")
TEXTS = ("claim", "evidence", "why")
MAX_ANCHOR_WORDS = 8


class ClaimsError(ValueError):
    """The claims are malformed; ``.problems`` lists every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"The claims have {len(self.problems)} problem(s):\n{lines}")


# --------------------------------------------------------------------------- reading

def files() -> list[Path]:
    """The claim files, sorted by name."""
    return sorted(CLAIMS_DIR.glob("*.yaml"))


def _entries() -> list[tuple[str, object]]:
    """(file name, entry) for every entry of every claim file, in file order."""
    out: list[tuple[str, object]] = []
    for path in files():
        data = copy.deepcopy(_read_yaml(str(path), path.stat().st_mtime))
        items = data if isinstance(data, list) else [data] if data else []
        out += [(path.name, e) for e in items]
    return out


def claims(unit: str | None = None) -> list[dict]:
    """Every claim (a fresh dict each), in file order; only ``unit``'s when given."""
    return [e for _, e in _entries() if isinstance(e, dict) and (unit is None or e.get("unit") == unit)]


def units() -> list[str]:
    """The units that have claims, sorted."""
    return sorted({str(c.get("unit")) for c in claims()})


def chapter_of(claim: dict) -> int:
    """The book chapter of a claim (``ch07`` -> 7)."""
    return int(str(claim["unit"])[2:])


def format_source(src: dict) -> str:
    """A source as a citation line: ``Author, Title (Publisher, Year).`` or ``Archive, Title.``"""
    head = ", ".join(str(x).strip() for x in (src.get("author") or src.get("archive"), src.get("title")) if x)
    pub = ", ".join(str(x) for x in (src.get("journal"), src.get("volume"), src.get("publisher"), src.get("year"))
                    if x)
    return f"{head} ({pub})." if pub else f"{head}."


def load():
    """All claims as a pandas DataFrame, one row per claim; ``sources`` is one '; '-joined string."""
    import pandas as pd

    cols = ["id", "unit", "chapter", "section", "anchor", "status", "claim", "evidence", "why", "sources",
            "historians", "book_check", "thin", "file"]
    rows = []
    for name, c in _entries():
        if not isinstance(c, dict):
            continue
        row = {k: c.get(k) for k in cols}
        row["chapter"] = chapter_of(c) if str(c.get("unit", ""))[2:].isdigit() else None
        row["sources"] = "; ".join(format_source(s) for s in c.get("sources") or [] if isinstance(s, dict))
        row["historians"] = ", ".join(str(h) for h in c.get("historians") or [])
        row["file"] = name
        rows.append(row)
    df = pd.DataFrame(rows, columns=cols)
    df["chapter"] = df["chapter"].astype("Int64")
    df.attrs["title"] = "Tucker and the archives"
    return df


# --------------------------------------------------------------------------- validation

def _known_units() -> set[str]:
    from ..content import unit_files

    return set(unit_files())


def _book_check_ids() -> set[str]:
    from .book_checks import checks

    return {str(c.get("id")) for c in checks()}


def _source_problems(where: str, sources) -> list[str]:
    if not isinstance(sources, list) or not sources:
        return [f"{where}: needs at least one source"]
    out = []
    for i, s in enumerate(sources, 1):
        if not isinstance(s, dict):
            out.append(f"{where}: source {i} is not a mapping")
            continue
        if not (s.get("author") or s.get("archive")):
            out.append(f"{where}: source {i} has neither author nor archive")
        if not s.get("title"):
            out.append(f"{where}: source {i} has no title")
        if s.get("author") and not s.get("year"):
            out.append(f"{where}: source {i} ({s.get('author')}) has no year")
    return out


def _entry_problems(where: str, c: dict, units: set[str], check_ids: set[str]) -> list[str]:
    out = [f"{where}: lacks '{k}'" for k in REQUIRED if k not in c or c[k] is None]
    unit = str(c.get("unit", ""))
    if c.get("unit") is not None and unit not in units:
        out.append(f"{where}: unknown unit {unit!r}")
    if c.get("id") and c.get("unit") and not str(c["id"]).startswith(f"{unit}-"):
        out.append(f"{where}: id must start with its unit ('{unit}-')")
    if c.get("status") is not None and c.get("status") not in STATUSES:
        out.append(f"{where}: status {c.get('status')!r} is not one of {', '.join(STATUSES)}")
    for k in TEXTS:
        if k in c and not str(c.get(k) or "").strip():
            out.append(f"{where}: '{k}' is empty")
    if "section" in c and not isinstance(c["section"], str):
        out.append(f"{where}: section must be a heading (text; \"\" for the chapter's opening)")
    if "sources" in c:
        out += _source_problems(where, c["sources"])
    hist = c.get("historians")
    if "historians" in c and (not isinstance(hist, list) or not hist or not all(str(h).strip() for h in hist)):
        out.append(f"{where}: historians must be a non-empty list of surnames")
    anchor = c.get("anchor")
    if anchor is not None and (not str(anchor).strip() or len(str(anchor).split()) > MAX_ANCHOR_WORDS):
        out.append(f"{where}: anchor must be 1-{MAX_ANCHOR_WORDS} words of the book")
    if c.get("book_check") and str(c["book_check"]) not in check_ids:
        out.append(f"{where}: book_check {c['book_check']!r} is not an id in book_checks.yaml")
    return out


def _book_problems(where: str, c: dict, book) -> list[str]:
    try:
        chapter = book.chapter(chapter_of(c))
    except (LookupError, ValueError) as exc:
        return [f"{where}: {exc}"]
    out = []
    if isinstance(c.get("section"), str):
        try:
            chapter.section(c["section"])
        except LookupError as exc:
            out.append(f"{where}: {exc}")
    if c.get("anchor") and not book.find(str(c["anchor"]), chapter=chapter.number):
        out.append(f"{where}: anchor {c['anchor']!r} not found in {chapter.label}")
    return out


def _as_book(book):
    if book is None or hasattr(book, "chapter"):
        return book
    from ..book import open_book

    return open_book(os.fspath(book))


def problems(book=None, items: list | None = None) -> list[str]:
    """Every problem in the claims (empty: all valid); ``items`` checks that list instead of the files.

    ``book``: a :class:`course.book.Book` (or a path to a copy) to check sections and anchors against.
    """
    entries = _entries() if items is None else [("(given)", e) for e in items]
    book = _as_book(book)
    units, check_ids = _known_units(), _book_check_ids()
    out: list[str] = []
    seen: dict[str, str] = {}
    for n, (name, c) in enumerate(entries, 1):
        where = f"{name}: {c.get('id') if isinstance(c, dict) and c.get('id') else f'entry {n}'}"
        if not isinstance(c, dict):
            out.append(f"{where}: not a mapping")
            continue
        cid = str(c.get("id") or "")
        if cid in seen:
            out.append(f"{where}: duplicate id (also in {seen[cid]})")
        seen.setdefault(cid, name)
        found = _entry_problems(where, c, units, check_ids)
        out += found
        if book is not None and not any("unknown unit" in p for p in found) and c.get("unit"):
            out += _book_problems(where, c, book)
    return out


def validate(book=None, items: list | None = None) -> None:
    """Raise :class:`ClaimsError` listing every problem; return None when the claims are valid.

    Checked: required fields; ids unique and prefixed by their unit; the unit exists; the status is in
    :data:`STATUSES`; claim, evidence and why are not empty; at least one source, each with an author
    or archive and a title (and a year with an author); historians named; anchors of at most
    :data:`MAX_ANCHOR_WORDS` words; ``book_check`` is an id of ``book_checks.yaml``. With a ``book``:
    the section is a heading of the unit's chapter and the anchor occurs in that chapter.
    """
    found = problems(book, items)
    if found:
        raise ClaimsError(found)
