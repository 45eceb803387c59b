"""The reader's copy as an object: parts, chapters, sections, excerpts, search."""
from __future__ import annotations

import difflib
import html
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property

from .. import _text
from . import _toc
from ._parse import Layout


class BookError(Exception):
    """Base class of the book loader's errors; every message says what to do."""


class BookNotFound(BookError, FileNotFoundError):
    pass


class BookFormatError(BookError, ValueError):
    pass


class NotThisBook(BookFormatError):
    pass


class AnchorNotFound(BookError, LookupError):
    def __init__(self, message: str, candidates: list["Location"] | None = None):
        super().__init__(message)
        self.candidates = candidates or []


class AmbiguousAnchor(BookError, LookupError):
    def __init__(self, message: str, locations: list["Location"]):
        super().__init__(message)
        self.locations = locations


@dataclass(frozen=True)
class Part:
    number: int
    title: str

    def __str__(self) -> str:
        return f"Part {('One', 'Two', 'Three')[self.number - 1]}: {self.title}" if self.number else ""


@dataclass
class Section:
    chapter: "Chapter"
    number: int  # 0 = the chapter's opening
    heading: str  # "" for an untitled opening
    start: int  # character offsets in Book.text
    end: int
    book: "Book" = field(repr=False)

    @property
    def text(self) -> str:
        return _strip_breaks(self.book.text[self.start:self.end])

    def __str__(self) -> str:
        return self.heading or "(opening)"

    def __repr__(self) -> str:
        return f"<Section {self.chapter.number}.{self.number} {self.heading!r}>"


@dataclass
class Chapter:
    number: int  # 0 = Introduction
    title: str
    part: Part | None
    start: int
    end: int
    book: "Book" = field(repr=False)
    sections: list[Section] = field(default_factory=list)

    @property
    def label(self) -> str:
        return "Introduction" if self.number == 0 else f"Chapter {self.number}"

    @property
    def text(self) -> str:
        return _strip_breaks(self.book.text[self.start:self.end])

    def section(self, heading: str) -> Section:
        """The section whose heading matches ``heading`` (typography and case ignored)."""
        want = " ".join(_text.phrase_words(heading))
        for s in self.sections:
            if " ".join(_text.phrase_words(s.heading)) == want:
                return s
        names = [s.heading for s in self.sections if s.heading]
        close = difflib.get_close_matches(heading, names, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise LookupError(f"{self.label} has no section {heading!r}.{hint} Its sections: {', '.join(names)}")

    def __str__(self) -> str:
        return f"{self.label}: {self.title}"

    def __repr__(self) -> str:
        return f"<Chapter {self.number} {self.title!r}: {len(self.sections)} sections>"


@dataclass(frozen=True)
class Location:
    """Where a character offset falls: chapter, section and a snippet around it."""

    chapter: Chapter | None
    section: Section | None
    offset: int
    snippet: str = ""
    score: float = 1.0

    def __str__(self) -> str:
        where = str(self.chapter) if self.chapter else "front matter"
        if self.section and self.section.heading:
            where += f", section “{self.section.heading}”"
        return where + (f": …{self.snippet}…" if self.snippet else "")


@dataclass(frozen=True)
class Citation:
    part: Part | None
    chapter: Chapter | None
    section: Section | None
    source: str = "Robert C. Tucker, Stalin in Power: The Revolution from Above, 1928–1941 (1990)"

    def __str__(self) -> str:
        bits = [self.source]
        if self.part and self.part.number:
            bits.append(str(self.part))
        if self.chapter:
            bits.append(str(self.chapter))
        if self.section and self.section.heading:
            bits.append(f"section “{self.section.heading}”")
        return ", ".join(bits) + "."


@dataclass(frozen=True)
class Excerpt:
    """A passage of the reader's copy, with where it comes from."""

    text: str
    citation: Citation
    start: int
    end: int
    fuzzy: bool = False  # True when an anchor matched only approximately (another edition's wording)

    @property
    def words(self) -> int:
        return _text.word_count(self.text)

    def __str__(self) -> str:
        return f"{self.text}\n\n— {self.citation}"

    def _repr_markdown_(self) -> str:
        quoted = "\n>\n".join("> " + p for p in self.text.split("\n\n"))
        return f"{quoted}\n\n*{html.escape(str(self.citation))}*"

    def _repr_html_(self) -> str:
        return self.html()

    def html(self, caption: bool = True) -> str:
        """The passage as a block quote; a paragraph introduced by a colon or comma (a letter, a speech, a
        poem the book quotes at length) is set off as a quoted document. ``caption``: add the citation."""
        paras, prev = [], ""
        for p in self.text.split("\n\n"):
            body = _emphasis(html.escape(p))
            if prev.rstrip().endswith((":", ",")):
                paras.append('<blockquote class="course-extract" aria-label="quoted document" style="margin:0.3em '
                             '0 0.6em 1.5em;padding:0.1em 0.8em;border-left:2px solid var(--jp-border-color1,#bbb);'
                             f'font-size:0.95em;">“{body}”</blockquote>')
            else:
                paras.append(f"<p>{body}</p>")
            prev = p
        cite = (f'<figcaption style="font-size:0.9em;color:var(--jp-ui-font-color2,inherit);">'
                f"{html.escape(str(self.citation))}</figcaption>") if caption else ""
        return (
            '<figure class="course-excerpt" style="margin:0.5em 0;">'
            '<blockquote style="border-left:4px solid var(--jp-brand-color1,#1976d2);margin:0;'
            'padding:0.2em 1em;color:var(--jp-ui-font-color1,inherit);line-height:1.5;">'
            f"{''.join(paras)}</blockquote>{cite}</figure>"
        )


@dataclass(frozen=True)
class Hit:
    """One search hit: keyword in context."""

    left: str
    match: str
    right: str
    location: Location

    def __str__(self) -> str:
        return f"{self.left:>50} [{self.match}] {self.right:<50}  ({self.location.chapter.label if self.location.chapter else 'front matter'})"


class Concordance(list):
    """A list of :class:`Hit` that displays as a keyword-in-context table."""

    def __str__(self) -> str:
        return "\n".join(str(h) for h in self)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td style='text-align:right'>{html.escape(h.left)}</td><td><b>{html.escape(h.match)}</b></td>"
            f"<td>{html.escape(h.right)}</td><td>{html.escape(h.location.chapter.label if h.location.chapter else '')}"
            f"</td><td>{html.escape(h.location.section.heading if h.location.section else '')}</td></tr>"
            for h in self
        )
        return (f"<table><caption>{len(self)} hits</caption><thead><tr><th>before</th><th>match</th>"
                f"<th>after</th><th>chapter</th><th>section</th></tr></thead><tbody>{rows}</tbody></table>")


class Book:
    """A parsed copy of *Stalin in Power*. Build it with :func:`course.book.open_book`."""

    FUZZY_MIN = 0.8  # share of an anchor's words that must match, in order, for an approximate match

    def __init__(self, lay: Layout, source: str = "") -> None:
        self.source = source
        self.text = "\n\n".join(lay.paras)
        self._para_starts: list[int] = []
        pos = 0
        for p in lay.paras:
            self._para_starts.append(pos)
            pos += len(p) + 2
        self._norm = _text.normalize(self.text)
        self.parts = [Part(s.number, s.title) for s in lay.parts]
        part_by_number = {p.number: p for p in self.parts}
        self.chapters: list[Chapter] = []
        for span in lay.chapters:
            ch = Chapter(span.number, span.title, part_by_number.get(span.part), self._pstart(span.first),
                         self._pend(span.last), self)
            ch.sections = [Section(ch, s.number, s.title, self._pstart(s.first), self._pend(s.last), self)
                           for s in span.sections]
            self.chapters.append(ch)
        self._chapter_starts = [c.start for c in self.chapters]
        self._check_identity()

    # -- structure -------------------------------------------------------------------------------
    def _pstart(self, i: int) -> int:
        return self._para_starts[i] if i < len(self._para_starts) else len(self.text)

    def _pend(self, i: int) -> int:
        return self._para_starts[i] - 2 if i < len(self._para_starts) else len(self.text)

    def _check_identity(self) -> None:
        if not self.chapters:
            raise NotThisBook(
                f"{self.source or 'This file'} has no chapter headings (“Chapter One – The Tsardom’s Rise”, …): "
                "it does not look like a copy of Tucker's Stalin in Power. Attach the book's .txt or .epub file.")
        known = {n: " ".join(_text.phrase_words(t)) for n, (t, _) in _toc.CHAPTERS.items()}
        matching = sum(1 for c in self.chapters if " ".join(_text.phrase_words(c.title)) == known.get(c.number))
        if matching * 2 < len(self.chapters):
            titles = "; ".join(str(c) for c in self.chapters[:4])
            raise NotThisBook(
                f"{self.source or 'This file'} has chapters ({titles} …), but their titles are not those of "
                "Tucker's Stalin in Power (Chapter One is “The Tsardom’s Rise”). Attach a copy of that book.")

    @property
    def missing_chapters(self) -> list[int]:
        have = {c.number for c in self.chapters}
        return [n for n in _toc.CHAPTERS if n not in have]

    def chapter(self, n: int) -> Chapter:
        for c in self.chapters:
            if c.number == n:
                return c
        raise LookupError(f"This copy has no {'Introduction' if n == 0 else f'chapter {n}'}"
                          f" (chapters found: {', '.join(str(c.number) for c in self.chapters)}).")

    def section(self, chapter: int, heading: str) -> Section:
        return self.chapter(chapter).section(heading)

    def locate(self, offset: int, snippet: str = "", score: float = 1.0) -> Location:
        k = bisect_right(self._chapter_starts, offset) - 1
        if k < 0 or offset >= self.chapters[k].end:
            return Location(None, None, offset, snippet, score)
        ch = self.chapters[k]
        j = bisect_right([s.start for s in ch.sections], offset) - 1
        sec = ch.sections[max(j, 0)] if ch.sections else None
        return Location(ch, sec, offset, snippet, score)

    def citation(self, offset: int) -> Citation:
        loc = self.locate(offset)
        return Citation(loc.chapter.part if loc.chapter else None, loc.chapter, loc.section)

    # -- anchors ---------------------------------------------------------------------------------
    def _bounds(self, chapter: int | None) -> tuple[int, int]:
        if chapter is None:
            return 0, len(self.text)
        c = self.chapter(chapter)
        return c.start, c.end

    def _snippet(self, start: int, end: int, pad: int = 40) -> str:
        return _text.squash(self.text[max(0, start - pad):end + pad])

    def find(self, phrase: str, *, chapter: int | None = None, fuzzy: bool = False) -> list[Location]:
        """Every place ``phrase`` occurs (typography ignored); with ``fuzzy``, near matches too, best first."""
        words = _text.phrase_words(phrase)
        if not words:
            raise ValueError("An anchor phrase needs at least one word.")
        lo, hi = self._bounds(chapter)
        exact = [self.locate(m.start(), self._snippet(m.start(), m.end()))
                 for m in _text.find_phrase(self._norm, words, lo, hi)]
        if exact or not fuzzy:
            return exact
        return self._fuzzy(words, lo, hi)

    def _fuzzy(self, words: list[str], lo: int, hi: int, limit: int = 5) -> list[Location]:
        """Approximate matches of ``words``: windows that share most of the words, in order."""
        segment = self._norm[lo:hi]
        spans = [(m.start() + lo, m.end() + lo, m.group()) for m in re.finditer(r"\S+", segment)]
        seg_words = [w for _, _, w in spans]
        # candidate starts: where the anchor's rarer words occur
        freq: dict[str, int] = {}
        for w in seg_words:
            freq[w] = freq.get(w, 0) + 1
        keys = sorted(set(words), key=lambda w: freq.get(w, 0))
        keys = [w for w in keys if freq.get(w, 0)][:3]
        starts: set[int] = set()
        for i, w in enumerate(seg_words):
            if w in keys:
                for j, aw in enumerate(words):
                    if aw == w:
                        starts.add(max(0, i - j))
        n = len(words)
        scored = []
        for s in starts:
            window = seg_words[s:s + n + 2]
            blocks = difflib.SequenceMatcher(None, words, window, autojunk=False).get_matching_blocks()
            matched = sum(b.size for b in blocks)
            if not matched:
                continue
            first = min(b.b for b in blocks if b.size)
            last = max(b.b + b.size for b in blocks if b.size)
            scored.append((matched / n, s + first, s + last))
        scored.sort(key=lambda t: (-t[0], t[1]))
        out: list[Location] = []
        used: list[int] = []
        for score, a, b in scored:
            if any(abs(a - u) < n for u in used):
                continue
            used.append(a)
            start, end = spans[a][0], spans[b - 1][1]
            out.append(self.locate(start, self._snippet(start, end), round(score, 2)))
            if len(out) >= limit:
                break
        return out

    def _anchor(self, phrase: str, lo: int, hi: int, chapter: int | None, role: str) -> tuple[int, int, bool]:
        words = _text.phrase_words(phrase)
        if not words:
            raise ValueError(f"The {role} anchor is empty.")
        hits = list(_text.find_phrase(self._norm, words, lo, hi))
        where = f" in {self.chapter(chapter)}" if chapter is not None else ""
        if len(hits) == 1:
            return hits[0].start(), hits[0].end(), False
        if len(hits) > 1:
            locs = [self.locate(m.start(), self._snippet(m.start(), m.end())) for m in hits]
            listing = "\n".join(f"  - {loc}" for loc in locs[:8])
            raise AmbiguousAnchor(
                f"The {role} anchor {phrase!r} occurs {len(hits)} times{where}:\n{listing}\n"
                "Give a longer phrase, or pass chapter=…", locs)
        near = self._fuzzy(words, lo, hi)
        good = [c for c in near if c.score >= self.FUZZY_MIN and len(words) >= 4]
        if len(good) == 1 or (len(good) > 1 and good[0].score > good[1].score):
            best = good[0]
            end = self._end_of_fuzzy(best, words)
            return best.offset, end, True
        listing = "\n".join(f"  - ({c.score:.0%} of the words) {c}" for c in near[:3]) or "  (nothing close)"
        raise AnchorNotFound(
            f"The {role} anchor {phrase!r} was not found{where}. Closest passages:\n{listing}\n"
            "Check the phrase against your copy, or attach the edition the course was written for.", near[:3])

    def _end_of_fuzzy(self, loc: Location, words: list[str]) -> int:
        """End offset of an approximate match starting at ``loc.offset`` (about as many words as the anchor)."""
        ms = list(re.finditer(r"\S+", self._norm[loc.offset:loc.offset + 40 * len(words) + 200]))
        k = min(len(words), len(ms)) - 1
        return loc.offset + ms[k].end() if ms else loc.offset

    def excerpt(self, start: str, end: str | None = None, *, chapter: int | None = None) -> Excerpt:
        """The passage from the phrase ``start`` through the phrase ``end`` (or to the end of its paragraph).

        Matching ignores quotes, dashes, ellipses, emphasis, line breaks and case, and accepts an anchor
        whose words differ slightly (another edition) when only one place is close. Raises
        :class:`AnchorNotFound` (with the closest candidates) or :class:`AmbiguousAnchor` (with the places).
        """
        lo, hi = self._bounds(chapter)
        s0, s1, fz1 = self._anchor(start, lo, hi, chapter, "start")
        fz2 = False
        if end is None:
            stop = self.text.find("\n\n", s1)
            stop = hi if stop < 0 or stop > hi else stop
        else:
            limit = min(hi, s1 + 40000)
            try:
                _, stop, fz2 = self._anchor(end, s1, limit, None, "end")
            except AmbiguousAnchor as amb:  # the first occurrence after the start is the natural end
                stop = amb.locations[0].offset + len(_text.normalize(end).strip())
                stop = self._snap_end(amb.locations[0].offset, end)
            stop = self._extend_to_sentence(stop)
        text = _strip_breaks(self.text[s0:stop]).strip()
        return Excerpt(text, self.citation(s0), s0, stop, fz1 or fz2)

    def _snap_end(self, offset: int, phrase: str) -> int:
        m = _text.phrase_pattern(_text.phrase_words(phrase)).match(self._norm, offset)
        return m.end() if m else offset

    def _extend_to_sentence(self, stop: int) -> int:
        """Keep closing punctuation and quotation marks that follow the end anchor."""
        while stop < len(self.text) and self.text[stop] in ".,;:!?\u201d\u2019\"')*\u2026":
            stop += 1
        return stop

    # -- search ----------------------------------------------------------------------------------
    def search(self, term: str, *, chapter: int | None = None, width: int = 50, limit: int | None = None) -> Concordance:
        """Keyword in context: every occurrence of ``term`` with its chapter and section."""
        words = _text.phrase_words(term)
        if not words:
            raise ValueError("Search for at least one word.")
        lo, hi = self._bounds(chapter)
        out = Concordance()
        for m in _text.find_phrase(self._norm, words, lo, hi):
            left = _text.squash(self.text[max(0, m.start() - width * 2):m.start()])[-width:]
            right = _text.squash(self.text[m.end():m.end() + width * 2])[:width]
            out.append(Hit(left, self.text[m.start():m.end()], right, self.locate(m.start())))
            if limit and len(out) >= limit:
                break
        return out

    @cached_property
    def words(self) -> int:
        return _text.word_count(self.text)

    def __repr__(self) -> str:
        return f"<Book {self.source!r}: {len(self.parts)} parts, {len(self.chapters)} chapters>"


def _strip_breaks(text: str) -> str:
    """Drop the ``*`` section-break lines inside a span of text."""
    return re.sub(r"(?m)^\*\s*$\n?\n?", "", text).strip()


def _emphasis(escaped: str) -> str:
    return re.sub(r"\*([^*\n]+)\*", r"<em>\1</em>", escaped)
