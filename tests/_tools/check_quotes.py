#!/usr/bin/env python3
"""Check the quote bank (course/content/quotes/*.yaml) against the reader's copy of the book.

For every entry: the text occurs in the book (compared on lower-case word tokens, after folding
accents, curly quotes, dashes and Cyrillic look-alike letters, and dropping markdown `*`), within
the chapter it cites; it is at most 50 words; ids are unique; chapter is 0..22; and `section` is a
real heading of that chapter (or "" for the untitled opening part).

    .venv/bin/python tests/_tools/check_quotes.py [--book PATH] [FILES...]

Exit status 1 when any entry fails.
"""
from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BOOK = ROOT.parent / "shared" / "book" / "stalin-in-power.txt"
WORD = re.compile(r"[a-z0-9]+")
CYRILLIC = str.maketrans("авеkмнорстухіАВЕКМНОРСТУХІ", "abekmhopctyxiABEKMHOPCTYXI")
NUMBERS = ["One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
           "Eleven", "Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen",
           "Eighteen", "Nineteen", "Twenty", "Twenty-One", "Twenty-Two"]
REQUIRED = ["id", "text", "speaker", "date", "occasion", "chapter", "section", "secondhand"]
TAGS = {"stalin-sounds-like-bukharin", "stalin-quotes-lenin", "lenin-last-writings", "secondhand",
        "bukharin-on-stalin", "lenin-on-stalin"}
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def tokens(text: str) -> list[str]:
    text = fold(text)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return WORD.findall(text.lower())


def fold(text: str) -> str:
    """Fold typographic quotes and dashes, drop markdown `*`."""
    text = text.translate(CYRILLIC).replace("*", "")
    for a, b in (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'),
                 ("\u2014", " "), ("\u2013", " "), ("\u2015", " ")):
        text = text.replace(a, b)
    return " ".join(text.split())


def is_heading(lines: list[str], i: int) -> bool:
    """A section heading: a short title line between long paragraphs (or after a `*` break)."""
    s = lines[i].strip()
    if not s or len(s) >= 70 or s == "*" or s.upper() == s:
        return False
    if s.endswith((".", ",", ":", ";", "!", "*")) or s.startswith(("*", "\u2014", "-", "[")):
        return False
    if " : " in s or re.match(r"^(Chapter |Part |Introduction:)", s):
        return False
    p = i - 1
    while p >= 0 and not lines[p].strip():
        p -= 1
    n = i + 1
    while n < len(lines) and not lines[n].strip():
        n += 1
    prev = lines[p].strip() if p >= 0 else ""
    nxt = lines[n].strip() if n < len(lines) else ""
    prev_ok = prev == "*" or len(prev) >= 150 or bool(re.match(r"^(Chapter |Introduction:)", prev))
    return prev_ok and len(nxt) >= 100


def chapters(lines: list[str]) -> dict[int, dict]:
    """chapter -> {start, end (line indexes), sections}; epigraphs before a title count for it."""
    starts = {}
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith("Introduction: Toward a New October"):
            starts[0] = i
        m = re.match(r"^Chapter ([A-Za-z-]+) [\u2013-] ", s)
        if m and m.group(1) in NUMBERS and len(s) < 80:
            starts.setdefault(NUMBERS.index(m.group(1)) + 1, i)
    order = sorted(starts)
    info = {}
    for n, ch in enumerate(order):
        start = starts[ch]
        end = starts[order[n + 1]] if n + 1 < len(order) else len(lines)
        sections = {""} | {fold(lines[i].strip()) for i in range(start + 1, end)
                           if is_heading(lines, i)}
        # text before the title (part titles, epigraphs) belongs to the chapter; the
        # Introduction also owns the Preface and front matter.
        lo = 0 if ch == 0 else max(0, start - 25)
        info[ch] = {"start": lo, "end": end, "sections": sections}
    return info


def joined(lines: list[str], lo: int, hi: int) -> str:
    return " " + " ".join(w for line in lines[lo:hi] for w in tokens(line)) + " "


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--book", type=Path, default=DEFAULT_BOOK)
    args = ap.parse_args(argv)
    files = args.files or sorted((ROOT / "course" / "content" / "quotes").glob("*.yaml"))
    lines = args.book.read_text(encoding="utf-8").split("\n")
    whole = joined(lines, 0, len(lines))
    chap = chapters(lines)
    chap_text = {c: joined(lines, v["start"], v["end"]) for c, v in chap.items()}

    errors, seen, count = [], {}, 0
    for f in files:
        entries = yaml.safe_load(f.read_text(encoding="utf-8")) or []
        for e in entries:
            count += 1
            qid = e.get("id", "?")
            where = f"{f.name}:{qid}"
            for k in REQUIRED:
                if k not in e:
                    errors.append(f"{where}: missing field {k}")
            if qid in seen:
                errors.append(f"{where}: duplicate id (also in {seen[qid]})")
            seen[qid] = f.name
            ws = tokens(str(e.get("text", "")))
            if not ws:
                errors.append(f"{where}: empty text")
                continue
            if len(ws) > 50:
                errors.append(f"{where}: {len(ws)} words (> 50)")
            needle = " " + " ".join(ws) + " "
            if needle not in whole:
                errors.append(f"{where}: text not found in the book")
            ch = e.get("chapter")
            if not isinstance(ch, int) or not 0 <= ch <= 22:
                errors.append(f"{where}: chapter {ch!r} not an int in 0..22")
                continue
            if ch in chap:
                if needle in whole and needle not in chap_text[ch]:
                    errors.append(f"{where}: text not found inside chapter {ch}")
                sec = fold(str(e.get("section", "")))
                if sec not in chap[ch]["sections"]:
                    errors.append(f"{where}: section {sec!r} is not a heading of chapter {ch}")
            if not DATE.match(str(e.get("date", ""))):
                errors.append(f"{where}: date {e.get('date')!r} not ISO (YYYY, YYYY-MM, YYYY-MM-DD)")
            if not isinstance(e.get("secondhand"), bool):
                errors.append(f"{where}: secondhand must be true/false")
            bad = set(e.get("tags") or []) - TAGS
            if bad:
                errors.append(f"{where}: unknown tags {sorted(bad)}")
    for msg in errors:
        print("FAIL", msg)
    print(f"{count} quotes in {len(files)} file(s): {len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
