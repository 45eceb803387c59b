"""Readings: passages of the book located by chapter, section and anchor phrases (data in the unit files).

A reading shows the passage from the reader's own copy when one is attached; otherwise our summary,
the citation, and how to attach a copy — so the course teaches with or without the book.
"""
from __future__ import annotations

import html
import weakref
from dataclasses import dataclass, field

from . import book as _book
from .content import unit_files
from ._text import word_count

MAX_ANCHOR_WORDS = 12
CITED_WORDS = 8  # how many words of the start anchor a citation quotes: enough to find the place, never a sentence


@dataclass(frozen=True)
class Reading:
    id: str
    unit: str
    chapter: int
    start: str
    section: str = ""
    end: str | None = None
    context: str = ""
    summary: str = ""
    question: str = ""
    terms: tuple = field(default_factory=tuple)

    @property
    def citation(self) -> str:
        """Where the passage is, in words (no book needed)."""
        from .book._toc import CHAPTERS, PARTS

        title, part = CHAPTERS[self.chapter]
        where = "Introduction" if self.chapter == 0 else f"Part {part} ({PARTS[part]}), Chapter {self.chapter}"
        sec = f", section “{self.section}”" if self.section else ""
        words = self.start.split()
        opening = " ".join(words[:CITED_WORDS]).rstrip(",;:")
        return f"Tucker, Stalin in Power, {where}: {title}{sec}; passage beginning “{opening}…”"

    def excerpt(self, book: "_book.Book | None" = None) -> "_book.Excerpt":
        """The passage from ``book`` (default: the attached copy). Raises the book loader's errors."""
        book = book or _book.open_book()
        return book.excerpt(self.start, self.end, chapter=self.chapter)

    def problems(self) -> list[str]:
        """What is wrong with this reading's data (empty when fine); needs no book."""
        out = []
        for role, phrase in (("start", self.start), ("end", self.end)):
            if phrase is not None and not 1 <= word_count(phrase) <= MAX_ANCHOR_WORDS:
                out.append(f"{self.id}: the {role} anchor must have 1-{MAX_ANCHOR_WORDS} words")
        for name in ("context", "summary", "question"):
            if not getattr(self, name).strip():
                out.append(f"{self.id}: {name} is empty")
        return out


NO_COPY_LINE = ("Passage not shown: no copy of the book is attached (see “Your copy of the book” at the top "
                "of the notebook).")


@dataclass
class ReadingView:
    """A reading ready for a notebook: context, passage (or summary), citation and a question.

    ``passage_only``: just the passage (or one quiet line saying why it is not shown), for notebooks whose
    text cells already carry the context, summary, citation and question."""

    reading: Reading
    excerpt: "_book.Excerpt | None" = None
    error: str | None = None  # why the passage is not shown (no copy, anchor not found…)
    passage_only: bool = False

    @property
    def _why(self) -> str:
        if self.error and self.error.startswith("No copy"):
            return NO_COPY_LINE
        return self.error or ""

    def _note(self) -> str:
        return f'<p class="course-no-passage" style="color:var(--jp-ui-font-color2,inherit);font-size:0.9em">' \
               f"{html.escape(self._why)}</p>"

    def _repr_html_(self) -> str:
        r = self.reading
        if self.passage_only:
            body = self.excerpt.html(caption=False) if self.excerpt is not None else self._note()
            return f'<section class="course-reading" aria-label="Passage {html.escape(r.id)}">{body}</section>'
        if self.excerpt is not None:
            body = self.excerpt.html(caption=False)
        else:
            body = f"<p><b>Summary (our words):</b> {html.escape(r.summary)}</p>{self._note()}"
        return (f'<section class="course-reading" aria-label="Reading {html.escape(r.id)}">'
                f"<p><i>{html.escape(r.context)}</i></p>{body}"
                f"<p><small>{html.escape(r.citation)}</small></p>"
                f"<p><b>Think about it:</b> {html.escape(r.question)}</p></section>")

    def _repr_markdown_(self) -> str:
        r = self.reading
        passage = self.excerpt._repr_markdown_() if self.excerpt else f"**Summary (our words):** {r.summary}\n\n_{self._why}_"
        return f"*{r.context}*\n\n{passage}\n\n<small>{r.citation}</small>\n\n**Think about it:** {r.question}"

    def __str__(self) -> str:
        r = self.reading
        if self.passage_only:
            return str(self.excerpt) if self.excerpt else self._why
        passage = str(self.excerpt) if self.excerpt else f"Summary: {r.summary}\n({self._why})"
        return f"{r.context}\n\n{passage}\n\n{r.citation}\nThink about it: {r.question}"

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        handle = display(HTML(self._repr_html_()), display_id=True)
        if handle is not None:
            _SHOWN.append((handle, self.reading, self.passage_only))
            del _SHOWN[:-MAX_SHOWN]


MAX_SHOWN = 200
_SHOWN: list = []  # (display handle, reading, passage_only) of the readings shown in this kernel


_WATCHERS: "weakref.WeakSet" = weakref.WeakSet()  # widgets showing readings (their .refresh() redraws them)


def watch(widget) -> None:
    """Have ``widget.refresh()`` called when a copy is attached or forgotten (the excerpt viewer)."""
    _WATCHERS.add(widget)


def refresh_shown() -> int:
    """Redraw every reading shown in this kernel from the copy now attached (or its summary); how many."""
    from IPython.display import HTML

    for handle, reading, passage_only in _SHOWN:
        handle.update(HTML(show(reading, passage_only=passage_only)._repr_html_()))
    for widget in list(_WATCHERS):
        widget.refresh()
    return len(_SHOWN) + len(_WATCHERS)


def _from_unit(unit: dict) -> list[Reading]:
    out = []
    for item in unit.get("readings") or []:
        out.append(Reading(id=item["id"], unit=unit["id"], chapter=int(unit["chapter"]), start=item["start"],
                           section=item.get("section", "") or "", end=item.get("end"),
                           context=item.get("context", ""), summary=item.get("summary", ""),
                           question=item.get("question", ""), terms=tuple(item.get("terms") or ())))
    return out


def all_readings() -> dict[str, Reading]:
    """Every reading of the course, keyed by id (ids are unique across units)."""
    out: dict[str, Reading] = {}
    for unit in unit_files().values():
        for r in _from_unit(unit):
            if r.id in out:
                raise ValueError(f"Reading id {r.id!r} is used twice ({out[r.id].unit} and {r.unit}).")
            out[r.id] = r
    return out


def for_unit(unit_id: str) -> list[Reading]:
    return [r for r in all_readings().values() if r.unit == unit_id]


def get(reading_id: str) -> Reading:
    readings = all_readings()
    if reading_id not in readings:
        import difflib

        close = difflib.get_close_matches(reading_id, list(readings), n=3)
        raise KeyError(f"No reading {reading_id!r}." + (f" Did you mean {', '.join(close)}?" if close else ""))
    return readings[reading_id]


def show(reading_id: str | Reading, book: "_book.Book | None" = None, passage_only: bool = False) -> ReadingView:
    """The reading as a displayable view. Never raises for a missing copy or anchor: it says why instead."""
    r = reading_id if isinstance(reading_id, Reading) else get(reading_id)
    try:
        return ReadingView(r, r.excerpt(book), passage_only=passage_only)
    except _book.BookNotFound:
        return ReadingView(r, None, _book.how_to_attach(), passage_only=passage_only)
    except _book.BookError as exc:
        return ReadingView(r, None, f"The passage could not be cut from your copy: {exc}", passage_only=passage_only)


def check_all(book: "_book.Book") -> list[str]:
    """Resolve every reading in ``book``; return the problems (anchors not found, wrong section…)."""
    problems = []
    for r in all_readings().values():
        problems.extend(r.problems())
        try:
            ex = r.excerpt(book)
        except _book.BookError as exc:
            problems.append(f"{r.id}: {exc}")
            continue
        got = ex.citation.section.heading if ex.citation.section else ""
        if " ".join(_words(got)) != " ".join(_words(r.section)):
            problems.append(f"{r.id}: found in section {got!r}, but the data says {r.section!r}")
    return problems


def _words(s: str) -> list[str]:
    from ._text import phrase_words

    return phrase_words(s)
