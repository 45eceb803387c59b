"""Typography-blind text matching.

Copies of the book differ in typography: curly or straight quotes, en or em dashes, ``. . .`` or ``…``,
soft hyphens, markdown emphasis, line breaks, a few names typed with Cyrillic letters that look Latin.
Matching is therefore done on *word tokens*: runs of letters and digits, lower-cased, with Cyrillic
letters transliterated, every other character ignored. Each token keeps its character span in the
original text, so a match can be cut out of the original with its typography intact.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Cyrillic letters that turn up inside Latin-script names (e.g. "Gorbатов", "Bonch-Bruевич").
_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r", "s",
     "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "iu", "ia"],
))
_WORD = re.compile(r"[^\W_]+")
_NEEDS_FOLD = re.compile(r"[^\x00-\x7f]")


def fold_word(word: str) -> str:
    """Lower-case a token, drop accents and transliterate Cyrillic letters (``Gorbатов`` -> ``gorbatov``)."""
    word = word.lower()
    if not _NEEDS_FOLD.search(word):
        return word
    word = "".join(_CYRILLIC.get(ch, ch) for ch in word)
    word = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in word if not unicodedata.combining(ch))


def clean(text: str) -> str:
    """Remove characters that should never split a word (soft hyphens, zero-width spaces)."""
    return text.replace("\u00ad", "").replace("\u200b", "").replace("\ufeff", "")


def tokens(text: str) -> list[str]:
    """The folded word tokens of ``text``: ``tokens("Stalin’s *Short Course*")`` -> ``['stalin', 's', 'short', 'course']``."""
    return [fold_word(w) for w in _WORD.findall(clean(text))]


@dataclass(frozen=True)
class TokenIndex:
    """Word tokens of a text with their character offsets in that text."""

    words: list[str]
    starts: list[int]
    ends: list[int]

    @classmethod
    def of(cls, text: str) -> "TokenIndex":
        words, starts, ends = [], [], []
        for m in _WORD.finditer(text):
            words.append(fold_word(m.group()))
            starts.append(m.start())
            ends.append(m.end())
        return cls(words, starts, ends)


def _fold_char(ch: str) -> str:
    """One character for one: letters and digits folded, everything else a space (keeps offsets)."""
    if not ch.isalnum():
        return " "
    folded = fold_word(ch)
    return folded[:1] if folded else " "


_TABLE: dict[int, str] = {}


def normalize(text: str) -> str:
    """Length-preserving fold: ``normalize(t)[i]`` stands for ``t[i]``, so a match in the folded text
    is a match at the same offsets in the original. Punctuation and emphasis become spaces."""
    missing = {ch for ch in set(text) if ord(ch) not in _TABLE}
    for ch in missing:
        _TABLE[ord(ch)] = _fold_char(ch)
    return text.translate(_TABLE)


def phrase_words(text: str) -> list[str]:
    """The words an anchor phrase is matched by (same fold as :func:`normalize`)."""
    return normalize(clean(text)).split()


def phrase_pattern(words: list[str]) -> re.Pattern:
    """A regex finding ``words`` in normalized text, whatever spaces lie between them.

    It starts with a literal, so the regex engine scans fast; the left word boundary is checked by
    :func:`find_phrase`, which is what callers should use.
    """
    return re.compile(r"\s+".join(map(re.escape, words)) + r"(?![^\W_])")


def find_phrase(norm: str, words: list[str], lo: int = 0, hi: int | None = None):
    """Matches of ``words`` in the normalized text ``norm`` between ``lo`` and ``hi``, whole words only."""
    hi = len(norm) if hi is None else hi
    for m in phrase_pattern(words).finditer(norm, lo, hi):
        if m.start() == 0 or not norm[m.start() - 1].isalnum():
            yield m


def squash(text: str) -> str:
    """Collapse white space and strip markdown emphasis, for display of short snippets."""
    return re.sub(r"\s+", " ", text.replace("*", "")).strip()


def word_count(text: str) -> int:
    return len(_WORD.findall(text))
