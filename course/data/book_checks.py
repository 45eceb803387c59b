"""Cross-checks of the course datasets against the figures printed in the book.

``book_checks.yaml`` (beside this module) lists, for each check, the dataset row and column, the value
the dataset gives, the book's figure, the chapter and an anchor phrase (at most twelve words of the book)
that locates it. :func:`run` recomputes every dataset value from the data and, when a copy of the book
is available, confirms the anchor and the printed figure (within ``WINDOW`` characters of the anchor).

>>> from course.data import book_checks
>>> [c.id for c in book_checks.disagreements()][:2]         # doctest: +SKIP
['congress-cc-shot', 'grain-harvest-1932-revised']
>>> print(book_checks.report())                              # doctest: +SKIP
"""
from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import DATA_DIR, load

CHECKS_FILE = DATA_DIR / "book_checks.yaml"
WINDOW = 400          # characters either side of the anchor where the figure must appear
MAX_ANCHOR_WORDS = 12
_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}
_FOLD = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
    "*": "",
    # Cyrillic letters that look Latin (the shared copy has a few inside Latin names)
    "\u0430": "a", "\u0435": "e", "\u043e": "o", "\u0440": "p", "\u0441": "c", "\u0445": "x", "\u0443": "y",
    "\u0442": "t", "\u0432": "b", "\u043a": "k", "\u043c": "m", "\u043d": "h",
    "\u0410": "A", "\u0415": "E", "\u041e": "O", "\u0420": "P", "\u0421": "C", "\u0425": "X", "\u0422": "T",
})


@dataclass
class CheckResult:
    """One cross-check, recomputed. ``problems`` lists what failed (empty: the check holds)."""

    id: str
    dataset: str
    chapter: int
    book_value: Any
    recorded_value: Any          # dataset_value as written in book_checks.yaml
    computed_value: Any          # the value computed from the dataset now
    agrees: bool                 # as recorded
    computed_agrees: bool        # recomputed from book_value, computed_value and tolerance
    note: str
    anchor: str
    book_text: str
    found_in_book: bool | None = None    # None: no book available
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        verdict = "agrees" if self.agrees else "DISAGREES"
        return (f"{self.id} [{self.dataset}, ch. {self.chapter}]: book {self.book_value} vs dataset "
                f"{self.computed_value} -> {verdict}. {self.note}".strip())


def fold(text: str) -> str:
    """Normalise typography for matching: straight quotes, plain dashes, no '*', Latin look-alikes, one space."""
    text = unicodedata.normalize("NFC", text).translate(_FOLD)
    return re.sub(r"\s+", " ", text).lower()


def checks() -> list[dict]:
    """The raw check entries from book_checks.yaml."""
    with open(CHECKS_FILE, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or []


def _match(df, select: dict):
    import pandas as pd

    mask = pd.Series(True, index=df.index)
    for col, want in select.items():
        s = df[col]
        values = want if isinstance(want, list) else [want]
        if str(s.dtype).startswith("datetime64"):
            values = [pd.Timestamp(v) for v in values]
        mask &= s.isin(values)
    return df[mask]


def _as_number(value):
    if value is None:
        return None
    try:
        import pandas as pd
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return float(value)


def dataset_value(entry: dict):
    """Compute the dataset value a check refers to (applying ``derive`` when given)."""
    import pandas as pd

    df = load(entry["dataset"])
    column = entry["column"]
    rows = _match(df, entry["select"])
    derive = entry.get("derive") or {}
    kind = derive.get("kind")
    if kind == "sum":
        if rows.empty:
            raise LookupError(f"{entry['id']}: no rows match {entry['select']}")
        return int(rows[column].sum()) if str(rows[column].dtype) in ("Int64", "int64") else float(rows[column].sum())
    if len(rows) != 1:
        raise LookupError(f"{entry['id']}: selector {entry['select']} matches {len(rows)} rows of "
                          f"{entry['dataset']} (need exactly one)")
    value = rows.iloc[0][column]
    if kind is None:
        if isinstance(value, pd.Timestamp):
            return value.date().isoformat()
        return _as_number(value)
    other_sel = derive.get("from") or derive.get("of")
    other = _match(df, other_sel)
    if len(other) != 1:
        raise LookupError(f"{entry['id']}: derive selector {other_sel} matches {len(other)} rows")
    base = float(other.iloc[0][column])
    value = float(value)
    if kind == "pct_decline":
        return round((base - value) / base * 100, 1)
    if kind == "decline":
        return round(base - value, 3)
    if kind == "pct_of":
        return round(value / base * 100, 1)
    raise ValueError(f"{entry['id']}: unknown derive kind {kind!r}")


def _close(a, b, tol) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        da, db = _dt.date.fromisoformat(str(a)), _dt.date.fromisoformat(str(b))
        return abs((da - db).days) <= (tol or 0)
    return math.isclose(float(a), float(b), abs_tol=float(tol or 0) + 1e-9)


def _printed_number(book_text: str) -> float | None:
    m = re.search(r"\d[\d,]*(?:\.\d+)?", book_text)
    return float(m.group(0).replace(",", "")) if m else None


_WORDNUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
            "nine": 9, "ten": 10}


def _printed_value(entry: dict):
    """What ``book_text`` says, in the dataset's unit (a date for date checks)."""
    text = str(entry["book_text"])
    if isinstance(entry["book_value"], str):      # a date: "25 February" or "1 April 1940"
        m = re.search(r"(\d{1,2}) ([A-Za-z]+)(?: (\d{4}))?", text)
        if not m or m.group(2).lower() not in _MONTHS:
            return None
        year = int(m.group(3)) if m.group(3) else _dt.date.fromisoformat(entry["book_value"]).year
        return _dt.date(year, _MONTHS[m.group(2).lower()], int(m.group(1))).isoformat()
    number = _printed_number(text)
    if number is None:
        words = text.lower().split()
        if words and words[0] in _WORDNUM:
            number = _WORDNUM[words[0]] + (0.5 if "and a half" in text.lower() else 0)
            number *= 1_000_000 if "million" in text.lower() or entry.get("book_value", 0) >= 1e6 else 1
    if number is None:
        return None
    return number * float(entry.get("book_scale", 1))


def locate(entry: dict, book_text: str) -> list[str]:
    """Problems locating the check in the (folded) book text; empty when anchor and figure are found."""
    anchor = fold(entry["anchor"])
    figure = fold(str(entry["book_text"]))
    starts = [m.start() for m in re.finditer(re.escape(anchor), book_text)]
    if not starts:
        return [f"anchor {entry['anchor']!r} not found in the book"]
    for s in starts:
        lo, hi = max(0, s - WINDOW), s + len(anchor) + WINDOW
        if figure in book_text[lo:hi]:
            return []
    return [f"figure {entry['book_text']!r} not within {WINDOW} characters of anchor {entry['anchor']!r}"]


def _book_text(path: str | Path | None) -> str | None:
    if path is None:
        return None
    p = Path(path)
    return fold(p.read_text(encoding="utf-8", errors="replace")) if p.is_file() else None


def run(book_path: str | Path | None = None) -> list[CheckResult]:
    """Recompute every check. With ``book_path`` (the shared copy), also locate anchors and figures."""
    text = _book_text(book_path)
    out = []
    for entry in checks():
        problems: list[str] = []
        for key in ("id", "dataset", "select", "column", "dataset_value", "book_value", "book_text",
                    "chapter", "anchor", "agrees", "note"):
            if key not in entry:
                problems.append(f"missing field {key!r}")
        if problems:
            out.append(CheckResult(str(entry.get("id")), str(entry.get("dataset")), int(entry.get("chapter", -1)),
                                   entry.get("book_value"), entry.get("dataset_value"), None,
                                   bool(entry.get("agrees")), False, str(entry.get("note", "")),
                                   str(entry.get("anchor", "")), str(entry.get("book_text", "")), None, problems))
            continue
        if len(str(entry["anchor"]).split()) > MAX_ANCHOR_WORDS:
            problems.append(f"anchor has more than {MAX_ANCHOR_WORDS} words")
        try:
            computed = dataset_value(entry)
        except (LookupError, KeyError, ValueError) as exc:
            computed = None
            problems.append(str(exc))
        recorded = entry["dataset_value"]
        tol = entry.get("tolerance", 0)
        if computed is not None and not _close(computed, recorded, tol if isinstance(recorded, str) else 1e-6 + 0.051):
            problems.append(f"dataset now gives {computed}, but book_checks.yaml records {recorded}")
        computed_agrees = computed is not None and _close(computed, entry["book_value"], tol)
        if computed is not None and computed_agrees != bool(entry["agrees"]):
            problems.append(f"recorded agrees={entry['agrees']} but book {entry['book_value']} vs dataset "
                            f"{computed} (tolerance {tol}) gives agrees={computed_agrees}")
        printed = _printed_value(entry)
        if printed is None or not _close(printed, entry["book_value"], 1e-9 if not isinstance(printed, str) else 0):
            problems.append(f"book_text {entry['book_text']!r} does not say book_value {entry['book_value']}")
        found = None
        if text is not None:
            where = locate(entry, text)
            found = not where
            problems += where
        out.append(CheckResult(entry["id"], entry["dataset"], int(entry["chapter"]), entry["book_value"], recorded,
                               computed, bool(entry["agrees"]), computed_agrees, str(entry["note"]).strip(),
                               entry["anchor"], str(entry["book_text"]), found, problems))
    return out


def disagreements(book_path: str | Path | None = None) -> list[CheckResult]:
    """The checks where the book and the dataset disagree (kept on purpose, each with a note)."""
    return [r for r in run(book_path) if not r.agrees]


def report(book_path: str | Path | None = None) -> str:
    """A plain-text report: every disagreement, then any check that failed."""
    results = run(book_path)
    lines = [f"{len(results)} cross-checks; {sum(not r.agrees for r in results)} disagreements between book and data:"]
    lines += [f"  - {r}" for r in results if not r.agrees]
    bad = [r for r in results if r.problems]
    if bad:
        lines.append(f"{len(bad)} check(s) FAILED:")
        lines += [f"  - {r.id}: {'; '.join(r.problems)}" for r in bad]
    return "\n".join(lines)
