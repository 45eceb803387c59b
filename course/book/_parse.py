"""Find the book's structure in a list of paragraphs (from a .txt or an .epub copy).

Input: paragraphs in reading order, as strings. A paragraph that is just ``*`` is a section break.
Output: :class:`Layout` — the cleaned paragraphs and where each part, chapter and section begins.

Rules, each learned from real copies:
- a chapter heading is ``Chapter <number word or digits> <dash or colon> <title>`` or ``Introduction: <title>``;
- a part heading is ``Part One`` followed by its title (``THE SETTING``), or both on one line;
- a section heading is a short title-case line after a ``*`` break or right after the chapter heading,
  or one that stands between the end of a sentence and a long paragraph;
- an epigraph printed just before a chapter heading (a quotation and a line starting with a dash)
  belongs to the chapter that follows;
- a paragraph broken by a page break (no closing punctuation, next one continues) is joined again, but
  not a colon or comma followed by a capital: that is a quoted document set off by the book;
- the table of contents (markdown links) and the publisher's adverts at the end are dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .._text import clean
from ._toc import NUMBER_WORDS, PART_WORDS

_DASH = r"[\u2013\u2014\-:.]"
CHAPTER_RE = re.compile(
    r"^chapter\s+(?P<num>twenty-one|twenty-two|[a-z]+|\d{1,2})\s*" + _DASH + r"\s*(?P<title>.+)$", re.I)
INTRO_RE = re.compile(r"^introduction(?:\s*[:\u2013\u2014\-]\s*(?P<title>.+))?$", re.I)
PART_RE = re.compile(r"^part\s+(?P<num>one|two|three|i{1,3}|[123])(?:\s*[:\u2013\u2014\-]\s*(?P<title>.+))?$", re.I)
ADVERT_RE = re.compile(r"^(if you enjoyed|for more free|sign up to our newsletter)", re.I)
TOC_RE = re.compile(r"^\[.*\]\(.*\)$")
SPEAKER_RE = re.compile(r"^[A-Z][A-Z .'\u2019-]{1,30}\s?:")
TERMINAL = tuple('.!?:;"\u201d\u2019\')*\u2026]')
SMALL_WORDS = {"a", "an", "the", "and", "or", "of", "to", "in", "on", "with", "from", "for", "as", "at",
               "by", "its", "vs", "de", "von", "la", "i"}


def _words(text: str) -> list[str]:
    return text.split()


def is_title_like(text: str) -> bool:
    """A short title-case line: ``The Shakhty Case``, ``Back to *Barshchina*``, ``Whither Foreign Policy?``."""
    if "\n" in text or len(text) > 80 or text.startswith(("\u2014", "-", "[")):
        return False
    if text.rstrip().endswith((".", ",", ";", ":")) or SPEAKER_RE.match(text):
        return False
    words = [re.sub(r"[*\u201c\u201d\"'\u2018\u2019()?!]", "", w) for w in _words(text)]
    words = [w for w in words if w]
    if not words or len(words) > 9 or not words[0][:1].isupper():
        return False
    if len(words) > 1 and text.upper() == text:  # shouted poem lines, part titles
        return False
    return all(w[0].isupper() or w.lower() in SMALL_WORDS or not w[0].isalpha() for w in words)


def chapter_number(text: str) -> tuple[int, str] | None:
    """``Chapter Two – Lenin’s Legacy`` -> ``(2, "Lenin’s Legacy")``; ``Introduction: …`` -> ``(0, …)``."""
    if len(_words(text)) > 14:
        return None
    m = CHAPTER_RE.match(text.strip())
    if m:
        num = m.group("num").lower()
        n = int(num) if num.isdigit() else NUMBER_WORDS.get(num)
        if n is not None and 1 <= n <= 40:
            return n, m.group("title").strip().rstrip(".")
        return None
    m = INTRO_RE.match(text.strip())
    if m:
        return 0, (m.group("title") or "").strip()
    return None


def part_number(text: str) -> tuple[int, str] | None:
    m = PART_RE.match(text.strip())
    if not m or len(_words(text)) > 8:
        return None
    return PART_WORDS[m.group("num").lower()], (m.group("title") or "").strip()


@dataclass
class Span:
    """A heading and the paragraphs it governs: ``paras[first:last]``."""

    number: int
    title: str
    first: int
    last: int = -1
    part: int = 0
    sections: list["Span"] = field(default_factory=list)


@dataclass
class Layout:
    paras: list[str]
    parts: list[Span]
    chapters: list[Span]
    front_end: int  # paragraphs before this index are front matter (preface, acknowledgments)


def join_broken(paras: list[str]) -> list[str]:
    """Re-join paragraphs split by a page break in mid-sentence."""
    out: list[str] = []
    for p in paras:
        if out and _continues(out[-1], p):
            out[-1] = out[-1].rstrip() + " " + p.lstrip()
        else:
            out.append(p)
    return out


def _continues(prev: str, nxt: str) -> bool:
    if prev == "*" or nxt == "*" or prev.rstrip().endswith(TERMINAL) or prev.rstrip().endswith("\u2014"):
        return False
    if chapter_number(nxt) or part_number(nxt) or chapter_number(prev) or part_number(prev):
        return False
    first = nxt.lstrip()[:1]
    if first.islower() or first.isdigit():
        return len(_words(prev)) >= 12
    if prev.rstrip().endswith((":", ",")):  # "As Baranov wrote in his report," + a capital: a quoted document
        return False
    return len(_words(prev)) >= 25 and not is_title_like(nxt)


def layout(raw: list[str]) -> Layout:
    raw = [clean(p).strip() for p in raw]
    paras = [p for p in raw if p and not TOC_RE.match(p)]
    paras = _drop_adverts(join_broken(paras))
    parts: list[Span] = []
    chapters: list[Span] = []
    i = 0
    while i < len(paras):
        p = paras[i]
        part = part_number(p)
        if part and (part[1] or (i + 1 < len(paras) and _is_part_title(paras[i + 1]))):
            title = part[1] or paras[i + 1]
            parts.append(Span(part[0], title.title() if title.isupper() else title, i))
            i += 1 if part[1] else 2
            continue
        chap = chapter_number(p)
        if chap and not any(c.number == chap[0] for c in chapters):
            start = _epigraph_start(paras, i, floor=max([c.first + 1 for c in chapters] + [s.first + 1 for s in parts] + [0]))
            chapters.append(Span(chap[0], chap[1], start, part=parts[-1].number if parts else 0))
            chapters[-1].sections.append(Span(0, "", i + 1))  # the opening, untitled unless a heading follows
        i += 1
    # close spans
    for k, ch in enumerate(chapters):
        ch.last = chapters[k + 1].first if k + 1 < len(chapters) else len(paras)
        for part in parts:
            if ch.first < part.first < ch.last:
                ch.last = part.first
    for k, part in enumerate(parts):
        part.last = parts[k + 1].first if k + 1 < len(parts) else len(paras)
    for ch in chapters:
        _find_sections(paras, ch)
    front_end = chapters[0].first if chapters else 0
    return Layout(paras, parts, chapters, front_end)


def _is_part_title(text: str) -> bool:
    return text.isupper() and 1 <= len(_words(text)) <= 6


def _drop_adverts(paras: list[str]) -> list[str]:
    for k in range(max(len(paras) - 12, 0), len(paras)):
        if ADVERT_RE.match(paras[k]):
            return paras[:k]
    return paras


def _epigraph_start(paras: list[str], heading: int, floor: int) -> int:
    """Index where the chapter begins: its heading, or the epigraph printed just before it."""
    k = heading - 1
    if k < floor or not paras[k].startswith("\u2014"):
        return heading
    k -= 1  # the quotation itself
    in_poem = paras[k].endswith("*") and not paras[k].startswith("*")
    while k - 1 >= floor:
        prev = paras[k - 1]
        if in_poem:
            k -= 1
            if prev.startswith("*"):
                break
        elif SPEAKER_RE.match(paras[k]) and SPEAKER_RE.match(prev):
            k -= 1
        else:
            break
    return max(k, floor)


def _find_sections(paras: list[str], ch: Span) -> None:
    opening = ch.sections[0]
    heading_idx = opening.first - 1
    found: list[Span] = []
    if opening.first < ch.last and is_title_like(paras[opening.first]) and _body_follows(paras, opening.first, ch.last):
        opening.title, opening.first = paras[opening.first], opening.first + 1
    for k in range(heading_idx + 2, ch.last - 1):
        p = paras[k]
        if not is_title_like(p) or not _body_follows(paras, k, ch.last):
            continue
        prev = paras[k - 1]
        if prev == "*" or (prev.rstrip().endswith(TERMINAL) and len(_words(paras[k + 1])) >= 15):
            found.append(Span(len(found) + 1, p, k + 1))
    if opening.title or opening.first < (found[0].first - 1 if found else ch.last):
        ch.sections = [opening] + found
    else:
        ch.sections = found
    for k, sec in enumerate(ch.sections):
        sec.last = ch.sections[k + 1].first - 1 if k + 1 < len(ch.sections) else ch.last
        sec.number = k


def _body_follows(paras: list[str], k: int, end: int) -> bool:
    return k + 1 < end and paras[k + 1] != "*" and not is_title_like(paras[k + 1])
