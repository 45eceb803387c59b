"""Interactive widgets (ipywidgets 8), each built from the course's data.

- :func:`self_check` — a practice item as a self-check that teaches: a hint pointing to the reading after a
  wrong try, the explanation once right or after three tries (quote matching, timeline, quiz, essay, chart);
- :func:`answer_helper` — in graded notebooks, pick with the mouse and get the answer line to paste;
- :class:`ExcerptViewer` — a unit's readings, from the reader's copy or as summaries;
- :class:`Glossary` — searchable key terms with the chapter that explains each;
- ``SeriesExplorer`` / ``CollectivizationExplorer`` — move through a sourced series in time;
- :func:`archive_check` / ``ArchiveCheck`` — "Tucker and the archives": judge a unit's claims, then see
  what later evidence showed.

:func:`from_spec` turns a unit's ``widgets:`` entry into the widget.
"""
from __future__ import annotations

import html

import ipywidgets as w

__all__ = ["self_check", "answer_helper", "from_spec", "ExcerptViewer", "Glossary", "SelfCheck",
           "SeriesExplorer", "CollectivizationExplorer", "glossary_entries", "glossary_terms", "ArchiveCheck",
           "archive_check"]


def __getattr__(name):
    if name in ("SeriesExplorer", "CollectivizationExplorer"):
        from . import explorer

        return getattr(explorer, name)
    if name in ("ArchiveCheck", "archive_check"):
        from . import archives

        return getattr(archives, name)
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
        from ..readings import show, watch

        self._show = show
        self.readings = list(readings)
        labels = [f"Reading {n} — {r.section or 'Opening'}" for n, r in enumerate(self.readings, 1)]
        self.picker = w.Dropdown(options=list(zip(labels, [r.id for r in self.readings])),
                                 description="Reading", style={"description_width": "initial"},
                                 layout=w.Layout(width="auto", max_width="100%"))
        self.view = w.HTML(layout=w.Layout(max_width="100%"))
        self.picker.observe(lambda _: self.refresh(), names="value")
        self.refresh()
        watch(self)  # redrawn when a copy is attached or forgotten
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
    """The key terms as a searchable table (term, meaning, chapter): the unit's own terms by default, every
    term of the course with "All terms"."""

    def __init__(self, terms: list[str] | None = None) -> None:
        self.entries = glossary_terms()
        self.only = [t for t in terms if t in self.entries] if terms else None
        self.search = w.Text(description="Search terms", placeholder="e.g. kulak, NEP, troika",
                             style={"description_width": "initial"}, continuous_update=True)
        self.everything = w.Checkbox(value=self.only is None, description="All terms of the course",
                                     indent=False, disabled=self.only is None)
        self.results = w.HTML(layout=w.Layout(max_height="420px", overflow="auto", max_width="100%"))
        self.search.observe(lambda _: self.refresh(), names="value")
        self.everything.observe(lambda _: self.refresh(), names="value")
        self.refresh()
        super().__init__([w.HBox([self.search, self.everything]), self.results])

    def matches(self) -> list[dict]:
        q = self.search.value.strip().lower()
        names = list(self.entries) if self.everything.value or not self.only else self.only
        pool = [self.entries[t] for t in names]
        return [e for e in pool if not q or q in str(e["term"]).lower() or q in str(e.get("definition", "")).lower()]

    def refresh(self) -> None:
        found = self.matches()
        scope = "the course" if self.everything.value or not self.only else "this unit"
        rows = "".join(
            f"<tr><th scope='row' style='text-align:left;vertical-align:top;padding:0.3em 0.8em 0.3em 0;"
            f"white-space:normal'>{html.escape(str(e['term']))}</th>"
            f"<td style='text-align:left;vertical-align:top;padding:0.3em 0.8em 0.3em 0'>"
            f"{html.escape(str(e.get('definition', '')))}</td>"
            f"<td style='vertical-align:top;white-space:nowrap'>{_chapter_label(e.get('chapter'))}</td></tr>"
            for e in found)
        caption = f"{len(found)} term{'s' * (len(found) != 1)} of {scope}"
        self.results.value = (
            f"<table class='course-glossary' style='width:100%;border-collapse:collapse;table-layout:auto'>"
            f"<caption style='text-align:left;font-size:0.9em'>{caption}</caption>"
            f"<thead><tr><th scope='col' style='text-align:left'>Term</th><th scope='col' style='text-align:left'>"
            f"What it means</th><th scope='col' style='text-align:left'>Chapter</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>" if found else f"<p><i>No term matches in {scope}.</i></p>")


def _chapter_label(chapter) -> str:
    return "Introduction" if str(chapter) == "0" else f"ch. {chapter}" if chapter is not None else ""


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
    if kind == "archives":
        from .archives import ArchiveCheck

        return ArchiveCheck(unit.id)
    raise ValueError(f"unknown widget kind {kind!r}")
