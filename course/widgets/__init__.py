"""Interactive widgets (ipywidgets 8), each built from the course's data.

- :func:`self_check` — a practice item as a self-check that teaches: a hint pointing to the reading after a
  wrong try, the explanation once right or after three tries (quote matching, timeline, quiz, essay, chart);
- :func:`answer_helper` — in graded notebooks, pick with the mouse and get the answer line to paste;
- :class:`ExcerptViewer` — a unit's readings, from the reader's copy or as summaries;
- :class:`Glossary` — searchable key terms with the chapter that explains each;
- ``SeriesExplorer`` / ``CollectivizationExplorer`` — move through a sourced series in time.

:func:`from_spec` turns a unit's ``widgets:`` entry into the widget.
"""
from __future__ import annotations

import html

import ipywidgets as w

__all__ = ["self_check", "answer_helper", "from_spec", "ExcerptViewer", "Glossary", "SelfCheck",
           "SeriesExplorer", "CollectivizationExplorer", "glossary_entries", "glossary_terms"]


def __getattr__(name):
    if name in ("SeriesExplorer", "CollectivizationExplorer"):
        from . import explorer

        return getattr(explorer, name)
    if name == "SelfCheck":
        from .selfcheck import SelfCheck

        return SelfCheck
    raise AttributeError(name)


def self_check(question_id: str, show_prompt: bool = False):
    """A practice item as a self-check widget.

    In a self-study notebook the markdown cell above the call shows the question (its statements, options
    or events), so by default the widget shows only the controls; ``show_prompt=True`` shows the question in
    the widget too (the unit's Explore widgets, which have no markdown cell of their own).
    """
    from .selfcheck import SelfCheck

    return SelfCheck(question_id, show_prompt=show_prompt)


def answer_helper(variable: str, kind: str, n: int | None = None, choices: list[str] | None = None):
    """Graded notebooks: controls to pick with the keyboard or the mouse; the button writes the answer line.

    It knows only the *form* of the answer (how many statements, which speakers, how many letters), never
    the key: it checks nothing.
    """
    import os

    if os.environ.get("NBGRADER_EXECUTION"):
        return None
    from .selfcheck import AnswerHelper

    return AnswerHelper(variable, kind, n=n, choices=choices)


class ExcerptViewer(w.VBox):
    """Pick one of a unit's readings; see the passage from the attached copy, or our summary."""

    def __init__(self, readings) -> None:
        from ..readings import show

        self._show = show
        self.readings = list(readings)
        self.picker = w.Dropdown(options=[(f"{r.section or 'Opening'} — {r.id}", r.id) for r in self.readings],
                                 description="Reading", style={"description_width": "initial"})
        self.view = w.HTML()
        self.picker.observe(lambda _: self.refresh(), names="value")
        self.refresh()
        super().__init__([self.picker, self.view])

    def refresh(self) -> None:
        r = next(r for r in self.readings if r.id == self.picker.value)
        self.view.value = self._show(r)._repr_html_()


def glossary_entries() -> list[tuple[str, dict]]:
    """Every entry of course/content/glossary*.yaml as (file name, entry), duplicates included."""
    from ..content import HERE, load_yaml

    out: list[tuple[str, dict]] = []
    for path in sorted(HERE.glob("glossary*.yaml")):
        data = load_yaml(path) or []
        entries = data if isinstance(data, list) else [{"term": k, **v} for k, v in data.items()]
        out += [(path.name, e) for e in entries]
    return out


def glossary_terms() -> dict[str, dict]:
    """Every defined term, keyed by term (the first definition wins; a test forbids duplicates)."""
    out: dict[str, dict] = {}
    for _, e in glossary_entries():
        out.setdefault(str(e["term"]), e)
    return out


class Glossary(w.VBox):
    """A search box over the glossary; each entry says which chapter explains it."""

    def __init__(self, terms: list[str] | None = None) -> None:
        self.entries = glossary_terms()
        self.only = terms
        self.search = w.Text(description="Search terms", placeholder="e.g. kulak, NEP, troika",
                             style={"description_width": "initial"}, continuous_update=True)
        self.results = w.HTML()
        self.search.observe(lambda _: self.refresh(), names="value")
        self.refresh()
        super().__init__([self.search, self.results])

    def matches(self) -> list[dict]:
        q = self.search.value.strip().lower()
        pool = [self.entries[t] for t in (self.only or self.entries) if t in self.entries]
        return [e for e in pool if not q or q in str(e["term"]).lower() or q in str(e.get("definition", "")).lower()]

    def refresh(self) -> None:
        rows = "".join(f"<dt><b>{html.escape(str(e['term']))}</b> <small>(ch. {e.get('chapter', '?')})</small></dt>"
                       f"<dd>{html.escape(str(e.get('definition', '')))}</dd>" for e in self.matches())
        self.results.value = f"<dl role='list'>{rows or '<i>No term matches.</i>'}</dl>"


def from_spec(spec: dict, unit=None):
    """The widget a unit's data asks for."""
    kind = spec.get("kind")
    if kind in ("quote_matcher", "timeline", "quiz"):
        return self_check(spec["question"], show_prompt=True)  # no markdown cell shows the question here
    if kind == "explorer":
        from .explorer import CollectivizationExplorer

        return CollectivizationExplorer()
    if kind == "excerpt_viewer":
        return ExcerptViewer(unit.readings)
    if kind == "glossary":
        return Glossary(unit.terms if unit else None)
    raise ValueError(f"unknown widget kind {kind!r}")
